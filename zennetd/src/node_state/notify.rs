//! One notification type for whoever follows the node (wallets, relay,
//! and later the market and channel services), so that nobody asks the
//! chain again for what it just did: blocks connected and disconnected with
//! their transactions, transactions added to the mempool with their fee and
//! size, transactions removed, and the new tip.

use std::sync::Arc;

use primitives::{Block, BlockHash, HashedTx, Txid};
use tokio::sync::broadcast;

use crate::chainstate::ChainEvent;

/// Notifications a mempool follower may fall behind by before it misses
/// some (it is told, and can catch up by asking).
const MEMPOOL_CAPACITY: usize = 4096;
/// The same for chain followers; block notifications hold whole blocks, so
/// this bounds what a slow follower keeps in memory.
const CHAIN_CAPACITY: usize = 64;

#[derive(Debug, Clone)]
pub enum Notification {
    BlockConnected {
        block: Arc<Block>,
        height: u32,
    },
    BlockDisconnected {
        block: Arc<Block>,
        height: u32,
    },
    TransactionAdded {
        tx: Arc<HashedTx>,
        fee: u64,
        vsize: u64,
    },
    /// Left the mempool (mined, conflicted, replaced, expired or evicted).
    TransactionRemoved {
        txid: Txid,
    },
    TipChanged {
        hash: BlockHash,
        height: u32,
    },
    /// A task entered the market index from a block (`-tasknotify`).
    TaskConfirmed {
        task_id: [u8; 32],
    },
}

/// Two feeds of the one type: the chain's (blocks and tip) and the
/// mempool's (transactions added and removed), so that a follower of
/// transactions never holds blocks in memory.
pub(super) struct Notifier {
    chain: Option<broadcast::Sender<Notification>>,
    mempool: Option<broadcast::Sender<Notification>>,
    tip: BlockHash,
}

fn send(sender: &Option<broadcast::Sender<Notification>>, notification: Notification) {
    if let Some(sender) = sender {
        // No receiver left is fine: followers come and go.
        let _ = sender.send(notification);
    }
}

fn listened(sender: &Option<broadcast::Sender<Notification>>) -> bool {
    sender.as_ref().is_some_and(|s| s.receiver_count() > 0)
}

impl Notifier {
    pub(super) fn new(tip: BlockHash) -> Notifier {
        Notifier { chain: None, mempool: None, tip }
    }

    /// Tasks that entered the market index from blocks.
    pub(super) fn tasks_confirmed(&self, ids: Vec<[u8; 32]>) {
        for task_id in ids {
            send(&self.chain, Notification::TaskConfirmed { task_id });
        }
    }

    pub(super) fn subscribe_chain(&mut self) -> broadcast::Receiver<Notification> {
        self.chain.get_or_insert_with(|| broadcast::channel(CHAIN_CAPACITY).0).subscribe()
    }

    pub(super) fn subscribe_mempool(&mut self) -> broadcast::Receiver<Notification> {
        self.mempool.get_or_insert_with(|| broadcast::channel(MEMPOOL_CAPACITY).0).subscribe()
    }

    /// Whether anyone follows the mempool (else added transactions are not cloned for it).
    pub(super) fn follows_mempool(&self) -> bool {
        listened(&self.mempool)
    }

    pub(super) fn chain_event(&self, event: &ChainEvent) {
        if !listened(&self.chain) {
            return;
        }
        send(
            &self.chain,
            match event {
                ChainEvent::BlockConnected { block, height } => {
                    Notification::BlockConnected { block: block.clone(), height: *height }
                }
                ChainEvent::BlockDisconnected { block, height } => {
                    Notification::BlockDisconnected { block: block.clone(), height: *height }
                }
            },
        );
    }

    pub(super) fn transaction_added(&self, tx: HashedTx, fee: u64, vsize: u64) {
        send(&self.mempool, Notification::TransactionAdded { tx: Arc::new(tx), fee, vsize });
    }

    pub(super) fn mempool_removals(&self, removed: Vec<Txid>) {
        if listened(&self.mempool) {
            for txid in removed {
                send(&self.mempool, Notification::TransactionRemoved { txid });
            }
        }
    }

    pub(super) fn tip(&mut self, hash: BlockHash, height: u32) {
        if hash != self.tip {
            self.tip = hash;
            send(&self.chain, Notification::TipChanged { hash, height });
        }
    }
}
