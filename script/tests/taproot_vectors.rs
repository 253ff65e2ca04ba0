//! BIP341's wallet vectors (scriptPubKey construction and key-path signing,
//! from `../shared/vectors/bitcoin-core/bip341_wallet_vectors.json`), BIP340's
//! signature table (`../shared/vectors/bip340/test-vectors.csv`) through the
//! verification the interpreter uses, and the signature hash against
//! rust-bitcoin's `SighashCache` on random transactions.

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::{Keypair, Message, Secp256k1, SecretKey, XOnlyPublicKey};
use primitives::shared::read_vector;
use primitives::{Amount, ScriptBuf, Transaction, TxOut};
use script::taproot::{
    output_key, signature_hash, tap_branch_hash, tap_leaf_hash, tap_tweak, verify_schnorr, TaprootPrecomputed,
};
use serde_json::Value;

fn wallet_vectors() -> Value {
    serde_json::from_slice(&read_vector(env!("CARGO_MANIFEST_DIR"), "bitcoin-core/bip341_wallet_vectors.json")).unwrap()
}

fn h32(v: &Value) -> [u8; 32] {
    hex::decode(v.as_str().unwrap()).unwrap().try_into().unwrap()
}

/// The merkle root of a script tree (a leaf object or a two-element list),
/// collecting leaf hashes in the order the vectors list them.
fn tree_root(tree: &Value, leaves: &mut Vec<[u8; 32]>) -> [u8; 32] {
    match tree {
        Value::Array(pair) => {
            let a = tree_root(&pair[0], leaves);
            let b = tree_root(&pair[1], leaves);
            tap_branch_hash(&a, &b)
        }
        leaf => {
            let script = hex::decode(leaf["script"].as_str().unwrap()).unwrap();
            let hash = tap_leaf_hash(leaf["leafVersion"].as_u64().unwrap() as u8, &script);
            leaves.push(hash);
            hash
        }
    }
}

#[test]
fn bip341_script_pubkeys() {
    let secp = Secp256k1::verification_only();
    let mut checked = 0;
    for case in wallet_vectors()["scriptPubKey"].as_array().unwrap() {
        let internal = XOnlyPublicKey::from_slice(&h32(&case["given"]["internalPubkey"])).unwrap();
        let mut leaves = Vec::new();
        let root =
            (!case["given"]["scriptTree"].is_null()).then(|| tree_root(&case["given"]["scriptTree"], &mut leaves));
        let inter = &case["intermediary"];
        if let Some(expected) = inter["leafHashes"].as_array() {
            let expected: Vec<[u8; 32]> = expected.iter().map(h32).collect();
            assert_eq!(leaves, expected);
        }
        assert_eq!(root, (!inter["merkleRoot"].is_null()).then(|| h32(&inter["merkleRoot"])));
        assert_eq!(tap_tweak(&internal, root.as_ref()), h32(&inter["tweak"]));
        let (key, parity) = output_key(&secp, &internal, root.as_ref()).unwrap();
        assert_eq!(key.serialize(), h32(&inter["tweakedPubkey"]));
        let spk = [&[0x51u8, 0x20][..], &key.serialize()].concat();
        assert_eq!(hex::encode(spk), case["expected"]["scriptPubKey"].as_str().unwrap());
        // Control blocks: leaf version | parity, internal key, then the path (checked by their first bytes).
        if let Some(blocks) = case["expected"]["scriptPathControlBlocks"].as_array() {
            for block in blocks {
                let bytes = hex::decode(block.as_str().unwrap()).unwrap();
                assert_eq!(bytes[0] & 1, parity.to_u8());
                assert_eq!(&bytes[1..33], internal.serialize());
            }
        }
        checked += 1;
    }
    assert_eq!(checked, 7);
}

