//! An in-memory [`ChainStore`] for tests.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use consensus::check::Coin;
use primitives::{BlockHash, OutPoint, Txid};

use super::codec::{decode_outpoint_key, outpoint_key, IndexRecord};
use super::{ChainStore, ConnectBatch, StoreError};

#[derive(Default)]
struct Inner {
    /// Keyed like sled's, so iteration order matches.
    coins: BTreeMap<[u8; 36], Coin>,
    blocks: HashMap<BlockHash, Vec<u8>>,
    undo: HashMap<BlockHash, Vec<u8>>,
    index: HashMap<BlockHash, IndexRecord>,
    txindex: HashMap<Txid, BlockHash>,
    tip: Option<BlockHash>,
    market: BTreeMap<Txid, Vec<u8>>,
    market_marker: Option<Vec<u8>>,
}

#[derive(Default)]
pub struct MemoryStore {
    inner: Mutex<Inner>,
}

impl MemoryStore {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut guard = self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        f(&mut guard)
    }
}

impl ChainStore for MemoryStore {
    fn coin(&self, outpoint: &OutPoint) -> Result<Option<Coin>, StoreError> {
        Ok(self.with(|s| s.coins.get(&outpoint_key(outpoint)).cloned()))
    }

    fn block(&self, hash: &BlockHash) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.with(|s| s.blocks.get(hash).cloned()))
    }

    fn undo(&self, hash: &BlockHash) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.with(|s| s.undo.get(hash).cloned()))
    }

    fn write_block(&self, hash: &BlockHash, block: &[u8]) -> Result<(), StoreError> {
        self.with(|s| s.blocks.insert(*hash, block.to_vec()));
        Ok(())
    }

    fn commit(&self, batch: ConnectBatch) -> Result<(), StoreError> {
        self.with(|s| {
            for outpoint in &batch.spent {
                s.coins.remove(&outpoint_key(outpoint));
            }
            for (outpoint, coin) in batch.created {
                s.coins.insert(outpoint_key(&outpoint), coin);
            }
            s.undo.extend(batch.undo);
            for record in batch.index {
                s.index.insert(record.header.block_hash(), record);
            }
            s.txindex.extend(batch.txindex_add);
            for txid in &batch.txindex_remove {
                s.txindex.remove(txid);
            }
            if let Some(tip) = batch.tip {
                s.tip = Some(tip);
            }
        });
        Ok(())
    }

    fn index_records(&self) -> Result<Vec<IndexRecord>, StoreError> {
        Ok(self.with(|s| s.index.values().cloned().collect()))
    }

    fn tip(&self) -> Result<Option<BlockHash>, StoreError> {
        Ok(self.with(|s| s.tip))
    }

    fn for_each_coin(&self, f: &mut dyn FnMut(OutPoint, Coin)) -> Result<(), StoreError> {
        let coins: Vec<([u8; 36], Coin)> = self.with(|s| s.coins.iter().map(|(k, c)| (*k, c.clone())).collect());
        for (k, coin) in coins {
            f(decode_outpoint_key(k), coin);
        }
        Ok(())
    }

    fn coins(&self) -> super::CoinIter {
        let coins: Vec<([u8; 36], Coin)> = self.with(|s| s.coins.iter().map(|(k, c)| (*k, c.clone())).collect());
        Box::new(coins.into_iter().map(|(k, c)| Ok((decode_outpoint_key(k), c))))
    }

    fn txindex(&self, txid: &Txid) -> Result<Option<BlockHash>, StoreError> {
        Ok(self.with(|s| s.txindex.get(txid).copied()))
    }

    fn wipe_chainstate(&self) -> Result<(), StoreError> {
        self.with(|s| {
            s.coins.clear();
            s.undo.clear();
            s.index.clear();
            s.txindex.clear();
            s.tip = None;
            s.market.clear();
            s.market_marker = None;
        });
        Ok(())
    }

    fn pruneable_bytes(&self) -> Result<u64, StoreError> {
        Ok(self.with(|s| s.blocks.values().chain(s.undo.values()).map(|v| v.len() as u64).sum()))
    }

    fn prune_blocks(&self, hashes: &[BlockHash], index: Vec<IndexRecord>) -> Result<u64, StoreError> {
        Ok(self.with(|s| {
            for record in index {
                s.index.insert(record.header.block_hash(), record);
            }
            let mut freed = 0u64;
            for hash in hashes {
                freed += s.undo.remove(hash).map_or(0, |v| v.len() as u64);
                freed += s.blocks.remove(hash).map_or(0, |v| v.len() as u64);
            }
            freed
        }))
    }

    fn wipe_blocks(&self) -> Result<(), StoreError> {
        self.with(|s| s.blocks.clear());
        Ok(())
    }

    fn stored_blocks(&self) -> Result<Vec<BlockHash>, StoreError> {
        Ok(self.with(|s| s.blocks.keys().copied().collect()))
    }

    fn size_on_disk(&self) -> u64 {
        0
    }

    fn block_bytes(&self) -> Result<u64, StoreError> {
        Ok(self.with(|s| s.blocks.values().map(|b| b.len() as u64).sum()))
    }

    fn market_records(&self) -> Result<super::MarketRecords, StoreError> {
        Ok(self.with(|s| (s.market.iter().map(|(k, v)| (*k, v.clone())).collect(), s.market_marker.clone())))
    }

    fn commit_market(&self, records: Vec<(Txid, Option<Vec<u8>>)>, marker: Vec<u8>) -> Result<(), StoreError> {
        self.with(|s| {
            for (txid, value) in records {
                match value {
                    Some(v) => s.market.insert(txid, v),
                    None => s.market.remove(&txid),
                };
            }
            s.market_marker = Some(marker);
        });
        Ok(())
    }
}
