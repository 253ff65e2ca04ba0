//! `connect_block_all_ecdsa`, in the shape of Bitcoin Core's
//! `ConnectBlockAllEcdsa`: one block of 1,000 transactions, each spending the
//! five P2WPKH outputs of the previous one and creating five new outputs of
//! 1 ZEN (5,000 signature checks), connected with script checks on all cores
//! against an in-memory UTXO view. Beside it, the floor: the same 5,000
//! ECDSA verifications on pre-parsed keys, signatures and messages, one
//! thread, so that connecting's cost per input reads as a ratio over it.

use std::collections::HashMap;

use bitcoin::hashes::{hash160, Hash};
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};
use consensus::check::{connect_block, Coin, ScriptValidation};
use consensus::ChainParams;
use criterion::{criterion_group, criterion_main, Criterion};
use primitives::{
    Amount, Block, BlockHash, CompactTarget, Header, HeaderVersion, OutPoint, ScriptBuf, Sequence, Transaction, TxIn,
    TxMerkleNode, TxOut, Txid, Witness, COIN,
};
use script::sighash::{segwit_v0_sighash, SIGHASH_ALL};
use script::{PrecomputedTransactionData, VerifyFlags};

const TXS: usize = 1_000;
const FAN: usize = 5;
const HEIGHT: u32 = 200;

/// Each input's message, signature and key, parsed.
type Verification = (Message, bitcoin::secp256k1::ecdsa::Signature, PublicKey);

fn fixture() -> (Block, HashMap<OutPoint, Coin>, Vec<Verification>) {
    let secp = Secp256k1::new();
    let keys: Vec<SecretKey> = (1..=FAN as u8).map(|i| SecretKey::from_slice(&[i; 32]).expect("key")).collect();
    let pubkeys: Vec<PublicKey> = keys.iter().map(|k| PublicKey::from_secret_key(&secp, k)).collect();
    let hashes: Vec<[u8; 20]> = pubkeys.iter().map(|p| hash160::Hash::hash(&p.serialize()).to_byte_array()).collect();
    let spk = |i: usize| ScriptBuf::from_bytes([&[0u8, 20][..], &hashes[i]].concat());
    let code = |i: usize| [&[0x76u8, 0xa9, 20][..], &hashes[i], &[0x88, 0xac]].concat();

    let mut view = HashMap::new();
    let mut prev: Vec<OutPoint> = (0..FAN)
        .map(|i| {
            let outpoint = OutPoint { txid: Txid::from_byte_array([0xee; 32]), vout: i as u32 };
            view.insert(
                outpoint,
                Coin {
                    output: TxOut { value: Amount::from_sat(COIN), script_pubkey: spk(i) },
                    height: 1,
                    is_coinbase: false,
                },
            );
            outpoint
        })
        .collect();
    let mut verifications = Vec::with_capacity(TXS * FAN);
    let mut txs = Vec::with_capacity(TXS + 1);
    txs.push(Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            script_sig: ScriptBuf::from_bytes(vec![0x02, 0xc8, 0x00, 0x01]),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: vec![TxOut { value: Amount::ZERO, script_pubkey: ScriptBuf::from_bytes(vec![0x51]) }],
        announcement: None,
        lock_time: 0,
    });
    for _ in 0..TXS {
        let mut tx = Transaction {
            version: 2,
            input: prev
                .iter()
                .map(|o| TxIn {
                    previous_output: *o,
                    script_sig: ScriptBuf::new(),
                    sequence: Sequence::MAX,
                    witness: Witness::new(),
                })
                .collect(),
            output: (0..FAN).map(|i| TxOut { value: Amount::from_sat(COIN), script_pubkey: spk(i) }).collect(),
            announcement: None,
            lock_time: 0,
        };
        let pre = PrecomputedTransactionData::new(&tx);
        for i in 0..FAN {
            let sighash = segwit_v0_sighash(&tx, i, &code(i), COIN, SIGHASH_ALL, &pre);
            let message = Message::from_digest(sighash);
            let signature = secp.sign_ecdsa(&message, &keys[i]);
            verifications.push((message, signature, pubkeys[i]));
            let mut sig = signature.serialize_der().to_vec();
            sig.push(SIGHASH_ALL as u8);
            tx.input[i].witness = Witness::from_slice(&[sig, pubkeys[i].serialize().to_vec()]);
        }
        let txid = tx.txid();
        prev = (0..FAN as u32).map(|vout| OutPoint { txid, vout }).collect();
        txs.push(tx);
    }
    let mut block = Block {
        header: Header {
            version: HeaderVersion::from_consensus(0x2000_0000),
            prev_blockhash: BlockHash::all_zeros(),
            merkle_root: TxMerkleNode::all_zeros(),
            time: 0,
            bits: CompactTarget::from_consensus(0x207fffff),
            nonce: 0,
        },
        txdata: txs.into_iter().map(Into::into).collect(),
    };
    block.header.merkle_root = block.compute_merkle_root().0;
    (block, view, verifications)
}

fn bench(c: &mut Criterion) {
    let (block, view, verifications) = fixture();
    let params = ChainParams::regtest();
    // Every input sets the disable flag, so no history is consulted.
    let no_history: Vec<consensus::BlockSummary> = Vec::new();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut group = c.benchmark_group("connect_block");
    group.sample_size(10);
    for (name, threads) in [("connect_block_all_ecdsa", threads), ("connect_block_all_ecdsa_1_thread", 1)] {
        let scripts = ScriptValidation { flags: VerifyFlags::consensus(), cache: None, threads };
        group.bench_function(name, |b| {
            b.iter(|| connect_block(&block, HEIGHT, &params, &view, &no_history, Some(&scripts)).expect("valid block"))
        });
    }
    let secp = Secp256k1::verification_only();
    group.bench_function("raw_ecdsa_verify_5000", |b| {
        b.iter(|| {
            for (message, signature, key) in &verifications {
                secp.verify_ecdsa(message, signature, key).expect("valid");
            }
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
