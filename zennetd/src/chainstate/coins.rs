//! The in-memory layer over the store (`-dbcache`): coin changes, undo data,
//! txindex entries and the best-block marker of connected blocks collect
//! here and reach the store together in one atomic batch when the cache is
//! full or the node stops. After a crash, blocks above the stored marker are
//! connected again from their stored data.

use std::collections::HashMap;

use consensus::check::Coin;
use primitives::{BlockHash, OutPoint, Txid};

use crate::store::{ChainStore, ConnectBatch, StoreError};

/// Rough memory cost of a cached coin beyond its script.
const ENTRY_OVERHEAD: usize = 96;
/// Flush at least this often, so a crash never replays more than a few minutes.
const MAX_FLUSH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(300);

pub struct CoinCache {
    /// `None`: spent since the last flush.
    coins: HashMap<OutPoint, Option<Coin>>,
    undo: HashMap<BlockHash, Vec<u8>>,
    txindex: HashMap<Txid, Option<BlockHash>>,
    /// Index records by block hash (the latest for each wins, as in the store).
    index: HashMap<BlockHash, crate::store::IndexRecord>,
    tip: Option<BlockHash>,
    bytes: usize,
    limit: usize,
    last_flush: std::time::Instant,
}

impl CoinCache {
    pub fn new(limit_bytes: usize) -> Self {
        CoinCache {
            coins: HashMap::new(),
            undo: HashMap::new(),
            txindex: HashMap::new(),
            index: HashMap::new(),
            tip: None,
            bytes: 0,
            limit: limit_bytes,
            last_flush: std::time::Instant::now(),
        }
    }

    pub fn coin(&self, store: &dyn ChainStore, outpoint: &OutPoint) -> Result<Option<Coin>, StoreError> {
        match self.coins.get(outpoint) {
            Some(entry) => Ok(entry.clone()),
            None => store.coin(outpoint),
        }
    }

    pub fn undo(&self, store: &dyn ChainStore, hash: &BlockHash) -> Result<Option<Vec<u8>>, StoreError> {
        match self.undo.get(hash) {
            Some(undo) => Ok(Some(undo.clone())),
            None => store.undo(hash),
        }
    }

    /// Takes a connect or disconnect into the cache.
    pub fn apply(&mut self, batch: ConnectBatch) {
        for outpoint in batch.spent {
            self.bytes += ENTRY_OVERHEAD;
            self.coins.insert(outpoint, None);
        }
        for (outpoint, coin) in batch.created {
            self.bytes += ENTRY_OVERHEAD + coin.output.script_pubkey.len();
            self.coins.insert(outpoint, Some(coin));
        }
        for (hash, undo) in batch.undo {
            self.bytes += undo.len();
            self.undo.insert(hash, undo);
        }
        for (txid, block) in batch.txindex_add {
            self.txindex.insert(txid, Some(block));
        }
        for txid in batch.txindex_remove {
            self.txindex.insert(txid, None);
        }
        self.index.extend(batch.index.into_iter().map(|record| (record.header.block_hash(), record)));
        if batch.tip.is_some() {
            self.tip = batch.tip;
        }
    }

    pub fn txindex(&self, store: &dyn ChainStore, txid: &Txid) -> Result<Option<BlockHash>, StoreError> {
        match self.txindex.get(txid) {
            Some(entry) => Ok(*entry),
            None => store.txindex(txid),
        }
    }

    /// Drops a cached index record that a direct store write supersedes.
    pub fn forget_index(&mut self, hash: &BlockHash) {
        self.index.remove(hash);
    }

    /// Full, or not flushed for a while.
    pub fn is_due(&self) -> bool {
        self.bytes > self.limit || self.last_flush.elapsed() > MAX_FLUSH_INTERVAL
    }

    pub fn is_dirty(&self) -> bool {
        self.tip.is_some() || !self.coins.is_empty() || !self.index.is_empty()
    }

    /// Writes everything to the store in one atomic batch.
    pub fn flush(&mut self, store: &dyn ChainStore) -> Result<(), StoreError> {
        if !self.is_dirty() {
            return Ok(());
        }
        let mut batch = ConnectBatch {
            tip: self.tip,
            index: self.index.drain().map(|(_, r)| r).collect(),
            ..ConnectBatch::default()
        };
        for (outpoint, entry) in self.coins.drain() {
            match entry {
                Some(coin) => batch.created.push((outpoint, coin)),
                None => batch.spent.push(outpoint),
            }
        }
        for (txid, entry) in self.txindex.drain() {
            match entry {
                Some(block) => batch.txindex_add.push((txid, block)),
                None => batch.txindex_remove.push(txid),
            }
        }
        batch.undo = self.undo.drain().collect();
        store.commit(batch)?;
        self.tip = None;
        self.bytes = 0;
        self.last_flush = std::time::Instant::now();
        Ok(())
    }
}
