//! What the actor thread owns (see [`crate::actor`]): the chain, the
//! mempool and the market index, each a component of its own, as Core's
//! `NodeContext` keeps chainman, mempool and fee estimator apart.
//!
//! The chain knows nothing of the other two. It reports every block it
//! connects or disconnects as a [`ChainEvent`]; `NodeState` hands each event to
//! the mempool and the market index after every chain operation, and puts
//! back into the mempool what a reorganisation disconnected. Mempool
//! acceptance reads the chain (coins, median times, height) and the market
//! index (tasks) through the [`AcceptContext`] built here.
//!
//! ```text
//!   RPC / P2P / wallets / miner ──ChainHandle──▶ NodeState
//!                                               ├─ chain: Chainstate   (index, active chain, coins, blocks)
//!                                               ├─ mempool: MempoolState (pool, fee estimator, mempool.dat)
//!                                               └─ market: MarketIndex  (confirmed tasks)
//! ```

pub mod market;
pub mod mempool;
mod notify;
mod template;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use ::mempool::{AcceptContext, MempoolError, Policy};
use primitives::{Block, BlockHash, HashedTx, Transaction};
use script::cache::SignatureCache;

use crate::chainstate::{Accepted, ChainError, ChainEvent, Chainstate, SubmitError};

pub use market::MarketIndex;
pub use mempool::MempoolState;
pub use notify::Notification;
pub use template::TemplateParts;

pub struct NodeState {
    pub chain: Chainstate,
    pub mempool: MempoolState,
    pub market: MarketIndex,
    signature_cache: Arc<SignatureCache>,
    notifications: notify::Notifier,
    /// Weight and transaction count of the last block assembled
    /// (`getmininginfo`'s `currentblockweight` and `currentblocktx`).
    pub last_template: Option<(u64, usize)>,
}

impl NodeState {
    /// The components over `chain`; the market index is loaded from the
    /// chain database and brought to the tip. `prune_bodies`: drop expired
    /// announcement bodies from storage (`-pruneannouncements`).
    pub fn new(
        mut chain: Chainstate,
        policy: Policy,
        signature_cache: Arc<SignatureCache>,
        prune_bodies: bool,
    ) -> Result<NodeState, ChainError> {
        // Blocks connected while opening happened before there was a mempool.
        chain.take_events();
        let market = MarketIndex::open(&mut chain, prune_bodies)?;
        let notifications = notify::Notifier::new(chain.tip().hash);
        Ok(NodeState {
            chain,
            mempool: MempoolState::new(policy),
            market,
            signature_cache,
            notifications,
            last_template: None,
        })
    }

    /// Blocks connected and disconnected, and tip changes, from now on.
    pub fn subscribe_chain(&mut self) -> tokio::sync::broadcast::Receiver<Notification> {
        self.notifications.subscribe_chain()
    }

    /// Transactions added to and removed from the mempool, from now on.
    pub fn subscribe_mempool(&mut self) -> tokio::sync::broadcast::Receiver<Notification> {
        self.notifications.subscribe_mempool()
    }

    /// Hands the chain's block events to the mempool and the market index,
    /// then tells subscribers what changed. Runs after every operation of
    /// the actor thread, so that no change is ever left unseen.
    pub fn process_chain_events(&mut self, now: i64) {
        let events = self.chain.take_events();
        let mut disconnected: Vec<Vec<Transaction>> = Vec::new();
        for event in events {
            self.notifications.chain_event(&event);
            match event {
                ChainEvent::BlockConnected { block, height } => {
                    self.log_update_tip(&block, height, now);
                    self.mempool.block_connected(&block, now);
                    self.market.block_connected(&block, block.block_hash(), height);
                    // Announcements that waited too long leave the pool.
                    let market = &self.market;
                    self.mempool.pool_mut().expire_announcements(height + 1, &|id| market.task(id));
                }
                ChainEvent::BlockDisconnected { block, height } => {
                    self.mempool.block_disconnected();
                    self.market.block_disconnected(height, block.header.prev_blockhash);
                    disconnected.push(block.txdata.iter().skip(1).map(|tx| tx.transaction().clone()).collect());
                }
            }
        }
        if let Err(e) = self.market.finish(&mut self.chain) {
            crate::fatal::abort_node(format!("Failed to write the market index: {e}"));
        }
        self.notifications.tasks_confirmed(self.market.take_new_tasks());
        if !disconnected.is_empty() {
            self.update_mempool_for_reorg(disconnected, now);
        }
        self.notifications.mempool_removals(self.mempool.pool_mut().take_removed());
        self.notifications.tip(self.chain.tip().hash, self.chain.tip().height);
    }

    /// Core's `UpdateTip` line, once per connected block.
    fn log_update_tip(&self, block: &primitives::Block, height: u32, now: i64) {
        let hash = block.block_hash();
        let work = self.chain.entry(&hash).map_or(0.0, |e| {
            let bits = e.chain_work.bits();
            // log2 of the chain work, from its top 64 bits.
            let top = (&e.chain_work >> bits.saturating_sub(64) as usize).to_string().parse::<f64>().unwrap_or(0.0);
            top.log2() + bits.saturating_sub(64) as f64
        });
        let version = block.header.version.to_consensus();
        let algo = primitives::PowAlgo::from_version(version).map_or("-", |a| a.name());
        let date = iso8601(i64::from(block.header.time));
        tracing::info!(
            "UpdateTip: new best={hash} height={height} version=0x{version:08x} algo={algo} log2_work={work:.6} tx={} date='{date}' progress={:.6}",
            block.txdata.len(),
            self.chain.verification_progress(now)
        );
    }

