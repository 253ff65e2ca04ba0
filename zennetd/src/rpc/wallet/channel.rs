//! Payment channel RPCs. Payer: `channelopen`, `channelpay`, `channelack`,
//! `channelrefund`. Payee: `channelaccept`, `channelreceive`,
//! `channelclose`. Both: `listchannels`, `getchannel`. Every state change
//! is written to the wallet (flushed) before the call answers; the blobs a
//! call returns are what the other party needs, carried however they like.

use std::str::FromStr;

use bitcoin::secp256k1::PublicKey;
use primitives::{Amount, OutPoint, ScriptBuf, TxOut};
use rpc::{codes, RpcError};
use serde_json::{json, Value};
use wallet::channel::{
    channel_id, fee_at, p2wsh, AckMessage, ChannelError, ChannelRecord, ChannelRole, ChannelState, ChannelTerms,
    OpenMessage, PayMessage, CLOSE_VBYTES,
};
use wallet::keys::Chain;
use wallet::{Recipient, SendOptions};

use super::pay::{check_mempool_accepts, choose_fee_rate, parse_fee_rate};
use super::{parse_amount, werr, Call};
use crate::channels::{self, Funding};
use crate::clock;
use crate::node_state::market::AcceptanceState;
use crate::rpc::json::amount;
use crate::rpc::market::{known_task, parse_id};

/// Core's codes for channel refusals: a malformed blob is a decoding error
/// (-22), an unknown channel -5 (as an unknown transaction), the rest -8.
pub fn channel_rpc_error(e: ChannelError) -> RpcError {
    let code = match e {
        ChannelError::Malformed(_) => codes::DESERIALIZATION_ERROR,
        ChannelError::UnknownChannel(_) => codes::INVALID_ADDRESS_OR_KEY,
        _ => codes::INVALID_PARAMETER,
    };
    RpcError::new(code, e.to_string())
}

fn p2wpkh_dust(call: &Call<'_>) -> u64 {
    call.wallets.settings.policy.dust_threshold(&TxOut {
        value: Amount::ZERO,
        script_pubkey: ScriptBuf::from_bytes([&[0u8, 20][..], &[0u8; 20]].concat()),
    })
}

async fn tip(call: &Call<'_>) -> Result<u32, RpcError> {
    Ok(call.ctx.chain.call(|node| node.chain.tip().height).await?)
}

fn channel_json(c: &ChannelRecord, tip: u32) -> Value {
    json!({
        "channel_id": c.id,
        "role": c.role.as_str(),
        "state": c.state.as_str(),
        "capacity": amount(c.capacity),
        "paid": amount(c.paid),
        "acknowledged": if c.role == ChannelRole::Payer { amount(c.acked_paid) } else { amount(c.paid) },
        "fee_reserve": amount(c.fee_reserve),
        "expiry_height": c.expiry,
        "blocks_left": i64::from(c.expiry) - i64::from(tip),
        "sequence": c.sequence,
        "payer_pubkey": c.payer_pubkey,
        "payee_pubkey": c.payee_pubkey,
        "funding_txid": c.funding_txid,
        "funding_vout": c.funding_vout,
        "funding_height": c.funding_height,
        "close_txid": c.close_txid,
        "refund_txid": c.refund_txid,
        "cpfp_txid": c.cpfp_txid,
        "closed_paid": c.closed_paid.map(amount),
        "task_id": c.task_id,
    })
}

fn channel_arg(call: &Call<'_>) -> Result<String, RpcError> {
    let id = call.args.str(0, "channel_id")?;
    parse_id(id, "channel_id").map(hex::encode)
}

fn parse_pubkey(text: &str) -> Result<PublicKey, RpcError> {
    PublicKey::from_str(text)
        .map_err(|_| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, format!("Invalid public key: {text}")))
}

