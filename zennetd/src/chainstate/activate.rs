//! Moving the active chain: connecting and disconnecting blocks, choosing
//! the valid branch with the most work, and the operator's overrides
//! (`invalidateblock`, `reconsiderblock`, `preciousblock`, `-reindex`).

use std::collections::{HashMap, HashSet};

use consensus::check::{connect_block, disconnect_block, Disconnection, ScriptValidation};
use consensus::{BlockError, RejectKind};
use primitives::{Block, BlockHash};
use script::VerifyFlags;

use std::sync::Arc;

use super::{ChainError, ChainEvent, Chainstate, IndexEntry};
use crate::store::{encode_undo, ConnectBatch, StoreError};

impl Chainstate {
    /// How blocks' scripts are checked: consensus flags, the shared cache, all threads.
    pub(super) fn script_validation(&self) -> ScriptValidation<'_> {
        ScriptValidation {
            flags: VerifyFlags::consensus(),
            cache: Some(&self.signature_cache),
            threads: self.options.script_threads,
        }
    }

    pub(super) fn rebuild_candidates(&mut self) {
        self.candidates = self.index.candidates();
    }

    fn load_block(&self, hash: &BlockHash) -> Result<Block, StoreError> {
        self.block(hash)?.ok_or_else(|| StoreError::Corrupt(format!("block {hash} has no stored data")))
    }

    /// Connects the stored block `hash` on top of the active tip.
    fn connect_tip(&mut self, hash: BlockHash) -> Result<Result<(), BlockError>, StoreError> {
        let block = self.load_block(&hash)?;
        let height = self.tip().height + 1;
        let view = self.input_coins(&block)?;
        let scripts = self.script_validation();
        let changes = match connect_block(&block, height, &self.params, &view, self, Some(&scripts)) {
            Ok(changes) => changes,
            Err(error) => return Ok(Err(error)),
        };
        let mut entry =
            self.index.get(&hash).cloned().ok_or_else(|| StoreError::Corrupt(format!("{hash} not indexed")))?;
        entry.status.validated = true;
        let txindex_add =
            if self.options.txindex { block.txdata.iter().map(|tx| (tx.txid(), hash)).collect() } else { Vec::new() };
        let undo = encode_undo(&changes.spent);
        self.count_stored(undo.len());
        self.cache.apply(ConnectBatch {
            spent: changes.spent.iter().map(|(o, _)| *o).collect(),
            created: changes.created,
            undo: vec![(hash, undo)],
            index: vec![Self::record(&entry)],
            tip: Some(hash),
            txindex_add,
            txindex_remove: Vec::new(),
        });
        if self.cache.is_due() {
            self.flush()?;
        }
        if let Some(e) = self.index.get_mut(&hash) {
            e.status.validated = true;
        }
        self.active.push(hash);
        self.events.push(ChainEvent::BlockConnected { block: Arc::new(block), height });
        Ok(Ok(()))
    }

    /// Disconnects the active tip with its undo data: its outputs leave the
    /// UTXO set and the coins it spent return.
    fn disconnect_tip(&mut self) -> Result<(), ChainError> {
        let hash = *self.active.last().expect("non-empty active chain");
        let tip = self.tip().clone();
        if tip.height == 0 {
            return Err(ChainError::Refused("cannot disconnect the genesis block"));
        }
        let block = self.load_block(&hash)?;
        let undo = self.undo(&hash)?;
        let view = self.output_coins(&block)?;
        let Disconnection { removed, restored } = disconnect_block(&block, &undo, &view)
            .map_err(|e| StoreError::Corrupt(format!("cannot disconnect block {hash}: {e}")))?;
        let txindex_remove =
            if self.options.txindex { block.txdata.iter().map(|tx| tx.txid()).collect() } else { Vec::new() };
        self.cache.apply(ConnectBatch {
            spent: removed,
            created: restored,
            tip: Some(tip.header.prev_blockhash),
            txindex_remove,
            ..ConnectBatch::default()
        });
        if self.cache.is_due() {
            self.flush()?;
        }
        self.active.pop();
        self.events.push(ChainEvent::BlockDisconnected { block: Arc::new(block), height: tip.height });
        Ok(())
    }

    /// Marks `hash` failed and its descendants failed-parent, persistently.
    fn mark_invalid(&mut self, hash: &BlockHash) -> Result<(), StoreError> {
        let mut changed = Vec::new();
        if let Some(entry) = self.index.get_mut(hash) {
            entry.status.failed = true;
            changed.push(entry.clone());
        }
        for child in self.index.descendants(hash) {
            if let Some(entry) = self.index.get_mut(&child) {
                entry.status.failed_parent = true;
                changed.push(entry.clone());
            }
        }
        for entry in &changed {
            if let Some(key) = self.index.candidate_key(&entry.hash) {
                self.candidates.remove(&key);
            }
        }
        self.index.recompute_best_header();
        if let Some(best) = changed.iter().map(|e| e.chain_work.clone()).max() {
            self.warn_of_invalid_fork(best);
        }
        self.write_index(changed.iter().map(Self::record).collect())
    }

    /// Core's CheckForkWarningConditions: an invalid chain with six blocks'
    /// work more than ours means we, or most of the network, are wrong.
    fn warn_of_invalid_fork(&mut self, work: num_bigint::BigUint) {
        let tip = self.tip();
        let parent_work =
            self.index.get(&tip.header.prev_blockhash).map_or_else(Default::default, |p| p.chain_work.clone());
        let proof = tip.chain_work.clone() - parent_work.min(tip.chain_work.clone());
        if work > tip.chain_work.clone() + proof * 6u32 && !self.fork_warned {
            self.fork_warned = true;
            crate::fatal::alert(
                "Warning: Found invalid chain at least ~6 blocks longer than our best chain. Chain state database corruption likely.",
            );
        }
    }

    /// The best candidate whose whole chain is stored and valid. Blocks
    /// found not connectable on one candidate's way down are remembered, so
    /// the many blocks a sync stores ahead of a gap cost one walk in all,
    /// not one each (Core keeps them aside as "unlinked" for the same reason).
    fn best_candidate(&self) -> Option<BlockHash> {
        let mut dead = HashSet::new();
        self.candidates.iter().rev().map(|(_, _, hash)| *hash).find(|hash| self.walk_connectable(hash, &mut dead))
    }

    /// Whether the block and its ancestors down to the active chain have
    /// their data and none failed (the active chain itself is connected).
    pub fn is_connectable(&self, hash: &BlockHash) -> bool {
        self.walk_connectable(hash, &mut HashSet::new())
    }

    /// Walks from `hash` towards the active chain; on failure every block
    /// passed joins `dead`, and reaching one of `dead` fails at once.
    fn walk_connectable(&self, hash: &BlockHash, dead: &mut HashSet<BlockHash>) -> bool {
        let mut passed = Vec::new();
        let mut cursor = *hash;
        let connectable = loop {
            let Some(entry) = self.index.get(&cursor) else { break false };
            if self.hash_at(entry.height) == Some(cursor) {
                break true;
            }
            if dead.contains(&cursor) || !entry.status.has_data || entry.status.is_invalid() || entry.height == 0 {
                break false;
            }
            passed.push(cursor);
            cursor = entry.header.prev_blockhash;
        };
        if !connectable {
            dead.extend(passed);
        }
        connectable
    }

    /// Moves the active chain to the best valid branch, block by block.
    /// Blocks that fail are marked invalid and the next best branch is tried.
    /// Returns the error of `submitted` if that block turned out invalid.
    /// Old blocks are pruned afterwards when `-prune` asks for it.
    pub(super) fn activate_best_chain(
        &mut self,
        submitted: Option<BlockHash>,
    ) -> Result<Option<BlockError>, ChainError> {
        let outcome = self.activate_best_chain_inner(submitted)?;
        self.prune_if_due()?;
        Ok(outcome)
    }

    fn activate_best_chain_inner(&mut self, submitted: Option<BlockHash>) -> Result<Option<BlockError>, ChainError> {
        let mut submitted_error = None;
        loop {
            let Some(best) = self.best_candidate() else {
                return Ok(submitted_error);
            };
            let tip_key = self.index.candidate_key(&self.tip().hash);
            if best == self.tip().hash || self.index.candidate_key(&best) <= tip_key {
                // Nothing better: forget candidates that can no longer win.
                let floor = self.tip().chain_work.clone();
                self.candidates.retain(|(work, _, _)| *work >= floor);
                return Ok(submitted_error);
            }
            let path = self.path_from_active(&best)?;
            let fork_height = path.first().map_or(self.tip().height, |first| first.height - 1);
            while self.tip().height > fork_height {
                self.disconnect_tip()?;
            }
            for entry in path {
                if let Err(error) = self.connect_tip(entry.hash)? {
                    if error.kind() == RejectKind::Invalid {
                        self.mark_invalid(&entry.hash)?;
                    } else if let Some(key) = self.index.candidate_key(&entry.hash) {
                        // Not invalid, but cannot be connected as stored.
                        self.candidates.remove(&key);
                    }
                    if Some(entry.hash) == submitted {
                        submitted_error = Some(error);
                    }
                    break;
                }
            }
        }
    }

    /// The blocks from just above the fork with the active chain up to `hash`.
    fn path_from_active(&self, hash: &BlockHash) -> Result<Vec<IndexEntry>, StoreError> {
        let branch = self
            .branch_off(hash)
            .ok_or_else(|| StoreError::Corrupt(format!("block {hash} does not connect to the active chain")))?;
        Ok(branch.blocks.iter().filter_map(|h| self.index.get(h)).cloned().collect())
    }

    /// `invalidateblock`: treat `hash` as invalid and move off it.
    pub fn invalidate_block(&mut self, hash: &BlockHash) -> Result<(), ChainError> {
        if *hash == self.params.genesis_hash {
            return Err(ChainError::Refused("the genesis block cannot be invalidated"));
        }
        self.mark_invalid(hash)?;
        while self.is_active(hash) {
            self.disconnect_tip()?;
        }
        self.rebuild_candidates();
        self.activate_best_chain(None)?;
        Ok(())
    }

    /// `reconsiderblock`: forget that `hash`, its ancestors and descendants were invalid.
    pub fn reconsider_block(&mut self, hash: &BlockHash) -> Result<(), ChainError> {
        let mut affected = self.index.descendants(hash);
        let mut cursor = self.index.get(hash).cloned();
        while let Some(entry) = cursor {
            affected.push(entry.hash);
            cursor = if entry.height == 0 { None } else { self.index.get(&entry.header.prev_blockhash).cloned() };
        }
        let mut changed = Vec::new();
        for h in affected {
            if let Some(entry) = self.index.get_mut(&h) {
                if entry.status.is_invalid() {
                    entry.status.failed = false;
                    entry.status.failed_parent = false;
                    changed.push(Self::record(entry));
                }
            }
        }
        self.write_index(changed)?;
        self.index.recompute_best_header();
        self.rebuild_candidates();
        self.activate_best_chain(None)?;
        Ok(())
    }

    /// `preciousblock`: among equal-work tips, prefer `hash`.
    pub fn precious_block(&mut self, hash: &BlockHash) -> Result<(), ChainError> {
        let sequence = self.index.take_precious_sequence();
        if let Some(entry) = self.index.get_mut(hash) {
            entry.sequence = sequence;
        }
        self.rebuild_candidates();
        self.activate_best_chain(None)?;
        Ok(())
    }

    /// `-reindex`: forget the chainstate and connect every stored block
    /// again. A pruned node lacks the old blocks, so it forgets its blocks
    /// too and downloads the chain again, as Core's does.
    pub fn reindex(&mut self) -> Result<(), ChainError> {
        self.cache = super::coins::CoinCache::new(self.options.cache_bytes);
        if self.options.prune.is_some() {
            self.store.wipe_blocks()?;
        }
        let stored = self.store.stored_blocks()?;
        self.store.wipe_chainstate()?;
        self.index = Default::default();
        self.active.clear();
        self.candidates.clear();
        self.write_genesis()?;
        self.load_index()?;
        // Decode headers, then submit parents before children.
        let mut by_parent: HashMap<BlockHash, Vec<Block>> = HashMap::new();
        for hash in stored {
            if hash == self.params.genesis_hash {
                continue;
            }
            let block = self.load_block(&hash)?;
            by_parent.entry(block.header.prev_blockhash).or_default().push(block);
        }
        let mut ordered = Vec::new();
        let mut queue = vec![self.params.genesis_hash];
        while let Some(parent) = queue.pop() {
            for block in by_parent.remove(&parent).unwrap_or_default() {
                queue.push(block.block_hash());
                ordered.push(block);
            }
        }
        // Headers first, as in a sync: a block whose expired announcements
        // were pruned is judged against the best header, which must already
        // be the whole stored chain's.
        for chunk in ordered.chunks(2000) {
            let headers: Vec<_> = chunk.iter().map(|b| b.header).collect();
            let latest = headers.iter().map(|h| i64::from(h.time)).max().unwrap_or(0);
            let _ = self.accept_headers(&headers, latest);
        }
        for block in ordered {
            // Blocks that fail now failed before; they are not re-stored.
            let time = i64::from(block.header.time);
            let _ = self.submit_block(block, time);
        }
        self.load_prune_state()?;
        Ok(())
    }
}
