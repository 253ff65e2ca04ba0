//! Inventory: announcing blocks and transactions, answering `getdata`
//! and `mempool`, and taking transactions from peers.

use bitcoin::hashes::Hash;
use bitcoin::p2p::message_blockdata::Inventory;
use mempool::MempoolError;
use primitives::{BlockHash, HashedTx, Txid, Wtxid};

use super::connection::PeerId;
use super::manager::Manager;
use super::message::{NetMessage, MAX_INV};
use super::permissions::Permissions;

/// Blocks announced by `headers` at most; more go as an `inv` of the tip (Core).
const MAX_BLOCKS_TO_ANNOUNCE: usize = 8;
/// Bytes queued to one peer before serving more `getdata` waits (Core's default -maxsendbuffer).
const MAX_SEND_BUFFER: usize = 5_000_000;
/// Refused transactions remembered until the next block (Core's filter holds 120,000).
const MAX_RECENT_REJECTS: usize = 120_000;
/// `getdata` items answered per visit to the chainstate.
const GETDATA_BATCH: usize = 16;

/// What `serve_items` could not serve.
struct Unserved {
    missing: Vec<Inventory>,
    /// A block older than a week was asked for past `-maxuploadtarget`.
    historical_refused: bool,
}

/// Whether the block is older than a week against the best header.
fn is_historical(chain: &crate::chainstate::Chainstate, hash: &BlockHash) -> bool {
    let best = i64::from(chain.best_header().header.time);
    chain.entry(hash).is_some_and(|e| best - i64::from(e.header.time) > super::upload::HISTORICAL_BLOCK_AGE)
}

/// Replies to `getdata` items (blocks from the store, transactions from the
/// mempool) and the items we do not have. With `historical_limit`, blocks
/// older than a week are not served (`-maxuploadtarget`).
fn serve_items(
    node: &crate::node_state::NodeState,
    items: Vec<Inventory>,
    wtxids: &[(Wtxid, Option<Txid>)],
    archive: bool,
    historical_limit: bool,
) -> (Vec<NetMessage>, Unserved) {
    let mut replies = Vec::new();
    let mut missing = Vec::new();
    for item in items {
        if let (true, Inventory::Block(h) | Inventory::WitnessBlock(h)) = (historical_limit, item) {
            if is_historical(&node.chain, &h) {
                return (replies, Unserved { missing, historical_refused: true });
            }
        }
        let reply = match item {
            // MSG_BLOCK and MSG_TX get Core's serialization without witnesses.
            Inventory::Block(h) => node.chain.served_block(&h, archive, false).ok().flatten().map(NetMessage::RawBlock),
            Inventory::WitnessBlock(h) => {
                node.chain.served_block(&h, archive, true).ok().flatten().map(NetMessage::RawBlock)
            }
            Inventory::Transaction(t) => node.mempool.served(&t, false).map(|(bytes, _)| NetMessage::RawTx(bytes)),
            Inventory::WitnessTransaction(t) => {
                node.mempool.served(&t, true).map(|(bytes, _)| NetMessage::RawTx(bytes))
            }
            Inventory::WTx(w) => wtxids
                .iter()
                .find(|(known, _)| *known == w)
                .and_then(|(_, t)| *t)
                .and_then(|t| node.mempool.served(&t, true))
                .filter(|(_, wtxid)| *wtxid == w)
                .map(|(bytes, _)| NetMessage::RawTx(bytes)),
            _ => continue,
        };
        match reply {
            Some(message) => replies.push(message),
            None => missing.push(item),
        }
    }
    (replies, Unserved { missing, historical_refused: false })
}

impl Manager {
    /// `-blocksonly` takes no transactions, except from `relay` peers.
    fn refuses_transactions_from(&self, id: PeerId) -> bool {
        self.config.blocks_only && !self.peers.get(&id).is_some_and(|p| p.permissions.has(Permissions::RELAY))
    }

