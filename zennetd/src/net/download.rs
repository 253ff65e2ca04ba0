//! Which blocks to ask peers for (headers-first download): the blocks on
//! the way to a peer's best header that the chain lacks, lowest first,
//! within a window above the tip. The path to each target is remembered with
//! a cursor at its first block without data, so a call costs the window, not
//! the length of the chain. This state belongs to the peer manager (as
//! Core's PeerManager owns block download); the chain is only read.

use std::collections::HashMap;

use primitives::BlockHash;

use crate::chainstate::Chainstate;

/// Targets whose paths are remembered at once (peers mostly share one).
const MAX_PATHS: usize = 16;

/// A block the node should fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Download {
    pub hash: BlockHash,
    pub height: u32,
}

struct Path {
    hashes: Vec<BlockHash>,
    /// Index of the first block that may still lack data.
    cursor: usize,
}

#[derive(Default)]
pub struct DownloadPlanner {
    paths: HashMap<BlockHash, Path>,
}

impl DownloadPlanner {
    /// Blocks on the way to `target` that `chain` lacks, lowest first,
    /// within `window` blocks of its tip, at most `max`, leaving out `skip`
    /// and those below `from_height` (a pruned peer has only recent blocks).
    /// Empty if that chain contains an invalid block (checked on every call,
    /// so marking blocks invalid or valid again needs no notice here).
    pub fn blocks_to_download(
        &mut self,
        chain: &Chainstate,
        target: &BlockHash,
        max: usize,
        window: u32,
        from_height: u32,
        skip: &dyn Fn(&BlockHash) -> bool,
    ) -> Vec<Download> {
        let limit = chain.tip().height + window;
        if !self.paths.contains_key(target) {
            let Some(branch) = chain.branch_off(target) else { return Vec::new() };
            if self.paths.len() >= MAX_PATHS {
                self.paths.clear();
            }
            self.paths.insert(*target, Path { hashes: branch.blocks, cursor: 0 });
        }
        let Some(path) = self.paths.get_mut(target) else { return Vec::new() };
        // Blocks only gain data while the path stays valid: the cursor only moves up.
        while path.hashes.get(path.cursor).and_then(|h| chain.entry(h)).is_some_and(|e| e.status.has_data) {
            path.cursor += 1;
        }
        let mut wanted = Vec::new();
        for hash in &path.hashes[path.cursor.min(path.hashes.len())..] {
            let Some(entry) = chain.entry(hash) else { break };
            if entry.status.is_invalid() {
                return Vec::new();
            }
            if entry.height > limit || wanted.len() >= max {
                break;
            }
            if !entry.status.has_data && entry.height >= from_height && !skip(hash) {
                wanted.push(Download { hash: *hash, height: entry.height });
            }
        }
        wanted
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use consensus::ChainParams;
    use primitives::{Address, Block, Header, Network, PowAlgo};
    use script::cache::SignatureCache;

    use super::*;
    use crate::chainstate::{Accepted, ChainOptions};
    use crate::miner::solve;
    use crate::store::MemoryStore;

    fn regtest() -> Chainstate {
        let options = ChainOptions { script_threads: 2, txindex: true, cache_bytes: 4096, prune: None };
        let cache = Arc::new(SignatureCache::new(1000, [1; 32]));
        Chainstate::open(Arc::new(ChainParams::regtest()), Box::new(MemoryStore::default()), cache, options).unwrap()
    }

    fn now(cs: &Chainstate) -> i64 {
        i64::from(cs.params().genesis.header.time) + 1000
    }

    fn mine(cs: &mut Chainstate) -> BlockHash {
        let script = Address::p2wpkh([7; 20], Network::Regtest).script_pubkey().clone();
        let (tip, height) = (cs.tip().hash, cs.tip().height);
        let mut block = cs.block_template_on(&tip, PowAlgo::Sha256d, &script, now(cs), height, Vec::new(), 0).unwrap();
        assert!(solve(&mut block, PowAlgo::Sha256d, &mut 1_000_000));
        let hash = block.block_hash();
        let t = now(cs);
        assert_eq!(cs.submit_block(block, t).unwrap(), Accepted::Active);
        hash
    }

    #[test]
    fn headers_first_download_picks_the_lowest_missing_blocks_within_the_window() {
        // A source chain of 30 blocks; the syncing chain gets only headers.
        let mut source = regtest();
        let hashes: Vec<BlockHash> = (0..30).map(|_| mine(&mut source)).collect();
        let blocks: Vec<Block> = hashes.iter().map(|h| source.block(h).unwrap().unwrap()).collect();
        let mut cs = regtest();
        let headers: Vec<Header> = blocks.iter().map(|b| b.header).collect();
        cs.accept_headers(&headers, now(&cs)).unwrap();
        let mut planner = DownloadPlanner::default();

        let target = hashes[29];
        let first = planner.blocks_to_download(&cs, &target, 4, 1024, 0, &|_| false);
        assert_eq!(first.iter().map(|d| d.height).collect::<Vec<_>>(), vec![1, 2, 3, 4]);
        // Skipped (in flight) blocks are left out; the window bounds the height.
        let skip: std::collections::HashSet<BlockHash> = first.iter().map(|d| d.hash).collect();
        let next = planner.blocks_to_download(&cs, &target, 100, 10, 0, &|h| skip.contains(h));
        assert_eq!(next.iter().map(|d| d.height).collect::<Vec<_>>(), (5..=10).collect::<Vec<_>>());

        // Blocks arriving out of order are stored; the tip moves when the gap closes.
        let t = now(&cs);
        cs.submit_block(blocks[2].clone(), t).unwrap();
        cs.submit_block(blocks[1].clone(), t).unwrap();
        assert_eq!(cs.tip().height, 0);
        cs.submit_block(blocks[0].clone(), t).unwrap();
        assert_eq!(cs.tip().height, 3);
        let after = planner.blocks_to_download(&cs, &target, 2, 1024, 0, &|_| false);
        assert_eq!(after.iter().map(|d| d.height).collect::<Vec<_>>(), vec![4, 5]);
        for block in &blocks[3..] {
            cs.submit_block(block.clone(), t).unwrap();
        }
        assert_eq!(cs.tip().hash, target);
        assert!(planner.blocks_to_download(&cs, &target, 16, 1024, 0, &|_| false).is_empty());

        // A chain with an invalid block is not downloaded.
        let mut other = regtest();
        let mut side = regtest();
        for _ in 0..3 {
            mine(&mut side);
        }
        let side_tip = side.tip().hash;
        let side_headers: Vec<Header> =
            (1..=3).map(|h| side.block(&side.hash_at(h).unwrap()).unwrap().unwrap().header).collect();
        other.accept_headers(&side_headers, now(&other)).unwrap();
        let mut planner = DownloadPlanner::default();
        assert_eq!(planner.blocks_to_download(&other, &side_tip, 16, 1024, 0, &|_| false).len(), 3);
        other.invalidate_block(&side.hash_at(2).unwrap()).unwrap();
        assert!(planner.blocks_to_download(&other, &side_tip, 16, 1024, 0, &|_| false).is_empty());
    }
}
