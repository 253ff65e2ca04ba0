//! Wallets: create (the recovery phrase shown once, then some of its words
//! asked back), restore from a phrase, load and unload, encrypt, unlock for
//! a time, lock, change the passphrase.

use eframe::egui;
use serde_json::json;

use super::{field, Outcome};
use crate::app::Ctx;
use crate::backend::Command;

/// Words of the phrase asked back before the wallet is shown as backed up.
const CHECKED_WORDS: [usize; 3] = [2, 11, 20];

#[derive(Default)]
pub struct State {
    name: String,
    passphrase: String,
    restore_phrase: String,
    pending: Option<u64>,
    outcome: Outcome,
    /// A new wallet's phrase, until its words are confirmed.
    phrase: Option<Vec<String>>,
    answers: [String; 3],
    confirmed: bool,
    unlock_pass: String,
    unlock_secs: String,
    new_pass: String,
    load_name: String,
}

fn call(cx: &mut Ctx<'_>, state: &mut State, wallet: bool, method: &str, params: serde_json::Value) {
    state.pending = Some(if wallet { cx.wallet_call(method, params) } else { cx.call(method, params) });
    state.outcome = Outcome::None;
}

pub fn show(ui: &mut egui::Ui, cx: &mut Ctx<'_>, state: &mut State) {
    ui.heading("Wallets");
    if let Some(result) = cx.take_pending(&mut state.pending) {
        if let Ok(v) = &result {
            if let Some(phrase) = v["mnemonic"].as_str() {
                state.phrase = Some(phrase.split_whitespace().map(str::to_string).collect());
                state.confirmed = false;
            }
            if let Some(name) = v["name"].as_str() {
                cx.send(Command::SelectWallet(Some(name.to_string())));
            }
        }
        state.outcome = Outcome::from(result);
    }
    if state.pending.is_some() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Working…");
        });
    }
    if let Some(value) = state.outcome.show(ui) {
        if value.is_null() {
            ui.label("Done.");
        } else if value.get("mnemonic").is_none() {
            ui.label(format!("Done: {value}"));
        }
    }

    if let Some(words) = state.phrase.clone() {
        ui.group(|ui| {
            ui.label("Recovery phrase: write these 24 words down, in order. They are shown once.");
            ui.monospace(words.join(" "));
            ui.label("To check your copy, type back these words:");
            for (i, &n) in CHECKED_WORDS.iter().enumerate() {
                field(ui, &format!("Word {}", n + 1), &mut state.answers[i]);
            }
            let right =
                CHECKED_WORDS.iter().zip(&state.answers).all(|(&n, a)| words.get(n).is_some_and(|w| w == a.trim()));
            if ui.button("Confirm phrase").clicked() {
                state.confirmed = right;
                if right {
                    state.phrase = None;
                    state.answers = Default::default();
                } else {
                    state.outcome = Outcome::Failed((0, "Those words do not match the phrase.".into()));
                }
            }
        });
        return;
    }
    if state.confirmed {
        ui.label("Recovery phrase confirmed.");
    }

    ui.group(|ui| {
        ui.label("New or restored wallet");
        field(ui, "Wallet name", &mut state.name);
        field(ui, "Passphrase (optional)", &mut state.passphrase);
        ui.horizontal(|ui| {
            if ui.button("Create wallet").clicked() {
                let pass = (!state.passphrase.is_empty()).then(|| state.passphrase.clone());
                let params = json!({"wallet_name": state.name, "passphrase": pass});
                call(cx, state, false, "createwallet", params);
            }
        });
        let l = ui.label("Recovery phrase to restore");
        ui.text_edit_multiline(&mut state.restore_phrase).labelled_by(l.id);
        if ui.button("Restore wallet").clicked() {
            let pass = (!state.passphrase.is_empty()).then(|| state.passphrase.clone());
            let params =
                json!({"wallet_name": state.name, "passphrase": pass, "mnemonic": state.restore_phrase.trim()});
            call(cx, state, false, "createwallet", params);
            state.restore_phrase.clear();
        }
    });

    ui.group(|ui| {
        ui.label(format!(
            "Loaded: {}",
            cx.snap.wallets.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(", ")
        ));
        field(ui, "Wallet to load", &mut state.load_name);
        ui.horizontal(|ui| {
            if ui.button("Load wallet").clicked() {
                let name = state.load_name.clone();
                call(cx, state, false, "loadwallet", json!([name]));
            }
            if ui.button("Unload selected wallet").clicked() {
                call(cx, state, true, "unloadwallet", json!([]));
            }
        });
    });

    if cx.snap.wallet.is_none() {
        return;
    }
    ui.group(|ui| {
        let encrypted = cx.snap.wallet_info.get("unlocked_until").is_some();
        ui.label(if encrypted { "The wallet is encrypted." } else { "The wallet is not encrypted." });
        if !encrypted {
            field(ui, "New passphrase", &mut state.new_pass);
            if ui.button("Encrypt wallet").clicked() {
                let pass = std::mem::take(&mut state.new_pass);
                call(cx, state, true, "encryptwallet", json!([pass]));
            }
            return;
        }
        field(ui, "Passphrase", &mut state.unlock_pass);
        field(ui, "Seconds", &mut state.unlock_secs);
        ui.horizontal(|ui| {
            if ui.button("Unlock").clicked() {
                let secs: i64 = state.unlock_secs.trim().parse().unwrap_or(300);
                let pass = std::mem::take(&mut state.unlock_pass);
                call(cx, state, true, "walletpassphrase", json!([pass, secs]));
            }
            if ui.button("Lock").clicked() {
                call(cx, state, true, "walletlock", json!([]));
            }
        });
        field(ui, "New passphrase", &mut state.new_pass);
        if ui.button("Change passphrase").clicked() {
            let (old, new) = (std::mem::take(&mut state.unlock_pass), std::mem::take(&mut state.new_pass));
            call(cx, state, true, "walletpassphrasechange", json!([old, new]));
        }
    });
}
