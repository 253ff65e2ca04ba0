//! Looking up unconfirmed transactions and outputs as Core answers it:
//! getrawtransaction and gettxout see the mempool; a confirmed transaction
//! sent again is -27.

use primitives::OutPoint;
use serde_json::{json, Value};
use zennet_tests::chain::{coinbase_of, spend};
use zennet_tests::{Node, REGTEST_ADDRESS};

#[test]
fn mempool_transactions_and_outputs_are_found_as_core_finds_them() {
    let node = Node::start(&[]);
    node.rpc("generatetoaddress", json!([102, REGTEST_ADDRESS]));
    let (coinbase, value) = coinbase_of(&node, 1);
    let tx = spend(coinbase, value, false);
    let hex = hex::encode(tx.serialize());
    let txid = node.rpc("sendrawtransaction", json!([hex]));

    // getrawtransaction without -txindex finds it in the mempool.
    assert_eq!(node.rpc("getrawtransaction", json!([txid])), json!(hex));
    let verbose = node.rpc("getrawtransaction", json!([txid, true]));
    assert_eq!(verbose["txid"], txid);
    assert!(verbose.get("blockhash").is_none() && verbose.get("confirmations").is_none(), "{verbose}");

    // Its output exists with 0 confirmations when the mempool counts (the default).
    let out = node.rpc("gettxout", json!([txid, 0]));
    assert_eq!(out["confirmations"], 0, "{out}");
    assert_eq!(out["coinbase"], false);
    assert_eq!(node.rpc("gettxout", json!([txid, 0, false])), Value::Null);
    assert_eq!(node.rpc("gettxout", json!([txid, 1])), Value::Null, "no such output");
    // The confirmed coin it spends reads as spent with the mempool, unspent without.
    let OutPoint { txid: spent, vout } = coinbase;
    assert_eq!(node.rpc("gettxout", json!([spent.to_string(), vout])), Value::Null);
    let confirmed = node.rpc("gettxout", json!([spent.to_string(), vout, false]));
    assert_eq!(confirmed["confirmations"], 102, "{confirmed}");

    // Mined: sending it again is "already in the UTXO set".
    node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    match node.try_rpc("sendrawtransaction", json!([hex])) {
        Err(rpc::ClientError::Rpc(e)) => {
            assert_eq!(e.code, -27, "{}", e.message);
            assert_eq!(e.message, "Transaction outputs already in utxo set");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(node.rpc("gettxout", json!([txid, 0]))["confirmations"], 1);
}
