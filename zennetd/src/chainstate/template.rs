//! Block templates for the local miner: a coinbase paying the subsidy (and
//! the premine at height 1) with Core's segwit witness commitment.

use std::collections::HashSet;

use bitcoin::block::Version;
use bitcoin::hashes::Hash;
use consensus::check::coinbase_height_script;
use consensus::subsidy::block_subsidy;
use primitives::block::witness_commitment_script;
use primitives::{
    Amount, Block, CompactTarget, Header, OutPoint, PowAlgo, ScriptBuf, Sequence, Transaction, TxIn, TxMerkleNode,
    TxOut, Witness,
};

use consensus::difficulty::{median_time_past, next_bits};
use primitives::BlockHash;

use super::{BranchView, Chainstate};

impl Chainstate {
    /// The mempool's transactions for the next block (by ancestor feerate),
    /// each checked against the tip's UTXO set and the ones before it. The
    /// mempool is kept consistent with the chain, so a transaction that fails
    /// here is a bug elsewhere: it is logged and evicted with its descendants,
    /// rather than making every template invalid (Core's
    /// `TestBlockValidity` after assembly, done before it).
    fn select_for_block(&mut self) -> (Vec<Transaction>, u64) {
        loop {
            let (txs, fees) = mempool::select::select_transactions(self.mempool());
            let Some((txid, why)) = self.first_unminable(&txs) else {
                return (txs, fees);
            };
            tracing::error!("block assembly: mempool transaction {txid} {why}; evicting it and its descendants");
            self.mempool.remove_with_descendants(&txid);
        }
    }

    /// The first of `txs` (in block order) that cannot follow the ones before
    /// it on the tip, and why.
    fn first_unminable(&self, txs: &[Transaction]) -> Option<(primitives::Txid, &'static str)> {
        let height = self.tip().height + 1;
        let mtp = self.median_time_past(height - 1);
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
                match self.coin(&outpoint) {
                    Ok(Some(coin)) if coin.is_coinbase && height - coin.height < self.params().coinbase_maturity => {
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
        let tip = self.tip().hash;
        let (txs, fees) = self.select_for_block();
        self.block_template_on(&tip, algo, script_pubkey, now, extra_nonce, txs, fees)
            .expect("the active tip is indexed")
    }

    /// A block of `algo` on `parent` (any known block) carrying `txs` after
    /// the coinbase, which claims the subsidy and `fees`.
    #[allow(clippy::too_many_arguments)]
    pub fn block_template_on(
        &self,
        parent: &BlockHash,
        algo: PowAlgo,
        script_pubkey: &ScriptBuf,
        now: i64,
        extra_nonce: u32,
        txs: Vec<Transaction>,
        fees: u64,
    ) -> Option<Block> {
        let view = BranchView::new(self.index(), &self.active, parent)?;
        let tip = self.index().get(parent)?.summary();
        let height = tip.height + 1;
        let mut script_sig = coinbase_height_script(height);
        script_sig.push(4);
        script_sig.extend_from_slice(&extra_nonce.to_le_bytes());

        let mut outputs = vec![TxOut {
            value: Amount::from_sat(block_subsidy(height, self.params()) + fees),
            script_pubkey: script_pubkey.clone(),
        }];
        if let (1, Some(premine)) = (height, &self.params().premine) {
            outputs.push(TxOut {
                value: Amount::from_sat(premine.amount),
                script_pubkey: premine.foundation_script.clone(),
            });
        }
        let coinbase = Transaction {
            version: 2,
            input: vec![TxIn {
                previous_output: OutPoint::null(),
                script_sig: ScriptBuf::from_bytes(script_sig),
                sequence: Sequence::MAX,
                witness: Witness::from_slice(&[[0u8; 32]]),
            }],
            output: outputs,
            announcement: None,
            lock_time: 0,
        };
        let time = now.max(median_time_past(&view, tip.height) + 1) as u32;
        let mut block = Block {
            header: Header {
                version: Version::from_consensus(algo.block_version()),
                prev_blockhash: *parent,
                merkle_root: TxMerkleNode::all_zeros(),
                time,
                bits: CompactTarget::from_consensus(next_bits(self.params(), &view, &tip, algo)),
                nonce: 0,
            },
            txdata: std::iter::once(coinbase).chain(txs).collect(),
        };
        let commitment = block.compute_witness_commitment(&[0u8; 32]);
        block.txdata[0]
            .output
            .push(TxOut { value: Amount::ZERO, script_pubkey: witness_commitment_script(&commitment) });
        block.header.merkle_root = block.compute_merkle_root().0;
        Some(block)
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
    pub transactions: Vec<(Transaction, u64, u64)>,
    pub coinbase_value: u64,
    /// The coinbase output committing to the witnesses (reserved value of zeros).
    pub witness_commitment: ScriptBuf,
}

impl Chainstate {
    /// The parts of a block of `algo` on the tip for an external miner.
    pub fn template_parts(&mut self, algo: PowAlgo, now: i64) -> TemplateParts {
        let (txs, fees) = self.select_for_block();
        let tip = self.tip();
        let height = tip.height + 1;
        let mintime = self.median_time_past(tip.height) + 1;
        let transactions: Vec<(Transaction, u64, u64)> = txs
            .into_iter()
            .map(|tx| {
                let entry = self.mempool().get(&tx.txid());
                let (fee, sigops) = entry.map_or((0, 0), |e| (e.fee, e.sigop_cost));
                (tx, fee, sigops)
            })
            .collect();
        // The witness commitment does not depend on the coinbase (its wtxid counts as zero).
        let probe = Block {
            header: self.tip().header,
            txdata: std::iter::once(Transaction {
                version: 2,
                input: vec![],
                output: vec![],
                announcement: None,
                lock_time: 0,
            })
            .chain(transactions.iter().map(|(tx, _, _)| tx.clone()))
            .collect(),
        };
        let commitment = probe.compute_witness_commitment(&[0u8; 32]);
        TemplateParts {
            height,
            previous: tip.hash,
            version: algo.block_version(),
            bits: self.next_bits(algo),
            mintime,
            curtime: now.max(mintime),
            transactions,
            coinbase_value: block_subsidy(height, self.params()) + fees,
            witness_commitment: witness_commitment_script(&commitment),
        }
    }
}