/// The payee key of a task's acceptance: the one named, which must belong
/// to an acceptance, or the only active acceptance's.
async fn payee_of_task(call: &Call<'_>, task: [u8; 32], named: Option<PublicKey>) -> Result<PublicKey, RpcError> {
    let view = known_task(call.ctx, task).await?;
    let publisher = view.task.as_ref().map(|t| t.publisher);
    let mine = publisher
        .is_some_and(|p| call.wallet().map(|w| w.identities().iter().any(|i| i.identity == p)).unwrap_or(false));
    if !mine {
        return Err(RpcError::invalid_parameter(format!(
            "Task {} was not published by this wallet: it pays only the acceptances of its own tasks",
            hex::encode(task)
        )));
    }
    let keys: Vec<PublicKey> = view
        .acceptances
        .iter()
        .filter(|a| a.state == AcceptanceState::Active || a.state == AcceptanceState::Pending)
        .filter_map(|a| a.acceptance.as_ref().and_then(|a| PublicKey::from_slice(&a.payee_pubkey).ok()))
        .collect();
    match named {
        Some(key) if keys.contains(&key) => Ok(key),
        Some(_) => Err(RpcError::invalid_parameter("payee_pubkey is not the payee key of an acceptance of this task")),
        None if keys.len() == 1 => Ok(keys[0]),
        None => Err(RpcError::invalid_parameter(format!(
            "The task has {} acceptances: name the payee_pubkey of the one to pay",
            keys.len()
        ))),
    }
}

pub async fn channelopen(call: &Call<'_>) -> Result<Value, RpcError> {
    let named = call.args.str(0, "payee_pubkey")?;
    let named = if named.is_empty() { None } else { Some(parse_pubkey(named)?) };
    let capacity =
        parse_amount(call.args.get(1).ok_or_else(|| RpcError::invalid_parameter("Missing required argument amount"))?)?;
    let blocks = call.args.i64(2, "expiry_blocks")?;
    let task = call.args.opt_str(3)?.filter(|t| !t.is_empty()).map(|t| parse_id(t, "task_id")).transpose()?;
    let explicit = call.args.get(4).map(parse_fee_rate).transpose()?;
    let margin = call.wallets.settings.channel_close_margin;
    if blocks <= i64::from(margin) || blocks > 52_560 {
        return Err(RpcError::invalid_parameter(format!(
            "expiry_blocks must be above the close margin ({margin}) and at most 52560"
        )));
    }
    let payee = match task {
        Some(id) => payee_of_task(call, id, named).await?,
        None => named.ok_or_else(|| RpcError::invalid_parameter("payee_pubkey is required without a task_id"))?,
    };
    let rate = choose_fee_rate(call, explicit, None).await?;
    let policy = call.wallets.settings.policy.clone();
    let fee_reserve = fee_at(rate.max(policy.min_relay_feerate), CLOSE_VBYTES);
    if capacity <= fee_reserve + p2wpkh_dust(call) {
        return Err(RpcError::new(
            codes::WALLET_INSUFFICIENT_FUNDS,
            "The channel's capacity does not cover the close's fee and a payment above dust",
        ));
    }
    let tip = tip(call).await?;
    let expiry = tip + blocks as u32;
    let chain = call.ctx.chain.clone();
    let (record, funding) = call
        .blocking(move |w| {
            let payer_script = w
                .new_address(wallet::keys::OutputType::Bech32, Chain::Receive, Some("channel"))
                .map_err(werr)?
                .script_pubkey()
                .clone();
            let payer =
                w.public_key_for(&payer_script).ok_or_else(|| RpcError::internal("no key for a new address"))?;
            let payer_key = w.secret_key_for(&payer_script).map_err(werr)?;
            let script = wallet::channel::channel_script(&payer, &payee, expiry);
            let recipient = Recipient { script: p2wsh(&script), amount: capacity, subtract_fee: false };
            let opts = SendOptions { replaceable: false, ..SendOptions::at_rate(rate) };
            let funding = w.create_transaction(&[recipient], &opts, &policy).map_err(werr)?;
            let vout = funding
                .tx
                .output
                .iter()
                .position(|o| o.script_pubkey == p2wsh(&script) && o.value.to_sat() == capacity)
                .ok_or_else(|| RpcError::internal("the funding output is missing"))?;
            let outpoint = OutPoint { txid: funding.tx.txid(), vout: vout as u32 };
            let terms = ChannelTerms { funding: outpoint, capacity, expiry, fee_reserve, payer, payee };
            let refund = terms.signed_refund(fee_reserve, &payer_key);
            let record = ChannelRecord {
                refund_hex: Some(hex::encode(refund.serialize())),
                funding_hex: Some(hex::encode(funding.tx.serialize())),
                ..ChannelRecord::new(ChannelRole::Payer, &terms, task)
            };
            check_mempool_accepts(&chain, &funding.tx)?;
            // The refund is on disk before the funding can leave the wallet.
            w.save_channel(record.clone()).map_err(werr)?;
            crate::fatal::fault_point("channel-after-refund");
            w.commit_transaction(&funding, None, None, None, clock::now()).map_err(werr)?;
            Ok((record, funding.tx))
        })
        .await?;
    let funding_txid = funding.txid();
    if let Err(e) = call.wallets.submit(funding).await? {
        tracing::warn!("channel {}: funding {funding_txid} not accepted by the mempool: {e}", record.id);
    }
    let terms = record.terms().map_err(werr)?;
    let open = OpenMessage {
        payer: terms.payer,
        payee: terms.payee,
        funding: terms.funding,
        capacity,
        expiry,
        fee_reserve,
        task_id: task,
    };
    Ok(json!({
        "channel_id": record.id,
        "open_blob": open.encode(),
        "funding_txid": funding_txid.to_string(),
        "capacity": amount(capacity),
        "fee_reserve": amount(fee_reserve),
        "expiry_height": expiry,
    }))
}

