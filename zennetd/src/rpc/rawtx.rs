//! Raw transaction RPCs: getrawtransaction, decoderawtransaction, decodescript.

use bitcoin::hashes::{hash160, sha256, Hash};
use primitives::{Address, ScriptBuf};
use rpc::{codes, Args, RpcError};
use serde_json::{json, Map, Value};

use super::asm::{script_to_asm, script_type};
use super::json::tx_json;
use super::utxo::parse_txid;
use super::{parse_block_hash, RpcContext, RpcResult};

pub async fn getrawtransaction(ctx: &RpcContext, args: &Args) -> RpcResult {
    let txid = parse_txid(args, 0, "txid")?;
    // 0 hex, 1 decoded, 2 decoded with fee and prevouts (from undo data).
    let verbosity = match args.get(1) {
        None => 0,
        Some(Value::Bool(b)) => i64::from(*b),
        Some(_) => args.i64(1, "verbosity")?,
    };
    let verbose = verbosity != 0;
    let given_block = args.get(2).map(|_| parse_block_hash(args, 2, "blockhash")).transpose()?;
    let network = ctx.network;
    let found = ctx
        .chain
        .call(move |node| -> Result<Found, RpcError> {
            let db = |e: crate::store::StoreError| RpcError::new(codes::DATABASE_ERROR, e.to_string());
            // As Core's GetTransaction: the mempool first, unless a block is named.
            if given_block.is_none() {
                if let Some(entry) = node.mempool.pool().get(&txid) {
                    return Ok(Found { tx: entry.tx.transaction().clone(), block: None, spent: None });
                }
            }
            let block_hash = match given_block {
                Some(hash) => {
                    if node.chain.entry(&hash).is_none() {
                        return Err(RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Block hash not found"));
                    }
                    Some(hash)
                }
                None if node.chain.txindex_enabled() => node.chain.txindex(&txid).map_err(db)?,
                None => {
                    return Err(RpcError::new(
                        codes::INVALID_ADDRESS_OR_KEY,
                        "No such mempool transaction. Use -txindex or provide a block hash to enable blockchain transaction queries.",
                    ))
                }
            };
            let not_found = || {
                let message = if given_block.is_some() {
                    "No such transaction found in the provided block."
                } else {
                    "No such mempool or blockchain transaction."
                };
                RpcError::new(codes::INVALID_ADDRESS_OR_KEY, message)
            };
            let block_hash = block_hash.ok_or_else(not_found)?;
            let block = node.chain.block(&block_hash).map_err(db)?.ok_or_else(not_found)?;
            let position = block.txdata.iter().position(|tx| tx.txid() == txid).ok_or_else(not_found)?;
            let spent = (verbosity >= 2)
                .then(|| node.chain.undo(&block_hash).ok())
                .flatten()
                .map(|undo| crate::rpc::json::spent_by_block(&block, &undo).swap_remove(position));
            let tx = block.txdata.into_iter().nth(position).ok_or_else(not_found)?.into_transaction();
            let active = node.chain.is_active(&block_hash);
            let place = node.chain.entry(&block_hash).map(|entry| {
                let confirmations = if active { node.chain.tip().height - entry.height + 1 } else { 0 };
                (confirmations, entry.header.time)
            });
            Ok(Found { tx, block: Some(Place { hash: block_hash, active, confirmations_and_time: place }), spent })
        })
        .await??;
    if !verbose {
        return Ok(json!(hex::encode(found.tx.serialize())));
    }
    let mut json = tx_json(&found.tx, network);
    if let Some(spent) = &found.spent {
        crate::rpc::json::add_spent_details(&mut json, &found.tx, spent, true, network);
    }
    let mut obj = match json {
        Value::Object(o) => o,
        _ => Map::new(),
    };
    if let Some(place) = found.block {
        if given_block.is_some() {
            obj.insert("in_active_chain".into(), json!(place.active));
        }
        obj.insert("blockhash".into(), json!(place.hash.to_string()));
        if let Some((confirmations, time)) = place.confirmations_and_time {
            obj.insert("confirmations".into(), json!(confirmations));
            obj.insert("time".into(), json!(time));
            obj.insert("blocktime".into(), json!(time));
        }
    }
    Ok(Value::Object(obj))
}

/// A transaction found by `getrawtransaction`, and its block (None: the mempool).
struct Found {
    tx: primitives::Transaction,
    block: Option<Place>,
    /// The coins its inputs spent, for verbosity 2.
    spent: Option<Vec<consensus::check::utxo::Coin>>,
}

/// The block holding a transaction: whether it is active, and its
/// confirmations and time when indexed.
struct Place {
    hash: primitives::BlockHash,
    active: bool,
    confirmations_and_time: Option<(u32, u32)>,
}

pub fn decoderawtransaction(ctx: &RpcContext, args: &Args) -> RpcResult {
    let tx = super::mempool::decode_tx(args.str(0, "hexstring")?)
        .map_err(|_| RpcError::new(codes::DESERIALIZATION_ERROR, "TX decode failed"))?;
    let mut json = tx_json(&tx, ctx.network);
    if let Value::Object(obj) = &mut json {
        obj.remove("hex");
    }
    Ok(json)
}

pub fn decodescript(ctx: &RpcContext, args: &Args) -> RpcResult {
    let text = args.str(0, "hexstring")?;
    if text.len() > 2 * script::MAX_SCRIPT_SIZE {
        // Larger than any script that can be spent: refused before decoding.
        return Err(RpcError::invalid_parameter(format!(
            "script is larger than the maximum script size ({} bytes)",
            script::MAX_SCRIPT_SIZE
        )));
    }
    let bytes = hex::decode(text).map_err(|_| RpcError::invalid_parameter("argument must be hexadecimal string"))?;
    let script = ScriptBuf::from_bytes(bytes);
    let kind = script_type(&script);
    let mut obj = Map::new();
    obj.insert("asm".into(), json!(script_to_asm(&script, false)));
    obj.insert("desc".into(), json!(wallet::descriptor::infer(script.as_bytes(), ctx.network)));
    if let Ok(address) = Address::from_script(&script, ctx.network) {
        obj.insert("address".into(), json!(address.to_string()));
    }
    obj.insert("type".into(), json!(kind));
    // Core offers wrappings only for scripts that are not already wrappers or programs.
    let wrappable = !matches!(
        kind,
        "scripthash" | "witness_v0_keyhash" | "witness_v0_scripthash" | "witness_v1_taproot" | "witness_unknown"
    );
    if wrappable {
        let p2sh = p2sh_of(&script);
        if let Ok(address) = Address::from_script(&p2sh, ctx.network) {
            obj.insert("p2sh".into(), json!(address.to_string()));
        }
        // As Core: a key's script becomes P2WPKH of the key (P2PKH: of its
        // hash); anything else P2WSH of the script; nothing with an
        // uncompressed key, which segwit cannot check.
        let bytes = script.as_bytes();
        let p2wsh = match kind {
            "pubkey" if bytes.len() == 35 => {
                ScriptBuf::from_bytes([&[0x00, 20][..], hash160::Hash::hash(&bytes[1..34]).as_byte_array()].concat())
            }
            "pubkey" => return Ok(Value::Object(obj)),
            "pubkeyhash" => ScriptBuf::from_bytes([&[0x00, 20][..], &bytes[3..23]].concat()),
            "multisig" if has_uncompressed_key(bytes) => return Ok(Value::Object(obj)),
            _ => {
                ScriptBuf::from_bytes([&[0x00, 32][..], sha256::Hash::hash(script.as_bytes()).as_byte_array()].concat())
            }
        };
        let mut segwit = Map::new();
        segwit.insert("asm".into(), json!(script_to_asm(&p2wsh, false)));
        segwit.insert("desc".into(), json!(wallet::descriptor::infer(p2wsh.as_bytes(), ctx.network)));
        segwit.insert("hex".into(), json!(hex::encode(p2wsh.as_bytes())));
        segwit.insert("type".into(), json!(script_type(&p2wsh)));
        if let Ok(address) = Address::from_script(&p2wsh, ctx.network) {
            segwit.insert("address".into(), json!(address.to_string()));
        }
        if let Ok(address) = Address::from_script(&p2sh_of(&p2wsh), ctx.network) {
            segwit.insert("p2sh-segwit".into(), json!(address.to_string()));
        }
        obj.insert("segwit".into(), Value::Object(segwit));
    }
    Ok(Value::Object(obj))
}

/// Whether a multisig script holds a 65-byte (uncompressed) key.
fn has_uncompressed_key(script: &[u8]) -> bool {
    bitcoin::Script::from_bytes(script).instructions().flatten().any(|i| i.push_bytes().is_some_and(|p| p.len() == 65))
}

fn p2sh_of(script: &ScriptBuf) -> ScriptBuf {
    ScriptBuf::from_bytes([&[0xa9, 20][..], hash160::Hash::hash(script.as_bytes()).as_byte_array(), &[0x87]].concat())
}
