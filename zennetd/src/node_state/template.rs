//! Block assembly from the mempool: the transactions for the next block,
//! each checked against the tip's coins, on the chain's block builder; and
//! the parts of a template for external miners.

use std::collections::HashSet;

use consensus::subsidy::block_subsidy;
use primitives::block::{witness_commitment, witness_commitment_script, witness_merkle_root};
use primitives::{Block, BlockHash, HashedTx, OutPoint, PowAlgo, ScriptBuf};

use super::NodeState;

impl NodeState {
    /// The mempool's transactions for the next block (by ancestor feerate),
    /// each checked against the tip's UTXO set and the ones before it. The
    /// mempool is kept consistent with the chain, so a transaction that fails
    /// here is a bug elsewhere: it is logged and evicted with its descendants,
    /// rather than making every template invalid (Core's
    /// `TestBlockValidity` after assembly, done before it).
    fn select_for_block(&mut self) -> (Vec<HashedTx>, u64) {
        loop {
            let (txs, fees) = mempool::select::select_transactions(self.mempool.pool());
            let Some((txid, why)) = self.first_unminable(&txs) else {
                // As Core: the weight counts the 4,000 reserved for the coinbase.
                let weight = 4_000 + txs.iter().map(|t| t.weight()).sum::<u64>();
                self.last_template = Some((weight, txs.len()));
                return (txs, fees);
            };
            tracing::error!("block assembly: mempool transaction {txid} {why}; evicting it and its descendants");
            self.mempool.pool_mut().remove_with_descendants(&txid);
        }
    }

    /// The first of `txs` (in block order) that cannot follow the ones before
    /// it on the tip, and why.
    fn first_unminable(&self, txs: &[HashedTx]) -> Option<(primitives::Txid, &'static str)> {
        let height = self.chain.tip().height + 1;
        let mtp = self.chain.median_time_past(height - 1);
        let mut created: HashSet<OutPoint> = HashSet::new();
        let mut spent: HashSet<OutPoint> = HashSet::new();
        for tx in txs {
            let txid = tx.txid();
            if !consensus::check::is_final(tx, height, mtp) {
                return Some((txid, "is not final"));
            }
            for txin in &tx.input {
                let outpoint = txin.previous_output;
                if !spent.insert(outpoint) {
                    return Some((txid, "spends an output spent earlier in the block"));
                }
                if created.contains(&outpoint) {
                    continue;
                }
                match self.chain.coin(&outpoint) {
                    Ok(Some(coin))
                        if coin.is_coinbase && height - coin.height < self.chain.params().coinbase_maturity =>
                    {
                        return Some((txid, "spends an immature coinbase"));
                    }
                    Ok(Some(_)) => {}
                    Ok(None) => return Some((txid, "spends an output missing from the UTXO set")),
                    Err(e) => {
                        tracing::error!("block assembly: reading coin {outpoint}: {e}");
                        return Some((txid, "spends an output that could not be read"));
                    }
                }
            }
            created.extend((0..tx.output.len() as u32).map(|vout| OutPoint { txid, vout }));
        }
        None
    }

    /// A block of `algo` on the active tip paying `script_pubkey` the subsidy
    /// and the fees of the mempool transactions it carries (chosen by
    /// ancestor feerate), not yet solved. `extra_nonce` makes coinbases (and
    /// so merkle roots) distinct.
    pub fn block_template(&mut self, algo: PowAlgo, script_pubkey: &ScriptBuf, now: i64, extra_nonce: u32) -> Block {
        let tip = self.chain.tip().hash;
        let (txs, fees) = self.select_for_block();
        self.chain
            .block_template_on(&tip, algo, script_pubkey, now, extra_nonce, txs, fees)
            .expect("the active tip is indexed")
    }
}

/// What `getblocktemplate` hands to external miners.
pub struct TemplateParts {
    pub height: u32,
    pub previous: BlockHash,
    pub version: i32,
    pub bits: u32,
    pub mintime: i64,
    pub curtime: i64,
    /// Mempool transactions chosen by ancestor feerate, with fee and sigop cost.
    pub transactions: Vec<(HashedTx, u64, u64)>,
    pub coinbase_value: u64,
    /// The coinbase output committing to the witnesses (reserved value of zeros).
    pub witness_commitment: ScriptBuf,
}

impl NodeState {
    /// The parts of a block of `algo` on the tip for an external miner.
    pub fn template_parts(&mut self, algo: PowAlgo, now: i64) -> TemplateParts {
        let (txs, fees) = self.select_for_block();
        let tip = self.chain.tip();
        let height = tip.height + 1;
        let mintime = self.chain.median_time_past(tip.height) + 1;
        let transactions: Vec<(HashedTx, u64, u64)> = txs
            .into_iter()
            .map(|tx| {
                let entry = self.mempool.pool().get(&tx.txid());
                let (fee, sigops) = entry.map_or((0, 0), |e| (e.fee, e.sigop_cost));
                (tx, fee, sigops)
            })
            .collect();
        // The witness commitment does not depend on the coinbase (its wtxid counts as zero).
        let witness_root = witness_merkle_root(transactions.iter().map(|(tx, _, _)| tx.wtxid()));
        let commitment = witness_commitment(witness_root, &[0u8; 32]);
        TemplateParts {
            height,
            previous: tip.hash,
            version: algo.block_version(),
            bits: self.chain.next_bits(algo),
            mintime,
            curtime: now.max(mintime),
            transactions,
            coinbase_value: block_subsidy(height, self.chain.params()) + fees,
            witness_commitment: witness_commitment_script(&commitment),
        }
    }
}
