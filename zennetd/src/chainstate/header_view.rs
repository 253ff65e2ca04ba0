//! A read-only copy of the block index and the active chain, brought up to
//! date by the chainstate thread after each change (before the tick that
//! announces it), so that header lookups (`getblockheader`,
//! `getblockhash`) read it from any thread without queueing behind block
//! validation. Its lock is held for a lookup or an update, never across an
//! `.await`. The entries are shared with the index (an entry is copied only
//! when the index changes it), so the view adds a map of pointers, not a
//! second copy of the index.

use std::collections::HashMap;
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};

use primitives::block::header_bytes;
use primitives::{BlockHash, PowAlgo};

use super::{BlockIndex, Chainstate, IndexEntry};

/// What the chain knows about a block beyond its header, read on the
/// chain's thread or from the view, so that the JSON is rendered off it.
#[derive(Debug, Clone)]
pub struct HeaderFacts {
    pub entry: IndexEntry,
    /// -1 when not on the active chain (Core).
    pub confirmations: i64,
    pub median_time: i64,
    pub next: Option<BlockHash>,
    /// The proof-of-work hash (`pow_hash`), when known: filled from the
    /// view's memo, never computed on the chainstate thread.
    pub pow_hash: Option<[u8; 32]>,
}

impl HeaderFacts {
    /// Read on the chainstate thread.
    pub fn of(chain: &Chainstate, entry: &IndexEntry) -> HeaderFacts {
        let active = chain.is_active(&entry.hash);
        HeaderFacts {
            entry: entry.clone(),
            confirmations: if active { i64::from(chain.tip().height - entry.height) + 1 } else { -1 },
            median_time: median_time(entry, |hash| chain.entry(hash)),
            next: if active { chain.hash_at(entry.height + 1) } else { None },
            pow_hash: None,
        }
    }
}

/// Core's `GetMedianTimePast`: the median time of the block and its ten
/// ancestors, following its own chain (a side branch's included).
fn median_time<'a>(entry: &'a IndexEntry, lookup: impl Fn(&BlockHash) -> Option<&'a IndexEntry>) -> i64 {
    let mut times = Vec::with_capacity(11);
    let mut cursor = Some(entry);
    while let Some(e) = cursor.filter(|_| times.len() < 11) {
        times.push(e.header.time);
        cursor = if e.height == 0 { None } else { lookup(&e.header.prev_blockhash) };
    }
    times.sort_unstable();
    times.get(times.len() / 2).map_or(0, |&t| i64::from(t))
}

/// PoW hashes remembered at most; the memo starts over beyond it.
const POW_MEMO_ENTRIES: usize = 50_000;

#[derive(Default)]
struct Table {
    entries: HashMap<BlockHash, Arc<IndexEntry>>,
    active: Vec<BlockHash>,
    /// PoW hashes computed for readers (argon2d's costs milliseconds).
    pow: HashMap<BlockHash, [u8; 32]>,
}

#[derive(Clone, Default)]
pub struct HeaderView(Arc<RwLock<Table>>);

impl HeaderView {
    fn read(&self) -> RwLockReadGuard<'_, Table> {
        self.0.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Copies the entries that changed and the active chain's new part.
    pub(super) fn update(&self, index: &BlockIndex, changed: Vec<BlockHash>, active: &[BlockHash]) {
        {
            let table = self.read();
            if changed.is_empty() && table.active.len() == active.len() && table.active.last() == active.last() {
                return;
            }
        }
        let mut table = self.0.write().unwrap_or_else(PoisonError::into_inner);
        for hash in changed {
            if let Some(entry) = index.shared(&hash) {
                table.entries.insert(hash, entry);
            }
        }
        // Keep what both chains share (all but a reorganisation's blocks).
        let mut shared = table.active.len().min(active.len());
        while shared > 0 && table.active[shared - 1] != active[shared - 1] {
            shared -= 1;
        }
        table.active.truncate(shared);
        table.active.extend_from_slice(&active[shared..]);
    }

    pub fn hash_at(&self, height: u32) -> Option<BlockHash> {
        self.read().active.get(height as usize).copied()
    }

    pub fn facts(&self, hash: &BlockHash) -> Option<HeaderFacts> {
        let mut facts = {
            let table = self.read();
            let entry = table.entries.get(hash)?;
            let active = table.active.get(entry.height as usize) == Some(hash);
            let tip_height = table.active.len() as i64 - 1;
            HeaderFacts {
                entry: IndexEntry::clone(entry),
                confirmations: if active { tip_height - i64::from(entry.height) + 1 } else { -1 },
                median_time: median_time(entry, |h| table.entries.get(h).map(|e| &**e)),
                next: if active { table.active.get(entry.height as usize + 1).copied() } else { None },
                pow_hash: None,
            }
        };
        facts.pow_hash = self.pow_hash(&facts.entry);
        Some(facts)
    }

    /// The block's proof-of-work hash (none for genesis), computed once and
    /// remembered; the hashing runs outside the lock.
    pub fn pow_hash(&self, entry: &IndexEntry) -> Option<[u8; 32]> {
        let algo = PowAlgo::from_version(entry.header.version.to_consensus()).filter(|_| entry.height > 0)?;
        if let Some(hash) = self.read().pow.get(&entry.hash) {
            return Some(*hash);
        }
        let hash = consensus::pow_hash(algo, &header_bytes(&entry.header));
        let mut table = self.0.write().unwrap_or_else(PoisonError::into_inner);
        if table.pow.len() >= POW_MEMO_ENTRIES {
            table.pow.clear();
        }
        table.pow.insert(entry.hash, hash);
        Some(hash)
    }
}
