//! Labels and amounts received, as Core's: `setlabel`, `listlabels`,
//! `getaddressesbylabel`, `listreceivedbyaddress`, `listreceivedbylabel`.

use std::collections::BTreeMap;

use primitives::{Address, ScriptBuf};
use rpc::{codes, RpcError};
use serde_json::{json, Map, Value};

use super::{parse_address, werr, Call};
use crate::rpc::json::amount;
use crate::rpc::RpcResult;

fn check_label(label: &str) -> Result<(), RpcError> {
    if label == "*" {
        return Err(RpcError::new(codes::WALLET_INVALID_LABEL_NAME, "Invalid label name"));
    }
    Ok(())
}

/// `setlabel "address" "label"`.
pub fn setlabel(call: &Call<'_>) -> RpcResult {
    let address = parse_address(call.args.str(0, "address")?, call.ctx)?;
    let label = call.args.str(1, "label")?;
    check_label(label)?;
    call.wallet()?.set_label(address.script_pubkey(), label).map_err(werr)?;
    Ok(Value::Null)
}

/// `listlabels ( "purpose" )`: every label, sorted.
pub fn listlabels(call: &Call<'_>) -> RpcResult {
    let purpose = call.args.opt_str(0)?;
    let w = call.wallet()?;
    let mut labels: Vec<String> = w
        .labels()
        .filter(|(script, _)| match purpose {
            None => true,
            Some("receive") => w.is_mine(script),
            Some("send") => !w.is_mine(script),
            Some(_) => false,
        })
        .map(|(_, l)| l.clone())
        .collect();
    labels.sort();
    labels.dedup();
    Ok(json!(labels))
}

/// `getaddressesbylabel "label"`.
pub fn getaddressesbylabel(call: &Call<'_>) -> RpcResult {
    let label = call.args.str(0, "label")?;
    let w = call.wallet()?;
    let mut out = Map::new();
    for (script, l) in w.labels() {
        if l == label {
            if let Ok(address) = Address::from_script(script, call.ctx.network) {
                let purpose = if w.is_mine(script) { "receive" } else { "send" };
                out.insert(address.to_string(), json!({ "purpose": purpose }));
            }
        }
    }
    if out.is_empty() {
        return Err(RpcError::new(codes::WALLET_INVALID_LABEL_NAME, format!("No addresses with label {label}")));
    }
    Ok(Value::Object(out))
}

/// What one script of the wallet received.
#[derive(Default)]
struct Received {
    amount: u64,
    /// Fewest confirmations among the transactions (Core's `nConf`).
    confirmations: Option<i64>,
    txids: Vec<String>,
}

/// Amounts received per script (not change) with at least `min_conf`.
fn received(call: &Call<'_>, min_conf: i64, include_immature: bool) -> Result<BTreeMap<ScriptBuf, Received>, RpcError> {
    let w = call.wallet()?;
    let mut by_script: BTreeMap<ScriptBuf, Received> = BTreeMap::new();
    for wtx in w.txs() {
        if wtx.tx.is_coinbase() && (!include_immature && w.is_immature_coinbase(wtx)) {
            continue;
        }
        let depth = w.depth(wtx);
        if depth < min_conf || depth < 0 || (wtx.tx.is_coinbase() && depth < 1) {
            continue;
        }
        for out in &wtx.tx.output {
            if !w.is_mine(&out.script_pubkey) || w.is_change(&out.script_pubkey) {
                continue;
            }
            let entry = by_script.entry(out.script_pubkey.clone()).or_default();
            entry.amount += out.value.to_sat();
            entry.confirmations = Some(entry.confirmations.map_or(depth, |c| c.min(depth)));
            let txid = wtx.txid.to_string();
            if !entry.txids.contains(&txid) {
                entry.txids.push(txid);
            }
        }
    }
    Ok(by_script)
}

/// `listreceivedbyaddress ( minconf include_empty include_watchonly "address_filter" include_immature_coinbase )`.
pub fn listreceivedbyaddress(call: &Call<'_>) -> RpcResult {
    let min_conf = call.args.opt_i64(0)?.unwrap_or(1);
    let include_empty = call.args.opt_bool(1)?.unwrap_or(false);
    let filter = match call.args.opt_str(3)? {
        Some(text) => Some(
            parse_address(text, call.ctx)
                .map_err(|_| RpcError::new(codes::WALLET_ERROR, "address_filter parameter was invalid"))?
                .script_pubkey()
                .clone(),
        ),
        None => None,
    };
    let include_immature = call.args.opt_bool(4)?.unwrap_or(false);
    let by_script = received(call, min_conf, include_immature)?;
    let w = call.wallet()?;
    let mut scripts: Vec<ScriptBuf> = by_script.keys().cloned().collect();
    if include_empty {
        scripts.extend(w.labels().filter(|(s, _)| w.is_mine(s)).map(|(s, _)| s.clone()));
        scripts.sort();
        scripts.dedup();
    }
    let mut list = Vec::new();
    for script in scripts {
        if filter.as_ref().is_some_and(|f| *f != script) {
            continue;
        }
        let Ok(address) = Address::from_script(&script, call.ctx.network) else { continue };
        let r = by_script.get(&script);
        let mut entry = json!({
            "address": address.to_string(),
            "amount": amount(r.map_or(0, |r| r.amount)),
            "confirmations": r.and_then(|r| r.confirmations).unwrap_or(0),
            "label": w.label(&script).unwrap_or(""),
            "txids": r.map_or(Vec::new(), |r| r.txids.clone()),
        });
        if !w.private_keys_enabled() {
            entry["involvesWatchonly"] = json!(true);
        }
        list.push(entry);
    }
    Ok(Value::Array(list))
}

/// `listreceivedbylabel ( minconf include_empty include_watchonly include_immature_coinbase )`.
pub fn listreceivedbylabel(call: &Call<'_>) -> RpcResult {
    let min_conf = call.args.opt_i64(0)?.unwrap_or(1);
    let include_empty = call.args.opt_bool(1)?.unwrap_or(false);
    let include_immature = call.args.opt_bool(3)?.unwrap_or(false);
    let by_script = received(call, min_conf, include_immature)?;
    let w = call.wallet()?;
    let mut by_label: BTreeMap<String, (u64, Option<i64>)> = BTreeMap::new();
    for (script, label) in w.labels() {
        if !w.is_mine(script) {
            continue;
        }
        let r = by_script.get(script);
        if r.is_none() && !include_empty {
            continue;
        }
        let entry = by_label.entry(label.clone()).or_insert((0, None));
        if let Some(r) = r {
            entry.0 += r.amount;
            entry.1 = match (entry.1, r.confirmations) {
                (Some(a), Some(b)) => Some(a.min(b)),
                (a, b) => a.or(b),
            };
        }
    }
    Ok(Value::Array(
        by_label
            .into_iter()
            .map(|(label, (total, conf))| json!({ "amount": amount(total), "confirmations": conf.unwrap_or(0), "label": label }))
            .collect(),
    ))
}
