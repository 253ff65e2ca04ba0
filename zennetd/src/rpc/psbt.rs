//! PSBT RPCs that need no wallet, as Core's: `createpsbt`, `converttopsbt`,
//! `decodepsbt`, `combinepsbt`, `finalizepsbt`, `joinpsbts`, `analyzepsbt`,
//! `utxoupdatepsbt`. PSBT version 0; the encoding is rust-bitcoin's.

use std::str::FromStr;

use bitcoin::psbt::Psbt;
use miniscript::psbt::PsbtExt;
use primitives::{Transaction, TxOut};
use rand::seq::SliceRandom;
use rpc::{codes, Args, RpcError};
use serde_json::{json, Map, Value};

use super::asm::{script_to_asm, script_type};
use super::json::{amount, script_pubkey_json, tx_json};
use super::mempool::decode_tx;
use super::rawbuild::construct;
use super::{RpcContext, RpcResult};

pub fn decode_psbt(text: &str) -> Result<Psbt, RpcError> {
    wallet::psbt::decode(text).map_err(|e| RpcError::new(codes::DESERIALIZATION_ERROR, format!("TX decode failed {e}")))
}

fn psbt_arg(args: &Args, index: usize, name: &str) -> Result<Psbt, RpcError> {
    decode_psbt(args.str(index, name)?)
}

/// An unsigned transaction as a PSBT; an announcement has outputs of none
/// and no PSBT form (-22).
pub fn to_psbt(tx: &Transaction) -> Result<Psbt, RpcError> {
    let tx = tx.to_bitcoin().ok_or_else(|| {
        RpcError::new(
            codes::DESERIALIZATION_ERROR,
            "An announcement cannot be a PSBT: it has no outputs and commits to its body",
        )
    })?;
    Psbt::from_unsigned_tx(tx).map_err(|e| RpcError::new(codes::DESERIALIZATION_ERROR, e.to_string()))
}

/// `createpsbt` (as `createrawtransaction`, as a PSBT).
pub fn createpsbt(ctx: &RpcContext, args: &Args) -> RpcResult {
    let tx = construct(ctx, args.get(0), args.get(1), args.opt_i64(2)?, args.opt_bool(3)?)?;
    Ok(json!(wallet::psbt::encode(&to_psbt(&tx)?)))
}

/// `converttopsbt "hexstring" ( permitsigdata iswitness )`.
pub fn converttopsbt(_ctx: &RpcContext, args: &Args) -> RpcResult {
    let mut tx = decode_tx(args.str(0, "hexstring")?)?;
    let permit = args.opt_bool(1)?.unwrap_or(false);
    for input in &mut tx.input {
        if !input.script_sig.is_empty() || !input.witness.is_empty() {
            if !permit {
                return Err(RpcError::new(
                    codes::DESERIALIZATION_ERROR,
                    "Inputs must not have scriptSigs and scriptWitnesses",
                ));
            }
            input.script_sig = Default::default();
            input.witness = Default::default();
        }
    }
    Ok(json!(wallet::psbt::encode(&to_psbt(&tx)?)))
}

/// `combinepsbt ["psbt",...]`.
pub fn combinepsbt(_ctx: &RpcContext, args: &Args) -> RpcResult {
    let list = args.get(0).and_then(Value::as_array).ok_or_else(|| RpcError::type_error("Expected type array"))?;
    if list.is_empty() {
        return Err(RpcError::invalid_parameter("Parameter 'txs' cannot be empty"));
    }
    let mut psbts = Vec::with_capacity(list.len());
    for item in list {
        psbts.push(decode_psbt(item.as_str().ok_or_else(|| RpcError::wrong_type(item, "string"))?)?);
    }
    let mut combined = psbts.remove(0);
    for other in psbts {
        combined
            .combine(other)
            .map_err(|_| RpcError::invalid_parameter("PSBTs not compatible (different transactions)"))?;
    }
    Ok(json!(wallet::psbt::encode(&combined)))
}

