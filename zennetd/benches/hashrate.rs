//! Hash rate of the built-in miner's inner loop on one core, per algorithm,
//! next to the raw hash function's rate on the same core; the ratio is the
//! miner's overhead (header handling, target comparison, counting).

use std::time::{Duration, Instant};

use consensus::PowHasher;
use primitives::block::header_bytes;
use primitives::{Block, BlockHash, CompactTarget, Header, HeaderVersion, PowAlgo, TxMerkleNode};
use zennetd::miner::solve_with;

/// Hashes per second of `f`, which does `batch` hashes a call, over `span`.
fn rate(span: Duration, batch: u64, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut done = 0u64;
    while start.elapsed() < span {
        f();
        done += batch;
    }
    done as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    use bitcoin::hashes::Hash;
    let span = Duration::from_secs(std::env::var("HASHRATE_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(3));
    println!("{:<8} {:>14} {:>14} {:>7}", "algo", "raw hash/s", "miner hash/s", "ratio");
    for algo in PowAlgo::ALL {
        // A target no hash meets, so the miner never stops early.
        let mut block = Block {
            header: Header {
                version: HeaderVersion::from_consensus(algo.block_version()),
                prev_blockhash: BlockHash::all_zeros(),
                merkle_root: TxMerkleNode::all_zeros(),
                time: 1_800_000_000,
                bits: CompactTarget::from_consensus(0x0300_0001),
                nonce: 0,
            },
            txdata: Vec::new(),
        };
        let batch = if algo == PowAlgo::Argon2d || algo == PowAlgo::Scrypt { 64 } else { 4096 };
        let mut hasher = PowHasher::new();
        let mut header = header_bytes(&block.header);
        let mut nonce = 0u32;
        // Alternate the two measurements so drift on a shared machine hits both.
        let (mut raw, mut miner) = (0.0, 0.0);
        for _ in 0..2 {
            raw += rate(span, batch, || {
                for _ in 0..batch {
                    nonce = nonce.wrapping_add(1);
                    header[76..80].copy_from_slice(&nonce.to_le_bytes());
                    std::hint::black_box(hasher.hash(algo, &header));
                }
            });
            miner += rate(span, batch, || {
                let mut tries = batch;
                assert!(!solve_with(&mut block, algo, &mut tries, &mut hasher));
            });
        }
        println!("{:<8} {:>14.0} {:>14.0} {:>7.3}", algo.name(), raw / 2.0, miner / 2.0, miner / raw);
    }
}
