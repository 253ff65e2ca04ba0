//! Raw transactions and PSBT without a wallet, as Core answers them:
//! createrawtransaction, signrawtransactionwithkey (P2WPKH and a 2-of-2
//! P2WSH multisig signed key by key), combinerawtransaction, createpsbt,
//! converttopsbt, decodepsbt, analyzepsbt at every step, utxoupdatepsbt
//! with a descriptor, descriptorprocesspsbt, combinepsbt, joinpsbts and
//! finalizepsbt; each positionally and by name, with Core's error codes.

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use bitcoin::{NetworkKind, PrivateKey};
use primitives::{Address, Network, ScriptBuf};
use serde_json::{json, Value};
use zennet_tests::{rpc_error, zen, Node, REGTEST_ADDRESS};

struct Key {
    wif: String,
    public: String,
}

fn key(n: u8) -> Key {
    let secp = Secp256k1::new();
    let secret = SecretKey::from_slice(&[n; 32]).unwrap();
    let public = PublicKey::from_secret_key(&secp, &secret);
    Key { wif: PrivateKey::new(secret, NetworkKind::Test).to_wif(), public: public.to_string() }
}

fn p2wpkh_address(k: &Key) -> String {
    let public = bitcoin::PublicKey::from_slice(&hex::decode(&k.public).unwrap()).unwrap();
    let script = ScriptBuf::new_p2wpkh(&public.wpubkey_hash().unwrap());
    Address::from_script(&script, Network::Regtest).unwrap().to_string()
}

/// Pays `amount` to `address` from the wallet and returns the output.
fn fund(node: &Node, address: &str, amount: f64) -> (String, u64) {
    let txid = node.wallet_rpc("w", "sendtoaddress", json!([address, amount])).as_str().unwrap().to_string();
    let tx = node.rpc("getrawtransaction", json!([txid, true]));
    let vout = tx["vout"].as_array().unwrap().iter().find(|o| o["scriptPubKey"]["address"] == address).unwrap()["n"]
        .as_u64()
        .unwrap();
    (txid, vout)
}

fn accept(node: &Node, hex: &str) -> Value {
    node.rpc("testmempoolaccept", json!([[hex]]))[0].clone()
}