pub async fn channelpay(call: &Call<'_>) -> Result<Value, RpcError> {
    let id = channel_arg(call)?;
    let increment =
        parse_amount(call.args.get(1).ok_or_else(|| RpcError::invalid_parameter("Missing required argument amount"))?)?;
    let tip = tip(call).await?;
    let dust = p2wpkh_dust(call);
    call.blocking(move |w| {
        let record = w.channel(&id).map_err(channel_rpc_error)?;
        let payer = record.terms().map_err(werr)?.payer;
        let key = w.secret_for_pubkey(&payer).map_err(werr)?;
        let (next, msg) = record.pay(increment, &key, dust, tip).map_err(channel_rpc_error)?;
        // Never sign a state below one already given out: the sequence is on disk first.
        w.save_channel(next.clone()).map_err(werr)?;
        Ok(json!({"pay_blob": msg.encode(), "sequence": next.sequence, "paid": amount(next.paid)}))
    })
    .await
}

pub async fn channelack(call: &Call<'_>) -> Result<Value, RpcError> {
    let msg = AckMessage::decode(call.args.str(0, "ack_blob")?).map_err(channel_rpc_error)?;
    let id = hex::encode(msg.channel_id);
    call.blocking(move |w| {
        let record = w.channel(&id).map_err(channel_rpc_error)?;
        let next = record.acknowledge(&msg).map_err(channel_rpc_error)?;
        w.save_channel(next.clone()).map_err(werr)?;
        Ok(json!({"channel_id": id, "sequence": next.acked_sequence, "acknowledged": amount(next.acked_paid)}))
    })
    .await
}

pub async fn channelaccept(call: &Call<'_>) -> Result<Value, RpcError> {
    let open = OpenMessage::decode(call.args.str(0, "open_blob")?).map_err(channel_rpc_error)?;
    let terms = ChannelTerms {
        funding: open.funding,
        capacity: open.capacity,
        expiry: open.expiry,
        fee_reserve: open.fee_reserve,
        payer: open.payer,
        payee: open.payee,
    };
    let id = hex::encode(channel_id(&open.funding));
    let margin = call.wallets.settings.channel_close_margin;
    let expected = TxOut { value: Amount::from_sat(open.capacity), script_pubkey: p2wsh(&terms.script()) };
    let outpoint = open.funding;
    let (tip, output, min_rate) = call
        .ctx
        .chain
        .call(move |node| {
            let output = match node.chain.coin(&outpoint) {
                Ok(Some(coin)) => Some(coin.output),
                _ => node
                    .mempool
                    .pool()
                    .get(&outpoint.txid)
                    .and_then(|e| e.tx.output.get(outpoint.vout as usize).cloned()),
            };
            (node.chain.tip().height, output, node.mempool.pool().policy().min_relay_feerate)
        })
        .await?;
    let refuse = |why: String| Err(RpcError::invalid_parameter(why));
    match output {
        None => {
            return refuse(format!(
                "The funding output {}:{} is not in the chain or the mempool",
                outpoint.txid, outpoint.vout
            ))
        }
        Some(out) if out != expected => {
            return refuse("The funding output does not pay the channel's script with its capacity".into())
        }
        Some(_) => {}
    }
    if open.expiry <= tip + margin {
        return refuse(format!(
            "The channel expires at height {}, within the close margin ({margin} blocks) of the tip {tip}",
            open.expiry
        ));
    }
    if open.fee_reserve < fee_at(min_rate, CLOSE_VBYTES) {
        return refuse(format!(
            "The fee reserve ({} zats) cannot pay for the close at the relay floor",
            open.fee_reserve
        ));
    }
    call.blocking(move |w| {
        if !w.has_pubkey(&open.payee) {
            return Err(RpcError::new(
                codes::INVALID_ADDRESS_OR_KEY,
                "The channel's payee key is not one of this wallet's",
            ));
        }
        if w.channel(&id).is_ok() {
            return Err(RpcError::invalid_parameter(format!("Channel {id} is already known")));
        }
        let record = ChannelRecord::new(ChannelRole::Payee, &terms, open.task_id);
        w.save_channel(record.clone()).map_err(werr)?;
        Ok(channel_json(&record, tip))
    })
    .await
}

