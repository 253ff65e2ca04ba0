//! The wallet's PSBT and raw-transaction RPCs across wallets and nodes: a
//! 2-of-3 `wsh(multi(…))` watch-only wallet made from three wallets'
//! xpubs with importdescriptors; walletcreatefundedpsbt on it,
//! walletprocesspsbt by signers on two nodes, combinepsbt, finalizepsbt,
//! sendrawtransaction, confirmed; analyzepsbt at every step. Then
//! fundrawtransaction and signrawtransactionwithwallet on an HD wallet.

use std::time::Duration;

use serde_json::json;
use zennet_tests::{rpc_error, sync_tips, zen, Node, REGTEST_ADDRESS};

const SYNC: Duration = Duration::from_secs(120);

/// `[fp/84h/1h/0h]tpub…/0/*` of a wallet's bech32 receive descriptor.
fn receive_key(node: &Node, wallet: &str) -> String {
    let list = node.wallet_rpc(wallet, "listdescriptors", json!([]))["descriptors"].clone();
    let desc = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["desc"].as_str().unwrap().to_string())
        .find(|d| d.starts_with("wpkh(") && d.contains("/0/*"))
        .unwrap();
    desc.trim_start_matches("wpkh(").split(")#").next().unwrap().to_string()
}

#[test]
fn multisig_psbt_signed_by_wallets_on_two_nodes() {
    let a = Node::start(&["-fallbackfee=0.0002"]);
    let b = Node::start(&["-fallbackfee=0.0002"]);
    b.connect_to(&a);
    for name in ["s1", "s2", "funder"] {
        a.rpc("createwallet", json!([name]));
    }
    b.rpc("createwallet", json!(["s3"]));
    let keys = [receive_key(&a, "s1"), receive_key(&a, "s2"), receive_key(&b, "s3")];
    let body = format!("wsh(multi(2,{},{},{}))", keys[0], keys[1], keys[2]);
    let desc = a.rpc("getdescriptorinfo", json!([body]))["descriptor"].as_str().unwrap().to_string();

    a.rpc("createwallet", json!({"wallet_name": "ms", "disable_private_keys": true, "blank": true}));
    let imported =
        a.wallet_rpc("ms", "importdescriptors", json!([[{"desc": desc, "timestamp": "now", "range": [0, 20]}]]));
    assert_eq!(imported[0]["success"], true, "{imported}");
    let addresses = a.rpc("deriveaddresses", json!([desc, [0, 1]]));
    let (receive, change) = (addresses[0].as_str().unwrap().to_string(), addresses[1].as_str().unwrap().to_string());
    assert_eq!(a.wallet_rpc("ms", "getaddressinfo", json!([receive]))["ismine"], true);

    let funder = a.wallet_rpc("funder", "getnewaddress", json!([]));
    a.rpc("generatetoaddress", json!([101, funder]));
    a.wallet_rpc("funder", "sendtoaddress", json!([receive, 3.0]));
    a.mine(1);
    sync_tips(&[&a, &b], SYNC);
    assert_eq!(a.wallet_rpc("ms", "getbalances", json!([]))["mine"]["trusted"], zen(3.0));

    // Creator and updater: the watch-only wallet funds it.
    let pay_to = b.wallet_rpc("s3", "getnewaddress", json!([])).as_str().unwrap().to_string();
    let created = a.wallet_rpc(
        "ms",
        "walletcreatefundedpsbt",
        json!({"inputs": [], "outputs": [{pay_to.clone(): 1.25}], "options": {"changeAddress": change, "fee_rate": 3}}),
    );
    let psbt = created["psbt"].as_str().unwrap().to_string();
    assert!(created["fee"].as_f64().unwrap() > 0.0);
    let decoded = a.rpc("decodepsbt", json!([psbt]));
    assert_eq!(decoded["inputs"][0]["witness_script"]["type"], "multisig", "{decoded}");
    assert_eq!(decoded["inputs"][0]["bip32_derivs"].as_array().unwrap().len(), 3);
    let analysis = a.rpc("analyzepsbt", json!([psbt]));
    assert_eq!(analysis["next"], "signer", "{analysis}");

    // Signers: s1 on node a, s3 on node b; s2 never signs.
    let by_s1 = a.wallet_rpc("s1", "walletprocesspsbt", json!([psbt]));
    assert_eq!(by_s1["complete"], false);
    assert_eq!(a.rpc("analyzepsbt", json!([by_s1["psbt"]]))["next"], "signer");
    let by_s3 = b.wallet_rpc(
        "s3",
        "walletprocesspsbt",
        json!({"psbt": psbt, "sign": true, "sighashtype": "ALL", "finalize": false}),
    );
    assert_eq!(by_s3["complete"], false);
    let combined = a.rpc("combinepsbt", json!([[by_s1["psbt"], by_s3["psbt"]]]));
    assert_eq!(a.rpc("analyzepsbt", json!([combined]))["next"], "finalizer");
    let finalized = a.rpc("finalizepsbt", json!([combined]));
    assert_eq!(finalized["complete"], true);
    let txid = a.rpc("sendrawtransaction", json!([finalized["hex"]])).as_str().unwrap().to_string();
    b.wait_in_mempool(&txid, SYNC);
    a.mine(1);
    sync_tips(&[&a, &b], SYNC);
    assert_eq!(b.wallet_rpc("s3", "gettransaction", json!([txid]))["confirmations"], 1);
    assert_eq!(b.wallet_rpc("s3", "getreceivedbyaddress", json!([pay_to])), zen(1.25));

    // A locked or keyless wallet cannot sign: Core's codes.
    let (code, _) = rpc_error(a.try_wallet_rpc("ms", "walletprocesspsbt", json!([psbt])));
    assert_eq!(code, -4, "private keys disabled");
}

