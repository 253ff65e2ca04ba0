//! Chain management RPCs: getchaintips, invalidateblock, reconsiderblock,
//! preciousblock, verifychain.

use consensus::check::check_block;
use rpc::{codes, Args, RpcError};
use serde_json::{json, Value};

use super::{parse_block_hash, RpcContext, RpcResult};
use crate::chainstate::{ChainError, Chainstate};
use crate::clock;
use crate::node_state::NodeState;
use crate::store::StoreError;

fn block_not_found() -> RpcError {
    RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Block not found")
}

fn database(e: StoreError) -> RpcError {
    RpcError::new(codes::DATABASE_ERROR, e.to_string())
}

/// Core's chain-tip statuses.
fn tip_status(chain: &Chainstate, hash: &primitives::BlockHash) -> &'static str {
    let Some(entry) = chain.entry(hash) else {
        return "unknown";
    };
    if chain.is_active(hash) {
        "active"
    } else if entry.status.is_invalid() {
        "invalid"
    } else if !chain.is_connectable(hash) {
        "headers-only"
    } else if entry.status.validated {
        "valid-fork"
    } else {
        "valid-headers"
    }
}

pub async fn getchaintips(ctx: &RpcContext) -> RpcResult {
    let tips = ctx
        .chain
        .call(|node| {
            let index = node.chain.index();
            let mut tips: Vec<_> = index
                .iter()
                .filter(|e| index.children(&e.hash).is_empty() || node.chain.tip().hash == e.hash)
                .collect();
            tips.sort_by(|a, b| b.height.cmp(&a.height).then(a.hash.cmp(&b.hash)));
            tips.into_iter()
                .map(|tip| {
                    let branchlen = node.chain.branch_off(&tip.hash).map_or(0, |b| b.blocks.len());
                    (tip.height, tip.hash, branchlen, tip_status(&node.chain, &tip.hash))
                })
                .collect::<Vec<_>>()
        })
        .await?;
    Ok(Value::Array(
        tips.into_iter()
            .map(|(height, hash, branchlen, status)| {
                json!({ "height": height, "hash": hash.to_string(), "branchlen": branchlen, "status": status })
            })
            .collect(),
    ))
}

async fn with_known_block(
    ctx: &RpcContext,
    args: &Args,
    f: fn(&mut NodeState, &primitives::BlockHash, i64) -> Result<(), ChainError>,
) -> RpcResult {
    let hash = parse_block_hash(args, 0, "blockhash")?;
    let outcome = ctx
        .chain
        .call(move |node| node.chain.entry(&hash).is_some().then(|| f(node, &hash, clock::now())))
        .await?
        .ok_or_else(block_not_found)?;
    match outcome {
        Ok(()) => Ok(Value::Null),
        // Core answers both with RPC_DATABASE_ERROR; the log says which it was.
        Err(ChainError::Refused(why)) => {
            tracing::info!("request refused: {why}");
            Err(RpcError::new(codes::DATABASE_ERROR, why))
        }
        Err(ChainError::Store(e)) => {
            tracing::error!("chain store failure: {e}");
            Err(database(e))
        }
    }
}

pub async fn invalidateblock(ctx: &RpcContext, args: &Args) -> RpcResult {
    with_known_block(ctx, args, NodeState::invalidate_block).await
}

pub async fn reconsiderblock(ctx: &RpcContext, args: &Args) -> RpcResult {
    with_known_block(ctx, args, NodeState::reconsider_block).await
}

pub async fn preciousblock(ctx: &RpcContext, args: &Args) -> RpcResult {
    with_known_block(ctx, args, NodeState::precious_block).await
}

/// `verifychain (checklevel) (nblocks)`: level 0 reads the blocks, 1 runs
/// the context-free checks, 2 reads and decodes the undo data, 3 checks that
/// the undo data covers exactly the inputs that spent earlier coins.
pub async fn verifychain(ctx: &RpcContext, args: &Args) -> RpcResult {
    let level = args.opt_i64(0)?.unwrap_or(3).clamp(0, 4);
    let nblocks = args.opt_i64(1)?.unwrap_or(6);
    let verified = ctx
        .chain
        .call(move |node| -> Result<bool, RpcError> {
            let tip = node.chain.tip().height;
            let count = if nblocks <= 0 { tip } else { (nblocks as u32).min(tip) };
            for height in (tip + 1 - count..=tip).rev() {
                let Some(hash) = node.chain.hash_at(height) else { return Ok(false) };
                let Some(block) = node.chain.block(&hash).map_err(database)? else {
                    tracing::warn!("verifychain: block {hash} at height {height} is missing");
                    return Ok(false);
                };
                if level >= 1 {
                    if let Err(e) = check_block(&block, node.chain.params()) {
                        tracing::warn!("verifychain: block {hash} fails {e}");
                        return Ok(false);
                    }
                }
                if level >= 2 {
                    let undo = match node.chain.undo(&hash) {
                        Ok(undo) => undo,
                        Err(e) => {
                            tracing::warn!("verifychain: undo data of {hash}: {e}");
                            return Ok(false);
                        }
                    };
                    if level >= 3 {
                        let created: std::collections::HashSet<primitives::Txid> =
                            block.txdata.iter().map(|tx| tx.txid()).collect();
                        let external = block.txdata[1..]
                            .iter()
                            .flat_map(|tx| &tx.input)
                            .filter(|i| !created.contains(&i.previous_output.txid))
                            .count();
                        if undo.len() != external {
                            tracing::warn!(
                                "verifychain: undo data of {hash} covers {} of {external} inputs",
                                undo.len()
                            );
                            return Ok(false);
                        }
                    }
                }
            }
            Ok(true)
        })
        .await??;
    Ok(json!(verified))
}
