//! Balances (available, pending, immature, and funds in channels) and the
//! most recent transactions.

use eframe::egui;

use crate::amount::{self, from_json};
use crate::app::Ctx;

pub fn show(ui: &mut egui::Ui, cx: &mut Ctx<'_>) {
    ui.heading("Overview");
    let Some(wallet) = cx.snap.wallet.clone() else {
        ui.label("No wallet is loaded. Create or load one on the Wallets page.");
        return;
    };
    ui.label(format!("Wallet \"{wallet}\""));
    let b = &cx.snap.balances;
    egui::Grid::new("balances").num_columns(2).show(ui, |ui| {
        for (name, key) in [("Available", "trusted"), ("Pending", "untrusted_pending"), ("Immature", "immature")] {
            ui.label(name);
            ui.label(amount::show(from_json(&b["mine"][key]), cx.unit));
            ui.end_row();
        }
        if !b["channels"].is_null() {
            ui.label("Locked in channels");
            ui.label(amount::show(from_json(&b["channels"]["locked"]), cx.unit));
            ui.end_row();
            ui.label("Receivable in channels");
            ui.label(amount::show(from_json(&b["channels"]["receivable"]), cx.unit));
            ui.end_row();
        }
    });
    ui.separator();
    ui.heading("Recent transactions");
    for tx in cx.snap.transactions.iter().take(8) {
        ui.horizontal(|ui| {
            ui.label(tx["category"].as_str().unwrap_or(""));
            ui.label(amount::show(from_json(&tx["amount"]), cx.unit));
            ui.label(format!("{} confirmations", tx["confirmations"].as_i64().unwrap_or(0)));
            ui.label(tx["address"].as_str().unwrap_or(""));
        });
    }
}
