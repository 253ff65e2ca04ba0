use super::*;
use crate::checker::TransactionChecker;
use crate::error::ScriptError;
use crate::flags::VerifyFlags;
use crate::interpreter::verify_script;
use bitcoin::hashes::hash160;
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};
use primitives::{Amount, Announcement, AnnouncementBody, OutPoint, ScriptBuf, Sequence, TxIn, TxOut, Txid, Witness};

const AMOUNT: u64 = 5_000_000;

fn key() -> (SecretKey, Vec<u8>) {
    let secret = SecretKey::from_slice(&[0x42; 32]).unwrap();
    let public = PublicKey::from_secret_key(&Secp256k1::signing_only(), &secret).serialize().to_vec();
    (secret, public)
}

fn p2wpkh(pubkey: &[u8]) -> Vec<u8> {
    let mut script = vec![0x00, 20];
    script.extend_from_slice(hash160::Hash::hash(pubkey).as_byte_array());
    script
}

fn script_code(pubkey: &[u8]) -> Vec<u8> {
    let mut code = vec![0x76, 0xa9, 20];
    code.extend_from_slice(hash160::Hash::hash(pubkey).as_byte_array());
    code.extend_from_slice(&[0x88, 0xac]);
    code
}

fn announcement_tx() -> Transaction {
    Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: OutPoint { txid: Txid::from_byte_array([3; 32]), vout: 1 },
            script_sig: ScriptBuf::new(),
            sequence: Sequence(0xffff_fffe),
            witness: Witness::new(),
        }],
        output: vec![],
        announcement: Some(Announcement {
            kind: 1,
            expiry: 1000,
            body: AnnouncementBody::Full(b"task body".to_vec()),
            nonce: 7,
        }),
        lock_time: 0,
    }
}

fn sign(tx: &mut Transaction, hash_type: u32) {
    let (secret, public) = key();
    let pre = PrecomputedTransactionData::new(tx);
    let sighash = segwit_v0_sighash(tx, 0, &script_code(&public), AMOUNT, hash_type, &pre);
    let sig = Secp256k1::signing_only().sign_ecdsa(&Message::from_digest(sighash), &secret);
    let mut with_type = sig.serialize_der().to_vec();
    with_type.push(hash_type as u8);
    tx.input[0].witness = Witness::from_slice(&[with_type, public]);
}

fn verify(tx: &Transaction) -> Result<(), ScriptError> {
    let (_, public) = key();
    let pre = PrecomputedTransactionData::new(tx);
    let checker = TransactionChecker { tx, input: 0, amount: AMOUNT, precomputed: &pre, cache: None };
    verify_script(&[], &p2wpkh(&public), &tx.input[0].witness.to_vec(), VerifyFlags::consensus(), &checker)
}

#[test]
fn announcement_signature_commits_to_body_kind_and_expiry_but_not_nonce() {
    let mut tx = announcement_tx();
    sign(&mut tx, SIGHASH_ALL);
    verify(&tx).unwrap();

    let mut ground = tx.clone();
    ground.announcement.as_mut().unwrap().nonce = 123_456;
    verify(&ground).expect("the nonce is not signed");
    // ... and so is free to grind after signing, with the txid unchanged.
    assert_eq!(ground.txid(), tx.txid());

    let mut body = tx.clone();
    body.announcement.as_mut().unwrap().body = AnnouncementBody::Full(b"task bodY".to_vec());
    assert_eq!(verify(&body), Err(ScriptError::EvalFalse));
    let mut kind = tx.clone();
    kind.announcement.as_mut().unwrap().kind = 2;
    assert_eq!(verify(&kind), Err(ScriptError::EvalFalse));
    let mut expiry = tx.clone();
    expiry.announcement.as_mut().unwrap().expiry = 1001;
    assert_eq!(verify(&expiry), Err(ScriptError::EvalFalse));
    // A pruned body keeps the commitment, so the signature still checks.
    verify(&tx.to_pruned()).unwrap();
}

#[test]
fn announcements_sign_with_sighash_all_only() {
    let mut tx = announcement_tx();
    sign(&mut tx, SIGHASH_ALL | SIGHASH_ANYONECANPAY);
    verify(&tx).unwrap();
    for hash_type in [SIGHASH_NONE, SIGHASH_SINGLE, SIGHASH_SINGLE | SIGHASH_ANYONECANPAY] {
        let mut tx = announcement_tx();
        sign(&mut tx, hash_type);
        assert_eq!(verify(&tx), Err(ScriptError::AnnouncementSighashType), "hash type {hash_type:#x}");
    }
}

#[test]
fn bip143_matches_rust_bitcoin_for_ordinary_transactions() {
    let (_, public) = key();
    let mut tx = announcement_tx();
    tx.announcement = None;
    tx.input.push(TxIn {
        previous_output: OutPoint { txid: Txid::from_byte_array([9; 32]), vout: 0 },
        ..tx.input[0].clone()
    });
    tx.output = vec![
        TxOut { value: Amount::from_sat(1000), script_pubkey: ScriptBuf::from_bytes(p2wpkh(&public)) },
        TxOut { value: Amount::from_sat(2000), script_pubkey: ScriptBuf::from_bytes(vec![0x51]) },
    ];
    let theirs: bitcoin::Transaction = bitcoin::consensus::deserialize(&tx.serialize()).unwrap();
    let mut cache = bitcoin::sighash::SighashCache::new(&theirs);
    let pre = PrecomputedTransactionData::new(&tx);
    for hash_type in [1u32, 2, 3, 0x81, 0x82, 0x83] {
        for input in 0..2 {
            let ours = segwit_v0_sighash(&tx, input, &script_code(&public), AMOUNT, hash_type, &pre);
            let theirs = cache
                .p2wsh_signature_hash(
                    input,
                    bitcoin::Script::from_bytes(&script_code(&public)),
                    Amount::from_sat(AMOUNT),
                    bitcoin::EcdsaSighashType::from_consensus(hash_type),
                )
                .unwrap();
            assert_eq!(ours, theirs.to_byte_array(), "hash type {hash_type:#x} input {input}");
        }
    }
}
