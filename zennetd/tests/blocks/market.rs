//! Announcement policy in the mempool: tasks, acceptances and cancels judged
//! against the tasks this node knows, and expiry of unmined announcements.

use std::sync::atomic::AtomicBool;

use bitcoin::secp256k1::{Keypair, Secp256k1, SecretKey};
use consensus::check::announcement::{identity_target, meets_tx_pow};
use primitives::market::{task_id, Acceptance, Cancel, CoreChoice, Identity, MarketBody, Role, Task};
use primitives::{OutPoint, Transaction, TxOut};
use wallet::announcement::{build_announcement, mine_identity, sign_body, Funding};

use crate::generator::{easy_main, Gen};

fn identity(g: &Gen, role: Role, seed: u8) -> (Keypair, Identity) {
    let key = Keypair::from_secret_key(&Secp256k1::new(), &SecretKey::from_slice(&[seed; 32]).unwrap());
    let id =
        mine_identity(role, &key, &identity_target(&g.params, role, 0), 1, &|_| {}, &AtomicBool::new(false)).unwrap();
    (key, id)
}

fn task(publisher: Identity, accept_within_blocks: u32) -> Task {
    Task {
        publisher,
        os_choices: vec![],
        min_bandwidth_kbps: 1,
        min_disk_mb: 1,
        min_disk_iops: 1,
        persistent_mb: 0,
        core_choices: vec![CoreChoice { count: 1, min_mhz: 1000 }],
        memory_mb_per_core: 512,
        min_memory_mhz: 0,
        min_vms: 1,
        endpoint: "192.0.2.1:1".into(),
        lease_min_secs: 60,
        lease_max_secs: 600,
        payout_interval_secs: 60,
        rate_core_ghz_hour: 1,
        rate_memory_mb_hour: 1,
        rate_disk_gb_hour: 1,
        rate_transfer_gb: 1,
        // Acceptances must beat the network minimum by a factor of 256.
        accept_pow_bits: 0x1f00ffff,
        accept_within_blocks,
        info: String::new(),
    }
}

/// An announcement of `body` funded by `coin`, with a nonce that meets
/// `bits` (and, with `also_meets` false, fails `other_bits`).
fn announce(
    g: &Gen,
    body: MarketBody,
    key: &Keypair,
    coin: (OutPoint, TxOut),
    expiry: u32,
    bits: u32,
    avoid: Option<u32>,
) -> Transaction {
    let signed = sign_body(body, key, coin.0);
    let mut tx =
        build_announcement(&[Funding { outpoint: coin.0, output: coin.1, key: g.key }], &signed, expiry, 0).unwrap();
    let nonce = (0u64..)
        .find(|n| meets_tx_pow(&tx, *n, bits) && avoid.is_none_or(|other| !meets_tx_pow(&tx, *n, other)))
        .unwrap();
    tx.announcement.as_mut().unwrap().nonce = nonce;
    tx
}

fn submit(g: &mut Gen, tx: &Transaction) -> Result<u64, String> {
    let now = g.now;
    g.node.accept_to_mempool(tx.clone(), now, false).map_err(|e| e.reason())
}

#[test]
fn announcement_policy_in_the_mempool() {
    let mut g = Gen::new(easy_main());
    g.next("b1", "genesis", Vec::new());
    g.accepted("b1");
    let mut tip = g.extend("m", "b1", 119);
    let min = g.params.market.task_pow_bits;
    let (pub_key, publisher) = identity(&g, Role::Publisher, 0x51);
    let (node_key, node) = identity(&g, Role::Node, 0x52);
    let t = task(publisher, 2);
    let id = task_id(&t);
    let task_tx = announce(&g, MarketBody::Task(t.clone()), &pub_key, g.coinbase_out("b1"), 5, min, None);

    let acceptance = |g: &Gen, task: [u8; 32], coin, strong: bool| {
        let body = MarketBody::Acceptance(Acceptance {
            task_id: task,
            node,
            payee_pubkey: [2; 33],
            cores: 1,
            mhz: 1000,
            memory_mb: 512,
            disk_mb: 1,
            bandwidth_kbps: 1,
        });
        if strong {
            announce(g, body, &node_key, coin, 50, 0x1f00ffff, None)
        } else {
            announce(g, body, &node_key, coin, 50, min, Some(0x1f00ffff))
        }
    };

    // Unknown task.
    let orphan = acceptance(&g, [9; 32], g.coinbase_out("m0"), true);
    assert_eq!(submit(&mut g, &orphan), Err("ann-task-unknown".into()));
    // The task enters; acceptances now find it in the pool.
    submit(&mut g, &task_tx).unwrap();
    let weak = acceptance(&g, id, g.coinbase_out("m0"), false);
    assert_eq!(submit(&mut g, &weak), Err("ann-accept-pow".into()));
    let strong = acceptance(&g, id, g.coinbase_out("m0"), true);
    submit(&mut g, &strong).unwrap();
    // A cancel signed by another publisher is refused; by the publisher, taken.
    let (other_key, other) = identity(&g, Role::Publisher, 0x53);
    let foreign = announce(
        &g,
        MarketBody::Cancel(Cancel { task_id: id, publisher: other, node_pubkey: None }),
        &other_key,
        g.coinbase_out("m1"),
        50,
        min,
        None,
    );
    assert_eq!(submit(&mut g, &foreign), Err("ann-cancel-not-publisher".into()));

    // Mine the task and the acceptance.
    g.next("with_task", &tip, vec![task_tx.clone(), strong.clone()]);
    g.accepted("with_task");
    tip = "with_task".into();
    assert!(g.node.market.task(&id).is_some(), "the market index knows the confirmed task");
    assert_eq!(g.node.mempool.pool().len(), 0);

    // Two blocks later the task stops taking acceptances...
    tip = g.extend("after", &tip, 2);
    let late = acceptance(&g, id, g.coinbase_out("m2"), true);
    assert_eq!(submit(&mut g, &late), Err("ann-task-closed".into()));
    // ...and past its expiry it is gone for acceptances and cancels alike.
    tip = g.extend("later", &tip, 3);
    let cancel = announce(
        &g,
        MarketBody::Cancel(Cancel { task_id: id, publisher, node_pubkey: None }),
        &pub_key,
        g.coinbase_out("m3"),
        50,
        min,
        None,
    );
    assert_eq!(submit(&mut g, &cancel), Err("ann-task-expired".into()));

    // A task not mined within its expiry leaves the pool.
    let (key2, publisher2) = identity(&g, Role::Publisher, 0x54);
    let short = announce(&g, MarketBody::Task(task(publisher2, 10)), &key2, g.coinbase_out("m4"), 1, min, None);
    submit(&mut g, &short).unwrap();
    assert_eq!(g.node.mempool.pool().len(), 1);
    g.extend("empty", &tip, 2);
    assert_eq!(g.node.mempool.pool().len(), 0, "expired unmined announcement removed");
}

