//! `scantxoutset`: the coins of given descriptors, read from the coin
//! database on a thread of its own (the chainstate keeps working), with
//! progress and abort, one scan at a time, as Core's.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;

use primitives::ScriptBuf;
use rpc::{codes, Args, RpcError};
use serde_json::{json, Value};

use super::json::amount;
use super::{RpcContext, RpcResult};

/// The scan in progress, if any.
#[derive(Default)]
pub struct ScanState {
    running: AtomicBool,
    abort: Arc<AtomicBool>,
    /// Percent done, from the position in outpoint order.
    progress: Arc<AtomicU32>,
}

/// Clears `running` however the scan ends.
struct Running<'a>(&'a ScanState);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.store(false, Ordering::SeqCst);
    }
}

/// The scripts to look for and the descriptor each is reported under.
fn scripts_of(ctx: &RpcContext, objects: &Value) -> Result<HashMap<ScriptBuf, String>, RpcError> {
    let list = objects.as_array().ok_or_else(|| RpcError::wrong_type(objects, "array"))?;
    let mut scripts = HashMap::new();
    for item in list {
        let (text, range) = match item {
            Value::String(s) => (s.as_str(), None),
            Value::Object(o) => (
                o.get("desc").and_then(Value::as_str).ok_or_else(|| RpcError::invalid_parameter("Missing desc"))?,
                o.get("range"),
            ),
            _ => return Err(RpcError::invalid_parameter("Scan object needs to be either a string or an object")),
        };
        let invalid = |e: String| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, e);
        let body = wallet::descriptor::split_checksum(text, false).map_err(|e| invalid(e.to_string()))?;
        if let Some(hex_text) = body.strip_prefix("raw(").and_then(|s| s.strip_suffix(')')) {
            let script =
                ScriptBuf::from_bytes(hex::decode(hex_text).map_err(|_| invalid("Raw script is not hex".into()))?);
            scripts.insert(script.clone(), wallet::descriptor::infer(script.as_bytes(), ctx.network));
            continue;
        }
        let parsed = wallet::descriptor::parse_watch(body, ctx.network).map_err(|e| invalid(e.to_string()))?;
        let (begin, end) = match (range, parsed.is_range()) {
            (None, true) => (0, 999),
            (None, false) => (0, 0),
            (Some(Value::Number(n)), _) => (0, n.as_u64().unwrap_or(0) as u32),
            (Some(Value::Array(pair)), _) if pair.len() == 2 => {
                (pair[0].as_u64().unwrap_or(0) as u32, pair[1].as_u64().unwrap_or(0) as u32)
            }
            _ => return Err(RpcError::invalid_parameter("Range must be specified as end or as [begin,end]")),
        };
        if end < begin || end - begin >= 1_000_000 {
            return Err(RpcError::invalid_parameter("Range is too large"));
        }
        for index in begin..=end {
            let script = parsed.script_at(index).map_err(|e| invalid(e.to_string()))?;
            let desc = match parsed.expanded_at(index) {
                Some(d) => wallet::descriptor::with_checksum(&d).unwrap_or_default(),
                None => wallet::descriptor::infer(script.as_bytes(), ctx.network),
            };
            scripts.insert(script, desc);
        }
    }
    Ok(scripts)
}

