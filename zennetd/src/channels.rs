//! The channel service: keeps every wallet's payment channels in step with
//! the chain and acts for their owners when time runs out. After each new
//! tip it reads, for every channel that is not finished, where its funding
//! output stands (confirmed, in the mempool, spent by a transaction the
//! wallet follows) and moves the channel's state; then:
//!
//! - a payee closes with its latest state once the tip is within the close
//!   margin of expiry, and while the close waits, bumps it with a child
//!   paying from its own output (CPFP), offered with the close as a package
//!   so that even a close below the relay floor gets in;
//! - a payer whose channel expired unspent broadcasts its refund.
//!
//! Every record change is written to the wallet before anything is broadcast.

use primitives::{OutPoint, Transaction};
use wallet::channel::{fee_at, ChannelRecord, ChannelRole, ChannelState, CHILD_VBYTES};
use wallet::Wallet;

use crate::actor::ChainHandle;
use crate::clock;
use crate::wallets::{lock, SharedWallet, WalletServiceError, Wallets};

/// Where the chain has a funding output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Funding {
    /// Unspent, mined at this height.
    Confirmed(u32),
    /// Its transaction is in the mempool.
    Pending,
    /// Neither (spent, not yet seen, or reorganised out with its transaction gone).
    Absent,
}

/// Facts of the chain a tick needs, read in one call.
pub struct ChainFacts {
    pub tip: u32,
    pub funding: Vec<(OutPoint, Funding)>,
    /// Transactions the mempool holds, of those asked about.
    pub in_mempool: Vec<primitives::Txid>,
    pub min_relay_feerate: u64,
    /// Estimate for the next two blocks, zats/kvB.
    pub estimate: Option<u64>,
}

pub async fn chain_facts(
    chain: &ChainHandle,
    outpoints: Vec<OutPoint>,
    txids: Vec<primitives::Txid>,
) -> Result<ChainFacts, WalletServiceError> {
    Ok(chain
        .call(move |node| {
            let funding = outpoints
                .into_iter()
                .map(|o| {
                    let status = match node.chain.coin(&o) {
                        Ok(Some(coin)) => Funding::Confirmed(coin.height),
                        _ if node.mempool.pool().get(&o.txid).is_some() => Funding::Pending,
                        _ => Funding::Absent,
                    };
                    (o, status)
                })
                .collect();
            let in_mempool = txids.into_iter().filter(|t| node.mempool.pool().get(t).is_some()).collect();
            ChainFacts {
                tip: node.chain.tip().height,
                funding,
                in_mempool,
                min_relay_feerate: node.mempool.pool().policy().min_relay_feerate,
                estimate: node.mempool.fee_estimator().estimate(2),
            }
        })
        .await?)
}

/// The state a channel's record should have, from the wallet's transactions
/// spending its funding output and the chain's view of that output.
pub fn observed_state(w: &Wallet, record: &ChannelRecord, funding: Funding) -> ChannelRecord {
    let mut next = record.clone();
    let Ok(outpoint) = record.funding() else { return next };
    let spenders = w.spenders_of(&outpoint);
    let confirmed = spenders.iter().find(|s| s.block.is_some());
    let spender = confirmed.or(spenders.first());
    match spender {
        Some(s) => {
            let refund = s.tx.lock_time == record.expiry
                && s.tx.input.first().is_some_and(|i| i.witness.nth(1).is_some_and(|b| b.is_empty()));
            let txid = s.txid.to_string();
            if refund {
                next.refund_txid = Some(txid);
            } else {
                next.close_txid = Some(txid);
                next.closed_paid = s.tx.output.first().map(|o| o.value.to_sat());
            }
            next.state = match (s.block.is_some(), refund) {
                (true, true) => ChannelState::Refunded,
                (true, false) => ChannelState::Closed,
                (false, _) => ChannelState::Closing,
            };
        }
        None => match funding {
            Funding::Confirmed(height) => {
                next.state = ChannelState::Open;
                next.funding_height = Some(height);
            }
            // Spent by a transaction the wallet has not seen yet, or not
            // (or no longer) mined: wait.
            Funding::Pending | Funding::Absent => {
                next.state = ChannelState::Opening;
                next.funding_height = None;
            }
        },
    }
    next
}

