//! Sync scaling: a source node's chain grows to each size in turn (a spend
//! of a mature coinbase in every block after the first 100); at each size a
//! fresh node syncs it over P2P, then restarts with `-reindex` and connects
//! it again from its own block files. Prints, per size, blocks per second
//! and the peak RSS (`VmHWM`) of both, and the time per block relative to
//! the smallest size: flat means linear.
//!
//! `cargo bench -p zennet-tests --bench sync`; `SIZES` (default
//! `1000,2000,5000,20000`) picks the sizes. `ZENNETD_BASELINE` names a
//! previous `zennetd` to run the same syncs with, for a before/after ratio.
//! Output lines starting `csv,` feed `docs/plot_sync.py`.
//!
//! Blocks are built faster than one a second, so their times run ahead of
//! the clock (each must exceed the median of the eleven before it, and no
//! block may be more than ten minutes ahead): the source's clock is moved
//! on with `setmocktime` as they do, and the syncing nodes run at its
//! latest value.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use zennet_tests::chain::{block_on, coinbase_of, spend};
use zennet_tests::{wait_for, Node, REGTEST_ADDRESS};

const DEADLINE: Duration = Duration::from_secs(3600);

/// Peak resident memory of a running node, in MiB.
fn peak_rss_mib(node: &Node) -> f64 {
    node.peak_rss_bytes() as f64 / (1024.0 * 1024.0)
}

fn height(node: &Node) -> u64 {
    node.rpc("getblockcount", json!([])).as_u64().expect("a height")
}

/// Extends `source`'s chain to `target` blocks, keeping its clock (`clock`,
/// seconds) at or past every block's time.
fn grow(source: &Node, target: u64, clock: &mut u64) {
    let mut tip = height(source);
    if tip < 100 {
        source.rpc("generatetoaddress", json!([100 - tip, REGTEST_ADDRESS]));
        tip = 100;
    }
    while tip < target {
        let (outpoint, value) = coinbase_of(source, tip + 1 - 100);
        let block = block_on(source, vec![spend(outpoint, value, false)]);
        if u64::from(block.header.time) > *clock {
            *clock = u64::from(block.header.time) + 1000;
            source.rpc("setmocktime", json!([*clock]));
        }
        assert_eq!(source.rpc("submitblock", json!([hex::encode(block.serialize())])), Value::Null);
        tip += 1;
    }
}

struct Run {
    seconds: f64,
    peak_mib: f64,
}

fn wait_height(node: &Node, target: u64) {
    wait_for(&format!("height {target}"), DEADLINE, || (height(node) >= target).then_some(()));
}

/// A fresh node running `binary` syncs `source` over P2P, then reindexes.
fn sync_and_reindex(binary: Option<&PathBuf>, source: &Node, size: u64, clock: &str) -> (Run, Run) {
    let mut node = match binary {
        Some(binary) => Node::start_binary(binary.clone(), &[clock]),
        None => Node::start(&[clock]),
    };
    let started = Instant::now();
    node.connect_to(source);
    wait_height(&node, size);
    let sync = Run { seconds: started.elapsed().as_secs_f64(), peak_mib: peak_rss_mib(&node) };
    node.stop();
    let started = Instant::now();
    node.restart_with(&["-reindex", "-connect=0"]);
    wait_height(&node, size);
    let reindex = Run { seconds: started.elapsed().as_secs_f64(), peak_mib: peak_rss_mib(&node) };
    node.stop();
    (sync, reindex)
}

fn main() {
    let sizes: Vec<u64> = std::env::var("SIZES")
        .unwrap_or_else(|_| "1000,2000,5000,20000".into())
        .split(',')
        .map(|s| s.trim().parse().expect("SIZES: comma-separated block counts"))
        .collect();
    let baseline = std::env::var_os("ZENNETD_BASELINE").map(PathBuf::from);
    let mut clock = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_secs();
    let source = Node::start(&[&format!("-mocktime={clock}")]);
    let mut first_per_block: Vec<Option<f64>> = vec![None; 4];
    println!("csv,build,size,kind,seconds,blocks_per_second,peak_rss_mib");
    for &size in &sizes {
        let built = Instant::now();
        grow(&source, size, &mut clock);
        let clock = format!("-mocktime={clock}");
        eprintln!("source grown to {size} blocks in {:.1} s", built.elapsed().as_secs_f64());
        let mut builds: Vec<(&str, Option<&PathBuf>)> = vec![("this", None)];
        if let Some(baseline) = &baseline {
            builds.insert(0, ("baseline", Some(baseline)));
        }
        for (b, (name, binary)) in builds.into_iter().enumerate() {
            let (sync, reindex) = sync_and_reindex(binary, &source, size, &clock);
            for (k, (kind, run)) in [("sync", sync), ("reindex", reindex)].into_iter().enumerate() {
                let per_block = run.seconds / size as f64;
                let slot = &mut first_per_block[2 * b + k];
                let scaling = per_block / *slot.get_or_insert(per_block);
                println!(
                    "{name:<8} {kind:<7} {size:>6} blocks: {:>7.2} s, {:>7.0} blocks/s, peak RSS {:>6.1} MiB, \
                     time per block x{scaling:.2} of the smallest size",
                    run.seconds,
                    size as f64 / run.seconds,
                    run.peak_mib
                );
                println!(
                    "csv,{name},{size},{kind},{:.3},{:.1},{:.1}",
                    run.seconds,
                    size as f64 / run.seconds,
                    run.peak_mib
                );
            }
        }
    }
}
