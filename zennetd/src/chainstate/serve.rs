//! What the peer-to-peer layer asks of the chain: locators, headers to
//! serve, blocks to serve (with expired announcement bodies pruned) and
//! sync progress. Which blocks to download is the network's own concern
//! (`net::download`).

use primitives::{BlockHash, Header};

use super::{Chainstate, IndexEntry};
use crate::store::StoreError;

/// Blocks after inclusion + expiry during which bodies are still served in full.
pub const ANNOUNCEMENT_KEEP_BLOCKS: u32 = 100;

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

impl Chainstate {
    /// Rewrites the stored block `hash` with the bodies of the announcements
    /// `txids` pruned (DESIGN.md §4: kept until inclusion + expiry + 100
    /// blocks). The txids, merkle root and wtxids stay as they were.
    /// Returns the bytes saved.
    pub fn prune_announcement_bodies(
        &mut self,
        hash: &BlockHash,
        txids: &[primitives::Txid],
    ) -> Result<u64, StoreError> {
        let Some(bytes) = self.store.block(hash)? else { return Ok(0) };
        let mut block =
            primitives::Block::from_bytes(&bytes).map_err(|e| StoreError::Corrupt(format!("block {hash}: {e}")))?;
        let mut changed = false;
        for tx in block.txdata.iter_mut() {
            let full = tx.announcement.as_ref().is_some_and(|a| !a.body.is_pruned());
            if full && txids.contains(&tx.txid()) {
                *tx = tx.to_pruned();
                changed = true;
            }
        }
        if !changed {
            return Ok(0);
        }
        let pruned = block.serialize();
        self.store.write_block(hash, &pruned)?;
        Ok((bytes.len() - pruned.len()) as u64)
    }

    /// Bytes of every stored block.
    pub fn block_bytes(&self) -> Result<u64, StoreError> {
        self.store.block_bytes()
    }

    /// The market index's stored records and marker (see `node_state::market`).
    pub fn market_records(&self) -> Result<crate::store::MarketRecords, StoreError> {
        self.store.market_records()
    }

    /// One atomic write of market records and the market's marker.
    pub fn commit_market(
        &self,
        records: Vec<(primitives::Txid, Option<Vec<u8>>)>,
        marker: Vec<u8>,
    ) -> Result<(), StoreError> {
        self.store.commit_market(records, marker)
    }
}
