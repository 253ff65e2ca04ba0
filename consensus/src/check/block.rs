//! Context-free block checks (Core's `CheckBlock`).

use primitives::{Block, MAX_BLOCK_WEIGHT, WITNESS_SCALE_FACTOR};

use super::{check_transaction, MAX_BLOCK_SIGOPS_COST};
use crate::error::BlockError;
use crate::params::ChainParams;
use crate::pow::check_proof_of_work;

/// Proof of work, merkle root (and mutation), size limits, one coinbase
/// first, every transaction's context-free rules, legacy sigops.
pub fn check_block(block: &Block, params: &ChainParams) -> Result<(), BlockError> {
    check_proof_of_work(&block.header, params)?;

    let (root, mutated) = block.compute_merkle_root();
    if root != block.header.merkle_root {
        return Err(BlockError::BadMerkleRoot);
    }
    if mutated {
        return Err(BlockError::MerkleMutated);
    }

    let tx_count = block.txdata.len() as u64;
    let stripped: u64 = block.txdata.iter().map(|tx| tx.base_size() as u64).sum();
    if tx_count == 0
        || tx_count * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT
        || stripped * WITNESS_SCALE_FACTOR > MAX_BLOCK_WEIGHT
    {
        return Err(BlockError::BadLength);
    }

    if !block.txdata[0].is_coinbase() {
        return Err(BlockError::NoCoinbase);
    }
    if block.txdata[1..].iter().any(|tx| tx.is_coinbase()) {
        return Err(BlockError::MultipleCoinbase);
    }

    let mut sigops: u64 = 0;
    for (index, tx) in block.txdata.iter().enumerate() {
        check_transaction(tx).map_err(|error| BlockError::Transaction { index, txid: tx.txid(), error })?;
        sigops += script::sigops::legacy_sigops(tx) as u64;
    }
    if sigops * WITNESS_SCALE_FACTOR > MAX_BLOCK_SIGOPS_COST {
        return Err(BlockError::TooManySigops { count: sigops * WITNESS_SCALE_FACTOR });
    }
    Ok(())
}
