//! The five proof-of-work hash functions (Myriadcoin's definitions) and the
//! header proof-of-work check.

use argon2::{Algorithm, Argon2, Version};
use bitcoin::block::Header;
use primitives::block::header_bytes;
use primitives::PowAlgo;
use sha2::{Digest, Sha256};

use crate::error::BlockError;
use crate::params::ChainParams;
use crate::target::{from_compact, hash_to_number};

/// Argon2d memory: 4096 blocks of 1 KiB.
const ARGON2D_M_COST: u32 = 4096;

fn sha256(data: &[u8]) -> [u8; 32] {
    Sha256::digest(data).into()
}

fn sha256d(data: &[u8]) -> [u8; 32] {
    sha256(&sha256(data))
}

/// Computes PoW hashes, keeping the argon2d working memory between calls so
/// that a miner does not allocate 4 MiB per hash. The memory is taken on the
/// first argon2d hash: the other algorithms need none.
pub struct PowHasher {
    argon2d_memory: Vec<argon2::Block>,
    argon2d: Argon2<'static>,
    scrypt_params: scrypt::Params,
}

impl Default for PowHasher {
    fn default() -> Self {
        Self::new()
    }
}

impl PowHasher {
    pub fn new() -> Self {
        let params = argon2::Params::new(ARGON2D_M_COST, 1, 1, Some(32)).expect("valid argon2d parameters");
        PowHasher {
            argon2d_memory: Vec::new(),
            argon2d: Argon2::new(Algorithm::Argon2d, Version::V0x13, params),
            scrypt_params: scrypt::Params::new(10, 1, 1).expect("valid scrypt parameters"),
        }
    }

    /// The PoW hash of an 80-byte header, as bytes of a little-endian number.
    pub fn hash(&mut self, algo: PowAlgo, header: &[u8; 80]) -> [u8; 32] {
        match algo {
            PowAlgo::Sha256d => sha256d(header),
            PowAlgo::Scrypt => {
                let mut out = [0u8; 32];
                scrypt::scrypt(header, header, &self.scrypt_params, &mut out).expect("32-byte output is valid");
                out
            }
            PowAlgo::Groestl => sha256(&groestl::Groestl512::digest(header)),
            PowAlgo::Skein => sha256(&skein::Skein512_512::digest(header)),
            PowAlgo::Argon2d => {
                if self.argon2d_memory.is_empty() {
                    self.argon2d_memory = vec![argon2::Block::default(); ARGON2D_M_COST as usize];
                }
                let mut out = [0u8; 32];
                self.argon2d
                    .hash_password_into_with_memory(header, header, &mut out, &mut self.argon2d_memory)
                    .expect("an 80-byte password and salt are valid");
                out
            }
        }
    }
}

/// The PoW hash of an 80-byte header (allocates; miners use [`PowHasher`]).
pub fn pow_hash(algo: PowAlgo, header: &[u8; 80]) -> [u8; 32] {
    PowHasher::new().hash(algo, header)
}

/// Context-free proof-of-work check: a known algorithm ("bad-algo"), bits that
/// decode to a target within the algorithm's limit, and a PoW hash at or below
/// it ("high-hash").
pub fn check_proof_of_work(header: &Header, params: &ChainParams) -> Result<PowAlgo, BlockError> {
    let algo = PowAlgo::from_version(header.version.to_consensus())
        .ok_or(BlockError::BadAlgo { version: header.version.to_consensus() })?;
    let bits = header.bits.to_consensus();
    let target = from_compact(bits).ok_or(BlockError::HighHash)?;
    if target == num_bigint::BigUint::default() || target > params.pow_limit(algo) {
        return Err(BlockError::HighHash);
    }
    let hash = pow_hash(algo, &header_bytes(header));
    if hash_to_number(&hash) > target {
        return Err(BlockError::HighHash);
    }
    Ok(algo)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Myriadcoin's own expected hashes for one header (shared/vectors/myriad).
    #[test]
    fn myriad_vectors_for_all_five_algorithms() {
        let bytes = primitives::shared::read_vector(env!("CARGO_MANIFEST_DIR"), "myriad/pow_algos.json");
        let json: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let header: [u8; 80] = hex::decode(json["header_hex"].as_str().unwrap()).unwrap().try_into().unwrap();
        let mut hasher = PowHasher::new();
        for algo in PowAlgo::ALL {
            let expected = json["expected_pow_hash_display"][algo.name()].as_str().unwrap();
            let mut got = hasher.hash(algo, &header);
            got.reverse();
            assert_eq!(hex::encode(got), expected, "{algo}");
            // Reused memory gives the same answer as a fresh hasher.
            let mut fresh = pow_hash(algo, &header);
            fresh.reverse();
            assert_eq!(hex::encode(fresh), expected, "{algo} fresh");
        }
    }
}
