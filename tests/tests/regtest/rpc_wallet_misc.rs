//! Labels and received amounts, key utilities and Core's error codes: each
//! method positionally and by name, with one error case and Core's code.

use std::time::Duration;

use serde_json::{json, Value};
use zennet_tests::{rpc_error, wait_for, zen, Node, REGTEST_ADDRESS};

#[test]
fn labels_and_amounts_received() {
    let node = Node::start(&["-fallbackfee=0.0002"]);
    node.rpc("createwallet", json!(["w"]));
    node.rpc("createwallet", json!(["payer"]));
    let payer = node.wallet_rpc("payer", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([101, payer]));
    let rent = node.wallet_rpc("w", "getnewaddress", json!(["rent"])).as_str().unwrap().to_string();
    let rent2 = node.wallet_rpc("w", "getnewaddress", json!({"label": "rent"})).as_str().unwrap().to_string();
    let other = node.wallet_rpc("w", "getnewaddress", json!([])).as_str().unwrap().to_string();
    node.wallet_rpc("w", "setlabel", json!([other, "savings"]));
    node.wallet_rpc("w", "setlabel", json!({"address": REGTEST_ADDRESS, "label": "shop"}));
    let (code, _) = rpc_error(node.try_wallet_rpc("w", "setlabel", json!([other, "*"])));
    assert_eq!(code, -11);

    assert_eq!(node.wallet_rpc("w", "listlabels", json!([])), json!(["rent", "savings", "shop"]));
    assert_eq!(node.wallet_rpc("w", "listlabels", json!({"purpose": "send"})), json!(["shop"]));
    let by_label = node.wallet_rpc("w", "getaddressesbylabel", json!(["rent"]));
    assert_eq!(by_label, json!({rent.clone(): {"purpose": "receive"}, rent2.clone(): {"purpose": "receive"}}));
    let (code, message) = rpc_error(node.try_wallet_rpc("w", "getaddressesbylabel", json!({"label": "nothing"})));
    assert_eq!((code, message.as_str()), (-11, "No addresses with label nothing"));

    let first = node.wallet_rpc("payer", "sendtoaddress", json!([rent, 1.5])).as_str().unwrap().to_string();
    node.mine(1);
    node.wallet_rpc("payer", "sendtoaddress", json!([rent2, 0.5]));
    node.mine(1);
    wait_for("the wallet to see both payments", Duration::from_secs(30), || {
        (node.wallet_rpc("w", "getbalance", json!([])) == zen(2.0)).then_some(())
    });
    let received = node.wallet_rpc("w", "listreceivedbyaddress", json!([]));
    let entry = received.as_array().unwrap().iter().find(|e| e["address"] == json!(rent)).unwrap().clone();
    assert_eq!(entry["amount"], zen(1.5));
    assert_eq!(entry["confirmations"], 2);
    assert_eq!(entry["label"], "rent");
    assert_eq!(entry["txids"], json!([first]));
    assert_eq!(received.as_array().unwrap().len(), 2, "addresses that received: {received}");
    let all = node.wallet_rpc("w", "listreceivedbyaddress", json!({"minconf": 0, "include_empty": true}));
    assert!(all.as_array().unwrap().iter().any(|e| e["address"] == json!(other) && e["amount"] == zen(0.0)));
    let filtered = node.wallet_rpc("w", "listreceivedbyaddress", json!([1, false, false, rent2]));
    assert_eq!(filtered.as_array().unwrap().len(), 1);
    let (code, _) = rpc_error(node.try_wallet_rpc("w", "listreceivedbyaddress", json!([1, false, false, "nonsense"])));
    assert_eq!(code, -4);
    let by_label = node.wallet_rpc("w", "listreceivedbylabel", json!([]));
    assert_eq!(by_label, json!([{"amount": zen(2.0), "confirmations": 1, "label": "rent"}]));
    let with_empty = node.wallet_rpc("w", "listreceivedbylabel", json!({"include_empty": true}));
    assert_eq!(with_empty.as_array().unwrap().len(), 2, "rent and savings (shop is not ours): {with_empty}");
}