/// The largest task body DESIGN.md allows (about 700 bytes): eight 32-byte
/// operating systems, eight core choices, a 64-byte endpoint, 128 bytes of info.
fn largest_task(publisher: Identity, n: u8) -> Task {
    let mut t = task(publisher, 10);
    t.os_choices = (0..8).map(|i| format!("{:0>32}", format!("os{i}-{n}"))).collect();
    t.core_choices = (1..=8).map(|c| CoreChoice { count: c, min_mhz: 1000 * u32::from(c) }).collect();
    t.endpoint = format!("{:a>57}.x:7000", n);
    t.info = "i".repeat(128);
    t
}

#[test]
fn expired_bodies_leave_the_block_store() {
    let mut g = Gen::new(easy_main());
    g.next("b1", "genesis", Vec::new());
    g.accepted("b1");
    let tip = g.extend("m", "b1", 130);
    let min = g.params.market.task_pow_bits;
    let (key, publisher) = identity(&g, Role::Publisher, 0x61);
    const TASKS: u8 = 25;
    let txs: Vec<Transaction> = (0..TASKS)
        .map(|n| {
            let coin = g.coinbase_out(&format!("m{n}"));
            announce(&g, MarketBody::Task(largest_task(publisher, n)), &key, coin, 1, min, None)
        })
        .collect();
    let body_bytes: usize = txs.iter().map(|tx| tx.announcement.as_ref().unwrap().body.len() as usize).sum();
    assert!(body_bytes / usize::from(TASKS) > 650, "bodies of {} bytes", body_bytes / usize::from(TASKS));
    let saved: u64 = txs.iter().map(|tx| (tx.serialize().len() - tx.to_pruned().serialize().len()) as u64).sum();
    g.next("tasks", &tip, txs);
    g.accepted("tasks");
    let before = g.node.chain.block_bytes().unwrap();
    let height = g.height("tasks");
    assert_eq!(g.node.market.summary(height + 1).tasks_by_state.iter().find(|s| s.0 == "open").unwrap().1, 25);

    // Prunable once inclusion + expiry (1) + 100 blocks have passed.
    g.extend("wait", "tasks", 100);
    assert_eq!(g.node.chain.block_bytes().unwrap(), before + new_bytes(&g, "wait", 100), "nothing pruned yet");
    let mid = g.node.chain.block_bytes().unwrap();
    g.extend("more", "wait99", 1);
    let after = g.node.chain.block_bytes().unwrap();
    assert_eq!(after, mid + new_bytes(&g, "more", 1) - saved, "every body dropped from the store");
    let summary = g.node.market.summary(g.height("more0"));
    assert_eq!(summary.tasks_by_state.iter().find(|s| s.0 == "pruned").unwrap().1, 25);
    assert_eq!(summary.pruned_bytes, saved);
    eprintln!(
        "{TASKS} task bodies of {body_bytes} bytes: the block store fell by {saved} bytes ({} bytes stored before, {} after)",
        mid + new_bytes(&g, "more", 1),
        after
    );
    let stored = g.node.chain.block(&g.hash("tasks")).unwrap().unwrap();
    assert!(stored.txdata[1..].iter().all(|tx| tx.announcement.as_ref().unwrap().body.is_pruned()));
}

fn new_bytes(g: &Gen, prefix: &str, count: usize) -> u64 {
    (0..count).map(|i| g.block(&format!("{prefix}{i}")).serialize().len() as u64).sum()
}