#[test]
fn bip341_key_path_signature_hashes_and_signatures() {
    let vectors = wallet_vectors();
    let secp = Secp256k1::new();
    let mut checked = 0;
    for case in vectors["keyPathSpending"].as_array().unwrap() {
        let tx =
            Transaction::from_bytes(&hex::decode(case["given"]["rawUnsignedTx"].as_str().unwrap()).unwrap()).unwrap();
        let spent: Vec<TxOut> = case["given"]["utxosSpent"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| TxOut {
                value: Amount::from_sat(u["amountSats"].as_u64().unwrap()),
                script_pubkey: ScriptBuf::from_bytes(hex::decode(u["scriptPubKey"].as_str().unwrap()).unwrap()),
            })
            .collect();
        let pre = TaprootPrecomputed::new(&tx, &spent);
        let inter = &case["intermediary"];
        assert_eq!(pre.sha_amounts, h32(&inter["hashAmounts"]));
        assert_eq!(pre.sha_outputs, h32(&inter["hashOutputs"]));
        assert_eq!(pre.sha_prevouts, h32(&inter["hashPrevouts"]));
        assert_eq!(pre.sha_scriptpubkeys, h32(&inter["hashScriptPubkeys"]));
        assert_eq!(pre.sha_sequences, h32(&inter["hashSequences"]));
        for input in case["inputSpending"].as_array().unwrap() {
            let given = &input["given"];
            let index = given["txinIndex"].as_u64().unwrap() as usize;
            let hash_type = given["hashType"].as_u64().unwrap() as u8;
            let hash = signature_hash(&tx, index, &spent, &pre, hash_type, None, None).unwrap();
            assert_eq!(hash, h32(&input["intermediary"]["sigHash"]), "input {index}");
            // Sign with the tweaked key (zero auxiliary randomness, as the vectors) and verify.
            let internal =
                Keypair::from_secret_key(&secp, &SecretKey::from_slice(&h32(&given["internalPrivkey"])).unwrap());
            let root = (!given["merkleRoot"].is_null()).then(|| h32(&given["merkleRoot"]));
            let tweak =
                bitcoin::secp256k1::Scalar::from_be_bytes(tap_tweak(&internal.x_only_public_key().0, root.as_ref()))
                    .unwrap();
            let tweaked = internal.add_xonly_tweak(&secp, &tweak).unwrap();
            assert_eq!(tweaked.secret_bytes(), h32(&input["intermediary"]["tweakedPrivkey"]));
            let sig = secp.sign_schnorr_no_aux_rand(&Message::from_digest(hash), &tweaked);
            let mut witness_sig = sig.serialize().to_vec();
            if hash_type != 0 {
                witness_sig.push(hash_type);
            }
            let expected = input["expected"]["witness"][0].as_str().unwrap();
            assert_eq!(hex::encode(&witness_sig), expected, "input {index}");
            assert!(verify_schnorr(&secp, &tweaked.x_only_public_key().0.serialize(), &hash, &sig.serialize()));
            checked += 1;
        }
    }
    assert_eq!(checked, 7);
}

#[test]
fn bip340_table_through_the_verifier() {
    let secp = Secp256k1::new();
    let text = String::from_utf8(read_vector(env!("CARGO_MANIFEST_DIR"), "bip340/test-vectors.csv")).unwrap();
    let (mut checked, mut variable_length) = (0, 0);
    for line in text.lines().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let message = hex::decode(fields[4]).unwrap();
        let Ok(message): Result<[u8; 32], _> = message.try_into() else {
            // BIP340 signs messages of any length; taproot only 32-byte ones.
            variable_length += 1;
            continue;
        };
        let expected = fields[6] == "TRUE";
        let pubkey: Option<[u8; 32]> = hex::decode(fields[2]).ok().and_then(|k| k.try_into().ok());
        let sig: [u8; 64] = hex::decode(fields[5]).unwrap().try_into().unwrap();
        let valid = pubkey.is_some_and(|k| verify_schnorr(&secp, &k, &message, &sig));
        assert_eq!(valid, expected, "BIP340 vector {}: {}", fields[0], fields.get(7).unwrap_or(&""));
        // Where a secret key is given, signing reproduces the signature.
        if !fields[1].is_empty() {
            let key =
                Keypair::from_secret_key(&secp, &SecretKey::from_slice(&hex::decode(fields[1]).unwrap()).unwrap());
            let aux: [u8; 32] = hex::decode(fields[3]).unwrap().try_into().unwrap();
            let ours = secp.sign_schnorr_with_aux_rand(&Message::from_digest(message), &key, &aux);
            assert_eq!(ours.serialize(), sig, "vector {}", fields[0]);
        }
        checked += 1;
    }
    assert_eq!(checked, 15);
    assert_eq!(variable_length, text.lines().count() - 1 - 15);
}

mod against_rust_bitcoin {
    use bitcoin::sighash::{Prevouts, SighashCache, TapSighashType};
    use proptest::prelude::*;

    use super::*;

