//! `listtasks` over a market index of 100,000 confirmed tasks: time per
//! query for a selective filter (a machine that qualifies for few tasks, an
//! operating system few ask for), for the newest page with no filter, and
//! for `gettask`. The index holds decoded tasks in memory: no query reads a
//! body from disk.

use std::time::Instant;

use bitcoin::hashes::Hash;
use primitives::market::{task_id, CoreChoice, Identity, MachineOffer, MarketBody, SignedBody, Task};
use primitives::{Announcement, AnnouncementBody, Block, OutPoint, Transaction, TxIn, Txid};
use zennetd::node_state::market::{MarketIndex, TaskFilter};

const TASKS: u32 = 100_000;
const PER_BLOCK: u32 = 1_000;

fn task(n: u32) -> Task {
    Task {
        publisher: Identity { role: 1, pubkey: [(n % 251) as u8; 32], nonce: u64::from(n) },
        os_choices: vec![if n.is_multiple_of(1000) { "rare-os".into() } else { format!("os-{}", n % 7) }],
        min_bandwidth_kbps: n % 50_000,
        min_disk_mb: n % 100_000,
        min_disk_iops: 0,
        persistent_mb: 0,
        core_choices: vec![CoreChoice { count: (1 + n % 64) as u16, min_mhz: 1000 + n % 3000 }],
        memory_mb_per_core: 512 + n % 4096,
        min_memory_mhz: 0,
        min_vms: 1,
        endpoint: format!("host{n}.example:7000"),
        lease_min_secs: 60,
        lease_max_secs: 3600 + n % 86_400,
        payout_interval_secs: if n.is_multiple_of(2) { 60 } else { -60 },
        rate_core_ghz_hour: u64::from(n % 10_000),
        rate_memory_mb_hour: 1,
        rate_disk_gb_hour: 1,
        rate_transfer_gb: 1,
        accept_pow_bits: 0x207fffff,
        accept_within_blocks: 43_200,
        info: "https://example.org/task".into(),
    }
}

fn announcement(n: u32) -> Transaction {
    let signed = SignedBody { body: MarketBody::Task(task(n)), signature: [1; 64] };
    let mut seed = [0u8; 32];
    seed[..4].copy_from_slice(&n.to_le_bytes());
    Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: OutPoint { txid: Txid::from_byte_array(seed), vout: 0 },
            ..TxIn::default()
        }],
        output: vec![],
        announcement: Some(Announcement {
            kind: 1,
            expiry: 43_200,
            body: AnnouncementBody::Full(signed.encode()),
            nonce: 0,
        }),
        lock_time: 0,
    }
}

fn per_query(runs: u32, mut f: impl FnMut() -> usize) -> (f64, usize) {
    let start = Instant::now();
    let mut found = 0;
    for _ in 0..runs {
        found = std::hint::black_box(f());
    }
    (start.elapsed().as_secs_f64() * 1e6 / f64::from(runs), found)
}

fn main() {
    let mut index = MarketIndex::default();
    let header = consensus::ChainParams::regtest().genesis.header;
    let build = Instant::now();
    for b in 0..TASKS / PER_BLOCK {
        let txdata = (0..PER_BLOCK).map(|i| announcement(b * PER_BLOCK + i).into()).collect();
        let mut block = Block { header, txdata };
        block.header.nonce = b;
        let hash = block.block_hash();
        index.block_connected(&block, hash, b + 1);
    }
    println!("indexed {TASKS} tasks in {:.2} s", build.elapsed().as_secs_f64());
    let tip = TASKS / PER_BLOCK + 1;
    let machine = TaskFilter {
        machine: Some(MachineOffer { cores: 2, mhz: 1200, memory_mb: 0, disk_mb: 2_000, bandwidth_kbps: 1_000_000 }),
        ..TaskFilter::default()
    };
    let rare = TaskFilter { os: vec!["rare-os".into()], ..TaskFilter::default() };
    let (machine_us, machine_found) = per_query(20, || index.list(&machine, 100, 0, tip, &[]).len());
    let (rare_us, rare_found) = per_query(20, || index.list(&rare, 100, 0, tip, &[]).len());
    let (page_us, page_found) = per_query(200, || index.list(&TaskFilter::default(), 10, 0, tip, &[]).len());
    let id = task_id(&task(TASKS / 2));
    let (get_us, _) = per_query(10_000, || index.task_view(&id, tip, &[]).map_or(0, |_| 1));
    println!("{:<40} {:>12} {:>8}", "query", "µs/query", "found");
    println!("{:<40} {:>12.0} {:>8}", "machine filter (2 cores at 1.2 GHz, 2 GB)", machine_us, machine_found);
    println!("{:<40} {:>12.0} {:>8}", "os filter (1 in 1,000 tasks)", rare_us, rare_found);
    println!("{:<40} {:>12.0} {:>8}", "newest 10, no filter", page_us, page_found);
    println!("{:<40} {:>12.2} {:>8}", "gettask", get_us, 1);
}
