use bitcoin::hashes::Hash;
use primitives::market::{task_id, Acceptance, Cancel, CoreChoice, Identity, MarketBody, SignedBody, Task};
use primitives::{Announcement, AnnouncementBody, Block, BlockHash, OutPoint, Transaction, TxIn};

use super::*;

fn publisher() -> Identity {
    Identity { role: 1, pubkey: [1; 32], nonce: 7 }
}

fn node() -> Identity {
    Identity { role: 2, pubkey: [2; 32], nonce: 9 }
}

fn task() -> Task {
    Task {
        publisher: publisher(),
        os_choices: vec!["debian-12".into()],
        min_bandwidth_kbps: 100,
        min_disk_mb: 100,
        min_disk_iops: 0,
        persistent_mb: 0,
        core_choices: vec![CoreChoice { count: 2, min_mhz: 2000 }],
        memory_mb_per_core: 1024,
        min_memory_mhz: 0,
        min_vms: 1,
        endpoint: "192.0.2.1:7000".into(),
        lease_min_secs: 60,
        lease_max_secs: 3600,
        payout_interval_secs: -60,
        rate_core_ghz_hour: 5,
        rate_memory_mb_hour: 1,
        rate_disk_gb_hour: 1,
        rate_transfer_gb: 1,
        accept_pow_bits: 0x207fffff,
        accept_within_blocks: 5,
        info: String::new(),
    }
}

/// A transaction carrying `body` (only the market index reads it here: no
/// signature or proof of work is checked).
fn carrying(body: MarketBody, expiry: u32, seed: u8) -> Transaction {
    let kind = body.kind() as u8;
    let signed = SignedBody { body, signature: [seed; 64] };
    Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: OutPoint { txid: primitives::Txid::from_byte_array([seed; 32]), vout: 0 },
            ..TxIn::default()
        }],
        output: vec![],
        announcement: Some(Announcement { kind, expiry, body: AnnouncementBody::Full(signed.encode()), nonce: 1 }),
        lock_time: 0,
    }
}

fn block(txs: Vec<Transaction>, seed: u8) -> (Block, BlockHash) {
    let mut header = consensus::ChainParams::regtest().genesis.header;
    header.nonce = u32::from(seed);
    let block = Block::new(header, txs);
    let hash = block.block_hash();
    (block, hash)
}

#[test]
fn records_round_trip_full_and_pruned() {
    let tx = carrying(MarketBody::Task(task()), 20, 1);
    let record = AnnouncementRecord::from_tx(&tx, BlockHash::from_byte_array([3; 32]), 10, 1).unwrap();
    assert_eq!(record.task_id, Some(task_id(&task())));
    assert_eq!(AnnouncementRecord::decode(record.txid, &record.encode()).unwrap(), record);
    let pruned = AnnouncementRecord::from_tx(&tx.to_pruned(), record.block, 10, 1).unwrap();
    assert!(pruned.is_pruned() && pruned.task_id.is_none());
    assert_eq!((pruned.txid, pruned.body_hash), (record.txid, record.body_hash));
    assert_eq!(AnnouncementRecord::decode(pruned.txid, &pruned.encode()).unwrap(), pruned);
    assert!(AnnouncementRecord::decode(record.txid, &record.encode()[..20]).is_err());
}

#[test]
fn states_follow_the_tip_and_disconnects_undo_a_block() {
    let mut index = MarketIndex::default();
    let id = task_id(&task());
    let (b10, h10) = block(vec![carrying(MarketBody::Task(task()), 20, 1)], 10);
    index.block_connected(&b10, h10, 10);
    let acceptance = Acceptance {
        task_id: id,
        node: node(),
        payee_pubkey: [2; 33],
        cores: 2,
        mhz: 2000,
        memory_mb: 2048,
        disk_mb: 100,
        bandwidth_kbps: 100,
    };
    let (b11, h11) = block(vec![carrying(MarketBody::Acceptance(acceptance), 20, 2)], 11);
    index.block_connected(&b11, h11, 11);
    let view = |index: &MarketIndex, tip| index.task_view(&id, tip, &[]).unwrap();
    assert_eq!(view(&index, 12).state, TaskState::Open);
    assert_eq!(view(&index, 12).acceptances[0].state, AcceptanceState::Active);
    assert_eq!(view(&index, 16).state, TaskState::Closed);
    assert_eq!(view(&index, 31).state, TaskState::Expired);
    assert_eq!(view(&index, 31).acceptances[0].state, AcceptanceState::Expired);
    assert_eq!(index.task(&id).unwrap().included_height, Some(10));

    // A cancel by someone else changes nothing; by the publisher, everything.
    let foreign = Cancel { task_id: id, publisher: Identity { pubkey: [5; 32], ..publisher() }, node_pubkey: None };
    let (b12, h12) = block(vec![carrying(MarketBody::Cancel(foreign), 20, 3)], 12);
    index.block_connected(&b12, h12, 12);
    assert_eq!(view(&index, 13).state, TaskState::Open);
    let cancel = Cancel { task_id: id, publisher: publisher(), node_pubkey: None };
    let (b13, h13) = block(vec![carrying(MarketBody::Cancel(cancel), 20, 4)], 13);
    index.block_connected(&b13, h13, 13);
    assert_eq!(view(&index, 14).state, TaskState::Cancelled);
    assert_eq!(view(&index, 14).acceptances[0].state, AcceptanceState::Cancelled);

    // Filters: a machine with too few cores does not qualify.
    let small = TaskFilter {
        machine: Some(primitives::market::MachineOffer {
            cores: 1,
            mhz: 3000,
            memory_mb: 0,
            disk_mb: 1000,
            bandwidth_kbps: 1000,
        }),
        ..TaskFilter::default()
    };
    assert!(index.list(&small, 10, 0, 14, &[]).is_empty());
    let big =
        TaskFilter { machine: Some(primitives::market::MachineOffer { cores: 4, ..small.machine.unwrap() }), ..small };
    assert_eq!(index.list(&big, 10, 0, 14, &[]).len(), 1);

    index.block_disconnected(13, h12);
    index.block_disconnected(12, h11);
    assert_eq!(view(&index, 12).state, TaskState::Open);
    index.block_disconnected(11, h10);
    assert!(view(&index, 12).acceptances.is_empty());
    index.block_disconnected(10, BlockHash::from_byte_array([0; 32]));
    assert!(index.task_view(&id, 12, &[]).is_none());
    assert!(index.is_empty());
    assert_eq!(index.dirty.len(), 4, "every record's deletion is to be written");
}

#[test]
fn pending_tasks_come_first_and_mine_selects_by_identity() {
    let mut index = MarketIndex::default();
    let (b10, h10) = block(vec![carrying(MarketBody::Task(task()), 20, 1)], 10);
    index.block_connected(&b10, h10, 10);
    let mut other = task();
    other.info = "second".into();
    other.publisher = Identity { pubkey: [8; 32], ..publisher() };
    let pending = vec![PendingAnnouncement::from_tx(&carrying(MarketBody::Task(other.clone()), 20, 6)).unwrap()];
    let all = index.list(&TaskFilter::default(), 10, 0, 11, &pending);
    assert_eq!(all.iter().map(|v| v.state).collect::<Vec<_>>(), vec![TaskState::Pending, TaskState::Open]);
    let mine = TaskFilter { identity_keys: Some(vec![[8; 32]]), ..TaskFilter::default() };
    assert_eq!(index.list(&mine, 10, 0, 11, &pending)[0].task_id, Some(task_id(&other)));
    assert_eq!(index.list(&TaskFilter::default(), 10, 1, 11, &pending).len(), 1, "skip");
}
