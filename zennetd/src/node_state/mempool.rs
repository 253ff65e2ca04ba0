//! The mempool component: the pool of unconfirmed transactions with its fee
//! estimator, and `mempool.dat`.
//! It knows nothing of the chain's storage: what acceptance needs of the
//! chain comes in as an `AcceptContext` built by [`super::NodeState`].

use mempool::estimate::FeeEstimator;
use mempool::{Mempool, Policy};
use primitives::{Block, Transaction, Txid, Wtxid};

pub struct MempoolState {
    pool: Mempool,
    fee_estimator: FeeEstimator,
}

impl MempoolState {
    pub fn new(policy: Policy) -> MempoolState {
        MempoolState { pool: Mempool::new(policy), fee_estimator: FeeEstimator::default() }
    }

    pub fn pool(&self) -> &Mempool {
        &self.pool
    }

    pub fn pool_mut(&mut self) -> &mut Mempool {
        &mut self.pool
    }

    pub fn fee_estimator(&self) -> &FeeEstimator {
        &self.fee_estimator
    }

    /// A block was connected: its feerates inform estimates, its
    /// transactions and their conflicts leave, old transactions expire.
    pub(super) fn block_connected(&mut self, block: &Block, now: i64) {
        let feerates = block
            .txdata
            .iter()
            .filter_map(|tx| self.pool.get(&tx.txid()))
            .map(|e| e.fee * 1000 / e.vsize.max(1))
            .collect();
        self.fee_estimator.record_block(feerates);
        self.pool.remove_for_block(&block.txdata);
        self.pool.expire(now);
    }

    /// A block was disconnected: its estimate data goes.
    pub(super) fn block_disconnected(&mut self) {
        self.fee_estimator.forget_last_block();
    }

    /// The pool's transactions, parents first, with their entry times.
    pub fn snapshot(&self) -> Vec<(Transaction, i64)> {
        let mut entries: Vec<_> = self.pool.entries().collect();
        entries.sort_by_key(|e| (self.pool.ancestors(&e.txid()).len(), e.time));
        entries.into_iter().map(|e| (e.tx.transaction().clone(), e.time)).collect()
    }

    /// Which of `txids` the pool holds.
    pub fn holding(&self, txids: &[Txid]) -> Vec<Txid> {
        txids.iter().filter(|t| self.pool.get(t).is_some()).copied().collect()
    }

    /// Every transaction with its feerate in zats per 1,000 vbytes.
    pub fn inventory(&self) -> Vec<(Txid, primitives::Wtxid, u64)> {
        self.pool.entries().map(|e| (e.txid(), e.wtxid(), e.fee * 1000 / e.vsize.max(1))).collect()
    }

    /// A transaction and its feerate (zats per 1,000 vbytes).
    pub fn transaction(&self, txid: &Txid) -> Option<(Transaction, u64)> {
        self.pool.get(txid).map(|e| (e.tx.transaction().clone(), e.fee * 1000 / e.vsize.max(1)))
    }

    /// A transaction's bytes as `getdata` serves them (with its witnesses
    /// unless `witness` is false), encoded from the pool's entry, with the
    /// wtxid the entry keeps.
    pub fn served(&self, txid: &Txid, witness: bool) -> Option<(Vec<u8>, Wtxid)> {
        self.pool.get(txid).map(|e| {
            let bytes = if witness { e.tx.serialize() } else { e.tx.serialize_without_witness() };
            (bytes, e.wtxid())
        })
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
