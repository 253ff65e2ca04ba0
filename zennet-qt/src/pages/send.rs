//! Send: recipients with addresses checked as they are typed, amounts in
//! the chosen unit, subtract-fee, a fee by confirmation target or custom
//! rate, RBF, a confirmation step, and coin control (lock/unlock UTXOs).
//! A `zennet:` URI pasted into the address field fills the form.

use eframe::egui;
use primitives::Address;
use serde_json::{json, Map, Value};

use super::Outcome;
use crate::amount::{self, from_json};
use crate::app::Ctx;

#[derive(Default)]
pub struct Recipient {
    pub address: String,
    pub amount: String,
    pub subtract_fee: bool,
}

pub struct State {
    pub recipients: Vec<Recipient>,
    conf_target: u32,
    custom_fee: bool,
    fee_rate: String,
    replaceable: bool,
    confirming: bool,
    pending: Option<u64>,
    outcome: Outcome,
    lock_pending: Option<u64>,
    estimate: Option<u64>,
    /// The node's estimate for the target, zats per kvB.
    estimated_rate: Option<i64>,
}

impl Default for State {
    fn default() -> Self {
        State {
            recipients: vec![Recipient::default()],
            conf_target: 6,
            custom_fee: false,
            fee_rate: String::new(),
            replaceable: true,
            confirming: false,
            pending: None,
            outcome: Outcome::None,
            lock_pending: None,
            estimate: None,
            estimated_rate: None,
        }
    }
}

/// `zennet:<address>?amount=<ZEN>&label=…&message=…` (BIP21's form).
pub fn parse_uri(uri: &str) -> Option<(String, Option<String>)> {
    let rest = uri.trim().strip_prefix("zennet:")?;
    let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
    let amount = query.split('&').find_map(|kv| kv.strip_prefix("amount=")).map(str::to_string);
    Some((address.to_string(), amount))
}

fn check(
    recipients: &[Recipient],
    network: primitives::Network,
    unit: amount::Unit,
) -> Result<Vec<(String, u64, bool)>, String> {
    recipients
        .iter()
        .enumerate()
        .map(|(i, r)| {
            Address::parse(r.address.trim(), network).map_err(|e| format!("Recipient {}: {e}", i + 1))?;
            let zats = amount::parse(&r.amount, unit).map_err(|e| format!("Recipient {}: {e}", i + 1))?;
            if zats == 0 {
                return Err(format!("Recipient {}: the amount must be above zero", i + 1));
            }
            Ok((r.address.trim().to_string(), zats, r.subtract_fee))
        })
        .collect()
}