    fn arb_tx() -> impl Strategy<Value = (Transaction, Vec<TxOut>)> {
        (1usize..4, 0usize..4, any::<u32>(), any::<u32>(), any::<u64>()).prop_map(
            |(inputs, outputs, lock, seq, seed)| {
                let input = (0..inputs)
                    .map(|i| primitives::TxIn {
                        previous_output: primitives::OutPoint {
                            txid: primitives::Txid::from_byte_array([(seed as u8).wrapping_add(i as u8); 32]),
                            vout: i as u32,
                        },
                        sequence: primitives::Sequence(seq.wrapping_add(i as u32)),
                        ..primitives::TxIn::default()
                    })
                    .collect();
                let output = (0..outputs)
                    .map(|o| TxOut {
                        value: Amount::from_sat(seed % 1_000_000 + o as u64),
                        script_pubkey: ScriptBuf::from_bytes(
                            vec![0x51, 0x20].into_iter().chain([o as u8; 32]).collect(),
                        ),
                    })
                    .collect();
                let spent = (0..inputs)
                    .map(|i| TxOut {
                        value: Amount::from_sat(seed / 7 + i as u64),
                        script_pubkey: ScriptBuf::from_bytes(
                            vec![0x51, 0x20].into_iter().chain([i as u8 + 9; 32]).collect(),
                        ),
                    })
                    .collect();
                (Transaction { version: 2, input, output, announcement: None, lock_time: lock }, spent)
            },
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(10_000))]
        #[test]
        fn the_signature_hash_equals_rust_bitcoins(
            (tx, spent) in arb_tx(),
            index in 0usize..4,
            hash_type in prop::sample::select(vec![0x00u8, 0x01, 0x02, 0x03, 0x81, 0x82, 0x83]),
            annex in prop::option::of(prop::collection::vec(any::<u8>(), 0..40)),
            leaf in prop::option::of(any::<[u8; 32]>()),
        ) {
            let index = index % tx.input.len();
            let annex = annex.map(|mut a| { a.insert(0, 0x50); a });
            let theirs_tx: bitcoin::Transaction = bitcoin::consensus::deserialize(&tx.serialize()).unwrap();
            let theirs_spent: Vec<bitcoin::TxOut> = spent
                .iter()
                .map(|o| bitcoin::TxOut { value: bitcoin::Amount::from_sat(o.value.to_sat()), script_pubkey: bitcoin::ScriptBuf::from_bytes(o.script_pubkey.to_bytes()) })
                .collect();
            let mut cache = SighashCache::new(&theirs_tx);
            let sighash_type = TapSighashType::from_consensus_u8(hash_type).unwrap();
            let annex_theirs = annex.as_ref().map(|a| bitcoin::sighash::Annex::new(a).unwrap());
            let leaf_theirs = leaf.map(|l| (bitcoin::TapLeafHash::from_byte_array(l), 0xffff_ffffu32));
            let theirs = cache.taproot_signature_hash(index, &Prevouts::All(&theirs_spent), annex_theirs, leaf_theirs, sighash_type);
            let pre = TaprootPrecomputed::new(&tx, &spent);
            let path = leaf.map(|leaf_hash| script::taproot::ScriptPath { leaf_hash, codesep_pos: 0xffff_ffff });
            let ours = signature_hash(&tx, index, &spent, &pre, hash_type, annex.as_deref(), path.as_ref());
            match theirs {
                Ok(h) => prop_assert_eq!(ours.unwrap(), h.to_byte_array()),
                Err(_) => prop_assert!(ours.is_err()),
            }
        }
    }
}

mod spends {
    use bitcoin::secp256k1::{Keypair, Message, Scalar, Secp256k1, SecretKey};
    use primitives::{OutPoint, Sequence, TxIn, Txid, Witness};
    use script::taproot::{ScriptPath, TAPSCRIPT_LEAF_VERSION};
    use script::{verify_inputs, SpentOutputs, VerifyFlags};

    use super::*;

    fn key(n: u8) -> Keypair {
        Keypair::from_secret_key(&Secp256k1::new(), &SecretKey::from_slice(&[n; 32]).unwrap())
    }

