//! Balances, coins and history, with Core's fields.

use std::collections::HashSet;

use primitives::{BlockHash, Txid};
use rpc::{codes, RpcError};
use serde_json::{json, Map, Value};
use wallet::{Wallet, WalletTx};

use super::{address_text, parse_address, Call};
use crate::rpc::json::{amount, signed_amount};
use crate::rpc::{parse_hash, RpcContext, RpcResult};

pub fn getbalance(call: &Call<'_>) -> RpcResult {
    if let Some(dummy) = call.args.get(0) {
        if dummy.as_str() != Some("*") {
            return Err(RpcError::new(-32, "dummy first argument must be excluded or set to \"*\"."));
        }
    }
    let min_depth = call.args.opt_i64(1)?.unwrap_or(0);
    Ok(amount(call.wallet()?.balances(min_depth).trusted))
}

pub fn getbalances(call: &Call<'_>) -> RpcResult {
    let w = call.wallet()?;
    let b = w.balances(0);
    let mut result = json!({
        "mine": {
            "trusted": amount(b.trusted),
            "untrusted_pending": amount(b.untrusted_pending),
            "immature": amount(b.immature),
        }
    });
    // Funds in channels are not spendable: shown apart, never in "mine".
    let live: Vec<_> = w.channels().into_iter().filter(|c| c.is_live()).collect();
    let payer = live.iter().filter(|c| c.role == wallet::channel::ChannelRole::Payer);
    let payee = live.iter().filter(|c| c.role == wallet::channel::ChannelRole::Payee);
    result["channels"] = json!({
        "locked": amount(payer.clone().map(|c| c.capacity).sum()),
        "paid_out": amount(payer.map(|c| c.paid).sum()),
        "receivable": amount(payee.map(|c| c.paid).sum()),
    });
    if let Some((hash, height)) = w.best_block() {
        result["lastprocessedblock"] = json!({"hash": hash.to_string(), "height": height});
    }
    Ok(result)
}

pub fn getreceivedbyaddress(call: &Call<'_>) -> RpcResult {
    let address = parse_address(call.args.str(0, "address")?, call.ctx)?;
    let min_depth = call.args.opt_i64(1)?.unwrap_or(1);
    let include_immature = call.args.opt_bool(2)?.unwrap_or(false);
    let w = call.wallet()?;
    if !w.is_mine(address.script_pubkey()) {
        return Err(RpcError::new(codes::WALLET_ERROR, "Address not found in wallet"));
    }
    let total: u64 = w
        .txs()
        .filter(|wtx| !wtx.tx.is_coinbase() || (include_immature || !w.is_immature_coinbase(wtx)))
        .filter(|wtx| w.depth(wtx) >= min_depth.max(if wtx.tx.is_coinbase() { 1 } else { 0 }))
        .flat_map(|wtx| wtx.tx.output.iter())
        .filter(|o| &o.script_pubkey == address.script_pubkey())
        .map(|o| o.value.to_sat())
        .sum();
    Ok(amount(total))
}

pub fn listunspent(call: &Call<'_>) -> RpcResult {
    let min_conf = call.args.opt_i64(0)?.unwrap_or(1);
    let max_conf = call.args.opt_i64(1)?.unwrap_or(9_999_999);
    let filter = match call.args.get(2) {
        Some(Value::Array(list)) => {
            let mut scripts = Vec::new();
            for a in list {
                let text = a.as_str().ok_or_else(|| RpcError::wrong_type(a, "string"))?;
                let script = parse_address(text, call.ctx)?.script_pubkey().clone();
                if scripts.contains(&script) {
                    return Err(RpcError::invalid_parameter(format!("Invalid parameter, duplicated address: {text}")));
                }
                scripts.push(script);
            }
            Some(scripts)
        }
        Some(other) => return Err(RpcError::wrong_type(other, "array")),
        None => None,
    };
    let include_unsafe = call.args.opt_bool(3)?.unwrap_or(true);
    let w = call.wallet()?;
    // Depth 0 admits unconfirmed coins; the min/max filter below applies the bounds.
    let coins = w.available_coins(0, include_unsafe);
    let list: Vec<Value> = coins
        .into_iter()
        .filter(|c| c.depth >= min_conf && c.depth <= max_conf)
        .filter(|c| filter.as_ref().is_none_or(|f| f.contains(&c.output.script_pubkey)))
        .map(|c| {
            let mut v = json!({ "txid": c.outpoint.txid.to_string(), "vout": c.outpoint.vout });
            if let Some(address) = address_text(&c.output.script_pubkey, call.ctx) {
                v["address"] = json!(address);
            }
            if let Some(label) = w.label(&c.output.script_pubkey) {
                v["label"] = json!(label);
            }
            v["scriptPubKey"] = json!(hex::encode(c.output.script_pubkey.as_bytes()));
            v["amount"] = amount(c.output.value.to_sat());
            v["confirmations"] = json!(c.depth);
            let imported = matches!(w.origin(&c.output.script_pubkey), Some(wallet::Origin::Watch { descriptor, .. }) if w.can_spend_watched(descriptor));
            let spendable =
                w.private_keys_enabled() && (w.public_key_for(&c.output.script_pubkey).is_some() || imported);
            v["spendable"] = json!(spendable);
            v["solvable"] = json!(true);
            if let Some((desc, parent)) = w.descriptors_of(&c.output.script_pubkey) {
                v["desc"] = json!(desc);
                v["parent_descs"] = json!(parent.into_iter().collect::<Vec<_>>());
            }
            v["safe"] = json!(c.safe);
            v
        })
        .collect();
    Ok(Value::Array(list))
}