pub fn show(ui: &mut egui::Ui, cx: &mut Ctx<'_>, state: &mut State) {
    ui.heading("Send");
    if let Some(result) = cx.take_pending(&mut state.pending) {
        state.outcome = Outcome::from(result);
    }
    if let Some(Err(e)) = cx.take_pending(&mut state.lock_pending) {
        state.outcome = Outcome::Failed(e);
    }
    let available = from_json(&cx.snap.balances["mine"]["trusted"]);
    let mut remove = None;
    let count = state.recipients.len();
    for (i, r) in state.recipients.iter_mut().enumerate() {
        ui.group(|ui| {
            ui.horizontal(|ui| {
                let l = ui.label("Pay to");
                let edit = ui.add(egui::TextEdit::singleline(&mut r.address).desired_width(420.0)).labelled_by(l.id);
                if edit.changed() {
                    if let Some((address, amount)) = parse_uri(&r.address) {
                        r.address = address;
                        if let Some(zen) = amount.and_then(|a| amount::parse(&a, amount::Unit::Zen).ok()) {
                            r.amount = amount::format(zen as i64, cx.unit);
                        }
                    }
                }
                if !r.address.is_empty() {
                    match Address::parse(r.address.trim(), cx.network) {
                        Ok(_) => ui.label("valid address"),
                        Err(e) => ui.colored_label(ui.visuals().error_fg_color, e.to_string()),
                    };
                }
            });
            ui.horizontal(|ui| {
                let l = ui.label(format!("Amount ({})", cx.unit.name()));
                ui.text_edit_singleline(&mut r.amount).labelled_by(l.id);
                if ui.button("Use available balance").clicked() {
                    r.amount = amount::format(available, cx.unit);
                    r.subtract_fee = true;
                }
                ui.checkbox(&mut r.subtract_fee, "Subtract fee from amount");
                if count > 1 && ui.button("Remove").clicked() {
                    remove = Some(i);
                }
            });
        });
    }
    if let Some(i) = remove {
        state.recipients.remove(i);
    }
    if ui.button("Add recipient").clicked() {
        state.recipients.push(Recipient::default());
    }
    ui.horizontal(|ui| {
        ui.checkbox(&mut state.custom_fee, "Custom fee rate");
        if state.custom_fee {
            let l = ui.label("sat/vB");
            ui.text_edit_singleline(&mut state.fee_rate).labelled_by(l.id);
        } else {
            ui.add(egui::Slider::new(&mut state.conf_target, 1..=144).text("confirmation target (blocks)"));
        }
    });
    ui.checkbox(&mut state.replaceable, "Replace-by-fee (RBF)");
    let checked = check(&state.recipients, cx.network, cx.unit);
    if let Err(e) = &checked {
        if state.recipients.iter().any(|r| !r.address.is_empty() || !r.amount.is_empty()) {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
    }
    if state.pending.is_some() {
        ui.spinner();
    }
    if ui.add_enabled(checked.is_ok() && state.pending.is_none(), egui::Button::new("Review and send")).clicked() {
        state.confirming = true;
        state.estimated_rate = None;
        if !state.custom_fee {
            state.estimate = Some(cx.call("estimatesmartfee", json!([state.conf_target])));
        }
    }
    if let Some(result) = cx.take_pending(&mut state.estimate) {
        state.estimated_rate = result.ok().and_then(|v| v.get("feerate").map(from_json));
    }
    if state.confirming {
        let list = checked.clone().unwrap_or_default();
        let total: u64 = list.iter().map(|r| r.1).sum();
        ui.group(|ui| {
            ui.label("Confirm sending");
            for (address, zats, subtract) in &list {
                ui.label(format!(
                    "{} to {address}{}",
                    amount::show(*zats as i64, cx.unit),
                    if *subtract { " (fee subtracted)" } else { "" }
                ));
            }
            let fee = if state.custom_fee {
                let rate: f64 = state.fee_rate.trim().parse().unwrap_or(0.0);
                let estimate = estimated_fee(&cx.snap.unspent, total, list.len(), rate);
                format!("{} sat/vB, about {}", state.fee_rate.trim(), amount::show(estimate as i64, cx.unit))
            } else {
                match state.estimated_rate {
                    Some(per_kvb) => {
                        let rate = per_kvb as f64 / 1000.0;
                        let estimate = estimated_fee(&cx.snap.unspent, total, list.len(), rate);
                        format!(
                            "{rate:.3} sat/vB for {} blocks, about {}",
                            state.conf_target,
                            amount::show(estimate as i64, cx.unit)
                        )
                    }
                    None => {
                        format!("no estimate for {} blocks yet: the node's -fallbackfee applies", state.conf_target)
                    }
                }
            };
            ui.label(format!("Total {} plus the fee: {fee}", amount::show(total as i64, cx.unit)));
            ui.horizontal(|ui| {
                if ui.button("Confirm").clicked() {
                    state.confirming = false;
                    state.pending = Some(send(cx, state, &list));
                }
                if ui.button("Cancel").clicked() {
                    state.confirming = false;
                }
            });
        });
    }
    if let Some(result) = state.outcome.show(ui) {
        let txid =
            result.as_str().map(str::to_string).unwrap_or_else(|| result["txid"].as_str().unwrap_or("").to_string());
        ui.horizontal(|ui| {
            ui.label("Sent:");
            ui.monospace(&txid);
            if ui.button("Copy txid").clicked() {
                ui.ctx().copy_text(txid.clone());
            }
        });
    }
    coin_control(ui, cx, state);
}

/// The fee of paying `total` to `outputs` recipients at `rate` sat/vB,
/// choosing the largest coins first as an estimate of the wallet's choice
/// (P2WPKH inputs of 68 vbytes, outputs of 31, a change output, 11 of overhead).
pub fn estimated_fee(unspent: &Value, total: u64, outputs: usize, rate: f64) -> u64 {
    let mut coins: Vec<i64> =
        unspent.as_array().map(|a| a.iter().map(|c| from_json(&c["amount"])).collect()).unwrap_or_default();
    coins.sort_unstable_by(|a, b| b.cmp(a));
    let mut inputs = 0u64;
    let mut have = 0i64;
    let vsize = |inputs: u64| 11 + 68 * inputs + 31 * (outputs as u64 + 1);
    for coin in coins {
        if have >= (total as f64 + rate * vsize(inputs) as f64) as i64 {
            break;
        }
        have += coin;
        inputs += 1;
    }
    (rate * vsize(inputs.max(1)) as f64).ceil() as u64
}

fn send(cx: &mut Ctx<'_>, state: &State, list: &[(String, u64, bool)]) -> u64 {
    let fee_rate: Value =
        if state.custom_fee { serde_json::from_str(state.fee_rate.trim()).unwrap_or(Value::Null) } else { Value::Null };
    let conf = if state.custom_fee { Value::Null } else { json!(state.conf_target) };
    if let [(address, zats, subtract)] = list {
        let params = json!({
            "address": address, "amount": amount::to_json(*zats), "subtractfeefromamount": subtract,
            "replaceable": state.replaceable, "conf_target": conf, "fee_rate": fee_rate,
        });
        return cx.wallet_call("sendtoaddress", params);
    }
    let mut amounts = Map::new();
    for (address, zats, _) in list {
        amounts.insert(address.clone(), amount::to_json(*zats));
    }
    let subtract: Vec<&String> = list.iter().filter(|r| r.2).map(|r| &r.0).collect();
    let params = json!({
        "dummy": "", "amounts": amounts, "subtractfeefrom": subtract, "replaceable": state.replaceable,
        "conf_target": conf, "fee_rate": fee_rate,
    });
    cx.wallet_call("sendmany", params)
}

fn coin_control(ui: &mut egui::Ui, cx: &mut Ctx<'_>, state: &mut State) {
    ui.collapsing("Coin control", |ui| {
        let coins = cx.snap.unspent.as_array().cloned().unwrap_or_default();
        egui::Grid::new("coins").striped(true).show(ui, |ui| {
            for header in ["Amount", "Label", "Address", "Confirmations", ""] {
                ui.strong(header);
            }
            ui.end_row();
            for coin in coins {
                ui.label(amount::show(from_json(&coin["amount"]), cx.unit));
                ui.label(coin["label"].as_str().unwrap_or(""));
                ui.label(coin["address"].as_str().unwrap_or(""));
                ui.label(coin["confirmations"].to_string());
                if ui.button("Lock").clicked() {
                    let outpoint = json!([{"txid": coin["txid"], "vout": coin["vout"]}]);
                    state.lock_pending = Some(cx.wallet_call("lockunspent", json!([false, outpoint])));
                }
                ui.end_row();
            }
        });
        if ui.button("Unlock all coins").clicked() {
            state.lock_pending = Some(cx.wallet_call("lockunspent", json!([true])));
        }
    });
}
