//! Core's waits: `waitfornewblock`, `waitforblock`, `waitforblockheight`.
//! Each subscribes to tip changes first and then reads the tip, so no
//! change between the two is missed; a timeout of 0 waits for ever.

use std::time::Duration;

use primitives::BlockHash;
use rpc::Args;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

use super::{parse_block_hash, RpcContext, RpcResult};

/// The tip as Core's waits report it.
fn tip_json(hash: BlockHash, height: u32) -> Value {
    json!({ "hash": hash.to_string(), "height": height })
}

/// Waits until `done(tip)` holds or `timeout_ms` passes (0: no limit), and
/// returns the tip at that moment.
async fn wait_for_tip(
    ctx: &RpcContext,
    timeout_ms: i64,
    mut done: impl FnMut(&RpcContext, BlockHash, u32) -> bool,
) -> RpcResult {
    if timeout_ms < 0 {
        return Err(rpc::RpcError::invalid_parameter("Negative timeout"));
    }
    let (mut events, mut tip) =
        ctx.chain.call(|node| (node.subscribe_chain(), (node.chain.tip().hash, node.chain.tip().height))).await?;
    let deadline = (timeout_ms > 0).then(|| tokio::time::Instant::now() + Duration::from_millis(timeout_ms as u64));
    let mut stopping = ctx.shutdown.subscribe();
    while !done(ctx, tip.0, tip.1) && !*stopping.borrow() {
        let event = async {
            match deadline {
                Some(at) => tokio::time::timeout_at(at, events.recv()).await.ok(),
                None => Some(events.recv().await),
            }
        };
        tokio::select! {
            received = event => match received {
                None => break, // timed out
                Some(Ok(crate::node_state::Notification::TipChanged { hash, height })) => tip = (hash, height),
                Some(Ok(_)) => {}
                Some(Err(RecvError::Lagged(_))) => {
                    tip = ctx.chain.call(|node| (node.chain.tip().hash, node.chain.tip().height)).await?;
                }
                Some(Err(RecvError::Closed)) => break,
            },
            _ = stopping.changed() => {}
        }
    }
    Ok(tip_json(tip.0, tip.1))
}

/// `waitfornewblock ( timeout )`: until the tip changes.
pub async fn waitfornewblock(ctx: &RpcContext, args: &Args) -> RpcResult {
    let timeout = args.opt_i64(0)?.unwrap_or(0);
    let start = ctx.chain.call(|node| node.chain.tip().hash).await?;
    wait_for_tip(ctx, timeout, move |_, hash, _| hash != start).await
}

/// `waitforblock "blockhash" ( timeout )`: until that block is the tip.
pub async fn waitforblock(ctx: &RpcContext, args: &Args) -> RpcResult {
    let wanted = parse_block_hash(args, 0, "blockhash")?;
    let timeout = args.opt_i64(1)?.unwrap_or(0);
    wait_for_tip(ctx, timeout, move |_, hash, _| hash == wanted).await
}

/// `waitforblockheight height ( timeout )`: until the tip is at least that high.
pub async fn waitforblockheight(ctx: &RpcContext, args: &Args) -> RpcResult {
    let wanted = args.i64(0, "height")?;
    let timeout = args.opt_i64(1)?.unwrap_or(0);
    wait_for_tip(ctx, timeout, move |_, _, height| i64::from(height) >= wanted).await
}
