use super::*;
use bitcoin::hashes::Hash;
use bitcoin::secp256k1::PublicKey;
use consensus::check::announcement::{check_announcement, identity_target};
use consensus::ChainParams;
use primitives::market::Cancel;
use primitives::{Amount, Txid};
use script::{verify_inputs, SpentOutputs, VerifyFlags};

fn easy_params() -> ChainParams {
    let mut p = ChainParams::main();
    p.market.publisher_identity_target = consensus::target::two_pow_256() >> 3;
    p.market.task_pow_bits = 0x2000ffff;
    p
}

#[test]
fn builds_an_announcement_that_passes_consensus() {
    let params = easy_params();
    let secp = Secp256k1::new();
    let identity_key = Keypair::from_secret_key(&secp, &SecretKey::from_slice(&[8; 32]).unwrap());
    let progress = |_: u64| {};
    let cancel = AtomicBool::new(false);
    let target = identity_target(&params, Role::Publisher, 0);
    let identity = mine_identity(Role::Publisher, &identity_key, &target, 2, &progress, &cancel).unwrap();

    let coin_key = SecretKey::from_slice(&[9; 32]).unwrap();
    let pubkey = PublicKey::from_secret_key(&secp, &coin_key);
    let funding = Funding {
        outpoint: OutPoint { txid: Txid::from_byte_array([1; 32]), vout: 0 },
        output: TxOut { value: Amount::from_sat(50_000), script_pubkey: crate::keys::p2wpkh_script(&pubkey) },
        key: coin_key,
    };
    let body = MarketBody::Cancel(Cancel { task_id: [3; 32], publisher: identity, node_pubkey: None });
    let signed = sign_body(body, &identity_key, funding.outpoint);
    let mut tx = build_announcement(std::slice::from_ref(&funding), &signed, 144, 0).unwrap();
    grind_tx_pow(&mut tx, params.market.task_pow_bits, &cancel).unwrap();

    assert_eq!(check_announcement(&tx, 1, 1, &params, None), Ok(()));
    let spent = [funding.output.clone()];
    verify_inputs(&[SpentOutputs { tx: &tx, spent: &spent }], VerifyFlags::consensus(), None, 1).unwrap();
    assert!(matches!(build_announcement(&[], &signed, 144, 0), Err(BuildError::NoInputs)));
}

#[test]
fn mining_can_be_cancelled() {
    let key = Keypair::from_secret_key(&Secp256k1::new(), &SecretKey::from_slice(&[8; 32]).unwrap());
    let cancel = AtomicBool::new(true);
    let impossible = BigUint::from(0u32);
    assert_eq!(mine_identity(Role::Node, &key, &impossible, 2, &|_| {}, &cancel), Err(BuildError::Cancelled));
}

#[test]
fn a_grind_counts_every_hash_it_tried_including_the_hit() {
    use std::sync::atomic::{AtomicU64, Ordering};
    let mut tx = Transaction {
        version: 2,
        input: vec![TxIn::default()],
        output: vec![],
        announcement: Some(Announcement { kind: 1, expiry: 1, body: AnnouncementBody::Full(vec![1; 10]), nonce: 0 }),
        lock_time: 0,
    };
    let seen = AtomicU64::new(0);
    let nonce = grind_tx_pow_threads(
        &mut tx,
        0x207fffff,
        1,
        &|n| {
            seen.fetch_max(n, Ordering::Relaxed);
        },
        &AtomicBool::new(false),
    )
    .unwrap();
    assert_eq!(seen.load(Ordering::Relaxed), nonce + 1, "one thread tries nonces from 0 up");
}
