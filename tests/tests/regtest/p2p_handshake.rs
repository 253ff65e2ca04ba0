//! Handshake details as Core: BIP155/BIP339 announcements only to peers of
//! protocol 70016 or later, a ping right after the handshake, and received
//! bytes counted as they arrive (a message still coming included).

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
