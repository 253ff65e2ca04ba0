//! Per-peer limits that keep one peer from making the node work for it
//! (Core's): transaction requests and address relay.

use std::time::{Duration, Instant};

use serde_json::json;
use zennet_tests::wire::{compact_size, inv_payload, parse_inv, TestPeer};
use zennet_tests::Node;

const MSG_TX: u32 = 1;

fn hash(n: u32) -> [u8; 32] {
    let mut h = [0u8; 32];
    h[..4].copy_from_slice(&n.to_le_bytes());
    h[31] = 0xaa;
    h
}

#[test]
fn a_peer_announcing_150000_transactions_gets_100_requests_at_a_time_and_5000_in_all() {
    let node = Node::start(&["-connect=0"]);
    let mut peer = TestPeer::handshaken(node.p2p_port);
    for chunk in 0..3u32 {
        let hashes: Vec<[u8; 32]> = (chunk * 50_000..(chunk + 1) * 50_000).map(hash).collect();
        peer.send("inv", &inv_payload(MSG_TX, &hashes));
    }
    // Answer every request with notfound; count what is asked and how much at once.
    let (mut requested, mut most_at_once, mut rounds) = (0usize, 0usize, 0);
    let started = Instant::now();
    // Until 5,000 are asked for (each answer frees its slots at once), then
    // a quiet spell in which nothing more is asked.
    let quiet = |requested: usize| Duration::from_secs(if requested < 5_000 { 30 } else { 3 });
    while let Some((command, payload)) = peer.next_within(quiet(requested)) {
        if command != "getdata" {
            continue;
        }
        let items = parse_inv(&payload);
        requested += items.len();
        most_at_once = most_at_once.max(items.len());
        rounds += 1;
        let hashes: Vec<[u8; 32]> = items.iter().map(|(_, h)| *h).collect();
        let kind = items.first().map_or(MSG_TX, |(k, _)| *k);
        peer.send("notfound", &inv_payload(kind, &hashes));
        assert!(started.elapsed() < Duration::from_secs(120), "still requesting after two minutes");
    }
    eprintln!(
        "150,000 announcements: {requested} requested in {rounds} getdata messages, at most {most_at_once} at once"
    );
    assert!(most_at_once <= 100, "{most_at_once} requested at once");
    assert_eq!(requested, 5_000, "announcements tracked per peer");
    // The node still serves the peer.
    peer.send("ping", &5u64.to_le_bytes());
    assert_eq!(peer.expect("pong", Duration::from_secs(15)), 5u64.to_le_bytes());
}

/// An `addr` message of 1,000 loopback addresses numbered from `first`.
fn addr_payload(first: u32) -> Vec<u8> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as u32;
    let mut p = compact_size(1_000);
    for n in first..first + 1_000 {
        p.extend_from_slice(&now.to_le_bytes());
        p.extend_from_slice(&9u64.to_le_bytes());
        let [_, a, b, c] = n.to_be_bytes();
        p.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, a, b, c.max(2)]);
        p.extend_from_slice(&(20_000 + (n % 1_000) as u16).to_be_bytes());
    }
    p
}

#[test]
fn addresses_from_one_peer_are_rate_limited_and_dial_nothing() {
    let node = Node::start(&["-connect=0"]);
    let mut peer = TestPeer::handshaken(node.p2p_port);
    let started = Instant::now();
    for i in 0..200 {
        peer.send("addr", &addr_payload(i * 1_000));
    }
    // Processed in order: a ping after them is answered once they are.
    peer.send("ping", &9u64.to_le_bytes());
    assert_eq!(peer.expect("pong", Duration::from_secs(60)), 9u64.to_le_bytes());
    let elapsed = started.elapsed().as_secs_f64();
    let stored = node.rpc("getnodeaddresses", json!([0])).as_array().unwrap().len();
    let info = node.rpc("getpeerinfo", json!([]));
    eprintln!(
        "200 addr messages of 1,000 in {elapsed:.1} s: {stored} stored, processed {}, rate-limited {}",
        info[0]["addr_processed"], info[0]["addr_rate_limited"]
    );
    // An inbound peer starts with one token and earns 0.1 a second.
    assert!(stored as f64 <= 1.0 + 0.1 * elapsed + 1.0, "{stored} addresses stored from one peer");
    assert!(info[0]["addr_rate_limited"].as_u64().unwrap() >= 199_000);
    assert_eq!(node.rpc("getconnectioncount", json!([])), 1, "no outbound connections were made");
}

#[test]
fn an_outbound_peer_asked_with_getaddr_may_send_one_answer_in_full() {
    let node = Node::start(&["-connect=0"]);
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    node.rpc("addnode", json!([format!("127.0.0.1:{port}"), "onetry"]));
    let mut peer = TestPeer::accept(&listener);
    peer.handshake(0);
    peer.expect("getaddr", Duration::from_secs(15));
    let started = Instant::now();
    for i in 0..200 {
        peer.send("addr", &addr_payload(i * 1_000));
    }
    peer.send("ping", &11u64.to_le_bytes());
    assert_eq!(peer.expect("pong", Duration::from_secs(60)), 11u64.to_le_bytes());
    let elapsed = started.elapsed().as_secs_f64();
    let info = node.rpc("getpeerinfo", json!([]));
    let processed = info[0]["addr_processed"].as_u64().unwrap();
    let stored = node.rpc("getnodeaddresses", json!([0])).as_array().unwrap().len();
    eprintln!("outbound peer, 200 addr messages: {processed} processed, {stored} stored in the address book");
    // One getaddr answer's worth (1,000), the starting token and 0.1 a second.
    assert!(processed as f64 <= 1_001.0 + 0.1 * elapsed + 1.0, "{processed} processed");
    assert!(processed >= 1_000, "the answer to our getaddr is processed in full");
    assert!(stored as u64 <= processed);
}

#[test]
fn unconnecting_headers_are_answered_with_one_getheaders_and_never_a_disconnect() {
    let node = Node::start(&["-connect=0"]);
    let mut peer = TestPeer::connect(node.p2p_port);
    peer.handshake(0);
    // Headers whose parents the node does not know, as announcements racing
    // the answer to its getheaders would be.
    let unconnected = |n: u8| {
        let mut header = vec![0u8; 80];
        header[0] = 0x20;
        header[4..36].copy_from_slice(&[n; 32]);
        header
    };
    for n in 1..=15 {
        peer.send("headers", &zennet_tests::wire::headers_payload(&[unconnected(n)]));
    }
    peer.send("ping", &21u64.to_le_bytes());
    let mut getheaders = 0;
    loop {
        let (command, payload) = peer.next_within(Duration::from_secs(15)).expect("the node keeps the connection");
        match command.as_str() {
            "getheaders" => getheaders += 1,
            "pong" if payload == 21u64.to_le_bytes() => break,
            _ => {}
        }
    }
    // Its handshake getheaders is still unanswered: no more were sent.
    assert!(getheaders <= 1, "{getheaders} getheaders for 15 unconnecting headers messages");
    // Answered (with nothing new), the next unconnecting headers bring one getheaders.
    peer.send("headers", &zennet_tests::wire::headers_payload(&[]));
    peer.send("headers", &zennet_tests::wire::headers_payload(&[unconnected(99)]));
    peer.expect("getheaders", Duration::from_secs(15));
    assert_eq!(node.rpc("getconnectioncount", json!([])), 1);
}