#[test]
fn raw_transactions_signed_with_keys_and_combined() {
    let node = Node::start(&["-fallbackfee=0.0002", "-txindex"]);
    node.rpc("createwallet", json!(["w"]));
    let mine_to = node.wallet_rpc("w", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([103, mine_to]));
    let (k1, k2) = (key(0x11), key(0x22));
    let single = p2wpkh_address(&k1);
    let multisig = node.rpc("createmultisig", json!([2, [k1.public, k2.public]]));
    let (multi_address, witness_script) =
        (multisig["address"].as_str().unwrap().to_string(), multisig["redeemScript"].as_str().unwrap().to_string());
    let (single_txid, single_vout) = fund(&node, &single, 2.0);
    let (multi_txid, multi_vout) = fund(&node, &multi_address, 3.0);
    node.mine(1);

    // createrawtransaction: positional and named, Core's sequence defaults.
    let inputs = json!([{"txid": single_txid, "vout": single_vout}]);
    let outputs = json!([{REGTEST_ADDRESS: 1.9999}]);
    let raw = node.rpc("createrawtransaction", json!([inputs, outputs]));
    let named = node.rpc("createrawtransaction", json!({"inputs": inputs, "outputs": outputs}));
    assert_eq!(raw, named);
    let decoded = node.rpc("decoderawtransaction", json!([raw]));
    assert_eq!(decoded["vin"][0]["sequence"], 0xffff_ffffu32);
    let rbf = node
        .rpc("createrawtransaction", json!({"inputs": inputs, "outputs": outputs, "locktime": 0, "replaceable": true}));
    assert_eq!(node.rpc("decoderawtransaction", json!([rbf]))["vin"][0]["sequence"], 0xffff_fffdu32);
    let data = node.rpc("createrawtransaction", json!([inputs, {"data": "00ff"}]));
    assert_eq!(node.rpc("decoderawtransaction", json!([data]))["vout"][0]["scriptPubKey"]["type"], "nulldata");
    for (bad, code, message) in [
        (json!([[{"txid": single_txid}], outputs]), -8, "Invalid parameter, missing vout key"),
        (json!([[{"txid": single_txid, "vout": -1}], outputs]), -8, "Invalid parameter, vout cannot be negative"),
        (json!([[{"txid": "00", "vout": 0}], outputs]), -8, "txid must be of length 64 (not 2, for '00')"),
        (
            json!([inputs, [{REGTEST_ADDRESS: 1}, {REGTEST_ADDRESS: 1}]]),
            -8,
            &*format!("Invalid parameter, duplicated address: {REGTEST_ADDRESS}"),
        ),
        (json!([inputs, [{REGTEST_ADDRESS: -1}]]), -3, "Amount out of range"),
    ] {
        let (got_code, got) = rpc_error(node.try_rpc("createrawtransaction", bad));
        assert_eq!((got_code, got.as_str()), (code, message));
    }
    let (code, _) = rpc_error(node.try_rpc("createrawtransaction", json!([inputs, [{"zn1notanaddress": 1}]])));
    assert_eq!(code, -5);

    // signrawtransactionwithkey: the P2WPKH spend completes.
    let signed = node.rpc("signrawtransactionwithkey", json!([raw, [k1.wif]]));
    assert_eq!(signed["complete"], true, "{signed}");
    assert_eq!(accept(&node, signed["hex"].as_str().unwrap())["allowed"], true);
    let (code, message) = rpc_error(node.try_rpc("signrawtransactionwithkey", json!([raw, ["notakey"]])));
    assert_eq!((code, message.as_str()), (-5, "Invalid private key encoding"));
    // The wrong key: incomplete, with Core's error entry.
    let wrong = node.rpc("signrawtransactionwithkey", json!({"hexstring": raw, "privkeys": [k2.wif]}));
    assert_eq!(wrong["complete"], false);
    assert_eq!(wrong["errors"][0]["txid"], json!(single_txid));
    assert!(wrong["errors"][0]["error"].as_str().unwrap().starts_with("Unable to sign input"), "{wrong}");

    // The 2-of-2 multisig, one key at a time, then combined.
    let spend = node
        .rpc("createrawtransaction", json!([[{"txid": multi_txid, "vout": multi_vout}], [{REGTEST_ADDRESS: 2.9999}]]));
    let spk = node.rpc("getrawtransaction", json!([multi_txid, true]))["vout"][multi_vout as usize]["scriptPubKey"]
        ["hex"]
        .clone();
    let prevtxs = json!([{"txid": multi_txid, "vout": multi_vout, "scriptPubKey": spk, "witnessScript": witness_script, "amount": 3.0}]);
    let half_a = node.rpc("signrawtransactionwithkey", json!([spend, [k1.wif], prevtxs]));
    let half_b = node.rpc("signrawtransactionwithkey", json!([spend, [k2.wif], prevtxs, "ALL"]));
    assert_eq!((half_a["complete"].clone(), half_b["complete"].clone()), (json!(false), json!(false)));
    assert_eq!(half_a["errors"][0]["witness"].as_array().unwrap().len(), 3, "0, one signature, the script: {half_a}");
    let combined = node.rpc("combinerawtransaction", json!([[half_a["hex"], half_b["hex"]]]));
    let combined = combined.as_str().unwrap();
    assert_eq!(accept(&node, combined)["allowed"], true, "{}", accept(&node, combined));
    let by_name = node.rpc("combinerawtransaction", json!({"txs": [half_b["hex"], half_a["hex"]]}));
    assert_eq!(accept(&node, by_name.as_str().unwrap())["allowed"], true);
    let (code, _) = rpc_error(node.try_rpc("combinerawtransaction", json!([[half_a["hex"], raw]])));
    assert_eq!(code, -22, "different transactions");
    node.rpc("sendrawtransaction", json!([combined]));
}