/// The fields Core's WalletTxToJSON adds to every entry of a transaction.
fn tx_fields(w: &Wallet, wtx: &WalletTx, out: &mut Map<String, Value>) {
    let depth = w.depth(wtx);
    out.insert("confirmations".into(), json!(depth));
    if wtx.tx.is_coinbase() {
        out.insert("generated".into(), json!(true));
    }
    if depth == 0 {
        out.insert("trusted".into(), json!(w.is_trusted(wtx)));
    }
    if let Some(b) = wtx.block {
        out.insert("blockhash".into(), json!(b.hash.to_string()));
        out.insert("blockheight".into(), json!(b.height));
        out.insert("blockindex".into(), json!(b.index));
        out.insert("blocktime".into(), json!(b.time));
    }
    out.insert("txid".into(), json!(wtx.txid.to_string()));
    out.insert("wtxid".into(), json!(wtx.tx.wtxid().to_string()));
    out.insert("walletconflicts".into(), json!(w.conflicts(wtx).iter().map(Txid::to_string).collect::<Vec<_>>()));
    if let Some(by) = wtx.replaced_by {
        out.insert("replaced_by_txid".into(), json!(by.to_string()));
    }
    if let Some(of) = wtx.replaces {
        out.insert("replaces_txid".into(), json!(of.to_string()));
    }
    let time = wtx.block.map_or(wtx.time_received, |b| wtx.time_received.min(i64::from(b.time)).max(0));
    out.insert(
        "time".into(),
        json!(if wtx.time_received == 0 { wtx.block.map_or(0, |b| i64::from(b.time)) } else { time }),
    );
    out.insert("timereceived".into(), json!(wtx.time_received));
    if let Some(c) = &wtx.comment {
        out.insert("comment".into(), json!(c));
    }
    if let Some(c) = &wtx.comment_to {
        out.insert("to".into(), json!(c));
    }
    let replaceable = depth <= 0 && wtx.tx.input.iter().any(|i| i.sequence.is_rbf());
    out.insert(
        "bip125-replaceable".into(),
        json!(if depth > 0 {
            "no"
        } else if replaceable {
            "yes"
        } else {
            "no"
        }),
    );
}

/// Core's ListTransactions rows of one transaction.
fn rows(w: &Wallet, wtx: &WalletTx, ctx: &RpcContext, with_tx_fields: bool) -> Vec<Value> {
    w.entries(wtx)
        .into_iter()
        .map(|e| {
            let mut row = Map::new();
            if let Some(address) = address_text(&e.script, ctx) {
                row.insert("address".into(), json!(address));
            }
            row.insert("category".into(), json!(e.category.as_str()));
            row.insert("amount".into(), signed_amount(e.amount));
            if let Some(label) = w.label(&e.script) {
                row.insert("label".into(), json!(label));
            }
            row.insert("vout".into(), json!(e.vout));
            if let Some(fee) = e.fee {
                row.insert("fee".into(), signed_amount(fee));
            }
            if e.category == wallet::Category::Send {
                row.insert("abandoned".into(), json!(wtx.abandoned));
            }
            if with_tx_fields {
                tx_fields(w, wtx, &mut row);
            }
            Value::Object(row)
        })
        .collect()
}

