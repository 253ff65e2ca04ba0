//! Announcements in blocks, deep reorganisations across them, and the UTXO
//! set returning exactly to its previous state when blocks are disconnected.

use std::sync::atomic::AtomicBool;

use bitcoin::secp256k1::{Keypair, Secp256k1, SecretKey};
use consensus::check::announcement::identity_target;
use primitives::market::{CoreChoice, MarketBody, Role, Task};
use primitives::{AnnouncementBody, OutPoint, Transaction, COIN};
use wallet::announcement::{build_announcement, grind_tx_pow, mine_identity, sign_body, Funding};

use crate::generator::{easy_main, Gen};

fn task_body(publisher: primitives::market::Identity) -> MarketBody {
    MarketBody::Task(Task {
        publisher,
        os_choices: vec!["debian-12".into()],
        min_bandwidth_kbps: 1000,
        min_disk_mb: 1000,
        min_disk_iops: 100,
        persistent_mb: 0,
        core_choices: vec![CoreChoice { count: 2, min_mhz: 2000 }],
        memory_mb_per_core: 1024,
        min_memory_mhz: 0,
        min_vms: 1,
        endpoint: "198.51.100.7:7000".into(),
        lease_min_secs: 600,
        lease_max_secs: 7200,
        payout_interval_secs: 60,
        rate_core_ghz_hour: 1000,
        rate_memory_mb_hour: 1,
        rate_disk_gb_hour: 1,
        rate_transfer_gb: 1,
        accept_pow_bits: 0x2000ffff,
        accept_within_blocks: 100,
        info: String::new(),
    })
}

/// A valid task announcement funded by `coin`, with `edit` applied to the body
/// before signing (or `identity_ok` false for an identity that misses its target).
fn announcement(g: &Gen, coin: (OutPoint, primitives::TxOut), identity_ok: bool, expiry: u32) -> Transaction {
    let key = Keypair::from_secret_key(&Secp256k1::new(), &SecretKey::from_slice(&[0x44; 32]).unwrap());
    let target = identity_target(&g.params, Role::Publisher, 0);
    let cancel = AtomicBool::new(false);
    let identity = if identity_ok {
        mine_identity(Role::Publisher, &key, &target, 1, &|_| {}, &cancel).unwrap()
    } else {
        let pubkey = key.x_only_public_key().0.serialize();
        (0u64..)
            .map(|nonce| primitives::market::Identity { role: 1, pubkey, nonce })
            .find(|id| {
                consensus::target::hash_to_number(&consensus::check::announcement::identity_pow_hash(id)) > target
            })
            .unwrap()
    };
    let signed = sign_body(task_body(identity), &key, coin.0);
    let funding = Funding { outpoint: coin.0, output: coin.1, key: g.key };
    let mut tx = build_announcement(&[funding], &signed, expiry, 0).unwrap();
    grind_tx_pow(&mut tx, g.params.market.task_pow_bits, &cancel).unwrap();
    tx
}

/// genesis -> b1 -> m0 .. m118 (named "base" too): height 120, so the
/// coinbases of b1 and m0..m19 are mature for the next block.
fn matured(g: &mut Gen) {
    g.next("b1", "genesis", Vec::new());
    g.accepted("b1");
    let last = g.extend("m", "b1", 119);
    g.store("base", g.block(&last).clone());
}

