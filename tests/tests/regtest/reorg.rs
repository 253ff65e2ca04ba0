//! Two nodes with MultiShield on (`-regtestmultialgo`) mine competing
//! branches with different algorithms; fed each other's blocks, both end on
//! the branch with more geometric-mean work, though it has fewer blocks,
//! with equal UTXO sets.

use serde_json::{json, Value};
use zennet_tests::{Node, REGTEST_ADDRESS};

fn mine(node: &Node, algo: &str) {
    node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS, 1_000_000, algo]));
}

fn blocks_above(node: &Node, from: u64) -> Vec<String> {
    let tip = node.rpc("getblockcount", json!([])).as_u64().unwrap();
    (from + 1..=tip)
        .map(|h| {
            let hash = node.rpc("getblockhash", json!([h]));
            node.rpc("getblock", json!([hash, 0])).as_str().unwrap().to_string()
        })
        .collect()
}

#[test]
fn more_work_beats_more_blocks() {
    const ALGOS: [&str; 5] = ["sha256d", "scrypt", "groestl", "skein", "argon2d"];
    let a = Node::start(&["-regtestmultialgo"]);
    let b = Node::start(&["-regtestmultialgo"]);
    // 60 shared blocks, rotating algorithms, so MultiShield's window is full.
    for i in 0..60 {
        mine(&a, ALGOS[i % 5]);
    }
    for block in blocks_above(&a, 0) {
        assert_eq!(b.rpc("submitblock", json!([block])), Value::Null);
    }
    // A: 35 blocks rotating all five algorithms. B: 30 blocks, mostly sha256d
    // (six in a row, then scrypt), which drives sha256d's target down and so
    // raises the geometric-mean work of each of B's blocks.
    for i in 0..35 {
        mine(&a, ALGOS[i % 5]);
    }
    for i in 0..30 {
        mine(&b, if i % 7 == 6 { "scrypt" } else { "sha256d" });
    }
    let info_a = a.rpc("getblockchaininfo", json!([]));
    let info_b = b.rpc("getblockchaininfo", json!([]));
    assert_eq!((info_a["blocks"].as_u64(), info_b["blocks"].as_u64()), (Some(95), Some(90)));
    let work =
        |info: &Value| u128::from_str_radix(info["chainwork"].as_str().unwrap().trim_start_matches('0'), 16).unwrap();
    assert!(work(&info_b) > work(&info_a), "B has fewer blocks but more work: {info_b} vs {info_a}");

    for block in blocks_above(&b, 60) {
        a.rpc("submitblock", json!([block]));
    }
    for block in blocks_above(&a, 60) {
        b.rpc("submitblock", json!([block]));
    }
    let b_tip = info_b["bestblockhash"].clone();
    assert_eq!(a.rpc("getbestblockhash", json!([])), b_tip, "A switched to B's branch");
    assert_eq!(b.rpc("getbestblockhash", json!([])), b_tip);
    let tips = a.rpc("getchaintips", json!([]));
    assert!(tips.as_array().unwrap().iter().any(|t| t["status"] == "valid-fork" && t["branchlen"] == 35), "{tips}");
    assert_eq!(
        a.rpc("gettxoutsetinfo", json!([]))["hash_serialized_3"],
        b.rpc("gettxoutsetinfo", json!([]))["hash_serialized_3"]
    );
}
