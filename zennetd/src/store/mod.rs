//! Chain storage behind a trait: blocks and undo data, the block index,
//! coins, and the best-block marker. Only `sled_store` knows sled.

mod codec;
mod memory;
mod sled_store;

pub use codec::{encode_undo, IndexRecord};
pub use memory::MemoryStore;
pub use sled_store::SledStore;

use consensus::check::Coin;
use primitives::{BlockHash, OutPoint};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(String),
    #[error("corrupt record in the database: {0}")]
    Corrupt(String),
}

/// Everything a block connect changes, written atomically.
#[derive(Debug)]
pub struct ConnectBatch {
    pub spent: Vec<OutPoint>,
    pub created: Vec<(OutPoint, Coin)>,
    pub index: Vec<IndexRecord>,
    pub tip: BlockHash,
}

pub trait ChainStore: Send {
    fn coin(&self, outpoint: &OutPoint) -> Result<Option<Coin>, StoreError>;
    fn block(&self, hash: &BlockHash) -> Result<Option<Vec<u8>>, StoreError>;
    /// Stores a block and its undo data durably (before it is connected).
    fn write_block(&self, hash: &BlockHash, block: &[u8], undo: &[u8]) -> Result<(), StoreError>;
    /// Applies a connect in one atomic, durable batch.
    fn commit(&self, batch: ConnectBatch) -> Result<(), StoreError>;
    fn index_records(&self) -> Result<Vec<IndexRecord>, StoreError>;
    fn tip(&self) -> Result<Option<BlockHash>, StoreError>;
    /// Bytes used on disk (0 for memory).
    fn size_on_disk(&self) -> u64;
}
