//! Choosing a block's transactions by ancestor feerate (Core's package
//! selection), so that a high-fee child pulls in its low-fee parent (CPFP).
//! Each candidate's score is its fee and size together with its ancestors
//! not yet chosen; a heap holds the scores and stale ones are recomputed
//! when they surface.

use std::cmp::Ordering;
use std::collections::{BinaryHeap, HashMap, HashSet};

use primitives::{HashedTx, Txid, MAX_BLOCK_WEIGHT};

use crate::pool::Mempool;

/// Weight and sigop cost kept free for the coinbase (Core's defaults).
const COINBASE_WEIGHT_RESERVE: u64 = 4_000;
const COINBASE_SIGOPS_RESERVE: u64 = 400;
const MAX_BLOCK_SIGOPS_COST: u64 = 80_000;

/// A package score: fee over size, compared exactly.
#[derive(PartialEq, Eq)]
struct Scored {
    fee: u128,
    size: u128,
    txid: Txid,
    /// The ancestor count it was computed with, to spot stale entries.
    pending: usize,
}

impl Ord for Scored {
    fn cmp(&self, other: &Self) -> Ordering {
        (self.fee * other.size).cmp(&(other.fee * self.size)).then_with(|| other.txid.cmp(&self.txid))
    }
}

impl PartialOrd for Scored {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The transactions for a block, parents before children, and their fees.
pub fn select_transactions(pool: &Mempool) -> (Vec<HashedTx>, u64) {
    let ancestors: HashMap<Txid, HashSet<Txid>> =
        pool.entries().map(|e| (e.txid(), pool.ancestors(&e.txid()))).collect();
    let included_set =
        |set: &HashSet<Txid>, included: &HashSet<Txid>| set.iter().filter(|a| !included.contains(*a)).count();
    let score = |txid: &Txid, included: &HashSet<Txid>| -> Option<Scored> {
        let entry = pool.get(txid)?;
        let pending: Vec<&Txid> = ancestors.get(txid)?.iter().filter(|a| !included.contains(*a)).collect();
        let (fee, size) = pending
            .iter()
            .filter_map(|t| pool.get(t))
            .chain(std::iter::once(entry))
            .fold((0u128, 0u128), |(f, s), e| (f + u128::from(pool.modified_fee(e)), s + u128::from(e.vsize)));
        Some(Scored { fee, size, txid: *txid, pending: pending.len() })
    };

    let mut included: HashSet<Txid> = HashSet::new();
    let mut heap: BinaryHeap<Scored> = pool.entries().filter_map(|e| score(&e.txid(), &included)).collect();
    let mut chosen = Vec::new();
    let (mut weight, mut sigops, mut fees) = (COINBASE_WEIGHT_RESERVE, COINBASE_SIGOPS_RESERVE, 0u64);
    // As Core: -blockmaxweight between the coinbase reserve and the consensus limit.
    let max_weight =
        pool.policy().block_max_weight.clamp(COINBASE_WEIGHT_RESERVE, MAX_BLOCK_WEIGHT - COINBASE_WEIGHT_RESERVE);
    let min_feerate = u128::from(pool.policy().block_min_feerate);
    while let Some(top) = heap.pop() {
        if included.contains(&top.txid) {
            continue;
        }
        let Some(set) = ancestors.get(&top.txid) else { continue };
        if included_set(set, &included) != top.pending {
            // Some ancestors were chosen since: score again.
            if let Some(fresh) = score(&top.txid, &included) {
                heap.push(fresh);
            }
            continue;
        }
        // Packages come best feerate first: once one is below -blockmintxfee, all after are.
        if top.fee * 1000 < min_feerate * top.size {
            break;
        }
        let mut package: Vec<Txid> = set.iter().filter(|a| !included.contains(*a)).copied().collect();
        package.push(top.txid);
        let entries: Vec<_> = package.iter().filter_map(|t| pool.get(t)).collect();
        let package_weight: u64 = entries.iter().map(|e| e.tx.weight()).sum();
        let package_sigops: u64 = entries.iter().map(|e| e.sigop_cost).sum();
        if weight + package_weight > max_weight || sigops + package_sigops > MAX_BLOCK_SIGOPS_COST {
            continue; // does not fit; smaller packages may
        }
        // Parents first: fewer ancestors sort earlier.
        package.sort_by_key(|t| ancestors.get(t).map_or(0, HashSet::len));
        for t in package {
            if let Some(e) = pool.get(&t) {
                if included.insert(t) {
                    weight += e.tx.weight();
                    sigops += e.sigop_cost;
                    fees += e.fee;
                    chosen.push(e.tx.clone());
                }
            }
        }
    }
    (chosen, fees)
}