/// `finalizepsbt "psbt" ( extract )`.
pub fn finalizepsbt(_ctx: &RpcContext, args: &Args) -> RpcResult {
    let mut psbt = psbt_arg(args, 0, "psbt")?;
    let extract = args.opt_bool(1)?.unwrap_or(true);
    let secp = bitcoin::secp256k1::Secp256k1::new();
    let failures = wallet::psbt::finalize(&mut psbt, &secp);
    let complete = failures.is_empty();
    if complete && extract {
        let tx = psbt.extract(&secp).map_err(|e| RpcError::misc(e.to_string()))?;
        let tx = Transaction::from_bitcoin(tx);
        return Ok(json!({ "hex": hex::encode(tx.serialize()), "complete": true }));
    }
    Ok(json!({ "psbt": wallet::psbt::encode(&psbt), "complete": complete }))
}

/// `joinpsbts ["psbt",...]`: the inputs and outputs of all, shuffled.
pub fn joinpsbts(_ctx: &RpcContext, args: &Args) -> RpcResult {
    let list = args.get(0).and_then(Value::as_array).ok_or_else(|| RpcError::type_error("Expected type array"))?;
    if list.len() < 2 {
        return Err(RpcError::invalid_parameter("At least two PSBTs are required to join PSBTs."));
    }
    let mut psbts = Vec::with_capacity(list.len());
    for item in list {
        psbts.push(decode_psbt(item.as_str().ok_or_else(|| RpcError::wrong_type(item, "string"))?)?);
    }
    let version = psbts.iter().map(|p| p.unsigned_tx.version).max().unwrap_or(bitcoin::transaction::Version::TWO);
    let lock_time = psbts.iter().map(|p| p.unsigned_tx.lock_time.to_consensus_u32()).min().unwrap_or(0);
    let mut inputs = Vec::new();
    let mut outputs = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for psbt in psbts {
        for (txin, input) in psbt.unsigned_tx.input.iter().zip(psbt.inputs) {
            if !seen.insert(txin.previous_output) {
                return Err(RpcError::invalid_parameter(format!(
                    "Input {}:{} exists in multiple PSBTs",
                    txin.previous_output.txid, txin.previous_output.vout
                )));
            }
            inputs.push((txin.clone(), input));
        }
        outputs.extend(psbt.unsigned_tx.output.iter().cloned().zip(psbt.outputs));
    }
    let mut rng = rand::thread_rng();
    inputs.shuffle(&mut rng);
    outputs.shuffle(&mut rng);
    let tx = bitcoin::Transaction {
        version,
        lock_time: bitcoin::absolute::LockTime::from_consensus(lock_time),
        input: inputs.iter().map(|(t, _)| t.clone()).collect(),
        output: outputs.iter().map(|(o, _)| o.clone()).collect(),
    };
    let mut joined = Psbt::from_unsigned_tx(tx).map_err(|e| RpcError::misc(e.to_string()))?;
    joined.inputs = inputs.into_iter().map(|(_, i)| i).collect();
    joined.outputs = outputs.into_iter().map(|(_, o)| o).collect();
    Ok(json!(wallet::psbt::encode(&joined)))
}

/// Core's `SighashToStr`.
fn sighash_name(value: u32) -> String {
    match value {
        0x00 => "DEFAULT".into(),
        0x01 => "ALL".into(),
        0x02 => "NONE".into(),
        0x03 => "SINGLE".into(),
        0x81 => "ALL|ANYONECANPAY".into(),
        0x82 => "NONE|ANYONECANPAY".into(),
        0x83 => "SINGLE|ANYONECANPAY".into(),
        other => other.to_string(),
    }
}

fn script_json(script: &bitcoin::ScriptBuf) -> Value {
    json!({ "asm": script_to_asm(script, false), "hex": hex::encode(script.as_bytes()), "type": script_type(script) })
}

