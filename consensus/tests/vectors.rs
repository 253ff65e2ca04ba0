//! Context-free checks against Bitcoin Core's vectors and a real mainnet block.

use consensus::check::{check_block, check_transaction};
use consensus::ChainParams;
use primitives::{shared::read_vector, Block, Transaction};
use serde_json::Value;

fn vectors(name: &str) -> Vec<Value> {
    let bytes = read_vector(env!("CARGO_MANIFEST_DIR"), &format!("bitcoin-core/{name}"));
    serde_json::from_slice::<Value>(&bytes).unwrap().as_array().unwrap().clone()
}

/// The reject reason Core's CheckTransaction gives each BADTX case, keyed by
/// the comment row that precedes it in tx_invalid.json.
fn expected_reason(comment: &str) -> &'static str {
    match comment {
        "No outputs" => "bad-txns-vout-empty",
        "Negative output" => "bad-txns-vout-negative",
        "MAX_MONEY + 1 output" => "bad-txns-vout-toolarge",
        "MAX_MONEY output + 1 output" => "bad-txns-txouttotal-toolarge",
        "Duplicate inputs" => "bad-txns-inputs-duplicate",
        "Coinbase of size 1" | "Coinbase of size 101" => "bad-cb-length",
        c if c.starts_with("Null txin") => "bad-txns-prevout-null",
        other => panic!("no expected reason for BADTX case '{other}'"),
    }
}

#[test]
fn core_badtx_rows_fail_with_the_right_reason_and_valid_rows_pass() {
    let mut badtx = 0;
    let mut comment = String::new();
    for row in vectors("tx_invalid.json") {
        let row = row.as_array().unwrap();
        if !row[0].is_array() {
            let text = row[0].as_str().unwrap();
            // Notes about the tester follow the case's own comment; keep the case.
            if !text.starts_with("Note") {
                comment = text.to_string();
            }
            continue;
        }
        let tx = Transaction::from_bytes(&hex::decode(row[1].as_str().unwrap()).unwrap()).unwrap();
        if row[2] == "BADTX" {
            let err = check_transaction(&tx).expect_err(&comment);
            assert_eq!(err.reject_reason(), expected_reason(&comment), "{comment}");
            badtx += 1;
        }
    }
    assert_eq!(badtx, 9);
    let mut valid = 0;
    for row in vectors("tx_valid.json") {
        if row[0].is_array() {
            let tx = Transaction::from_bytes(&hex::decode(row[1].as_str().unwrap()).unwrap()).unwrap();
            check_transaction(&tx).unwrap_or_else(|e| panic!("{}: {e}", row[1]));
            valid += 1;
        }
    }
    println!("BADTX rows rejected with Core's reason: {badtx}; tx_valid rows passing CheckTransaction: {valid}");
}

#[test]
fn mainnet_block_413567_passes_context_free_checks() {
    let block = Block::from_bytes(&read_vector(env!("CARGO_MANIFEST_DIR"), "bitcoin-core/block413567.raw")).unwrap();
    check_block(&block, &ChainParams::main()).unwrap();

    let mut bad = block.clone();
    bad.txdata.swap(1, 2);
    assert_eq!(check_block(&bad, &ChainParams::main()).unwrap_err().reject_reason(), "bad-txnmrklroot");
    let mut dup = block.clone();
    dup.header.nonce ^= 1;
    assert_eq!(check_block(&dup, &ChainParams::main()).unwrap_err().reject_reason(), "high-hash");
}
