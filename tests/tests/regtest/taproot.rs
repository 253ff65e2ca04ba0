//! Taproot from genesis between real nodes: a key-path spend and a
//! script-path spend (a two-leaf tree: a CHECKSIG leaf and a 2-of-3
//! CHECKSIGADD leaf) relayed and mined; a bad Schnorr signature refused by
//! the mempool and, inside a block, by `submitblock`; a witness v2 spend
//! non-standard alone but valid inside a block.

use std::time::Duration;

use bitcoin::secp256k1::{Keypair, Message, Scalar, Secp256k1, SecretKey, XOnlyPublicKey};
use primitives::{Amount, OutPoint, ScriptBuf, Transaction, TxOut, Witness};
use script::taproot::{
    output_key, signature_hash, tap_branch_hash, tap_leaf_hash, tap_tweak, ScriptPath, TaprootPrecomputed,
    TAPSCRIPT_LEAF_VERSION,
};
use serde_json::{json, Value};
use zennet_tests::chain::{block_on, coinbase_of, resign, spend, unsigned_spend};
use zennet_tests::{rpc_error, sync_tips, zen, Node};

const SYNC: Duration = Duration::from_secs(120);

fn key(n: u8) -> Keypair {
    Keypair::from_secret_key(&Secp256k1::new(), &SecretKey::from_slice(&[n; 32]).unwrap())
}

fn v1(key: &XOnlyPublicKey) -> ScriptBuf {
    ScriptBuf::from_bytes([&[0x51, 0x20][..], &key.serialize()].concat())
}

/// A transaction spending `outpoint` (holding `prevout`) to REGTEST_ADDRESS less a fee.
fn spending(outpoint: OutPoint, prevout: &TxOut) -> Transaction {
    unsigned_spend(outpoint, prevout.value.to_sat() - 10_000)
}

fn accept(node: &Node, tx: &Transaction) -> Value {
    node.rpc("testmempoolaccept", json!([[hex::encode(tx.serialize())]]))[0].clone()
}

