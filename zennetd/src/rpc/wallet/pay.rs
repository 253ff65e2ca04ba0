//! Sending: sendtoaddress, sendmany, bumpfee, fee settings, locked coins,
//! abandonment. A transaction is committed to the wallet (durably) before
//! it is offered to the mempool, so a crash can never forget it.

use mempool::MempoolError;
use primitives::{OutPoint, Transaction, Txid};
use rpc::{codes, RpcError};
use serde_json::{json, Value};
use wallet::send::format_rate;
use wallet::{Recipient, SendOptions};

use super::{parse_amount, parse_payee, werr, Call};
use crate::actor::ChainHandle;
use crate::clock;
use crate::rpc::json::amount;
use crate::rpc::{parse_hash, RpcResult};

/// A `fee_rate` argument (sat/vB, up to three decimals) in zats per kvB.
pub(super) fn parse_fee_rate(v: &Value) -> Result<u64, RpcError> {
    let scaled = parse_amount(v).map_err(|_| RpcError::type_error("Invalid amount"))?;
    if scaled % 100_000 != 0 {
        return Err(RpcError::type_error("Invalid amount"));
    }
    Ok(scaled / 100_000)
}

/// Core's GetMinimumFeeRate: an explicit rate, else -paytxfee / settxfee,
/// else the estimate for `conf_target`, else -fallbackfee; never below the relay floor.
pub(super) async fn choose_fee_rate(
    call: &Call<'_>,
    explicit: Option<u64>,
    conf_target: Option<i64>,
) -> Result<u64, RpcError> {
    // Core's floor: the relay minimum and -mintxfee.
    let floor = call.wallets.settings.policy.min_relay_feerate.max(call.wallets.settings.min_tx_fee);
    if let Some(rate) = explicit {
        if rate < floor {
            return Err(RpcError::new(
                codes::WALLET_INSUFFICIENT_FUNDS,
                format!(
                    "Fee rate ({} sat/vB) is lower than the minimum fee rate setting ({} sat/vB)",
                    format_rate(rate),
                    format_rate(floor)
                ),
            ));
        }
        return Ok(rate);
    }
    let pay = call.wallet()?.pay_tx_fee();
    if pay > 0 {
        return Ok(pay.max(floor));
    }
    let target = conf_target.unwrap_or(i64::from(call.wallets.settings.conf_target)).clamp(1, 1008) as usize;
    let estimate = call.ctx.chain.call(move |node| node.mempool.fee_estimator().estimate(target)).await?;
    match estimate {
        Some(rate) => Ok(rate.max(floor)),
        None if call.wallets.settings.fallback_fee > 0 => Ok(call.wallets.settings.fallback_fee.max(floor)),
        None => Err(RpcError::new(
            codes::WALLET_INSUFFICIENT_FUNDS,
            "Fee estimation failed. Fallbackfee is disabled. Wait a few blocks or enable -fallbackfee.",
        )),
    }
}

fn fee_args(call: &Call<'_>, conf_index: usize, rate_index: usize) -> Result<(Option<u64>, Option<i64>), RpcError> {
    let conf_target = call.args.opt_i64(conf_index)?;
    let fee_rate = call.args.get(rate_index).map(parse_fee_rate).transpose()?;
    if conf_target.is_some() && fee_rate.is_some() {
        return Err(RpcError::invalid_parameter(
            "Cannot specify both conf_target and fee_rate. Please provide either a confirmation target in blocks for automatic fee estimation, or an explicit fee rate.",
        ));
    }
    Ok((fee_rate, conf_target))
}

/// Whether the mempool would take `tx` now. A payment it would refuse is
/// not committed, so the wallet never acknowledges a transaction that is
/// not broadcast (Core checks the chain limits, `-walletrejectlongchains`;
/// this checks every rule). Runs on a wallet's blocking thread.
pub(super) fn check_mempool_accepts(chain: &ChainHandle, tx: &Transaction) -> Result<(), RpcError> {
    check_mempool_accepts_with(chain, tx, true)
}