    fn spend_of(output: TxOut) -> (Transaction, Vec<TxOut>) {
        let tx = Transaction {
            version: 2,
            input: vec![TxIn {
                previous_output: OutPoint { txid: Txid::from_byte_array([3; 32]), vout: 0 },
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output: vec![TxOut {
                value: Amount::from_sat(90_000),
                script_pubkey: ScriptBuf::from_bytes(vec![0x51, 0x20].into_iter().chain([7; 32]).collect()),
            }],
            announcement: None,
            lock_time: 0,
        };
        (tx, vec![output])
    }

    fn check(tx: &Transaction, spent: &[TxOut]) -> Result<(), String> {
        let flags = VerifyFlags::consensus() | VerifyFlags::TAPROOT;
        verify_inputs(&[SpentOutputs { tx, spent }], flags, None, 1).map_err(|f| f.error.name().to_string())
    }

    #[test]
    fn key_path_and_a_two_of_three_checksigadd_leaf_spend_and_forgeries_fail() {
        let secp = Secp256k1::new();
        // Key path.
        let internal = key(1);
        let (output, _) = output_key(&secp, &internal.x_only_public_key().0, None).unwrap();
        let prevout = TxOut {
            value: Amount::from_sat(100_000),
            script_pubkey: ScriptBuf::from_bytes([&[0x51, 0x20][..], &output.serialize()].concat()),
        };
        let (mut tx, spent) = spend_of(prevout);
        let pre = TaprootPrecomputed::new(&tx, &spent);
        let hash = signature_hash(&tx, 0, &spent, &pre, 0x00, None, None).unwrap();
        let tweak = Scalar::from_be_bytes(tap_tweak(&internal.x_only_public_key().0, None)).unwrap();
        let tweaked = internal.add_xonly_tweak(&secp, &tweak).unwrap();
        let sig = secp.sign_schnorr_no_aux_rand(&Message::from_digest(hash), &tweaked).serialize().to_vec();
        tx.input[0].witness = Witness::from_slice(std::slice::from_ref(&sig));
        check(&tx, &spent).unwrap();
        let mut bad = sig.clone();
        bad[10] ^= 1;
        tx.input[0].witness = Witness::from_slice(&[bad]);
        assert_eq!(check(&tx, &spent), Err("SCHNORR_SIG".into()));
        tx.input[0].witness = Witness::from_slice(&[[sig, vec![0x00]].concat()]);
        assert_eq!(check(&tx, &spent), Err("SCHNORR_SIG_HASHTYPE".into()));

        // Script path: leaf A `<k1> CHECKSIG`, leaf B a 2-of-3 with CHECKSIGADD.
        let (k1, k2, k3) = (key(11), key(12), key(13));
        let x = |k: &Keypair| k.x_only_public_key().0.serialize();
        let leaf_a: Vec<u8> = [&[0x20][..], &x(&k1), &[0xac]].concat();
        let leaf_b: Vec<u8> =
            [&[0x20][..], &x(&k1), &[0xac, 0x20], &x(&k2), &[0xba, 0x20], &x(&k3), &[0xba, 0x52, 0x9c]].concat();
        let (hash_a, hash_b) =
            (tap_leaf_hash(TAPSCRIPT_LEAF_VERSION, &leaf_a), tap_leaf_hash(TAPSCRIPT_LEAF_VERSION, &leaf_b));
        let root = tap_branch_hash(&hash_a, &hash_b);
        let internal = key(2).x_only_public_key().0;
        let (output, parity) = output_key(&secp, &internal, Some(&root)).unwrap();
        let prevout = TxOut {
            value: Amount::from_sat(100_000),
            script_pubkey: ScriptBuf::from_bytes([&[0x51, 0x20][..], &output.serialize()].concat()),
        };
        let (mut tx, spent) = spend_of(prevout);
        let pre = TaprootPrecomputed::new(&tx, &spent);
        let path = ScriptPath { leaf_hash: hash_b, codesep_pos: 0xffff_ffff };
        let hash = signature_hash(&tx, 0, &spent, &pre, 0x00, None, Some(&path)).unwrap();
        let sign = |k: &Keypair| secp.sign_schnorr_no_aux_rand(&Message::from_digest(hash), k).serialize().to_vec();
        let control: Vec<u8> =
            [&[TAPSCRIPT_LEAF_VERSION | parity.to_u8()][..], &internal.serialize(), &hash_a].concat();
        tx.input[0].witness = Witness::from_slice(&[sign(&k3), vec![], sign(&k1), leaf_b.clone(), control.clone()]);
        check(&tx, &spent).unwrap();
        // One signature is not two.
        tx.input[0].witness = Witness::from_slice(&[vec![], vec![], sign(&k1), leaf_b.clone(), control.clone()]);
        assert_eq!(check(&tx, &spent), Err("EVAL_FALSE".into()));
        // A wrong path fails the commitment.
        let mut wrong = control.clone();
        wrong[40] ^= 1;
        tx.input[0].witness = Witness::from_slice(&[sign(&k3), vec![], sign(&k1), leaf_b, wrong]);
        assert_eq!(check(&tx, &spent), Err("WITNESS_PROGRAM_MISMATCH".into()));
    }
}
