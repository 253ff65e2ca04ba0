//! Which announced transactions to ask one peer for, after Core's
//! `TxRequestTracker`: at most 5,000 announcements remembered per peer and
//! 100 requested at a time. An answer (the transaction or `notfound`) or a
//! minute without one frees a request slot; what a peer announces beyond
//! its limit is dropped, so one peer cannot make the node work for it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::time::{Duration, Instant};

use bitcoin::hashes::Hash;
use bitcoin::p2p::message_blockdata::Inventory;

/// Core's `MAX_PEER_TX_ANNOUNCEMENTS`.
pub const MAX_ANNOUNCEMENTS: usize = 5_000;
/// Core's `MAX_PEER_TX_REQUEST_IN_FLIGHT`.
pub const MAX_IN_FLIGHT: usize = 100;
/// Core's `GETDATA_TX_INTERVAL`: how long a request may go unanswered.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// The hash an announcement names (a txid or a wtxid).
fn key(item: &Inventory) -> Option<[u8; 32]> {
    match item {
        Inventory::Transaction(t) | Inventory::WitnessTransaction(t) => Some(t.to_byte_array()),
        Inventory::WTx(w) => Some(w.to_byte_array()),
        _ => None,
    }
}

/// One peer's announced transactions: waiting to be requested, or requested.
#[derive(Debug, Default)]
pub struct TxRequests {
    waiting: VecDeque<Inventory>,
    waiting_keys: HashSet<[u8; 32]>,
    in_flight: HashMap<[u8; 32], Instant>,
}

impl TxRequests {
    /// Announcements remembered (waiting and requested).
    pub fn tracked(&self) -> usize {
        self.waiting.len() + self.in_flight.len()
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Remembers an announcement. False when it is already tracked or the
    /// peer is at its limit (the announcement is dropped).
    pub fn announce(&mut self, item: Inventory) -> bool {
        let Some(key) = key(&item) else { return false };
        if self.tracked() >= MAX_ANNOUNCEMENTS || self.in_flight.contains_key(&key) || !self.waiting_keys.insert(key) {
            return false;
        }
        self.waiting.push_back(item);
        true
    }

    /// What to request now (oldest announcements first), marked in flight.
    pub fn next_requests(&mut self, now: Instant) -> Vec<Inventory> {
        let room = MAX_IN_FLIGHT.saturating_sub(self.in_flight.len());
        let batch: Vec<Inventory> = self.waiting.drain(..room.min(self.waiting.len())).collect();
        for item in &batch {
            if let Some(key) = key(item) {
                self.waiting_keys.remove(&key);
                self.in_flight.insert(key, now);
            }
        }
        batch
    }

    /// The peer sent the transaction with this txid or wtxid, or said it
    /// has not got it.
    pub fn answered(&mut self, hash: &[u8; 32]) {
        self.in_flight.remove(hash);
        if self.waiting_keys.remove(hash) {
            self.waiting.retain(|item| key(item).as_ref() != Some(hash));
        }
    }

    /// The peer answered `notfound` for `item` (blocks are ignored here).
    pub fn not_found(&mut self, item: &Inventory) {
        if let Some(key) = key(item) {
            self.answered(&key);
        }
    }

    /// Frees the slots of requests older than [`REQUEST_TIMEOUT`].
    pub fn expire(&mut self, now: Instant) {
        self.in_flight.retain(|_, sent| now.duration_since(*sent) < REQUEST_TIMEOUT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use primitives::Wtxid;

    fn wtx(n: u32) -> Inventory {
        let mut bytes = [0u8; 32];
        bytes[..4].copy_from_slice(&n.to_le_bytes());
        Inventory::WTx(Wtxid::from_byte_array(bytes))
    }

    #[test]
    fn at_most_a_hundred_in_flight_and_five_thousand_tracked() {
        let mut requests = TxRequests::default();
        let accepted = (0..150_000).filter(|n| requests.announce(wtx(*n))).count();
        assert_eq!(accepted, MAX_ANNOUNCEMENTS);
        assert!(!requests.announce(wtx(0)), "already tracked");
        let now = Instant::now();
        let first = requests.next_requests(now);
        assert_eq!(first.len(), MAX_IN_FLIGHT);
        assert!(requests.next_requests(now).is_empty(), "no room until answers come");
        // Answers free slots; the total ever requested is what was tracked.
        let mut requested = first.len();
        let mut batch = first;
        while !batch.is_empty() {
            for item in &batch {
                requests.answered(&key(item).unwrap());
            }
            batch = requests.next_requests(now);
            requested += batch.len();
        }
        assert_eq!(requested, MAX_ANNOUNCEMENTS);
        assert_eq!(requests.tracked(), 0);
    }

    #[test]
    fn unanswered_requests_expire_after_a_minute() {
        let mut requests = TxRequests::default();
        for n in 0..150 {
            requests.announce(wtx(n));
        }
        let start = Instant::now();
        assert_eq!(requests.next_requests(start).len(), 100);
        requests.expire(start + Duration::from_secs(59));
        assert_eq!(requests.in_flight(), 100);
        requests.expire(start + REQUEST_TIMEOUT);
        assert_eq!(requests.in_flight(), 0);
        assert_eq!(requests.next_requests(start + REQUEST_TIMEOUT).len(), 50);
        // An answer to something still waiting removes it too.
        let mut requests = TxRequests::default();
        requests.announce(wtx(1));
        requests.answered(&key(&wtx(1)).unwrap());
        assert_eq!(requests.tracked(), 0);
    }
}
