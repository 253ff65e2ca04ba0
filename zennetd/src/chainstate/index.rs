//! The block index: every known header, its status, and views of branches.

use std::cell::RefCell;
use std::cmp::Reverse;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use consensus::difficulty::{BlockSummary, HeaderChain};
use num_bigint::BigUint;
use primitives::{BlockHash, Header, PowAlgo};

/// What we know of a block beyond its header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BlockStatus {
    /// The block's transactions (and undo data, once connected) are stored.
    pub has_data: bool,
    /// The block broke a consensus rule.
    pub failed: bool,
    /// An ancestor broke a consensus rule.
    pub failed_parent: bool,
    /// The block was fully validated (connected) at least once.
    pub validated: bool,
}

impl BlockStatus {
    pub fn to_byte(self) -> u8 {
        u8::from(self.has_data)
            | u8::from(self.failed) << 1
            | u8::from(self.failed_parent) << 2
            | u8::from(self.validated) << 3
    }

    pub fn from_byte(b: u8) -> Self {
        BlockStatus { has_data: b & 1 != 0, failed: b & 2 != 0, failed_parent: b & 4 != 0, validated: b & 8 != 0 }
    }

    pub fn is_invalid(self) -> bool {
        self.failed || self.failed_parent
    }
}

/// A known block header and where it sits.
#[derive(Debug, Clone)]
pub struct IndexEntry {
    pub hash: BlockHash,
    pub header: Header,
    pub height: u32,
    pub chain_work: BigUint,
    pub tx_count: u32,
    pub status: BlockStatus,
    /// Arrival order, for choosing among equal-work tips (first seen wins;
    /// `preciousblock` moves a block to the front).
    pub sequence: i64,
}

impl IndexEntry {
    pub fn summary(&self) -> BlockSummary {
        BlockSummary {
            height: self.height,
            time: self.header.time,
            bits: self.header.bits.to_consensus(),
            algo: if self.height == 0 { None } else { PowAlgo::from_version(self.header.version.to_consensus()) },
        }
    }
}

/// Ordering key of a chain-tip candidate: most work first, then earliest.
pub type CandidateKey = (BigUint, Reverse<i64>, BlockHash);

#[derive(Default)]
pub struct BlockIndex {
    /// Shared with the header view until changed (copied on write), so the
    /// view costs no second copy of the index.
    entries: HashMap<BlockHash, Arc<IndexEntry>>,
    children: HashMap<BlockHash, Vec<BlockHash>>,
    next_sequence: i64,
    /// Height of the highest header not known to be invalid.
    best_header_height: u32,
    /// The header with the most work not known to be invalid.
    best_header: Option<BlockHash>,
    /// Entries inserted or handed out for change since the header view
    /// was last updated.
    changed: Vec<BlockHash>,
}

impl BlockIndex {
    pub fn get(&self, hash: &BlockHash) -> Option<&IndexEntry> {
        self.entries.get(hash).map(|e| &**e)
    }

    /// The entry as the header view keeps it.
    pub fn shared(&self, hash: &BlockHash) -> Option<Arc<IndexEntry>> {
        self.entries.get(hash).cloned()
    }

    pub fn get_mut(&mut self, hash: &BlockHash) -> Option<&mut IndexEntry> {
        let entry = self.entries.get_mut(hash)?;
        self.changed.push(*hash);
        Some(Arc::make_mut(entry))
    }

    /// The entries that may have changed since the last call.
    pub fn take_changed(&mut self) -> Vec<BlockHash> {
        let mut changed = std::mem::take(&mut self.changed);
        changed.sort_unstable();
        changed.dedup();
        changed
    }

    pub fn contains(&self, hash: &BlockHash) -> bool {
        self.entries.contains_key(hash)
    }

    pub fn insert(&mut self, mut entry: IndexEntry) {
        entry.sequence = self.next_sequence;
        self.next_sequence += 1;
        if entry.height > 0 {
            self.children.entry(entry.header.prev_blockhash).or_default().push(entry.hash);
        }
        if !entry.status.is_invalid() {
            self.best_header_height = self.best_header_height.max(entry.height);
            let best_work = self.best_header.and_then(|h| self.entries.get(&h)).map(|e| &e.chain_work);
            if best_work.is_none_or(|w| entry.chain_work > *w) {
                self.best_header = Some(entry.hash);
            }
        }
        self.changed.push(entry.hash);
        self.entries.insert(entry.hash, Arc::new(entry));
    }

    /// The height of the best header chain (for pruned announcements).
    pub fn best_header_height(&self) -> u32 {
        self.best_header_height
    }

    /// The most-work header not known to be invalid (recomputed after
    /// blocks are marked invalid, see [`Self::recompute_best_header`]).
    pub fn best_header(&self) -> Option<&IndexEntry> {
        self.best_header.and_then(|h| self.get(&h))
    }

    pub fn recompute_best_header(&mut self) {
        let best = self
            .entries
            .values()
            .filter(|e| !e.status.is_invalid())
            .max_by(|a, b| a.chain_work.cmp(&b.chain_work).then(b.sequence.cmp(&a.sequence)));
        self.best_header = best.map(|e| e.hash);
        self.best_header_height = self.best_header().map_or(0, |e| e.height);
    }

