//! The peer manager task: owns the peers, the address book, the ban list
//! and the block download state, and reacts to messages, chain changes,
//! RPC requests and a one-second timer.

use std::collections::{HashMap, HashSet};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use primitives::{BlockHash, Txid, Wtxid};
use tokio::net::TcpStream;
use tokio::sync::{broadcast, mpsc, watch};

use crate::node_state::Notification;

use super::addrman::AddrMan;
use super::banman::{is_local, BanMan};
use super::connection::{self, Event, PeerId, Traffic};
use super::peer::{ConnKind, Peer};
use super::{Job, NetConfig, NetHandle};
use crate::actor::ChainHandle;

/// Address book writes while running (Core: every 15 minutes).
const ADDRMAN_SAVE_INTERVAL: Duration = Duration::from_secs(15 * 60);
const WTXID_MAP_LIMIT: usize = 100_000;

/// A connection that has just been made, with how it came about.
pub struct NewConnection {
    pub stream: TcpStream,
    pub kind: ConnKind,
    pub name: Option<String>,
    /// The peer's address when the stream's is the proxy's.
    pub proxied: Option<std::net::SocketAddr>,
    /// Granted by the listening socket (`-whitebind`).
    pub permissions: super::permissions::Permissions,
}

pub struct Manager {
    pub(super) config: NetConfig,
    pub(super) chain: ChainHandle,
    pub(super) magic: [u8; 4],
    pub(super) peers: HashMap<PeerId, Peer>,
    next_id: PeerId,
    events: mpsc::Sender<Event>,
    pub(super) connections: mpsc::Sender<NewConnection>,
    pub(super) addrman: AddrMan,
    pub(super) bans: BanMan,
    pub(super) totals: Arc<Traffic>,
    /// Blocks requested: from whom, when, and their height.
    pub(super) in_flight: HashMap<BlockHash, (PeerId, Instant, u32)>,
    /// Which blocks to fetch next on the way to each peer's best header.
    pub(super) download: super::download::DownloadPlanner,
    pub(super) stall_timeout: Duration,
    /// `addnode add` entries (and `-addnode`).
    pub(super) added_nodes: Vec<String>,
    /// Outbound attempts under way, by target, with when to give up on them.
    pub(super) connecting: HashMap<String, Instant>,
    pub(super) last_attempt: HashMap<String, Instant>,
    /// Nonces of our own version messages (to spot connections to ourselves).
    pub(super) our_nonces: HashSet<u64>,
    pub(super) recent_rejects: HashSet<Wtxid>,
    pub(super) wtxids: HashMap<Wtxid, Txid>,
    pub(super) announced_tip: BlockHash,
    pub(super) sync_progress: (Instant, u32),
    /// When the tip fell behind the best header, and its height then.
    pub(super) sync_started: Option<(Instant, u32)>,
    pub(super) network_active: bool,
    pub(super) local_addresses: Vec<SocketAddr>,
    addrman_saved: Instant,
    /// `-maxuploadtarget`.
    pub(super) upload: super::upload::UploadTarget,
    /// Keys the choice of address relay destinations (Core's randomizer).
    pub(super) relay_key: u64,
}