#[test]
fn announcement_rules_in_blocks() {
    let mut g = Gen::new(easy_main());
    matured(&mut g);
    let coin = g.coinbase_out("b1");

    let weak = announcement(&g, coin.clone(), false, 100);
    g.next("weak_identity", "base", vec![weak]);
    g.rejected("weak_identity", "ann-identity-pow");

    let mut resigned = announcement(&g, coin.clone(), true, 100);
    if let Some(ann) = resigned.announcement.as_mut() {
        if let AnnouncementBody::Full(body) = &mut ann.body {
            let n = body.len();
            body[n - 1] ^= 1; // corrupt the identity signature
        }
    }
    g.sign(&mut resigned, std::slice::from_ref(&coin));
    grind_tx_pow(&mut resigned, g.params.market.task_pow_bits, &AtomicBool::new(false)).unwrap();
    g.next("bad_identity_sig", "base", vec![resigned]);
    g.rejected("bad_identity_sig", "ann-identity-sig");

    let mut with_output = announcement(&g, coin.clone(), true, 100);
    with_output.output.push(g.pay(COIN));
    g.next("ann_output", "base", vec![with_output]);
    g.rejected("ann_output", "ann-flags");

    let mut oversized = announcement(&g, coin.clone(), true, 100);
    if let Some(ann) = oversized.announcement.as_mut() {
        ann.body = AnnouncementBody::Full(vec![0; 1001]);
    }
    g.next("ann_oversized", "base", vec![oversized]);
    g.rejected("ann_oversized", "ann-body-size");

    for (name, expiry) in [("ann_expiry_zero", 0), ("ann_expiry_large", 43_201)] {
        let tx = announcement(&g, coin.clone(), true, expiry);
        g.next(name, "base", vec![tx]);
        g.rejected(name, "ann-expiry");
    }

    let mut weak_pow = announcement(&g, coin.clone(), true, 100);
    let bits = g.params.market.task_pow_bits;
    let nonce = (0u64..).find(|n| !consensus::check::announcement::meets_tx_pow(&weak_pow, *n, bits)).unwrap();
    weak_pow.announcement.as_mut().unwrap().nonce = nonce;
    g.next("ann_weak_pow", "base", vec![weak_pow]);
    g.rejected("ann_weak_pow", "ann-tx-pow");

    let mut unknown_kind = announcement(&g, coin.clone(), true, 100);
    unknown_kind.announcement.as_mut().unwrap().kind = 9;
    g.next("ann_kind", "base", vec![unknown_kind]);
    g.rejected("ann_kind", "ann-kind");

    let mut undecodable = announcement(&g, coin.clone(), true, 100);
    undecodable.announcement.as_mut().unwrap().body = AnnouncementBody::Full(vec![7; 200]);
    g.sign(&mut undecodable, std::slice::from_ref(&coin));
    grind_tx_pow(&mut undecodable, g.params.market.task_pow_bits, &AtomicBool::new(false)).unwrap();
    g.next("ann_decode", "base", vec![undecodable]);
    g.rejected("ann_decode", "ann-body-decode");

    // An announcement funded from a P2PKH coin: its input is not native segwit.
    let p2pkh = primitives::TxOut {
        value: primitives::Amount::from_sat(2 * COIN),
        script_pubkey: primitives::ScriptBuf::from_bytes(
            [&[0x76u8, 0xa9, 20][..], &[0x11; 20], &[0x88, 0xac]].concat(),
        ),
    };
    let to_p2pkh = g.spend(&[g.coinbase_out("m5")], vec![p2pkh.clone()]);
    let legacy_coin = (OutPoint { txid: to_p2pkh.txid(), vout: 0 }, p2pkh);
    g.next("fund_p2pkh", "base", vec![to_p2pkh]);
    g.accepted("fund_p2pkh");
    let mut legacy = announcement(&g, coin.clone(), true, 100);
    legacy.input[0].previous_output = legacy_coin.0;
    legacy.input[0].witness = primitives::Witness::new();
    let key = Keypair::from_secret_key(&Secp256k1::new(), &SecretKey::from_slice(&[0x44; 32]).unwrap());
    let body = match &legacy.announcement.as_ref().unwrap().body {
        AnnouncementBody::Full(bytes) => {
            primitives::market::SignedBody::decode(primitives::AnnouncementKind::Task, bytes).unwrap()
        }
        AnnouncementBody::Pruned { .. } => unreachable!(),
    };
    let resigned = sign_body(body.body, &key, legacy_coin.0);
    legacy.announcement.as_mut().unwrap().body = AnnouncementBody::Full(resigned.encode());
    grind_tx_pow(&mut legacy, g.params.market.task_pow_bits, &AtomicBool::new(false)).unwrap();
    g.next("ann_not_segwit", "fund_p2pkh", vec![legacy]);
    g.rejected("ann_not_segwit", "ann-input-not-segwit");

    let pruned = announcement(&g, coin.clone(), true, 100).to_pruned();
    g.next("ann_pruned", "base", vec![pruned]);
    g.rejected("ann_pruned", "ann-pruned-unexpired");

    let good = announcement(&g, coin, true, 100);
    g.next("ann_ok", "fund_p2pkh", vec![good]);
    g.accepted("ann_ok");
}

