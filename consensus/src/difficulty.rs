//! Per-algorithm difficulty (DigiByte's MultiShield, DESIGN.md section 3).

use num_bigint::BigUint;
use primitives::PowAlgo;

use crate::params::ChainParams;
use crate::target::{from_compact, to_compact};

/// What the difficulty rules need to know of a block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockSummary {
    pub height: u32,
    pub time: u32,
    pub bits: u32,
    /// `None` for the genesis block, which counts for no algorithm.
    pub algo: Option<PowAlgo>,
}

/// Read access to the chain being extended, by height.
pub trait HeaderChain {
    /// The block at `height` on this chain.
    fn at_height(&self, height: u32) -> Option<BlockSummary>;

    /// The most recent block mined with `algo` at or below `height`. The
    /// default walks back; a block index keeps a pointer instead.
    fn last_of_algo(&self, algo: PowAlgo, height: u32) -> Option<BlockSummary> {
        (1..=height).rev().filter_map(|h| self.at_height(h)).find(|b| b.algo == Some(algo))
    }
}

impl HeaderChain for [BlockSummary] {
    fn at_height(&self, height: u32) -> Option<BlockSummary> {
        self.get(height as usize).copied()
    }
}

impl HeaderChain for Vec<BlockSummary> {
    fn at_height(&self, height: u32) -> Option<BlockSummary> {
        self.as_slice().at_height(height)
    }
}

/// Median of the timestamps of the (up to) 11 blocks ending at `height`.
pub fn median_time_past(chain: &(impl HeaderChain + ?Sized), height: u32) -> i64 {
    let first = height.saturating_sub(10);
    let mut times: Vec<u32> = (first..=height).filter_map(|h| chain.at_height(h)).map(|b| b.time).collect();
    times.sort_unstable();
    times.get(times.len() / 2).map_or(0, |&t| i64::from(t))
}

/// Target of the next block of `algo` after `tip`, before compact encoding.
pub fn next_target(
    params: &ChainParams,
    chain: &(impl HeaderChain + ?Sized),
    tip: &BlockSummary,
    algo: PowAlgo,
) -> BigUint {
    let pow_limit = params.pow_limit(algo);
    if params.no_retargeting {
        return params.initial_target(algo);
    }
    let window = params.averaging_window;
    let prev = match chain.last_of_algo(algo, tip.height) {
        Some(prev) if tip.height >= window => prev,
        _ => return params.initial_target(algo),
    };
    let target_span = i64::from(window) * params.target_spacing;
    let mut span = median_time_past(chain, tip.height) - median_time_past(chain, tip.height - window);
    span = target_span + (span - target_span) / 4;
    span = span.clamp(target_span * 92 / 100, target_span * 116 / 100);

    let prev_target = from_compact(prev.bits).unwrap_or_else(|| pow_limit.clone());
    let mut next = prev_target * BigUint::from(span as u64) / BigUint::from(target_span as u64);
    let k = i64::from(prev.height) + 4 - i64::from(tip.height);
    if k > 0 {
        for _ in 0..k {
            next = next * 100u32 / 104u32;
        }
    } else {
        for _ in 0..-k {
            if next >= pow_limit {
                break;
            }
            next = next * 104u32 / 100u32;
        }
    }
    next.min(pow_limit)
}

/// Compact bits the next block of `algo` after `tip` must carry.
pub fn next_bits(params: &ChainParams, chain: &(impl HeaderChain + ?Sized), tip: &BlockSummary, algo: PowAlgo) -> u32 {
    to_compact(&next_target(params, chain, tip, algo))
}

/// Length of the run of `algo` blocks ending at `tip` (0 if tip is another algo).
pub fn consecutive_algo_run(chain: &(impl HeaderChain + ?Sized), tip: &BlockSummary, algo: PowAlgo) -> u32 {
    let mut run = 0;
    let mut height = tip.height;
    while let Some(block) = chain.at_height(height) {
        if block.algo != Some(algo) {
            break;
        }
        run += 1;
        if height == 0 {
            break;
        }
        height -= 1;
    }
    run
}

#[cfg(test)]
mod tests;
