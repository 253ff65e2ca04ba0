//! One TCP connection: a reader task that frames and decodes messages and
//! hands them to the peer manager, and a writer task that drains the
//! peer's outbox. Neither holds any state beyond its socket half.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI64, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::task::AbortHandle;

use super::message::NetMessage;
use super::wire::{encode_frame, read_frame, FrameError};

pub type PeerId = u64;

/// Messages queued for one peer before it counts as not reading.
const OUTBOX_CAPACITY: usize = 4_096;
/// Payloads above this size are decoded on a blocking thread.
const LARGE_PAYLOAD: usize = 100_000;
/// Unhandled bytes from one peer before its socket stops being read
/// (Core's -maxreceivebuffer default, 5,000 KB).
pub const MAX_RECEIVE_BUFFER: usize = 5_000 * 1_000;

/// A socket half that counts bytes as they arrive, so that the peer's and
/// the node's `bytesrecv` include messages still being received (as Core).
struct CountingReader<R> {
    inner: R,
    peer: Arc<PeerStats>,
    totals: Arc<Traffic>,
}

impl<R: tokio::io::AsyncRead + Unpin> tokio::io::AsyncRead for CountingReader<R> {
    fn poll_read(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> std::task::Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let result = std::pin::Pin::new(&mut self.inner).poll_read(cx, buf);
        let read = (buf.filled().len() - before) as u64;
        if read > 0 {
            self.peer.traffic.bytes_recv.fetch_add(read, Ordering::Relaxed);
            self.totals.bytes_recv.fetch_add(read, Ordering::Relaxed);
        }
        result
    }
}

/// What the connection tasks tell the peer manager.
#[derive(Debug)]
pub enum Event {
    /// A message and its payload size (counted in [`PeerStats::release`] once handled).
    Message(PeerId, NetMessage, usize),
    /// A framing-level protocol violation (wrong magic, oversized, limits).
    Misbehaving(PeerId, String),
    Closed(PeerId, String),
}

/// Byte counters, shared with the node-wide totals.
#[derive(Default)]
pub struct Traffic {
    pub bytes_sent: AtomicU64,
    pub bytes_recv: AtomicU64,
}

#[derive(Default)]
pub struct PeerStats {
    pub traffic: Traffic,
    pub last_send: AtomicI64,
    pub last_recv: AtomicI64,
    pub sent_per_msg: Mutex<BTreeMap<String, u64>>,
    pub recv_per_msg: Mutex<BTreeMap<String, u64>>,
    /// Payload bytes received and not yet handled by the manager.
    unprocessed: AtomicUsize,
    resume: tokio::sync::Notify,
}

impl PeerStats {
    /// The manager handled a message of `bytes`: reading may resume.
    pub fn release(&self, bytes: usize) {
        self.unprocessed.fetch_sub(bytes.min(self.unprocessed.load(Ordering::Relaxed)), Ordering::Relaxed);
        self.resume.notify_one();
    }

    /// Waits while the peer's unhandled messages exceed the receive buffer
    /// (Core's fPauseRecv): the socket is not read meanwhile, so a flooding
    /// peer is slowed down by TCP, not buffered in memory.
    async fn wait_for_room(&self) {
        while self.unprocessed.load(Ordering::Relaxed) > MAX_RECEIVE_BUFFER {
            // The timeout covers a wake-up between the check and the wait.
            let _ = tokio::time::timeout(std::time::Duration::from_millis(100), self.resume.notified()).await;
        }
    }
    fn count(map: &Mutex<BTreeMap<String, u64>>, command: &str, bytes: usize) {
        if let Ok(mut map) = map.lock() {
            // Core files unknown commands under "*other*".
            let known = super::message::KNOWN_COMMANDS.contains(&command);
            *map.entry(if known { command.to_string() } else { "*other*".into() }).or_default() += bytes as u64;
        }
    }
}

/// The manager's side of a connection.
pub struct Link {
    pub addr: SocketAddr,
    pub local: Option<SocketAddr>,
    pub stats: Arc<PeerStats>,
    outbox: mpsc::Sender<NetMessage>,
    /// Payload bytes queued and not yet written.
    queued: Arc<AtomicUsize>,
    reader: AbortHandle,
    writer: AbortHandle,
}

impl Link {
    /// Queues a message; false when the peer's outbox is full or gone
    /// (a peer that does not read is disconnected).
    pub fn send(&self, message: NetMessage) -> bool {
        let size = message.approximate_size();
        let sent = self.outbox.try_send(message).is_ok();
        if sent {
            self.queued.fetch_add(size, Ordering::Relaxed);
        }
        sent
    }

    /// Bytes waiting to be written to the socket.
    pub fn queued_bytes(&self) -> usize {
        self.queued.load(Ordering::Relaxed)
    }

