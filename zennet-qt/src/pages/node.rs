//! The node window: information, peers (ban, disconnect), traffic, and an
//! RPC console with history (commands carrying secrets are not kept),
//! `help`, results pretty-printed and errors in red.

use eframe::egui;
use serde_json::{json, Value};

use crate::app::Ctx;

/// Methods whose arguments are secrets: never kept in the console history.
const SECRET: [&str; 5] =
    ["walletpassphrase", "walletpassphrasechange", "encryptwallet", "createwallet", "importdescriptors"];

#[derive(Default)]
pub struct State {
    pub input: String,
    pub history: Vec<String>,
    pub output: Vec<(bool, String)>,
    pending: Option<u64>,
    action: Option<u64>,
}

/// Splits a console line into a method and JSON (or string) parameters.
pub fn parse_command(line: &str) -> Option<(String, Vec<Value>)> {
    let mut parts = line.split_whitespace();
    let method = parts.next()?.to_string();
    let params = parts.map(|p| serde_json::from_str(p).unwrap_or_else(|_| Value::String(p.to_string()))).collect();
    Some((method, params))
}

pub fn show(ui: &mut egui::Ui, cx: &mut Ctx<'_>, state: &mut State) {
    ui.heading("Node");
    if let Some(Err((code, message))) = cx.take_pending(&mut state.action) {
        state.output.push((true, format!("Error {code}: {message}")));
    }
    let chain = &cx.snap.chain;
    egui::Grid::new("node-info").show(ui, |ui| {
        for (name, value) in [
            ("Version", cx.snap.network["subversion"].as_str().unwrap_or("").to_string()),
            ("Data directory", cx.datadir.display().to_string()),
            ("Network", chain["chain"].to_string()),
            ("Blocks", chain["blocks"].to_string()),
            ("Headers", chain["headers"].to_string()),
            ("Mempool", cx.snap.page["mempool"]["size"].to_string()),
            ("Received", cx.snap.page["totals"]["totalbytesrecv"].to_string()),
            ("Sent", cx.snap.page["totals"]["totalbytessent"].to_string()),
        ] {
            ui.label(name);
            ui.label(value);
            ui.end_row();
        }
    });
    ui.collapsing("Peers", |ui| {
        egui::Grid::new("peers").striped(true).show(ui, |ui| {
            for h in ["Id", "Address", "Direction", "Ping", ""] {
                ui.strong(h);
            }
            ui.end_row();
            for p in cx.snap.page["peers"].as_array().cloned().unwrap_or_default() {
                ui.label(p["id"].to_string());
                ui.label(p["addr"].as_str().unwrap_or(""));
                ui.label(if p["inbound"].as_bool() == Some(true) { "in" } else { "out" });
                ui.label(p["pingtime"].to_string());
                ui.horizontal(|ui| {
                    if ui.button("Disconnect").clicked() {
                        state.action = Some(cx.call("disconnectnode", json!(["", p["id"]])));
                    }
                    if ui.button("Ban").clicked() {
                        let host = p["addr"].as_str().unwrap_or("").rsplit_once(':').map_or("", |(h, _)| h).to_string();
                        state.action = Some(cx.call("setban", json!([host, "add"])));
                    }
                });
                ui.end_row();
            }
        });
    });
    ui.separator();
    ui.label("Console");
    if let Some(result) = cx.take_pending(&mut state.pending) {
        state.output.push(match result {
            Ok(v) => (
                false,
                v.as_str().map(str::to_string).unwrap_or_else(|| serde_json::to_string_pretty(&v).unwrap_or_default()),
            ),
            Err((code, message)) => (true, format!("Error {code}: {message}")),
        });
    }
    egui::ScrollArea::vertical().max_height(300.0).stick_to_bottom(true).show(ui, |ui| {
        for (error, text) in &state.output {
            if *error {
                ui.colored_label(ui.visuals().error_fg_color, text);
            } else {
                ui.monospace(text);
            }
        }
    });
    let l = ui.label("Command");
    let response = ui.text_edit_singleline(&mut state.input).labelled_by(l.id);
    let submitted = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    if (submitted || ui.button("Run").clicked()) && state.pending.is_none() {
        if let Some((method, params)) = parse_command(&state.input) {
            state.output.push((
                false,
                format!("> {}", if SECRET.contains(&method.as_str()) { method.clone() } else { state.input.clone() }),
            ));
            if !SECRET.contains(&method.as_str()) {
                state.history.push(state.input.clone());
            }
            let wallet = cx.snap.wallet.is_some();
            state.pending = Some(if wallet {
                cx.wallet_call(&method, Value::Array(params))
            } else {
                cx.call(&method, Value::Array(params))
            });
        }
        state.input.clear();
    }
    if !state.history.is_empty() {
        ui.collapsing("History", |ui| {
            for h in state.history.iter().rev() {
                ui.monospace(h);
            }
        });
    }
}
