//! Blocks to be mined on any known block: a coinbase paying the subsidy (and
//! the premine at height 1) with Core's segwit witness commitment, carrying
//! the transactions the caller chose (see `node_state::template`).

use bitcoin::block::Version;
use bitcoin::hashes::Hash;
use consensus::check::coinbase_height_script;
use consensus::subsidy::block_subsidy;
use primitives::block::witness_commitment_script;
use primitives::{
    Amount, Block, CompactTarget, HashedTx, Header, OutPoint, PowAlgo, ScriptBuf, Sequence, Transaction, TxIn,
    TxMerkleNode, TxOut, Witness,
};

use consensus::difficulty::{median_time_past, next_bits};
use primitives::BlockHash;

use super::{BranchView, Chainstate};

impl Chainstate {
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
        txs: Vec<HashedTx>,
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
            txdata: std::iter::once(HashedTx::new(coinbase)).chain(txs).collect(),
        };
        let commitment = block.compute_witness_commitment(&[0u8; 32]);
        block.txdata[0].modify(|coinbase| {
            coinbase.output.push(TxOut { value: Amount::ZERO, script_pubkey: witness_commitment_script(&commitment) })
        });
        block.header.merkle_root = block.compute_merkle_root().0;
        Some(block)
    }
}
