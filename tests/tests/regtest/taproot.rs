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
use zennet_tests::{sync_tips, Node};

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
