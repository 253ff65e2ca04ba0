//! importdescriptors with private keys into wallets with keys, as Core:
//! wpkh(WIF), wpkh(tprv/…/*), combo(WIF), sh(wpkh(WIF)), wsh(multi(…)) are
//! received to and spent from; listdescriptors true shows their keys; an
//! encrypted wallet imports only unlocked and keeps the keys sealed.

use bitcoin::bip32::Xpriv;
use bitcoin::secp256k1::{Secp256k1, SecretKey};
use bitcoin::{NetworkKind, PrivateKey};
use serde_json::{json, Value};
use zennet_tests::{rpc_error, Node, REGTEST_ADDRESS};

fn wif(n: u8) -> String {
    PrivateKey::new(SecretKey::from_slice(&[n; 32]).unwrap(), NetworkKind::Test).to_wif()
}

fn with_checksum(node: &Node, body: &str) -> String {
    node.rpc("getdescriptorinfo", json!([body]))["checksum"].as_str().map(|c| format!("{body}#{c}")).unwrap()
}

fn import(node: &Node, wallet: &str, desc: &str, range: Option<Value>) -> Value {
    let mut request = json!({"desc": desc, "timestamp": "now"});
    if let Some(range) = range {
        request["range"] = range;
    }
    node.wallet_rpc(wallet, "importdescriptors", json!([[request]]))[0].clone()
}

#[test]
fn private_descriptors_are_received_to_and_spent() {
    let node = Node::start(&["-fallbackfee=0.0002"]);
    node.rpc("createwallet", json!(["funder"]));
    let funder = node.wallet_rpc("funder", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([110, funder]));
    node.rpc("createwallet", json!(["keys"]));

    let tprv = Xpriv::new_master(NetworkKind::Test, &[7; 32]).unwrap().to_string();
    let public_of = |n: u8| {
        bitcoin::PublicKey::new(SecretKey::from_slice(&[n; 32]).unwrap().public_key(&Secp256k1::new())).to_string()
    };
    let descriptors = [
        (format!("wpkh({})", wif(1)), None),
        (format!("wpkh({tprv}/0/*)"), Some(json!([0, 5]))),
        (format!("sh(wpkh({}))", wif(2)), None),
        (format!("wsh(multi(1,{},{}))", wif(3), public_of(4)), None),
        (format!("combo({})", wif(5)), None),
    ]
    .map(|(body, range)| (with_checksum(&node, &body), range));
    for (desc, range) in &descriptors {
        let result = import(&node, "keys", desc, range.clone());
        assert_eq!(result["success"], true, "{desc}: {result}");
    }
    // Watch-only forms have no keys: refused in a wallet with keys, as Core.
    let (addr_desc, raw_desc) =
        (with_checksum(&node, &format!("addr({REGTEST_ADDRESS})")), with_checksum(&node, "raw(51)"));
    for desc in [addr_desc, raw_desc] {
        let refused = import(&node, "keys", &desc, None);
        assert_eq!(refused["error"]["code"], -4, "{refused}");
    }

    // Pay one output to each script (one each of combo's P2PKH and P2WPKH).
    let mut targets = Vec::new();
    for (desc, range) in &descriptors {
        let derived = match range {
            Some(_) => node.rpc("deriveaddresses", json!([desc, [0, 0]])),
            None if desc.starts_with("combo(") => continue,
            None => node.rpc("deriveaddresses", json!([desc])),
        };
        targets.push(derived[0].as_str().unwrap().to_string());
    }
    let combo_wpkh = with_checksum(&node, &format!("wpkh({})", public_of(5)));
    targets.push(node.rpc("deriveaddresses", json!([combo_wpkh]))[0].as_str().unwrap().to_string());
    for address in &targets {
        assert_eq!(node.wallet_rpc("keys", "getaddressinfo", json!([address]))["ismine"], true, "{address}");
        node.wallet_rpc("funder", "sendtoaddress", json!([address, 1.0]));
    }
    node.mine(1);
    let unspent = node.wallet_rpc("keys", "listunspent", json!([]));
    assert_eq!(unspent.as_array().unwrap().len(), targets.len());
    assert!(unspent.as_array().unwrap().iter().all(|u| u["spendable"] == true), "{unspent}");

    // Spend all of them in one payment: every kind is signed.
    let txid =
        node.wallet_rpc("keys", "sendtoaddress", json!({"address": REGTEST_ADDRESS, "amount": 4.99, "fee_rate": 2}));
    let tx = node.rpc("getrawtransaction", json!([txid, true]));
    assert_eq!(tx["vin"].as_array().unwrap().len(), 5, "{tx}");
    node.mine(1);
    assert_eq!(node.wallet_rpc("keys", "gettransaction", json!([txid]))["confirmations"], 1);

    // listdescriptors true shows the keys; false only public ones.
    let private = node.wallet_rpc("keys", "listdescriptors", json!([true]))["descriptors"].clone();
    assert!(private.as_array().unwrap().iter().any(|d| d["desc"].as_str().unwrap().contains(&wif(1))), "{private}");
    assert!(private.as_array().unwrap().iter().any(|d| d["desc"].as_str().unwrap().contains("tprv")));
    let public = node.wallet_rpc("keys", "listdescriptors", json!([]))["descriptors"].clone();
    assert!(!public.to_string().contains(&wif(1)) && !public.to_string().contains("tprv"));
}

#[test]
fn encrypted_wallets_import_keys_only_unlocked_and_keep_them_sealed() {
    let mut node = Node::start(&["-fallbackfee=0.0002"]);
    node.rpc("createwallet", json!({"wallet_name": "w", "passphrase": "pass"}));
    let desc = with_checksum(&node, &format!("wpkh({})", wif(9)));
    let locked = import(&node, "w", &desc, None);
    assert_eq!(locked["error"]["code"], -13, "{locked}");
    node.wallet_rpc("w", "walletpassphrase", json!(["pass", 60]));
    assert_eq!(import(&node, "w", &desc, None)["success"], true);
    let address = node.rpc("deriveaddresses", json!([desc]))[0].as_str().unwrap().to_string();
    node.rpc("generatetoaddress", json!([101, address]));
    node.wallet_rpc("w", "walletlock", json!([]));
    let (code, _) = rpc_error(node.try_wallet_rpc("w", "listdescriptors", json!([true])));
    assert_eq!(code, -13);
    // On disk the key is sealed.
    node.stop();
    let dir = node.network_dir().join("wallets").join("w");
    let mut on_disk = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        if let Ok(bytes) = std::fs::read(entry.unwrap().path()) {
            on_disk.extend(bytes);
        }
    }
    assert!(!on_disk.windows(wif(9).len()).any(|w| w == wif(9).as_bytes()), "the WIF is not on disk in clear");
    node.restart();
    node.rpc("loadwallet", json!(["w"]));
    node.wallet_rpc("w", "walletpassphrase", json!(["pass", 60]));
    let txid = node.wallet_rpc("w", "sendtoaddress", json!([REGTEST_ADDRESS, 1]));
    assert!(txid.is_string());
    node.wallet_rpc("w", "walletpassphrasechange", json!(["pass", "new"]));
    node.wallet_rpc("w", "walletpassphrase", json!(["new", 60]));
    let listed = node.wallet_rpc("w", "listdescriptors", json!([true]))["descriptors"].clone();
    assert!(listed.to_string().contains(&wif(9)), "re-sealed under the new passphrase and opened: {listed}");
}
