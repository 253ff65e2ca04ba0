//! ZeroMQ notifications, as Core's `-zmqpub*`: each publisher sends
//! `[topic, body, sequence]` with a 4-byte little-endian sequence number of
//! its own. Hashes are in display order, raw data as serialized.
//! `hashblock`/`rawblock` for every connected block, `hashtx`/`rawtx` for
//! every transaction entering the mempool or a connected block, `sequence`
//! for block connects (C) and disconnects (D) and mempool additions (A) and
//! removals other than by a block (R), those two with a mempool sequence.

use std::collections::{HashSet, VecDeque};

use bitcoin::hashes::Hash;
use primitives::Txid;
use tokio::sync::broadcast::error::RecvError;
use zeromq::{Socket, SocketSend, ZmqMessage};

use crate::actor::ChainHandle;
use crate::node_state::Notification;

/// The five kinds of publisher, by Core's option and topic names.
pub const TOPICS: [&str; 5] = ["hashblock", "hashtx", "rawblock", "rawtx", "sequence"];

/// One `-zmqpub<topic>=<address>`.
#[derive(Debug, Clone)]
pub struct ZmqEndpoint {
    pub topic: &'static str,
    pub address: String,
    pub hwm: u32,
}

/// One publisher: messages queue for its socket's own task, at most `hwm`
/// of them (`-zmqpub<topic>hwm`, 0: no limit). As a ZeroMQ PUB socket at
/// its high-water mark, a full queue drops the message; the sequence
/// number still advances, so subscribers see the gap.
struct Publisher {
    endpoint: ZmqEndpoint,
    queue: tokio::sync::mpsc::Sender<ZmqMessage>,
    sequence: u32,
    dropped: u64,
}

impl Publisher {
    fn new(endpoint: ZmqEndpoint) -> (Publisher, tokio::sync::mpsc::Receiver<ZmqMessage>) {
        let capacity = if endpoint.hwm == 0 { tokio::sync::Semaphore::MAX_PERMITS } else { endpoint.hwm as usize };
        let (queue, receiver) = tokio::sync::mpsc::channel(capacity);
        (Publisher { endpoint, queue, sequence: 0, dropped: 0 }, receiver)
    }

    async fn publish(&mut self, body: Vec<u8>) {
        let mut message = ZmqMessage::from(self.endpoint.topic.as_bytes().to_vec());
        message.push_back(body.into());
        message.push_back(self.sequence.to_le_bytes().to_vec().into());
        self.sequence = self.sequence.wrapping_add(1);
        if self.queue.try_send(message).is_err() {
            self.dropped += 1;
            if self.dropped.is_power_of_two() {
                tracing::warn!(
                    "zmq {} to {}: {} messages dropped at the high-water mark ({})",
                    self.endpoint.topic,
                    self.endpoint.address,
                    self.dropped,
                    self.endpoint.hwm
                );
            }
        }
    }
}

/// Sends a publisher's queued messages on its socket.
async fn drain(mut socket: zeromq::PubSocket, mut queue: tokio::sync::mpsc::Receiver<ZmqMessage>, what: String) {
    while let Some(message) = queue.recv().await {
        if let Err(e) = socket.send(message).await {
            tracing::warn!("zmq {what}: {e}");
        }
    }
}

fn display(hash: &[u8; 32]) -> Vec<u8> {
    hash.iter().rev().copied().collect()
}

/// Binds every publisher; an address that cannot be bound stops the start.
pub async fn start(endpoints: Vec<ZmqEndpoint>, chain: ChainHandle) -> anyhow::Result<()> {
    if endpoints.is_empty() {
        return Ok(());
    }
    let mut publishers = Vec::new();
    for endpoint in endpoints {
        let mut socket = zeromq::PubSocket::new();
        socket
            .bind(&endpoint.address)
            .await
            .map_err(|e| anyhow::anyhow!("-zmqpub{}={}: {e}", endpoint.topic, endpoint.address))?;
        tracing::info!("zmq: publishing {} on {}", endpoint.topic, endpoint.address);
        let what = format!("{} to {}", endpoint.topic, endpoint.address);
        let (publisher, queue) = Publisher::new(endpoint);
        tokio::spawn(drain(socket, queue, what));
        publishers.push(publisher);
    }
    let (blocks, pool) = chain.call(|node| (node.subscribe_chain(), node.subscribe_mempool())).await?;
    tokio::spawn(run(publishers, blocks, pool));
    Ok(())
}

