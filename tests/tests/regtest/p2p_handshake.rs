//! Handshake and address details as Core: BIP155/BIP339 announcements only to peers of
//! protocol 70016 or later, a ping right after the handshake, and received
//! bytes counted as they arrive (a message still coming included), and
//! fresh routable addresses relayed on, within the per-peer rate limit.

use std::time::Duration;

use serde_json::json;
use zennet_tests::wire::{frame, version_payload, TestPeer, REGTEST_MAGIC};
use zennet_tests::{wait_for, Node};

/// Handshakes with `protocol` and returns the commands the node sends until its first ping.
fn messages_until_ping(node: &Node, protocol: u32) -> Vec<String> {
    let mut peer = TestPeer::connect(node.p2p_port);
    let mut version = version_payload(0);
    version[..4].copy_from_slice(&protocol.to_le_bytes());
    peer.send("version", &version);
    let mut seen = Vec::new();
    loop {
        let (command, _) = peer.recv(Duration::from_secs(10)).expect("the node closed the connection");
        if command == "verack" && !seen.contains(&command) {
            peer.send("verack", &[]);
        }
        let done = command == "ping";
        seen.push(command);
        if done {
            return seen;
        }
    }
}

#[test]
fn addrv2_and_wtxid_relay_only_for_70016_and_a_ping_after_the_handshake() {
    let node = Node::start(&["-connect=0"]);
    let modern = messages_until_ping(&node, 70016);
    assert!(modern.contains(&"sendaddrv2".to_string()) && modern.contains(&"wtxidrelay".to_string()), "{modern:?}");
    let older = messages_until_ping(&node, 70015);
    assert!(!older.iter().any(|c| c == "sendaddrv2" || c == "wtxidrelay"), "{older:?}");
}

#[test]
fn bytes_of_a_message_still_arriving_are_counted() {
    let node = Node::start(&["-connect=0"]);
    let mut peer = TestPeer::handshaken(node.p2p_port);
    let peer_bytes = || {
        let peers = node.rpc("getpeerinfo", json!([]));
        peers[0]["bytesrecv"].as_u64().unwrap_or(0)
    };
    wait_for("the handshake counted", Duration::from_secs(30), || (peer_bytes() > 0).then_some(()));
    let (before_total, before_peer) =
        (node.rpc("getnettotals", json!([]))["totalbytesrecv"].as_u64().unwrap(), peer_bytes());
    // A 2,000-byte `block` whose first 1,000 payload bytes are sent now.
    let whole = frame(REGTEST_MAGIC, "block", &[0u8; 2000]);
    peer.send_raw(&whole[..24 + 1000]);
    wait_for("the partial message counted", Duration::from_secs(30), || {
        let total = node.rpc("getnettotals", json!([]))["totalbytesrecv"].as_u64().unwrap();
        (total >= before_total + 1024 && peer_bytes() >= before_peer + 1024).then_some(())
    });
}

/// One `addr` entry: time, services, IPv4-mapped address, port (big-endian).
fn addr_entry(ip: [u8; 4], port: u16, time: u32) -> Vec<u8> {
    let mut e = time.to_le_bytes().to_vec();
    e.extend_from_slice(&9u64.to_le_bytes());
    e.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);
    e.extend_from_slice(&ip);
    e.extend_from_slice(&port.to_be_bytes());
    e
}

#[test]
fn a_fresh_routable_address_is_relayed_to_another_peer() {
    let node = Node::start(&["-connect=0"]);
    let mut listener = TestPeer::handshaken(node.p2p_port);
    let mut sender = TestPeer::handshaken(node.p2p_port);
    wait_for("two peers", Duration::from_secs(30), || {
        (node.rpc("getpeerinfo", json!([])).as_array().unwrap().len() == 2).then_some(())
    });
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as u32;
    // (A new peer's token bucket holds one address: Core's rate limit.)
    let mut public = vec![1u8];
    public.extend(addr_entry([8, 8, 4, 4], 7877, now));
    sender.send("addr", &public);
    let relayed = listener.expect("addr", Duration::from_secs(30));
    assert_eq!(relayed[0], 1, "one address per relay");
    assert_eq!(&relayed[1 + 4 + 8 + 12..1 + 4 + 8 + 16], &[8, 8, 4, 4], "{relayed:?}");
    let known = node.rpc("getnodeaddresses", json!([0]));
    assert!(known.as_array().unwrap().iter().any(|a| a["address"] == "8.8.4.4"), "{known}");
    // A second address at once exceeds the bucket: dropped and counted.
    sender.send("addr", &public);
    wait_for("the rate limit", Duration::from_secs(30), || {
        let peers = node.rpc("getpeerinfo", json!([]));
        peers.as_array()?.iter().any(|p| p["addr_rate_limited"] == 1).then_some(())
    });
}
