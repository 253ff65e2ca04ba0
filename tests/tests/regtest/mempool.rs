//! Transactions through the mempool: sendrawtransaction, testmempoolaccept,
//! mining them, and their return after the block that held them is
//! disconnected.

use serde_json::json;
use zennet_tests::chain::{coinbase_of, spend};
use zennet_tests::{Node, REGTEST_ADDRESS};

#[test]
fn mempool_to_block_and_back_on_reorg() {
    let mut node = Node::start(&[]);
    node.rpc("generatetoaddress", json!([101, REGTEST_ADDRESS]));
    let (outpoint, value) = coinbase_of(&node, 1);
    let tx = spend(outpoint, value, false);
    let hex = hex::encode(tx.serialize());

    // A bad signature is refused with the script error named.
    let forged = hex::encode(spend(outpoint, value, true).serialize());
    let result = node.rpc("testmempoolaccept", json!([[forged]]));
    assert_eq!(result[0]["allowed"], false);
    assert!(
        result[0]["reject-reason"].as_str().unwrap().starts_with("mandatory-script-verify-flag-failed"),
        "{result}"
    );
    match node.try_rpc("sendrawtransaction", json!([forged])) {
        Err(rpc::ClientError::Rpc(e)) => assert_eq!(e.code, -26),
        other => panic!("{other:?}"),
    }
    match node.try_rpc("sendrawtransaction", json!(["zz"])) {
        Err(rpc::ClientError::Rpc(e)) => assert_eq!(e.code, -22),
        other => panic!("{other:?}"),
    }

    let test = node.rpc("testmempoolaccept", json!([[hex]]));
    assert_eq!(test[0]["allowed"], true, "{test}");
    let txid = node.rpc("sendrawtransaction", json!([hex]));
    assert_eq!(txid, tx.txid().to_string());
    assert_eq!(node.rpc("getrawmempool", json!([])), json!([txid]));
    let entry = node.rpc("getmempoolentry", json!([txid]));
    assert_eq!(entry["fees"]["base"], 0.01);
    assert_eq!(node.rpc("getmempoolinfo", json!([]))["size"], 1);
    assert_eq!(node.rpc("getmempoolancestors", json!([txid])), json!([]));
    assert_eq!(node.rpc("prioritisetransaction", json!([txid, 0, 1000])), true);
    let no_data = node.rpc("estimatesmartfee", json!([2]));
    assert!(no_data.get("errors").is_some(), "{no_data}");
    // The pool survives a restart (mempool.dat).
    assert!(node.stop().success());
    node.restart();
    assert_eq!(node.rpc("getrawmempool", json!([])), json!([txid]));

    // Mined: the block carries it and claims its fee; the mempool empties.
    let hashes = node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    let block = node.rpc("getblock", json!([hashes[0], 2]));
    assert_eq!(block["tx"][1]["txid"], txid);
    let coinbase_value = block["tx"][0]["vout"][0]["value"].as_f64().unwrap();
    assert!((coinbase_value - 4.76).abs() < 1e-9, "subsidy 4.75 + fee 0.01: {coinbase_value}");
    assert_eq!(node.rpc("getrawmempool", json!([])), json!([]));
    // The confirmed feerate (0.01 ZEN over ~110 vbytes) now informs estimates.
    let estimate = node.rpc("estimatesmartfee", json!([2]));
    assert!(estimate["feerate"].as_f64().unwrap() > 0.05, "{estimate}");

    // Disconnecting the block returns the transaction to the mempool.
    node.rpc("invalidateblock", json!([hashes[0]]));
    assert_eq!(node.rpc("getrawmempool", json!([])), json!([txid]));
    node.rpc("reconsiderblock", json!([hashes[0]]));
    assert_eq!(node.rpc("getrawmempool", json!([])), json!([]));
}

/// -datacarrier, -datacarriersize and -permitbaremultisig as Core's relay policy.
#[test]
fn data_carrier_and_bare_multisig_policy() {
    let verdict = |node: &Node, outputs: serde_json::Value| {
        let raw = node.rpc("createrawtransaction", json!([[], outputs]));
        let funded = node.wallet_rpc("w", "fundrawtransaction", json!([raw]));
        let signed = node.wallet_rpc("w", "signrawtransactionwithwallet", json!([funded["hex"]]));
        node.rpc("testmempoolaccept", json!([[signed["hex"]]]))[0].clone()
    };
    let start = |args: &[&str]| {
        let node = Node::start(args);
        node.rpc("createwallet", json!(["w"]));
        let address = node.wallet_rpc("w", "getnewaddress", json!([]));
        node.rpc("generatetoaddress", json!([101, address]));
        node.mine(101);
        node
    };
    let strict = start(&["-fallbackfee=0.0002", "-datacarrier=0", "-permitbaremultisig=0"]);
    let info = strict.rpc("getmempoolinfo", json!([]));
    assert_eq!((info["permitbaremultisig"].clone(), info["maxdatacarriersize"].clone()), (json!(false), json!(0)));
    let data = json!([{"data": "cafe"}, {REGTEST_ADDRESS: 1}]);
    assert_eq!(verdict(&strict, data.clone())["reject-reason"], "scriptpubkey");
    let small = start(&["-fallbackfee=0.0002", "-datacarriersize=5"]);
    assert_eq!(verdict(&small, data)["allowed"], true, "a 4-byte OP_RETURN script fits in 5");
    assert_eq!(verdict(&small, json!([{"data": "cafebabe"}]))["reject-reason"], "scriptpubkey");

    // A 1-of-1 bare multisig output: standard by default, refused with -permitbaremultisig=0.
    let key = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    let bare = primitives::ScriptBuf::from_bytes(hex::decode(format!("5121{key}51ae")).unwrap());
    for (node, expected) in [(&small, json!(true)), (&strict, json!(false))] {
        let (coin, value) = coinbase_of(node, 102);
        let mut tx = spend(coin, value, false);
        tx.output[0].script_pubkey = bare.clone();
        let tx = zennet_tests::chain::resign(tx, value);
        let result = node.rpc("testmempoolaccept", json!([[hex::encode(tx.serialize())]]))[0].clone();
        assert_eq!(result["allowed"], expected, "{result}");
        if expected == json!(false) {
            assert_eq!(result["reject-reason"], "bare-multisig");
        }
    }
}