fn derivations(map: &std::collections::BTreeMap<bitcoin::secp256k1::PublicKey, bitcoin::bip32::KeySource>) -> Value {
    Value::Array(
        map.iter()
            .map(|(key, (fingerprint, path))| {
                json!({ "pubkey": key.to_string(), "master_fingerprint": fingerprint.to_string(), "path": format!("m/{path}") })
            })
            .collect(),
    )
}

fn tap_derivations(
    map: &std::collections::BTreeMap<
        bitcoin::secp256k1::XOnlyPublicKey,
        (Vec<bitcoin::TapLeafHash>, bitcoin::bip32::KeySource),
    >,
) -> Value {
    Value::Array(
        map.iter()
            .map(|(key, (leaves, (fingerprint, path)))| {
                json!({
                    "pubkey": key.to_string(),
                    "master_fingerprint": fingerprint.to_string(),
                    "path": format!("m/{path}"),
                    "leaf_hashes": leaves.iter().map(|l| l.to_string()).collect::<Vec<_>>(),
                })
            })
            .collect(),
    )
}

/// `decodepsbt "psbt"`: Core's fields.
pub fn decodepsbt(ctx: &RpcContext, args: &Args) -> RpcResult {
    let psbt = psbt_arg(args, 0, "psbt")?;
    let unsigned = Transaction::from_bitcoin(psbt.unsigned_tx.clone());
    let mut tx = tx_json(&unsigned, ctx.network);
    if let Value::Object(o) = &mut tx {
        o.remove("hex");
    }
    let global_xpubs: Vec<Value> = psbt
        .xpub
        .iter()
        .map(|(xpub, (fingerprint, path))| {
            json!({ "xpub": xpub.to_string(), "master_fingerprint": fingerprint.to_string(), "path": format!("m/{path}") })
        })
        .collect();
    let mut total_in: Option<u64> = Some(0);
    let mut inputs = Vec::new();
    for (index, input) in psbt.inputs.iter().enumerate() {
        let mut o = Map::new();
        if let Some(prev) = &input.non_witness_utxo {
            let prev = Transaction::from_bitcoin(prev.clone());
            o.insert("non_witness_utxo".into(), tx_json(&prev, ctx.network));
        }
        if let Some(out) = &input.witness_utxo {
            o.insert("witness_utxo".into(), json!({ "amount": amount(out.value.to_sat()), "scriptPubKey": script_pubkey_json(&out.script_pubkey, ctx.network) }));
        }
        match wallet::psbt::spent_output(&psbt, index) {
            Some(out) => total_in = total_in.map(|t| t + out.value.to_sat()),
            None => total_in = None,
        }
        if !input.partial_sigs.is_empty() {
            let sigs: Map<String, Value> =
                input.partial_sigs.iter().map(|(k, s)| (k.to_string(), json!(hex::encode(s.to_vec())))).collect();
            o.insert("partial_signatures".into(), Value::Object(sigs));
        }
        if let Some(sighash) = input.sighash_type {
            o.insert("sighash".into(), json!(sighash_name(sighash.to_u32())));
        }
        if let Some(s) = &input.redeem_script {
            o.insert("redeem_script".into(), script_json(s));
        }
        if let Some(s) = &input.witness_script {
            o.insert("witness_script".into(), script_json(s));
        }
        if !input.bip32_derivation.is_empty() {
            o.insert("bip32_derivs".into(), derivations(&input.bip32_derivation));
        }
        if let Some(s) = &input.final_script_sig {
            o.insert(
                "final_scriptSig".into(),
                json!({ "asm": script_to_asm(s, true), "hex": hex::encode(s.as_bytes()) }),
            );
        }
        if let Some(w) = &input.final_script_witness {
            o.insert("final_scriptwitness".into(), json!(w.iter().map(hex::encode).collect::<Vec<_>>()));
        }
        if let Some(sig) = &input.tap_key_sig {
            o.insert("taproot_key_path_sig".into(), json!(hex::encode(sig.to_vec())));
        }
        if !input.tap_key_origins.is_empty() {
            o.insert("taproot_bip32_derivs".into(), tap_derivations(&input.tap_key_origins));
        }
        if let Some(key) = &input.tap_internal_key {
            o.insert("taproot_internal_key".into(), json!(key.to_string()));
        }
        if let Some(root) = &input.tap_merkle_root {
            o.insert("taproot_merkle_root".into(), json!(root.to_string()));
        }
        inputs.push(Value::Object(o));
    }
    let outputs: Vec<Value> = psbt
        .outputs
        .iter()
        .map(|output| {
            let mut o = Map::new();
            if let Some(s) = &output.redeem_script {
                o.insert("redeem_script".into(), script_json(s));
            }
            if let Some(s) = &output.witness_script {
                o.insert("witness_script".into(), script_json(s));
            }
            if !output.bip32_derivation.is_empty() {
                o.insert("bip32_derivs".into(), derivations(&output.bip32_derivation));
            }
            if let Some(key) = &output.tap_internal_key {
                o.insert("taproot_internal_key".into(), json!(key.to_string()));
            }
            if !output.tap_key_origins.is_empty() {
                o.insert("taproot_bip32_derivs".into(), tap_derivations(&output.tap_key_origins));
            }
            Value::Object(o)
        })
        .collect();
    let mut result = json!({
        "tx": tx,
        "global_xpubs": global_xpubs,
        "psbt_version": 0,
        "proprietary": [],
        "unknown": {},
        "inputs": inputs,
        "outputs": outputs,
    });
    let total_out: u64 = psbt.unsigned_tx.output.iter().map(|o| o.value.to_sat()).sum();
    if let Some(fee) = total_in.and_then(|t| t.checked_sub(total_out)) {
        result["fee"] = amount(fee);
    }
    Ok(result)
}

