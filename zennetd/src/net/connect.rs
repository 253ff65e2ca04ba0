//! Making and accepting connections: the listener, outbound connections
//! from the address book, `-connect`/`-addnode`/`-seednode`, and eviction
//! of the worst inbound peer when all slots are taken.

use std::net::{IpAddr, SocketAddr};
use std::time::{Duration, Instant};

use bitcoin::p2p::address::Address;
use bitcoin::p2p::ServiceFlags;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;

use super::manager::{Manager, NewConnection};
use super::message::{NetMessage, Version, PROTOCOL_VERSION};
use super::peer::ConnKind;

/// Between attempts at one added node (Core retries every minute; we are quicker).
const ADDED_NODE_RETRY: Duration = Duration::from_secs(10);
/// Bound on the remembered connection attempts and version nonces.
const MAX_REMEMBERED_ATTEMPTS: usize = 10_000;

/// Services we offer, as Core: witnesses, the last 288 blocks (BIP159),
/// and every block unless pruning.
pub fn local_services() -> ServiceFlags {
    let recent = ServiceFlags::WITNESS | ServiceFlags::NETWORK_LIMITED;
    if super::PRUNE_MODE.get() == Some(&true) {
        recent
    } else {
        recent | ServiceFlags::NETWORK
    }
}

