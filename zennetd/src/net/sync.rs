//! Headers-first sync: headers from every peer, then blocks fetched from
//! several peers in parallel within a moving window above the tip; a peer
//! that holds up the window is dropped and its blocks asked of others.

use std::collections::{HashMap, HashSet};
use std::time::{Duration, Instant};

use bitcoin::p2p::message_blockdata::Inventory;
use consensus::{BlockError, RejectKind};
use primitives::{Block, BlockHash, Header};

use super::connection::PeerId;
use super::manager::Manager;
use super::message::{NetMessage, MAX_HEADERS};
use super::peer::KnownTip;
use crate::chainstate::SubmitError;

/// Blocks ahead of the tip that may be requested (Core's BLOCK_DOWNLOAD_WINDOW).
pub const DOWNLOAD_WINDOW: u32 = 1024;
/// Core's MAX_BLOCKS_IN_TRANSIT_PER_PEER.
pub const MAX_IN_FLIGHT_PER_PEER: usize = 16;
/// How long the block that holds up the chain may stay in flight; doubles
/// after each stalling peer is dropped, up to the maximum (as Core's).
pub const STALL_TIMEOUT_MIN: Duration = Duration::from_secs(5);
const STALL_TIMEOUT_MAX: Duration = Duration::from_secs(64);
/// Any block request older than this ends the connection.
const BLOCK_DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(120);
/// How long a `getheaders` may go unanswered before another is sent
/// (Core's HEADERS_RESPONSE_TIME).
const HEADERS_RESPONSE_TIME: Duration = Duration::from_secs(120);
const PROGRESS_LOG_INTERVAL: Duration = Duration::from_secs(10);

enum HeadersOutcome {
    Accepted(KnownTip),
    Unconnected,
    Failed(SubmitError),
}

impl Manager {
    pub(super) async fn on_headers(&mut self, id: PeerId, headers: Vec<Header>) {
        if headers.is_empty() {
            // Only an answer to getheaders is empty: nothing new there.
            if let Some(peer) = self.peers.get_mut(&id) {
                peer.getheaders_sent = None;
            }
            return;
        }
        if headers.windows(2).any(|w| w[1].prev_blockhash != w[0].block_hash()) {
            self.misbehaving(id, "non-continuous headers sequence");
            return;
        }
        let full = headers.len() == MAX_HEADERS;
        let now = crate::clock::now();
        let outcome = self
            .chain
            .call(move |node| {
                if node.chain.entry(&headers[0].prev_blockhash).is_none() {
                    return HeadersOutcome::Unconnected;
                }
                match node.chain.accept_headers(&headers, now) {
                    Ok(Some(last)) => HeadersOutcome::Accepted(KnownTip {
                        hash: last.hash,
                        height: last.height,
                        work: last.chain_work,
                    }),
                    Ok(None) => HeadersOutcome::Unconnected,
                    Err(e) => HeadersOutcome::Failed(e),
                }
            })
            .await;
        let Ok(outcome) = outcome else { return };
        match outcome {
            HeadersOutcome::Accepted(tip) => {
                let last = tip.hash;
                if let Some(peer) = self.peers.get_mut(&id) {
                    // A connecting answer: a new getheaders may go out.
                    peer.getheaders_sent = None;
                    peer.update_best(tip);
                }
                if full {
                    self.request_headers(id, Some(last)).await;
                }
                self.schedule_downloads().await;
            }
            HeadersOutcome::Unconnected => {
                // Announcements may race the answer to our getheaders (BIP130);
                // Core no longer punishes them. Ask for the missing headers
                // unless a request is still out (Core's MaybeSendGetHeaders).
                let Some(peer) = self.peers.get(&id) else { return };
                if peer.getheaders_sent.is_none_or(|sent| sent.elapsed() >= HEADERS_RESPONSE_TIME) {
                    self.request_headers(id, None).await;
                }
            }
            HeadersOutcome::Failed(e) => self.punish_block_error(id, &e, "header"),
        }
    }