#[test]
fn key_path_and_script_path_spends_relay_and_bad_signatures_do_not() {
    let secp = Secp256k1::new();
    let a = Node::start(&[]);
    let b = Node::start(&[]);
    b.connect_to(&a);
    a.mine(102);
    let deployments = a.rpc("getdeploymentinfo", json!([]));
    assert_eq!(deployments["deployments"]["taproot"], json!({"type": "buried", "active": true, "height": 0}));

    // Three outputs: key-only taproot, a two-leaf tree, and witness v2.
    let internal = key(1);
    let (key_only, _) = output_key(&secp, &internal.x_only_public_key().0, None).unwrap();
    let (k1, k2, k3) = (key(11), key(12), key(13));
    let x = |k: &Keypair| k.x_only_public_key().0.serialize();
    let leaf_a: Vec<u8> = [&[0x20][..], &x(&k1), &[0xac]].concat();
    let leaf_b: Vec<u8> =
        [&[0x20][..], &x(&k1), &[0xac, 0x20], &x(&k2), &[0xba, 0x20], &x(&k3), &[0xba, 0x52, 0x9c]].concat();
    let (hash_a, hash_b) =
        (tap_leaf_hash(TAPSCRIPT_LEAF_VERSION, &leaf_a), tap_leaf_hash(TAPSCRIPT_LEAF_VERSION, &leaf_b));
    let root = tap_branch_hash(&hash_a, &hash_b);
    let tree_internal = key(2).x_only_public_key().0;
    let (tree_key, parity) = output_key(&secp, &tree_internal, Some(&root)).unwrap();
    let v2 = ScriptBuf::from_bytes([&[0x52, 0x14][..], &[0x22; 20]].concat());

    let (coin, value) = coinbase_of(&a, 1);
    let mut funding = spend(coin, value, false);
    let each = funding.output[0].value.to_sat() / 3;
    funding.output = [v1(&key_only), v1(&tree_key), v2.clone()]
        .into_iter()
        .map(|script_pubkey| TxOut { value: Amount::from_sat(each), script_pubkey })
        .collect();
    let funding = resign(funding, value);
    a.rpc("sendrawtransaction", json!([hex::encode(funding.serialize())]));
    a.mine(1);
    let outs = funding.output.clone();
    let at = |vout: u32| OutPoint { txid: funding.txid(), vout };

    // Key path, signed with the tweaked key.
    let mut key_spend = spending(at(0), &outs[0]);
    let spent = vec![outs[0].clone()];
    let pre = TaprootPrecomputed::new(&key_spend, &spent);
    let hash = signature_hash(&key_spend, 0, &spent, &pre, 0x00, None, None).unwrap();
    let tweak = Scalar::from_be_bytes(tap_tweak(&internal.x_only_public_key().0, None)).unwrap();
    let tweaked = internal.add_xonly_tweak(&secp, &tweak).unwrap();
    let sig = secp.sign_schnorr_no_aux_rand(&Message::from_digest(hash), &tweaked).serialize().to_vec();
    let mut bad = sig.clone();
    bad[5] ^= 1;
    key_spend.input[0].witness = Witness::from_slice(&[bad]);
    let refused = accept(&a, &key_spend);
    assert_eq!(
        refused["reject-reason"], "mandatory-script-verify-flag-failed (Invalid Schnorr signature)",
        "{refused}"
    );
    // Inside a block too.
    let block = block_on(&a, vec![key_spend.clone()]);
    let answer = a.rpc("submitblock", json!([hex::encode(block.serialize())]));
    assert!(answer.as_str().is_some_and(|r| r.contains("Invalid Schnorr signature")), "{answer}");
    // A valid signature committing to an annex: consensus-valid, but an
    // annex has no meaning yet, so policy refuses it as Core does.
    let annex = vec![0x50, 0xaa];
    let annexed = signature_hash(&key_spend, 0, &spent, &pre, 0x00, Some(&annex), None).unwrap();
    let annexed_sig = secp.sign_schnorr_no_aux_rand(&Message::from_digest(annexed), &tweaked).serialize().to_vec();
    key_spend.input[0].witness = Witness::from_slice(&[annexed_sig, annex]);
    assert_eq!(accept(&a, &key_spend)["reject-reason"], "bad-witness-nonstandard");
    key_spend.input[0].witness = Witness::from_slice(&[sig]);
    assert_eq!(accept(&a, &key_spend)["allowed"], true);
    a.rpc("sendrawtransaction", json!([hex::encode(key_spend.serialize())]));

    // Script path through the 2-of-3 CHECKSIGADD leaf.
    let mut script_spend = spending(at(1), &outs[1]);
    let spent = vec![outs[1].clone()];
    let pre = TaprootPrecomputed::new(&script_spend, &spent);
    let path = ScriptPath { leaf_hash: hash_b, codesep_pos: 0xffff_ffff };
    let hash = signature_hash(&script_spend, 0, &spent, &pre, 0x00, None, Some(&path)).unwrap();
    let sign = |k: &Keypair| secp.sign_schnorr_no_aux_rand(&Message::from_digest(hash), k).serialize().to_vec();
    let control: Vec<u8> =
        [&[TAPSCRIPT_LEAF_VERSION | parity.to_u8()][..], &tree_internal.serialize(), &hash_a].concat();
    script_spend.input[0].witness = Witness::from_slice(&[sign(&k3), vec![], sign(&k1), leaf_b, control]);
    a.rpc("sendrawtransaction", json!([hex::encode(script_spend.serialize())]));

    // Witness v2: anyone can spend it, so policy refuses; a block may hold it.
    let mut v2_spend = spending(at(2), &outs[2]);
    v2_spend.input[0].witness = Witness::from_slice(&[b"anything".to_vec()]);
    let refused = accept(&a, &v2_spend);
    assert_eq!(
        refused["reject-reason"], "non-mandatory-script-verify-flag (Witness version reserved for soft-fork upgrades)",
        "{refused}"
    );
    a.mine(1);
    let block = block_on(&a, vec![v2_spend]);
    assert_eq!(a.rpc("submitblock", json!([hex::encode(block.serialize())])), Value::Null);

    // The second node took all of it over P2P.
    sync_tips(&[&a, &b], SYNC);
    for txid in [key_spend.txid(), script_spend.txid()] {
        let height = a.height() - 1;
        let hash = a.rpc("getblockhash", json!([height]));
        let txs = b.rpc("getblock", json!([hash, 1]))["tx"].clone();
        assert!(txs.as_array().unwrap().iter().any(|t| t == &json!(txid.to_string())), "{txid} mined and synced");
    }
}