#[test]
fn fundrawtransaction_and_signrawtransactionwithwallet() {
    let node = Node::start(&["-fallbackfee=0.0002", "-txindex"]);
    node.rpc("createwallet", json!(["w"]));
    let address = node.wallet_rpc("w", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([102, address]));
    let raw = node.rpc("createrawtransaction", json!([[], [{REGTEST_ADDRESS: 6.0}, {"data": "cafe"}]]));
    let funded = node.wallet_rpc("w", "fundrawtransaction", json!([raw]));
    let fee = funded["fee"].as_f64().unwrap();
    assert!(fee > 0.0 && fee < 0.001, "{funded}");
    let changepos = funded["changepos"].as_i64().unwrap();
    assert!((0..=2).contains(&changepos));
    let decoded = node.rpc("decoderawtransaction", json!([funded["hex"]]));
    assert_eq!(decoded["vin"].as_array().unwrap().len(), 2, "two coinbases of 4.75 pay 6");
    assert_eq!(decoded["vout"].as_array().unwrap().len(), 3);
    // By name, with Core's options: the change where asked, the fee from the first output.
    let named = node.wallet_rpc(
        "w",
        "fundrawtransaction",
        json!({"hexstring": raw, "options": {"changePosition": 0, "fee_rate": 5, "subtractFeeFromOutputs": [0], "lockUnspents": true}}),
    );
    assert_eq!(named["changepos"], 0);
    let decoded_named = node.rpc("decoderawtransaction", json!([named["hex"]]));
    let paid = decoded_named["vout"][1]["value"].as_f64().unwrap();
    assert!(paid < 6.0, "the fee came out of the payment: {decoded_named}");
    assert_eq!(node.wallet_rpc("w", "listlockunspent", json!([])).as_array().unwrap().len(), 2);
    node.wallet_rpc("w", "lockunspent", json!([true]));
    let (code, message) =
        rpc_error(node.try_wallet_rpc("w", "fundrawtransaction", json!([raw, {"changePosition": 9}])));
    assert_eq!((code, message.as_str()), (-8, "changePosition out of bounds"));
    let (code, _) =
        rpc_error(node.try_wallet_rpc("w", "fundrawtransaction", json!([raw, {"fee_rate": 1, "feeRate": 0.001}])));
    assert_eq!(code, -8);
    let (code, _) = rpc_error(node.try_wallet_rpc("w", "fundrawtransaction", json!([raw, {"nonsense": 1}])));
    assert_eq!(code, -8);

    let signed = node.wallet_rpc("w", "signrawtransactionwithwallet", json!([funded["hex"]]));
    assert_eq!(signed["complete"], true, "{signed}");
    let accepted = node.rpc("testmempoolaccept", json!([[signed["hex"]]]))[0].clone();
    assert_eq!(accepted["allowed"], true, "{accepted}");
    // Taproot coins too.
    let tr = node.wallet_rpc("w", "getnewaddress", json!(["", "bech32m"]));
    let txid = node.wallet_rpc("w", "sendtoaddress", json!([tr, 2.0]));
    node.mine(1);
    let vout = node.rpc("getrawtransaction", json!([txid, true]))["vout"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["scriptPubKey"]["address"] == tr)
        .unwrap()["n"]
        .clone();
    let spend = node.rpc("createrawtransaction", json!([[{"txid": txid, "vout": vout}], [{REGTEST_ADDRESS: 1.9999}]]));
    let signed = node.wallet_rpc("w", "signrawtransactionwithwallet", json!({"hexstring": spend}));
    assert_eq!(signed["complete"], true, "{signed}");
    assert_eq!(node.rpc("testmempoolaccept", json!([[signed["hex"]]]))[0]["allowed"], true);
    // Locked: -13.
    node.wallet_rpc("w", "encryptwallet", json!(["pass"]));
    let (code, _) = rpc_error(node.try_wallet_rpc("w", "signrawtransactionwithwallet", json!([spend])));
    assert_eq!(code, -13);
}
