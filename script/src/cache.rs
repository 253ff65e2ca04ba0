//! A bounded cache of verified signatures, so that inputs checked when a
//! transaction entered the mempool are not verified again in its block.
//! Entries are salted hashes of (sighash, public key, signature).

use std::collections::HashSet;
use std::sync::Mutex;

use bitcoin::hashes::{sha256, Hash, HashEngine};

const SHARDS: usize = 16;

pub struct SignatureCache {
    salt: [u8; 32],
    shards: Vec<Mutex<HashSet<[u8; 32]>>>,
    per_shard: usize,
}

impl SignatureCache {
    /// A cache of at most `capacity` entries, salted with `salt` (random in
    /// the node, so that nobody can aim collisions at it).
    pub fn new(capacity: usize, salt: [u8; 32]) -> Self {
        SignatureCache {
            salt,
            shards: (0..SHARDS).map(|_| Mutex::new(HashSet::new())).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    fn key(&self, sighash: &[u8; 32], pubkey: &[u8], sig: &[u8]) -> [u8; 32] {
        let mut engine = sha256::Hash::engine();
        engine.input(&self.salt);
        engine.input(sighash);
        engine.input(&[pubkey.len() as u8]);
        engine.input(pubkey);
        engine.input(sig);
        sha256::Hash::from_engine(engine).to_byte_array()
    }

    fn shard(&self, key: &[u8; 32]) -> &Mutex<HashSet<[u8; 32]>> {
        &self.shards[usize::from(key[0]) % SHARDS]
    }

    pub fn contains(&self, sighash: &[u8; 32], pubkey: &[u8], sig: &[u8]) -> bool {
        let key = self.key(sighash, pubkey, sig);
        self.shard(&key).lock().map(|set| set.contains(&key)).unwrap_or(false)
    }

    pub fn insert(&self, sighash: &[u8; 32], pubkey: &[u8], sig: &[u8]) {
        let key = self.key(sighash, pubkey, sig);
        if let Ok(mut set) = self.shard(&key).lock() {
            if set.len() >= self.per_shard {
                // Evict an arbitrary entry: hash order is salted and unpredictable.
                if let Some(victim) = set.iter().next().copied() {
                    set.remove(&victim);
                }
            }
            set.insert(key);
        }
    }

    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().map(|set| set.len()).unwrap_or(0)).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembers_within_capacity_and_evicts_beyond() {
        let cache = SignatureCache::new(32, [7; 32]);
        let sighash = [1u8; 32];
        cache.insert(&sighash, b"key", b"sig");
        assert!(cache.contains(&sighash, b"key", b"sig"));
        assert!(!cache.contains(&sighash, b"key", b"other"));
        assert!(!SignatureCache::new(32, [8; 32]).contains(&sighash, b"key", b"sig"), "salted");
        for i in 0..1000u32 {
            cache.insert(&sighash, &i.to_le_bytes(), b"sig");
        }
        assert!(cache.len() <= 32 + SHARDS, "bounded: {}", cache.len());
    }
}
