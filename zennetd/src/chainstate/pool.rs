//! The mempool beside the chainstate: acceptance against the current UTXO
//! set, removal of what blocks confirm, and re-admission after a reorganisation.

use mempool::{AcceptContext, MempoolError};
use primitives::Transaction;

use super::Chainstate;

impl Chainstate {
    pub fn mempool(&self) -> &mempool::Mempool {
        &self.mempool
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
