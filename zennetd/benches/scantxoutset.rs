//! `scantxoutset` over the coin database of a 5,000-block chain (a coinbase
//! and four payment outputs per block: 25,000 coins in sled), looking for
//! the 1,000 scripts of a ranged descriptor: coins scanned per second,
//! against a plain iteration over the same coin database in the same run.

use std::sync::atomic::{AtomicBool, AtomicU32};
use std::sync::Arc;
use std::time::Instant;

use bitcoin::hashes::Hash;
use consensus::check::utxo::Coin;
use primitives::{Amount, BlockHash, Network, OutPoint, ScriptBuf, TxOut, Txid};
use zennetd::rpc::scan::ScanJob;
use zennetd::store::{ChainStore, ConnectBatch, SledStore};

const BLOCKS: u32 = 5_000;
const OUTPUTS_PER_BLOCK: u32 = 5;
const RUNS: u32 = 7;

fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let store = SledStore::open(dir.path()).expect("sled opens");
    // The descriptor whose scripts are looked for; every 50th block pays one of them.
    let xpub = "tpubDCtKfsNyRhULjZ9XMS4VKKtVcPdVDi8MKUbcSD9MJDyjRu1A2ND5MiipozyyspBT9bg8upEp7a8EAgFxNxXn1d7QkdbL52Ty5jiSLcxPt1P";
    let descriptor =
        wallet::descriptor::parse_watch(&format!("wpkh({xpub}/0/*)"), Network::Regtest).expect("a descriptor");
    let wanted: Vec<ScriptBuf> = (0..1000).map(|i| descriptor.script_at(i).expect("derives")).collect();
    let build = Instant::now();
    for height in 1..=BLOCKS {
        let mut created = Vec::new();
        for n in 0..OUTPUTS_PER_BLOCK {
            let mut seed = [0u8; 32];
            seed[..4].copy_from_slice(&height.to_le_bytes());
            seed[4] = n as u8;
            // Spread over the key space, as txids are.
            let txid = Txid::from_byte_array(bitcoin::hashes::sha256::Hash::hash(&seed).to_byte_array());
            let script = if n == 0 && height % 50 == 0 {
                wanted[(height / 50) as usize % wanted.len()].clone()
            } else {
                ScriptBuf::from_bytes([&[0x00, 0x14][..], &seed[..20]].concat())
            };
            let coin = Coin {
                output: TxOut { value: Amount::from_sat(50_000), script_pubkey: script },
                height,
                is_coinbase: n == 0,
            };
            created.push((OutPoint { txid, vout: n }, coin));
        }
        store
            .commit(ConnectBatch { created, tip: Some(BlockHash::from_byte_array([1; 32])), ..ConnectBatch::default() })
            .expect("a batch commits");
    }
    println!("built {} coins in {:.1} s", BLOCKS * OUTPUTS_PER_BLOCK, build.elapsed().as_secs_f64());

    let mut plain = Vec::new();
    let mut scan = Vec::new();
    let mut found = 0;
    for _ in 0..RUNS {
        let start = Instant::now();
        let count = store.coins().filter(|c| c.is_ok()).count();
        plain.push(count as f64 / start.elapsed().as_secs_f64());

        let job = ScanJob {
            scripts: wanted.iter().map(|s| (s.clone(), String::new())).collect(),
            abort: Arc::new(AtomicBool::new(false)),
            progress: Arc::new(AtomicU32::new(0)),
        };
        let start = Instant::now();
        let (hits, scanned, _) = job.run(store.coins()).expect("the scan reads");
        scan.push(scanned as f64 / start.elapsed().as_secs_f64());
        found = hits.len();
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(|a, b| a.total_cmp(b));
        v[v.len() / 2]
    };
    let (p, s) = (median(&mut plain), median(&mut scan));
    println!("plain iteration over the coin database: {:>12.0} coins/s (median of {RUNS})", p);
    println!("scantxoutset pass (1,000 scripts):      {:>12.0} coins/s (median of {RUNS}), {found} found", s);
    println!("ratio scan / plain: {:.2}", s / p);
}