    pub fn children(&self, hash: &BlockHash) -> &[BlockHash] {
        self.children.get(hash).map_or(&[], Vec::as_slice)
    }

    /// Every block below `hash` (not including it).
    pub fn descendants(&self, hash: &BlockHash) -> Vec<BlockHash> {
        let mut out = Vec::new();
        let mut stack = self.children(hash).to_vec();
        while let Some(h) = stack.pop() {
            stack.extend_from_slice(self.children(&h));
            out.push(h);
        }
        out
    }

    pub fn iter(&self) -> impl Iterator<Item = &IndexEntry> {
        self.entries.values().map(|e| &**e)
    }

    /// The lowest sequence number yet (for `preciousblock`).
    pub fn take_precious_sequence(&mut self) -> i64 {
        let lowest = self.entries.values().map(|e| e.sequence).min().unwrap_or(0);
        lowest - 1
    }

    /// The ancestor of `hash` at `height`.
    pub fn ancestor(&self, hash: &BlockHash, height: u32) -> Option<&IndexEntry> {
        let mut entry = self.get(hash)?;
        while entry.height > height {
            entry = self.get(&entry.header.prev_blockhash)?;
        }
        (entry.height == height).then_some(entry)
    }

    pub fn candidate_key(&self, hash: &BlockHash) -> Option<CandidateKey> {
        self.entries.get(hash).map(|e| (e.chain_work.clone(), Reverse(e.sequence), e.hash))
    }

    /// Blocks that could be the tip: connectable, with no connectable child
    /// needed (any connectable block qualifies; the best is chosen by key).
    pub fn candidates(&self) -> BTreeSet<CandidateKey> {
        self.entries
            .values()
            .filter(|e| e.status.has_data && !e.status.is_invalid())
            .filter_map(|e| self.candidate_key(&e.hash))
            .collect()
    }
}

/// Where a block's chain leaves the active chain: the one walk from a block
/// back to the active chain, used by everything that needs a fork point or
/// the path between a block and the tip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Branch {
    /// The last block the branch shares with the active chain.
    pub fork: BlockHash,
    pub fork_height: u32,
    /// The branch's blocks above the fork, lowest first (empty for an active block).
    pub blocks: Vec<BlockHash>,
}

impl BlockIndex {
    /// The branch of `hash` off the chain `active` (hashes by height). None
    /// when `hash` is unknown or its ancestry does not reach the active chain.
    pub fn branch_off(&self, active: &[BlockHash], hash: &BlockHash) -> Option<Branch> {
        let mut blocks = Vec::new();
        let mut cursor = self.get(hash)?;
        while active.get(cursor.height as usize) != Some(&cursor.hash) {
            blocks.push(cursor.hash);
            if cursor.height == 0 {
                return None;
            }
            cursor = self.get(&cursor.header.prev_blockhash)?;
        }
        blocks.reverse();
        Some(Branch { fork: cursor.hash, fork_height: cursor.height, blocks })
    }
}

/// The chain ending at `tip`, read through the active chain where they
/// share blocks: what the difficulty rules need to judge a block on a branch.
/// The walk down from `tip` goes only as far as the heights asked for (the
/// rules look a bounded way back), so a header far ahead of the active chain
/// costs no walk to where it forks.
pub struct BranchView<'a> {
    index: &'a BlockIndex,
    active: &'a [BlockHash],
    tip_height: u32,
    walk: RefCell<Walk>,
}

/// How far the walk down from the tip has gone.
struct Walk {
    /// Blocks not on the active chain, the tip first.
    branch: Vec<BlockHash>,
    /// The next block down to look at.
    next: BlockHash,
    /// Height of the highest block shared with the active chain, once met.
    fork_height: Option<u32>,
}

impl<'a> BranchView<'a> {
    pub fn new(index: &'a BlockIndex, active: &'a [BlockHash], tip: &BlockHash) -> Option<Self> {
        let tip_height = index.get(tip)?.height;
        Some(BranchView {
            index,
            active,
            tip_height,
            walk: RefCell::new(Walk { branch: Vec::new(), next: *tip, fork_height: None }),
        })
    }
}

impl HeaderChain for BranchView<'_> {
    fn at_height(&self, height: u32) -> Option<BlockSummary> {
        if height > self.tip_height {
            return None;
        }
        let mut walk = self.walk.borrow_mut();
        // Down until the block at `height` is passed or the fork is met.
        while walk.fork_height.is_none() && self.tip_height - walk.branch.len() as u32 >= height {
            let entry = self.index.get(&walk.next)?;
            if self.active.get(entry.height as usize) == Some(&entry.hash) {
                walk.fork_height = Some(entry.height);
            } else if entry.height == 0 {
                return None; // not linked to the active genesis
            } else {
                walk.branch.push(entry.hash);
                walk.next = entry.header.prev_blockhash;
            }
        }
        let hash = match walk.fork_height {
            Some(fork) if height <= fork => self.active.get(height as usize)?,
            _ => walk.branch.get((self.tip_height - height) as usize)?,
        };
        self.index.get(hash).map(IndexEntry::summary)
    }
}