impl Manager {
    /// Loads the address book and bans, and starts the manager task.
    pub fn start(
        config: NetConfig,
        chain: ChainHandle,
        notifications: broadcast::Receiver<Notification>,
        listeners: Vec<(tokio::net::TcpListener, super::permissions::Permissions)>,
        shutdown: watch::Receiver<bool>,
    ) -> (NetHandle, tokio::task::JoinHandle<()>) {
        let now = crate::clock::now();
        let peers_file = config.datadir.join("peers.dat");
        let addrman = match AddrMan::load(&peers_file, now) {
            Ok(book) => {
                tracing::info!("Loaded {} addresses from peers.dat", book.len());
                book
            }
            Err(e) if peers_file.exists() => {
                tracing::warn!("Ignoring peers.dat ({e}); starting with an empty address book");
                AddrMan::new()
            }
            Err(_) => AddrMan::new(),
        };
        let bans = BanMan::load(&config.datadir);
        let (events, events_rx) = mpsc::channel(1024);
        let (connections, connections_rx) = mpsc::channel(64);
        let (jobs, jobs_rx) = mpsc::unbounded_channel::<Job>();
        let magic = config.network.magic();
        let max_upload_target = config.max_upload_target;
        let mut added_nodes = config.addnode.clone();
        added_nodes.dedup();
        let tip = chain.current_tick().tip;
        let local_addresses = listeners.iter().filter_map(|(l, _)| l.local_addr().ok()).collect();
        let manager = Manager {
            config,
            chain,
            magic,
            peers: HashMap::new(),
            next_id: 0,
            events,
            connections: connections.clone(),
            addrman,
            bans,
            totals: Arc::new(Traffic::default()),
            in_flight: HashMap::new(),
            download: Default::default(),
            stall_timeout: super::sync::STALL_TIMEOUT_MIN,
            added_nodes,
            connecting: HashMap::new(),
            last_attempt: HashMap::new(),
            our_nonces: HashSet::new(),
            recent_rejects: HashSet::new(),
            wtxids: HashMap::new(),
            announced_tip: tip,
            sync_progress: (Instant::now(), 0),
            sync_started: None,
            network_active: true,
            local_addresses,
            addrman_saved: Instant::now(),
            upload: super::upload::UploadTarget::new(max_upload_target, now, 0),
            relay_key: rand::random(),
        };
        for (listener, permissions) in listeners {
            tokio::spawn(super::connect::accept_loop(listener, connections.clone(), permissions));
        }
        let task = tokio::spawn(manager.run(events_rx, connections_rx, jobs_rx, notifications, shutdown));
        (NetHandle { jobs }, task)
    }

    async fn run(
        mut self,
        mut events: mpsc::Receiver<Event>,
        mut connections: mpsc::Receiver<NewConnection>,
        mut jobs: mpsc::UnboundedReceiver<Job>,
        mut notifications: broadcast::Receiver<Notification>,
        mut shutdown: watch::Receiver<bool>,
    ) {
        let mut ticks = self.chain.ticks();
        let mut stopping = Box::pin(async move {
            let _ = shutdown.wait_for(|stop| *stop).await;
        });
        let mut timer = tokio::time::interval(Duration::from_secs(1));
        timer.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        self.start_configured_connections();
        loop {
            tokio::select! {
                Some(event) = events.recv() => {
                    self.on_event(event).await;
                    self.serve_pending_getdata().await;
                }
                Some(new) = connections.recv() => self.on_connection(new),
                Some(job) = jobs.recv() => job(&mut self),
                notification = notifications.recv() => match notification {
                    // The fee and size come with it: no need to ask the mempool again.
                    Ok(Notification::TransactionAdded { tx, fee, vsize }) => {
                        self.relay_transaction(tx.txid(), tx.wtxid(), fee * 1000 / vsize.max(1))
                    }
                    Ok(_) => {}
                    Err(broadcast::error::RecvError::Lagged(n)) => tracing::warn!("{n} transactions not relayed (queue lagged)"),
                    Err(broadcast::error::RecvError::Closed) => {}
                },
                Ok(()) = ticks.changed() => {
                    let tip = ticks.borrow_and_update().tip;
                    if tip != self.announced_tip {
                        self.on_new_tip(tip).await;
                    }
                }
                _ = timer.tick() => self.on_timer().await,
                _ = &mut stopping => break,
            }
        }
        for peer in self.peers.values() {
            peer.link.close();
        }
        self.save_addresses();
    }

    pub(super) fn save_addresses(&mut self) {
        let path = self.config.datadir.join("peers.dat");
        if let Err(e) = self.addrman.save(&path) {
            tracing::warn!("Could not write {}: {e}", path.display());
        }
        self.addrman_saved = Instant::now();
    }

