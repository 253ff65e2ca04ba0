//! Mempool RPCs: sendrawtransaction, testmempoolaccept, getrawmempool,
//! getmempoolentry, getmempoolinfo.

use mempool::{MempoolEntry, MempoolError};
use primitives::{OutPoint, Transaction, COIN};
use rpc::{codes, Args, RpcError};
use serde_json::{json, Map, Value};

use super::json::amount;
use super::utxo::parse_txid;
use super::{RpcContext, RpcResult};
use crate::clock;

/// Core's default `maxfeerate` for sendrawtransaction: 0.10 ZEN/kvB.
const DEFAULT_MAX_FEERATE: u64 = COIN / 10;

pub(super) fn decode_tx(hex_text: &str) -> Result<Transaction, RpcError> {
    let decode_failed = || RpcError::new(codes::DESERIALIZATION_ERROR, "TX decode failed");
    if hex_text.len() > 2 * primitives::MAX_BLOCK_WEIGHT as usize {
        // No transaction is larger than a block's weight in bytes: refused before decoding.
        return Err(RpcError::new(
            codes::DESERIALIZATION_ERROR,
            "TX decode failed: larger than the maximum block weight",
        ));
    }
    let bytes = hex::decode(hex_text).map_err(|_| decode_failed())?;
    // As Core's DecodeHexTx: the extended form first, then the legacy one
    // (a transaction without inputs reads as a marker in the first).
    Transaction::from_bytes(&bytes)
        .or_else(|e| Transaction::from_bytes_no_witness(&bytes).map_err(|_| e))
        .map_err(|e| RpcError::new(codes::DESERIALIZATION_ERROR, format!("TX decode failed: {e}")))
}

/// A feerate argument in ZEN/kvB, as zats/kvB.
fn feerate_arg(args: &Args, index: usize) -> Result<Option<u64>, RpcError> {
    match args.get(index) {
        None => Ok(None),
        Some(Value::Number(n)) => {
            let zen = n.as_f64().ok_or_else(|| RpcError::type_error("Invalid amount"))?;
            if !(0.0..=21e6).contains(&zen) {
                return Err(RpcError::new(codes::TYPE_ERROR, "Amount out of range"));
            }
            Ok(Some((zen * COIN as f64).round() as u64))
        }
        Some(other) => Err(RpcError::wrong_type(other, "number")),
    }
}

pub async fn sendrawtransaction(ctx: &RpcContext, args: &Args) -> RpcResult {
    let tx = decode_tx(args.str(0, "hexstring")?)?;
    let max_feerate = feerate_arg(args, 1)?.unwrap_or(DEFAULT_MAX_FEERATE);
    let txid = tx.txid();
    ctx.chain
        .call(move |node| -> Result<(), RpcError> {
            // Core's BroadcastTransaction: a transaction whose outputs are
            // coins already was confirmed.
            for vout in 0..tx.output.len() as u32 {
                let coin = node
                    .chain
                    .coin(&OutPoint { txid, vout })
                    .map_err(|e| RpcError::new(codes::DATABASE_ERROR, e.to_string()))?;
                if coin.is_some() {
                    return Err(RpcError::new(
                        codes::VERIFY_ALREADY_IN_CHAIN,
                        "Transaction outputs already in utxo set",
                    ));
                }
            }
            if node.mempool.pool().get(&txid).is_some() {
                return Ok(()); // Core: already known is success
            }
            let vsize = tx.vsize();
            let fee = node.accept_to_mempool(tx.clone(), clock::now(), true).map_err(reject)?;
            if max_feerate != 0 && fee * 1000 > max_feerate * vsize {
                return Err(RpcError::new(
                    codes::VERIFY_REJECTED,
                    "Fee exceeds maximum configured by user (e.g. -maxtxfee, maxfeerate)",
                ));
            }
            node.accept_to_mempool(tx, clock::now(), false).map_err(reject)?;
            Ok(())
        })
        .await??;
    Ok(json!(txid.to_string()))
}

/// Core's mapping of mempool rejections to RPC errors.
fn reject(e: MempoolError) -> RpcError {
    match e {
        MempoolError::MissingInputs { .. } => RpcError::new(codes::VERIFY_ERROR, "bad-txns-inputs-missingorspent"),
        other => RpcError::new(codes::VERIFY_REJECTED, other.reason()),
    }
}