/// ```text
/// genesis -> ... -> base -> a0 (announcement, coinbase spend) -> ... -> a9
///                       \-> c0 -> ... -> c109         (more work: reorg)
///                                   \-> then a-branch extended to a110, 111 blocks (reorg back)
/// ```
#[test]
fn deep_reorgs_across_announcements_and_coinbase_spends() {
    let mut g = Gen::new(easy_main());
    matured(&mut g);
    let before_fork = g.utxo_hash();

    let ann = announcement(&g, g.coinbase_out("b1"), true, 100);
    let spend = g.spend(&[g.coinbase_out("m0")], vec![g.pay(COIN), g.pay(2 * COIN)]);
    g.next("a0", "base", vec![ann, spend]);
    g.accepted("a0");
    let a_tip = g.extend("a", "a0", 0);
    let mut parent = a_tip;
    for i in 1..10 {
        let name = format!("a{i}");
        g.next(&name, &parent, Vec::new());
        g.accepted(&name);
        parent = name;
    }
    let a_utxos = g.utxo_hash();

    // The competing branch: 110 blocks from base, spending another coinbase.
    let mut parent = "base".to_string();
    for i in 0..110 {
        let name = format!("c{i}");
        let txs = if i == 0 { vec![g.spend(&[g.coinbase_out("m1")], vec![g.pay(4 * COIN)])] } else { Vec::new() };
        g.next(&name, &parent, txs);
        if i < 10 {
            g.accepted_side(&name);
        } else {
            g.accepted(&name);
        }
        parent = name;
    }
    g.tip_is("c109");
    // Same coins as a node that only ever saw the c branch.
    let mut fresh = Gen::new(easy_main());
    for name in ["b1"]
        .iter()
        .map(|s| s.to_string())
        .chain((0..119).map(|i| format!("m{i}")))
        .chain((0..110).map(|i| format!("c{i}")))
    {
        fresh.store(&name, g.block(&name).clone());
        fresh.accepted(&name);
    }
    assert_eq!(g.utxo_hash(), fresh.utxo_hash());

    // Extend the a branch past c's work: the node reorganises back, through
    // the announcement block and the coinbase spends.
    let mut parent = "a9".to_string();
    for i in 10..111 {
        let name = format!("a{i}");
        g.next(&name, &parent, Vec::new());
        if i < 110 {
            g.accepted_side(&name);
        } else {
            g.accepted(&name);
        }
        parent = name;
    }
    g.tip_is("a110");
    assert_ne!(g.utxo_hash(), a_utxos, "a110 has more coinbases than a9");
    // Disconnecting back to base restores the UTXO set exactly.
    g.node.invalidate_block(&g.hash("a0"), g.now).unwrap();
    g.tip_is("c109");
    g.node.invalidate_block(&g.hash("c0"), g.now).unwrap();
    g.tip_is("base");
    assert_eq!(g.utxo_hash(), before_fork);
}

/// Property: connecting a block and disconnecting it leaves the UTXO set
/// hash where it was, for blocks with random spends.
#[test]
fn connect_then_disconnect_restores_the_utxo_set() {
    let mut g = Gen::new(easy_main());
    matured(&mut g);
    let mut seed: u64 = 0x5eed;
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut parent = "base".to_string();
    let mut spendable: Vec<(OutPoint, primitives::TxOut)> = (0..20).map(|i| g.coinbase_out(&format!("m{i}"))).collect();
    for round in 0..12 {
        let before = g.utxo_hash();
        let mut txs = Vec::new();
        for _ in 0..(rand() % 4) {
            if spendable.is_empty() {
                break;
            }
            let coin = spendable.swap_remove((rand() as usize) % spendable.len());
            let parts = 1 + rand() % 3;
            let each = coin.1.value.to_sat() / (parts + 1);
            let tx = g.spend(&[coin], (0..parts).map(|_| g.pay(each)).collect());
            txs.push(tx);
        }
        let name = format!("p{round}");
        g.next(&name, &parent, txs.clone());
        g.accepted(&name);
        g.node.invalidate_block(&g.hash(&name), g.now).unwrap();
        assert_eq!(g.utxo_hash(), before, "round {round}");
        g.node.reconsider_block(&g.hash(&name), g.now).unwrap();
        g.tip_is(&name);
        for tx in &txs {
            for (vout, out) in tx.output.iter().enumerate() {
                spendable.push((OutPoint { txid: tx.txid(), vout: vout as u32 }, out.clone()));
            }
        }
        parent = name;
    }
}