    pub(super) async fn on_inv(&mut self, id: PeerId, items: Vec<Inventory>) {
        if self.refuses_transactions_from(id)
            && items
                .iter()
                .any(|i| matches!(i, Inventory::Transaction(_) | Inventory::WitnessTransaction(_) | Inventory::WTx(_)))
        {
            // As Core: it asked for none (relay=false in its version).
            self.disconnect(id, "transaction inv sent in violation of protocol");
            return;
        }
        let mut blocks = Vec::new();
        let mut txs: Vec<(Option<Txid>, Option<Wtxid>)> = Vec::new();
        let Some(peer) = self.peers.get_mut(&id) else { return };
        for item in &items {
            match item {
                Inventory::Block(h) | Inventory::WitnessBlock(h) => blocks.push(*h),
                // A wtxid-relay peer announces by wtxid only (BIP339); txid announcements are ignored.
                Inventory::Transaction(t) | Inventory::WitnessTransaction(t) if !peer.wtxid_relay => {
                    peer.mark_known(t.to_byte_array());
                    txs.push((Some(*t), None));
                }
                Inventory::WTx(w) if peer.wtxid_relay => {
                    peer.mark_known(w.to_byte_array());
                    txs.push((self.wtxids.get(w).copied(), Some(*w)));
                }
                _ => {}
            }
        }
        let wtxid_relay = peer.wtxid_relay;
        txs.retain(|(_, w)| w.is_none_or(|w| !self.recent_rejects.contains(&w)));
        let known_txids: Vec<Txid> = txs.iter().filter_map(|(t, _)| *t).collect();
        let last_block = blocks.last().copied();
        let (present, unknown_block) = self
            .chain
            .call(move |node| {
                (node.mempool.holding(&known_txids), last_block.filter(|h| node.chain.entry(h).is_none()))
            })
            .await
            .unwrap_or_default();
        let wanted =
            txs.into_iter().filter(|(t, _)| t.is_none_or(|t| !present.contains(&t))).filter_map(|(t, w)| {
                match (w, t) {
                    (Some(w), _) => Some(Inventory::WTx(w)),
                    (None, Some(t)) if !wtxid_relay => Some(Inventory::WitnessTransaction(t)),
                    _ => None,
                }
            });
        if let Some(peer) = self.peers.get_mut(&id) {
            let dropped = wanted.filter(|item| !peer.tx_requests.announce(*item)).count();
            if dropped > 0 && peer.tx_requests.tracked() >= super::txrequest::MAX_ANNOUNCEMENTS {
                tracing::debug!("peer={id}: {dropped} transaction announcements over the limit dropped");
            }
        }
        self.request_transactions(id);
        // An unknown block: ask for the headers leading to it (Core).
        if unknown_block.is_some() {
            self.request_headers(id, None).await;
        }
    }

    pub(super) async fn on_getdata(&mut self, id: PeerId, items: Vec<Inventory>) {
        let Some(peer) = self.peers.get_mut(&id) else { return };
        peer.pending_getdata.extend(items);
        self.serve_getdata(id).await;
    }

    /// Answers queued `getdata` items a few at a time while the peer's send
    /// buffer has room (Core's -maxsendbuffer), so that a request for many
    /// blocks never loads them all at once.
    pub(super) async fn serve_getdata(&mut self, id: PeerId) {
        let archive = self.config.archive_announcements;
        loop {
            let Some(peer) = self.peers.get_mut(&id) else { return };
            if peer.pending_getdata.is_empty() || peer.link.queued_bytes() > MAX_SEND_BUFFER {
                return;
            }
            let take = peer.pending_getdata.len().min(GETDATA_BATCH);
            let items: Vec<Inventory> = peer.pending_getdata.drain(..take).collect();
            let wtxids: Vec<(Wtxid, Option<Txid>)> = items
                .iter()
                .filter_map(|i| match i {
                    Inventory::WTx(w) => Some((*w, self.wtxids.get(w).copied())),
                    _ => None,
                })
                .collect();
            let sent = self.totals.bytes_sent.load(std::sync::atomic::Ordering::Relaxed);
            let historical_limit = self.upload.historical_limit_reached(crate::clock::now(), sent)
                && !peer.permissions.has(Permissions::DOWNLOAD);
            let served =
                self.chain.call(move |node| serve_items(node, items, &wtxids, archive, historical_limit)).await;
            let Ok((replies, unserved)) = served else { return };
            let Some(peer) = self.peers.get(&id) else { return };
            let mut ok = replies.into_iter().all(|m| peer.send(m));
            if unserved.historical_refused {
                self.disconnect(id, "historical block serving limit reached");
                return;
            }
            if !unserved.missing.is_empty() {
                ok &= peer.send(NetMessage::NotFound(unserved.missing));
            }
            if !ok {
                self.disconnect(id, "send buffer full");
                return;
            }
        }
    }