/// `analyzepsbt "psbt"`: per input what it has and lacks, and the next role.
pub fn analyzepsbt(_ctx: &RpcContext, args: &Args) -> RpcResult {
    let psbt = psbt_arg(args, 0, "psbt")?;
    let secp = bitcoin::secp256k1::Secp256k1::new();
    let analyses: Vec<wallet::psbt::InputAnalysis> =
        (0..psbt.inputs.len()).map(|i| wallet::psbt::analyze_input(&psbt, i, &secp)).collect();
    let inputs: Vec<Value> = analyses
        .iter()
        .map(|a| {
            let mut o = json!({ "has_utxo": a.has_utxo, "is_final": a.is_final });
            let mut missing = Map::new();
            if !a.missing_pubkeys.is_empty() {
                missing.insert("pubkeys".into(), json!(a.missing_pubkeys));
            }
            if !a.missing_signatures.is_empty() {
                missing.insert("signatures".into(), json!(a.missing_signatures));
            }
            if let Some(r) = &a.missing_redeem_script {
                missing.insert("redeemscript".into(), json!(r));
            }
            if let Some(w) = &a.missing_witness_script {
                missing.insert("witnessscript".into(), json!(w));
            }
            if !missing.is_empty() {
                o["missing"] = Value::Object(missing);
            }
            if let Some(next) = a.next {
                o["next"] = json!(next.name());
            }
            o
        })
        .collect();
    let next = wallet::psbt::next_role(&analyses);
    let mut result = json!({ "inputs": inputs, "next": next.name() });
    let spent: Option<Vec<TxOut>> = (0..psbt.inputs.len()).map(|i| wallet::psbt::spent_output(&psbt, i)).collect();
    if let Some(spent) = spent {
        let total_in: u64 = spent.iter().map(|o| o.value.to_sat()).sum();
        let total_out: u64 = psbt.unsigned_tx.output.iter().map(|o| o.value.to_sat()).sum();
        match total_in.checked_sub(total_out) {
            Some(fee) => {
                result["fee"] = amount(fee);
                // The size once finalized, when every input can be.
                let mut trial = psbt.clone();
                if wallet::psbt::finalize(&mut trial, &secp).is_empty() {
                    if let Ok(tx) = trial.extract(&secp) {
                        let vsize = Transaction::from_bitcoin(tx).vsize();
                        result["estimated_vsize"] = json!(vsize);
                        result["estimated_feerate"] = amount(fee * 1000 / vsize.max(1));
                    }
                }
            }
            None => {
                result["error"] = json!("PSBT is not valid. Input amounts exceed output amounts");
                result["next"] = json!("creator");
            }
        }
    }
    Ok(result)
}

