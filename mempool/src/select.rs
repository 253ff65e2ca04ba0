//! Choosing a block's transactions by ancestor feerate (Core's package
//! selection), so that a high-fee child pulls in its low-fee parent (CPFP).

use std::collections::HashSet;

use primitives::{Transaction, Txid, MAX_BLOCK_WEIGHT};

use crate::pool::Mempool;

/// Weight and sigop cost kept free for the coinbase (Core's defaults).
const COINBASE_WEIGHT_RESERVE: u64 = 4_000;
const COINBASE_SIGOPS_RESERVE: u64 = 400;
const MAX_BLOCK_SIGOPS_COST: u64 = 80_000;

/// The transactions for a block, parents before children, and their fees.
pub fn select_transactions(pool: &Mempool) -> (Vec<Transaction>, u64) {
    let mut chosen: Vec<Txid> = Vec::new();
    let mut included: HashSet<Txid> = HashSet::new();
    let mut weight = COINBASE_WEIGHT_RESERVE;
    let mut sigops = COINBASE_SIGOPS_RESERVE;
    let mut fees = 0u64;
    let mut skipped: HashSet<Txid> = HashSet::new();
    loop {
        // The package (entry + ancestors not yet in) with the best feerate.
        let mut best: Option<(u128, u128, Vec<Txid>)> = None;
        for entry in pool.entries() {
            if included.contains(&entry.txid) || skipped.contains(&entry.txid) {
                continue;
            }
            let mut package: Vec<Txid> =
                pool.ancestors(&entry.txid).into_iter().filter(|a| !included.contains(a)).collect();
            package.push(entry.txid);
            let (fee, size) = package
                .iter()
                .filter_map(|t| pool.get(t))
                .fold((0u128, 0u128), |(f, s), e| (f + u128::from(pool.modified_fee(e)), s + u128::from(e.vsize)));
            let better = match &best {
                None => true,
                Some((bf, bs, _)) => fee * bs > bf * size,
            };
            if better {
                best = Some((fee, size, package));
            }
        }
        let Some((_, _, package)) = best else { break };
        let package_weight: u64 = package.iter().filter_map(|t| pool.get(t)).map(|e| e.tx.weight()).sum();
        let package_sigops: u64 = package.iter().filter_map(|t| pool.get(t)).map(|e| e.sigop_cost).sum();
        if weight + package_weight > MAX_BLOCK_WEIGHT || sigops + package_sigops > MAX_BLOCK_SIGOPS_COST {
            // Does not fit: never try this package's tip again.
            if let Some(tip) = package.last() {
                skipped.insert(*tip);
            }
            continue;
        }
        // Parents first: order the package by ancestor count.
        let mut ordered = package;
        ordered.sort_by_key(|t| pool.ancestors(t).len());
        for t in ordered {
            if included.insert(t) {
                if let Some(e) = pool.get(&t) {
                    weight += e.tx.weight();
                    sigops += e.sigop_cost;
                    fees += e.fee;
                }
                chosen.push(t);
            }
        }
    }
    let txs = chosen.iter().filter_map(|t| pool.get(t)).map(|e| e.tx.clone()).collect();
    (txs, fees)
}
