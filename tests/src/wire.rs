//! A test peer over raw TCP. Frames and the few payloads it needs are
//! written out by hand here (magic, command, length, checksum), so that
//! the node's own encoder is not what is being tested against.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::time::{Duration, Instant};

use bitcoin::hashes::{sha256d, Hash};

/// Regtest magic (DESIGN.md §2).
pub const REGTEST_MAGIC: [u8; 4] = [0x5a, 0x4e, 0x54, 0x03];
pub const MAINNET_MAGIC: [u8; 4] = [0x5a, 0x4e, 0x54, 0x01];

pub fn checksum(payload: &[u8]) -> [u8; 4] {
    let h = sha256d::Hash::hash(payload).to_byte_array();
    [h[0], h[1], h[2], h[3]]
}

/// `magic ‖ command (NUL-padded to 12) ‖ length ‖ checksum ‖ payload`.
pub fn frame(magic: [u8; 4], command: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = magic.to_vec();
    let mut name = [0u8; 12];
    name[..command.len()].copy_from_slice(command.as_bytes());
    out.extend_from_slice(&name);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(payload));
    out.extend_from_slice(payload);
    out
}

pub fn compact_size(n: u64) -> Vec<u8> {
    match n {
        0..=0xfc => vec![n as u8],
        0xfd..=0xffff => [&[0xfd][..], &(n as u16).to_le_bytes()].concat(),
        0x1_0000..=0xffff_ffff => [&[0xfe][..], &(n as u32).to_le_bytes()].concat(),
        _ => [&[0xff][..], &n.to_le_bytes()].concat(),
    }
}

/// A `version` payload: protocol 70016, NODE_NETWORK|NODE_WITNESS, relay on.
pub fn version_payload(start_height: i32) -> Vec<u8> {
    let mut p = Vec::new();
    p.extend_from_slice(&70016u32.to_le_bytes());
    p.extend_from_slice(&9u64.to_le_bytes());
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    p.extend_from_slice(&(now as i64).to_le_bytes());
    for _ in 0..2 {
        // services, IPv4-mapped 127.0.0.1, port
        p.extend_from_slice(&0u64.to_le_bytes());
        p.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
        p.extend_from_slice(&0u16.to_be_bytes());
    }
    p.extend_from_slice(&rand_nonce().to_le_bytes());
    let agent = b"/raw-test-peer:0.1/";
    p.extend_from_slice(&compact_size(agent.len() as u64));
    p.extend_from_slice(agent);
    p.extend_from_slice(&start_height.to_le_bytes());
    p.push(1);
    p
}

fn rand_nonce() -> u64 {
    let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos());
    (t as u64) ^ (std::process::id() as u64).rotate_left(32)
}

/// `headers` from raw 80-byte headers (each followed by a zero tx count).
pub fn headers_payload(headers: &[Vec<u8>]) -> Vec<u8> {
    let mut p = compact_size(headers.len() as u64);
    for h in headers {
        p.extend_from_slice(h);
        p.push(0);
    }
    p
}

/// Inventory entries of one type (1 tx, 2 block, 5 wtx, 0x40000002 witness block).
pub fn inv_payload(kind: u32, hashes: &[[u8; 32]]) -> Vec<u8> {
    let mut p = compact_size(hashes.len() as u64);
    for h in hashes {
        p.extend_from_slice(&kind.to_le_bytes());
        p.extend_from_slice(h);
    }
    p
}

