//! A raw-TCP test peer breaks the protocol in each of Core's ways; the node
//! disconnects it (or drops the message), keeps serving an honest peer and
//! keeps answering RPC.

use std::time::Duration;

use serde_json::json;
use zennet_tests::chain::{block_on, coinbase_of, spend};
use zennet_tests::wire::{compact_size, frame, headers_payload, inv_payload, TestPeer, MAINNET_MAGIC, REGTEST_MAGIC};
use zennet_tests::{wait_for, Node, REGTEST_ADDRESS};

const CLOSE: Duration = Duration::from_secs(15);

fn handshaken(node: &Node) -> TestPeer {
    TestPeer::handshaken(node.p2p_port)
}

fn assert_disconnected(node: &Node, what: &str, mut peer: TestPeer) {
    assert!(peer.is_closed_within(CLOSE), "{what}: the node kept the connection\n{}", node.log());
}

/// A ping with `nonce` answered by a pong with the same nonce.
fn assert_ping_answered(peer: &mut TestPeer, nonce: u64) {
    peer.send("ping", &nonce.to_le_bytes());
    loop {
        let pong = peer.expect("pong", Duration::from_secs(15));
        if pong == nonce.to_le_bytes() {
            return;
        }
    }
}

#[test]
fn protocol_violations_disconnect_and_the_node_keeps_serving() {
    let node = Node::start(&["-connect=0"]);
    node.rpc("generatetoaddress", json!([101, REGTEST_ADDRESS]));
    let mut honest = handshaken(&node);

    // Wrong magic (mainnet's), before any handshake.
    let mut peer = TestPeer::connect(node.p2p_port);
    peer.send_raw(&frame(MAINNET_MAGIC, "version", &[0u8; 10]));
    assert_disconnected(&node, "wrong magic", peer);

    // A header claiming a 4 GB payload.
    let mut peer = handshaken(&node);
    let mut huge = frame(REGTEST_MAGIC, "block", &[]);
    huge[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
    peer.send_raw(&huge);
    assert_disconnected(&node, "4 GB length", peer);

    // 2,001 headers.
    let mut peer = handshaken(&node);
    let header = hex::decode(node.rpc("getblockheader", json!([node.tip(), false])).as_str().unwrap()).unwrap();
    peer.send("headers", &headers_payload(&vec![header; 2_001]));
    assert_disconnected(&node, "2,001 headers", peer);

    // An invalid block on the tip: its only spend carries a bad signature.
    let mut peer = handshaken(&node);
    let (coin, value) = coinbase_of(&node, 1);
    let bad = block_on(&node, vec![spend(coin, value, true)]);
    peer.send("block", &bad.serialize());
    assert_disconnected(&node, "invalid block", peer);
    assert_eq!(node.rpc("getblockcount", json!([])), 101);

    // A consensus-invalid transaction (a bad signature).
    let mut peer = handshaken(&node);
    let (coin, value) = coinbase_of(&node, 2);
    peer.send("tx", &spend(coin, value, true).serialize());
    assert_disconnected(&node, "invalid transaction", peer);
    assert_eq!(node.rpc("getrawmempool", json!([])), json!([]));

    // 50,001 inventory entries.
    let mut peer = handshaken(&node);
    peer.send("inv", &inv_payload(1, &vec![[7u8; 32]; 50_001]));
    assert_disconnected(&node, "50,001 inv", peer);

    // A bad checksum: the message is dropped, the connection kept.
    let mut peer = handshaken(&node);
    let mut corrupt = frame(REGTEST_MAGIC, "ping", &1u64.to_le_bytes());
    corrupt[20] ^= 0xff;
    peer.send_raw(&corrupt);
    assert_ping_answered(&mut peer, 2);

    // A message cut off mid-payload, then the socket closed: the peer is freed.
    let mut cut = handshaken(&node);
    let before = node.rpc("getconnectioncount", json!([])).as_u64().unwrap();
    let mut partial = frame(REGTEST_MAGIC, "tx", &[0u8; 100]);
    partial.truncate(24 + 10);
    cut.send_raw(&partial);
    cut.close();
    wait_for("the cut-off peer to be freed", CLOSE, || {
        (node.rpc("getconnectioncount", json!([])).as_u64() == Some(before - 1)).then_some(())
    });

    // Loopback peers are disconnected but never discouraged: a new connection works.
    let mut again = handshaken(&node);
    assert_ping_answered(&mut again, 3);
    // The honest peer was served throughout.
    assert_ping_answered(&mut honest, 4);
    honest.send("getheaders", &[&70016u32.to_le_bytes()[..], &compact_size(0), &[0u8; 32]].concat());
    assert_eq!(node.rpc("getblockcount", json!([])), 101);
    let log = node.log();
    for reason in [
        "wrong network magic 5a4e5401",
        "message length 4294967295 exceeds the maximum",
        "headers message size = 2001",
        "invalid block: ",
        "invalid transaction: mandatory-script-verify-flag-failed",
        "inv message size = 50001",
        "not discouraging",
    ] {
        assert!(log.contains(reason), "no '{reason}' in the log:\n{log}");
    }
}

#[test]
fn bans_persist_across_restarts_and_refuse_connections() {
    let mut node = Node::start(&["-connect=0"]);
    node.rpc("setban", json!(["127.0.0.1", "add", 3600]));
    let err = node.try_rpc("setban", json!(["127.0.0.1", "add"])).unwrap_err();
    assert!(err.to_string().contains("-23"), "{err}");
    let err = node.try_rpc("setban", json!(["not-an-ip", "add"])).unwrap_err();
    assert!(err.to_string().contains("-30"), "{err}");
    node.stop();
    node.restart();
    let banned = node.rpc("listbanned", json!([]));
    assert_eq!(banned[0]["address"], "127.0.0.1/32", "{banned}");
    assert!(banned[0]["time_remaining"].as_i64().unwrap() > 3000);
    let mut peer = TestPeer::connect(node.p2p_port);
    peer.send("version", &zennet_tests::wire::version_payload(0));
    assert!(peer.is_closed_within(CLOSE), "a banned address was accepted");
    node.rpc("clearbanned", json!([]));
    assert_eq!(node.rpc("listbanned", json!([])), json!([]));
    let mut peer = handshaken(&node);
    assert_ping_answered(&mut peer, 9);
    let totals = node.rpc("getnettotals", json!([]));
    assert!(totals["totalbytesrecv"].as_u64().unwrap() > 0);
    let info = node.rpc("getnetworkinfo", json!([]));
    assert_eq!(info["connections"], 1);
    assert!(info["subversion"].as_str().unwrap().starts_with("/Zennet:"));
}

#[test]
fn a_peer_announcing_protocol_version_minus_one_is_disconnected() {
    let node = Node::start(&[]);
    // 0xffffffff is -1 read as Core reads it (signed): below the minimum.
    let mut payload = zennet_tests::wire::version_payload(0);
    payload[..4].copy_from_slice(&u32::MAX.to_le_bytes());
    let mut peer = TestPeer::connect(node.p2p_port);
    peer.send("version", &payload);
    assert!(peer.is_closed_within(Duration::from_secs(10)), "a version -1 peer stays connected");
    assert!(node.log().contains("obsolete protocol version -1"), "log:\n{}", node.log());
    // An honest peer still gets through.
    let mut honest = handshaken(&node);
    assert_ping_answered(&mut honest, 3);
}