    /// Peers whose queued `getdata` can go on now.
    pub(super) async fn serve_pending_getdata(&mut self) {
        let waiting: Vec<PeerId> = self
            .peers
            .values()
            .filter(|p| !p.pending_getdata.is_empty() && p.link.queued_bytes() <= MAX_SEND_BUFFER)
            .map(|p| p.id)
            .collect();
        for id in waiting {
            self.serve_getdata(id).await;
        }
    }

    /// Asks the peer for the announced transactions its request slots allow.
    pub(super) fn request_transactions(&mut self, id: PeerId) {
        let Some(peer) = self.peers.get_mut(&id) else { return };
        let batch = peer.tx_requests.next_requests(std::time::Instant::now());
        if !batch.is_empty() {
            peer.send(NetMessage::GetData(batch));
        }
    }

    /// Once a second: unanswered transaction requests time out and free their slots.
    pub(super) fn expire_transaction_requests(&mut self) {
        let now = std::time::Instant::now();
        let ids: Vec<PeerId> = self.peers.keys().copied().collect();
        for id in ids {
            if let Some(peer) = self.peers.get_mut(&id) {
                peer.tx_requests.expire(now);
            }
            self.request_transactions(id);
        }
    }

    pub(super) async fn on_tx(&mut self, id: PeerId, tx: HashedTx) {
        if self.refuses_transactions_from(id) {
            self.disconnect(id, "transaction sent in violation of protocol");
            return;
        }
        let (txid, wtxid) = (tx.txid(), tx.wtxid());
        if let Some(peer) = self.peers.get_mut(&id) {
            peer.mark_known(txid.to_byte_array());
            peer.mark_known(wtxid.to_byte_array());
            peer.tx_requests.answered(&txid.to_byte_array());
            peer.tx_requests.answered(&wtxid.to_byte_array());
        }
        self.request_transactions(id);
        if self.recent_rejects.contains(&wtxid) {
            return;
        }
        self.remember_wtxid(wtxid, txid);
        let now = crate::clock::now();
        // `forcerelay`: what such a peer sends is relayed even when we hold it already.
        let forced = self.peers.get(&id).is_some_and(|p| p.permissions.has(Permissions::FORCERELAY));
        let Ok((result, known_rate)) = self
            .chain
            .call(move |node| {
                let result = node.accept_to_mempool(tx, now, false);
                let rate = forced
                    .then(|| node.mempool.inventory().into_iter().find(|(t, _, _)| *t == txid))
                    .flatten()
                    .map(|(_, _, rate)| rate);
                (result, rate)
            })
            .await
        else {
            return;
        };
        match result {
            Ok(_) => {
                if let Some(peer) = self.peers.get_mut(&id) {
                    peer.last_tx_time = now;
                }
            }
            Err(MempoolError::AlreadyKnown) => {
                if let Some(rate) = known_rate {
                    self.forget_known(&txid, &wtxid, id);
                    self.relay_transaction(txid, wtxid, rate);
                }
            }
            Err(e) if e.is_consensus_invalid() => self.misbehaving(id, &format!("invalid transaction: {}", e.reason())),
            // Parents unknown: without an orphan pool the transaction comes again with its parents.
            Err(MempoolError::MissingInputs { .. }) => tracing::debug!("peer={id}: orphan transaction {txid} dropped"),
            Err(e) => {
                tracing::debug!("peer={id}: transaction {txid} refused: {}", e.reason());
                if self.recent_rejects.len() >= MAX_RECENT_REJECTS {
                    self.recent_rejects.clear();
                }
                self.recent_rejects.insert(wtxid);
            }
        }
    }