/// What the service should broadcast for a channel now.
pub enum Action {
    Close,
    Bump { rate: u64 },
    Refund,
}

pub fn due_action(record: &ChannelRecord, facts: &ChainFacts, margin: u32, close_in_mempool: bool) -> Option<Action> {
    match (record.role, record.state) {
        (ChannelRole::Payee, ChannelState::Open) if record.paid > 0 && facts.tip + margin >= record.expiry => {
            Some(Action::Close)
        }
        (ChannelRole::Payee, ChannelState::Closing) if record.close_txid.is_some() && record.refund_txid.is_none() => {
            let waited = facts.tip.saturating_sub(record.close_broadcast_height.unwrap_or(facts.tip));
            // Not in the mempool at all (below the floor), or not mined after
            // a block: pay more, more the longer it waits.
            (!close_in_mempool || waited >= 1).then(|| {
                let base = facts.estimate.unwrap_or(0).max(facts.min_relay_feerate);
                Action::Bump { rate: base * u64::from(2 + waited.min(30)) }
            })
        }
        (ChannelRole::Payer, ChannelState::Open) if facts.tip >= record.expiry && record.refund_hex.is_some() => {
            Some(Action::Refund)
        }
        _ => None,
    }
}

/// One pass over a wallet's live channels.
pub async fn tick(wallets: &Wallets, shared: &SharedWallet) -> Result<(), WalletServiceError> {
    let live: Vec<ChannelRecord> = lock(shared)?.channels().into_iter().filter(|c| c.is_live()).collect();
    if live.is_empty() {
        return Ok(());
    }
    let outpoints = live.iter().filter_map(|c| c.funding().ok()).collect();
    let closes = live.iter().filter_map(|c| c.close_txid.as_ref()?.parse().ok()).collect();
    let facts = chain_facts(&wallets.chain_handle(), outpoints, closes).await?;
    let margin = wallets.settings.channel_close_margin;
    let dust = wallets.settings.policy.dust_threshold(&primitives::TxOut {
        value: primitives::Amount::ZERO,
        script_pubkey: primitives::ScriptBuf::from_bytes([&[0u8, 20][..], &[0u8; 20]].concat()),
    });
    for record in live {
        let funding = record
            .funding()
            .ok()
            .and_then(|o| facts.funding.iter().find(|(f, _)| *f == o).map(|(_, s)| *s))
            .unwrap_or(Funding::Absent);
        let (next, action) = {
            let mut w = lock(shared)?;
            // Read again under the lock: an RPC may have changed it since.
            let Ok(current) = w.channel(&record.id) else { continue };
            let next = observed_state(&w, &current, funding);
            if next != current {
                w.save_channel(next.clone())?;
            }
            let close_in_mempool = next
                .close_txid
                .as_ref()
                .and_then(|t| t.parse::<primitives::Txid>().ok())
                .is_some_and(|t| facts.in_mempool.contains(&t));
            let action = due_action(&next, &facts, margin, close_in_mempool);
            (next, action)
        };
        let result = match action {
            None => Ok(()),
            Some(Action::Close) => close(wallets, shared, &next, facts.tip, dust).await.map(|_| ()),
            Some(Action::Bump { rate }) => bump(wallets, shared, &next, rate, dust, facts.tip).await,
            Some(Action::Refund) => refund(wallets, shared, &next).await.map(|_| ()),
        };
        if let Err(e) = result {
            tracing::warn!("channel {}: {e}", next.id);
        }
    }
    Ok(())
}

