//! The market index: tasks confirmed on the active chain and not long
//! expired, by task id. Kept in step by the chain's block events; read by
//! mempool policy (acceptances need an open task) and, later, the market RPCs.

use std::collections::HashMap;

use mempool::market::TaskInfo;
use primitives::Transaction;

use crate::chainstate::{ChainError, Chainstate};

/// Heights a task can matter: its longest expiry plus the serving margin.
const MAX_TASK_LIFETIME: u32 = 43_200 + 100;

#[derive(Default)]
pub struct MarketIndex {
    tasks: HashMap<[u8; 32], TaskInfo>,
}

impl MarketIndex {
    /// Built from the blocks of the last 43,300 heights (no task outlives
    /// its expiry of at most 43,200 blocks).
    pub fn rebuild(chain: &Chainstate) -> Result<MarketIndex, ChainError> {
        let mut index = MarketIndex::default();
        let tip = chain.tip().height;
        for height in tip.saturating_sub(MAX_TASK_LIFETIME)..=tip {
            let Some(hash) = chain.hash_at(height) else { continue };
            let Some(block) = chain.block(&hash)? else { continue };
            index.block_connected(&block.txdata, height);
        }
        Ok(index)
    }

    /// Records the tasks of a block connected at `height`, forgetting long-expired ones.
    pub fn block_connected(&mut self, txs: &[Transaction], height: u32) {
        for tx in txs.iter().filter(|tx| tx.is_announcement()) {
            if let Some((id, info)) = TaskInfo::from_tx(tx, Some(height)) {
                self.tasks.insert(id, info);
            }
        }
        self.tasks.retain(|_, t| !t.expired_at(height.saturating_sub(100)));
    }

    /// Forgets the tasks of a disconnected block.
    pub fn block_disconnected(&mut self, txs: &[Transaction]) {
        for tx in txs.iter().filter(|tx| tx.is_announcement()) {
            if let Some((id, _)) = TaskInfo::from_tx(tx, None) {
                self.tasks.remove(&id);
            }
        }
    }

    /// A confirmed task, by id.
    pub fn task(&self, id: &[u8; 32]) -> Option<TaskInfo> {
        self.tasks.get(id).cloned()
    }
}