    fn on_connection(&mut self, new: NewConnection) {
        let addr = match new.proxied.map_or_else(|| new.stream.peer_addr(), Ok) {
            Ok(addr) => addr,
            Err(_) => return,
        };
        if let Some(name) = &new.name {
            self.connecting.remove(name);
        }
        self.connecting.remove(&addr.to_string());
        let now = crate::clock::now();
        let inbound = new.kind == ConnKind::Inbound;
        let permissions =
            new.permissions.union(super::permissions::whitelisted(&self.config.whitelist, &addr, inbound));
        let noban = permissions.has(super::permissions::Permissions::NOBAN);
        if inbound {
            if !self.network_active || (!noban && self.bans.is_banned(&addr.ip(), now)) {
                tracing::debug!("Refused inbound connection{} (banned or network inactive)", super::logged_addr(&addr));
                return;
            }
            if !noban && self.bans.is_discouraged(&addr.ip()) && self.inbound_count() + 1 >= self.max_inbound() {
                return;
            }
            if self.inbound_count() >= self.max_inbound() && !self.evict_inbound() {
                tracing::debug!("Refused inbound connection{}: no slot", super::logged_addr(&addr));
                return;
            }
        }
        let id = self.next_id;
        self.next_id += 1;
        let link = connection::spawn(new.stream, addr, id, self.magic, self.events.clone(), self.totals.clone());
        let mut peer = Peer::new(id, link, new.kind, new.name);
        peer.permissions = permissions;
        tracing::info!("New {} peer connected: peer={id}{}", peer.kind.name(), super::logged_addr(&addr));
        let outbound = !peer.is_inbound();
        self.peers.insert(id, peer);
        if outbound {
            self.send_version(id);
        }
    }

    pub(super) fn inbound_count(&self) -> usize {
        self.peers.values().filter(|p| p.is_inbound()).count()
    }

    pub(super) fn max_inbound(&self) -> usize {
        // Core keeps room for 8 full-relay, 2 block-relay and 1 feeler outbound.
        self.config.max_connections.saturating_sub(super::MAX_OUTBOUND_FULL_RELAY + 3)
    }

    async fn on_event(&mut self, event: Event) {
        match event {
            Event::Message(id, message, size) => {
                if self.peers.contains_key(&id) {
                    self.on_message(id, message).await;
                }
                if let Some(peer) = self.peers.get(&id) {
                    peer.link.stats.release(size);
                }
            }
            Event::Misbehaving(id, reason) => self.misbehaving(id, &reason),
            Event::Closed(id, reason) => {
                if self.peers.contains_key(&id) {
                    tracing::debug!("peer={id} closed: {reason}");
                    self.disconnect(id, "connection closed");
                }
            }
        }
    }

    /// Core's Misbehaving: disconnect, and discourage the address unless it
    /// is local; a `noban` peer is only warned about.
    pub(super) fn misbehaving(&mut self, id: PeerId, reason: &str) {
        let Some(peer) = self.peers.get(&id) else { return };
        let ip = peer.link.addr.ip();
        if peer.permissions.has(super::permissions::Permissions::NOBAN) {
            tracing::warn!("Misbehaving peer={id} ({reason}): not punishing noban peer");
            return;
        }
        if is_local(&ip) {
            tracing::warn!("Misbehaving local peer={id} ({reason}): disconnecting, not discouraging");
        } else {
            tracing::warn!(
                "Misbehaving peer={id}{} ({reason}): disconnecting and discouraging",
                super::logged_addr(&peer.link.addr)
            );
            self.bans.discourage(ip);
        }
        self.disconnect(id, reason);
    }

    /// Closes the connection and forgets the peer; its block requests go elsewhere.
    pub(super) fn disconnect(&mut self, id: PeerId, reason: &str) {
        let Some(peer) = self.peers.remove(&id) else { return };
        peer.link.close();
        tracing::info!("Disconnected peer={id}{} ({reason})", super::logged_addr(&peer.link.addr));
        self.in_flight.retain(|_, (owner, _, _)| *owner != id);
    }

    async fn on_timer(&mut self) {
        self.check_timeouts();
        self.expire_transaction_requests();
        self.check_stalls();
        self.send_pings();
        self.maintain_connections();
        self.schedule_downloads().await;
        self.serve_pending_getdata().await;
        self.log_sync_progress().await;
        if self.addrman_saved.elapsed() > ADDRMAN_SAVE_INTERVAL {
            self.save_addresses();
        }
    }

