//! Blockchain RPCs: getblockchaininfo, getblockcount, getbestblockhash,
//! getblockhash, getblockheader, getblock, getdifficulty.

use primitives::block::header_bytes;
use primitives::PowAlgo;
use rpc::{codes, Args, RpcError};
use serde_json::{json, Map, Value};

use super::json::{block_json, difficulty, header_json, real, HeaderFacts};
use super::{parse_block_hash, RpcContext, RpcResult};

fn block_not_found() -> RpcError {
    RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Block not found")
}

/// getblockcount, getbestblockhash, getblockhash and getblockheader read
/// the tick or the header view, which the chainstate thread updates after
/// every change (before it replies to the caller that made it), so they
/// never queue behind block validation.
pub async fn getblockcount(ctx: &RpcContext) -> RpcResult {
    Ok(json!(ctx.chain.current_tick().height))
}

pub async fn getbestblockhash(ctx: &RpcContext) -> RpcResult {
    Ok(json!(ctx.chain.current_tick().tip.to_string()))
}

pub async fn getdifficulty(ctx: &RpcContext) -> RpcResult {
    Ok(real(ctx.chain.call(|node| difficulty(node.chain.tip().header.bits.to_consensus())).await?))
}

pub async fn getblockhash(ctx: &RpcContext, args: &Args) -> RpcResult {
    let height = args.i64(0, "height")?;
    let hash = u32::try_from(height)
        .ok()
        .and_then(|h| ctx.chain.headers().hash_at(h))
        .ok_or_else(|| RpcError::invalid_parameter("Block height out of range"))?;
    Ok(json!(hash.to_string()))
}

pub async fn getblockheader(ctx: &RpcContext, args: &Args) -> RpcResult {
    let hash = parse_block_hash(args, 0, "blockhash")?;
    let verbose = args.opt_bool(1)?.unwrap_or(true);
    let facts = ctx.chain.headers().facts(&hash).ok_or_else(block_not_found)?;
    Ok(if verbose { header_json(&facts) } else { json!(hex::encode(header_bytes(&facts.entry.header))) })
}

pub async fn getblock(ctx: &RpcContext, args: &Args) -> RpcResult {
    let hash = parse_block_hash(args, 0, "blockhash")?;
    // Core accepts a bool for verbosity too (false = 0, true = 1).
    let verbosity = match args.get(1) {
        None => 1,
        Some(Value::Bool(b)) => u8::from(*b),
        Some(_) => args.i64(1, "verbosity")?.clamp(0, 3) as u8,
    };
    let not_available = || RpcError::misc("Block not available (pruned data)");
    let database = |e: crate::store::StoreError| RpcError::new(codes::DATABASE_ERROR, e.to_string());
    if verbosity == 0 {
        let raw = ctx
            .chain
            .call(move |node| node.chain.entry(&hash).is_some().then(|| node.chain.raw_block(&hash)))
            .await?
            .ok_or_else(block_not_found)?
            .map_err(database)?;
        return Ok(json!(hex::encode(raw.ok_or_else(not_available)?)));
    }
    let (mut facts, block, undo) = ctx
        .chain
        .call(move |node| {
            let entry = node.chain.entry(&hash)?;
            // Undo data (fees, prevouts) exists for blocks that were connected.
            let undo = (verbosity >= 2 && entry.height > 0).then(|| node.chain.undo(&hash).ok()).flatten();
            Some((HeaderFacts::of(&node.chain, entry), node.chain.block(&hash), undo))
        })
        .await?
        .ok_or_else(block_not_found)?;
    let block = block.map_err(database)?.ok_or_else(not_available)?;
    facts.pow_hash = ctx.chain.headers().pow_hash(&facts.entry);
    Ok(block_json(&facts, &block, verbosity, undo.as_deref(), ctx.network))
}

/// What `getblockchaininfo` reports, read on the chain's thread.
struct ChainInfo {
    chain: &'static str,
    tip: crate::chainstate::IndexEntry,
    headers: u32,
    median_time: i64,
    progress: f64,
    ibd: bool,
    size_on_disk: u64,
    prune: Option<(crate::chainstate::PruneOptions, u32)>,
    next_bits: Vec<(PowAlgo, u32)>,
}

