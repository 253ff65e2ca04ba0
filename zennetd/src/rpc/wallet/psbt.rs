//! The wallet's raw-transaction and PSBT RPCs, as Core's:
//! `fundrawtransaction`, `signrawtransactionwithwallet`,
//! `walletcreatefundedpsbt`, `walletprocesspsbt`.

use primitives::{OutPoint, Transaction, TxOut};
use rpc::{codes, RpcError};
use serde_json::{json, Map, Value};
use wallet::{Recipient, SendOptions};

use super::pay::{choose_fee_rate, parse_fee_rate};
use super::{parse_address, werr, Call};
use crate::rpc::json::amount;
use crate::rpc::psbt::{decode_psbt, to_psbt};
use crate::rpc::rawbuild::{construct, parse_sighash, sign_transaction, spent_outputs};
use crate::rpc::RpcResult;

/// Core's funding options (`fundrawtransaction`, `walletcreatefundedpsbt`).
struct FundOptions {
    send: SendOptions,
    subtract_from: Vec<usize>,
    lock_unspents: bool,
}

async fn fund_options(call: &Call<'_>, value: Option<&Value>, outputs: usize) -> Result<FundOptions, RpcError> {
    let empty = Map::new();
    let options = match value {
        None | Some(Value::Null) => &empty,
        Some(Value::Object(o)) => o,
        // Core's old form: a bool meaning includeWatching.
        Some(Value::Bool(_)) => &empty,
        Some(other) => return Err(RpcError::wrong_type(other, "object")),
    };
    const KNOWN: &[&str] = &[
        "add_inputs",
        "include_unsafe",
        "changeAddress",
        "change_address",
        "changePosition",
        "change_position",
        "change_type",
        "includeWatching",
        "include_watching",
        "lockUnspents",
        "lock_unspents",
        "fee_rate",
        "feeRate",
        "subtractFeeFromOutputs",
        "subtract_fee_from_outputs",
        "replaceable",
        "conf_target",
        "estimate_mode",
        "minconf",
        "maxconf",
        "input_weights",
        "solving_data",
    ];
    if let Some(unknown) = options.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(RpcError::invalid_parameter(format!("Unexpected key {unknown}")));
    }
    let get = |a: &str, b: &str| options.get(a).or_else(|| options.get(b));
    let bool_of = |v: Option<&Value>, default: bool| -> Result<bool, RpcError> {
        match v {
            None => Ok(default),
            Some(Value::Bool(b)) => Ok(*b),
            Some(other) => Err(RpcError::wrong_type(other, "bool")),
        }
    };
    let explicit = match (options.get("fee_rate"), options.get("feeRate")) {
        (Some(_), Some(_)) => {
            return Err(RpcError::invalid_parameter("Cannot specify both fee_rate (sat/vB) and feeRate (ZEN/kvB)"))
        }
        (Some(rate), None) => Some(parse_fee_rate(rate)?),
        // ZEN per kvB: zats per kvB.
        (None, Some(rate)) => Some(super::parse_amount(rate)?),
        (None, None) => None,
    };
    let conf_target = options.get("conf_target").and_then(Value::as_i64);
    if explicit.is_some() && conf_target.is_some() {
        return Err(RpcError::invalid_parameter(
            "Cannot specify both conf_target and fee_rate. Please provide either a confirmation target in blocks for automatic fee estimation, or an explicit fee rate.",
        ));
    }
    let fee_rate = choose_fee_rate(call, explicit, conf_target).await?;
    let change_script = match get("changeAddress", "change_address") {
        None => None,
        Some(v) => {
            let text =
                v.as_str().ok_or_else(|| RpcError::invalid_parameter("changeAddress must be a valid address"))?;
            Some(
                parse_address(text, call.ctx)
                    .map_err(|_| {
                        RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Change address must be a valid address")
                    })?
                    .script_pubkey()
                    .clone(),
            )
        }
    };
    let change_position = match get("changePosition", "change_position") {
        None => None,
        Some(v) => {
            let pos = v
                .as_i64()
                .filter(|p| *p >= 0)
                .ok_or_else(|| RpcError::invalid_parameter("changePosition out of bounds"))?;
            if pos as usize > outputs {
                return Err(RpcError::invalid_parameter("changePosition out of bounds"));
            }
            Some(pos as usize)
        }
    };
    let mut subtract_from = Vec::new();
    if let Some(list) = get("subtractFeeFromOutputs", "subtract_fee_from_outputs") {
        let list = list.as_array().ok_or_else(|| RpcError::wrong_type(list, "array"))?;
        for item in list {
            let pos = item.as_i64().ok_or_else(|| RpcError::wrong_type(item, "number"))?;
            if pos < 0 || pos as usize >= outputs {
                return Err(RpcError::invalid_parameter(format!("Invalid parameter, value out of range: {pos}")));
            }
            if subtract_from.contains(&(pos as usize)) {
                return Err(RpcError::invalid_parameter(format!("Invalid parameter, duplicated position: {pos}")));
            }
            subtract_from.push(pos as usize);
        }
    }
    let send = SendOptions {
        replaceable: bool_of(options.get("replaceable"), true)?,
        change_script,
        change_position,
        add_inputs: bool_of(options.get("add_inputs"), true)?,
        include_watching: bool_of(get("includeWatching", "include_watching"), false)?,
        ..SendOptions::at_rate(fee_rate)
    };
    Ok(FundOptions { send, subtract_from, lock_unspents: bool_of(get("lockUnspents", "lock_unspents"), false)? })
}