#[test]
fn psbt_roles_from_creator_to_extractor() {
    let node = Node::start(&["-fallbackfee=0.0002", "-txindex"]);
    node.rpc("createwallet", json!(["w"]));
    let mine_to = node.wallet_rpc("w", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([103, mine_to]));
    let (k1, k2, k3) = (key(0x31), key(0x32), key(0x33));
    let multisig = node.rpc("createmultisig", json!({"nrequired": 2, "keys": [k1.public, k2.public, k3.public]}));
    let address = multisig["address"].as_str().unwrap().to_string();
    let descriptor = multisig["descriptor"].as_str().unwrap().to_string();
    assert!(descriptor.starts_with("wsh(multi(2,"), "{descriptor}");
    let (txid, vout) = fund(&node, &address, 4.0);
    let single = p2wpkh_address(&k1);
    let (single_txid, single_vout) = fund(&node, &single, 1.0);
    node.mine(1);

    // Creator.
    let psbt = node.rpc("createpsbt", json!([[{"txid": txid, "vout": vout}], [{REGTEST_ADDRESS: 3.9999}]]));
    let psbt = psbt.as_str().unwrap().to_string();
    let decoded = node.rpc("decodepsbt", json!([psbt]));
    assert_eq!(decoded["psbt_version"], 0);
    assert_eq!(decoded["tx"]["vin"][0]["txid"], json!(txid));
    assert!(decoded.get("fee").is_none(), "no fee before the inputs' outputs are known");
    let analysis = node.rpc("analyzepsbt", json!([psbt]));
    assert_eq!((analysis["next"].clone(), analysis["inputs"][0]["next"].clone()), (json!("updater"), json!("updater")));
    assert_eq!(analysis["inputs"][0]["has_utxo"], false);

    // Updater: the spent output from the UTXO set, the script from the descriptor.
    let updated = node.rpc("utxoupdatepsbt", json!({"psbt": psbt, "descriptors": [descriptor]}));
    let updated = updated.as_str().unwrap().to_string();
    let decoded = node.rpc("decodepsbt", json!([updated]));
    assert_eq!(decoded["inputs"][0]["witness_utxo"]["amount"], zen(4.0));
    assert_eq!(decoded["inputs"][0]["witness_script"]["type"], "multisig");
    assert_eq!(decoded["fee"], zen(0.0001));
    let analysis = node.rpc("analyzepsbt", json!([updated]));
    assert_eq!(analysis["next"], "signer", "{analysis}");
    assert_eq!(analysis["inputs"][0]["missing"]["signatures"].as_array().unwrap().len(), 3);
    assert_eq!(analysis["fee"], zen(0.0001));

    // Signers: two parties, each with its own key, then combined.
    let with_key = |k: &Key| {
        let desc = descriptor.split('#').next().unwrap().replacen(&k.public, &k.wif, 1);
        node.rpc("descriptorprocesspsbt", json!({"psbt": updated, "descriptors": [desc], "finalize": false}))
    };
    let signed_1 = with_key(&k1);
    let signed_3 = with_key(&k3);
    assert_eq!(signed_1["complete"], false);
    let one = node.rpc("decodepsbt", json!([signed_1["psbt"]]));
    assert_eq!(one["inputs"][0]["partial_signatures"].as_object().unwrap().len(), 1);
    assert_eq!(node.rpc("analyzepsbt", json!([signed_1["psbt"]]))["next"], "signer");
    let combined = node.rpc("combinepsbt", json!([[signed_1["psbt"], signed_3["psbt"]]]));
    let combined = combined.as_str().unwrap().to_string();
    let analysis = node.rpc("analyzepsbt", json!([combined]));
    assert_eq!(analysis["next"], "finalizer", "{analysis}");
    assert!(analysis["estimated_vsize"].as_u64().unwrap() > 100);

    // Finalizer and extractor.
    let kept = node.rpc("finalizepsbt", json!({"psbt": combined, "extract": false}));
    assert_eq!(kept["complete"], true);
    assert_eq!(node.rpc("analyzepsbt", json!([kept["psbt"]]))["next"], "extractor");
    let finalized = node.rpc("finalizepsbt", json!([combined]));
    assert_eq!(finalized["complete"], true);
    let hex = finalized["hex"].as_str().unwrap();
    assert_eq!(accept(&node, hex)["allowed"], true);
    node.rpc("sendrawtransaction", json!([hex]));

    // converttopsbt, joinpsbts; errors as Core.
    let raw = node.rpc(
        "createrawtransaction",
        json!([[{"txid": single_txid, "vout": single_vout}], [{REGTEST_ADDRESS: 0.9999}]]),
    );
    let converted = node.rpc("converttopsbt", json!([raw])).as_str().unwrap().to_string();
    let signed = node.rpc("signrawtransactionwithkey", json!([raw, [k1.wif]]));
    let (code, message) = rpc_error(node.try_rpc("converttopsbt", json!([signed["hex"]])));
    assert_eq!((code, message.as_str()), (-22, "Inputs must not have scriptSigs and scriptWitnesses"));
    assert!(node.rpc("converttopsbt", json!({"hexstring": signed["hex"], "permitsigdata": true})).is_string());
    let other = node.rpc("createpsbt", json!([[{"txid": txid, "vout": vout + 7}], [{REGTEST_ADDRESS: 0.1}]]));
    let joined = node.rpc("joinpsbts", json!([[converted, other]]));
    assert_eq!(node.rpc("decodepsbt", json!([joined]))["tx"]["vin"].as_array().unwrap().len(), 2);
    let (code, _) = rpc_error(node.try_rpc("joinpsbts", json!([[converted, converted]])));
    assert_eq!(code, -8);
    let (code, _) = rpc_error(node.try_rpc("combinepsbt", json!([[converted, other]])));
    assert_eq!(code, -8);
    let (code, _) = rpc_error(node.try_rpc("decodepsbt", json!(["bm90IGEgcHNidA=="])));
    assert_eq!(code, -22);
    // A single-key PSBT signed by a descriptor with the WIF, finalized at once.
    let processed = node.rpc("descriptorprocesspsbt", json!([converted, [format!("wpkh({})", k1.wif)]]));
    assert_eq!(processed["complete"], true, "{processed} {}", node.rpc("decodepsbt", json!([processed["psbt"]])));
    assert_eq!(accept(&node, processed["hex"].as_str().unwrap())["allowed"], true);
}