/// Payee: signs and broadcasts the close of the latest state (kept in the
/// wallet and the record first). Returns the close.
pub async fn close(
    wallets: &Wallets,
    shared: &SharedWallet,
    record: &ChannelRecord,
    tip: u32,
    dust: u64,
) -> Result<Transaction, WalletServiceError> {
    let tx = {
        let mut w = lock(shared)?;
        let record = &w.channel(&record.id)?;
        let payee = record.terms()?.payee;
        let key = w.secret_for_pubkey(&payee)?;
        let tx = record.close_tx(&key, dust).map_err(channel_error)?;
        let mut next = record.clone();
        next.state = ChannelState::Closing;
        next.close_txid = Some(tx.txid().to_string());
        next.close_broadcast_height = Some(tip);
        w.save_channel(next)?;
        w.keep_transaction(&tx, clock::now())?;
        tx
    };
    tracing::info!("channel {}: closing with {} zats paid ({})", record.id, record.paid, tx.txid());
    if let Err(e) = wallets.submit(tx.clone()).await? {
        // Below the relay floor, say: the next tick bumps it as a package.
        tracing::warn!("channel {}: close {} not accepted yet: {e}", record.id, tx.txid());
    }
    Ok(tx)
}

/// Payee: a child from its own output of the close paying `rate` for both.
async fn bump(
    wallets: &Wallets,
    shared: &SharedWallet,
    record: &ChannelRecord,
    rate: u64,
    dust: u64,
    tip: u32,
) -> Result<(), WalletServiceError> {
    let (parent, child) = {
        let mut w = lock(shared)?;
        let record = &w.channel(&record.id)?;
        let Some(close_txid) = record.close_txid.as_ref().and_then(|t| t.parse().ok()) else { return Ok(()) };
        let Some(parent) = w.tx(&close_txid).map(|t| t.tx.clone()) else { return Ok(()) };
        let parent_fee = w.fee_of(&parent).unwrap_or(record.fee_reserve);
        let fee =
            fee_at(rate, parent.vsize() + CHILD_VBYTES).saturating_sub(parent_fee).max(fee_at(rate, CHILD_VBYTES));
        let Some(output) = parent.output.first().cloned() else { return Ok(()) };
        let child = w.sweep(OutPoint { txid: close_txid, vout: 0 }, &output, fee, dust)?;
        w.keep_transaction(&child, clock::now())?;
        let mut next = record.clone();
        next.cpfp_txid = Some(child.txid().to_string());
        if next.close_broadcast_height.is_none() {
            next.close_broadcast_height = Some(tip);
        }
        w.save_channel(next)?;
        (parent, child)
    };
    let child_txid = child.txid();
    let now = clock::now();
    let accepted = wallets.chain_handle().call(move |node| node.accept_package(parent, child, now)).await?;
    match accepted {
        Ok(_) => tracing::info!("channel {}: close bumped by {child_txid} at {rate} zats/kvB", record.id),
        Err(e) => tracing::warn!("channel {}: bumping the close with {child_txid} failed: {e}", record.id),
    }
    Ok(())
}

/// Payer: broadcasts the refund signed at open. Returns it.
pub async fn refund(
    wallets: &Wallets,
    shared: &SharedWallet,
    record: &ChannelRecord,
) -> Result<Transaction, WalletServiceError> {
    let tx = {
        let mut w = lock(shared)?;
        let record = &w.channel(&record.id)?;
        let hex = record.refund_hex.as_ref().ok_or_else(|| WalletServiceError::Task("no refund kept".into()))?;
        let bytes = hex::decode(hex).map_err(|e| WalletServiceError::Task(e.to_string()))?;
        let tx = Transaction::from_bytes(&bytes).map_err(|e| WalletServiceError::Task(e.to_string()))?;
        let mut next = record.clone();
        next.state = ChannelState::Closing;
        next.refund_txid = Some(tx.txid().to_string());
        w.save_channel(next)?;
        w.keep_transaction(&tx, clock::now())?;
        tx
    };
    tracing::info!("channel {}: expired unspent, refunding ({})", record.id, tx.txid());
    wallets.submit(tx.clone()).await?.map_err(|e| WalletServiceError::Task(format!("refund refused: {e}")))?;
    Ok(tx)
}

pub fn channel_error(e: wallet::channel::ChannelError) -> WalletServiceError {
    WalletServiceError::Channel(e)
}