pub async fn channelreceive(call: &Call<'_>) -> Result<Value, RpcError> {
    let msg = PayMessage::decode(call.args.str(0, "pay_blob")?).map_err(channel_rpc_error)?;
    let id = hex::encode(msg.channel_id);
    let tip = tip(call).await?;
    let dust = p2wpkh_dust(call);
    call.blocking(move |w| {
        let record = w.channel(&id).map_err(channel_rpc_error)?;
        let payee = record.terms().map_err(werr)?.payee;
        let key = w.secret_for_pubkey(&payee).map_err(werr)?;
        let (next, ack) = record.receive(&msg, &key, dust, tip).map_err(channel_rpc_error)?;
        w.save_channel(next.clone()).map_err(werr)?;
        Ok(json!({"ack_blob": ack.encode(), "sequence": next.sequence, "paid": amount(next.paid)}))
    })
    .await
}

pub async fn channelclose(call: &Call<'_>) -> Result<Value, RpcError> {
    let id = channel_arg(call)?;
    let record = call.wallet()?.channel(&id).map_err(channel_rpc_error)?;
    if record.role != ChannelRole::Payee {
        return Err(channel_rpc_error(ChannelError::WrongRole("payer")));
    }
    if record.state.is_final() || record.state == ChannelState::Closing {
        return Err(channel_rpc_error(ChannelError::NotOpen(record.state.as_str())));
    }
    let tip = tip(call).await?;
    let tx = channels::close(&call.wallets, &call.shared, &record, tip, p2wpkh_dust(call)).await?;
    Ok(json!({"txid": tx.txid().to_string(), "paid": amount(record.paid)}))
}

pub async fn channelrefund(call: &Call<'_>) -> Result<Value, RpcError> {
    let id = channel_arg(call)?;
    let record = call.wallet()?.channel(&id).map_err(channel_rpc_error)?;
    if record.role != ChannelRole::Payer {
        return Err(channel_rpc_error(ChannelError::WrongRole("payee")));
    }
    let funding = record.funding().map_err(werr)?;
    let facts = channels::chain_facts(&call.ctx.chain, vec![funding], vec![]).await?;
    if facts.tip < record.expiry {
        return Err(RpcError::invalid_parameter(format!(
            "The refund is valid from the block after height {} (the tip is {})",
            record.expiry, facts.tip
        )));
    }
    if !matches!(facts.funding.first().map(|f| f.1), Some(Funding::Confirmed(_))) || record.state.is_final() {
        return Err(RpcError::invalid_parameter(format!(
            "The channel's funding output is not unspent on chain (channel {})",
            record.state.as_str()
        )));
    }
    let tx = channels::refund(&call.wallets, &call.shared, &record).await?;
    Ok(json!({"txid": tx.txid().to_string()}))
}

pub async fn listchannels(call: &Call<'_>) -> Result<Value, RpcError> {
    // As wallets catch up before answering: states as of the current tip.
    channels::tick(&call.wallets, &call.shared).await?;
    let tip = tip(call).await?;
    let list: Vec<Value> = call.wallet()?.channels().iter().map(|c| channel_json(c, tip)).collect();
    Ok(Value::Array(list))
}

pub async fn getchannel(call: &Call<'_>) -> Result<Value, RpcError> {
    let id = channel_arg(call)?;
    channels::tick(&call.wallets, &call.shared).await?;
    let tip = tip(call).await?;
    let record = call.wallet()?.channel(&id).map_err(channel_rpc_error)?;
    Ok(channel_json(&record, tip))
}