#[test]
fn descriptors_info_and_derivation_as_core() {
    let node = Node::start(&[]);
    node.rpc("createwallet", json!(["w"]));
    let k = key(0x41);
    let info = node.rpc("getdescriptorinfo", json!([format!("wpkh({})", k.public)]));
    assert_eq!(info["isrange"], false);
    assert_eq!(info["issolvable"], true);
    assert_eq!(info["hasprivatekeys"], false);
    let with_checksum = info["descriptor"].as_str().unwrap().to_string();
    assert_eq!(with_checksum, format!("wpkh({})#{}", k.public, info["checksum"].as_str().unwrap()));
    let private = node.rpc("getdescriptorinfo", json!({"descriptor": format!("wpkh({})", k.wif)}));
    assert_eq!(private["hasprivatekeys"], true);
    assert_eq!(private["descriptor"], json!(with_checksum), "the public form, as Core");
    assert_eq!(node.rpc("deriveaddresses", json!([with_checksum])), json!([p2wpkh_address(&k)]));

    // The wallet's own receive descriptor derives the addresses it hands out, taproot's too.
    let descriptors = node.wallet_rpc("w", "listdescriptors", json!([]))["descriptors"].clone();
    for (prefix, address_type) in [("wpkh(", "bech32"), ("tr(", "bech32m")] {
        let receive = descriptors
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["internal"] == false && d["desc"].as_str().unwrap().starts_with(prefix))
            .unwrap()["desc"]
            .clone();
        let given: Vec<Value> =
            (0..2).map(|_| node.wallet_rpc("w", "getnewaddress", json!(["", address_type]))).collect();
        assert_eq!(node.rpc("deriveaddresses", json!({"descriptor": receive, "range": [0, 1]})), json!(given));
        let (code, message) = rpc_error(node.try_rpc("deriveaddresses", json!([receive])));
        assert_eq!((code, message.as_str()), (-8, "Range must be specified for a ranged descriptor"));
    }
    let (code, message) = rpc_error(node.try_rpc("deriveaddresses", json!([format!("wpkh({})", k.public)])));
    assert_eq!((code, message.as_str()), (-5, "Missing checksum"));
    let (code, _) = rpc_error(node.try_rpc("getdescriptorinfo", json!(["wpkh(nonsense)"])));
    assert_eq!(code, -5);
    let (code, message) = rpc_error(node.try_rpc("createmultisig", json!([3, [k.public]])));
    assert_eq!((code, message.as_str()), (-8, "not enough keys supplied (got 1 keys, but need at least 3 to redeem)"));
    let legacy = node.rpc("createmultisig", json!([1, [k.public], "legacy"]));
    assert!(legacy["descriptor"].as_str().unwrap().starts_with("sh(multi("), "{legacy}");
    let decoded = node.rpc("validateaddress", json!([legacy["address"]]));
    assert_eq!(decoded["isscript"], true);
}

