//! Fee estimation from confirmed blocks: the feerates of the transactions
//! this node saw in its mempool and then saw confirmed, by block.

use std::collections::VecDeque;

/// Blocks of history kept.
const HISTORY: usize = 1008;

#[derive(Default)]
pub struct FeeEstimator {
    /// Per confirmed block (newest last), the feerates (zats/kvB) of the
    /// mempool transactions it confirmed.
    blocks: VecDeque<Vec<u64>>,
}

impl FeeEstimator {
    pub fn record_block(&mut self, feerates: Vec<u64>) {
        self.blocks.push_back(feerates);
        if self.blocks.len() > HISTORY {
            self.blocks.pop_front();
        }
    }

    /// A block being disconnected takes its record with it.
    pub fn forget_last_block(&mut self) {
        self.blocks.pop_back();
    }

    /// A feerate (zats/kvB) that got transactions confirmed within `target`
    /// blocks: the median feerate confirmed over the last `target` blocks
    /// (at least 6, so a single block does not decide), or `None` without data.
    pub fn estimate(&self, target: usize) -> Option<u64> {
        let window = target.max(6).min(self.blocks.len());
        let mut rates: Vec<u64> = self.blocks.iter().rev().take(window).flatten().copied().collect();
        if rates.is_empty() {
            return None;
        }
        rates.sort_unstable();
        Some(rates[rates.len() / 2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_of_recent_blocks() {
        let mut est = FeeEstimator::default();
        assert_eq!(est.estimate(2), None);
        for rates in [vec![1_000, 2_000], vec![5_000], vec![3_000, 4_000]] {
            est.record_block(rates);
        }
        assert_eq!(est.estimate(2), Some(3_000));
        est.forget_last_block();
        assert_eq!(est.estimate(2), Some(2_000));
    }
}
