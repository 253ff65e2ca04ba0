//! The mempool after blocks are disconnected (Core's removeForReorg): what
//! can no longer be mined leaves with its descendants, and mining goes on.

use std::time::Duration;

use primitives::{OutPoint, Sequence, Transaction};
use serde_json::{json, Value};
use zennet_tests::chain::{block_on, coinbase_of, resign, spend};
use zennet_tests::{Node, REGTEST_ADDRESS};

fn send(node: &Node, tx: &Transaction) -> String {
    node.rpc("sendrawtransaction", json!([hex::encode(tx.serialize())])).as_str().expect("txid").to_string()
}

fn mempool(node: &Node) -> Vec<String> {
    let mut txids: Vec<String> = node
        .rpc("getrawmempool", json!([]))
        .as_array()
        .expect("array")
        .iter()
        .map(|v| v.as_str().expect("txid").to_string())
        .collect();
    txids.sort();
    txids
}

/// Output 0 of `tx` and its value.
fn output0(tx: &Transaction) -> (OutPoint, u64) {
    (OutPoint { txid: tx.txid(), vout: 0 }, tx.output[0].value.to_sat())
}

/// Mining still works, and the template it used was valid.
fn assert_mines(node: &Node) {
    let template = node.rpc("getblocktemplate", json!([{"rules": ["segwit"]}]));
    let hashes = node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    assert_eq!(hashes.as_array().map(Vec::len), Some(1), "template {template}");
}

#[test]
fn a_spend_of_a_coinbase_that_is_immature_again_leaves_with_its_child() {
    let node = Node::start(&[]);
    node.rpc("generatetoaddress", json!([101, REGTEST_ADDRESS]));
    // Mature at height 102 (102 - 2 = 100), not at 101.
    let (coinbase, value) = coinbase_of(&node, 2);
    let parent = spend(coinbase, value, false);
    send(&node, &parent);
    node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    let (out, amount) = output0(&parent);
    let child = spend(out, amount, false);
    send(&node, &child);
    assert_eq!(mempool(&node), vec![child.txid().to_string()]);

    // Back to height 100: the parent cannot return (premature), so the child must go.
    node.rpc("invalidateblock", json!([node.rpc("getblockhash", json!([101]))]));
    assert_eq!(node.height(), 100);
    assert_eq!(mempool(&node), Vec::<String>::new(), "mempool after the reorganisation");
    assert_mines(&node);

    // Back on the original chain the parent is confirmed again, and mining goes on.
    let invalidated = node.rpc("getchaintips", json!([]));
    let old_tip = invalidated.as_array().unwrap().iter().find(|t| t["status"] == "invalid").expect("invalid tip");
    node.rpc("reconsiderblock", json!([old_tip["hash"]]));
    assert_eq!(node.height(), 102);
    assert_mines(&node);
}

#[test]
fn a_child_of_a_transaction_conflicted_in_the_new_chain_leaves() {
    let a = Node::start(&[]);
    let b = Node::start(&[]);
    a.rpc("generatetoaddress", json!([101, REGTEST_ADDRESS]));
    a.send_blocks_to(&b);
    let (coinbase, value) = coinbase_of(&a, 1);

    // A: the parent mined at 102, its child in the mempool.
    let parent = spend(coinbase, value, false);
    send(&a, &parent);
    a.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    let (out, amount) = output0(&parent);
    let child = spend(out, amount, false);
    send(&a, &child);

    // B: a longer chain whose first block spends the same coin differently.
    let mut rival = parent.clone();
    rival.output[0].value = primitives::Amount::from_sat(value - 2_000_000);
    let rival = resign(rival, value);
    assert_ne!(rival.txid(), parent.txid());
    for txs in [vec![rival.clone()], vec![]] {
        let block = block_on(&b, txs);
        assert_eq!(b.rpc("submitblock", json!([hex::encode(block.serialize())])), Value::Null);
    }
    // A reorganises onto B's chain.
    for height in 102..=103 {
        let hash = b.rpc("getblockhash", json!([height]));
        let block = b.rpc("getblock", json!([hash, 0]));
        a.rpc("submitblock", json!([block]));
    }
    a.wait_for_tip(&b.tip(), Duration::from_secs(10));
    assert_eq!(mempool(&a), Vec::<String>::new(), "the parent conflicts with the chain, so its child must go");
    assert_mines(&a);
}

#[test]
fn a_transaction_whose_lock_time_is_no_longer_final_leaves() {
    let node = Node::start(&[]);
    node.rpc("generatetoaddress", json!([105, REGTEST_ADDRESS]));
    let (coinbase, value) = coinbase_of(&node, 1);
    // Final in block 106 (lock time 105 < 106), not in block 105.
    let mut tx = spend(coinbase, value, false);
    tx.lock_time = 105;
    tx.input[0].sequence = Sequence(0xffff_fffe);
    let tx = resign(tx, value);
    send(&node, &tx);
    let (out, amount) = output0(&tx);
    let child = spend(out, amount, false);
    send(&node, &child);
    assert_eq!(mempool(&node).len(), 2);

    node.rpc("invalidateblock", json!([node.tip()]));
    assert_eq!(node.height(), 104);
    assert_eq!(mempool(&node), Vec::<String>::new(), "non-final after the reorganisation, with its child");
    assert_mines(&node);
}

#[test]
fn transactions_of_disconnected_blocks_return_parents_first() {
    let node = Node::start(&[]);
    node.rpc("generatetoaddress", json!([101, REGTEST_ADDRESS]));
    let (coinbase, value) = coinbase_of(&node, 1);
    // Parent in block 102, child in block 103: both come back, linked.
    let parent = spend(coinbase, value, false);
    send(&node, &parent);
    let first = node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    let (out, amount) = output0(&parent);
    let child = spend(out, amount, false);
    send(&node, &child);
    node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    assert!(mempool(&node).is_empty());

    node.rpc("invalidateblock", json!([first[0]]));
    let mut expected = vec![parent.txid().to_string(), child.txid().to_string()];
    expected.sort();
    assert_eq!(mempool(&node), expected);
    let ancestors = node.rpc("getmempoolancestors", json!([child.txid().to_string()]));
    assert_eq!(ancestors, json!([parent.txid().to_string()]), "the child is linked to its returned parent");
    let template = node.rpc("getblocktemplate", json!([{"rules": ["segwit"]}]));
    let order: Vec<&str> =
        template["transactions"].as_array().unwrap().iter().map(|t| t["txid"].as_str().unwrap()).collect();
    assert_eq!(order, vec![parent.txid().to_string(), child.txid().to_string()], "parent before child");
    assert_mines(&node);
    assert!(mempool(&node).is_empty());
}