pub async fn accept_loop(
    listener: TcpListener,
    connections: mpsc::Sender<NewConnection>,
    permissions: super::permissions::Permissions,
) {
    loop {
        match listener.accept().await {
            Ok((stream, _)) => {
                let new = NewConnection { stream, kind: ConnKind::Inbound, name: None, proxied: None, permissions };
                if connections.send(new).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
}

/// `host:port` or `host` (the network's port), as Core's `-connect`/`-addnode`.
pub fn connect_target(name: &str, port: u16) -> String {
    if name.parse::<SocketAddr>().is_ok() {
        return name.to_string();
    }
    if let Ok(ip) = name.parse::<IpAddr>() {
        return SocketAddr::new(ip, port).to_string();
    }
    match name.rsplit_once(':') {
        Some((_, p)) if p.parse::<u16>().is_ok() => name.to_string(),
        _ => format!("{name}:{port}"),
    }
}

impl Manager {
    pub(super) fn start_configured_connections(&mut self) {
        let port = self.config.network.p2p_port();
        for seed in self.config.seednode.clone() {
            self.connect_to(connect_target(&seed, port), ConnKind::AddrFetch);
        }
    }

    /// Opens a connection in the background; it reaches the manager as a
    /// [`NewConnection`] when made.
    pub(super) fn connect_to(&mut self, target: String, kind: ConnKind) {
        if !self.network_active || self.connecting.contains_key(&target) {
            return;
        }
        // A failed attempt must not block the next one forever.
        let timeout = self.config.connect_timeout;
        self.connecting.insert(target.clone(), Instant::now() + timeout + Duration::from_secs(1));
        if self.last_attempt.len() >= MAX_REMEMBERED_ATTEMPTS {
            self.last_attempt.clear();
        }
        self.last_attempt.insert(target.clone(), Instant::now());
        if let Ok(addr) = target.parse::<SocketAddr>() {
            self.addrman.attempt(&addr, crate::clock::now());
        }
        let connections = self.connections.clone();
        let jobs_target = target.clone();
        let proxy = self.config.proxy_for(&target);
        if super::is_onion(&target) && proxy.is_none() {
            tracing::info!("Cannot connect to {target}: onion services need -onion or -proxy");
            self.connecting.remove(&target);
            return;
        }
        tokio::spawn(async move {
            let open = async {
                match proxy {
                    Some(proxy) => super::socks5::connect(proxy, &jobs_target).await,
                    None => TcpStream::connect(&jobs_target).await,
                }
            };
            let result = tokio::time::timeout(timeout, open).await;
            match result {
                Ok(Ok(stream)) => {
                    let proxied = proxy.and(jobs_target.parse().ok());
                    let name = Some(jobs_target);
                    let _ = connections
                        .send(NewConnection { stream, kind, name, proxied, permissions: Default::default() })
                        .await;
                }
                Ok(Err(e)) => tracing::debug!("connect to {jobs_target} failed: {e}"),
                Err(_) => tracing::debug!("connect to {jobs_target} timed out"),
            }
        });
    }

    fn is_connected_to(&self, target: &str) -> bool {
        self.peers.values().any(|p| p.manual_name.as_deref() == Some(target) || p.link.addr.to_string() == target)
    }

    /// Once a second: keep `-connect`/added nodes connected and, without
    /// `-connect`, fill the full-relay outbound slots from the address book.
    pub(super) fn maintain_connections(&mut self) {
        // Forget attempts that never produced a connection.
        let now = Instant::now();
        self.connecting.retain(|_, deadline| *deadline > now);
        if !self.network_active {
            return;
        }
        let port = self.config.network.p2p_port();
        let manual: Vec<String> = match &self.config.connect {
            Some(list) => list.iter().chain(self.added_nodes.iter()).cloned().collect(),
            None => self.added_nodes.clone(),
        };
        let manual_targets: Vec<String> = manual.iter().map(|name| connect_target(name, port)).collect();
        for name in manual {
            let target = connect_target(&name, port);
            let recent = self.last_attempt.get(&target).is_some_and(|t| t.elapsed() < ADDED_NODE_RETRY);
            if !self.is_connected_to(&target) && !self.connecting.contains_key(&target) && !recent {
                self.connect_to(target, ConnKind::Manual);
            }
        }
        if self.config.connect.is_some() {
            return;
        }
        let outbound = self.peers.values().filter(|p| p.kind == ConnKind::FullRelay).count()
            + self.connecting.len().saturating_sub(self.added_nodes.len());
        if outbound >= super::MAX_OUTBOUND_FULL_RELAY {
            return;
        }
        // One automatic attempt at a time, as Core's ThreadOpenConnections:
        // however many addresses peers tell of, they never cause a burst of dials.
        if self.connecting.keys().any(|target| !manual_targets.contains(target)) {
            return;
        }
        let unix_now = crate::clock::now();
        let connected: Vec<SocketAddr> = self.peers.values().map(|p| p.link.addr).collect();
        let locals = self.local_addresses.clone();
        let bans = &self.bans;
        let connecting = &self.connecting;
        let exclude = |a: &SocketAddr| {
            connected.contains(a)
                || connecting.contains_key(&a.to_string())
                || bans.is_banned(&a.ip(), unix_now)
                || bans.is_discouraged(&a.ip())
                || locals.iter().any(|l| l.port() == a.port() && (l.ip() == a.ip() || l.ip().is_unspecified()))
                || !self.config.is_reachable(super::network_of(a))
        };
        if let Some(addr) = self.addrman.select(unix_now, &exclude) {
            let recent =
                self.last_attempt.get(&addr.to_string()).is_some_and(|t| t.elapsed() < Duration::from_secs(60));
            if !recent {
                self.connect_to(addr.to_string(), ConnKind::FullRelay);
            }
        }
    }

    pub(super) fn send_version(&mut self, id: u64) {
        let height = self.chain.current_tick().height as i32;
        let nonce = rand::random::<u64>();
        if self.our_nonces.len() >= MAX_REMEMBERED_ATTEMPTS {
            self.our_nonces.clear();
        }
        self.our_nonces.insert(nonce);
        let Some(peer) = self.peers.get(&id) else { return };
        let local = peer.link.local.unwrap_or_else(|| SocketAddr::from(([0, 0, 0, 0], 0)));
        let version = Version {
            version: PROTOCOL_VERSION,
            services: local_services(),
            timestamp: crate::clock::now(),
            receiver: Address::new(&peer.link.addr, ServiceFlags::NONE),
            sender: Address::new(&local, local_services()),
            nonce,
            user_agent: super::user_agent(),
            start_height: height,
            // BIP37's flag: a blocks-only node asks for no transaction announcements.
            relay: !self.config.blocks_only,
        };
        peer.send(NetMessage::Version(version));
    }

    /// `addnode <node> add|remove|onetry`; Err carries Core's code and message.
    pub fn add_node(&mut self, node: &str, command: &str) -> Result<(), (i32, String)> {
        let port = self.config.network.p2p_port();
        let target = connect_target(node, port);
        match command {
            "onetry" => {
                self.connect_to(target, ConnKind::Manual);
                Ok(())
            }
            "add" => {
                if self.added_nodes.iter().any(|n| connect_target(n, port) == target) {
                    return Err((-23, "Error: Node already added".into()));
                }
                self.added_nodes.push(node.to_string());
                self.connect_to(target, ConnKind::Manual);
                Ok(())
            }
            "remove" => {
                let before = self.added_nodes.len();
                self.added_nodes.retain(|n| connect_target(n, port) != target);
                if self.added_nodes.len() == before {
                    return Err((-24, "Error: Node could not be removed. It has not been added previously.".into()));
                }
                Ok(())
            }
            _ => Err((-1, "addnode \"node\" \"command\"".into())),
        }
    }

    /// `getaddednodeinfo`: each added node with the address it is connected on.
    pub fn added_node_info(&self) -> Vec<(String, Option<(SocketAddr, bool)>)> {
        let port = self.config.network.p2p_port();
        self.added_nodes
            .iter()
            .map(|name| {
                let target = connect_target(name, port);
                let peer = self
                    .peers
                    .values()
                    .find(|p| p.manual_name.as_deref() == Some(target.as_str()) || p.link.addr.to_string() == target);
                (name.clone(), peer.map(|p| (p.link.addr, p.is_inbound())))
            })
            .collect()
    }

    /// Core's SelectNodeToEvict, simplified: protect the peers with the
    /// lowest ping, those that recently gave us blocks or transactions, and
    /// the longest connected; from the network group with the most
    /// remaining connections, evict the youngest. False when all are protected.
    pub(super) fn evict_inbound(&mut self) -> bool {
        // As Core, noban peers are never evicted.
        let mut candidates: Vec<&super::peer::Peer> = self
            .peers
            .values()
            .filter(|p| p.is_inbound() && !p.permissions.has(super::permissions::Permissions::NOBAN))
            .collect();
        let protect = |list: &mut Vec<&super::peer::Peer>, n: usize, key: &dyn Fn(&super::peer::Peer) -> i64| {
            list.sort_by_key(|p| key(p));
            let keep = n.min(list.len());
            list.truncate(list.len() - keep);
        };
        protect(&mut candidates, 8, &|p| -(p.min_ping.map_or(i64::MAX, |d| d.as_micros() as i64)));
        protect(&mut candidates, 4, &|p| p.last_tx_time);
        protect(&mut candidates, 4, &|p| p.last_block_time);
        let half = candidates.len() / 2;
        protect(&mut candidates, half, &|p| p.connected.elapsed().as_secs() as i64);
        if candidates.is_empty() {
            return false;
        }
        let mut groups: std::collections::HashMap<Vec<u8>, Vec<&super::peer::Peer>> = Default::default();
        for p in candidates {
            groups.entry(super::addrman::group(&p.link.addr.ip())).or_default().push(p);
        }
        let Some(group) = groups.values().max_by_key(|g| g.len()) else { return false };
        let Some(youngest) = group.iter().min_by_key(|p| p.connected.elapsed()).map(|p| p.id) else { return false };
        self.disconnect(youngest, "evicted to make room for a new inbound peer");
        true
    }
}

#[cfg(test)]
mod tests {
    use super::connect_target;

    #[test]
    fn node_names_get_the_network_port_when_they_have_none() {
        assert_eq!(connect_target("1.2.3.4", 7877), "1.2.3.4:7877");
        assert_eq!(connect_target("1.2.3.4:9", 7877), "1.2.3.4:9");
        assert_eq!(connect_target("2001:db8::1", 7877), "[2001:db8::1]:7877");
        assert_eq!(connect_target("[2001:db8::1]:9", 7877), "[2001:db8::1]:9");
        assert_eq!(connect_target("seed.example", 17877), "seed.example:17877");
        assert_eq!(connect_target("seed.example:5", 17877), "seed.example:5");
    }
}
