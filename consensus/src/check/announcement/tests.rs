use super::*;
use bitcoin::secp256k1::{Keypair, Secp256k1, SecretKey};
use primitives::market::{Acceptance, Cancel, CoreChoice, Task};
use primitives::{Announcement, OutPoint, ScriptBuf, Sequence, TxIn, Txid, Witness};

/// Main's rules with easy market targets: an identity passes one try in
/// four, a transaction PoW one in two.
fn params() -> ChainParams {
    let mut p = ChainParams::main();
    p.market.publisher_identity_target = crate::target::two_pow_256() >> 2;
    p.market.node_identity_target = crate::target::two_pow_256() >> 2;
    p.market.task_pow_bits = 0x207fffff;
    p.market.accept_pow_bits = 0x207fffff;
    p
}

fn keypair(seed: u8) -> Keypair {
    Keypair::from_secret_key(&Secp256k1::new(), &SecretKey::from_slice(&[seed; 32]).unwrap())
}

/// An identity of `role` that meets (or, with `valid` false, misses) the target.
fn identity(role: Role, key: &Keypair, valid: bool) -> Identity {
    let p = params();
    let pubkey = key.x_only_public_key().0.serialize();
    (0u64..)
        .map(|nonce| Identity { role: role as u8, pubkey, nonce })
        .find(|id| (hash_to_number(&identity_pow_hash(id)) <= identity_target(&p, role, 0)) == valid)
        .unwrap()
}

fn task(publisher: Identity) -> MarketBody {
    MarketBody::Task(Task {
        publisher,
        os_choices: vec!["debian".into()],
        min_bandwidth_kbps: 1,
        min_disk_mb: 1,
        min_disk_iops: 1,
        persistent_mb: 0,
        core_choices: vec![CoreChoice { count: 1, min_mhz: 1000 }],
        memory_mb_per_core: 512,
        min_memory_mhz: 0,
        min_vms: 1,
        endpoint: "127.0.0.1:1".into(),
        lease_min_secs: 60,
        lease_max_secs: 600,
        payout_interval_secs: 60,
        rate_core_ghz_hour: 1,
        rate_memory_mb_hour: 1,
        rate_disk_gb_hour: 1,
        rate_transfer_gb: 1,
        accept_pow_bits: 0x207fffff,
        accept_within_blocks: 10,
        info: String::new(),
    })
}

/// A signed announcement transaction carrying `body`, with its PoW ground.
fn announce(body: MarketBody, key: &Keypair) -> Transaction {
    let mut tx = Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: OutPoint { txid: Txid::from_byte_array([4; 32]), vout: 0 },
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::from_slice(&[[1u8; 71].as_slice(), [2u8; 33].as_slice()]),
        }],
        output: vec![],
        announcement: None,
        lock_time: 0,
    };
    let message = Message::from_digest(body_signature_message(&body, &tx));
    let signature = Secp256k1::new().sign_schnorr_no_aux_rand(&message, key).serialize();
    let bytes = SignedBody { body: body.clone(), signature }.encode();
    tx.announcement =
        Some(Announcement { kind: body.kind() as u8, expiry: 100, body: AnnouncementBody::Full(bytes), nonce: 0 });
    grind(&mut tx, true);
    tx
}

fn grind(tx: &mut Transaction, valid: bool) {
    let bits = 0x207fffff;
    let nonce = (0u64..).find(|n| meets_tx_pow(tx, *n, bits) == valid).unwrap();
    tx.announcement.as_mut().unwrap().nonce = nonce;
}

fn reason(tx: &Transaction) -> Result<(), &'static str> {
    check_announcement(tx, 10, 10, &params(), None).map_err(|e| e.reject_reason())
}

#[test]
fn valid_announcements_of_each_kind_pass() {
    let publisher_key = keypair(1);
    let node_key = keypair(2);
    let publisher = identity(Role::Publisher, &publisher_key, true);
    let node = identity(Role::Node, &node_key, true);
    assert_eq!(reason(&announce(task(publisher), &publisher_key)), Ok(()));
    let accept = MarketBody::Acceptance(Acceptance {
        task_id: [9; 32],
        node,
        payee_pubkey: [2; 33],
        cores: 1,
        mhz: 1000,
        memory_mb: 512,
        disk_mb: 1,
        bandwidth_kbps: 1,
    });
    assert_eq!(reason(&announce(accept, &node_key)), Ok(()));
    let cancel = MarketBody::Cancel(Cancel { task_id: [9; 32], publisher, node_pubkey: None });
    assert_eq!(reason(&announce(cancel, &publisher_key)), Ok(()));
}

#[test]
fn each_broken_rule_has_its_reason() {
    let key = keypair(1);
    let good = announce(task(identity(Role::Publisher, &key, true)), &key);

    let weak_identity = announce(task(identity(Role::Publisher, &key, false)), &key);
    assert_eq!(reason(&weak_identity), Err("ann-identity-pow"));

    let wrong_role = announce(task(identity(Role::Node, &key, true)), &key);
    assert_eq!(reason(&wrong_role), Err("ann-identity-pow"));

    let other_key = keypair(3);
    let wrong_signer = announce(task(identity(Role::Publisher, &key, true)), &other_key);
    assert_eq!(reason(&wrong_signer), Err("ann-identity-sig"));

    // The signature is bound to input 0: moving it to another outpoint breaks it.
    let mut replayed = good.clone();
    replayed.input[0].previous_output.vout = 1;
    grind(&mut replayed, true);
    assert_eq!(reason(&replayed), Err("ann-identity-sig"));

    let mut weak_pow = good.clone();
    grind(&mut weak_pow, false);
    assert_eq!(reason(&weak_pow), Err("ann-tx-pow"));

    let mut garbage = good.clone();
    if let Some(ann) = garbage.announcement.as_mut() {
        ann.body = AnnouncementBody::Full(vec![1, 2, 3]);
    }
    grind(&mut garbage, true);
    assert_eq!(reason(&garbage), Err("ann-body-decode"));
}

#[test]
fn pruned_bodies_only_once_expired() {
    let key = keypair(1);
    let tx = announce(task(identity(Role::Publisher, &key, true)), &key).to_pruned();
    let p = params();
    // Included at 10 with expiry 100: expired once the best header reaches 110.
    let err = check_announcement(&tx, 10, 109, &p, None).unwrap_err();
    assert_eq!(err.reject_reason(), "ann-pruned-unexpired");
    let block_err = BlockError::Transaction { index: 1, txid: tx.txid(), error: err };
    assert_eq!(block_err.kind(), crate::RejectKind::Incomplete, "incomplete, never invalid");
    assert_eq!(check_announcement(&tx, 10, 110, &p, None), Ok(()));
}

#[test]
fn identity_targets_halve_on_schedule_and_the_cache_agrees() {
    let p = ChainParams::main();
    let start = identity_target(&p, Role::Publisher, 0);
    assert_eq!(identity_target(&p, Role::Publisher, 1_051_199), start);
    assert_eq!(identity_target(&p, Role::Publisher, 1_051_200), &start >> 1);
    assert!(identity_target(&p, Role::Node, 0) > start, "a node identity is cheaper");
    let id = identity(Role::Publisher, &keypair(1), true);
    let cache = IdentityCache::new(10);
    assert_eq!(cache.pow_hash(&id), identity_pow_hash(&id));
    assert_eq!(cache.pow_hash(&id), identity_pow_hash(&id));
}
