//! Core's peer permissions and connection limits: `-whitelist`,
//! `-whitebind`, `-peertimeout`, the `mempool` message, and
//! `-maxuploadtarget` (historical blocks refused past the target unless the
//! peer has `download`).

use std::time::Duration;

use serde_json::json;
use zennet_tests::chain::{block_on, coinbase_of, spend};
use zennet_tests::wire::TestPeer;
use zennet_tests::{free_port, wait_for, Node, REGTEST_ADDRESS};

const DEADLINE: Duration = Duration::from_secs(30);

fn ping_answered(peer: &mut TestPeer, nonce: u64) {
    peer.send("ping", &nonce.to_le_bytes());
    loop {
        if peer.expect("pong", Duration::from_secs(15)) == nonce.to_le_bytes() {
            return;
        }
    }
}

fn inbound_permissions(node: &Node) -> Vec<serde_json::Value> {
    let peers = node.rpc("getpeerinfo", json!([]));
    peers.as_array().unwrap().iter().filter(|p| p["inbound"] == true).map(|p| p["permissions"].clone()).collect()
}

#[test]
fn a_noban_peer_stays_connected_after_misbehaving() {
    let node = Node::start(&["-connect=0", "-whitelist=noban@127.0.0.1"]);
    node.rpc("generatetoaddress", json!([101, REGTEST_ADDRESS]));
    let mut peer = TestPeer::handshaken(node.p2p_port);
    wait_for("the peer in getpeerinfo", DEADLINE, || (!inbound_permissions(&node).is_empty()).then_some(()));
    assert_eq!(inbound_permissions(&node), vec![json!(["noban", "download"])]);

    // An invalid block (a bad signature) would disconnect any other peer.
    let (coin, value) = coinbase_of(&node, 1);
    let bad = block_on(&node, vec![spend(coin, value, true)]);
    peer.send("block", &bad.serialize());
    wait_for("the warning", DEADLINE, || node.log().contains("not punishing noban peer").then_some(()));
    ping_answered(&mut peer, 7);
    assert_eq!(node.rpc("listbanned", json!([])), json!([]));

    // Without the permission a `mempool` request disconnects (no bloom filters, as Core).
    assert!(!peer.is_closed_within(Duration::from_secs(1)));
    let plain = Node::start(&["-connect=0"]);
    let mut other = TestPeer::handshaken(plain.p2p_port);
    other.send("mempool", &[]);
    assert!(other.is_closed_within(Duration::from_secs(15)), "mempool without permission kept\n{}", plain.log());
}

#[test]
fn whitebind_grants_its_permissions_and_whitelist_defaults_as_core() {
    let port = free_port();
    let whitebind = format!("-whitebind=relay,mempool@127.0.0.1:{port}");
    let node = Node::start(&["-connect=0", &whitebind]);
    let mut peer = TestPeer::handshaken(port);
    wait_for("the peer", DEADLINE, || (!inbound_permissions(&node).is_empty()).then_some(()));
    assert_eq!(inbound_permissions(&node), vec![json!(["relay", "mempool"])]);
    // The mempool permission: a `mempool` request is answered, not punished.
    peer.send("mempool", &[]);
    ping_answered(&mut peer, 1);
    drop(peer);

    let plain = TestPeer::handshaken(node.p2p_port);
    wait_for("the plain peer alone", DEADLINE, || (inbound_permissions(&node) == vec![json!([])]).then_some(()));
    drop(plain);

    let implicit = Node::start(&["-connect=0", "-whitelist=127.0.0.1"]);
    let _peer = TestPeer::handshaken(implicit.p2p_port);
    wait_for("the whitelisted peer", DEADLINE, || (!inbound_permissions(&implicit).is_empty()).then_some(()));
    assert_eq!(inbound_permissions(&implicit), vec![json!(["noban", "relay", "mempool", "download"])]);

    let output = std::process::Command::new(zennet_tests::bin_dir().join("zennetd"))
        .args(["-regtest", "-whitelist=nobna@127.0.0.1"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stderr).trim(), "Error: Invalid P2P permission: 'nobna'");
}

#[test]
fn peertimeout_bounds_the_handshake() {
    let node = Node::start(&["-connect=0", "-peertimeout=2"]);
    let mut silent = TestPeer::connect(node.p2p_port);
    assert!(silent.is_closed_within(Duration::from_secs(15)), "a silent connection was kept\n{}", node.log());
    assert!(node.log().contains("version handshake timeout"));
}

#[test]
fn maxuploadtarget_refuses_historical_blocks_except_to_download_peers() {
    let mut server = Node::start(&["-maxuploadtarget=1"]);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64;
    // Ten blocks eight days old, then one of today: the ten are "historical".
    server.rpc("setmocktime", json!([now - 8 * 24 * 3600]));
    server.rpc("generatetoaddress", json!([10, REGTEST_ADDRESS]));
    server.rpc("setmocktime", json!([0]));
    server.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    let totals = server.rpc("getnettotals", json!([]))["uploadtarget"].clone();
    assert_eq!(totals["target"], 1 << 20);
    assert_eq!(totals["serve_historical_blocks"], false);
    assert_eq!(totals["timeframe"], 86400);

    let client = Node::start(&[]);
    // The server hangs up as soon as the first old block is asked for.
    client.rpc("addnode", json!([format!("127.0.0.1:{}", server.p2p_port), "onetry"]));
    wait_for("the refusal", DEADLINE, || server.log().contains("historical block serving limit reached").then_some(()));
    assert_eq!(client.height(), 0);

    server.stop();
    server.restart_with(&["-whitelist=download@127.0.0.1"]);
    client.connect_to(&server);
    client.wait_for_tip(&server.tip(), DEADLINE);
}
