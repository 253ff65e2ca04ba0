//! What the peer-to-peer layer asks of the chainstate: locators, headers
//! to serve, blocks to download, blocks to serve (with expired
//! announcement bodies pruned) and the mempool's inventory.

use std::collections::HashMap;

use primitives::{BlockHash, Header};

use super::{Chainstate, IndexEntry};
use crate::store::StoreError;

/// Blocks after inclusion + expiry during which bodies are still served in full.
pub const ANNOUNCEMENT_KEEP_BLOCKS: u32 = 100;

/// Targets whose paths are remembered at once (peers mostly share one).
const MAX_DOWNLOAD_PATHS: usize = 16;

#[derive(Default)]
pub struct DownloadPaths {
    paths: HashMap<BlockHash, DownloadPath>,
}

struct DownloadPath {
    hashes: Vec<BlockHash>,
    /// Index of the first block that may still lack data.
    cursor: usize,
}

/// A block the node should fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Download {
    pub hash: BlockHash,
    pub height: u32,
}

impl Chainstate {
    /// The most-work valid header (the tip when no better header is known).
    pub fn best_header(&self) -> IndexEntry {
        match self.index.best_header() {
            Some(best) if best.chain_work > self.tip().chain_work => best.clone(),
            _ => self.tip().clone(),
        }
    }

    /// Core's block locator from `from`: the last ten blocks, then
    /// exponentially sparser, always ending at genesis.
    pub fn locator(&self, from: &BlockHash) -> Vec<BlockHash> {
        let mut hashes = Vec::new();
        let Some(mut entry) = self.index.get(from) else { return vec![self.params.genesis_hash] };
        let mut step = 1u32;
        loop {
            hashes.push(entry.hash);
            if entry.height == 0 {
                break;
            }
            let height = entry.height.saturating_sub(step);
            // On the active chain the jump is a lookup; elsewhere a walk.
            entry = match self.is_active(&entry.hash).then(|| self.hash_at(height)).flatten() {
                Some(hash) => match self.index.get(&hash) {
                    Some(e) => e,
                    None => break,
                },
                None => match self.index.ancestor(&entry.hash, height) {
                    Some(e) => e,
                    None => break,
                },
            };
            if hashes.len() > 10 {
                step *= 2;
            }
        }
        hashes
    }

    /// `getheaders`: active-chain headers after the first locator hash we
    /// know, up to `stop` or `max`. An empty locator asks for `stop` alone.
    pub fn headers_after(&self, locator: &[BlockHash], stop: &BlockHash, max: usize) -> Vec<Header> {
        if locator.is_empty() {
            return self.index.get(stop).map(|e| vec![e.header]).unwrap_or_default();
        }
        let fork = locator.iter().find(|h| self.is_active(h)).and_then(|h| self.index.get(h)).map_or(0, |e| e.height);
        let mut headers = Vec::new();
        let mut height = fork + 1;
        while headers.len() < max {
            let Some(hash) = self.hash_at(height) else { break };
            let Some(entry) = self.index.get(&hash) else { break };
            headers.push(entry.header);
            if hash == *stop {
                break;
            }
            height += 1;
        }
        headers
    }

    /// Blocks on the way to `target` (a peer's best header) that we lack,
    /// lowest first, within `window` blocks of the tip, leaving out `skip`.
    /// Empty if that chain contains an invalid block. The path to each
    /// target is remembered with a cursor at its first block without data,
    /// so a call costs the window, not the length of the chain.
    pub fn blocks_to_download(
        &mut self,
        target: &BlockHash,
        max: usize,
        window: u32,
        skip: &dyn Fn(&BlockHash) -> bool,
    ) -> Vec<Download> {
        let limit = self.tip().height + window;
        if !self.download_paths.paths.contains_key(target) {
            let Some(path) = self.path_to(target) else { return Vec::new() };
            if self.download_paths.paths.len() >= MAX_DOWNLOAD_PATHS {
                self.download_paths.paths.clear();
            }
            self.download_paths.paths.insert(*target, path);
        }
        let Some(path) = self.download_paths.paths.get_mut(target) else { return Vec::new() };
        let index = &self.index;
        // Blocks only gain data while the path stays valid: the cursor only moves up.
        while path.hashes.get(path.cursor).and_then(|h| index.get(h)).is_some_and(|e| e.status.has_data) {
            path.cursor += 1;
        }
        let mut wanted = Vec::new();
        for hash in &path.hashes[path.cursor.min(path.hashes.len())..] {
            let Some(entry) = index.get(hash) else { break };
            if entry.status.is_invalid() {
                return Vec::new();
            }
            if entry.height > limit || wanted.len() >= max {
                break;
            }
            if !entry.status.has_data && !skip(hash) {
                wanted.push(Download { hash: *hash, height: entry.height });
            }
        }
        wanted
    }

