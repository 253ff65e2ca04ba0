//! `sendtoaddress` without the node: select among 10,000 UTXOs, add change,
//! sign every input and serialize, on a wallet held in memory.

use bitcoin::hashes::Hash;
use criterion::{criterion_group, criterion_main, Criterion};
use primitives::{Amount, Block, BlockHash, CompactTarget, Header, HeaderVersion, Network, OutPoint, ScriptBuf};
use primitives::{Sequence, Transaction, TxIn, TxMerkleNode, TxOut, Txid, Witness};
use wallet::crypt::KdfParams;
use wallet::keys::{Chain, OutputType};
use wallet::{CreateOptions, MemoryWalletStore, Recipient, SendOptions, Wallet};

const UTXOS: usize = 10_000;

fn funded_wallet() -> Wallet {
    let opts = CreateOptions {
        disable_private_keys: false,
        blank: false,
        passphrase: None,
        mnemonic: None,
        kdf: KdfParams::DEFAULT,
        now: 0,
        tip: (BlockHash::all_zeros(), 0),
    };
    let (mut w, _) =
        Wallet::create("bench", Network::Regtest, 100, Box::new(MemoryWalletStore::default()), opts).unwrap();
    let scripts: Vec<ScriptBuf> = (0..1000)
        .map(|_| w.new_address(OutputType::Bech32, Chain::Receive, None).unwrap().script_pubkey().clone())
        .collect();
    let txs: Vec<Transaction> = (0..UTXOS / 1000)
        .map(|t| Transaction {
            version: 2,
            input: vec![TxIn {
                previous_output: OutPoint { txid: Txid::from_byte_array([t as u8 + 1; 32]), vout: 0 },
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output: (0..1000)
                .map(|i| TxOut {
                    value: Amount::from_sat(20_000 + ((t * 1000 + i) as u64 * 7919) % 5_000_000),
                    script_pubkey: scripts[i].clone(),
                })
                .collect(),
            announcement: None,
            lock_time: 0,
        })
        .collect();
    let header = Header {
        version: HeaderVersion::from_consensus(0x2000_0000),
        prev_blockhash: BlockHash::all_zeros(),
        merkle_root: TxMerkleNode::all_zeros(),
        time: 1,
        bits: CompactTarget::from_consensus(0x207fffff),
        nonce: 0,
    };
    w.block_connected(&Block::new(header, txs), BlockHash::from_byte_array([1; 32]), 1, 0).unwrap();
    assert_eq!(w.available_coins(1, false).len(), UTXOS);
    w
}

fn bench_send(c: &mut Criterion) {
    let mut w = funded_wallet();
    let policy = mempool::Policy::default();
    let opts = SendOptions::at_rate(2_000);
    let pay = [Recipient {
        script: ScriptBuf::from_bytes([&[0u8, 20][..], &[7u8; 20]].concat()),
        amount: 123_456_789,
        subtract_fee: false,
    }];
    let mut group = c.benchmark_group("wallet");
    group.sample_size(20);
    group.bench_function("send_10k_utxos_select_sign_serialize", |b| {
        b.iter(|| w.create_transaction(&pay, &opts, &policy).unwrap().tx.serialize())
    });
    group.bench_function("available_coins_10k", |b| b.iter(|| w.available_coins(0, false).len()));
    group.finish();
}

criterion_group!(benches, bench_send);
criterion_main!(benches);
