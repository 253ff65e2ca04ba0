//! Chain storage behind a trait: blocks and undo data, the block index,
//! coins, and the best-block marker. Only `sled_store` knows sled.

mod codec;
mod memory;
mod sled_store;
mod sled_wallet;

pub use codec::{decode_undo, encode_undo, IndexRecord};
pub use memory::MemoryStore;
pub use sled_store::SledStore;
pub use sled_wallet::SledWalletStore;

use consensus::check::Coin;
use primitives::{BlockHash, OutPoint, Txid};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(String),
    #[error("corrupt record in the database: {0}")]
    Corrupt(String),
    /// The block's data was deleted by `-prune`.
    #[error("Block not available (pruned data): {0}")]
    Pruned(BlockHash),
}

/// Everything a block connect or disconnect changes, written atomically.
#[derive(Debug, Default)]
pub struct ConnectBatch {
    /// Coins to delete.
    pub spent: Vec<OutPoint>,
    /// Coins to write.
    pub created: Vec<(OutPoint, Coin)>,
    /// Undo data to store with connects.
    pub undo: Vec<(BlockHash, Vec<u8>)>,
    /// Index entries to write (new ones or changed status).
    pub index: Vec<IndexRecord>,
    /// The new best-block marker, if it moves.
    pub tip: Option<BlockHash>,
    /// Transaction index: txids to point at a block, and txids to forget.
    pub txindex_add: Vec<(primitives::Txid, BlockHash)>,
    pub txindex_remove: Vec<primitives::Txid>,
}

/// The market index's stored records (by txid) and its marker.
pub type MarketRecords = (Vec<(Txid, Vec<u8>)>, Option<Vec<u8>>);

/// An owned iteration over the coin database.
pub type CoinIter = Box<dyn Iterator<Item = Result<(OutPoint, Coin), StoreError>> + Send>;

pub trait ChainStore: Send {
    fn coin(&self, outpoint: &OutPoint) -> Result<Option<Coin>, StoreError>;
    fn block(&self, hash: &BlockHash) -> Result<Option<Vec<u8>>, StoreError>;
    fn undo(&self, hash: &BlockHash) -> Result<Option<Vec<u8>>, StoreError>;
    /// Stores a block's bytes. They are durable once a later `commit`
    /// returns (writes reach the disk in order), which is how the index
    /// comes to say the block has data.
    fn write_block(&self, hash: &BlockHash, block: &[u8]) -> Result<(), StoreError>;
    /// Applies connects, disconnects or index changes in one atomic, durable batch.
    fn commit(&self, batch: ConnectBatch) -> Result<(), StoreError>;
    /// Every coin, in key order (txid, then output index).
    fn for_each_coin(&self, f: &mut dyn FnMut(OutPoint, Coin)) -> Result<(), StoreError>;
    /// Every stored coin in outpoint order, read on whatever thread drains
    /// it (coins written meanwhile may or may not be seen).
    fn coins(&self) -> CoinIter;
    /// The block a transaction was confirmed in (with `-txindex`).
    fn txindex(&self, txid: &primitives::Txid) -> Result<Option<BlockHash>, StoreError>;
    /// Forgets coins, undo data, index, tip, txindex and the market index;
    /// keeps block bytes (`-reindex`).
    fn wipe_chainstate(&self) -> Result<(), StoreError>;
    /// Hashes of every stored block.
    fn stored_blocks(&self) -> Result<Vec<BlockHash>, StoreError>;
    fn index_records(&self) -> Result<Vec<IndexRecord>, StoreError>;
    fn tip(&self) -> Result<Option<BlockHash>, StoreError>;
    /// Bytes used on disk (0 for memory).
    fn size_on_disk(&self) -> u64;
    /// Bytes of every stored block (what pruning announcement bodies shrinks).
    fn block_bytes(&self) -> Result<u64, StoreError>;
    /// Bytes of every stored block and undo record (what `-prune` bounds).
    fn pruneable_bytes(&self) -> Result<u64, StoreError>;
    /// Deletes the blocks' data and undo data (`-prune`), writing `index`
    /// (their records without data) in the same durable batch as the undo
    /// deletions; the block bytes go after it. Returns the bytes freed.
    fn prune_blocks(&self, hashes: &[BlockHash], index: Vec<IndexRecord>) -> Result<u64, StoreError>;
    /// Deletes every stored block (`-reindex` of a pruned node, which
    /// downloads the chain again as Core's does).
    fn wipe_blocks(&self) -> Result<(), StoreError>;
    /// The market index's records (by txid) and its best-block marker.
    fn market_records(&self) -> Result<MarketRecords, StoreError>;
    /// Writes market records (`None` deletes) and the marker in one atomic
    /// batch. Not flushed: after a crash the index catches up from whatever
    /// marker reached the disk, and the records always match it.
    fn commit_market(&self, records: Vec<(Txid, Option<Vec<u8>>)>, marker: Vec<u8>) -> Result<(), StoreError>;
}

/// A shared store (tests reopen a chainstate on the same memory store).
impl<T: ChainStore + Sync> ChainStore for std::sync::Arc<T> {
    fn coin(&self, outpoint: &OutPoint) -> Result<Option<Coin>, StoreError> {
        (**self).coin(outpoint)
    }
    fn coins(&self) -> CoinIter {
        (**self).coins()
    }
    fn block(&self, hash: &BlockHash) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).block(hash)
    }
    fn undo(&self, hash: &BlockHash) -> Result<Option<Vec<u8>>, StoreError> {
        (**self).undo(hash)
    }
    fn write_block(&self, hash: &BlockHash, block: &[u8]) -> Result<(), StoreError> {
        (**self).write_block(hash, block)
    }
    fn commit(&self, batch: ConnectBatch) -> Result<(), StoreError> {
        (**self).commit(batch)
    }
    fn index_records(&self) -> Result<Vec<IndexRecord>, StoreError> {
        (**self).index_records()
    }
    fn tip(&self) -> Result<Option<BlockHash>, StoreError> {
        (**self).tip()
    }
    fn for_each_coin(&self, f: &mut dyn FnMut(OutPoint, Coin)) -> Result<(), StoreError> {
        (**self).for_each_coin(f)
    }
    fn txindex(&self, txid: &primitives::Txid) -> Result<Option<BlockHash>, StoreError> {
        (**self).txindex(txid)
    }
    fn wipe_chainstate(&self) -> Result<(), StoreError> {
        (**self).wipe_chainstate()
    }
    fn stored_blocks(&self) -> Result<Vec<BlockHash>, StoreError> {
        (**self).stored_blocks()
    }
    fn size_on_disk(&self) -> u64 {
        (**self).size_on_disk()
    }
    fn block_bytes(&self) -> Result<u64, StoreError> {
        (**self).block_bytes()
    }
    fn pruneable_bytes(&self) -> Result<u64, StoreError> {
        (**self).pruneable_bytes()
    }
    fn prune_blocks(&self, hashes: &[BlockHash], index: Vec<IndexRecord>) -> Result<u64, StoreError> {
        (**self).prune_blocks(hashes, index)
    }
    fn wipe_blocks(&self) -> Result<(), StoreError> {
        (**self).wipe_blocks()
    }
    fn market_records(&self) -> Result<MarketRecords, StoreError> {
        (**self).market_records()
    }
    fn commit_market(&self, records: Vec<(Txid, Option<Vec<u8>>)>, marker: Vec<u8>) -> Result<(), StoreError> {
        (**self).commit_market(records, marker)
    }
}
