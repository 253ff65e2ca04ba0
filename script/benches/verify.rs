//! Verifying a block's worth of P2WPKH spends (2,000 inputs) with the full
//! interpreter, against raw libsecp256k1 verification of the same
//! pre-parsed signatures and keys: the ratio is the interpreter's overhead
//! over the cryptographic floor.

use std::time::{Duration, Instant};

use bitcoin::hashes::{hash160, Hash};
use bitcoin::secp256k1::{ecdsa, Message, PublicKey, Secp256k1, SecretKey};
use criterion::{criterion_group, criterion_main, Criterion};
use primitives::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness};
use script::sighash::{segwit_v0_sighash, SIGHASH_ALL};
use script::{verify_inputs, PrecomputedTransactionData, SpentOutputs, VerifyFlags};

const SPENDS: usize = 2_000;
const AMOUNT: u64 = 100_000;

struct Fixture {
    txs: Vec<Transaction>,
    spent: Vec<Vec<TxOut>>,
    /// What raw verification needs, parsed in advance.
    raw: Vec<(Message, ecdsa::Signature, PublicKey)>,
}

fn fixture() -> Fixture {
    let secp = Secp256k1::new();
    let mut txs = Vec::with_capacity(SPENDS);
    let mut spent = Vec::with_capacity(SPENDS);
    let mut raw = Vec::with_capacity(SPENDS);
    for i in 0..SPENDS {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        let secret = SecretKey::from_slice(&seed).expect("valid key");
        let public = PublicKey::from_secret_key(&secp, &secret);
        let key_hash = hash160::Hash::hash(&public.serialize());
        let mut spk = vec![0x00, 20];
        spk.extend_from_slice(key_hash.as_byte_array());
        let mut code = vec![0x76, 0xa9, 20];
        code.extend_from_slice(key_hash.as_byte_array());
        code.extend_from_slice(&[0x88, 0xac]);
        let mut tx = Transaction {
            version: 2,
            input: vec![TxIn {
                previous_output: OutPoint { txid: Txid::from_byte_array(seed), vout: 0 },
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output: vec![TxOut {
                value: Amount::from_sat(AMOUNT - 1000),
                script_pubkey: ScriptBuf::from_bytes(spk.clone()),
            }],
            announcement: None,
            lock_time: 0,
        };
        let pre = PrecomputedTransactionData::new(&tx);
        let sighash = segwit_v0_sighash(&tx, 0, &code, AMOUNT, SIGHASH_ALL, &pre);
        let message = Message::from_digest(sighash);
        let signature = secp.sign_ecdsa(&message, &secret);
        let mut sig = signature.serialize_der().to_vec();
        sig.push(SIGHASH_ALL as u8);
        tx.input[0].witness = Witness::from_slice(&[sig, public.serialize().to_vec()]);
        txs.push(tx);
        spent.push(vec![TxOut { value: Amount::from_sat(AMOUNT), script_pubkey: ScriptBuf::from_bytes(spk) }]);
        raw.push((message, signature, public));
    }
    Fixture { txs, spent, raw }
}

fn jobs(f: &Fixture) -> Vec<SpentOutputs<'_>> {
    f.txs.iter().zip(&f.spent).map(|(tx, spent)| SpentOutputs { tx, spent }).collect()
}

fn interpreter(f: &Fixture, threads: usize) {
    verify_inputs(&jobs(f), VerifyFlags::consensus(), None, threads).expect("all valid");
}

fn raw_secp(f: &Fixture) {
    let secp = script::checker::secp();
    for (message, signature, key) in &f.raw {
        secp.verify_ecdsa(message, signature, key).expect("valid");
    }
}

/// Best of several timed runs (less noisy than a mean on a shared machine).
fn best_of(runs: usize, mut f: impl FnMut()) -> Duration {
    (0..runs)
        .map(|_| {
            let start = Instant::now();
            f();
            start.elapsed()
        })
        .min()
        .unwrap_or_default()
}

fn bench(c: &mut Criterion) {
    let f = fixture();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());

    // Interleave the runs so that drift on a shared machine hits both alike.
    let (mut floor, mut single, mut parallel) = (Duration::MAX, Duration::MAX, Duration::MAX);
    for _ in 0..20 {
        floor = floor.min(best_of(1, || raw_secp(&f)));
        single = single.min(best_of(1, || interpreter(&f, 1)));
        parallel = parallel.min(best_of(1, || interpreter(&f, threads)));
    }
    println!(
        "p2wpkh x{SPENDS}: raw secp256k1 {:.2} ms, interpreter 1 thread {:.2} ms (ratio {:.3}), {threads} threads {:.2} ms",
        floor.as_secs_f64() * 1e3,
        single.as_secs_f64() * 1e3,
        single.as_secs_f64() / floor.as_secs_f64(),
        parallel.as_secs_f64() * 1e3,
    );

    let mut group = c.benchmark_group("p2wpkh_2000");
    group.sample_size(20);
    group.bench_function("raw_secp256k1_preparsed", |b| b.iter(|| raw_secp(&f)));
    group.bench_function("interpreter_single_thread", |b| b.iter(|| interpreter(&f, 1)));
    group.bench_function("interpreter_all_cores", |b| b.iter(|| interpreter(&f, threads)));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
