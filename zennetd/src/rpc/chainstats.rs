//! Explorer statistics: `getchaintxstats` and `getindexinfo`.

use rpc::{Args, RpcError};
use serde_json::{json, Map, Value};

use super::{parse_block_hash, RpcContext, RpcResult};

/// What `getchaintxstats` reads from the chain, in one call.
struct Window {
    final_hash: primitives::BlockHash,
    final_height: u32,
    final_time: i64,
    final_txcount: u64,
    blocks: u32,
    start_time: i64,
    start_txcount: u64,
}

/// Core's `getchaintxstats ( nblocks "blockhash" )`: transactions in the
/// active chain up to a block, and their rate over a window before it
/// (default: a month of blocks).
pub async fn getchaintxstats(ctx: &RpcContext, args: &Args) -> RpcResult {
    let nblocks = args.opt_i64(0)?;
    let hash = args.get(1).map(|_| parse_block_hash(args, 1, "blockhash")).transpose()?;
    let window = ctx
        .chain
        .call(move |node| -> Result<Window, RpcError> {
            let chain = &node.chain;
            let final_hash = hash.unwrap_or(chain.tip().hash);
            let entry = chain
                .entry(&final_hash)
                .ok_or_else(|| RpcError::new(rpc::codes::INVALID_ADDRESS_OR_KEY, "Block not found"))?;
            if !chain.is_active(&final_hash) {
                return Err(RpcError::invalid_parameter("Block is not in main chain"));
            }
            let height = entry.height;
            let month = 30 * 24 * 60 * 60 / chain.params().target_spacing.max(1);
            let blocks = match nblocks {
                None => month.min(i64::from(height) - 1).max(0),
                Some(n) if n < 0 || (n > 0 && n >= i64::from(height)) => {
                    return Err(RpcError::invalid_parameter(
                        "Invalid block count: should be between 0 and the block's height - 1",
                    ))
                }
                Some(n) => n,
            } as u32;
            // Transactions up to each height of the active chain.
            let count_to = |h: u32| -> u64 {
                (0..=h)
                    .filter_map(|i| chain.hash_at(i).and_then(|hash| chain.entry(&hash)))
                    .map(|e| u64::from(e.tx_count))
                    .sum()
            };
            let start = height - blocks;
            let start_time = chain.hash_at(start).and_then(|h| chain.entry(&h)).map_or(0, |e| i64::from(e.header.time));
            Ok(Window {
                final_hash,
                final_height: height,
                final_time: i64::from(entry.header.time),
                final_txcount: count_to(height),
                blocks,
                start_time,
                start_txcount: count_to(start),
            })
        })
        .await??;
    let mut out = json!({
        "time": window.final_time,
        "txcount": window.final_txcount,
        "window_final_block_hash": window.final_hash.to_string(),
        "window_final_block_height": window.final_height,
        "window_block_count": window.blocks,
    });
    if window.blocks > 0 {
        let interval = window.final_time - window.start_time;
        let tx_count = window.final_txcount - window.start_txcount;
        out["window_interval"] = json!(interval);
        out["window_tx_count"] = json!(tx_count);
        if interval > 0 {
            out["txrate"] = json!(tx_count as f64 / interval as f64);
        }
    }
    Ok(out)
}

/// Core's `getindexinfo ( "index_name" )`: the optional indexes, here `-txindex`.
pub async fn getindexinfo(ctx: &RpcContext, args: &Args) -> RpcResult {
    let name = args.opt_str(0)?.map(str::to_string);
    let txindex = ctx.chain.call(|node| node.chain.txindex_enabled().then(|| node.chain.tip().height)).await?;
    let mut out = Map::new();
    if let Some(height) = txindex {
        if name.as_deref().is_none_or(|n| n == "txindex") {
            // The transaction index is written with each block: always synced.
            out.insert("txindex".into(), json!({ "synced": true, "best_block_height": height }));
        }
    }
    Ok(Value::Object(out))
}