pub async fn testmempoolaccept(ctx: &RpcContext, args: &Args) -> RpcResult {
    let raw = args.get(0).and_then(Value::as_array).ok_or_else(|| RpcError::type_error("Expected type array"))?;
    if raw.len() > 25 {
        return Err(RpcError::invalid_parameter("Array must contain between 1 and 25 transactions."));
    }
    let txs = raw
        .iter()
        .map(|v| v.as_str().ok_or_else(|| RpcError::wrong_type(v, "string")).and_then(decode_tx))
        .collect::<Result<Vec<_>, _>>()?;
    let max_feerate = feerate_arg(args, 1)?.unwrap_or(DEFAULT_MAX_FEERATE);
    let verdicts = ctx
        .chain
        .call(move |node| {
            txs.into_iter()
                .map(|tx| {
                    let (txid, wtxid, vsize) = (tx.txid(), tx.wtxid(), tx.vsize());
                    (txid, wtxid, vsize, node.accept_to_mempool(tx, clock::now(), true).map_err(|e| e.reason()))
                })
                .collect::<Vec<_>>()
        })
        .await?;
    let results: Vec<Value> = verdicts
        .into_iter()
        .map(|(txid, wtxid, vsize, verdict)| {
            let mut r = Map::new();
            r.insert("txid".into(), json!(txid.to_string()));
            r.insert("wtxid".into(), json!(wtxid.to_string()));
            match verdict {
                Ok(fee) if max_feerate != 0 && fee * 1000 > max_feerate * vsize => {
                    r.insert("allowed".into(), json!(false));
                    r.insert("reject-reason".into(), json!("max-fee-exceeded"));
                }
                Ok(fee) => {
                    r.insert("allowed".into(), json!(true));
                    r.insert("vsize".into(), json!(vsize));
                    // Core ≥ 25: the feerate the transaction is judged at, and whose fees count in it.
                    r.insert(
                        "fees".into(),
                        json!({
                            "base": amount(fee),
                            "effective-feerate": amount(fee * 1000 / vsize.max(1)),
                            "effective-includes": [wtxid.to_string()],
                        }),
                    );
                }
                Err(reason) => {
                    r.insert("allowed".into(), json!(false));
                    r.insert("reject-reason".into(), json!(reason));
                }
            }
            Value::Object(r)
        })
        .collect();
    Ok(Value::Array(results))
}

/// A mempool entry with its package sums, read on the chain's thread.
struct EntryFacts {
    entry: MempoolEntry,
    ancestors: (usize, u64, u64),
    descendants: (usize, u64, u64),
}

/// Count, size and fees of a set of pool transactions.
fn package(set: &std::collections::HashSet<primitives::Txid>, pool: &mempool::Mempool) -> (usize, u64, u64) {
    set.iter().filter_map(|t| pool.get(t)).fold((set.len(), 0u64, 0u64), |(n, s, f), x| (n, s + x.vsize, f + x.fee))
}

fn entry_facts(e: &MempoolEntry, pool: &mempool::Mempool) -> EntryFacts {
    EntryFacts {
        entry: e.clone(),
        ancestors: package(&pool.ancestors(&e.txid()), pool),
        descendants: package(&pool.descendants(&e.txid()), pool),
    }
}

fn entry_json(f: &EntryFacts) -> Value {
    let e = &f.entry;
    let (anc_count, anc_size, anc_fees) = f.ancestors;
    let (desc_count, desc_size, desc_fees) = f.descendants;
    json!({
        "vsize": e.vsize,
        "weight": e.tx.weight(),
        "time": e.time,
        "height": e.height,
        "descendantcount": desc_count + 1,
        "descendantsize": desc_size + e.vsize,
        "ancestorcount": anc_count + 1,
        "ancestorsize": anc_size + e.vsize,
        "wtxid": e.wtxid().to_string(),
        "fees": {
            "base": amount(e.fee),
            "modified": amount(e.fee),
            "ancestor": amount(anc_fees + e.fee),
            "descendant": amount(desc_fees + e.fee),
        },
        "depends": e.parents.iter().map(|p| p.to_string()).collect::<Vec<_>>(),
        "spentby": e.children.iter().map(|c| c.to_string()).collect::<Vec<_>>(),
        "bip125-replaceable": true,
    })
}

/// `txid → entry` for verbose answers, `[txid]` otherwise.
fn entries_json(facts: Vec<EntryFacts>, txids: Vec<primitives::Txid>, verbose: bool) -> Value {
    if verbose {
        Value::Object(facts.iter().map(|f| (f.entry.txid().to_string(), entry_json(f))).collect())
    } else {
        json!(txids.iter().map(|t| t.to_string()).collect::<Vec<_>>())
    }
}

pub async fn getrawmempool(ctx: &RpcContext, args: &Args) -> RpcResult {
    let verbose = args.opt_bool(0)?.unwrap_or(false);
    let (facts, txids) = ctx
        .chain
        .call(move |node| {
            let pool = node.mempool.pool();
            let facts: Vec<EntryFacts> =
                if verbose { pool.entries().map(|e| entry_facts(e, pool)).collect() } else { Vec::new() };
            (facts, pool.entries().map(|e| e.txid()).collect::<Vec<_>>())
        })
        .await?;
    Ok(entries_json(facts, txids, verbose))
}

