//! Addresses between peers, as Core: `getaddr` answered once per inbound
//! connection, received addresses rate-limited (a token bucket per peer,
//! bypassed with the `addr` permission) into the address book, and fresh
//! routable addresses from small `addr` messages relayed on to one or two
//! other peers, the same ones for a day.

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash as _, Hasher};
use std::net::{IpAddr, SocketAddr};

use bitcoin::p2p::address::{AddrV2, AddrV2Message, Address};
use bitcoin::p2p::ServiceFlags;

use super::connection::PeerId;
use super::manager::Manager;
use super::message::NetMessage;
use super::peer::{ConnKind, Peer};
use super::permissions::Permissions;

/// Addresses a peer may have processed per second, and at most banked (Core's
/// MAX_ADDR_RATE_PER_SECOND and MAX_ADDR_PROCESSING_TOKEN_BUCKET).
const ADDR_TOKENS_PER_SECOND: f64 = 0.1;
const MAX_ADDR_TOKENS: f64 = 1_000.0;
/// Only addresses from messages this small are relayed (not `getaddr` answers).
const MAX_RELAYED_MESSAGE: usize = 10;
/// Only addresses seen this recently are relayed.
const RELAY_MAX_AGE: i64 = 10 * 60;
/// Relay destinations change this often (Core's ROTATE_ADDR_RELAY_DEST_INTERVAL).
const RELAY_ROTATION_SECS: u64 = 24 * 60 * 60;

/// Core's IsRoutable: not loopback, private, link-local or otherwise reserved.
pub fn is_routable(ip: &IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 0)
        }
        IpAddr::V6(v6) => {
            let first = v6.segments()[0];
            !(v6.is_loopback() || v6.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// An `addr` or `addrv2` message, as the peer asked for (BIP155).
fn addr_message(peer: &Peer, entries: &[(SocketAddr, u64, u32)]) -> NetMessage {
    if peer.addrv2 {
        NetMessage::AddrV2(
            entries
                .iter()
                .map(|(a, services, time)| AddrV2Message {
                    time: *time,
                    services: ServiceFlags::from(*services),
                    addr: match a.ip() {
                        IpAddr::V4(v4) => AddrV2::Ipv4(v4),
                        IpAddr::V6(v6) => AddrV2::Ipv6(v6),
                    },
                    port: a.port(),
                })
                .collect(),
        )
    } else {
        NetMessage::Addr(
            entries.iter().map(|(a, services, time)| (*time, Address::new(a, ServiceFlags::from(*services)))).collect(),
        )
    }
}

/// The known-inventory key of an address sent to or received from a peer.
fn address_key(addr: &SocketAddr) -> [u8; 32] {
    use bitcoin::hashes::{sha256, Hash};
    <sha256::Hash as Hash>::hash(format!("addr:{addr}").as_bytes()).to_byte_array()
}

impl Manager {
    /// Core answers `getaddr` once per connection, and only to inbound peers.
    pub(super) fn on_getaddr(&mut self, id: PeerId) {
        let now = crate::clock::now();
        let sample = self.addrman.sample(super::message::MAX_ADDR, now);
        let Some(peer) = self.peers.get_mut(&id) else { return };
        if !peer.is_inbound() || peer.answered_getaddr {
            return;
        }
        peer.answered_getaddr = true;
        let entries: Vec<(SocketAddr, u64, u32)> =
            sample.iter().map(|(a, i)| (*a, i.services, i.time as u32)).collect();
        for (addr, _, _) in &entries {
            peer.mark_known(address_key(addr));
        }
        peer.send(addr_message(peer, &entries));
    }

    pub(super) fn on_addresses(&mut self, id: PeerId, addrs: Vec<(SocketAddr, ServiceFlags, u32)>) {
        let now = crate::clock::now();
        let Some(peer) = self.peers.get_mut(&id) else { return };
        let source = peer.link.addr.ip();
        let unlimited = peer.permissions.has(Permissions::ADDR);
        // Core's token bucket: 0.1 addresses a second, at most 1,000 banked.
        let elapsed = peer.addr_tokens_updated.elapsed().as_secs_f64();
        peer.addr_tokens_updated = std::time::Instant::now();
        if peer.addr_tokens < MAX_ADDR_TOKENS {
            peer.addr_tokens = (peer.addr_tokens + elapsed * ADDR_TOKENS_PER_SECOND).min(MAX_ADDR_TOKENS);
        }
        let fetch_only = peer.kind == ConnKind::AddrFetch;
        // The answer to our own `getaddr` is for us, not for relay.
        let answers_getaddr = peer.getaddr_sent;
        if addrs.len() < super::message::MAX_ADDR {
            peer.getaddr_sent = false;
        }
        let small = addrs.len() <= MAX_RELAYED_MESSAGE;
        let mut to_relay = Vec::new();
        for (addr, services, time) in addrs {
            if !unlimited && peer.addr_tokens < 1.0 {
                peer.addr_rate_limited += 1;
                continue;
            }
            if !unlimited {
                peer.addr_tokens -= 1.0;
            }
            peer.addr_processed += 1;
            peer.mark_known(address_key(&addr));
            // Addresses claiming to be from the future are treated as five days old (Core).
            let time =
                if i64::from(time) > now + 600 || time < 100_000_000 { now - 5 * 86_400 } else { i64::from(time) };
            if small && !answers_getaddr && time > now - RELAY_MAX_AGE && is_routable(&addr.ip()) {
                to_relay.push((addr, services.to_u64(), time as u32));
            }
            self.addrman.add(addr, services.to_u64(), time, source, now);
        }
        for entry in to_relay {
            self.relay_address(id, entry, now);
        }
        if fetch_only {
            self.disconnect(id, "addresses fetched");
        }
    }

    /// Core's RelayAddress: to two peers (chosen by a keyed hash of the
    /// address and the day, so repeats go to the same ones), never back.
    fn relay_address(&mut self, from: PeerId, entry: (SocketAddr, u64, u32), now: i64) {
        let mut address_hasher = DefaultHasher::new();
        self.relay_key.hash(&mut address_hasher);
        entry.0.hash(&mut address_hasher);
        let address_hash = address_hasher.finish();
        let rotation = (now as u64).wrapping_add(address_hash) / RELAY_ROTATION_SECS;
        let mut ranked: Vec<(u64, PeerId)> = self
            .peers
            .values()
            .filter(|p| p.id != from && p.is_ready() && p.kind != ConnKind::AddrFetch)
            .map(|p| {
                let mut h = DefaultHasher::new();
                (address_hash, rotation, p.id).hash(&mut h);
                (h.finish(), p.id)
            })
            .collect();
        ranked.sort_unstable_by(|a, b| b.cmp(a));
        let key = address_key(&entry.0);
        for (_, id) in ranked.into_iter().take(2) {
            let Some(peer) = self.peers.get_mut(&id) else { continue };
            if peer.knows(&key) {
                continue;
            }
            peer.mark_known(key);
            peer.send(addr_message(peer, &[entry]));
        }
    }
}
