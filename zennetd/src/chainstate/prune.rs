//! Block pruning (`-prune`, `pruneblockchain`): old blocks' data and undo
//! data are deleted to stay under a size target, keeping the last 288
//! active blocks (Core's MIN_BLOCKS_TO_KEEP) so that short reorgs and peers
//! catching up from near the tip are still served. Headers stay indexed;
//! a pruned block is one that was connected and has no data now.

use primitives::BlockHash;

use super::Chainstate;
use crate::store::StoreError;

/// Blocks below the tip whose data is always kept (Core's MIN_BLOCKS_TO_KEEP).
pub const MIN_BLOCKS_TO_KEEP: u32 = 288;
/// Blocks deleted per store batch.
const PRUNE_BATCH: usize = 64;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PruneOptions {
    /// Bytes of block and undo data to stay under; `None` prunes only on
    /// `pruneblockchain` (`-prune=1`).
    pub target_bytes: Option<u64>,
    /// Automatic pruning starts above this height (Core's nPruneAfterHeight).
    pub after_height: u32,
}

impl Chainstate {
    pub fn prune_options(&self) -> Option<PruneOptions> {
        self.options.prune
    }

    /// The lowest height from which every active block has its data: 0 when
    /// nothing was pruned (Core's `pruneheight`).
    pub fn prune_height(&self) -> u32 {
        self.prune_height
    }

    /// Whether the block was connected once and its data was pruned since.
    pub fn is_pruned(&self, hash: &BlockHash) -> bool {
        self.index.get(hash).is_some_and(|e| e.status.validated && !e.status.has_data)
    }

    /// At open: the bytes pruning counts, and data a crash left behind after
    /// its index record already said "pruned".
    pub(super) fn load_prune_state(&mut self) -> Result<(), StoreError> {
        self.prune_height = self.first_height_with_data();
        if self.options.prune.is_none() {
            return Ok(());
        }
        let leftovers: Vec<BlockHash> = self.store.stored_blocks()?.into_iter().filter(|h| self.is_pruned(h)).collect();
        if !leftovers.is_empty() {
            self.store.prune_blocks(&leftovers, Vec::new())?;
        }
        self.stored_bytes = self.store.pruneable_bytes()?;
        Ok(())
    }

    fn first_height_with_data(&self) -> u32 {
        let has_data = |h: &BlockHash| self.index.get(h).is_some_and(|e| e.status.has_data);
        match self.active.iter().rposition(|h| !has_data(h)) {
            Some(missing) => missing as u32 + 1,
            None => 0,
        }
    }

    /// Counts bytes written for a block or its undo data.
    pub(super) fn count_stored(&mut self, bytes: usize) {
        if self.options.prune.is_some() {
            self.stored_bytes += bytes as u64;
        }
    }

    /// Automatic pruning after the chain moved: once the stored data passes
    /// the target, the oldest blocks go until it is 1/16 below it (so that
    /// pruning, which flushes the coin cache, happens in rounds, not per block).
    pub(super) fn prune_if_due(&mut self) -> Result<(), StoreError> {
        let Some(PruneOptions { target_bytes: Some(target), after_height }) = self.options.prune else {
            return Ok(());
        };
        let tip = self.tip().height;
        if tip <= after_height || self.stored_bytes <= target {
            return Ok(());
        }
        let last = tip.saturating_sub(MIN_BLOCKS_TO_KEEP);
        self.prune_through(last, Some(target - target / 16))
    }

    /// `pruneblockchain`: deletes the data of blocks up to `height` (at
    /// most the tip less 288). Returns the last pruned height, -1 if none.
    pub fn prune_manually(&mut self, height: u32) -> Result<i64, StoreError> {
        let keep_from = self.tip().height.saturating_sub(MIN_BLOCKS_TO_KEEP);
        if height > keep_from {
            tracing::info!("Attempt to prune blocks close to the tip.  Retaining the minimum number of blocks.");
        }
        self.prune_through(height.min(keep_from), None)?;
        Ok(i64::from(self.prune_height) - 1)
    }

    /// Deletes the data of blocks at heights `1..=last`, oldest first,
    /// stopping once the stored bytes are at most `goal`.
    fn prune_through(&mut self, last: u32, goal: Option<u64>) -> Result<(), StoreError> {
        let mut victims: Vec<(u32, BlockHash)> = self
            .index
            .iter()
            .filter(|e| e.status.has_data && e.height >= 1 && e.height <= last)
            .map(|e| (e.height, e.hash))
            .collect();
        if victims.is_empty() {
            return Ok(());
        }
        victims.sort_unstable();
        // A crash replays blocks above the stored best-block marker from
        // their data, so the marker must be past every block pruned.
        self.flush()?;
        let (mut count, mut highest) = (0usize, 0u32);
        for chunk in victims.chunks(PRUNE_BATCH) {
            if goal.is_some_and(|g| self.stored_bytes <= g) {
                break;
            }
            let hashes: Vec<BlockHash> = chunk.iter().map(|(_, h)| *h).collect();
            let mut records = Vec::with_capacity(hashes.len());
            for hash in &hashes {
                if let Some(entry) = self.index.get_mut(hash) {
                    entry.status.has_data = false;
                    records.push(Self::record(entry));
                }
            }
            let freed = self.store.prune_blocks(&hashes, records)?;
            self.stored_bytes = self.stored_bytes.saturating_sub(freed);
            count += hashes.len();
            highest = chunk.last().map_or(highest, |(h, _)| *h);
        }
        self.prune_height = self.first_height_with_data();
        tracing::info!(
            "Prune: deleted the data of {count} blocks up to height {highest}; {} MiB of block data kept",
            self.stored_bytes >> 20
        );
        Ok(())
    }
}
