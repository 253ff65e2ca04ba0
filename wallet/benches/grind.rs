//! The market's two grinds against their raw hash functions, on the same
//! threads in the same run: identity mining (`mine_identity`) against raw
//! Argon2id evaluations, and transaction proof of work
//! (`grind_tx_pow_threads`) against raw SHA256d of 40 bytes. The ratio is
//! the grinders' overhead. `GRIND_SECS` sets each measurement's span.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bitcoin::hashes::{sha256d, Hash, HashEngine};
use bitcoin::secp256k1::{Keypair, Secp256k1, SecretKey};
use consensus::check::announcement::identity_pow_hash;
use consensus::target::BigUint;
use primitives::market::{Identity, Role};
use primitives::{Announcement, AnnouncementBody, OutPoint, Transaction, TxIn};
use wallet::announcement::{grind_tx_pow_threads, mine_identity};

/// Runs `work(stop, counter)` on `threads` threads for `span`; returns hashes per second.
fn on_threads(threads: usize, span: Duration, work: impl Fn(&AtomicBool, &AtomicU64) + Sync) -> f64 {
    let stop = AtomicBool::new(false);
    let count = AtomicU64::new(0);
    let start = Instant::now();
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| work(&stop, &count));
        }
        std::thread::sleep(span);
        stop.store(true, Ordering::Relaxed);
    });
    count.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

/// `grind` runs until `cancel` is set and reports hashes through `progress`.
fn grinder_rate(span: Duration, grind: impl FnOnce(&AtomicBool, &(dyn Fn(u64) + Sync))) -> f64 {
    let cancel = AtomicBool::new(false);
    let hashes = AtomicU64::new(0);
    let start = Instant::now();
    std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(span);
            cancel.store(true, Ordering::Relaxed);
        });
        grind(&cancel, &|n| {
            hashes.fetch_max(n, Ordering::Relaxed);
        });
    });
    hashes.load(Ordering::Relaxed) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let span = Duration::from_secs(std::env::var("GRIND_SECS").ok().and_then(|s| s.parse().ok()).unwrap_or(3));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let key = Keypair::from_secret_key(&Secp256k1::new(), &SecretKey::from_slice(&[7; 32]).unwrap());
    let pubkey = key.x_only_public_key().0.serialize();
    let tx = Transaction {
        version: 2,
        input: vec![TxIn { previous_output: OutPoint::null(), ..TxIn::default() }],
        output: vec![],
        announcement: Some(Announcement { kind: 1, expiry: 10, body: AnnouncementBody::Full(vec![1; 700]), nonce: 0 }),
        lock_time: 0,
    };
    let txid = tx.txid();
    println!("{threads} threads, {span:?} per measurement");
    println!("{:<14} {:>14} {:>14} {:>7}", "grind", "raw hash/s", "grinder hash/s", "ratio");
    // Alternate raw and grinder twice so drift on a shared machine hits both.
    let (mut raw, mut grind) = (0.0, 0.0);
    for _ in 0..2 {
        raw += on_threads(threads, span, |stop, count| {
            let mut nonce = rand_start();
            while !stop.load(Ordering::Relaxed) {
                let identity = Identity { role: Role::Publisher as u8, pubkey, nonce };
                std::hint::black_box(identity_pow_hash(&identity));
                nonce += 1;
                count.fetch_add(1, Ordering::Relaxed);
            }
        });
        grind += grinder_rate(span, |cancel, progress| {
            let impossible = BigUint::from(0u32);
            let _ = mine_identity(Role::Publisher, &key, &impossible, threads, progress, cancel);
        });
    }
    println!("{:<14} {:>14.0} {:>14.0} {:>7.3}", "identity", raw / 2.0, grind / 2.0, grind / raw);
    let (mut raw, mut grind) = (0.0, 0.0);
    for _ in 0..2 {
        raw += on_threads(threads, span, |stop, count| {
            let mut prefix = sha256d::Hash::engine();
            prefix.input(txid.as_byte_array());
            let mut nonce = rand_start();
            while !stop.load(Ordering::Relaxed) {
                for _ in 0..4096 {
                    let mut engine = prefix.clone();
                    engine.input(&nonce.to_le_bytes());
                    std::hint::black_box(sha256d::Hash::from_engine(engine));
                    nonce += 1;
                }
                count.fetch_add(4096, Ordering::Relaxed);
            }
        });
        grind += grinder_rate(span, |cancel, progress| {
            let mut tx = tx.clone();
            // A target no hash meets.
            let _ = grind_tx_pow_threads(&mut tx, 0x0300_0001, threads, progress, cancel);
        });
    }
    println!("{:<14} {:>14.0} {:>14.0} {:>7.3}", "transaction", raw / 2.0, grind / 2.0, grind / raw);
}

fn rand_start() -> u64 {
    rand::random::<u32>() as u64
}
