//! What the peer manager knows of one connected peer.

use std::collections::{HashSet, VecDeque};
use std::time::{Duration, Instant};

use num_bigint::BigUint;
use primitives::BlockHash;

use super::connection::{Link, PeerId};
use super::message::{NetMessage, Version};

/// Entries remembered per peer as already known to it (a bounded set).
const MAX_KNOWN_INVENTORY: usize = 50_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnKind {
    Inbound,
    /// Chosen from the address book.
    FullRelay,
    /// `-connect`, `-addnode`, `addnode`.
    Manual,
    /// `-seednode`: ask for addresses, then leave.
    AddrFetch,
}

impl ConnKind {
    /// Core's `connection_type` strings.
    pub fn name(self) -> &'static str {
        match self {
            ConnKind::Inbound => "inbound",
            ConnKind::FullRelay => "outbound-full-relay",
            ConnKind::Manual => "manual",
            ConnKind::AddrFetch => "addr-fetch",
        }
    }
}

/// A peer's best header as far as we know it.
#[derive(Debug, Clone)]
pub struct KnownTip {
    pub hash: BlockHash,
    pub height: u32,
    pub work: BigUint,
}

pub struct Peer {
    pub id: PeerId,
    pub link: Link,
    pub kind: ConnKind,
    pub connected: Instant,
    pub conn_time: i64,
    /// The name it was connected by (`-addnode` and friends), if any.
    pub manual_name: Option<String>,
    pub version: Option<Version>,
    pub time_offset: i64,
    pub verack: bool,
    pub prefers_headers: bool,
    pub wtxid_relay: bool,
    pub addrv2: bool,
    pub fee_filter: u64,
    pub best_known: Option<KnownTip>,
    /// Blocks this peer could not give us in full (pruned bodies).
    pub unavailable: HashSet<BlockHash>,
    known_inventory: HashSet<[u8; 32]>,
    pub ping_nonce: Option<(u64, Instant)>,
    pub last_ping_sent: Option<Instant>,
    pub ping_time: Option<Duration>,
    pub min_ping: Option<Duration>,
    pub last_block_time: i64,
    pub last_tx_time: i64,
    pub answered_getaddr: bool,
    pub addr_processed: u64,
    /// When we last sent `getheaders` not yet answered by connecting headers.
    pub getheaders_sent: Option<Instant>,
    /// `getdata` items not served yet (waiting for the send buffer to drain).
    pub pending_getdata: VecDeque<bitcoin::p2p::message_blockdata::Inventory>,
    /// Transactions it announced that we want, requested a hundred at a time.
    pub tx_requests: super::txrequest::TxRequests,
    /// Addresses it may still have processed (Core's token bucket).
    pub addr_tokens: f64,
    pub addr_tokens_updated: Instant,
    /// Addresses dropped by the rate limit.
    pub addr_rate_limited: u64,
    /// `-whitelist` / `-whitebind` permissions.
    pub permissions: super::permissions::Permissions,
    /// We asked it for addresses and the (large) answer has not come yet.
    pub getaddr_sent: bool,
}

impl Peer {
    pub fn new(id: PeerId, link: Link, kind: ConnKind, manual_name: Option<String>) -> Peer {
        Peer {
            id,
            link,
            kind,
            connected: Instant::now(),
            conn_time: crate::clock::now(),
            manual_name,
            version: None,
            time_offset: 0,
            verack: false,
            prefers_headers: false,
            wtxid_relay: false,
            addrv2: false,
            fee_filter: 0,
            best_known: None,
            unavailable: HashSet::new(),
            known_inventory: HashSet::new(),
            ping_nonce: None,
            last_ping_sent: None,
            ping_time: None,
            min_ping: None,
            last_block_time: 0,
            last_tx_time: 0,
            answered_getaddr: false,
            addr_processed: 0,
            getheaders_sent: None,
            pending_getdata: VecDeque::new(),
            tx_requests: Default::default(),
            addr_tokens: 1.0,
            addr_tokens_updated: Instant::now(),
            addr_rate_limited: 0,
            permissions: Default::default(),
            getaddr_sent: false,
        }
    }

    /// The lowest height this peer can serve when its tip is at `best`:
    /// a pruned peer (NODE_NETWORK_LIMITED without NODE_NETWORK) keeps only
    /// its last 288 blocks (BIP159; Core asks for 2 fewer, for safety).
    pub fn serves_from(&self, best: u32) -> u32 {
        use bitcoin::p2p::ServiceFlags;
        let services = self.version.as_ref().map_or(ServiceFlags::NONE, |v| v.services);
        if services.has(ServiceFlags::NETWORK) || !services.has(ServiceFlags::NETWORK_LIMITED) {
            return 0;
        }
        best.saturating_sub(crate::chainstate::MIN_BLOCKS_TO_KEEP - 2)
    }

    pub fn is_inbound(&self) -> bool {
        self.kind == ConnKind::Inbound
    }

    /// Handshake complete.
    pub fn is_ready(&self) -> bool {
        self.version.is_some() && self.verack
    }

    pub fn relays_transactions(&self) -> bool {
        self.version.as_ref().is_some_and(|v| v.relay)
    }

    pub fn send(&self, message: NetMessage) -> bool {
        self.link.send(message)
    }

    pub fn knows(&self, item: &[u8; 32]) -> bool {
        self.known_inventory.contains(item)
    }

    /// Sends a ping with a fresh nonce and starts timing it.
    pub fn start_ping(&mut self) {
        let nonce = rand::random::<u64>();
        self.ping_nonce = Some((nonce, Instant::now()));
        self.last_ping_sent = Some(Instant::now());
        self.send(super::message::NetMessage::Ping(nonce));
    }

    pub fn forget_known(&mut self, item: &[u8; 32]) {
        self.known_inventory.remove(item);
    }

    pub fn mark_known(&mut self, item: [u8; 32]) {
        if self.known_inventory.len() >= MAX_KNOWN_INVENTORY {
            self.known_inventory.clear();
        }
        self.known_inventory.insert(item);
    }

    /// Raises the peer's known best header (never lowers it).
    pub fn update_best(&mut self, tip: KnownTip) {
        if self.best_known.as_ref().is_none_or(|b| tip.work > b.work) {
            self.best_known = Some(tip);
        }
    }
}
