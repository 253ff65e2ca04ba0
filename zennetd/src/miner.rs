//! Mining: grinding a header's nonce for one of the five algorithms, and the
//! built-in CPU miner (`-gen`, `setgenerate`) whose threads rebuild their
//! template whenever the tip or the mempool changes.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Instant;

use consensus::target::from_compact;
use consensus::PowHasher;
use primitives::block::header_bytes;
use primitives::{Block, BlockHash, PowAlgo, ScriptBuf};

use crate::actor::ChainHandle;
use crate::clock;

/// Most mining threads one node runs (`-genproclimit`, `setgenerate`).
pub const MAX_THREADS: usize = 256;

/// Whether `hash` (little-endian) is at or below `target` (little-endian bytes).
fn meets(hash: &[u8; 32], target: &[u8; 32]) -> bool {
    hash.iter().rev().cmp(target.iter().rev()) != std::cmp::Ordering::Greater
}

fn target_bytes(bits: u32) -> Option<[u8; 32]> {
    let target = from_compact(bits)?;
    let le = target.to_bytes_le();
    let mut out = [0u8; 32];
    out.get_mut(..le.len())?.copy_from_slice(&le);
    Some(out)
}

/// Tries nonces until the block's PoW hash meets its bits or `tries` run
/// out; bumps the timestamp when the nonce space is exhausted. Returns
/// whether the block is solved; `tries` is decremented by the hashes spent.
pub fn solve(block: &mut Block, algo: PowAlgo, tries: &mut u64) -> bool {
    solve_with(block, algo, tries, &mut PowHasher::new())
}

/// [`solve`] with the caller's hasher (the miner threads keep theirs).
pub fn solve_with(block: &mut Block, algo: PowAlgo, tries: &mut u64, hasher: &mut PowHasher) -> bool {
    let Some(target) = target_bytes(block.header.bits.to_consensus()) else {
        return false;
    };
    let mut header = header_bytes(&block.header);
    let mut nonce = block.header.nonce;
    while *tries > 0 {
        *tries -= 1;
        header[76..80].copy_from_slice(&nonce.to_le_bytes());
        if meets(&hasher.hash(algo, &header), &target) {
            block.header.nonce = nonce;
            return true;
        }
        nonce = nonce.wrapping_add(1);
        if nonce == 0 {
            block.header.time += 1;
            header = header_bytes(&block.header);
        }
    }
    block.header.nonce = nonce;
    false
}

/// Hashes counted per algorithm since the miner started.
#[derive(Default)]
pub struct HashCounters {
    hashes: [AtomicU64; PowAlgo::COUNT],
    since: Mutex<Option<Instant>>,
    /// Blocks mined since the last summary line, and when it was written.
    unreported: Mutex<(u64, Option<BlockHash>, Option<Instant>)>,
}

/// At most one "Mined" line per this long: a regtest miner finds many
/// blocks a second, and the UpdateTip lines already name each one.
const SUMMARY_INTERVAL: std::time::Duration = std::time::Duration::from_secs(10);

impl HashCounters {
    /// Counts a mined block and writes the summary when it is due (`force`: now).
    fn report(&self, mined: Option<BlockHash>, algo: PowAlgo, force: bool) {
        let Ok(mut unreported) = self.unreported.lock() else { return };
        if let Some(hash) = mined {
            unreported.0 += 1;
            unreported.1 = Some(hash);
        }
        let due = unreported.2.is_none_or(|t| t.elapsed() >= SUMMARY_INTERVAL);
        if unreported.0 > 0 && (due || force) {
            let (count, last) = (unreported.0, unreported.1.map(|h| h.to_string()).unwrap_or_default());
            match unreported.2 {
                Some(t) if count > 1 => tracing::info!(
                    "Mined {count} blocks ({algo}) in the last {}s, the last {last}",
                    t.elapsed().as_secs()
                ),
                _ => tracing::info!("Mined block {last} ({algo})"),
            }
            *unreported = (0, None, Some(Instant::now()));
        }
    }