/// As [`check_mempool_accepts`]; `reject_long_chains` false
/// (`-walletrejectlongchains=0`) lets a payment past the mempool's chain
/// limits be kept, to be offered again once its parents confirm (as Core).
pub(super) fn check_mempool_accepts_with(
    chain: &ChainHandle,
    tx: &Transaction,
    reject_long_chains: bool,
) -> Result<(), RpcError> {
    let tx = tx.clone();
    match chain.call_blocking(move |node| node.accept_to_mempool(tx, clock::now(), true))? {
        Ok(_) => Ok(()),
        Err(MempoolError::TooLongChain { .. }) if !reject_long_chains => Ok(()),
        Err(MempoolError::TooLongChain { .. }) => {
            Err(RpcError::new(codes::WALLET_INSUFFICIENT_FUNDS, "Transaction has too long of a mempool chain"))
        }
        Err(e) => {
            Err(RpcError::new(codes::WALLET_ERROR, format!("Transaction rejected by the mempool: {}", e.reason())))
        }
    }
}

/// Builds, signs and commits a payment, then offers it to the mempool.
async fn send(
    call: &Call<'_>,
    recipients: Vec<Recipient>,
    replaceable: bool,
    fee_rate: u64,
    comment: Option<String>,
    comment_to: Option<String>,
) -> Result<(Txid, u64), RpcError> {
    let policy = call.wallets.settings.policy.clone();
    let chain = call.ctx.chain.clone();
    let reject_long_chains = call.wallets.settings.reject_long_chains;
    let built = call
        .blocking(move |w| {
            let opts = SendOptions { replaceable, reject_long_chains, ..SendOptions::at_rate(fee_rate) };
            let built = w.create_transaction(&recipients, &opts, &policy).map_err(werr)?;
            check_mempool_accepts_with(&chain, &built.tx, reject_long_chains)?;
            w.commit_transaction(&built, comment, comment_to, None, clock::now()).map_err(werr)?;
            Ok(built)
        })
        .await?;
    let txid = built.tx.txid();
    if let Err(e) = call.wallets.submit(built.tx).await? {
        // As Core: the transaction stays in the wallet and is offered again later.
        tracing::warn!("wallet {}: {txid} not accepted by the mempool: {e}", call.name);
    }
    call.wallets.catch_up(&call.shared).await?;
    Ok((txid, built.fee))
}

fn reply(txid: Txid, verbose: bool) -> Value {
    if verbose {
        json!({ "txid": txid.to_string(), "fee_reason": "Estimation or settings" })
    } else {
        Value::String(txid.to_string())
    }
}

pub async fn sendtoaddress(call: &Call<'_>) -> RpcResult {
    let address = parse_payee(call.args.str(0, "address")?, call.ctx)?;
    let value = call.args.get(1).ok_or_else(|| RpcError::invalid_parameter("Missing required argument amount"))?;
    let zats = parse_amount(value)?;
    if zats == 0 {
        return Err(RpcError::type_error("Invalid amount for send"));
    }
    let comment = call.args.opt_str(2)?.filter(|c| !c.is_empty()).map(str::to_string);
    let comment_to = call.args.opt_str(3)?.filter(|c| !c.is_empty()).map(str::to_string);
    let subtract_fee = call.args.opt_bool(4)?.unwrap_or(false);
    let replaceable = call.args.opt_bool(5)?.unwrap_or(true);
    let (explicit, conf_target) = fee_args(call, 6, 9)?;
    let verbose = call.args.opt_bool(10)?.unwrap_or(false);
    let rate = choose_fee_rate(call, explicit, conf_target).await?;
    let recipients = vec![Recipient { script: address.script_pubkey().clone(), amount: zats, subtract_fee }];
    let (txid, _) = send(call, recipients, replaceable, rate, comment, comment_to).await?;
    Ok(reply(txid, verbose))
}

