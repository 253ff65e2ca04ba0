//! Bitcoin Core's transaction vectors and a real mainnet block, decoded and
//! re-encoded by Zennet's codec.

use bitcoin::hashes::Hash;
use primitives::{shared::read_vector, Block, Transaction};
use serde_json::Value;

fn core_vectors(name: &str) -> Vec<Value> {
    let bytes = read_vector(env!("CARGO_MANIFEST_DIR"), &format!("bitcoin-core/{name}"));
    serde_json::from_slice::<Value>(&bytes).unwrap().as_array().unwrap().clone()
}

/// Rows of tx_valid/tx_invalid that are tests (first element an array).
fn tx_rows(name: &str) -> Vec<String> {
    core_vectors(name)
        .into_iter()
        .filter(|row| row[0].is_array())
        .map(|row| row[1].as_str().expect("tx hex").to_string())
        .collect()
}

#[test]
fn core_transaction_vectors_round_trip() {
    let mut rows = 0;
    for file in ["tx_valid.json", "tx_invalid.json"] {
        for tx_hex in tx_rows(file) {
            let bytes = hex::decode(&tx_hex).unwrap();
            let tx = Transaction::from_bytes(&bytes).unwrap_or_else(|e| panic!("{file}: {tx_hex}: {e}"));
            assert_eq!(tx.serialize(), bytes, "{file}: re-encoding differs");
            assert_eq!(tx.total_size(), bytes.len());
            // A second implementation must agree on the ids.
            let theirs: bitcoin::Transaction = bitcoin::consensus::deserialize(&bytes).unwrap();
            assert_eq!(tx.txid().to_byte_array(), theirs.compute_txid().to_byte_array(), "{file}: {tx_hex}");
            assert_eq!(tx.wtxid().to_byte_array(), theirs.compute_wtxid().to_byte_array());
            assert_eq!(tx.weight(), theirs.weight().to_wu());
            rows += 1;
        }
    }
    println!("core tx vectors: {rows} rows decoded, re-encoded byte-identical, txid/wtxid/weight cross-checked");
    assert_eq!(rows, 121 + 93);
}

#[test]
fn mainnet_block_413567_round_trips() {
    let bytes = read_vector(env!("CARGO_MANIFEST_DIR"), "bitcoin-core/block413567.raw");
    let block = Block::from_bytes(&bytes).unwrap();
    assert_eq!(block.txdata.len(), 1557);
    assert_eq!(block.serialize(), bytes);
    assert_eq!(block.total_size(), bytes.len());
    assert_eq!(block.block_hash().to_string(), "0000000000000000025aff8be8a55df8f89c77296db6198f272d6577325d4069");
    let (root, mutated) = block.compute_merkle_root();
    assert_eq!(root, block.header.merkle_root);
    assert!(!mutated);
    let target = primitives::Target::from_compact(block.header.bits);
    assert!(target.is_met_by(block.block_hash()), "sha256d proof of work");
    assert_eq!(block.header.bits.to_consensus(), 0x1805_8436);

    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(Block::from_bytes(&trailing).is_err());
    assert!(Block::from_bytes(&bytes[..bytes.len() - 1]).is_err());
}
