//! What a wallet needs to catch up with the active chain from the last
//! block it saw: the blocks to take back (a reorg) and the blocks to add.

use primitives::{Block, BlockHash};

use super::Chainstate;
use crate::store::StoreError;

/// The way from a wallet's best block to the active chain.
pub struct ChainPath {
    /// Blocks no longer active, newest first: (hash, height, parent).
    pub disconnect: Vec<(BlockHash, u32, BlockHash)>,
    /// Active blocks to add, in order: (hash, height, block).
    pub connect: Vec<(BlockHash, u32, Block)>,
    pub tip_height: u32,
}

impl Chainstate {
    /// From `from` (None: before genesis) towards the tip, at most `max` blocks to add.
    pub fn path_from(&self, from: Option<BlockHash>, max: usize) -> Result<ChainPath, StoreError> {
        let mut disconnect = Vec::new();
        let mut start = 0u32;
        if let Some(branch) = from.and_then(|h| self.branch_off(&h)) {
            for entry in branch.blocks.iter().rev().filter_map(|h| self.index.get(h)) {
                disconnect.push((entry.hash, entry.height, entry.header.prev_blockhash));
            }
            start = branch.fork_height + 1;
        }
        let tip = self.tip().height;
        let mut connect = Vec::new();
        let mut height = start;
        while height <= tip && connect.len() < max {
            let Some(hash) = self.hash_at(height) else { break };
            let Some(block) = self.block(&hash)? else {
                if self.is_pruned(&hash) {
                    return Err(StoreError::Pruned(hash));
                }
                break;
            };
            connect.push((hash, height, block));
            height += 1;
        }
        Ok(ChainPath { disconnect, connect, tip_height: tip })
    }
}
