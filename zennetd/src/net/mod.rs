//! The peer-to-peer network: Bitcoin's wire protocol with Zennet's magic.
//!
//! One task (the [`manager::Manager`]) owns every peer's state, the
//! address book and the ban list, and processes messages in order, as
//! Core's message handler; each connection has a reader and a writer task
//! that only frame bytes. The chainstate is reached through its handle; RPC
//! reaches the manager through a [`NetHandle`].

mod addr_relay;
pub mod addrman;
pub mod banman;
pub mod connect;
pub mod connection;
pub mod download;
mod handlers;
pub mod manager;
pub mod message;
pub mod peer;
pub mod permissions;
mod relay;
mod socks5;
mod sync;
pub mod txrequest;
pub mod upload;
pub mod wire;

use std::path::PathBuf;

use num_bigint::BigUint;
use primitives::Network;
use tokio::sync::{mpsc, oneshot};

pub use connect::connect_target;
pub use manager::Manager;

/// Settings of the network layer.
#[derive(Debug, Clone)]
pub struct NetConfig {
    pub network: Network,
    pub datadir: PathBuf,
    /// `-connect`: only these (an empty list means no automatic connections).
    pub connect: Option<Vec<String>>,
    pub addnode: Vec<String>,
    pub seednode: Vec<String>,
    pub max_connections: usize,
    pub minimum_chain_work: BigUint,
    /// `-pruneannouncements=0`: serve every announcement body forever.
    pub archive_announcements: bool,
    /// zats per 1,000 vbytes, sent as our `feefilter`.
    pub min_relay_feerate: u64,
    /// `-proxy`: every outbound connection through this SOCKS5 proxy.
    pub proxy: Option<std::net::SocketAddr>,
    /// `-blocksonly`: no transactions from peers (ours are still relayed).
    pub blocks_only: bool,
    /// `-whitelist`: permissions of peers by network.
    pub whitelist: Vec<permissions::WhitelistEntry>,
    /// `-peertimeout`: how long a new connection has to finish its handshake.
    pub peer_timeout: std::time::Duration,
    /// `-maxuploadtarget` in bytes per 24 hours (0: none).
    pub max_upload_target: u64,
    /// `-onion`: the SOCKS5 proxy for `.onion` peers (else `-proxy`'s).
    pub onion_proxy: Option<std::net::SocketAddr>,
    /// `-onlynet`: automatic outbound connections only to these networks.
    pub onlynet: Vec<String>,
    /// `-timeout`: how long an outbound connection attempt may take.
    pub connect_timeout: std::time::Duration,
    /// `-bantime`: seconds a `setban` without a time lasts.
    pub ban_time: i64,
}

/// The networks Core reports (`getnetworkinfo.networks`).
pub const NETWORKS: [&str; 5] = ["ipv4", "ipv6", "onion", "i2p", "cjdns"];

/// One network's state in `getnetworkinfo`.
pub struct NetworkStatus {
    pub name: &'static str,
    pub reachable: bool,
    pub proxy: Option<std::net::SocketAddr>,
}

impl NetConfig {
    /// The proxy a connection to `target` (`host:port`) goes through.
    pub fn proxy_for(&self, target: &str) -> Option<std::net::SocketAddr> {
        if is_onion(target) {
            self.onion_proxy.or(self.proxy)
        } else {
            self.proxy
        }
    }

    /// Whether automatic connections may go to `name` (Core's IsReachable):
    /// onion needs a proxy, I2P and CJDNS are not supported, and `-onlynet`
    /// leaves out every network it does not name.
    pub fn is_reachable(&self, name: &str) -> bool {
        let supported = match name {
            "ipv4" | "ipv6" => true,
            "onion" => self.onion_proxy.or(self.proxy).is_some(),
            _ => false,
        };
        supported && (self.onlynet.is_empty() || self.onlynet.iter().any(|n| n == name))
    }

    pub fn networks(&self) -> Vec<NetworkStatus> {
        NETWORKS
            .iter()
            .map(|name| NetworkStatus {
                name,
                reachable: self.is_reachable(name),
                proxy: if *name == "onion" { self.onion_proxy.or(self.proxy) } else { self.proxy },
            })
            .collect()
    }
}

/// Whether `target` (`host:port`) is a Tor onion service.
pub fn is_onion(target: &str) -> bool {
    target.rsplit_once(':').map_or(target, |(host, _)| host).ends_with(".onion")
}

/// The network of an address from the address book.
pub fn network_of(addr: &std::net::SocketAddr) -> &'static str {
    if addr.is_ipv4() || addr.ip().to_canonical().is_ipv4() {
        "ipv4"
    } else {
        "ipv6"
    }
}

/// Full-relay outbound connections kept open (Core's default).
pub const MAX_OUTBOUND_FULL_RELAY: usize = 8;
/// Core's default -maxconnections.
pub const DEFAULT_MAX_CONNECTIONS: usize = 125;

/// Set once at start-up with `-prune`: the node no longer offers every
/// block (NODE_NETWORK), only the last 288 (NODE_NETWORK_LIMITED).
pub static PRUNE_MODE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// `-logips`, set once at start-up.
pub static LOG_IPS: std::sync::OnceLock<bool> = std::sync::OnceLock::new();

/// ` addr=<ip:port>` for a log line with `-logips`, else nothing (as Core).
pub fn logged_addr(addr: &std::net::SocketAddr) -> String {
    if LOG_IPS.get() == Some(&true) {
        format!(" addr={addr}")
    } else {
        String::new()
    }
}

/// `-uacomment` values, set once at start-up.
pub static UA_COMMENTS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();

/// BIP14's user agent: `/Zennet:0.1.0/`, or `/Zennet:0.1.0(c1; c2)/` with comments.
pub fn user_agent() -> String {
    match UA_COMMENTS.get().filter(|c| !c.is_empty()) {
        Some(comments) => format!("/Zennet:{}({})/", env!("CARGO_PKG_VERSION"), comments.join("; ")),
        None => format!("/Zennet:{}/", env!("CARGO_PKG_VERSION")),
    }
}

type Job = Box<dyn FnOnce(&mut Manager) + Send>;

/// How the rest of the node talks to the manager.
#[derive(Clone)]
pub struct NetHandle {
    jobs: mpsc::UnboundedSender<Job>,
}

#[derive(Debug, thiserror::Error)]
#[error("the network task has stopped")]
pub struct NetStopped;

impl NetHandle {
    /// Runs `f` on the manager's task and returns its result.
    pub async fn call<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Manager) -> R + Send + 'static,
    ) -> Result<R, NetStopped> {
        let (reply, result) = oneshot::channel();
        let job: Job = Box::new(move |m| {
            let _ = reply.send(f(m));
        });
        self.jobs.send(job).map_err(|_| NetStopped)?;
        result.await.map_err(|_| NetStopped)
    }
}
