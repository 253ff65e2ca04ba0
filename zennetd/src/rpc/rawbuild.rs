//! Building and signing raw transactions without a wallet, as Core's
//! `rawtransaction` RPCs: `createrawtransaction`, `signrawtransactionwithkey`,
//! `combinerawtransaction`.

use std::collections::HashSet;

use bitcoin::psbt::Psbt;
use primitives::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness};
use rpc::{codes, Args, RpcError};
use serde_json::{json, Value};

use super::mempool::decode_tx;
use super::wallet::{parse_address, parse_amount};
use super::{RpcContext, RpcResult};

/// Core's sequence for an input with none given.
fn default_sequence(replaceable: bool, lock_time: u32) -> Sequence {
    if replaceable {
        Sequence::ENABLE_RBF_NO_LOCKTIME
    } else if lock_time != 0 {
        Sequence::ENABLE_LOCKTIME_NO_RBF
    } else {
        Sequence::MAX
    }
}

fn parse_txid_field(object: &serde_json::Map<String, Value>) -> Result<Txid, RpcError> {
    let text = object
        .get("txid")
        .and_then(Value::as_str)
        .ok_or_else(|| RpcError::invalid_parameter("Invalid parameter, missing txid key"))?;
    if text.len() != 64 {
        return Err(RpcError::invalid_parameter(format!(
            "txid must be of length 64 (not {}, for '{text}')",
            text.len()
        )));
    }
    text.parse().map_err(|_| RpcError::invalid_parameter(format!("txid must be hexadecimal string (not '{text}')")))
}