/// The wallet's BIP86 account end to end: `getnewaddress "" "bech32m"`
/// receives, the coin is spent by key path (a single 64-byte witness), the
/// block is accepted by a second node over P2P; `-addresstype=bech32m` and
/// `-changetype` act as Core's; `listdescriptors` shows `wpkh()` and `tr()`,
/// and a wallet restored from the phrase finds coins on both.
#[test]
fn wallet_receives_and_spends_taproot_by_key_path() {
    let a = Node::start(&["-changetype=bech32m"]);
    let b = Node::start(&["-addresstype=bech32m"]);
    b.connect_to(&a);
    let created = a.rpc("createwallet", json!({"wallet_name": "w"}));
    let phrase = created["mnemonic"].as_str().expect("a new wallet shows its phrase").to_string();
    b.rpc("createwallet", json!(["w"]));

    let tr = a.wallet_rpc("w", "getnewaddress", json!(["", "bech32m"])).as_str().unwrap().to_string();
    assert!(tr.starts_with("zrt1p"), "{tr}");
    let wpkh = a.wallet_rpc("w", "getnewaddress", json!({"label": "", "address_type": "bech32"}));
    assert!(wpkh.as_str().unwrap().starts_with("zrt1q"));
    let unknown = rpc_error(a.try_wallet_rpc("w", "getnewaddress", json!(["", "p2wpkh"])));
    assert_eq!(unknown, (-5, "Unknown address type 'p2wpkh'".into()));
    let legacy = rpc_error(a.try_wallet_rpc("w", "getnewaddress", json!(["", "legacy"])));
    assert_eq!(legacy, (-12, "Error: No legacy addresses available.".into()));
    // -addresstype on b; -changetype on a.
    assert!(b.wallet_rpc("w", "getnewaddress", json!([])).as_str().unwrap().starts_with("zrt1p"));
    assert!(a.wallet_rpc("w", "getrawchangeaddress", json!([])).as_str().unwrap().starts_with("zrt1p"));

    let info = a.wallet_rpc("w", "getaddressinfo", json!([tr]));
    assert_eq!(info["ismine"], json!(true));
    assert_eq!(info["witness_version"], json!(1));
    assert_eq!(info["isscript"], json!(true));
    assert!(info.get("pubkey").is_none(), "Core shows no pubkey for taproot: {info}");
    let desc = info["desc"].as_str().unwrap();
    assert!(desc.starts_with("tr([") && desc.contains("/86h/1h/0h/0/0]"), "{desc}");
    assert_eq!(info["hdkeypath"], json!("m/86h/1h/0h/0/0"));
    assert!(info["parent_desc"].as_str().unwrap().starts_with("tr(["));
    // Someone else's taproot output is a rawtr() to this wallet.
    let foreign = b.wallet_rpc("w", "getaddressinfo", json!([tr]));
    assert_eq!(foreign["ismine"], json!(false));
    assert!(foreign["desc"].as_str().unwrap().starts_with("rawtr("), "{foreign}");

    let descriptors = a.wallet_rpc("w", "listdescriptors", json!([]))["descriptors"].clone();
    let texts: Vec<&str> = descriptors.as_array().unwrap().iter().map(|d| d["desc"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), 4, "{texts:?}");
    assert!(texts[0].starts_with("tr([") && texts[3].starts_with("wpkh(["), "sorted as Core: {texts:?}");
    let private = a.wallet_rpc("w", "listdescriptors", json!({"private": true}))["descriptors"].clone();
    assert!(private.as_array().unwrap().iter().all(|d| d["desc"].as_str().unwrap().contains("tprv")));

    // Receive to the taproot address, then spend it by key path to b.
    a.rpc("generatetoaddress", json!([1, tr]));
    a.mine(100);
    sync_tips(&[&a, &b], SYNC);
    let unspent = a.wallet_rpc("w", "listunspent", json!([]));
    assert_eq!(unspent.as_array().unwrap().len(), 1);
    assert_eq!(unspent[0]["address"], json!(tr));
    assert!(unspent[0]["scriptPubKey"].as_str().unwrap().starts_with("5120"));
    let to = b.wallet_rpc("w", "getnewaddress", json!([])).as_str().unwrap().to_string();
    let txid = a.wallet_rpc("w", "sendtoaddress", json!({"address": to, "amount": 1.5, "fee_rate": 2}));
    let txid = txid.as_str().unwrap();
    let raw = a.rpc("getrawtransaction", json!([txid, true]));
    let witness = raw["vin"][0]["txinwitness"].as_array().unwrap();
    assert_eq!(witness.len(), 1, "a key-path spend has one witness element: {raw}");
    assert_eq!(witness[0].as_str().unwrap().len(), 128, "a 64-byte SIGHASH_DEFAULT signature");
    // Paying a taproot address with -changetype=bech32m: change is taproot too.
    let change: Vec<&Value> =
        raw["vout"].as_array().unwrap().iter().filter(|o| o["scriptPubKey"]["address"] != json!(to)).collect();
    assert_eq!(change.len(), 1);
    assert_eq!(change[0]["scriptPubKey"]["type"], json!("witness_v1_taproot"));
    assert!(change[0]["scriptPubKey"]["desc"].as_str().unwrap().starts_with("rawtr("));
    // The fee covers the size the wallet estimated: 2 zat/vB.
    let fee = a.wallet_rpc("w", "gettransaction", json!([txid]))["fee"].as_f64().unwrap();
    let vsize = raw["vsize"].as_u64().unwrap();
    assert!((-fee * 1e8).round() as u64 >= 2 * vsize, "fee {fee} for {vsize} vB");
    b.wait_in_mempool(txid, SYNC);
    a.mine(1);
    sync_tips(&[&a, &b], SYNC);
    assert_eq!(b.wallet_rpc("w", "gettransaction", json!([txid]))["confirmations"], json!(1));
    let received = b.wallet_rpc("w", "getreceivedbyaddress", json!([to, 1]));
    assert_eq!(received, zen(1.5));

    // Restore from the phrase: both accounts' coins are found.
    let wpkh = a.wallet_rpc("w", "getnewaddress", json!(["", "bech32"])).as_str().unwrap().to_string();
    a.wallet_rpc("w", "sendtoaddress", json!([wpkh, 0.5]));
    a.mine(1);
    a.rpc("createwallet", json!({"wallet_name": "restored", "mnemonic": phrase}));
    let mine = |w: &str| {
        let mut scripts: Vec<String> = a
            .wallet_rpc(w, "listunspent", json!([0]))
            .as_array()
            .unwrap()
            .iter()
            .map(|u| u["scriptPubKey"].as_str().unwrap()[..4].to_string())
            .collect();
        scripts.sort();
        scripts
    };
    let restored = mine("restored");
    assert_eq!(restored, mine("w"));
    assert!(restored.contains(&"0014".to_string()) && restored.contains(&"5120".to_string()), "{restored:?}");
}
