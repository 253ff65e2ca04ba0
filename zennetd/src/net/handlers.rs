//! Message dispatch: the handshake, pings, addresses and `getheaders`;
//! blocks and headers are in `sync`, transactions and inventory in `relay`.

use bitcoin::hashes::Hash;

use super::connection::PeerId;
use super::manager::Manager;
use super::message::{NetMessage, Version, MAX_HEADERS, MIN_PEER_PROTOCOL_VERSION};
use super::peer::ConnKind;

impl Manager {
    pub(super) async fn on_message(&mut self, id: PeerId, message: NetMessage) {
        let Some(peer) = self.peers.get_mut(&id) else { return };
        let ready = peer.is_ready();
        tracing::debug!("received: {} peer={id}", message.command());
        match message {
            NetMessage::Version(version) => self.on_version(id, version),
            NetMessage::Verack => self.on_verack(id).await,
            NetMessage::WtxidRelay if !peer.verack => peer.wtxid_relay = true,
            NetMessage::SendAddrV2 if !peer.verack => peer.addrv2 = true,
            // Nothing else counts before the handshake (Core ignores it).
            _ if !ready => tracing::debug!("peer={id}: {} before the handshake ignored", message.command()),
            NetMessage::Ping(nonce) => {
                peer.send(NetMessage::Pong(nonce));
            }
            NetMessage::Pong(nonce) => {
                if let Some((expected, sent)) = peer.ping_nonce {
                    if expected == nonce {
                        let rtt = sent.elapsed();
                        peer.ping_time = Some(rtt);
                        peer.min_ping = Some(peer.min_ping.map_or(rtt, |m| m.min(rtt)));
                        peer.ping_nonce = None;
                    }
                }
            }
            NetMessage::SendHeaders => peer.prefers_headers = true,
            NetMessage::FeeFilter(rate) => peer.fee_filter = rate.clamp(0, 21_000_000 * 100_000_000) as u64,
            NetMessage::GetAddr => self.on_getaddr(id),
            NetMessage::Addr(list) => {
                let addrs = list.iter().filter_map(|(t, a)| Some((a.socket_addr().ok()?, a.services, *t))).collect();
                self.on_addresses(id, addrs);
            }
            NetMessage::AddrV2(list) => {
                let addrs = list.iter().filter_map(|m| Some((m.socket_addr().ok()?, m.services, m.time))).collect();
                self.on_addresses(id, addrs);
            }
            NetMessage::GetHeaders(locator) => {
                let headers = self
                    .chain
                    .call(move |node| node.chain.headers_after(&locator.hashes, &locator.stop, MAX_HEADERS))
                    .await
                    .unwrap_or_default();
                if let Some(peer) = self.peers.get(&id) {
                    peer.send(NetMessage::Headers(headers));
                }
            }
            NetMessage::Headers(headers) => self.on_headers(id, headers).await,
            NetMessage::Inv(items) => self.on_inv(id, items).await,
            NetMessage::GetData(items) => self.on_getdata(id, items).await,
            NetMessage::NotFound(items) => self.on_notfound(id, &items).await,
            NetMessage::Block(block) => self.on_block(id, *block).await,
            NetMessage::Tx(tx) => self.on_tx(id, *tx).await,
            NetMessage::Mempool => self.on_mempool_request(id).await,
            NetMessage::WtxidRelay
            | NetMessage::SendAddrV2
            | NetMessage::RawBlock(_)
            | NetMessage::RawTx(_)
            | NetMessage::Other(_) => {}
        }
    }

    fn on_version(&mut self, id: PeerId, version: Version) {
        let Some(peer) = self.peers.get_mut(&id) else { return };
        if peer.version.is_some() {
            return;
        }
        if peer.is_inbound() && self.our_nonces.contains(&version.nonce) {
            self.disconnect(id, "connected to self");
            return;
        }
        if version.version < MIN_PEER_PROTOCOL_VERSION {
            let reason = format!("obsolete protocol version {}", version.version);
            self.disconnect(id, &reason);
            return;
        }
        peer.time_offset = version.timestamp.saturating_sub(crate::clock::now());
        let (inbound, wtxid) = (peer.is_inbound(), version.version >= 70016);
        peer.version = Some(version);
        if inbound {
            self.send_version(id);
        }
        let Some(peer) = self.peers.get(&id) else { return };
        // BIP339 and BIP155 came with protocol 70016: older peers get neither.
        if wtxid {
            peer.send(NetMessage::WtxidRelay);
            peer.send(NetMessage::SendAddrV2);
        }
        peer.send(NetMessage::Verack);
    }

    async fn on_verack(&mut self, id: PeerId) {
        let min_fee = self.config.min_relay_feerate as i64;
        let Some(peer) = self.peers.get_mut(&id) else { return };
        if peer.verack || peer.version.is_none() {
            return;
        }
        peer.verack = true;
        if let Some(v) = &peer.version {
            tracing::info!(
                "Handshake with peer={id}{}: version {} {} height {} ({})",
                super::logged_addr(&peer.link.addr),
                v.version,
                v.user_agent,
                v.start_height,
                peer.kind.name()
            );
        }
        let (addr, kind) = (peer.link.addr, peer.kind);
        let services = peer.version.as_ref().map_or(0, |v| v.services.to_u64());
        peer.send(NetMessage::SendHeaders);
        peer.send(NetMessage::FeeFilter(min_fee));
        // As Core: the first ping right after the handshake, for a round-trip time at once.
        peer.start_ping();
        if kind != ConnKind::Inbound {
            peer.send(NetMessage::GetAddr);
            peer.getaddr_sent = true;
            // Room for the whole answer (Core adds MAX_ADDR_TO_SEND to the bucket).
            peer.addr_tokens += super::message::MAX_ADDR as f64;
            let now = crate::clock::now();
            self.addrman.add(addr, services, now, addr.ip(), now);
            self.addrman.good(&addr, now);
        }
        self.request_headers(id, None).await;
    }

    /// Sends `getheaders` with a locator from `from`; by default from the
    /// parent of our best header, so that a peer on the same chain answers
    /// with at least one header (Core).
    pub(super) async fn request_headers(&mut self, id: PeerId, from: Option<primitives::BlockHash>) {
        let locator = self
            .chain
            .call(move |node| {
                let from = from.unwrap_or_else(|| {
                    let best = node.chain.best_header();
                    if best.height > 0 {
                        best.header.prev_blockhash
                    } else {
                        best.hash
                    }
                });
                node.chain.locator(&from)
            })
            .await;
        if let (Ok(hashes), Some(peer)) = (locator, self.peers.get_mut(&id)) {
            peer.getheaders_sent = Some(std::time::Instant::now());
            peer.send(NetMessage::GetHeaders(super::message::Locator {
                version: super::message::PROTOCOL_VERSION as u32,
                hashes,
                stop: primitives::BlockHash::all_zeros(),
            }));
        }
    }
}