pub async fn sendmany(call: &Call<'_>) -> RpcResult {
    if call.args.get(0).is_some_and(|d| d.as_str() != Some("")) {
        return Err(RpcError::invalid_parameter("Dummy value must be set to \"\""));
    }
    let amounts = match call.args.get(1) {
        Some(Value::Object(map)) => map.clone(),
        Some(other) => return Err(RpcError::wrong_type(other, "object")),
        None => return Err(RpcError::invalid_parameter("Missing required argument amounts")),
    };
    let comment = call.args.opt_str(3)?.filter(|c| !c.is_empty()).map(str::to_string);
    let subtract_from: Vec<String> = match call.args.get(4) {
        Some(Value::Array(list)) => list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        Some(other) => return Err(RpcError::wrong_type(other, "array")),
        None => Vec::new(),
    };
    let replaceable = call.args.opt_bool(5)?.unwrap_or(true);
    let (explicit, conf_target) = fee_args(call, 6, 8)?;
    let verbose = call.args.opt_bool(9)?.unwrap_or(false);
    let mut recipients: Vec<Recipient> = Vec::new();
    for (text, value) in &amounts {
        let address = parse_payee(text, call.ctx)?;
        if recipients.iter().any(|r| &r.script == address.script_pubkey()) {
            return Err(RpcError::invalid_parameter(format!("Invalid parameter, duplicated address: {text}")));
        }
        let zats = parse_amount(value)?;
        if zats == 0 {
            return Err(RpcError::type_error("Invalid amount for send"));
        }
        recipients.push(Recipient {
            script: address.script_pubkey().clone(),
            amount: zats,
            subtract_fee: subtract_from.iter().any(|s| s == text),
        });
    }
    if recipients.is_empty() {
        return Err(RpcError::new(codes::WALLET_INSUFFICIENT_FUNDS, "Transaction must have at least one recipient"));
    }
    let rate = choose_fee_rate(call, explicit, conf_target).await?;
    let (txid, _) = send(call, recipients, replaceable, rate, comment, None).await?;
    Ok(reply(txid, verbose))
}

pub async fn bumpfee(call: &Call<'_>) -> RpcResult {
    let txid: Txid = parse_hash(&call.args, 0, "txid")?;
    let options = match call.args.get(1) {
        Some(Value::Object(o)) => o.clone(),
        Some(other) => return Err(RpcError::wrong_type(other, "object")),
        None => Default::default(),
    };
    let explicit = options.get("fee_rate").map(parse_fee_rate).transpose()?;
    let conf_target = options.get("conf_target").and_then(Value::as_i64);
    if explicit.is_some() && conf_target.is_some() {
        return Err(RpcError::invalid_parameter("Cannot specify both conf_target and fee_rate. Please provide either a confirmation target in blocks for automatic fee estimation, or an explicit fee rate."));
    }
    // Without an explicit rate: the estimate, raised to the minimum a replacement needs.
    let suggested = match explicit {
        Some(rate) => Some(rate),
        None => choose_fee_rate(call, None, conf_target).await.ok(),
    };
    let policy = call.wallets.settings.policy.clone();
    let incremental = policy.min_relay_feerate;
    let chain = call.ctx.chain.clone();
    let (built, old_fee) = call
        .blocking(move |w| {
            let (built, old_fee) =
                w.bump_fee(&txid, suggested, explicit.is_some(), incremental, &policy).map_err(werr)?;
            check_mempool_accepts(&chain, &built.tx)?;
            w.commit_transaction(&built, None, None, Some(txid), clock::now()).map_err(werr)?;
            Ok((built, old_fee))
        })
        .await?;
    let new_txid = built.tx.txid();
    let mut errors = Vec::new();
    if let Err(e) = call.wallets.submit(built.tx).await? {
        errors.push(format!("The replacement was not accepted by the mempool: {e}"));
    }
    call.wallets.catch_up(&call.shared).await?;
    Ok(json!({ "txid": new_txid.to_string(), "origfee": amount(old_fee), "fee": amount(built.fee), "errors": errors }))
}

