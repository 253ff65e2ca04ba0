//! Checks that need the chain the block extends (Core's `ContextualCheckBlockHeader`
//! and `ContextualCheckBlock`). "Now" is an argument: consensus never reads a clock.

use bitcoin::block::Header;
use primitives::{Block, PowAlgo, Transaction, MAX_BLOCK_WEIGHT};

use crate::difficulty::{consecutive_algo_run, median_time_past, next_bits, BlockSummary, HeaderChain};
use crate::error::{BlockError, TxError};
use crate::params::ChainParams;

/// Locktimes below this are heights, at or above it timestamps.
const LOCKTIME_THRESHOLD: u32 = 500_000_000;

/// Header rules given its parent `prev`: a known algorithm, the bits that
/// algorithm must carry, a timestamp after the median time past and not
/// beyond `now` + 10 minutes, and at most `max_consecutive_algo` in a row.
pub fn check_header_contextual(
    header: &Header,
    params: &ChainParams,
    chain: &(impl HeaderChain + ?Sized),
    prev: &BlockSummary,
    now: i64,
) -> Result<PowAlgo, BlockError> {
    let version = header.version.to_consensus();
    let algo = PowAlgo::from_version(version).ok_or(BlockError::BadAlgo { version })?;
    let expected = next_bits(params, chain, prev, algo);
    let actual = header.bits.to_consensus();
    if actual != expected {
        return Err(BlockError::BadDiffBits { actual, expected });
    }
    let median_time_past = median_time_past(chain, prev.height);
    if i64::from(header.time) <= median_time_past {
        return Err(BlockError::TimeTooOld { time: header.time, median_time_past });
    }
    if i64::from(header.time) > now + params.max_future_block_time {
        return Err(BlockError::TimeTooNew { time: header.time, now });
    }
    if let Some(limit) = params.max_consecutive_algo {
        if consecutive_algo_run(chain, prev, algo) >= limit {
            return Err(BlockError::AlgoTooMany { limit });
        }
    }
    Ok(algo)
}

/// `CScript() << height`: OP_0, OP_1..OP_16, or a minimal little-endian push.
pub fn coinbase_height_script(height: u32) -> Vec<u8> {
    match height {
        0 => vec![0x00],
        1..=16 => vec![0x50 + height as u8],
        _ => {
            let mut num = Vec::new();
            let mut v = height;
            while v > 0 {
                num.push(v as u8);
                v >>= 8;
            }
            if num.last().is_some_and(|b| b & 0x80 != 0) {
                num.push(0);
            }
            let mut out = vec![num.len() as u8];
            out.extend_from_slice(&num);
            out
        }
    }
}

/// Core's `IsFinalTx`.
pub fn is_final(tx: &Transaction, height: u32, lock_time_cutoff: i64) -> bool {
    if tx.lock_time == 0 {
        return true;
    }
    let limit = if tx.lock_time < LOCKTIME_THRESHOLD { i64::from(height) } else { lock_time_cutoff };
    if i64::from(tx.lock_time) < limit {
        return true;
    }
    tx.input.iter().all(|txin| txin.sequence.0 == u32::MAX)
}

/// Block rules given its height and parent: final transactions (BIP113
/// median time past), the height in the coinbase (BIP34), the witness
/// commitment (BIP141; announcements need one too, since their nonce is
/// committed only there), and the block weight.
pub fn check_block_contextual(
    block: &Block,
    chain: &(impl HeaderChain + ?Sized),
    prev: &BlockSummary,
) -> Result<(), BlockError> {
    let height = prev.height + 1;
    let cutoff = median_time_past(chain, prev.height);
    for (index, tx) in block.txdata.iter().enumerate() {
        if !is_final(tx, height, cutoff) {
            return Err(BlockError::Transaction { index, txid: tx.txid(), error: TxError::NonFinal });
        }
    }

    let coinbase = &block.txdata[0];
    let expected = coinbase_height_script(height);
    if !coinbase.input[0].script_sig.as_bytes().starts_with(&expected) {
        return Err(BlockError::BadCoinbaseHeight { expected: height });
    }

    match block.witness_commitment_index() {
        Some(index) => {
            let witness = &coinbase.input[0].witness;
            let reserved = match (witness.len(), witness.nth(0)) {
                (1, Some(item)) if item.len() == 32 => item,
                _ => return Err(BlockError::BadWitnessNonceSize),
            };
            let commitment = block.compute_witness_commitment(reserved);
            if coinbase.output[index].script_pubkey.as_bytes()[6..38] != commitment {
                return Err(BlockError::BadWitnessCommitment);
            }
        }
        None => {
            if block.txdata.iter().any(|tx| tx.has_witness() || tx.is_announcement()) {
                return Err(BlockError::UnexpectedWitness);
            }
        }
    }

    let weight = block.weight();
    if weight > MAX_BLOCK_WEIGHT {
        return Err(BlockError::BadWeight { weight });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn coinbase_height_matches_core_cscript_push() {
        assert_eq!(coinbase_height_script(0), vec![0x00]);
        assert_eq!(coinbase_height_script(1), vec![0x51]);
        assert_eq!(coinbase_height_script(16), vec![0x60]);
        assert_eq!(coinbase_height_script(17), vec![0x01, 0x11]);
        assert_eq!(coinbase_height_script(128), vec![0x02, 0x80, 0x00]);
        assert_eq!(coinbase_height_script(413_567), vec![0x03, 0x7f, 0x4f, 0x06]);
    }
}