    /// Handshakes that never finish and pings never answered end the connection.
    fn check_timeouts(&mut self) {
        let stale: Vec<(PeerId, &str)> = self
            .peers
            .values()
            .filter_map(|p| {
                if !p.is_ready() && p.connected.elapsed() > self.config.peer_timeout {
                    Some((p.id, "version handshake timeout"))
                } else if p.ping_nonce.is_some_and(|(_, sent)| sent.elapsed() > Duration::from_secs(20 * 60)) {
                    Some((p.id, "ping timeout"))
                } else {
                    None
                }
            })
            .collect();
        for (id, reason) in stale {
            self.disconnect(id, reason);
        }
    }

    /// A ping every two minutes (Core's interval), or when asked by `ping`.
    fn send_pings(&mut self) {
        for peer in self.peers.values_mut().filter(|p| p.is_ready() && p.ping_nonce.is_none()) {
            if peer.last_ping_sent.is_none_or(|t| t.elapsed() > Duration::from_secs(120)) {
                peer.start_ping();
            }
        }
    }

    /// `ping`: every peer gets a ping at the next tick.
    pub fn request_pings(&mut self) {
        for peer in self.peers.values_mut() {
            peer.last_ping_sent = None;
        }
    }

    pub(super) fn remember_wtxid(&mut self, wtxid: Wtxid, txid: Txid) {
        if self.wtxids.len() >= WTXID_MAP_LIMIT {
            self.wtxids.clear();
        }
        self.wtxids.insert(wtxid, txid);
    }

    /// Heights of the blocks requested from `id`, lowest first.
    pub fn in_flight_heights(&self, id: PeerId) -> Vec<u32> {
        let mut heights: Vec<u32> =
            self.in_flight.values().filter(|(owner, _, _)| *owner == id).map(|(_, _, h)| *h).collect();
        heights.sort_unstable();
        heights
    }

    pub fn peers(&self) -> impl Iterator<Item = &Peer> {
        self.peers.values()
    }

    pub fn addresses(&self) -> &AddrMan {
        &self.addrman
    }

    pub fn totals(&self) -> &Traffic {
        &self.totals
    }

    /// `-bantime`.
    pub fn default_ban_time(&self) -> i64 {
        self.config.ban_time
    }

    /// `getnetworkinfo.networks`.
    pub fn networks(&self) -> Vec<super::NetworkStatus> {
        self.config.networks()
    }

    /// `getnettotals.uploadtarget`.
    pub fn upload_state(&mut self) -> super::upload::UploadState {
        let sent = self.totals.bytes_sent.load(std::sync::atomic::Ordering::Relaxed);
        self.upload.state(crate::clock::now(), sent)
    }

    pub fn bans(&mut self) -> &mut BanMan {
        &mut self.bans
    }

    pub fn network_active(&self) -> bool {
        self.network_active
    }

    /// `setnetworkactive`: false closes every connection and stops making new ones.
    pub fn set_network_active(&mut self, active: bool) {
        self.network_active = active;
        if !active {
            let ids: Vec<PeerId> = self.peers.keys().copied().collect();
            for id in ids {
                self.disconnect(id, "network disabled");
            }
        }
    }

    pub fn local_addresses(&self) -> &[SocketAddr] {
        &self.local_addresses
    }

    /// Disconnects every peer whose address is in `subnet` (after `setban`).
    pub fn disconnect_matching(&mut self, matches: impl Fn(&IpAddr) -> bool) {
        let ids: Vec<PeerId> = self.peers.values().filter(|p| matches(&p.link.addr.ip())).map(|p| p.id).collect();
        for id in ids {
            self.disconnect(id, "banned");
        }
    }

    /// `disconnectnode` by address or id; false when no such peer.
    pub fn disconnect_node(&mut self, address: Option<&str>, id: Option<PeerId>) -> bool {
        let target = self.peers.values().find(|p| match (address, id) {
            (Some(a), _) => p.link.addr.to_string() == a || p.manual_name.as_deref() == Some(a),
            (None, Some(id)) => p.id == id,
            (None, None) => false,
        });
        match target.map(|p| p.id) {
            Some(id) => {
                self.disconnect(id, "disconnectnode");
                true
            }
            None => false,
        }
    }
}
