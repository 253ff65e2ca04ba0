//! The mempool beside the chainstate: acceptance against the current UTXO
//! set, removal of what blocks confirm, and re-admission after a reorganisation.

use std::sync::Arc;

use mempool::{AcceptContext, MempoolError};
use primitives::Transaction;

use super::Chainstate;

/// Heights a task can matter: its longest expiry plus the serving margin.
const MAX_TASK_LIFETIME: u32 = 43_200 + 100;

impl Chainstate {
    pub fn mempool(&self) -> &mempool::Mempool {
        &self.mempool
    }

    pub fn mempool_mut(&mut self) -> &mut mempool::Mempool {
        &mut self.mempool
    }

    pub fn fee_estimator(&self) -> &mempool::estimate::FeeEstimator {
        &self.fee_estimator
    }

    /// The pool's transactions, parents first, with their entry times.
    pub fn mempool_snapshot(&self) -> Vec<(Transaction, i64)> {
        let mut entries: Vec<_> = self.mempool.entries().collect();
        entries.sort_by_key(|e| (self.mempool.ancestors(&e.txid).len(), e.time));
        entries.into_iter().map(|e| (e.tx.clone(), e.time)).collect()
    }

    /// Runs `f` on the mempool with what acceptance needs of the active chain
    /// (the next height, the UTXO set, median times, confirmed tasks).
    fn with_pool_context<R>(&mut self, now: i64, f: impl FnOnce(&mut mempool::Mempool, &AcceptContext<'_>) -> R) -> R {
        let height = self.tip().height + 1;
        let cache = self.signature_cache.clone();
        let store = &*self.store;
        let coin_cache = &self.cache;
        let coins = |outpoint: &primitives::OutPoint| match coin_cache.coin(store, outpoint) {
            Ok(coin) => coin,
            Err(e) => {
                tracing::error!("mempool: reading coin {outpoint}: {e}");
                None
            }
        };
        let tip = self.active[self.active.len() - 1];
        let chain =
            super::BranchView::new(&self.index, &self.active, &tip).expect("the active tip is on the active chain");
        let tasks = &self.tasks;
        let task = |id: &[u8; 32]| tasks.get(id).cloned();
        let ctx = AcceptContext {
            params: &self.params,
            height,
            chain: &chain,
            coins: &coins,
            now,
            cache: Some(&cache),
            tasks: &task,
        };
        f(&mut self.mempool, &ctx)
    }

    /// Checks `tx` against consensus, policy and the current chain; adds it
    /// to the mempool unless `test_only`. Returns its fee.
    pub fn accept_to_mempool(&mut self, tx: Transaction, now: i64, test_only: bool) -> Result<u64, MempoolError> {
        let event = (!test_only && self.tx_events.is_some()).then(|| tx.clone());
        let fee = self.with_pool_context(now, |pool, ctx| pool.accept(tx, ctx, test_only))?;
        if let (Some(events), Some(tx)) = (&self.tx_events, event) {
            // Nobody listening is fine: wallets subscribe when they exist.
            let _ = events.send(Arc::new(tx));
        }
        Ok(fee)
    }

    /// Transactions accepted to the mempool from now on.
    pub fn subscribe_transactions(&mut self) -> tokio::sync::broadcast::Receiver<Arc<Transaction>> {
        match &self.tx_events {
            Some(events) => events.subscribe(),
            None => {
                let (events, receiver) = tokio::sync::broadcast::channel(4096);
                self.tx_events = Some(events);
                receiver
            }
        }
    }

    /// The market index: tasks in the blocks of the last 43,300 heights (no
    /// task outlives its expiry of at most 43,200 blocks).
    pub(super) fn rebuild_tasks(&mut self) -> Result<(), crate::store::StoreError> {
        self.tasks.clear();
        let tip = self.tip().height;
        for height in tip.saturating_sub(MAX_TASK_LIFETIME)..=tip {
            let Some(hash) = self.hash_at(height) else { continue };
            let Some(block) = self.block(&hash)? else { continue };
            self.index_tasks(&block.txdata, height);
        }
        Ok(())
    }

    /// Records the tasks of a block connected at `height`, forgetting long-expired ones.
    pub(super) fn index_tasks(&mut self, txs: &[Transaction], height: u32) {
        for tx in txs.iter().filter(|tx| tx.is_announcement()) {
            if let Some((id, info)) = mempool::market::TaskInfo::from_tx(tx, Some(height)) {
                self.tasks.insert(id, info);
            }
        }
        self.tasks.retain(|_, t| !t.expired_at(height.saturating_sub(100)));
    }

    /// Forgets the tasks of a disconnected block.
    pub(super) fn unindex_tasks(&mut self, txs: &[Transaction]) {
        for tx in txs.iter().filter(|tx| tx.is_announcement()) {
            if let Some((id, _)) = mempool::market::TaskInfo::from_tx(tx, None) {
                self.tasks.remove(&id);
            }
        }
    }

    /// A confirmed task, by id.
    pub fn task(&self, id: &[u8; 32]) -> Option<mempool::market::TaskInfo> {
        self.tasks.get(id).cloned()
    }

    /// After a block: announcements that waited too long leave the pool.
    pub(super) fn expire_announcements(&mut self) {
        let height = self.tip().height + 1;
        let tasks = &self.tasks;
        self.mempool.expire_announcements(height, &|id| tasks.get(id).cloned());
    }

    /// After blocks were disconnected (`disconnected` holds their
    /// transactions, newest block first): offer them back to the mempool,
    /// oldest block first so that parents come before children, then remove
    /// whatever can no longer be mined on the new tip (Core's
    /// `MaybeUpdateMempoolForReorg`).
    pub(super) fn update_mempool_for_reorg(&mut self, disconnected: Vec<Vec<Transaction>>, now: i64) {
        for tx in disconnected.into_iter().rev().flatten() {
            // Failures are expected (confirmed again, conflicting, immature);
            // what spent such a transaction goes in the sweep below.
            let _ = self.accept_to_mempool(tx, now, false);
        }
        let removed = self.with_pool_context(now, |pool, ctx| pool.remove_for_reorg(ctx));
        if !removed.is_empty() {
            tracing::info!("mempool: {} transactions can no longer be mined after the reorganisation", removed.len());
        }
        self.mempool.trim_to_size();
    }
}

/// `mempool.dat`: the pool saved at shutdown and offered back at start.
pub mod persist {
    use primitives::encode::{write_compact_size, write_var_bytes, Reader};
    use primitives::Transaction;

    const VERSION: u64 = 1;

    pub fn encode(entries: &[(Transaction, i64)]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&VERSION.to_le_bytes());
        write_compact_size(&mut out, entries.len() as u64);
        for (tx, time) in entries {
            write_var_bytes(&mut out, &tx.serialize());
            out.extend_from_slice(&time.to_le_bytes());
        }
        out
    }

    pub fn decode(bytes: &[u8]) -> Result<Vec<(Transaction, i64)>, String> {
        let mut r = Reader::new(bytes);
        let version = r.u64("version").map_err(|e| e.to_string())?;
        if version != VERSION {
            return Err(format!("unknown mempool.dat version {version}"));
        }
        let count = r.count("entries", 18).map_err(|e| e.to_string())?;
        let mut out = Vec::with_capacity(count);
        for _ in 0..count {
            let tx =
                Transaction::from_bytes(r.var_bytes("tx").map_err(|e| e.to_string())?).map_err(|e| e.to_string())?;
            let time = r.u64("time").map_err(|e| e.to_string())? as i64;
            out.push((tx, time));
        }
        r.finish().map_err(|e| e.to_string())?;
        Ok(out)
    }
}