/// Core's `ConstructTransaction`: inputs `[{txid, vout, sequence}]`, outputs
/// `[{address: amount}, {data: hex}]` (or one object), version 2.
pub fn construct(
    ctx: &RpcContext,
    inputs: Option<&Value>,
    outputs: Option<&Value>,
    lock_time: Option<i64>,
    replaceable: Option<bool>,
) -> Result<Transaction, RpcError> {
    let lock_time = match lock_time {
        None => 0,
        Some(n) if (0..=i64::from(u32::MAX)).contains(&n) => n as u32,
        Some(_) => return Err(RpcError::invalid_parameter("Invalid parameter, locktime out of range")),
    };
    let replaceable = replaceable.unwrap_or(false);
    let inputs = match inputs {
        None | Some(Value::Null) => &Vec::new(),
        Some(Value::Array(list)) => list,
        Some(other) => return Err(RpcError::wrong_type(other, "array")),
    };
    let mut input = Vec::with_capacity(inputs.len());
    for item in inputs {
        let object = item.as_object().ok_or_else(|| RpcError::wrong_type(item, "object"))?;
        let txid = parse_txid_field(object)?;
        let vout = match object.get("vout") {
            None => return Err(RpcError::invalid_parameter("Invalid parameter, missing vout key")),
            Some(Value::Number(n)) => {
                n.as_i64().ok_or_else(|| RpcError::invalid_parameter("Invalid parameter, vout must be a number"))?
            }
            Some(_) => return Err(RpcError::invalid_parameter("Invalid parameter, vout must be a number")),
        };
        if vout < 0 {
            return Err(RpcError::invalid_parameter("Invalid parameter, vout cannot be negative"));
        }
        let vout = u32::try_from(vout)
            .map_err(|_| RpcError::invalid_parameter("Invalid parameter, vout cannot be negative"))?;
        let sequence = match object.get("sequence") {
            None => default_sequence(replaceable, lock_time),
            Some(v) => match v.as_i64() {
                Some(n) if (0..=i64::from(u32::MAX)).contains(&n) => Sequence(n as u32),
                _ => return Err(RpcError::invalid_parameter("Invalid parameter, sequence number is out of range")),
            },
        };
        input.push(TxIn {
            previous_output: OutPoint { txid, vout },
            script_sig: ScriptBuf::new(),
            sequence,
            witness: Witness::new(),
        });
    }
    let pairs: Vec<(String, Value)> = match outputs {
        Some(Value::Object(map)) => map.iter().map(|(k, v)| (k.clone(), v.clone())).collect(),
        Some(Value::Array(list)) => {
            let mut pairs = Vec::new();
            for item in list {
                let map = item.as_object().ok_or_else(|| {
                    RpcError::invalid_parameter("Invalid parameter, key-value pair not an object as expected")
                })?;
                if map.len() != 1 {
                    return Err(RpcError::invalid_parameter(
                        "Invalid parameter, key-value pair must contain exactly one key",
                    ));
                }
                pairs.extend(map.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            pairs
        }
        None | Some(Value::Null) => {
            return Err(RpcError::invalid_parameter("Invalid parameter, output argument must be non-null"))
        }
        Some(other) => return Err(RpcError::wrong_type(other, "array")),
    };
    let mut seen = HashSet::new();
    let mut output = Vec::with_capacity(pairs.len());
    for (key, value) in pairs {
        if key == "data" {
            if !seen.insert(key.clone()) {
                return Err(RpcError::invalid_parameter("Invalid parameter, duplicate key: data"));
            }
            let data = value.as_str().and_then(|h| hex::decode(h).ok()).ok_or_else(|| {
                RpcError::invalid_parameter(
                    "Data must be hexadecimal string (not '".to_string() + value.as_str().unwrap_or("") + "')",
                )
            })?;
            let push = bitcoin::script::PushBytesBuf::try_from(data)
                .map_err(|_| RpcError::invalid_parameter("Data too long for an OP_RETURN output"))?;
            output.push(TxOut { value: Amount::ZERO, script_pubkey: ScriptBuf::new_op_return(push) });
        } else {
            let address = parse_address(&key, ctx)?;
            if !seen.insert(key.clone()) {
                return Err(RpcError::invalid_parameter(format!("Invalid parameter, duplicated address: {key}")));
            }
            output.push(TxOut {
                value: Amount::from_sat(parse_amount(&value)?),
                script_pubkey: address.script_pubkey().clone(),
            });
        }
    }
    let tx = Transaction { version: 2, input, output, announcement: None, lock_time };
    if replaceable && !tx.input.iter().any(|i| i.sequence.is_rbf()) {
        return Err(RpcError::invalid_parameter(
            "Invalid parameter combination: Sequence number(s) contradict replaceable option",
        ));
    }
    Ok(tx)
}

/// `createrawtransaction [{txid,vout,sequence}] [{address:amount},{data:hex}] ( locktime replaceable )`.
pub fn createrawtransaction(ctx: &RpcContext, args: &Args) -> RpcResult {
    let tx = construct(ctx, args.get(0), args.get(1), args.opt_i64(2)?, args.opt_bool(3)?)?;
    Ok(json!(hex::encode(tx.serialize())))
}

/// The outputs the inputs of `tx` spend: from `prevtxs` first, then the
/// mempool, then the UTXO set; `None` where none knows it.
pub(crate) async fn spent_outputs(
    ctx: &RpcContext,
    tx: &Transaction,
    prevtxs: &[(OutPoint, TxOut)],
) -> Result<Vec<Option<TxOut>>, RpcError> {
    let outpoints: Vec<OutPoint> = tx.input.iter().map(|i| i.previous_output).collect();
    let found: Vec<Option<TxOut>> = ctx
        .chain
        .call(move |node| {
            outpoints
                .iter()
                .map(|o| {
                    let in_pool =
                        node.mempool.pool().get(&o.txid).and_then(|e| e.tx.output.get(o.vout as usize).cloned());
                    in_pool.or_else(|| node.chain.coin(o).ok().flatten().map(|c| c.output))
                })
                .collect()
        })
        .await?;
    Ok(tx
        .input
        .iter()
        .zip(found)
        .map(|(i, f)| prevtxs.iter().find(|(o, _)| *o == i.previous_output).map(|(_, out)| out.clone()).or(f))
        .collect())
}

/// A `prevtxs` entry: the output and the scripts it may need.
struct PrevTx {
    outpoint: OutPoint,
    output: TxOut,
    redeem_script: Option<ScriptBuf>,
    witness_script: Option<ScriptBuf>,
}

fn parse_prevtxs(value: Option<&Value>) -> Result<Vec<PrevTx>, RpcError> {
    let Some(list) = value else { return Ok(Vec::new()) };
    let list = list.as_array().ok_or_else(|| RpcError::wrong_type(list, "array"))?;
    let script = |object: &serde_json::Map<String, Value>, key: &str| -> Result<Option<ScriptBuf>, RpcError> {
        object
            .get(key)
            .map(|v| {
                v.as_str()
                    .and_then(|h| hex::decode(h).ok())
                    .map(ScriptBuf::from_bytes)
                    .ok_or_else(|| RpcError::invalid_parameter(format!("{key} must be hexadecimal string")))
            })
            .transpose()
    };
    list.iter()
        .map(|item| {
            let object = item
                .as_object()
                .ok_or_else(|| RpcError::type_error("expected object with {\"txid'\",\"vout\",\"scriptPubKey\"}"))?;
            let txid = parse_txid_field(object)?;
            let vout = object
                .get("vout")
                .and_then(Value::as_i64)
                .filter(|v| *v >= 0)
                .ok_or_else(|| RpcError::invalid_parameter("vout cannot be negative"))? as u32;
            let script_pubkey =
                script(object, "scriptPubKey")?.ok_or_else(|| RpcError::invalid_parameter("Missing scriptPubKey"))?;
            let value = object.get("amount").map(parse_amount).transpose()?.unwrap_or(0);
            Ok(PrevTx {
                outpoint: OutPoint { txid, vout },
                output: TxOut { value: Amount::from_sat(value), script_pubkey },
                redeem_script: script(object, "redeemScript")?,
                witness_script: script(object, "witnessScript")?,
            })
        })
        .collect()
}

/// Core's sighash names for `signrawtransaction*`.
pub fn parse_sighash(text: Option<&str>) -> Result<Option<bitcoin::psbt::PsbtSighashType>, RpcError> {
    let value = match text {
        None | Some("DEFAULT") => return Ok(None),
        Some("ALL") => 0x01,
        Some("NONE") => 0x02,
        Some("SINGLE") => 0x03,
        Some("ALL|ANYONECANPAY") => 0x81,
        Some("NONE|ANYONECANPAY") => 0x82,
        Some("SINGLE|ANYONECANPAY") => 0x83,
        Some(other) => return Err(RpcError::invalid_parameter(format!("{other} is not a valid sighash parameter."))),
    };
    Ok(Some(bitcoin::psbt::PsbtSighashType::from_u32(value)))
}

/// Signs `tx` through a PSBT: each input gets its spent output and scripts,
/// `sign` adds signatures, and the finalizer writes complete inputs back.
/// Inputs already signed and not signed again keep their data. Returns
/// Core's `{hex, complete, errors}`.
pub async fn sign_transaction(
    ctx: &RpcContext,
    tx: Transaction,
    prevtxs: Option<&Value>,
    sighash: Option<bitcoin::psbt::PsbtSighashType>,
    sign: impl FnOnce(&mut Psbt) -> Vec<(usize, String)>,
) -> RpcResult {
    let prev = parse_prevtxs(prevtxs)?;
    let known: Vec<(OutPoint, TxOut)> = prev.iter().map(|p| (p.outpoint, p.output.clone())).collect();
    let spent = spent_outputs(ctx, &tx, &known).await?;
    let mut unsigned = tx.clone();
    for input in &mut unsigned.input {
        input.script_sig = ScriptBuf::new();
        input.witness = Witness::new();
    }
    let bitcoin_tx = unsigned
        .to_bitcoin()
        .ok_or_else(|| RpcError::new(codes::DESERIALIZATION_ERROR, "An announcement has no PSBT form"))?;
    let mut psbt = Psbt::from_unsigned_tx(bitcoin_tx).map_err(|e| RpcError::internal(e.to_string()))?;
    for (index, input) in psbt.inputs.iter_mut().enumerate() {
        input.witness_utxo = spent[index].clone();
        input.sighash_type = sighash;
        if let Some(p) = prev.iter().find(|p| p.outpoint == tx.input[index].previous_output) {
            input.redeem_script = p.redeem_script.clone();
            input.witness_script = p.witness_script.clone();
        }
    }
    sign(&mut psbt);
    let secp = bitcoin::secp256k1::Secp256k1::new();
    let failures = wallet::psbt::finalize(&mut psbt, &secp);
    let mut signed = tx.clone();
    let mut errors = Vec::new();
    for (index, input) in psbt.inputs.iter().enumerate() {
        if wallet::psbt::is_final(input) {
            signed.input[index].script_sig = input.final_script_sig.clone().unwrap_or_default();
            signed.input[index].witness = input.final_script_witness.clone().unwrap_or_default();
            continue;
        }
        // A multisig input short of signatures carries the ones it has, as
        // Core writes them, for combinerawtransaction to merge.
        if let Some((script_sig, witness)) = partial_multisig(input) {
            signed.input[index].script_sig = script_sig;
            signed.input[index].witness = witness;
        }
        let already = !tx.input[index].script_sig.is_empty() || !tx.input[index].witness.is_empty();
        let reason = if spent[index].is_none() {
            "Input not found or already spent".to_string()
        } else if already {
            // Signed before and not by these keys: kept as it was; still
            // judged by the interpreter when it is relayed.
            continue;
        } else {
            failures.iter().find(|(i, _)| *i == index).map_or_else(
                || "Unable to sign input, missing keys".to_string(),
                |_| "Unable to sign input, invalid stack size (possibly missing key)".to_string(),
            )
        };
        let witness: Vec<String> = signed.input[index].witness.iter().map(hex::encode).collect();
        errors.push(json!({
            "txid": tx.input[index].previous_output.txid.to_string(),
            "vout": tx.input[index].previous_output.vout,
            "witness": witness,
            "scriptSig": hex::encode(signed.input[index].script_sig.as_bytes()),
            "sequence": tx.input[index].sequence.0,
            "error": reason,
        }));
    }
    let mut result = json!({ "hex": hex::encode(signed.serialize()), "complete": errors.is_empty() });
    if !errors.is_empty() {
        result["errors"] = Value::Array(errors);
    }
    Ok(result)
}

/// `signrawtransactionwithkey "hexstring" ["privatekey",...] ( [{txid,vout,scriptPubKey,redeemScript,witnessScript,amount}] "sighashtype" )`.
pub async fn signrawtransactionwithkey(ctx: &RpcContext, args: &Args) -> RpcResult {
    let tx = decode_tx(args.str(0, "hexstring")?)?;
    let keys_value = args.get(1).ok_or_else(|| RpcError::invalid_parameter("Missing required argument privkeys"))?;
    let keys_list = keys_value.as_array().ok_or_else(|| RpcError::wrong_type(keys_value, "array"))?;
    let mut keys = Vec::with_capacity(keys_list.len());
    for key in keys_list {
        let text = key.as_str().ok_or_else(|| RpcError::wrong_type(key, "string"))?;
        keys.push(parse_wif(text, ctx.network)?);
    }
    let sighash = parse_sighash(args.opt_str(3)?)?;
    let secp = bitcoin::secp256k1::Secp256k1::new();
    sign_transaction(ctx, tx, args.get(2), sighash, |psbt| wallet::psbt::sign_with_keys(psbt, &keys, &secp)).await
}

/// A private key in WIF for this network (Core: -5 "Invalid private key encoding").
pub fn parse_wif(text: &str, network: primitives::Network) -> Result<bitcoin::PrivateKey, RpcError> {
    let invalid = || RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Invalid private key encoding");
    let key = bitcoin::PrivateKey::from_wif(text).map_err(|_| invalid())?;
    let expected = wallet::keys::network_kind(network);
    if key.network != expected {
        return Err(invalid());
    }
    Ok(key)
}

/// `combinerawtransaction ["hexstring",...]`: one transaction with every
/// input's most complete signature data among the versions given.
pub async fn combinerawtransaction(ctx: &RpcContext, args: &Args) -> RpcResult {
    let list = args.get(0).and_then(Value::as_array).ok_or_else(|| RpcError::type_error("Expected type array"))?;
    let mut txs = Vec::with_capacity(list.len());
    for (n, item) in list.iter().enumerate() {
        let text = item.as_str().ok_or_else(|| RpcError::wrong_type(item, "string"))?;
        txs.push(decode_tx(text).map_err(|_| {
            RpcError::new(
                codes::DESERIALIZATION_ERROR,
                format!("TX decode failed for tx {n}. Make sure the tx has at least one input."),
            )
        })?);
    }
    let Some(first) = txs.first().cloned() else {
        return Err(RpcError::new(codes::DESERIALIZATION_ERROR, "Missing transactions"));
    };
    let strip = |t: &Transaction| {
        let mut t = t.clone();
        t.input.iter_mut().for_each(|i| {
            i.script_sig = ScriptBuf::new();
            i.witness = Witness::new();
        });
        t.txid()
    };
    if txs.iter().any(|t| strip(t) != strip(&first)) {
        return Err(RpcError::new(codes::DESERIALIZATION_ERROR, "Transactions are not the same"));
    }
    let spent = spent_outputs(ctx, &first, &[]).await?;
    let Some(spent) = spent.into_iter().collect::<Option<Vec<TxOut>>>() else {
        return Err(RpcError::new(codes::VERIFY_ERROR, "Input not found or already spent"));
    };
    let mut merged = first.clone();
    for index in 0..merged.input.len() {
        merged.input[index] = combine_input(&txs, index, &spent);
    }
    Ok(json!(hex::encode(merged.serialize())))
}

/// A multisig script: how many signatures, and the keys in order.
fn parse_multisig(script: &[u8]) -> Option<(usize, Vec<bitcoin::PublicKey>)> {
    let script::standard::OutputType::Multisig { required, .. } = script::standard::classify(script) else {
        return None;
    };
    let keys = bitcoin::Script::from_bytes(script)
        .instructions()
        .flatten()
        .filter_map(|i| i.push_bytes().and_then(|p| bitcoin::PublicKey::from_slice(p.as_bytes()).ok()))
        .collect();
    Some((usize::from(required), keys))
}

/// The scriptSig and witness of a multisig input with the signatures it has
/// so far: `0 <sigs in key order> <script>` in the witness (P2WSH) or in the
/// scriptSig (P2SH).
fn partial_multisig(input: &bitcoin::psbt::Input) -> Option<(ScriptBuf, Witness)> {
    let (script, segwit) = match (&input.witness_script, &input.redeem_script) {
        (Some(w), _) => (w, true),
        (None, Some(r)) => (r, false),
        _ => return None,
    };
    let (required, keys) = parse_multisig(script.as_bytes())?;
    let sigs: Vec<Vec<u8>> =
        keys.iter().filter_map(|k| input.partial_sigs.get(k)).map(|s| s.to_vec()).take(required).collect();
    if sigs.is_empty() {
        return None;
    }
    Some(multisig_spend(script, &sigs, segwit, input.redeem_script.as_ref()))
}

fn multisig_spend(
    script: &ScriptBuf,
    sigs: &[Vec<u8>],
    segwit: bool,
    redeem: Option<&ScriptBuf>,
) -> (ScriptBuf, Witness) {
    let mut items: Vec<Vec<u8>> = vec![Vec::new()];
    items.extend(sigs.iter().cloned());
    items.push(script.to_bytes());
    if segwit {
        // P2SH-wrapped P2WSH keeps its redeem script (the P2WSH program) in the scriptSig.
        let script_sig = redeem.map_or_else(ScriptBuf::new, |r| {
            let push = bitcoin::script::PushBytesBuf::try_from(r.to_bytes()).unwrap_or_default();
            bitcoin::script::Builder::new().push_slice(push).into_script()
        });
        (script_sig, Witness::from_slice(&items))
    } else {
        let mut builder = bitcoin::script::Builder::new().push_opcode(bitcoin::opcodes::OP_0);
        for item in &items[1..] {
            let push = bitcoin::script::PushBytesBuf::try_from(item.clone()).unwrap_or_default();
            builder = builder.push_slice(push);
        }
        (builder.into_script(), Witness::new())
    }
}

/// Input `index` combined from every version: the first whose signature
/// data verifies; else, for multisig, the signatures of all versions that
/// verify against the script's keys, in key order; else the fullest.
fn combine_input(txs: &[Transaction], index: usize, spent: &[TxOut]) -> TxIn {
    let out = &spent[index];
    let verifies = |tx: &Transaction, input: &TxIn| {
        let mut tx = tx.clone();
        tx.input[index] = input.clone();
        let pre = script::PrecomputedTransactionData::with_spent(&tx, spent);
        let checker = script::checker::TransactionChecker {
            tx: &tx,
            input: index,
            amount: out.value.to_sat(),
            precomputed: &pre,
            cache: None,
        };
        let witness: Vec<Vec<u8>> = tx.input[index].witness.iter().map(<[u8]>::to_vec).collect();
        script::verify_script(
            tx.input[index].script_sig.as_bytes(),
            out.script_pubkey.as_bytes(),
            &witness,
            script::VerifyFlags::consensus(),
            &checker,
        )
        .is_ok()
    };
    if let Some(tx) = txs.iter().find(|t| verifies(t, &t.input[index])) {
        return tx.input[index].clone();
    }
    if let Some(merged) = merge_multisig(txs, index, out) {
        return merged;
    }
    txs.iter()
        .map(|t| t.input[index].clone())
        .max_by_key(|i| i.witness.iter().map(<[u8]>::len).sum::<usize>() + i.script_sig.len())
        .unwrap_or_else(|| txs[0].input[index].clone())
}

/// Every version's signatures for a P2WSH or P2SH multisig input, matched
/// to the script's keys by verification, in key order.
fn merge_multisig(txs: &[Transaction], index: usize, spent: &TxOut) -> Option<TxIn> {
    let secp = bitcoin::secp256k1::Secp256k1::verification_only();
    let first = &txs[0];
    let (segwit, script, redeem) = if spent.script_pubkey.is_p2wsh() {
        let script =
            txs.iter().find_map(|t| t.input[index].witness.last().map(|s| ScriptBuf::from_bytes(s.to_vec())))?;
        (true, script, None)
    } else if spent.script_pubkey.is_p2sh() {
        let last = |t: &Transaction| {
            t.input[index]
                .script_sig
                .instructions()
                .flatten()
                .filter_map(|i| i.push_bytes().map(|p| ScriptBuf::from_bytes(p.as_bytes().to_vec())))
                .last()
        };
        let redeem = txs.iter().find_map(last)?;
        if redeem.is_p2wsh() {
            let script =
                txs.iter().find_map(|t| t.input[index].witness.last().map(|s| ScriptBuf::from_bytes(s.to_vec())))?;
            (true, script, Some(redeem))
        } else {
            (false, redeem, None)
        }
    } else {
        return None;
    };
    let (required, keys) = parse_multisig(script.as_bytes())?;
    let mut candidates: Vec<Vec<u8>> = Vec::new();
    for tx in txs {
        let items: Vec<Vec<u8>> = if segwit {
            tx.input[index].witness.iter().map(<[u8]>::to_vec).collect()
        } else {
            tx.input[index]
                .script_sig
                .instructions()
                .flatten()
                .filter_map(|i| i.push_bytes().map(|p| p.as_bytes().to_vec()))
                .collect()
        };
        candidates.extend(items.into_iter().filter(|i| i.len() >= 9 && i.len() <= 73));
    }
    let mut sigs = Vec::new();
    for key in &keys {
        let found = candidates.iter().find(|sig| {
            let Some((&hash_type, der)) = sig.split_last() else { return false };
            let Ok(signature) = bitcoin::secp256k1::ecdsa::Signature::from_der(der) else { return false };
            let digest = if segwit {
                let pre = script::PrecomputedTransactionData::new(first);
                script::sighash::segwit_v0_sighash(
                    first,
                    index,
                    script.as_bytes(),
                    spent.value.to_sat(),
                    u32::from(hash_type),
                    &pre,
                )
            } else {
                script::sighash::legacy_sighash(first, index, script.as_bytes(), i32::from(hash_type))
            };
            let mut normalized = signature;
            normalized.normalize_s();
            secp.verify_ecdsa(&bitcoin::secp256k1::Message::from_digest(digest), &normalized, &key.inner).is_ok()
        });
        if let Some(sig) = found {
            sigs.push(sig.clone());
        }
        if sigs.len() == required {
            break;
        }
    }
    let (script_sig, witness) = multisig_spend(&script, &sigs, segwit, redeem.as_ref());
    let mut input = first.input[index].clone();
    input.script_sig = script_sig;
    input.witness = witness;
    Some(input)
}