#[test]
fn key_utilities_and_core_error_codes() {
    let mut node = Node::start(&[]);
    node.rpc("createwallet", json!(["w"]));
    let address = node.wallet_rpc("w", "getnewaddress", json!([]));
    let (code, message) = rpc_error(node.try_wallet_rpc("w", "dumpprivkey", json!([address])));
    assert_eq!((code, message.as_str()), (-4, "Only legacy wallets are supported by this command"));

    // signmessagewithprivkey verifies for the key's P2WPKH address.
    let wif = "cMahea7zqjxrtgAbB7LSGbcQUr1uX1ojuat9jZodMN87JcbXMTcA";
    let secret = bitcoin::PrivateKey::from_wif(wif).unwrap();
    let secp = bitcoin::secp256k1::Secp256k1::new();
    let public = secret.public_key(&secp);
    let script = primitives::ScriptBuf::new_p2wpkh(&public.wpubkey_hash().unwrap());
    let key_address = primitives::Address::from_script(&script, primitives::Network::Regtest).unwrap().to_string();
    let signature = node.rpc("signmessagewithprivkey", json!([wif, "hello"]));
    assert_eq!(node.rpc("verifymessage", json!([key_address, signature, "hello"])), json!(true));
    let named = node.rpc("signmessagewithprivkey", json!({"privkey": wif, "message": "hello"}));
    assert_eq!(named, signature, "deterministic (RFC6979)");
    let (code, message) = rpc_error(node.try_rpc("signmessagewithprivkey", json!(["notakey", "hello"])));
    assert_eq!((code, message.as_str()), (-5, "Invalid private key"));

    // createwallet: -35 while loaded, -4 when only on disk.
    let (code, _) = rpc_error(node.try_rpc("createwallet", json!(["w"])));
    assert_eq!(code, -35);
    node.rpc("unloadwallet", json!(["w"]));
    let (code, message) = rpc_error(node.try_rpc("createwallet", json!({"wallet_name": "w"})));
    assert_eq!(code, -4, "{message}");
    assert!(message.contains("Database already exists."), "{message}");
    node.rpc("loadwallet", json!(["w"]));

    // submitheader takes a whole block's hex (its first 80 bytes).
    let other = Node::start(&[]);
    other.mine(1);
    let block = other.rpc("getblock", json!([other.tip(), 0]));
    assert_eq!(node.rpc("submitheader", json!([block])), Value::Null);
    let (code, _) = rpc_error(node.try_rpc("submitheader", json!({"hexdata": "00"})));
    assert_eq!(code, -22);

    // decodescript of P2PK: segwit is P2WPKH of the key, as Core.
    let key = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
    let decoded = node.rpc("decodescript", json!([format!("21{key}ac")]));
    assert_eq!(decoded["type"], "pubkey");
    assert_eq!(decoded["desc"].as_str().unwrap().split('#').next().unwrap(), format!("pk({key})"));
    assert_eq!(decoded["segwit"]["type"], "witness_v0_keyhash");
    assert_eq!(decoded["segwit"]["hex"], "0014751e76e8199196d454941c45d1b3a323f1433bd6");
    let uncompressed = node.rpc("decodescript", json!([format!("41{}ac", "04".to_string() + &"11".repeat(64))]));
    assert!(uncompressed.get("segwit").is_none(), "{uncompressed}");
    let p2wsh = node.rpc("validateaddress", json!([node.rpc("decodescript", json!(["51"]))["segwit"]["address"]]));
    assert_eq!(p2wsh["isscript"], true);

    // setgenerate without -mineraddress mines to the wallet.
    node.rpc("setgenerate", json!([true, 1]));
    wait_for("a block mined to the wallet", Duration::from_secs(120), || {
        let immature = node.wallet_rpc("w", "getbalances", json!([]))["mine"]["immature"].as_f64()?;
        (immature > 0.0).then_some(())
    });
    node.rpc("setgenerate", json!({"generate": false}));
    node.stop();
}