pub async fn settxfee(call: &Call<'_>) -> RpcResult {
    let value = call.args.get(0).ok_or_else(|| RpcError::invalid_parameter("Missing required argument amount"))?;
    let rate = parse_amount(value)?;
    let floor = call.wallets.settings.policy.min_relay_feerate;
    if rate != 0 && rate < floor {
        return Err(RpcError::invalid_parameter(format!(
            "txfee cannot be less than min relay tx fee ({} ZEN/kvB)",
            wallet::amount_text(floor)
        )));
    }
    call.blocking(move |w| w.set_pay_tx_fee(rate).map_err(werr)).await?;
    Ok(Value::Bool(true))
}

pub fn lockunspent(call: &Call<'_>) -> RpcResult {
    let unlock = call.args.get(0).and_then(Value::as_bool).ok_or_else(|| {
        call.args.get(0).map_or_else(
            || RpcError::invalid_parameter("Missing required argument unlock"),
            |v| RpcError::wrong_type(v, "bool"),
        )
    })?;
    if call.args.opt_bool(2)?.unwrap_or(false) {
        return Err(RpcError::invalid_parameter(
            "persistent locks are not supported: locks last until the wallet is unloaded or the node stops",
        ));
    }
    let mut w = call.wallet()?;
    let Some(list) = call.args.get(1) else {
        if unlock {
            w.unlock_all_coins();
        }
        return Ok(Value::Bool(true));
    };
    let list = list.as_array().ok_or_else(|| RpcError::wrong_type(list, "array"))?;
    let mut outpoints = Vec::new();
    for item in list {
        let txid: Txid = item
            .get("txid")
            .and_then(Value::as_str)
            .and_then(|t| t.parse().ok())
            .ok_or_else(|| RpcError::invalid_parameter("Invalid parameter, expected txid"))?;
        let vout = item
            .get("vout")
            .and_then(Value::as_i64)
            .ok_or_else(|| RpcError::invalid_parameter("Invalid parameter, missing vout key"))?;
        if vout < 0 {
            return Err(RpcError::invalid_parameter("Invalid parameter, vout cannot be negative"));
        }
        let outpoint = OutPoint { txid, vout: vout as u32 };
        let Some(wtx) = w.tx(&txid) else {
            return Err(RpcError::invalid_parameter("Invalid parameter, unknown transaction"));
        };
        if vout as usize >= wtx.tx.output.len() {
            return Err(RpcError::invalid_parameter("Invalid parameter, vout index out of bounds"));
        }
        if w.is_spent(&outpoint) {
            return Err(RpcError::invalid_parameter("Invalid parameter, expected unspent output"));
        }
        let locked = w.locked_coins().contains(&outpoint);
        if unlock && !locked {
            return Err(RpcError::invalid_parameter("Invalid parameter, expected locked output"));
        }
        if !unlock && locked {
            return Err(RpcError::invalid_parameter("Invalid parameter, output already locked"));
        }
        outpoints.push(outpoint);
    }
    for outpoint in outpoints {
        if unlock {
            w.unlock_coin(&outpoint);
        } else {
            w.lock_coin(outpoint);
        }
    }
    Ok(Value::Bool(true))
}

pub fn listlockunspent(call: &Call<'_>) -> RpcResult {
    let w = call.wallet()?;
    Ok(Value::Array(
        w.locked_coins().into_iter().map(|o| json!({ "txid": o.txid.to_string(), "vout": o.vout })).collect(),
    ))
}

pub fn abandontransaction(call: &Call<'_>) -> RpcResult {
    let txid: Txid = parse_hash(&call.args, 0, "txid")?;
    call.wallet()?.abandon(&txid).map_err(werr)?;
    Ok(Value::Null)
}