/// `utxoupdatepsbt "psbt" ( ["descriptor" or {desc, range}, ...] )`: spent
/// outputs from the mempool and the UTXO set (witness inputs), and scripts
/// and key origins from the descriptors given.
pub async fn utxoupdatepsbt(ctx: &RpcContext, args: &Args) -> RpcResult {
    let mut psbt = psbt_arg(args, 0, "psbt")?;
    let descriptors = parse_descriptor_list(args.get(1))?;
    fill_spent_outputs(ctx, &mut psbt).await?;
    update_from_descriptors(&mut psbt, &descriptors);
    Ok(json!(wallet::psbt::encode(&psbt)))
}

/// The spent output of every input that has none, from the mempool or the UTXO set.
async fn fill_spent_outputs(ctx: &RpcContext, psbt: &mut Psbt) -> Result<(), RpcError> {
    let outpoints: Vec<primitives::OutPoint> = psbt.unsigned_tx.input.iter().map(|i| i.previous_output).collect();
    let found: Vec<Option<TxOut>> = ctx
        .chain
        .call(move |node| {
            outpoints
                .iter()
                .map(|o| {
                    let pool = node.mempool.pool().get(&o.txid).and_then(|e| e.tx.output.get(o.vout as usize).cloned());
                    pool.or_else(|| node.chain.coin(o).ok().flatten().map(|c| c.output))
                })
                .collect()
        })
        .await?;
    for (input, out) in psbt.inputs.iter_mut().zip(found) {
        if input.witness_utxo.is_none() && input.non_witness_utxo.is_none() {
            input.witness_utxo = out;
        }
    }
    Ok(())
}

/// Scripts and key origins for every input one of `descriptors` derives.
fn update_from_descriptors(psbt: &mut Psbt, descriptors: &[(PublicDescriptor, u32)]) {
    for index in 0..psbt.inputs.len() {
        let Some(out) = wallet::psbt::spent_output(psbt, index) else { continue };
        for (descriptor, range) in descriptors {
            if let Some(definite) = derive_matching(descriptor, *range, &out.script_pubkey) {
                let _ = psbt.update_input_with_descriptor(index, &definite);
                break;
            }
        }
    }
}

type PublicDescriptor = miniscript::Descriptor<miniscript::DescriptorPublicKey>;

/// `["desc", {"desc": …, "range": n | [a, b]}]` as descriptors with the
/// last index to try (Core's default range: 0..=999).
pub fn parse_descriptor_list(value: Option<&Value>) -> Result<Vec<(PublicDescriptor, u32)>, RpcError> {
    let Some(list) = value else { return Ok(Vec::new()) };
    let list = list.as_array().ok_or_else(|| RpcError::wrong_type(list, "array"))?;
    list.iter()
        .map(|item| {
            let (text, range) = match item {
                Value::String(s) => (s.as_str(), 999),
                Value::Object(o) => {
                    let text = o
                        .get("desc")
                        .and_then(Value::as_str)
                        .ok_or_else(|| RpcError::invalid_parameter("Missing desc"))?;
                    let range = match o.get("range") {
                        None => 999,
                        Some(Value::Number(n)) => n.as_u64().unwrap_or(999) as u32,
                        Some(Value::Array(pair)) => pair.get(1).and_then(Value::as_u64).unwrap_or(999) as u32,
                        Some(_) => {
                            return Err(RpcError::invalid_parameter("Range must be specified as end or as [begin,end]"))
                        }
                    };
                    (text, range)
                }
                other => return Err(RpcError::wrong_type(other, "string")),
            };
            let body = wallet::descriptor::split_checksum(text, false)
                .map_err(|e| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, e.to_string()))?;
            let descriptor = PublicDescriptor::from_str(body)
                .map_err(|e| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, e.to_string()))?;
            Ok((descriptor, range))
        })
        .collect()
}