    /// The blocks from just above the active chain up to `target`, lowest first.
    fn path_to(&self, target: &BlockHash) -> Option<DownloadPath> {
        Some(DownloadPath { hashes: self.branch_off(target)?.blocks, cursor: 0 })
    }

    /// Forgets remembered paths (after blocks are marked invalid or valid again).
    pub fn forget_download_paths(&mut self) {
        self.download_paths.paths.clear();
    }

    /// A stored block as served to peers (`witness` false: Core's MSG_BLOCK
    /// form without witnesses). Announcements whose body may be pruned
    /// (inclusion + expiry + 100 blocks behind the tip) go out in pruned
    /// form unless `archive`.
    pub fn served_block(&self, hash: &BlockHash, archive: bool, witness: bool) -> Result<Option<Vec<u8>>, StoreError> {
        let Some(raw) = self.raw_block(hash)? else { return Ok(None) };
        let prunable_height = self.index.get(hash).is_some_and(|e| {
            !archive && self.is_active(hash) && e.height + 1 + ANNOUNCEMENT_KEEP_BLOCKS <= self.tip().height
        });
        if witness && !prunable_height {
            return Ok(Some(raw));
        }
        let block =
            primitives::Block::from_bytes(&raw).map_err(|e| StoreError::Corrupt(format!("block {hash}: {e}")))?;
        let (block, pruned) = if prunable_height { self.prune_expired_bodies(block, hash) } else { (block, false) };
        Ok(Some(match (witness, pruned) {
            (true, false) => raw,
            (true, true) => block.serialize(),
            (false, _) => block.serialize_without_witness(),
        }))
    }

    /// The block with every announcement body past inclusion + expiry + 100
    /// blocks behind the tip in pruned form, and whether any was.
    fn prune_expired_bodies(&self, mut block: primitives::Block, hash: &BlockHash) -> (primitives::Block, bool) {
        let Some(height) = self.index.get(hash).map(|e| u64::from(e.height)) else { return (block, false) };
        let mut pruned = false;
        let tip = u64::from(self.tip().height);
        for tx in &mut block.txdata {
            let expired = tx.announcement.as_ref().is_some_and(|a| {
                !a.body.is_pruned() && height + u64::from(a.expiry) + u64::from(ANNOUNCEMENT_KEEP_BLOCKS) <= tip
            });
            if expired {
                *tx = tx.to_pruned();
                pruned = true;
            }
        }
        (block, pruned)
    }

    /// Headers of the active chain after `since` (a block the peer knows),
    /// at most `max`; empty when `since` is not an ancestor within reach.
    pub fn headers_since(&self, since: &BlockHash, max: usize) -> Vec<Header> {
        let Some(from) = self.index.get(since) else { return Vec::new() };
        if !self.is_active(since) || self.tip().height.saturating_sub(from.height) as usize > max {
            return Vec::new();
        }
        (from.height + 1..=self.tip().height)
            .filter_map(|h| self.hash_at(h).and_then(|hash| self.index.get(&hash)).map(|e| e.header))
            .collect()
    }

    /// Core's estimate of how far the sync is: blocks done over blocks known
    /// (best header), or expected from the time since the tip.
    pub fn verification_progress(&self, now: i64) -> f64 {
        let tip = self.tip();
        let best = self.best_header().height.max(tip.height);
        let behind_by_time = ((now - i64::from(tip.header.time)).max(0) / self.params.target_spacing.max(1)) as u32;
        let expected = if self.is_initial_block_download(now) { best.max(tip.height + behind_by_time) } else { best };
        if expected == 0 {
            return 1.0;
        }
        f64::from(tip.height) / f64::from(expected)
    }
}