    /// Ends both tasks; the socket closes.
    pub fn close(&self) {
        self.reader.abort();
        self.writer.abort();
    }
}

/// Runs a peer's connection; `addr` is the peer's address (the stream's
/// own is the proxy's when it came through `-proxy`).
pub fn spawn(
    stream: TcpStream,
    addr: SocketAddr,
    id: PeerId,
    magic: [u8; 4],
    events: mpsc::Sender<Event>,
    totals: Arc<Traffic>,
) -> Link {
    let local = stream.local_addr().ok();
    let _ = stream.set_nodelay(true);
    let (read_half, mut write_half) = stream.into_split();
    let stats = Arc::new(PeerStats::default());
    let (outbox, mut queue) = mpsc::channel::<NetMessage>(OUTBOX_CAPACITY);
    let queued = Arc::new(AtomicUsize::new(0));

    let (reader_stats, reader_events) = (stats.clone(), events.clone());
    let mut read_half = CountingReader { inner: read_half, peer: stats.clone(), totals: totals.clone() };
    let reader = tokio::spawn(async move {
        let reason = loop {
            reader_stats.wait_for_room().await;
            let mut frame = match read_frame(&mut read_half, magic).await {
                Ok(frame) => frame,
                Err(e @ (FrameError::WrongMagic(_) | FrameError::Oversized(_) | FrameError::BadCommand)) => {
                    let _ = reader_events.send(Event::Misbehaving(id, e.to_string())).await;
                    return;
                }
                Err(e) => break e.to_string(),
            };
            reader_stats.last_recv.store(crate::clock::now(), Ordering::Relaxed);
            PeerStats::count(&reader_stats.recv_per_msg, &frame.command, frame.wire_len);
            if !frame.checksum_ok {
                // Core drops the message and keeps the connection.
                tracing::debug!("peer={id}: {} message with a bad checksum dropped", frame.command);
                continue;
            }
            // Large blocks are decoded off the async workers.
            let decoded = if frame.payload.len() > LARGE_PAYLOAD {
                let (command, payload) = (frame.command.clone(), std::mem::take(&mut frame.payload));
                match tokio::task::spawn_blocking(move || NetMessage::decode(&command, &payload)).await {
                    Ok(result) => result,
                    Err(_) => return,
                }
            } else {
                NetMessage::decode(&frame.command, &frame.payload)
            };
            match decoded {
                Ok(message) => {
                    let size = frame.wire_len;
                    reader_stats.unprocessed.fetch_add(size, Ordering::Relaxed);
                    if reader_events.send(Event::Message(id, message, size)).await.is_err() {
                        return;
                    }
                }
                Err(e) if e.is_misbehaviour() => {
                    let _ = reader_events.send(Event::Misbehaving(id, e.to_string())).await;
                    return;
                }
                Err(e) => tracing::debug!("peer={id}: dropped undecodable message: {e}"),
            }
        };
        let _ = reader_events.send(Event::Closed(id, reason)).await;
    });

    let (writer_stats, writer_queued) = (stats.clone(), queued.clone());
    let writer = tokio::spawn(async move {
        while let Some(message) = queue.recv().await {
            writer_queued.fetch_sub(message.approximate_size(), Ordering::Relaxed);
            let frame = encode_frame(magic, message.command(), &message.payload());
            if let Err(e) = write_half.write_all(&frame).await {
                let _ = events.send(Event::Closed(id, format!("write failed: {e}"))).await;
                return;
            }
            writer_stats.traffic.bytes_sent.fetch_add(frame.len() as u64, Ordering::Relaxed);
            totals.bytes_sent.fetch_add(frame.len() as u64, Ordering::Relaxed);
            writer_stats.last_send.store(crate::clock::now(), Ordering::Relaxed);
            PeerStats::count(&writer_stats.sent_per_msg, message.command(), frame.len());
        }
        let _ = write_half.shutdown().await;
    });
    Link { addr, local, stats, outbox, queued, reader: reader.abort_handle(), writer: writer.abort_handle() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reading_pauses_while_too_much_waits_to_be_handled() {
        let stats = Arc::new(PeerStats::default());
        stats.unprocessed.store(MAX_RECEIVE_BUFFER + 1, Ordering::Relaxed);
        let waiter = {
            let stats = stats.clone();
            tokio::spawn(async move { stats.wait_for_room().await })
        };
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        assert!(!waiter.is_finished(), "reading resumed while over the receive buffer");
        stats.release(2);
        tokio::time::timeout(std::time::Duration::from_secs(5), waiter).await.expect("resumed").unwrap();
        assert_eq!(stats.unprocessed.load(Ordering::Relaxed), MAX_RECEIVE_BUFFER - 1);
    }
}