/// Parses an inventory payload into (type, hash) pairs.
pub fn parse_inv(payload: &[u8]) -> Vec<(u32, [u8; 32])> {
    let (count, mut at) = match payload.first() {
        Some(&n) if n < 0xfd => (n as usize, 1),
        Some(0xfd) => (u16::from_le_bytes([payload[1], payload[2]]) as usize, 3),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    for _ in 0..count {
        if payload.len() < at + 36 {
            break;
        }
        let kind = u32::from_le_bytes([payload[at], payload[at + 1], payload[at + 2], payload[at + 3]]);
        let mut hash = [0u8; 32];
        hash.copy_from_slice(&payload[at + 4..at + 36]);
        out.push((kind, hash));
        at += 36;
    }
    out
}

pub struct TestPeer {
    pub stream: TcpStream,
}

impl TestPeer {
    pub fn connect(port: u16) -> TestPeer {
        let stream = TcpStream::connect(("127.0.0.1", port)).expect("connect to the node");
        stream.set_read_timeout(Some(Duration::from_millis(200))).expect("timeout");
        TestPeer { stream }
    }

    /// Connects to the node's P2P port and completes the handshake.
    pub fn handshaken(port: u16) -> TestPeer {
        let mut peer = TestPeer::connect(port);
        peer.handshake(0);
        peer
    }

    /// Waits for the node to connect to `listener` (after `addnode`).
    pub fn accept(listener: &TcpListener) -> TestPeer {
        let (stream, _) = listener.accept().expect("accept");
        stream.set_read_timeout(Some(Duration::from_millis(200))).expect("timeout");
        TestPeer { stream }
    }

    pub fn send(&mut self, command: &str, payload: &[u8]) {
        self.send_raw(&frame(REGTEST_MAGIC, command, payload));
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        // The node may already have closed the socket; what matters is what it does next.
        let _ = self.stream.write_all(bytes);
    }

    /// One frame: Some(Some(frame)), Some(None) when nothing came within
    /// `deadline`, None when the socket closed.
    fn read_frame(&mut self, deadline: Duration) -> Option<Option<(String, Vec<u8>)>> {
        let start = Instant::now();
        let mut header = [0u8; 24];
        if !self.read_exact_until(&mut header, start, deadline)? {
            return Some(None);
        }
        assert_eq!(header[..4], REGTEST_MAGIC, "node sent a wrong magic");
        let end = header[4..16].iter().position(|&b| b == 0).unwrap_or(12);
        let command = String::from_utf8_lossy(&header[4..4 + end]).into_owned();
        let len = u32::from_le_bytes([header[16], header[17], header[18], header[19]]) as usize;
        let mut payload = vec![0u8; len];
        if !self.read_exact_until(&mut payload, start, deadline + Duration::from_secs(30))? {
            panic!("{command} payload cut off");
        }
        assert_eq!(checksum(&payload), header[20..24], "node sent a bad checksum");
        Some(Some((command, payload)))
    }

    /// The next frame: Some((command, payload)), or None when the socket closed.
    /// Panics when nothing arrives before `deadline`.
    pub fn recv(&mut self, deadline: Duration) -> Option<(String, Vec<u8>)> {
        let frame = self.read_frame(deadline)?;
        Some(frame.unwrap_or_else(|| panic!("no message from the node within {deadline:?}")))
    }

    /// The next frame, or None when nothing (or a closed socket) comes
    /// within `quiet`; pings are answered on the way.
    pub fn next_within(&mut self, quiet: Duration) -> Option<(String, Vec<u8>)> {
        loop {
            let (command, payload) = self.read_frame(quiet)??;
            if command != "ping" {
                return Some((command, payload));
            }
            self.send("pong", &payload);
        }
    }

    /// Ok(true) filled, Ok(false) timed out, None closed.
    fn read_exact_until(&mut self, buf: &mut [u8], start: Instant, deadline: Duration) -> Option<bool> {
        let mut filled = 0;
        while filled < buf.len() {
            match self.stream.read(&mut buf[filled..]) {
                Ok(0) => return None,
                Ok(n) => filled += n,
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                    if start.elapsed() > deadline {
                        return Some(false);
                    }
                }
                Err(_) => return None,
            }
        }
        Some(true)
    }

    /// Reads until a message named `command` (answering pings on the way).
    pub fn expect(&mut self, command: &str, deadline: Duration) -> Vec<u8> {
        let start = Instant::now();
        loop {
            let left = deadline.checked_sub(start.elapsed()).unwrap_or_else(|| panic!("no {command} in {deadline:?}"));
            let (name, payload) =
                self.recv(left).unwrap_or_else(|| panic!("connection closed while waiting for {command}"));
            if name == command {
                return payload;
            }
            if name == "ping" {
                self.send("pong", &payload);
            }
        }
    }

    /// version/verack both ways.
    pub fn handshake(&mut self, start_height: i32) {
        self.send("version", &version_payload(start_height));
        self.expect("version", Duration::from_secs(10));
        self.send("verack", &[]);
        self.expect("verack", Duration::from_secs(10));
    }

    /// Whether the node closes the connection within `deadline` (messages are read and dropped).
    pub fn is_closed_within(&mut self, deadline: Duration) -> bool {
        let start = Instant::now();
        let mut buf = [0u8; 65536];
        while start.elapsed() < deadline {
            match self.stream.read(&mut buf) {
                Ok(0) => return true,
                Ok(_) => {}
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
                Err(_) => return true,
            }
        }
        false
    }

    pub fn close(self) {
        let _ = self.stream.shutdown(Shutdown::Both);
    }
}