/// Core's `scantxoutset "action" ( [scanobjects,...] )`.
pub async fn scantxoutset(ctx: &RpcContext, args: &Args) -> RpcResult {
    let state = &ctx.scan;
    match args.str(0, "action")? {
        "status" => Ok(if state.running.load(Ordering::SeqCst) {
            json!({ "progress": state.progress.load(Ordering::SeqCst) })
        } else {
            Value::Null
        }),
        "abort" => {
            if !state.running.load(Ordering::SeqCst) {
                return Ok(json!(false));
            }
            state.abort.store(true, Ordering::SeqCst);
            Ok(json!(true))
        }
        "start" => {
            let objects = args
                .get(1)
                .ok_or_else(|| RpcError::invalid_parameter("scanobjects argument is required for the start action"))?;
            let scripts = scripts_of(ctx, objects)?;
            if state.running.swap(true, Ordering::SeqCst) {
                return Err(RpcError::invalid_parameter(
                    "Scan already in progress, use action \"abort\" or \"status\"",
                ));
            }
            let _running = Running(state);
            state.abort.store(false, Ordering::SeqCst);
            state.progress.store(0, Ordering::SeqCst);
            let db = |e: crate::store::StoreError| RpcError::new(codes::DATABASE_ERROR, e.to_string());
            let (coins, tip_height, tip_hash) = ctx
                .chain
                .call(|node| -> Result<_, crate::store::StoreError> {
                    let tip = node.chain.tip();
                    let (height, hash) = (tip.height, tip.hash);
                    Ok((node.chain.coins_snapshot()?, height, hash))
                })
                .await?
                .map_err(db)?;
            let scan = ScanJob { scripts, abort: state.abort.clone(), progress: state.progress.clone() };
            let (found, scanned, completed) = tokio::task::spawn_blocking(move || scan.run(coins))
                .await
                .map_err(|e| RpcError::internal(e.to_string()))?
                .map_err(db)?;
            // Block hashes of the heights found, read on the chain's thread.
            let heights: Vec<u32> = found.iter().map(|f| f.2.height).collect();
            let hashes: Vec<Option<primitives::BlockHash>> =
                ctx.chain.call(move |node| heights.iter().map(|h| node.chain.hash_at(*h)).collect()).await?;
            let mut total = 0u64;
            let unspents: Vec<Value> = found
                .into_iter()
                .zip(hashes)
                .map(|((outpoint, desc, coin), hash)| {
                    total += coin.output.value.to_sat();
                    json!({
                        "txid": outpoint.txid.to_string(),
                        "vout": outpoint.vout,
                        "scriptPubKey": hex::encode(coin.output.script_pubkey.as_bytes()),
                        "desc": desc,
                        "amount": amount(coin.output.value.to_sat()),
                        "coinbase": coin.is_coinbase,
                        "height": coin.height,
                        "blockhash": hash.map(|h| h.to_string()),
                        "confirmations": tip_height.saturating_sub(coin.height) + 1,
                    })
                })
                .collect();
            Ok(json!({
                "success": completed,
                "txouts": scanned,
                "height": tip_height,
                "bestblock": tip_hash.to_string(),
                "unspents": unspents,
                "total_amount": amount(total),
            }))
        }
        other => Err(RpcError::invalid_parameter(format!("Invalid action '{other}'"))),
    }
}

type Found = (primitives::OutPoint, String, consensus::check::utxo::Coin);

/// One pass over the coin database.
pub struct ScanJob {
    pub scripts: HashMap<ScriptBuf, String>,
    pub abort: Arc<AtomicBool>,
    pub progress: Arc<AtomicU32>,
}

impl ScanJob {
    /// The coins paying the scripts, how many coins were read, and whether
    /// the pass completed (not aborted).
    pub fn run(&self, coins: crate::store::CoinIter) -> Result<(Vec<Found>, u64, bool), crate::store::StoreError> {
        let mut found = Vec::new();
        let mut scanned = 0u64;
        for item in coins {
            let (outpoint, coin) = item?;
            scanned += 1;
            if scanned.is_multiple_of(8192) {
                if self.abort.load(Ordering::Relaxed) {
                    return Ok((found, scanned, false));
                }
                // As Core: the position of the txid's first two bytes in their range.
                let bytes = bitcoin::hashes::Hash::as_byte_array(&outpoint.txid);
                let position = u32::from(bytes[0]) * 256 + u32::from(bytes[1]);
                self.progress.store(position * 100 / 65_536, Ordering::Relaxed);
            }
            if let Some(desc) = self.scripts.get(&coin.output.script_pubkey) {
                found.push((outpoint, desc.clone(), coin));
            }
        }
        self.progress.store(100, Ordering::Relaxed);
        Ok((found, scanned, true))
    }
}
