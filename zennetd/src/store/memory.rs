//! An in-memory [`ChainStore`] for tests.

use std::collections::HashMap;
use std::sync::Mutex;

use consensus::check::Coin;
use primitives::{BlockHash, OutPoint};

use super::codec::IndexRecord;
use super::{ChainStore, ConnectBatch, StoreError};

#[derive(Default)]
struct Inner {
    coins: HashMap<OutPoint, Coin>,
    blocks: HashMap<BlockHash, (Vec<u8>, Vec<u8>)>,
    index: HashMap<BlockHash, IndexRecord>,
    tip: Option<BlockHash>,
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
        Ok(self.with(|s| s.coins.get(outpoint).cloned()))
    }

    fn block(&self, hash: &BlockHash) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.with(|s| s.blocks.get(hash).map(|b| b.0.clone())))
    }

    fn write_block(&self, hash: &BlockHash, block: &[u8], undo: &[u8]) -> Result<(), StoreError> {
        self.with(|s| s.blocks.insert(*hash, (block.to_vec(), undo.to_vec())));
        Ok(())
    }

    fn commit(&self, batch: ConnectBatch) -> Result<(), StoreError> {
        self.with(|s| {
            for outpoint in &batch.spent {
                s.coins.remove(outpoint);
            }
            s.coins.extend(batch.created);
            for record in batch.index {
                s.index.insert(record.header.block_hash(), record);
            }
            s.tip = Some(batch.tip);
        });
        Ok(())
    }

    fn index_records(&self) -> Result<Vec<IndexRecord>, StoreError> {
        Ok(self.with(|s| s.index.values().cloned().collect()))
    }

    fn tip(&self) -> Result<Option<BlockHash>, StoreError> {
        Ok(self.with(|s| s.tip))
    }

    fn size_on_disk(&self) -> u64 {
        0
    }
}