    /// Runs `f` on the mempool with what acceptance needs of the active chain
    /// (the next height, the UTXO set, median times) and of the market (tasks).
    fn with_pool_context<R>(
        &mut self,
        now: i64,
        f: impl FnOnce(&mut ::mempool::Mempool, &AcceptContext<'_>) -> R,
    ) -> R {
        let chain = &self.chain;
        let coins = |outpoint: &primitives::OutPoint| match chain.coin(outpoint) {
            Ok(coin) => coin,
            Err(e) => {
                tracing::error!("mempool: reading coin {outpoint}: {e}");
                None
            }
        };
        let market = &self.market;
        let task = |id: &[u8; 32]| market.task(id);
        let ctx = AcceptContext {
            params: chain.params(),
            height: chain.tip().height + 1,
            chain,
            coins: &coins,
            now,
            cache: Some(&self.signature_cache),
            tasks: &task,
        };
        f(self.mempool.pool_mut(), &ctx)
    }

    /// Checks `tx` against consensus, policy and the current chain; adds it
    /// to the mempool unless `test_only`. Returns its fee.
    pub fn accept_to_mempool(
        &mut self,
        tx: impl Into<HashedTx>,
        now: i64,
        test_only: bool,
    ) -> Result<u64, MempoolError> {
        let tx = tx.into();
        let announced = (!test_only && self.notifications.follows_mempool()).then(|| tx.clone());
        let fee = self.with_pool_context(now, |pool, ctx| pool.accept(tx, ctx, test_only))?;
        // Replacements removed what they conflicted with.
        self.notifications.mempool_removals(self.mempool.pool_mut().take_removed());
        if let Some(tx) = announced {
            let vsize = tx.vsize();
            self.notifications.transaction_added(tx, fee, vsize);
        }
        Ok(fee)
    }

    /// A parent and the child that pays for it (CPFP): both or neither.
    pub fn accept_package(
        &mut self,
        parent: impl Into<HashedTx>,
        child: impl Into<HashedTx>,
        now: i64,
    ) -> Result<(u64, u64), MempoolError> {
        let (parent, child) = (parent.into(), child.into());
        let announced = self.notifications.follows_mempool().then(|| (parent.clone(), child.clone()));
        let fees = self.with_pool_context(now, |pool, ctx| pool.accept_package(parent, child, ctx))?;
        self.notifications.mempool_removals(self.mempool.pool_mut().take_removed());
        if let Some((parent, child)) = announced {
            let vsize = parent.vsize();
            self.notifications.transaction_added(parent, fees.0, vsize);
            let vsize = child.vsize();
            self.notifications.transaction_added(child, fees.1, vsize);
        }
        Ok(fees)
    }

    /// After blocks were disconnected (`disconnected` holds their
    /// transactions, newest block first): offer them back to the mempool,
    /// oldest block first so that parents come before children, then remove
    /// whatever can no longer be mined on the new tip (Core's
    /// `MaybeUpdateMempoolForReorg`).
    fn update_mempool_for_reorg(&mut self, disconnected: Vec<Vec<Transaction>>, now: i64) {
        let mut refused = Vec::new();
        for tx in disconnected.into_iter().rev().flatten() {
            // Failures are expected (confirmed again, conflicting, immature);
            // what spent such a transaction goes in the sweep below.
            if self.accept_to_mempool(tx.clone(), now, false).is_err() && tx.is_announcement() {
                refused.push(tx);
            }
        }
        // An acceptance or cancel may come before its task in a block (they
        // share no inputs): once the task is back, offer them again.
        for tx in refused {
            let _ = self.accept_to_mempool(tx, now, false);
        }
        let removed = self.with_pool_context(now, |pool, ctx| pool.remove_for_reorg(ctx));
        if !removed.is_empty() {
            tracing::info!("mempool: {} transactions can no longer be mined after the reorganisation", removed.len());
        }
        self.mempool.pool_mut().trim_to_size();
    }

    /// [`Chainstate::submit_block`], with the mempool and market brought up to date.
    pub fn submit_block(&mut self, block: Block, now: i64) -> Result<Accepted, SubmitError> {
        let result = self.chain.submit_block(block, now);
        self.process_chain_events(now);
        result
    }

    /// `invalidateblock`, then the mempool and market follow.
    pub fn invalidate_block(&mut self, hash: &BlockHash, now: i64) -> Result<(), ChainError> {
        let result = self.chain.invalidate_block(hash);
        self.process_chain_events(now);
        result
    }

    /// `reconsiderblock`, then the mempool and market follow.
    pub fn reconsider_block(&mut self, hash: &BlockHash, now: i64) -> Result<(), ChainError> {
        let result = self.chain.reconsider_block(hash);
        self.process_chain_events(now);
        result
    }

    /// `preciousblock`, then the mempool and market follow.
    pub fn precious_block(&mut self, hash: &BlockHash, now: i64) -> Result<(), ChainError> {
        let result = self.chain.precious_block(hash);
        self.process_chain_events(now);
        result
    }

    /// What others wait on: the tip and the mempool's update count.
    pub fn tick(&self) -> crate::actor::ChainTick {
        crate::actor::ChainTick {
            tip: self.chain.tip().hash,
            height: self.chain.tip().height,
            mempool_updates: self.mempool.pool().updates(),
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SSZ` of a Unix time (Core's `FormatISO8601DateTime`).
fn iso8601(time: i64) -> String {
    let days = time.div_euclid(86_400);
    let secs = time.rem_euclid(86_400);
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod date_tests {
    #[test]
    fn iso8601_as_core() {
        assert_eq!(super::iso8601(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::iso8601(1_231_006_505), "2009-01-03T18:15:05Z");
        assert_eq!(super::iso8601(1_800_000_000), "2027-01-15T08:00:00Z");
    }
}
