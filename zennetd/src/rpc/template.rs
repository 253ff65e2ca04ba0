//! getblocktemplate (BIP22/23, with DigiByte's `algo` as second argument and
//! a `pow_algo` field) and getnetworkhashps.

use std::collections::HashMap;
use std::time::Duration;

use primitives::{Network, PowAlgo};
use rpc::{codes, Args, RpcError};
use serde_json::{json, Value};

use super::mining::parse_algo;
use super::{RpcContext, RpcResult};
use crate::clock;

/// How long a long poll waits before answering with the current template.
const LONGPOLL_LIMIT: Duration = Duration::from_secs(600);

fn longpoll_id(ctx_tip: &str, updates: u64) -> String {
    format!("{ctx_tip}{updates}")
}

pub async fn getblocktemplate(ctx: &RpcContext, args: &Args) -> RpcResult {
    let request = match args.get(0) {
        None => json!({}),
        Some(v @ Value::Object(_)) => v.clone(),
        Some(other) => return Err(RpcError::wrong_type(other, "object")),
    };
    let algo_name = args.opt_str(1)?.or_else(|| request.get("algo").and_then(Value::as_str)).map(str::to_string);
    let algo = parse_algo(algo_name.as_deref())?;
    let mode = request.get("mode").and_then(Value::as_str).unwrap_or("template");
    if mode == "proposal" {
        let data = request
            .get("data")
            .and_then(Value::as_str)
            .ok_or_else(|| RpcError::new(codes::TYPE_ERROR, "Missing data String key for proposal"))?;
        let decode_failed = || RpcError::new(codes::DESERIALIZATION_ERROR, "Block decode failed");
        let block = primitives::Block::from_bytes(&hex::decode(data).map_err(|_| decode_failed())?)
            .map_err(|_| decode_failed())?;
        let result = ctx.chain.call(move |node| node.chain.test_block_validity(&block, clock::now())).await?;
        return Ok(match result {
            Ok(()) => Value::Null,
            Err(e) => Value::from(e.bip22_result()),
        });
    }
    if mode != "template" {
        return Err(RpcError::invalid_parameter("Invalid mode"));
    }
    let rules: Vec<&str> = request
        .get("rules")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !rules.contains(&"segwit") {
        return Err(RpcError::invalid_parameter(
            "getblocktemplate must be called with the segwit rule set (call with {\"rules\": [\"segwit\"]})",
        ));
    }
    if ctx.network == Network::Main && ctx.chain.call(|node| node.chain.is_initial_block_download(clock::now())).await?
    {
        return Err(RpcError::new(
            codes::CLIENT_IN_INITIAL_DOWNLOAD,
            "Zennet is in initial sync and waiting for blocks...",
        ));
    }
    if let Some(wanted) = request.get("longpollid").and_then(Value::as_str).map(str::to_string) {
        let deadline = tokio::time::Instant::now() + LONGPOLL_LIMIT;
        loop {
            let current = ctx
                .chain
                .call(|node| longpoll_id(&node.chain.tip().hash.to_string(), node.mempool.pool().updates()))
                .await?;
            if current != wanted || tokio::time::Instant::now() >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    let (parts, updates) = ctx
        .chain
        .call(move |node| {
            let parts = node.template_parts(algo, clock::now());
            (parts, node.mempool.pool().updates())
        })
        .await?;
    let positions: HashMap<primitives::Txid, usize> =
        parts.transactions.iter().enumerate().map(|(i, (tx, _, _))| (tx.txid(), i + 1)).collect();
    let transactions: Vec<Value> = parts
        .transactions
        .iter()
        .map(|(tx, fee, sigops)| {
            let depends: Vec<usize> =
                tx.input.iter().filter_map(|i| positions.get(&i.previous_output.txid).copied()).collect();
            json!({
                "data": hex::encode(tx.serialize()),
                "txid": tx.txid().to_string(),
                "hash": tx.wtxid().to_string(),
                "depends": depends,
                "fee": fee,
                "sigops": sigops,
                "weight": tx.weight(),
            })
        })
        .collect();
    let target = consensus::target::from_compact(parts.bits).unwrap_or_default();
    Ok(json!({
        "capabilities": ["proposal"],
        "version": parts.version,
        "rules": ["csv", "!segwit"],
        "vbavailable": {},
        "vbrequired": 0,
        "previousblockhash": parts.previous.to_string(),
        "transactions": transactions,
        "coinbaseaux": {},
        "coinbasevalue": parts.coinbase_value,
        "longpollid": longpoll_id(&parts.previous.to_string(), updates),
        "target": format!("{target:064x}"),
        "mintime": parts.mintime,
        "mutable": ["time", "transactions", "prevblock"],
        "noncerange": "00000000ffffffff",
        "sigoplimit": consensus::check::MAX_BLOCK_SIGOPS_COST,
        "sizelimit": primitives::MAX_BLOCK_WEIGHT,
        "weightlimit": primitives::MAX_BLOCK_WEIGHT,
        "curtime": parts.curtime,
        "bits": format!("{:08x}", parts.bits),
        "height": parts.height,
        "default_witness_commitment": hex::encode(parts.witness_commitment.as_bytes()),
        "pow_algo": algo.name(),
        "pow_algo_id": algo.id(),
    }))
}

/// `getnetworkhashps (nblocks) (height) (algo)`: work per second over the
/// last `nblocks` blocks (120; -1 since the last difficulty change is not
/// meaningful here and counts as 120) ending at `height` (tip). With `algo`,
/// only that algorithm's blocks and their own target count.
pub async fn getnetworkhashps(ctx: &RpcContext, args: &Args) -> RpcResult {
    let nblocks = args.opt_i64(0)?.filter(|n| *n > 0).unwrap_or(120) as u32;
    let height = args.opt_i64(1)?;
    let algo = args.opt_str(2)?.map(|a| parse_algo(Some(a))).transpose()?;
    let rate = ctx.chain.call(move |node| network_hash_ps(&node.chain, nblocks, height, algo)).await?;
    Ok(super::json::real(rate))
}

/// Hashes per second: the work of the blocks in the window over its span.
pub fn network_hash_ps(
    chain: &crate::chainstate::Chainstate,
    nblocks: u32,
    height: Option<i64>,
    algo: Option<PowAlgo>,
) -> f64 {
    let tip = chain.tip().height;
    let end = match height {
        Some(h) if h >= 0 && (h as u32) < tip => h as u32,
        _ => tip,
    };
    let start = end.saturating_sub(nblocks);
    let (Some(first), Some(last)) =
        (chain.hash_at(start).and_then(|h| chain.entry(&h)), chain.hash_at(end).and_then(|h| chain.entry(&h)))
    else {
        return 0.0;
    };
    let span = i64::from(last.header.time) - i64::from(first.header.time);
    if span <= 0 {
        return 0.0;
    }
    let hashes: f64 = match algo {
        None => (&last.chain_work - &first.chain_work).to_string().parse().unwrap_or(0.0),
        Some(algo) => (start + 1..=end)
            .filter_map(|h| chain.hash_at(h).and_then(|hash| chain.entry(&hash)))
            .filter(|e| PowAlgo::from_version(e.header.version.to_consensus()) == Some(algo))
            .filter_map(|e| consensus::target::from_compact(e.header.bits.to_consensus()))
            .map(|t| consensus::target::work_for_target(&t).to_string().parse::<f64>().unwrap_or(0.0))
            // A fold from +0.0: an empty float `sum` is -0.0, which prints as such.
            .fold(0.0, |total, work| total + work),
    };
    hashes / span as f64
}