pub async fn getmempoolentry(ctx: &RpcContext, args: &Args) -> RpcResult {
    let txid = parse_txid(args, 0, "txid")?;
    let facts = ctx
        .chain
        .call(move |node| node.mempool.pool().get(&txid).map(|e| entry_facts(e, node.mempool.pool())))
        .await?
        .ok_or_else(|| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Transaction not in mempool"))?;
    Ok(entry_json(&facts))
}

pub async fn getmempoolinfo(ctx: &RpcContext) -> RpcResult {
    let (size, bytes, fees, policy) = ctx
        .chain
        .call(|node| {
            let pool = node.mempool.pool();
            (pool.len(), pool.total_vsize(), pool.entries().map(|e| e.fee).sum::<u64>(), pool.policy().clone())
        })
        .await?;
    Ok(json!({
        "loaded": true,
        "size": size,
        "bytes": bytes,
        "usage": bytes * 3,
        "total_fee": amount(fees),
        "maxmempool": policy.max_mempool_vbytes,
        "mempoolminfee": amount(policy.min_relay_feerate),
        "minrelaytxfee": amount(policy.min_relay_feerate),
        // BIP125 rule 4's increment: this pool uses the relay feerate.
        "incrementalrelayfee": amount(policy.min_relay_feerate),
        // Local transactions are announced to peers as they enter the pool.
        "unbroadcastcount": 0,
        "fullrbf": true,
        "permitbaremultisig": policy.permit_bare_multisig,
        "maxdatacarriersize": policy.max_datacarrier_bytes.unwrap_or(0),
    }))
}

/// `savemempool`: writes `mempool.dat` now (as at shutdown).
pub async fn savemempool(ctx: &RpcContext) -> RpcResult {
    let snapshot = ctx.chain.call(|node| node.mempool.snapshot()).await?;
    let path = ctx.datadir.join("mempool.dat");
    let target = path.clone();
    tokio::task::spawn_blocking(move || crate::node::save_mempool(&target, &snapshot))
        .await
        .map_err(|e| RpcError::internal(e.to_string()))?
        .map_err(|_| RpcError::misc("Unable to dump mempool to disk"))?;
    Ok(json!({ "filename": path.display().to_string() }))
}

async fn related(ctx: &RpcContext, args: &Args, descendants: bool) -> RpcResult {
    let txid = parse_txid(args, 0, "txid")?;
    let verbose = args.opt_bool(1)?.unwrap_or(false);
    let (facts, txids) = ctx
        .chain
        .call(move |node| {
            let pool = node.mempool.pool();
            pool.get(&txid)?;
            let set = if descendants { pool.descendants(&txid) } else { pool.ancestors(&txid) };
            let facts: Vec<EntryFacts> = if verbose {
                set.iter().filter_map(|t| pool.get(t)).map(|e| entry_facts(e, pool)).collect()
            } else {
                Vec::new()
            };
            Some((facts, set.into_iter().collect::<Vec<_>>()))
        })
        .await?
        .ok_or_else(|| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Transaction not in mempool"))?;
    Ok(entries_json(facts, txids, verbose))
}

pub async fn getmempoolancestors(ctx: &RpcContext, args: &Args) -> RpcResult {
    related(ctx, args, false).await
}

pub async fn getmempooldescendants(ctx: &RpcContext, args: &Args) -> RpcResult {
    related(ctx, args, true).await
}

/// `prioritisetransaction txid (dummy) fee_delta`: true.
pub async fn prioritisetransaction(ctx: &RpcContext, args: &Args) -> RpcResult {
    let txid = parse_txid(args, 0, "txid")?;
    if let Some(dummy) = args.get(1) {
        if dummy.as_f64() != Some(0.0) {
            return Err(RpcError::invalid_parameter(
                "Priority is no longer supported, dummy argument to prioritisetransaction must be 0.",
            ));
        }
    }
    let delta = args.i64(2, "fee_delta")?;
    ctx.chain.call(move |node| node.mempool.pool_mut().prioritise(txid, delta)).await?;
    Ok(json!(true))
}

/// `estimatesmartfee conf_target (estimate_mode)`.
pub async fn estimatesmartfee(ctx: &RpcContext, args: &Args) -> RpcResult {
    let target = args.i64(0, "conf_target")?;
    if !(1..=1008).contains(&target) {
        return Err(RpcError::invalid_parameter("Invalid conf_target, must be between 1 and 1008"));
    }
    if let Some(mode) = args.opt_str(1)? {
        if !matches!(mode.to_ascii_uppercase().as_str(), "UNSET" | "ECONOMICAL" | "CONSERVATIVE") {
            return Err(RpcError::invalid_parameter(
                "Invalid estimate_mode parameter, must be one of: \"unset\", \"economical\", \"conservative\"",
            ));
        }
    }
    let (floor, estimate) = ctx
        .chain
        .call(move |node| {
            (node.mempool.pool().policy().min_relay_feerate, node.mempool.fee_estimator().estimate(target as usize))
        })
        .await?;
    Ok(match estimate {
        Some(rate) => json!({"feerate": amount(rate.max(floor)), "blocks": target}),
        None => json!({"errors": ["Insufficient data or no feerate found"], "blocks": target}),
    })
}