pub async fn getblockchaininfo(ctx: &RpcContext) -> RpcResult {
    let now = crate::clock::now();
    let info = ctx
        .chain
        .call(move |node| {
            let chain = &node.chain;
            ChainInfo {
                chain: chain.params().network.chain_name(),
                tip: chain.tip().clone(),
                headers: chain.best_header().height,
                median_time: chain.median_time_past(chain.tip().height),
                progress: chain.verification_progress(now),
                ibd: chain.is_initial_block_download(now),
                size_on_disk: chain.size_on_disk(),
                prune: chain.prune_options().map(|p| (p, chain.prune_height())),
                next_bits: PowAlgo::ALL.iter().map(|a| (*a, chain.next_bits(*a))).collect(),
            }
        })
        .await?;
    let tip = &info.tip;
    let bits = tip.header.bits.to_consensus();
    let difficulties: Map<String, Value> =
        info.next_bits.iter().map(|(algo, bits)| (algo.name().to_string(), real(difficulty(*bits)))).collect();
    let mut result = json!({
        "chain": info.chain,
        "blocks": tip.height,
        "headers": info.headers,
        "bestblockhash": tip.hash.to_string(),
        "bits": format!("{bits:08x}"),
        "difficulty": real(difficulty(bits)),
        "time": tip.header.time,
        "mediantime": info.median_time,
        "verificationprogress": real(info.progress),
        "initialblockdownload": info.ibd,
        "chainwork": format!("{:0>64}", tip.chain_work.to_str_radix(16)),
        "size_on_disk": info.size_on_disk,
        "pruned": info.prune.is_some(),
    });
    if let (Some((options, height)), Value::Object(map)) = (info.prune, &mut result) {
        map.insert("pruneheight".into(), json!(height));
        map.insert("automatic_pruning".into(), json!(options.target_bytes.is_some()));
        if let Some(target) = options.target_bytes {
            map.insert("prune_target_size".into(), json!(target));
        }
    }
    if let Value::Object(map) = &mut result {
        map.insert("difficulties".into(), Value::Object(difficulties));
        map.insert("warnings".into(), json!([]));
    }
    Ok(result)
}

/// `pruneblockchain height`: deletes old blocks' data as Core (a height
/// above 1e9 is a timestamp, blocks within 2 hours of it are kept).
pub async fn pruneblockchain(ctx: &RpcContext, args: &Args) -> RpcResult {
    /// Core's TIMESTAMP_WINDOW.
    const TIMESTAMP_WINDOW: i64 = 2 * 60 * 60;
    let requested = args.i64(0, "height")?;
    if requested < 0 {
        return Err(RpcError::invalid_parameter("Negative block height."));
    }
    let result = ctx
        .chain
        .call(move |node| {
            let chain = &mut node.chain;
            if chain.prune_options().is_none() {
                return Err(RpcError::misc("Cannot prune blocks because node is not in prune mode."));
            }
            let tip = chain.tip().height;
            let height = if requested > 1_000_000_000 {
                // The first active block at least as new as the time less the window.
                let floor = requested - TIMESTAMP_WINDOW;
                (0..=tip)
                    .find(|h| {
                        chain
                            .hash_at(*h)
                            .and_then(|hash| chain.entry(&hash))
                            .is_some_and(|e| i64::from(e.header.time) >= floor)
                    })
                    .ok_or_else(|| {
                        RpcError::invalid_parameter("Could not find block with at least the specified timestamp.")
                    })?
            } else {
                u32::try_from(requested).unwrap_or(u32::MAX)
            };
            if height > tip {
                return Err(RpcError::invalid_parameter("Blockchain is shorter than the attempted prune height."));
            }
            chain.prune_manually(height).map_err(|e| RpcError::new(codes::DATABASE_ERROR, e.to_string()))
        })
        .await??;
    Ok(json!(result))
}

/// The soft forks Zennet carries, all active from genesis (DESIGN.md §3):
/// Core shows such rules as "buried" deployments.
const DEPLOYMENTS: [&str; 6] = ["bip34", "bip66", "bip65", "csv", "segwit", "taproot"];

/// `getdeploymentinfo ( "blockhash" )`, as Core: the state of every
/// deployment at the block (the tip by default).
pub async fn getdeploymentinfo(ctx: &RpcContext, args: &Args) -> RpcResult {
    let requested: Option<primitives::BlockHash> = match args.get(0) {
        Some(_) => Some(parse_block_hash(args, 0, "blockhash")?),
        None => None,
    };
    let found = ctx
        .chain
        .call(move |node| {
            let entry = match requested {
                Some(hash) => node.chain.entry(&hash).cloned(),
                None => Some(node.chain.tip().clone()),
            };
            entry.map(|e| (e.hash, e.height))
        })
        .await?;
    let (hash, height) = found.ok_or_else(|| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Block not found"))?;
    let deployments: Map<String, Value> = DEPLOYMENTS
        .iter()
        .map(|name| (name.to_string(), json!({"type": "buried", "active": true, "height": 0})))
        .collect();
    Ok(json!({"hash": hash.to_string(), "height": height, "deployments": deployments}))
}
