//! Receive: a new address with label, amount and message; its `zennet:`
//! URI (BIP21's form) and QR code; copy buttons; the requests made.

use eframe::egui;
use serde_json::json;

use super::{field, Outcome};
use crate::amount;
use crate::app::Ctx;
use crate::connect::percent_encode;

#[derive(Clone)]
pub struct Request {
    pub address: String,
    pub uri: String,
    pub label: String,
}

#[derive(Default)]
pub struct State {
    label: String,
    amount: String,
    message: String,
    /// A bech32m (taproot) address instead of bech32, as Core's receive tab offers.
    taproot: bool,
    pending: Option<u64>,
    outcome: Outcome,
    pub requests: Vec<Request>,
}

/// `zennet:<address>?amount=…&label=…&message=…`, empty parts left out.
pub fn uri(address: &str, zats: Option<u64>, label: &str, message: &str) -> String {
    let mut parts = Vec::new();
    if let Some(z) = zats {
        parts.push(format!(
            "amount={}",
            amount::format(z as i64, amount::Unit::Zen).trim_end_matches('0').trim_end_matches('.')
        ));
    }
    if !label.is_empty() {
        parts.push(format!("label={}", percent_encode(label)));
    }
    if !message.is_empty() {
        parts.push(format!("message={}", percent_encode(message)));
    }
    if parts.is_empty() {
        format!("zennet:{address}")
    } else {
        format!("zennet:{address}?{}", parts.join("&"))
    }
}

/// Draws `text` as a QR code.
pub fn qr(ui: &mut egui::Ui, text: &str) {
    let Ok(code) = qrcode::QrCode::new(text.as_bytes()) else {
        ui.label("(too long for a QR code)");
        return;
    };
    let width = code.width();
    let colors = code.to_colors();
    let module = 4.0;
    let quiet = 4.0 * module;
    let size = width as f32 * module + 2.0 * quiet;
    let (rect, response) = ui.allocate_exact_size(egui::vec2(size, size), egui::Sense::hover());
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, egui::Color32::WHITE);
    for (i, color) in colors.iter().enumerate() {
        if *color == qrcode::Color::Dark {
            let (x, y) = ((i % width) as f32, (i / width) as f32);
            let min = rect.min + egui::vec2(quiet + x * module, quiet + y * module);
            painter.rect_filled(egui::Rect::from_min_size(min, egui::vec2(module, module)), 0.0, egui::Color32::BLACK);
        }
    }
    let name = format!("QR code of {text}");
    response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Image, true, name.clone()));
}

pub fn show(ui: &mut egui::Ui, cx: &mut Ctx<'_>, state: &mut State) {
    ui.heading("Receive");
    if let Some(result) = cx.take_pending(&mut state.pending) {
        if let Ok(address) = &result {
            let address = address.as_str().unwrap_or("").to_string();
            let zats = amount::parse(&state.amount, cx.unit).ok().filter(|z| *z > 0);
            let request =
                Request { uri: uri(&address, zats, &state.label, &state.message), address, label: state.label.clone() };
            state.requests.insert(0, request);
        }
        state.outcome = Outcome::from(result);
    }
    field(ui, "Label", &mut state.label);
    field(ui, &format!("Amount ({})", cx.unit.name()), &mut state.amount);
    field(ui, "Message", &mut state.message);
    if !state.amount.trim().is_empty() {
        if let Err(e) = amount::parse(&state.amount, cx.unit) {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
    }
    ui.checkbox(&mut state.taproot, "Taproot (bech32m) address");
    if ui.button("New receiving address").clicked() {
        let label = state.label.clone();
        let address_type = if state.taproot { "bech32m" } else { "bech32" };
        state.pending = Some(cx.wallet_call("getnewaddress", json!([label, address_type])));
    }
    state.outcome.show(ui);
    if let Some(request) = state.requests.first().cloned() {
        ui.group(|ui| {
            ui.horizontal(|ui| {
                ui.label("Address");
                ui.monospace(&request.address);
                if ui.button("Copy address").clicked() {
                    ui.ctx().copy_text(request.address.clone());
                }
            });
            ui.horizontal(|ui| {
                ui.label("URI");
                ui.monospace(&request.uri);
                if ui.button("Copy URI").clicked() {
                    ui.ctx().copy_text(request.uri.clone());
                }
            });
            qr(ui, &request.uri);
        });
    }
    if state.requests.len() > 1 {
        ui.collapsing("Earlier requests", |ui| {
            for r in &state.requests[1..] {
                ui.label(format!("{} {} {}", r.label, r.address, r.uri));
            }
        });
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn uris_in_bip21_form() {
        assert_eq!(super::uri("zrt1q", None, "", ""), "zennet:zrt1q");
        assert_eq!(
            super::uri("zrt1q", Some(150_000_000), "rent", "two cores"),
            "zennet:zrt1q?amount=1.5&label=rent&message=two%20cores"
        );
        assert_eq!(
            crate::pages::send::parse_uri("zennet:zrt1q?amount=1.5&label=x"),
            Some(("zrt1q".into(), Some("1.5".into())))
        );
    }
}
