//! Mempool acceptance of 10,000 P2WPKH transactions (5,000 unchained, 200
//! chains of 25) and block template selection from the full pool.

use std::collections::HashMap;

use bitcoin::hashes::{hash160, Hash};
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};
use consensus::check::Coin;
use consensus::difficulty::BlockSummary;
use consensus::ChainParams;
use criterion::{criterion_group, criterion_main, Criterion};
use mempool::select::select_transactions;
use mempool::{AcceptContext, Mempool, Policy};
use primitives::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness, COIN};
use script::sighash::{segwit_v0_sighash, SIGHASH_ALL};
use script::PrecomputedTransactionData;

const UNCHAINED: usize = 5_000;
const CHAINS: usize = 200;
const CHAIN_LENGTH: usize = 25;

struct Fixture {
    coins: HashMap<OutPoint, Coin>,
    txs: Vec<Transaction>,
    chain: Vec<BlockSummary>,
    params: ChainParams,
}

fn fixture() -> Fixture {
    let secp = Secp256k1::new();
    let key = SecretKey::from_slice(&[7; 32]).expect("key");
    let pubkey = PublicKey::from_secret_key(&secp, &key);
    let hash = hash160::Hash::hash(&pubkey.serialize());
    let script = ScriptBuf::from_bytes([&[0u8, 20][..], hash.as_byte_array()].concat());
    let code = [&[0x76u8, 0xa9, 20][..], hash.as_byte_array(), &[0x88, 0xac]].concat();
    let sign = |input: OutPoint, value: u64, fee: u64| {
        let mut tx = Transaction {
            version: 2,
            input: vec![TxIn {
                previous_output: input,
                script_sig: ScriptBuf::new(),
                sequence: Sequence(0xffff_fffd),
                witness: Witness::new(),
            }],
            output: vec![TxOut { value: Amount::from_sat(value - fee), script_pubkey: script.clone() }],
            announcement: None,
            lock_time: 0,
        };
        let pre = PrecomputedTransactionData::new(&tx);
        let sighash = segwit_v0_sighash(&tx, 0, &code, value, SIGHASH_ALL, &pre);
        let mut sig = secp.sign_ecdsa(&Message::from_digest(sighash), &key).serialize_der().to_vec();
        sig.push(1);
        tx.input[0].witness = Witness::from_slice(&[sig, pubkey.serialize().to_vec()]);
        tx
    };
    let mut coins = HashMap::new();
    let mut txs = Vec::new();
    for i in 0..(UNCHAINED + CHAINS) {
        let mut seed = [0u8; 32];
        seed[..8].copy_from_slice(&(i as u64).to_le_bytes());
        let outpoint = OutPoint { txid: Txid::from_byte_array(seed), vout: 0 };
        coins.insert(
            outpoint,
            Coin {
                output: TxOut { value: Amount::from_sat(COIN), script_pubkey: script.clone() },
                height: 1,
                is_coinbase: false,
            },
        );
        let fee = 1_000 + (i as u64 % 97) * 100;
        if i < UNCHAINED {
            txs.push(sign(outpoint, COIN, fee));
        } else {
            let mut prev = outpoint;
            let mut value = COIN;
            for _ in 0..CHAIN_LENGTH {
                let tx = sign(prev, value, fee);
                value -= fee;
                prev = OutPoint { txid: tx.txid(), vout: 0 };
                txs.push(tx);
            }
        }
    }
    let chain = (0..120)
        .map(|h| BlockSummary { height: h, time: 1_700_000_000 + h * 60, bits: 0x207fffff, algo: None })
        .collect();
    Fixture { coins, txs, chain, params: ChainParams::regtest() }
}

fn fill(f: &Fixture) -> Mempool {
    let mut pool = Mempool::new(Policy::default());
    let coins = |o: &OutPoint| f.coins.get(o).cloned();
    let ctx = AcceptContext {
        params: &f.params,
        height: 120,
        chain: &f.chain,
        coins: &coins,
        now: 0,
        cache: None,
        tasks: &|_| None,
    };
    for tx in &f.txs {
        pool.accept(tx.clone(), &ctx, false).expect("accepted");
    }
    pool
}

fn bench(c: &mut Criterion) {
    let f = fixture();
    let mut group = c.benchmark_group("mempool");
    group.sample_size(10);
    group.bench_function("accept_10000_p2wpkh", |b| b.iter(|| fill(&f)));
    let pool = fill(&f);
    assert_eq!(pool.len(), UNCHAINED + CHAINS * CHAIN_LENGTH);
    group.bench_function("select_template_from_10000", |b| b.iter(|| select_transactions(std::hint::black_box(&pool))));
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
