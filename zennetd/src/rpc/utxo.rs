//! UTXO RPCs: gettxout, gettxoutsetinfo.

use bitcoin::hashes::{sha256d, Hash, HashEngine};
use consensus::check::Coin;
use primitives::encode::write_var_bytes;
use primitives::{OutPoint, Txid};
use rpc::{codes, Args, RpcError};
use serde_json::{json, Value};

use super::json::{amount, script_pubkey_json};
use super::{RpcContext, RpcResult};

pub fn parse_txid(args: &Args, index: usize, name: &str) -> Result<Txid, RpcError> {
    super::parse_hash(args, index, name)
}

pub async fn gettxout(ctx: &RpcContext, args: &Args) -> RpcResult {
    let txid = parse_txid(args, 0, "txid")?;
    let vout = args.i64(1, "n")?;
    let vout = u32::try_from(vout).map_err(|_| RpcError::invalid_parameter("Invalid n"))?;
    let include_mempool = args.opt_bool(2)?.unwrap_or(true);
    let network = ctx.network;
    let found = ctx
        .chain
        .call(move |node| -> Result<Option<(Coin, u32, primitives::BlockHash)>, RpcError> {
            let outpoint = OutPoint { txid, vout };
            let coin = node.chain.coin(&outpoint).map_err(|e| RpcError::new(codes::DATABASE_ERROR, e.to_string()))?;
            // With the mempool (Core's CCoinsViewMemPool): outputs of pool
            // transactions exist with 0 confirmations; what the pool spends does not.
            let (coin, confirmations) = match coin {
                _ if include_mempool && node.mempool.pool().spender(&outpoint).is_some() => return Ok(None),
                Some(coin) => {
                    let confirmations = node.chain.tip().height - coin.height + 1;
                    (coin, confirmations)
                }
                None if include_mempool => {
                    let unconfirmed =
                        node.mempool.pool().get(&txid).and_then(|e| e.tx.output.get(vout as usize)).cloned();
                    let Some(output) = unconfirmed else { return Ok(None) };
                    (Coin { output, height: node.chain.tip().height + 1, is_coinbase: false }, 0)
                }
                None => return Ok(None),
            };
            Ok(Some((coin, confirmations, node.chain.tip().hash)))
        })
        .await??;
    let Some((coin, confirmations, bestblock)) = found else { return Ok(Value::Null) };
    Ok(json!({
        "bestblock": bestblock.to_string(),
        "confirmations": confirmations,
        "value": amount(coin.output.value.to_sat()),
        "scriptPubKey": script_pubkey_json(&coin.output.script_pubkey, network),
        "coinbase": coin.is_coinbase,
    }))
}

/// `gettxoutsetinfo`, with `hash_serialized_3` computed as Core does: SHA256d
/// over every coin in outpoint order, each as outpoint ‖ (height·2 +
/// coinbase) as u32 ‖ value ‖ script.
pub async fn gettxoutsetinfo(ctx: &RpcContext) -> RpcResult {
    let (stats, hash, tip, disk_size) = ctx
        .chain
        .call(|node| -> Result<_, RpcError> {
            let mut engine = sha256d::Hash::engine();
            let (mut txouts, mut bogosize, mut total) = (0u64, 0u64, 0u64);
            let mut transactions = 0u64;
            let mut last_txid = None;
            let mut record = Vec::with_capacity(128);
            node.chain
                .for_each_coin(&mut |outpoint, coin| {
                    record.clear();
                    record.extend_from_slice(outpoint.txid.as_byte_array());
                    record.extend_from_slice(&outpoint.vout.to_le_bytes());
                    record.extend_from_slice(&(coin.height * 2 + u32::from(coin.is_coinbase)).to_le_bytes());
                    record.extend_from_slice(&coin.output.value.to_sat().to_le_bytes());
                    write_var_bytes(&mut record, coin.output.script_pubkey.as_bytes());
                    engine.input(&record);
                    txouts += 1;
                    bogosize += 50 + coin.output.script_pubkey.len() as u64;
                    total += coin.output.value.to_sat();
                    if last_txid != Some(outpoint.txid) {
                        transactions += 1;
                        last_txid = Some(outpoint.txid);
                    }
                })
                .map_err(|e| RpcError::new(codes::DATABASE_ERROR, e.to_string()))?;
            let mut hash = sha256d::Hash::from_engine(engine).to_byte_array();
            hash.reverse();
            let tip = node.chain.tip();
            Ok(((txouts, bogosize, total, transactions), hash, (tip.height, tip.hash), node.chain.size_on_disk()))
        })
        .await??;
    let (txouts, bogosize, total, transactions) = stats;
    Ok(json!({
        "height": tip.0,
        "bestblock": tip.1.to_string(),
        "txouts": txouts,
        "bogosize": bogosize,
        "hash_serialized_3": hex::encode(hash),
        "total_amount": amount(total),
        "transactions": transactions,
        "disk_size": disk_size,
    }))
}
