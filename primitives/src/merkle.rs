//! Merkle roots as Bitcoin Core computes them, including the mutation flag
//! that detects CVE-2012-2459 (a duplicated last pair yields the same root).

use sha2::block_api::compress256;

#[cfg(target_arch = "x86_64")]
use crate::sha_ni;

/// SHA256's initial state.
const H0: [u32; 8] = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/// The padding block of a 64-byte message: 0x80, zeros, the length (512 bits).
const PAD_64: [u8; 64] = {
    let mut block = [0u8; 64];
    block[0] = 0x80;
    block[62] = 0x02;
    block
};

/// Double SHA256 of a 64-byte node pair, as Core's `SHA256D64`: three
/// compressions on the raw state (the CPU's SHA extensions when present),
/// the padding of both messages fixed in advance.
pub fn sha256d64(pair: &[u8; 64]) -> [u8; 32] {
    let mut state = H0;
    compress256(&mut state, &[*pair, PAD_64]);
    let mut second = [0u8; 64];
    for (chunk, word) in second[..32].chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    second[32] = 0x80;
    second[62] = 0x01; // 256 bits
    let mut state = H0;
    compress256(&mut state, &[second]);
    let mut out = [0u8; 32];
    for (chunk, word) in out.chunks_exact_mut(4).zip(state) {
        chunk.copy_from_slice(&word.to_be_bytes());
    }
    out
}

/// Root of the tree over `leaves` (in place), and whether two identical
/// siblings were hashed together at any level (a mutated tree).
pub fn compute_root(mut level: Vec<[u8; 32]>) -> ([u8; 32], bool) {
    if level.is_empty() {
        return ([0; 32], false);
    }
    let mut mutated = false;
    let mut pair = [0u8; 64];
    while level.len() > 1 {
        for i in (0..level.len()).step_by(2) {
            if i + 1 < level.len() && level[i] == level[i + 1] {
                mutated = true;
            }
        }
        if level.len() % 2 == 1 {
            level.push(*level.last().expect("non-empty level"));
        }
        let next = level.len() / 2;
        let mut i = 0;
        #[cfg(target_arch = "x86_64")]
        if sha_ni::available() {
            let mut second = [0u8; 64];
            while i + 1 < next {
                pair[..32].copy_from_slice(&level[2 * i]);
                pair[32..].copy_from_slice(&level[2 * i + 1]);
                second[..32].copy_from_slice(&level[2 * i + 2]);
                second[32..].copy_from_slice(&level[2 * i + 3]);
                [level[i], level[i + 1]] = sha_ni::sha256d64_x2([&pair, &second]);
                i += 2;
            }
        }
        while i < next {
            pair[..32].copy_from_slice(&level[2 * i]);
            pair[32..].copy_from_slice(&level[2 * i + 1]);
            level[i] = sha256d64(&pair);
            i += 1;
        }
        level.truncate(next);
    }
    (level[0], mutated)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256d64_equals_the_generic_double_sha256() {
        use bitcoin::hashes::{sha256d, Hash};
        for seed in 0..200u32 {
            let pair: [u8; 64] = std::array::from_fn(|i| (i as u32 * 31 + seed * 7919) as u8);
            assert_eq!(sha256d64(&pair), sha256d::Hash::hash(&pair).to_byte_array());
        }
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn two_way_sha_ni_equals_the_generic_double_sha256() {
        use bitcoin::hashes::{sha256d, Hash};
        if !sha_ni::available() {
            eprintln!("no SHA extensions on this CPU: nothing to compare");
            return;
        }
        for seed in 0..200u32 {
            let a: [u8; 64] = std::array::from_fn(|i| (i as u32 * 31 + seed * 7919) as u8);
            let b: [u8; 64] = std::array::from_fn(|i| (i as u32 * 17 + seed * 104_729 + 5) as u8);
            let [ha, hb] = sha_ni::sha256d64_x2([&a, &b]);
            assert_eq!(ha, sha256d::Hash::hash(&a).to_byte_array());
            assert_eq!(hb, sha256d::Hash::hash(&b).to_byte_array());
        }
    }

    /// Roots of 1 to 40 leaves (odd and even levels, the 2-way path and its
    /// remainder) equal a plain pairwise double SHA256.
    #[test]
    fn roots_equal_a_plain_computation() {
        use bitcoin::hashes::{sha256d, Hash};
        for count in 1..40u8 {
            let leaves: Vec<[u8; 32]> = (0..count).map(|i| [i.wrapping_mul(37); 32]).collect();
            let mut level = leaves.clone();
            while level.len() > 1 {
                if level.len() % 2 == 1 {
                    level.push(*level.last().unwrap());
                }
                level = level.chunks(2).map(|p| sha256d::Hash::hash(&[p[0], p[1]].concat()).to_byte_array()).collect();
            }
            assert_eq!(compute_root(leaves).0, level[0], "{count} leaves");
        }
    }

    #[test]
    fn single_leaf_is_its_own_root() {
        assert_eq!(compute_root(vec![[5; 32]]), ([5; 32], false));
    }

    #[test]
    fn duplicated_tail_gives_same_root_but_is_flagged() {
        let leaves: Vec<[u8; 32]> = (0..3u8).map(|i| [i; 32]).collect();
        let (root, mutated) = compute_root(leaves.clone());
        assert!(!mutated);
        let mut dup = leaves;
        dup.push([2; 32]);
        let (dup_root, dup_mutated) = compute_root(dup);
        assert_eq!(root, dup_root);
        assert!(dup_mutated);
    }
}