/// An announcement has no outputs and commits to its body: it has no PSBT form.
#[test]
fn an_announcement_cannot_be_a_psbt() {
    use primitives::{Announcement, AnnouncementBody, OutPoint, Transaction, TxIn};
    let node = Node::start(&[]);
    let tx = Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: OutPoint { txid: bitcoin::hashes::Hash::all_zeros(), vout: 1 },
            ..TxIn::default()
        }],
        output: vec![],
        announcement: Some(Announcement {
            kind: 1,
            expiry: 100,
            body: AnnouncementBody::Full(vec![1, 2, 3]),
            nonce: 7,
        }),
        lock_time: 0,
    };
    let hex = hex::encode(tx.serialize());
    let decoded = node.rpc("decoderawtransaction", json!([hex]));
    assert_eq!(decoded["announcement"]["nonce"], 7);
    assert_eq!(decoded["announcement"]["pow_hash"].as_str().unwrap().len(), 64);
    let (code, message) = rpc_error(node.try_rpc("converttopsbt", json!([hex])));
    assert_eq!(code, -22, "{message}");
    assert!(message.starts_with("An announcement cannot be a PSBT"), "{message}");
}

/// The PSBT methods by name as well as by position, each giving the same answer.
#[test]
fn psbt_methods_by_name_and_position() {
    let node = Node::start(&["-fallbackfee=0.0002"]);
    node.rpc("createwallet", json!(["w"]));
    let address = node.wallet_rpc("w", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([102, address]));
    let utxos = node.wallet_rpc("w", "listunspent", json!([]));
    let (a, b) = (&utxos[0], &utxos[1]);
    let inputs_a = json!([{"txid": a["txid"], "vout": a["vout"]}]);
    let inputs_b = json!([{"txid": b["txid"], "vout": b["vout"]}]);
    let outputs = json!([{REGTEST_ADDRESS: 1}]);
    let by_position = node.rpc("createpsbt", json!([inputs_a, outputs]));
    let by_name = node.rpc("createpsbt", json!({"inputs": inputs_a, "outputs": outputs}));
    assert_eq!(by_position, by_name);
    let other = node.rpc("createpsbt", json!([inputs_b, outputs]));
    assert_eq!(node.rpc("decodepsbt", json!({"psbt": by_name})), node.rpc("decodepsbt", json!([by_position])));
    let updated = node.rpc("utxoupdatepsbt", json!([by_position]));
    assert_eq!(updated, node.rpc("utxoupdatepsbt", json!({"psbt": by_position})));
    assert_eq!(node.rpc("analyzepsbt", json!({"psbt": updated})), node.rpc("analyzepsbt", json!([updated])));
    assert_eq!(
        node.rpc("combinepsbt", json!({"txs": [by_position, updated]})),
        node.rpc("combinepsbt", json!([[updated, by_position]]))
    );
    let joined = node.rpc("joinpsbts", json!({"txs": [by_position, other]}));
    assert_eq!(node.rpc("decodepsbt", json!([joined]))["tx"]["vin"].as_array().unwrap().len(), 2);
    let funded = node.wallet_rpc("w", "walletcreatefundedpsbt", json!([[], outputs]));
    assert!(funded["psbt"].is_string() && funded["fee"].as_f64().unwrap() > 0.0);
    let (code, _) = rpc_error(node.try_wallet_rpc("w", "dumpprivkey", json!({"address": address})));
    assert_eq!(code, -4);
}
