//! Channels: the wallet's payment channels, their details, and open / pay /
//! close / accept / receive with the blobs to copy and paste.

use eframe::egui;
use serde_json::json;

use super::{field, Outcome};
use crate::amount::{self, from_json};
use crate::app::{show_error, Ctx};

#[derive(Default)]
pub struct State {
    payee_key: String,
    capacity: String,
    blocks: String,
    channel: String,
    pay_amount: String,
    blob: String,
    pending: Option<u64>,
    outcome: Outcome,
}

pub fn show(ui: &mut egui::Ui, cx: &mut Ctx<'_>, state: &mut State) {
    ui.heading("Channels");
    let list = &cx.snap.page["channels"];
    if list["error"]["code"].as_i64() == Some(-32601) {
        ui.label("This node does not offer payment channels yet.");
        return;
    }
    if let Some(code) = list["error"]["code"].as_i64() {
        show_error(ui, &(code as i32, list["error"]["message"].as_str().unwrap_or("").to_string()));
    }
    if let Some(result) = cx.take_pending(&mut state.pending) {
        state.outcome = Outcome::from(result);
    }
    egui::Grid::new("channels").striped(true).show(ui, |ui| {
        for h in ["Channel", "Role", "State", "Capacity", "Paid", "Blocks left", ""] {
            ui.strong(h);
        }
        ui.end_row();
        for c in list.as_array().cloned().unwrap_or_default() {
            let id = c["channel_id"].as_str().unwrap_or("").to_string();
            ui.monospace(id.get(..12).unwrap_or(&id));
            ui.label(c["role"].as_str().unwrap_or(""));
            ui.label(c["state"].as_str().unwrap_or(""));
            ui.label(amount::show(from_json(&c["capacity"]), cx.unit));
            ui.label(amount::show(from_json(&c["paid"]), cx.unit));
            ui.label(c["blocks_left"].to_string());
            if ui.button("Select").clicked() {
                state.channel = id;
            }
            ui.end_row();
        }
    });
    ui.separator();
    ui.label("Open a channel (payer)");
    field(ui, "Payee public key", &mut state.payee_key);
    field(ui, &format!("Capacity ({})", cx.unit.name()), &mut state.capacity);
    field(ui, "Expiry (blocks)", &mut state.blocks);
    if ui.button("Open channel").clicked() {
        match amount::parse(&state.capacity, cx.unit) {
            Ok(zats) => {
                let blocks: u64 = state.blocks.trim().parse().unwrap_or(1000);
                state.pending =
                    Some(cx.wallet_call("channelopen", json!([state.payee_key.trim(), amount::to_json(zats), blocks])));
            }
            Err(e) => state.outcome = Outcome::Failed((0, format!("Capacity: {e}"))),
        }
    }
    ui.separator();
    field(ui, "Channel", &mut state.channel);
    field(ui, &format!("Pay ({})", cx.unit.name()), &mut state.pay_amount);
    ui.horizontal(|ui| {
        if ui.button("Pay").clicked() {
            if let Ok(zats) = amount::parse(&state.pay_amount, cx.unit) {
                state.pending =
                    Some(cx.wallet_call("channelpay", json!([state.channel.trim(), amount::to_json(zats)])));
            }
        }
        if ui.button("Close channel").clicked() {
            state.pending = Some(cx.wallet_call("channelclose", json!([state.channel.trim()])));
        }
    });
    let l = ui.label("A blob from the other party (open, pay or ack)");
    ui.text_edit_multiline(&mut state.blob).labelled_by(l.id);
    ui.horizontal(|ui| {
        let blob = state.blob.trim().to_string();
        if ui.button("Accept open").clicked() {
            state.pending = Some(cx.wallet_call("channelaccept", json!([blob])));
        }
        if ui.button("Receive payment").clicked() {
            state.pending = Some(cx.wallet_call("channelreceive", json!([blob])));
        }
        if ui.button("Record acknowledgement").clicked() {
            state.pending = Some(cx.wallet_call("channelack", json!([blob])));
        }
    });
    if let Some(v) = state.outcome.show(ui) {
        for key in ["open_blob", "pay_blob", "ack_blob"] {
            if let Some(blob) = v[key].as_str() {
                ui.horizontal(|ui| {
                    ui.label(key);
                    if ui.button("Copy blob").clicked() {
                        ui.ctx().copy_text(blob.to_string());
                    }
                });
                ui.monospace(blob);
            }
        }
        if let Some(id) = v["channel_id"].as_str() {
            ui.monospace(format!("Channel {id}"));
        }
    }
}
