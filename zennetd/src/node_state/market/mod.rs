//! The market index: every task, acceptance and cancellation on the active
//! chain, kept in memory and persisted in the chain database.
//!
//! Like Core's txindex it is a component of its own with a best-block
//! marker: the records a batch of blocks changed and the marker that says
//! which block they reflect are written in one atomic batch after every
//! chain operation. At start it loads its records and walks from its marker
//! to the chain's tip (back over blocks no longer active, forward over the
//! blocks it has not seen), so that it is right after a crash at any
//! instant, a reorganisation or `-reindex` (which wipes it with the rest of
//! the chainstate).
//!
//! It also prunes: once inclusion + expiry + 100 blocks have passed, an
//! announcement's body is dropped from the stored block and from the index.

mod query;
mod record;

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet, HashMap};

use bitcoin::hashes::Hash;
use mempool::market::TaskInfo;
use primitives::market::MarketBody;
use primitives::{Block, BlockHash, Txid};

pub use query::{
    AcceptanceState, AcceptanceView, CancelView, MarketSummary, PendingAnnouncement, TaskFilter, TaskState, TaskView,
};
pub use record::AnnouncementRecord;

use crate::chainstate::{ChainError, Chainstate};
use crate::store::StoreError;

#[derive(Default)]
pub struct MarketIndex {
    records: HashMap<Txid, AnnouncementRecord>,
    /// Confirmed tasks by task id.
    tasks: HashMap<[u8; 32], Txid>,
    /// Acceptances and cancels by the task they name.
    links: HashMap<[u8; 32], Vec<Txid>>,
    /// Tasks newest first when iterated in reverse: (height, position, txid).
    order: BTreeSet<(u32, u32, Txid)>,
    /// Records whose body is still held, by the height it may be pruned at.
    unpruned: BTreeMap<u32, Vec<Txid>>,
    /// The block the index reflects.
    marker: Option<(BlockHash, u32)>,
    /// The marker last written to the store.
    committed: Option<(BlockHash, u32)>,
    /// Record writes not yet committed (`None`: delete).
    dirty: HashMap<Txid, Option<Vec<u8>>>,
    /// Tasks that entered from blocks since the owner last asked (`-tasknotify`).
    new_tasks: Vec<[u8; 32]>,
    /// `-pruneannouncements`.
    prune_bodies: bool,
    /// Bytes of bodies dropped from stored blocks since start.
    pruned_bytes: u64,
}

fn encode_marker(hash: &BlockHash, height: u32) -> Vec<u8> {
    let mut out = hash.as_byte_array().to_vec();
    out.extend_from_slice(&height.to_le_bytes());
    out
}

fn decode_marker(bytes: &[u8]) -> Result<(BlockHash, u32), StoreError> {
    if bytes.len() != 36 {
        return Err(StoreError::Corrupt("market marker length".into()));
    }
    let hash = BlockHash::from_slice(&bytes[..32]).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let height = u32::from_le_bytes(bytes[32..].try_into().map_err(|_| StoreError::Corrupt("marker".into()))?);
    Ok((hash, height))
}

impl MarketIndex {
    /// Loads the index from the chain database and brings it to the chain's tip.
    pub fn open(chain: &mut Chainstate, prune_bodies: bool) -> Result<MarketIndex, ChainError> {
        let (records, marker) = chain.market_records()?;
        let mut index = MarketIndex { prune_bodies, ..MarketIndex::default() };
        for (txid, bytes) in records {
            index.insert(AnnouncementRecord::decode(txid, &bytes)?, false);
        }
        index.marker = marker.as_deref().map(decode_marker).transpose()?;
        index.committed = index.marker;
        index.catch_up(chain)?;
        index.new_tasks.clear();
        Ok(index)
    }

    /// Walks from the marker to the chain's tip, then prunes and commits.
    fn catch_up(&mut self, chain: &mut Chainstate) -> Result<(), ChainError> {
        let fork = match self.marker {
            Some((hash, _)) => chain.branch_off(&hash).map(|b| b.fork_height),
            None => None,
        };
        let start = match (self.marker, fork) {
            (Some(_), Some(fork)) => {
                self.rewind_above(fork);
                fork + 1
            }
            // No marker, or one the chain does not know: start over.
            _ => {
                let all: Vec<Txid> = self.records.keys().copied().collect();
                for txid in all {
                    self.remove(&txid);
                }
                0
            }
        };
        let tip = chain.tip().height;
        if start <= tip {
            tracing::info!("market index: catching up from height {start} to {tip}");
        }
        for height in start..=tip {
            let Some(hash) = chain.hash_at(height) else { break };
            let block = chain
                .block(&hash)?
                .ok_or_else(|| StoreError::Corrupt(format!("block {hash} at height {height} has no data")))?;
            self.block_connected(&block, hash, height);
        }
        self.finish(chain)
    }

