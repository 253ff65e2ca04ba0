//! Blockchain RPCs: getblockchaininfo, getblockcount, getbestblockhash,
//! getblockhash, getblockheader, getblock, getdifficulty.

use primitives::block::header_bytes;
use primitives::PowAlgo;
use rpc::{codes, Args, RpcError};
use serde_json::{json, Map, Value};

use super::json::{block_json, difficulty, header_json};
use super::{parse_block_hash, RpcContext, RpcResult};

fn block_not_found() -> RpcError {
    RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Block not found")
}

pub async fn getblockcount(ctx: &RpcContext) -> RpcResult {
    Ok(json!(ctx.chain.call(|node| node.chain.tip().height).await?))
}

pub async fn getbestblockhash(ctx: &RpcContext) -> RpcResult {
    Ok(json!(ctx.chain.call(|node| node.chain.tip().hash.to_string()).await?))
}

pub async fn getdifficulty(ctx: &RpcContext) -> RpcResult {
    Ok(json!(ctx.chain.call(|node| difficulty(node.chain.tip().header.bits.to_consensus())).await?))
}

pub async fn getblockhash(ctx: &RpcContext, args: &Args) -> RpcResult {
    let height = args.i64(0, "height")?;
    let hash = ctx
        .chain
        .call(move |node| u32::try_from(height).ok().and_then(|h| node.chain.hash_at(h)))
        .await?
        .ok_or_else(|| RpcError::invalid_parameter("Block height out of range"))?;
    Ok(json!(hash.to_string()))
}

pub async fn getblockheader(ctx: &RpcContext, args: &Args) -> RpcResult {
    let hash = parse_block_hash(args, 0, "blockhash")?;
    let verbose = args.opt_bool(1)?.unwrap_or(true);
    ctx.chain
        .call(move |node| {
            let entry = node.chain.entry(&hash).ok_or_else(block_not_found)?;
            Ok(if verbose { header_json(&node.chain, entry) } else { json!(hex::encode(header_bytes(&entry.header))) })
        })
        .await?
}

pub async fn getblock(ctx: &RpcContext, args: &Args) -> RpcResult {
    let hash = parse_block_hash(args, 0, "blockhash")?;
    // Core accepts a bool for verbosity too (false = 0, true = 1).
    let verbosity = match args.get(1) {
        None => 1,
        Some(Value::Bool(b)) => u8::from(*b),
        Some(_) => args.i64(1, "verbosity")?.clamp(0, 3) as u8,
    };
    ctx.chain
        .call(move |node| {
            let entry = node.chain.entry(&hash).ok_or_else(block_not_found)?.clone();
            let not_available = || RpcError::misc("Block not available (pruned data)");
            if verbosity == 0 {
                let raw =
                    node.chain.raw_block(&hash).map_err(|e| RpcError::new(codes::DATABASE_ERROR, e.to_string()))?;
                return Ok(json!(hex::encode(raw.ok_or_else(not_available)?)));
            }
            let block = node.chain.block(&hash).map_err(|e| RpcError::new(codes::DATABASE_ERROR, e.to_string()))?;
            Ok(block_json(&node.chain, &entry, &block.ok_or_else(not_available)?, verbosity))
        })
        .await?
}

pub async fn getblockchaininfo(ctx: &RpcContext) -> RpcResult {
    let now = crate::clock::now();
    ctx.chain
        .call(move |node| {
            let tip = node.chain.tip();
            let headers = node.chain.best_header().height;
            let bits = tip.header.bits.to_consensus();
            let mut difficulties = Map::new();
            for algo in PowAlgo::ALL {
                difficulties.insert(algo.name().into(), json!(difficulty(node.chain.next_bits(algo))));
            }
            Ok(json!({
                "chain": node.chain.params().network.chain_name(),
                "blocks": tip.height,
                "headers": headers,
                "bestblockhash": tip.hash.to_string(),
                "bits": format!("{bits:08x}"),
                "difficulty": difficulty(bits),
                "time": tip.header.time,
                "mediantime": node.chain.median_time_past(tip.height),
                "verificationprogress": node.chain.verification_progress(now),
                "initialblockdownload": node.chain.is_initial_block_download(now),
                "chainwork": format!("{:0>64}", tip.chain_work.to_str_radix(16)),
                "size_on_disk": node.chain.size_on_disk(),
                "pruned": false,
                "difficulties": difficulties,
                "warnings": [],
            }))
        })
        .await?
}