    /// A transaction entered our mempool at `feerate` (zats per 1,000 vbytes):
    /// announce it to every peer that takes transactions, does not know it
    /// yet and whose fee filter it meets.
    pub(super) fn relay_transaction(&mut self, txid: Txid, wtxid: Wtxid, feerate: u64) {
        self.remember_wtxid(wtxid, txid);
        for peer in self.peers.values_mut() {
            if !peer.is_ready() || !peer.relays_transactions() || feerate < peer.fee_filter {
                continue;
            }
            if peer.knows(&wtxid.to_byte_array()) || peer.knows(&txid.to_byte_array()) {
                continue;
            }
            peer.mark_known(wtxid.to_byte_array());
            peer.mark_known(txid.to_byte_array());
            let item = if peer.wtxid_relay { Inventory::WTx(wtxid) } else { Inventory::Transaction(txid) };
            peer.send(NetMessage::Inv(vec![item]));
        }
    }

    /// The tip moved: peers that asked for headers get the new headers
    /// (up to eight), others an `inv` of the tip.
    pub(super) async fn on_new_tip(&mut self, tip: BlockHash) {
        let previous = std::mem::replace(&mut self.announced_tip, tip);
        self.recent_rejects.clear();
        let Ok(headers) =
            self.chain.call(move |node| node.chain.headers_since(&previous, MAX_BLOCKS_TO_ANNOUNCE)).await
        else {
            return;
        };
        for peer in self.peers.values().filter(|p| p.is_ready()) {
            if peer.best_known.as_ref().is_some_and(|b| b.hash == tip) {
                continue;
            }
            if peer.prefers_headers && !headers.is_empty() {
                peer.send(NetMessage::Headers(headers.clone()));
            } else {
                peer.send(NetMessage::Inv(vec![Inventory::Block(tip)]));
            }
        }
    }

    /// Lets `relay_transaction` announce a transaction again to every peer
    /// but the one it came from (`forcerelay`).
    fn forget_known(&mut self, txid: &Txid, wtxid: &Wtxid, from: PeerId) {
        for peer in self.peers.values_mut().filter(|p| p.id != from) {
            peer.forget_known(&txid.to_byte_array());
            peer.forget_known(&wtxid.to_byte_array());
        }
    }

    /// `mempool`: an `inv` of every transaction that meets the peer's fee
    /// filter. As Core without bloom filters, only for peers with the
    /// `mempool` permission; others are disconnected (unless `noban`).
    pub(super) async fn on_mempool_request(&mut self, id: PeerId) {
        let Some(permissions) = self.peers.get(&id).map(|p| p.permissions) else { return };
        if !permissions.has(Permissions::MEMPOOL) {
            if !permissions.has(Permissions::NOBAN) {
                tracing::debug!(target: "zennetd::net", "mempool request with bloom filters disabled, disconnect peer={id}");
                self.disconnect(id, "mempool request with bloom filters disabled");
            }
            return;
        }
        let Ok(inventory) = self.chain.call(|node| node.mempool.inventory()).await else { return };
        let Some(peer) = self.peers.get_mut(&id) else { return };
        if !peer.relays_transactions() {
            return;
        }
        let items: Vec<Inventory> = inventory
            .iter()
            .filter(|(_, _, rate)| *rate >= peer.fee_filter)
            .map(|(t, w, _)| if peer.wtxid_relay { Inventory::WTx(*w) } else { Inventory::Transaction(*t) })
            .collect();
        for (t, w, _) in &inventory {
            peer.mark_known(t.to_byte_array());
            peer.mark_known(w.to_byte_array());
        }
        for chunk in items.chunks(MAX_INV) {
            peer.send(NetMessage::Inv(chunk.to_vec()));
        }
        for (t, w, _) in inventory {
            self.remember_wtxid(w, t);
        }
    }
}