    fn insert(&mut self, record: AnnouncementRecord, write: bool) {
        let txid = record.txid;
        if let Some(id) = record.task_id {
            if record.kind == primitives::AnnouncementKind::Task as u8 {
                self.tasks.insert(id, txid);
                self.order.insert((record.height, record.position, txid));
            } else {
                self.links.entry(id).or_default().push(txid);
            }
        }
        if !record.is_pruned() {
            self.unpruned.entry(record.prune_height()).or_default().push(txid);
        }
        if write {
            self.dirty.insert(txid, Some(record.encode()));
        }
        self.records.insert(txid, record);
    }

    fn remove(&mut self, txid: &Txid) {
        let Some(record) = self.records.remove(txid) else { return };
        if let Some(id) = record.task_id {
            if self.tasks.get(&id) == Some(txid) {
                self.tasks.remove(&id);
            }
            self.order.remove(&(record.height, record.position, *txid));
            if let Some(list) = self.links.get_mut(&id) {
                list.retain(|t| t != txid);
                if list.is_empty() {
                    self.links.remove(&id);
                }
            }
        }
        if let Some(list) = self.unpruned.get_mut(&record.prune_height()) {
            list.retain(|t| t != txid);
        }
        self.dirty.insert(*txid, None);
    }

    /// Forgets every record mined above `height`.
    fn rewind_above(&mut self, height: u32) {
        let above: Vec<Txid> = self.records.values().filter(|r| r.height > height).map(|r| r.txid).collect();
        for txid in above {
            self.remove(&txid);
        }
    }

    /// Records the announcements of a block connected at `height`.
    pub fn block_connected(&mut self, block: &Block, hash: BlockHash, height: u32) {
        for (position, tx) in block.txdata.iter().enumerate().filter(|(_, tx)| tx.is_announcement()) {
            if let Some(record) = AnnouncementRecord::from_tx(tx, hash, height, position as u32) {
                if record.kind == primitives::AnnouncementKind::Task as u8 {
                    if let Some(id) = record.task_id {
                        self.new_tasks.push(id);
                    }
                }
                self.insert(record, true);
            }
        }
        self.marker = Some((hash, height));
    }

    /// Forgets the announcements of the block disconnected at `height`.
    pub fn block_disconnected(&mut self, height: u32, parent: BlockHash) {
        let at: Vec<Txid> = self.records.values().filter(|r| r.height == height).map(|r| r.txid).collect();
        for txid in at {
            self.remove(&txid);
        }
        self.marker = Some((parent, height.saturating_sub(1)));
    }

    /// After a chain operation: prune the bodies that are due, then write
    /// the changed records and the marker in one batch.
    pub fn finish(&mut self, chain: &mut Chainstate) -> Result<(), ChainError> {
        if self.prune_bodies {
            self.prune_due(chain)?;
        }
        let Some((hash, height)) = self.marker else { return Ok(()) };
        if self.dirty.is_empty() && self.committed == self.marker {
            return Ok(());
        }
        let writes: Vec<(Txid, Option<Vec<u8>>)> = self.dirty.drain().collect();
        chain.commit_market(writes, encode_marker(&hash, height))?;
        self.committed = self.marker;
        Ok(())
    }

    /// Drops from the stored blocks (and from the index) the bodies whose
    /// time has passed at the marker's height.
    fn prune_due(&mut self, chain: &mut Chainstate) -> Result<(), ChainError> {
        let Some((_, tip)) = self.marker else { return Ok(()) };
        let due: Vec<u32> = self.unpruned.range(..=tip).map(|(h, _)| *h).collect();
        let mut by_block: BTreeMap<BlockHash, Vec<Txid>> = BTreeMap::new();
        for height in due {
            for txid in self.unpruned.remove(&height).unwrap_or_default() {
                if let Some(record) = self.records.get(&txid) {
                    by_block.entry(record.block).or_default().push(txid);
                }
            }
        }
        for (block, txids) in by_block {
            self.pruned_bytes += chain.prune_announcement_bodies(&block, &txids)?;
            for txid in txids {
                if let Some(record) = self.records.get_mut(&txid) {
                    record.body = None;
                    self.dirty.insert(txid, Some(record.encode()));
                }
            }
        }
        Ok(())
    }

    /// Task ids that entered from blocks since the last call.
    pub fn take_new_tasks(&mut self) -> Vec<[u8; 32]> {
        std::mem::take(&mut self.new_tasks)
    }

    /// What mempool policy needs of a confirmed task.
    pub fn task(&self, id: &[u8; 32]) -> Option<TaskInfo> {
        let record = self.records.get(self.tasks.get(id)?)?;
        let MarketBody::Task(task) = &record.body.as_ref()?.body else { return None };
        Some(TaskInfo {
            publisher: task.publisher,
            accept_pow_bits: task.accept_pow_bits,
            accept_within_blocks: task.accept_within_blocks,
            included_height: Some(record.height),
            expiry: record.expiry,
        })
    }

    pub fn record(&self, txid: &Txid) -> Option<&AnnouncementRecord> {
        self.records.get(txid)
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}