/// The derivation of `descriptor` (at most index `range`) whose script is `script`.
fn derive_matching(
    descriptor: &PublicDescriptor,
    range: u32,
    script: &bitcoin::ScriptBuf,
) -> Option<miniscript::Descriptor<miniscript::DefiniteDescriptorKey>> {
    let last = if descriptor.has_wildcard() { range } else { 0 };
    (0..=last).find_map(|i| descriptor.at_derivation_index(i).ok().filter(|d| d.script_pubkey() == *script))
}

/// `descriptorprocesspsbt "psbt" ["descriptor" or {desc, range}, ...] ( "sighashtype" bip32derivs finalize )`:
/// updates the PSBT from the descriptors and signs with the private keys
/// they carry (single keys: WIF or hex).
pub async fn descriptorprocesspsbt(ctx: &RpcContext, args: &Args) -> RpcResult {
    let mut psbt = psbt_arg(args, 0, "psbt")?;
    let list = args.get(1).ok_or_else(|| RpcError::invalid_parameter("Missing required argument descriptors"))?;
    let list = list.as_array().ok_or_else(|| RpcError::wrong_type(list, "array"))?;
    let sighash = super::rawbuild::parse_sighash(args.opt_str(2)?)?;
    let finalize = args.opt_bool(4)?.unwrap_or(true);
    let secp = bitcoin::secp256k1::Secp256k1::new();
    let mut public = Vec::new();
    let mut keys = Vec::new();
    for item in list {
        let (text, range) = match item {
            Value::String(s) => (s.clone(), None),
            Value::Object(o) => (
                o.get("desc")
                    .and_then(Value::as_str)
                    .ok_or_else(|| RpcError::invalid_parameter("Missing desc"))?
                    .to_string(),
                o.get("range").cloned(),
            ),
            other => return Err(RpcError::wrong_type(other, "string")),
        };
        let body = wallet::descriptor::split_checksum(&text, false)
            .map_err(|e| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, e.to_string()))?;
        let (descriptor, key_map) = PublicDescriptor::parse_descriptor(&secp, body)
            .map_err(|e| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, e.to_string()))?;
        for secret in key_map.values() {
            match secret {
                miniscript::descriptor::DescriptorSecretKey::Single(single) => keys.push(single.key),
                _ => {
                    return Err(RpcError::invalid_parameter(
                        "Only single private keys (WIF) are supported in descriptors here",
                    ))
                }
            }
        }
        let public_text = descriptor.to_string();
        let entry = match range {
            Some(r) => json!({ "desc": public_text, "range": r }),
            None => json!(public_text),
        };
        public.push(entry);
    }
    // The public parts update the inputs (scripts, key origins) as utxoupdatepsbt does.
    fill_spent_outputs(ctx, &mut psbt).await?;
    update_from_descriptors(&mut psbt, &parse_descriptor_list(Some(&Value::Array(public)))?);
    for input in &mut psbt.inputs {
        if sighash.is_some() {
            input.sighash_type = sighash;
        }
    }
    wallet::psbt::sign_with_keys(&mut psbt, &keys, &secp);
    let mut complete = psbt.inputs.iter().all(wallet::psbt::is_final);
    let mut result = json!({});
    if finalize {
        complete = wallet::psbt::finalize(&mut psbt, &secp).is_empty();
        if complete {
            if let Ok(tx) = psbt.clone().extract(&secp) {
                result["hex"] = json!(hex::encode(Transaction::from_bitcoin(tx).serialize()));
            }
        }
    }
    result["psbt"] = json!(wallet::psbt::encode(&psbt));
    result["complete"] = json!(complete);
    Ok(result)
}
