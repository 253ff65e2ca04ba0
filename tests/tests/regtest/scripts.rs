//! Blocks whose transactions carry bad signatures are rejected over
//! `submitblock` with the script error named, and the tip does not move.

use primitives::{OutPoint, Txid};
use serde_json::json;
use zennet_tests::chain::{block_on, spend};
use zennet_tests::{Node, REGTEST_ADDRESS};

#[test]
fn a_block_with_a_bad_signature_is_rejected_naming_the_script_error() {
    let node = Node::start(&[]);
    node.rpc("generatetoaddress", json!([101, REGTEST_ADDRESS]));
    let first = node.rpc("getblockhash", json!([1]));
    let coinbase_txid: Txid = node.rpc("getblock", json!([first, 1]))["tx"][0].as_str().unwrap().parse().unwrap();
    let outpoint = OutPoint { txid: coinbase_txid, vout: 0 };
    let tip_before = node.rpc("getbestblockhash", json!([]));

    let bad = block_on(&node, vec![spend(outpoint, 475_000_000, true)]);
    let result = node.rpc("submitblock", json!([hex::encode(bad.serialize())]));
    assert_eq!(
        result,
        "mandatory-script-verify-flag-failed (Script evaluated without error but finished with a false/empty top stack element)"
    );
    assert_eq!(node.rpc("getbestblockhash", json!([])), tip_before);
    assert_eq!(node.rpc("getblockcount", json!([])), 101);

    // The same spend correctly signed is accepted; resubmitting is "duplicate".
    let good = block_on(&node, vec![spend(outpoint, 475_000_000, false)]);
    let hex = hex::encode(good.serialize());
    assert_eq!(node.rpc("submitblock", json!([hex])), serde_json::Value::Null);
    assert_eq!(node.rpc("getblockcount", json!([])), 102);
    assert_eq!(node.rpc("submitblock", json!([hex])), "duplicate");
    // Spending the same coin again is a missing input.
    let again = block_on(&node, vec![spend(outpoint, 475_000_000, false)]);
    assert_eq!(node.rpc("submitblock", json!([hex::encode(again.serialize())])), "bad-txns-inputs-missingorspent");
    // Garbage is a decode error (-22), not a crash.
    match node.try_rpc("submitblock", json!(["00ff"])) {
        Err(rpc::ClientError::Rpc(e)) => assert_eq!(e.code, -22),
        other => panic!("{other:?}"),
    }
    assert_eq!(node.rpc("getblockcount", json!([])), 102);
}