pub fn listtransactions(call: &Call<'_>) -> RpcResult {
    let label = call.args.opt_str(0)?.filter(|l| *l != "*").map(str::to_string);
    let count = call.args.opt_i64(1)?.unwrap_or(10);
    let skip = call.args.opt_i64(2)?.unwrap_or(0);
    if count < 0 {
        return Err(RpcError::invalid_parameter("Negative count"));
    }
    if skip < 0 {
        return Err(RpcError::invalid_parameter("Negative from"));
    }
    let w = call.wallet()?;
    let mut txs: Vec<&WalletTx> = w.txs().collect();
    txs.sort_by_key(|t| t.order);
    let mut all: Vec<Value> = txs.iter().flat_map(|wtx| rows(&w, wtx, call.ctx, true)).collect();
    if let Some(label) = &label {
        all.retain(|r| r.get("label").and_then(Value::as_str) == Some(label.as_str()));
    }
    // The most recent `count` after skipping `skip` from the end, oldest first.
    let end = all.len().saturating_sub(skip as usize);
    let start = end.saturating_sub(count as usize);
    Ok(Value::Array(all[start..end].to_vec()))
}

pub async fn listsinceblock(call: &Call<'_>) -> RpcResult {
    let since: Option<BlockHash> = match call.args.get(0) {
        Some(Value::String(s)) if s.is_empty() => None,
        Some(_) => Some(parse_hash(&call.args, 0, "blockhash")?),
        None => None,
    };
    let target = call.args.opt_i64(1)?.unwrap_or(1);
    if target < 1 {
        return Err(RpcError::invalid_parameter("Invalid parameter"));
    }
    let include_removed = call.args.opt_bool(3)?.unwrap_or(true);
    // The fork point of `since` with the active chain, and the transactions
    // of the blocks of its branch that are no longer active.
    let (since_height, removed_txids, lastblock) = call
        .ctx
        .chain
        .call(move |node| -> Result<(Option<u32>, HashSet<Txid>, BlockHash), RpcError> {
            let not_found = || RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Block not found");
            let mut removed = HashSet::new();
            let height = match since {
                Some(hash) => {
                    let branch = node.chain.branch_off(&hash).ok_or_else(not_found)?;
                    for gone in &branch.blocks {
                        if let Ok(Some(block)) = node.chain.block(gone) {
                            removed.extend(block.txdata.iter().map(|tx| tx.txid()));
                        }
                    }
                    Some(branch.fork_height)
                }
                None => None,
            };
            let tip = node.chain.tip().height;
            let last_height = (i64::from(tip) + 1 - target).max(0) as u32;
            Ok((height, removed, node.chain.hash_at(last_height).unwrap_or(node.chain.tip().hash)))
        })
        .await??;
    let w = call.wallet()?;
    let mut txs: Vec<&WalletTx> = w.txs().collect();
    txs.sort_by_key(|t| t.order);
    let transactions: Vec<Value> = txs
        .iter()
        .filter(|wtx| match (wtx.block, since_height) {
            (None, _) => true,
            (Some(_), None) => true,
            (Some(b), Some(h)) => b.height > h,
        })
        .flat_map(|wtx| rows(&w, wtx, call.ctx, true))
        .collect();
    let mut result = json!({ "transactions": transactions });
    if include_removed {
        // Wallet transactions of the blocks that left the chain since `blockhash`.
        let removed: Vec<Value> = txs
            .iter()
            .filter(|wtx| removed_txids.contains(&wtx.txid))
            .flat_map(|wtx| rows(&w, wtx, call.ctx, true))
            .collect();
        result["removed"] = Value::Array(removed);
    }
    result["lastblock"] = json!(lastblock.to_string());
    Ok(result)
}

pub fn gettransaction(call: &Call<'_>) -> RpcResult {
    let txid: Txid = parse_hash(&call.args, 0, "txid")?;
    let verbose = call.args.opt_bool(2)?.unwrap_or(false);
    let w = call.wallet()?;
    let wtx = w
        .tx(&txid)
        .ok_or_else(|| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Invalid or non-wallet transaction id"))?;
    let credit = w.credit(&wtx.tx) as i64;
    let debit = w.debit(&wtx.tx) as i64;
    let fee = if debit > 0 { w.fee_of(&wtx.tx).map(|f| -(f as i64)) } else { None };
    let net = credit - debit - fee.unwrap_or(0);
    let mut out = Map::new();
    out.insert("amount".into(), signed_amount(net));
    if let Some(fee) = fee {
        out.insert("fee".into(), signed_amount(fee));
    }
    tx_fields(&w, wtx, &mut out);
    let details: Vec<Value> = rows(&w, wtx, call.ctx, false);
    out.insert("details".into(), Value::Array(details));
    out.insert("hex".into(), json!(hex::encode(wtx.tx.serialize())));
    if verbose {
        out.insert("decoded".into(), crate::rpc::json::tx_json(&wtx.tx, call.ctx.network));
    }
    Ok(Value::Object(out))
}