    /// Hashes per second of each algorithm since mining started (0 when idle).
    pub fn rates(&self) -> [f64; PowAlgo::COUNT] {
        let elapsed = self.since.lock().ok().and_then(|s| *s).map_or(0.0, |s| s.elapsed().as_secs_f64());
        std::array::from_fn(
            |i| if elapsed > 0.0 { self.hashes[i].load(Ordering::Relaxed) as f64 / elapsed } else { 0.0 },
        )
    }
}

/// What the miner is doing: threads, algorithm, payout script.
pub struct Miner {
    chain: ChainHandle,
    counters: Arc<HashCounters>,
    running: Option<(Arc<AtomicBool>, Vec<JoinHandle<()>>)>,
    extra_nonce: Arc<AtomicU64>,
    /// What the running threads mine.
    algo_running: Option<PowAlgo>,
}

/// Nonces a thread tries before checking for a new tip or mempool.
const BATCH: u64 = 64;

impl Miner {
    pub fn new(chain: ChainHandle) -> Self {
        Miner {
            chain,
            counters: Arc::new(HashCounters::default()),
            running: None,
            extra_nonce: Arc::new(AtomicU64::new(1 << 32)),
            algo_running: None,
        }
    }

    pub fn counters(&self) -> Arc<HashCounters> {
        self.counters.clone()
    }

    pub fn is_running(&self) -> bool {
        self.running.is_some()
    }

    /// Starts `threads` mining threads (stopping any running ones first).
    pub fn start(&mut self, threads: usize, algo: PowAlgo, script: ScriptBuf) {
        self.stop();
        let stop = Arc::new(AtomicBool::new(false));
        if let Ok(mut since) = self.counters.since.lock() {
            *since = Some(Instant::now());
        }
        for counter in &self.counters.hashes {
            counter.store(0, Ordering::Relaxed);
        }
        let handles = (0..threads.clamp(1, MAX_THREADS))
            .filter_map(|i| {
                let (chain, stop, counters, script) =
                    (self.chain.clone(), stop.clone(), self.counters.clone(), script.clone());
                let extra = self.extra_nonce.clone();
                std::thread::Builder::new()
                    .name(format!("miner-{i}"))
                    .spawn(move || mine_loop(chain, algo, script, stop, counters, extra))
                    .ok()
            })
            .collect();
        tracing::info!("Mining {algo} on {threads} thread(s)");
        self.algo_running = Some(algo);
        self.running = Some((stop, handles));
    }

    pub fn stop(&mut self) {
        if let Some((stop, handles)) = self.running.take() {
            stop.store(true, Ordering::Relaxed);
            for handle in handles {
                let _ = handle.join();
            }
            if let Ok(mut since) = self.counters.since.lock() {
                *since = None;
            }
            self.counters.report(None, self.algo_running.take().unwrap_or(PowAlgo::Sha256d), true);
            tracing::info!("Mining stopped");
        }
    }
}

impl Drop for Miner {
    fn drop(&mut self) {
        self.stop();
    }
}

fn mine_loop(
    chain: ChainHandle,
    algo: PowAlgo,
    script: ScriptBuf,
    stop: Arc<AtomicBool>,
    counters: Arc<HashCounters>,
    extra_nonce: Arc<AtomicU64>,
) {
    let mut hasher = PowHasher::new();
    while !stop.load(Ordering::Relaxed) {
        let tick = chain.current_tick();
        let extra = extra_nonce.fetch_add(1, Ordering::Relaxed) as u32;
        let script = script.clone();
        let Ok(mut block) = chain.call_blocking(move |node| node.block_template(algo, &script, clock::now(), extra))
        else {
            return;
        };
        // Grind until solved, stopped, or the template is stale.
        loop {
            if stop.load(Ordering::Relaxed) || chain.current_tick() != tick {
                break;
            }
            let mut tries = BATCH;
            let solved = solve_with(&mut block, algo, &mut tries, &mut hasher);
            counters.hashes[algo as usize].fetch_add(BATCH - tries, Ordering::Relaxed);
            if solved {
                let hash = block.block_hash();
                match chain.call_blocking(move |node| node.submit_block(block, clock::now())) {
                    Ok(Ok(_)) => counters.report(Some(hash), algo, false),
                    Ok(Err(e)) => tracing::warn!("Mined block {hash} was refused: {e}"),
                    Err(_) => return,
                }
                break;
            }
        }
    }
}
