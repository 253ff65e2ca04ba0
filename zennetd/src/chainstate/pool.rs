//! The mempool beside the chainstate: acceptance against the current UTXO
//! set, removal of what blocks confirm, and re-admission after a reorganisation.

use mempool::{AcceptContext, MempoolError};
use primitives::Transaction;

use super::Chainstate;

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

    /// Checks `tx` against consensus, policy and the current chain; adds it
    /// to the mempool unless `test_only`. Returns its fee.
    pub fn accept_to_mempool(&mut self, tx: Transaction, now: i64, test_only: bool) -> Result<u64, MempoolError> {
        let height = self.tip().height + 1;
        let cache = self.signature_cache.clone();
        let params = self.params.clone();
        let store = &*self.store;
        let coin_cache = &self.cache;
        let coins = |outpoint: &primitives::OutPoint| match coin_cache.coin(store, outpoint) {
            Ok(coin) => coin,
            Err(e) => {
                tracing::error!("mempool: reading coin {outpoint}: {e}");
                None
            }
        };
        let view = super::BranchView::new(&self.index, &self.active, &self.active[self.active.len() - 1]);
        let chain: &dyn consensus::difficulty::HeaderChain = match &view {
            Some(v) => v,
            None => return Err(MempoolError::NonFinal),
        };
        let ctx = AcceptContext { params: &params, height, chain, coins: &coins, now, cache: Some(&cache) };
        self.mempool.accept(tx, &ctx, test_only)
    }

    /// After a reorganisation: offer back what disconnected blocks held.
    pub(super) fn readmit_to_mempool(&mut self, disconnected: Vec<Transaction>, now: i64) {
        for tx in disconnected {
            // Failures are expected (now confirmed again, or conflicting).
            let _ = self.accept_to_mempool(tx, now, false);
        }
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