    /// Maps a refused block or header to what the sender deserves.
    fn punish_block_error(&mut self, id: PeerId, error: &SubmitError, what: &str) {
        match error {
            SubmitError::Duplicate => {}
            SubmitError::DuplicateInvalid => self.misbehaving(id, &format!("{what} known to be invalid")),
            SubmitError::Invalid(e) => match e.kind() {
                RejectKind::Invalid | RejectKind::Mutated => {
                    self.misbehaving(id, &format!("invalid {what}: {}", e.reason()))
                }
                RejectKind::NotYetValid | RejectKind::Incomplete => {
                    tracing::debug!("peer={id}: {what} not accepted yet: {}", e.reason())
                }
            },
            SubmitError::Store(e) => tracing::error!("storing a {what} from peer={id} failed: {e}"),
            SubmitError::Refused(why) => tracing::info!("{what} from peer={id} not taken: {why}"),
        }
    }

    pub(super) async fn on_block(&mut self, id: PeerId, block: Block) {
        let hash = block.block_hash();
        if self.in_flight.get(&hash).is_some_and(|(owner, _, _)| *owner == id) {
            self.in_flight.remove(&hash);
        }
        let now = crate::clock::now();
        let result = self
            .chain
            .call(move |node| {
                let header = block.header;
                let result = node.submit_block(block, now);
                if let Err(SubmitError::Invalid(e)) = &result {
                    // Incomplete (a pruned body not yet expired): keep the
                    // header so that the block is fetched from someone else.
                    if e.kind() == RejectKind::Incomplete && !matches!(e, BlockError::PrevBlockNotFound(_)) {
                        let _ = node.chain.accept_header(header, now);
                    }
                }
                result
            })
            .await;
        let Ok(result) = result else { return };
        match result {
            Ok(_) => {
                if let Some(peer) = self.peers.get_mut(&id) {
                    peer.last_block_time = now;
                }
                // Progress: let the stall timeout relax again (Core decays it).
                self.stall_timeout = self.stall_timeout.mul_f64(0.85).max(STALL_TIMEOUT_MIN);
            }
            Err(SubmitError::Invalid(BlockError::PrevBlockNotFound(_))) => self.request_headers(id, None).await,
            Err(SubmitError::Invalid(e)) if e.kind() == RejectKind::Incomplete => {
                tracing::info!(
                    "Block {hash} from peer={id} is incomplete ({}); fetching it in full from another peer",
                    e.reason()
                );
                if let Some(peer) = self.peers.get_mut(&id) {
                    peer.unavailable.insert(hash);
                }
            }
            Err(e) => self.punish_block_error(id, &e, "block"),
        }
        self.schedule_downloads().await;
    }

    pub(super) async fn on_notfound(&mut self, id: PeerId, items: &[Inventory]) {
        let mut changed = false;
        if let Some(peer) = self.peers.get_mut(&id) {
            for item in items {
                peer.tx_requests.not_found(item);
            }
        }
        self.request_transactions(id);
        for item in items {
            if let Inventory::Block(hash) | Inventory::WitnessBlock(hash) = item {
                if self.in_flight.get(hash).is_some_and(|(owner, _, _)| *owner == id) {
                    self.in_flight.remove(hash);
                    if let Some(peer) = self.peers.get_mut(&id) {
                        peer.unavailable.insert(*hash);
                    }
                    changed = true;
                }
            }
        }
        if changed {
            self.schedule_downloads().await;
        }
    }

