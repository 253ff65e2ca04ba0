//! Grinding a header's nonce for one of the five algorithms.

use consensus::target::{from_compact, hash_to_number};
use consensus::PowHasher;
use primitives::block::header_bytes;
use primitives::{Block, PowAlgo};

/// Tries nonces until the block's PoW hash meets its bits or `tries` run
/// out; bumps the timestamp when the nonce space is exhausted. Returns
/// whether the block is solved; `tries` is decremented by the hashes spent.
pub fn solve(block: &mut Block, algo: PowAlgo, tries: &mut u64) -> bool {
    let Some(target) = from_compact(block.header.bits.to_consensus()) else {
        return false;
    };
    let mut hasher = PowHasher::new();
    let mut header = header_bytes(&block.header);
    let mut nonce = block.header.nonce;
    while *tries > 0 {
        *tries -= 1;
        header[76..80].copy_from_slice(&nonce.to_le_bytes());
        if hash_to_number(&hasher.hash(algo, &header)) <= target {
            block.header.nonce = nonce;
            return true;
        }
        nonce = nonce.wrapping_add(1);
        if nonce == 0 {
            block.header.time += 1;
            header = header_bytes(&block.header);
        }
    }
    false
}