/// Funds `tx` (its outputs stay, its inputs are kept and more are added):
/// returns the funded, unsigned transaction, its fee and the change position.
async fn fund(
    call: &Call<'_>,
    tx: Transaction,
    options: Option<&Value>,
) -> Result<(Transaction, u64, Option<usize>), RpcError> {
    let opts = fund_options(call, options, tx.output.len()).await?;
    let spent = spent_outputs(call.ctx, &tx, &[]).await?;
    let mut preselected: Vec<(OutPoint, TxOut)> = Vec::new();
    for (input, out) in tx.input.iter().zip(spent) {
        let out = out.ok_or_else(|| {
            RpcError::new(
                codes::INVALID_ADDRESS_OR_KEY,
                format!(
                    "Unable to find UTXO for external input {}:{}",
                    input.previous_output.txid, input.previous_output.vout
                ),
            )
        })?;
        preselected.push((input.previous_output, out));
    }
    let recipients: Vec<Recipient> = tx
        .output
        .iter()
        .enumerate()
        .map(|(i, o)| Recipient {
            script: o.script_pubkey.clone(),
            amount: o.value.to_sat(),
            subtract_fee: opts.subtract_from.contains(&i),
        })
        .collect();
    let policy = call.wallets.settings.policy.clone();
    let send = SendOptions { preselected, lock_time: Some(tx.lock_time), ..opts.send };
    let lock = opts.lock_unspents;
    let funded = call
        .blocking(move |w| {
            let funded = w.fund_transaction(&recipients, &send, &policy).map_err(werr)?;
            if lock {
                for input in &funded.tx.input {
                    w.lock_coin(input.previous_output);
                }
            }
            Ok(funded)
        })
        .await?;
    let mut result = funded.tx;
    result.version = tx.version;
    Ok((result, funded.fee, funded.change_pos))
}

/// `fundrawtransaction "hexstring" ( options iswitness )`.
pub async fn fundrawtransaction(call: &Call<'_>) -> RpcResult {
    let tx = crate::rpc::mempool::decode_tx(call.args.str(0, "hexstring")?)?;
    let (funded, fee, change_pos) = fund(call, tx, call.args.get(1)).await?;
    Ok(json!({
        "hex": hex::encode(funded.serialize()),
        "fee": amount(fee),
        "changepos": change_pos.map_or(-1, |p| p as i64),
    }))
}

/// `walletcreatefundedpsbt ( [{txid,vout,sequence}] ) [{address:amount},{data:hex}] ( locktime options bip32derivs )`.
pub async fn walletcreatefundedpsbt(call: &Call<'_>) -> RpcResult {
    let options = call.args.get(3);
    let replaceable = options.and_then(|o| o.get("replaceable")).and_then(Value::as_bool);
    let tx = construct(call.ctx, call.args.get(0), call.args.get(1), call.args.opt_i64(2)?, replaceable)?;
    let (funded, fee, change_pos) = fund(call, tx, options).await?;
    let bip32derivs = call.args.opt_bool(4)?.unwrap_or(true);
    let mut psbt = to_psbt(&funded)?;
    call.wallet()?.update_psbt(&mut psbt, bip32derivs);
    Ok(json!({
        "psbt": wallet::psbt::encode(&psbt),
        "fee": amount(fee),
        "changepos": change_pos.map_or(-1, |p| p as i64),
    }))
}

/// `walletprocesspsbt "psbt" ( sign "sighashtype" bip32derivs finalize )`.
pub async fn walletprocesspsbt(call: &Call<'_>) -> RpcResult {
    let mut psbt = decode_psbt(call.args.str(0, "psbt")?)?;
    let sign = call.args.opt_bool(1)?.unwrap_or(true);
    let sighash = parse_sighash(call.args.opt_str(2)?)?;
    let bip32derivs = call.args.opt_bool(3)?.unwrap_or(true);
    let finalize = call.args.opt_bool(4)?.unwrap_or(true);
    {
        let w = call.wallet()?;
        w.update_psbt(&mut psbt, bip32derivs);
        if sign {
            w.sign_psbt(&mut psbt, sighash).map_err(werr)?;
        }
    }
    let secp = bitcoin::secp256k1::Secp256k1::new();
    let complete = if finalize {
        wallet::psbt::finalize(&mut psbt, &secp).is_empty()
    } else {
        psbt.inputs.iter().all(wallet::psbt::is_final)
    };
    let mut result = json!({ "psbt": wallet::psbt::encode(&psbt), "complete": complete });
    if complete && finalize {
        use miniscript::psbt::PsbtExt;
        if let Ok(tx) = psbt.extract(&secp) {
            result["hex"] = json!(hex::encode(Transaction::from_bitcoin(tx).serialize()));
        }
    }
    Ok(result)
}

/// `signrawtransactionwithwallet "hexstring" ( [{txid,vout,scriptPubKey,redeemScript,witnessScript,amount}] "sighashtype" )`.
pub async fn signrawtransactionwithwallet(call: &Call<'_>) -> RpcResult {
    let tx = crate::rpc::mempool::decode_tx(call.args.str(0, "hexstring")?)?;
    let sighash = parse_sighash(call.args.opt_str(2)?)?;
    // Locked: Core refuses before anything (-13).
    call.wallet()?.ensure_can_sign().map_err(werr)?;
    let shared = call.shared.clone();
    sign_transaction(call.ctx, tx, call.args.get(1), sighash, move |psbt| {
        let Ok(w) = crate::wallets::lock(&shared) else { return Vec::new() };
        w.update_psbt(psbt, true);
        w.sign_psbt(psbt, sighash).unwrap_or_default()
    })
    .await
}