    /// Gives every peer with free request slots the next blocks it can
    /// serve on the way to its best header, lowest first.
    pub(super) async fn schedule_downloads(&mut self) {
        let requests: Vec<(PeerId, BlockHash, usize, u32, HashSet<BlockHash>)> = self
            .peers
            .values()
            .filter(|p| p.is_ready())
            .filter_map(|p| {
                let in_flight = self.in_flight.values().filter(|(owner, _, _)| *owner == p.id).count();
                let free = MAX_IN_FLIGHT_PER_PEER.saturating_sub(in_flight);
                let best = p.best_known.as_ref()?;
                (free > 0).then(|| (p.id, best.hash, free, p.serves_from(best.height), p.unavailable.clone()))
            })
            .collect();
        if requests.is_empty() {
            return;
        }
        let taken: HashSet<BlockHash> = self.in_flight.keys().copied().collect();
        let minimum_work = self.config.minimum_chain_work.clone();
        // The planner's remembered paths travel to the chain's thread and back.
        let mut planner = std::mem::take(&mut self.download);
        let result = self
            .chain
            .call(move |node| {
                let tip_work = node.chain.tip().chain_work.clone();
                let mut taken = taken;
                let mut plan = Vec::new();
                for (id, target, free, from_height, unavailable) in requests {
                    let Some(entry) = node.chain.entry(&target) else { continue };
                    // -minimumchainwork: never download towards a low-work chain.
                    if entry.chain_work <= tip_work || entry.chain_work < minimum_work {
                        continue;
                    }
                    let skip = |h: &BlockHash| taken.contains(h) || unavailable.contains(h);
                    let blocks =
                        planner.blocks_to_download(&node.chain, &target, free, DOWNLOAD_WINDOW, from_height, &skip);
                    taken.extend(blocks.iter().map(|d| d.hash));
                    if !blocks.is_empty() {
                        plan.push((id, blocks));
                    }
                }
                (plan, planner)
            })
            .await;
        let Ok((plan, planner)) = result else { return };
        self.download = planner;
        let now = Instant::now();
        for (id, blocks) in plan {
            let Some(peer) = self.peers.get(&id) else { continue };
            let items = blocks.iter().map(|d| Inventory::WitnessBlock(d.hash)).collect();
            if peer.send(NetMessage::GetData(items)) {
                for d in blocks {
                    self.in_flight.insert(d.hash, (id, now, d.height));
                }
            }
        }
    }

    /// Drops the peer whose block holds up the chain for longer than the
    /// stall timeout, if another peer could serve it, and any peer with a
    /// request older than the download timeout.
    pub(super) fn check_stalls(&mut self) {
        let mut drop: HashMap<PeerId, &'static str> = HashMap::new();
        for (owner, requested, _) in self.in_flight.values() {
            if requested.elapsed() > BLOCK_DOWNLOAD_TIMEOUT {
                drop.insert(*owner, "block download timeout");
            }
        }
        let lowest = self.in_flight.iter().min_by_key(|(_, (_, _, height))| *height);
        if let Some((_, (owner, requested, height))) = lowest {
            let others = self
                .peers
                .values()
                .any(|p| p.id != *owner && p.is_ready() && p.best_known.as_ref().is_some_and(|b| b.height >= *height));
            if others && requested.elapsed() > self.stall_timeout {
                drop.insert(*owner, "stalling block download");
                self.stall_timeout = (self.stall_timeout * 2).min(STALL_TIMEOUT_MAX);
            }
        }
        for (id, reason) in drop {
            tracing::warn!("peer={id} is {reason}; its blocks are requested from other peers");
            self.disconnect(id, reason);
        }
    }

    /// While the tip is behind the best header: a line every ten seconds
    /// with height, headers and speed, and a summary once caught up.
    pub(super) async fn log_sync_progress(&mut self) {
        let now = crate::clock::now();
        let Ok((height, best, progress)) = self
            .chain
            .call(move |node| {
                (node.chain.tip().height, node.chain.best_header().height, node.chain.verification_progress(now))
            })
            .await
        else {
            return;
        };
        match self.sync_started {
            None if best > height && !self.in_flight.is_empty() => self.sync_started = Some((Instant::now(), height)),
            Some((started, from)) if best <= height => {
                self.sync_started = None;
                let seconds = started.elapsed().as_secs_f64().max(0.001);
                tracing::info!(
                    "Synchronized to height {height}: {} blocks in {seconds:.1} s ({:.1} blocks/s)",
                    height - from,
                    f64::from(height - from) / seconds
                );
            }
            _ => {}
        }
        let (since, height_then) = self.sync_progress;
        if since.elapsed() < PROGRESS_LOG_INTERVAL {
            return;
        }
        self.sync_progress = (Instant::now(), height);
        if best <= height || height <= height_then || self.in_flight.is_empty() {
            return;
        }
        let rate = f64::from(height - height_then) / since.elapsed().as_secs_f64();
        tracing::info!(
            "Sync: height={height} headers={best} progress={:.1}% ({rate:.1} blocks/s, {} in flight from {} peers)",
            progress * 100.0,
            self.in_flight.len(),
            self.in_flight.values().map(|(p, _, _)| *p).collect::<HashSet<_>>().len()
        );
    }
}