async fn run(
    mut publishers: Vec<Publisher>,
    mut blocks: tokio::sync::broadcast::Receiver<Notification>,
    mut pool: tokio::sync::broadcast::Receiver<Notification>,
) {
    let mut mempool_sequence = 0u64;
    // Transactions of recent blocks: their removal from the mempool is no 'R'.
    let mut mined: VecDeque<HashSet<Txid>> = VecDeque::new();
    loop {
        // Block events first: they were sent before the removals they cause.
        let event = tokio::select! {
            biased;
            e = blocks.recv() => e,
            e = pool.recv() => e,
        };
        let event = match event {
            Ok(event) => event,
            Err(RecvError::Lagged(n)) => {
                tracing::warn!("zmq: {n} notifications missed (publishers too slow)");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        match event {
            Notification::BlockConnected { block, .. } => {
                let hash = display(block.block_hash().as_byte_array());
                mined.push_back(block.txdata.iter().map(|t| t.txid()).collect());
                if mined.len() > 10 {
                    mined.pop_front();
                }
                for p in &mut publishers {
                    match p.endpoint.topic {
                        "hashblock" => p.publish(hash.clone()).await,
                        "rawblock" => p.publish(block.serialize()).await,
                        "sequence" => p.publish([hash.clone(), b"C".to_vec()].concat()).await,
                        "hashtx" => {
                            for tx in &block.txdata {
                                p.publish(display(tx.txid().as_byte_array())).await;
                            }
                        }
                        "rawtx" => {
                            for tx in &block.txdata {
                                p.publish(tx.serialize()).await;
                            }
                        }
                        _ => {}
                    }
                }
            }
            Notification::BlockDisconnected { block, .. } => {
                let hash = display(block.block_hash().as_byte_array());
                for p in publishers.iter_mut().filter(|p| p.endpoint.topic == "sequence") {
                    p.publish([hash.clone(), b"D".to_vec()].concat()).await;
                }
            }
            Notification::TransactionAdded { tx, .. } => {
                mempool_sequence += 1;
                let txid = display(tx.txid().as_byte_array());
                for p in &mut publishers {
                    match p.endpoint.topic {
                        "hashtx" => p.publish(txid.clone()).await,
                        "rawtx" => p.publish(tx.serialize()).await,
                        "sequence" => {
                            p.publish([txid.clone(), b"A".to_vec(), mempool_sequence.to_le_bytes().to_vec()].concat())
                                .await
                        }
                        _ => {}
                    }
                }
            }
            Notification::TransactionRemoved { txid } => {
                mempool_sequence += 1;
                if mined.iter().any(|set| set.contains(&txid)) {
                    continue;
                }
                let hash = display(txid.as_byte_array());
                for p in publishers.iter_mut().filter(|p| p.endpoint.topic == "sequence") {
                    p.publish([hash.clone(), b"R".to_vec(), mempool_sequence.to_le_bytes().to_vec()].concat()).await;
                }
            }
            Notification::TipChanged { .. } | Notification::TaskConfirmed { .. } => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_full_queue_drops_at_the_high_water_mark_and_the_sequence_shows_the_gap() {
        let endpoint = ZmqEndpoint { topic: "hashtx", address: "tcp://127.0.0.1:1".into(), hwm: 2 };
        let (mut publisher, mut queue) = Publisher::new(endpoint);
        for _ in 0..5 {
            publisher.publish(vec![0; 32]).await;
        }
        assert_eq!((publisher.sequence, publisher.dropped), (5, 3));
        let sequences: Vec<Vec<u8>> = std::iter::from_fn(|| queue.try_recv().ok())
            .map(|m| m.get(2).map(|f| f.to_vec()).unwrap_or_default())
            .collect();
        assert_eq!(sequences, vec![0u32.to_le_bytes().to_vec(), 1u32.to_le_bytes().to_vec()]);
        publisher.publish(vec![0; 32]).await;
        assert_eq!(queue.try_recv().unwrap().get(2).unwrap().to_vec(), 5u32.to_le_bytes().to_vec());
    }
}
