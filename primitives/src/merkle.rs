//! Merkle roots as Bitcoin Core computes them, including the mutation flag
//! that detects CVE-2012-2459 (a duplicated last pair yields the same root).

use bitcoin::hashes::{sha256d, Hash};

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
        for i in 0..next {
            pair[..32].copy_from_slice(&level[2 * i]);
            pair[32..].copy_from_slice(&level[2 * i + 1]);
            level[i] = sha256d::Hash::hash(&pair).to_byte_array();
        }
        level.truncate(next);
    }
    (level[0], mutated)
}

#[cfg(test)]
mod tests {
    use super::*;

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
