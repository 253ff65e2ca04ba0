//! Nodes that talk to each other: relay along a line, partition and heal,
//! initial block download from two peers, and a stalling peer.

use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::json;
use zennet_tests::chain::{announcement, coinbase_of, spend};
use zennet_tests::wire::{headers_payload, TestPeer};
use zennet_tests::{wait_for, Node, REGTEST_ADDRESS};

const SYNC: Duration = Duration::from_secs(120);

fn start_quiet() -> Node {
    Node::start(&["-connect=0"])
}

fn mine(node: &Node, blocks: u64, algo: &str) -> Vec<String> {
    let hashes = node.rpc("generatetoaddress", json!([blocks, REGTEST_ADDRESS, 1_000_000, algo]));
    hashes.as_array().expect("hashes").iter().map(|h| h.as_str().expect("hash").to_string()).collect()
}

fn in_mempool(node: &Node, txid: &str) -> bool {
    node.rpc("getrawmempool", json!([])).as_array().expect("mempool").iter().any(|t| t == txid)
}

fn send_raw(node: &Node, tx: &primitives::Transaction) -> String {
    node.rpc("sendrawtransaction", json!([hex::encode(tx.serialize()), 0])).as_str().expect("txid").to_string()
}

#[test]
fn blocks_transactions_and_announcements_cross_a_line_of_three_nodes() {
    let (a, b, c) = (start_quiet(), start_quiet(), start_quiet());
    b.connect_to(&a);
    c.connect_to(&b);
    for algo in ["sha256d", "scrypt", "groestl", "skein", "argon2d"] {
        mine(&a, 2, algo);
    }
    mine(&a, 100, "sha256d");
    c.wait_for_tip(&a.tip(), SYNC);
    let algos: Vec<String> = (1..=10)
        .map(|h| {
            let hash = c.rpc("getblockhash", json!([h]));
            c.rpc("getblock", json!([hash]))["pow_algo"].as_str().expect("algo").to_string()
        })
        .collect();
    assert_eq!(algos.iter().collect::<std::collections::BTreeSet<_>>().len(), 5, "{algos:?}");

    // A payment and an announcement handed to C reach A through B.
    let (coin, value) = coinbase_of(&a, 1);
    let payment = send_raw(&c, &spend(coin, value, false));
    let (coin, value) = coinbase_of(&a, 2);
    let task = send_raw(&c, &announcement(coin, value, 50));
    wait_for("both transactions in A's mempool", SYNC, || {
        (in_mempool(&a, &payment) && in_mempool(&a, &task)).then_some(())
    });
    assert!(in_mempool(&b, &payment) && in_mempool(&b, &task));

    // A mines them; the block reaches C and empties its mempool.
    let block = mine(&a, 1, "skein").pop().expect("block");
    c.wait_for_tip(&block, SYNC);
    wait_for("C's mempool to empty", SYNC, || c.rpc("getrawmempool", json!([])).as_array()?.is_empty().then_some(()));
    assert_eq!(a.utxo_hash(), c.utxo_hash());
    let info = c.rpc("getblockchaininfo", json!([]));
    assert_eq!(info["headers"], info["blocks"]);
    assert_eq!(info["verificationprogress"], 1.0);
}

#[test]
fn partitioned_halves_converge_on_the_most_work_chain() {
    let nodes: Vec<Node> = (0..4).map(|_| start_quiet()).collect();
    for pair in nodes.windows(2) {
        pair[1].connect_to(&pair[0]);
    }
    mine(&nodes[0], 5, "sha256d");
    let common = nodes[0].tip();
    for n in &nodes {
        n.wait_for_tip(&common, SYNC);
    }
    // Split between 1 and 2; each half mines its own chain, the right one longer.
    nodes[2].disconnect_from(&nodes[1]);
    mine(&nodes[0], 3, "scrypt");
    let right = mine(&nodes[3], 6, "groestl").pop().expect("tip");
    nodes[1].wait_for_tip(&nodes[0].tip(), SYNC);
    nodes[2].wait_for_tip(&right, SYNC);
    assert_ne!(nodes[1].tip(), nodes[2].tip());

    nodes[2].connect_to(&nodes[1]);
    for n in &nodes {
        n.wait_for_tip(&right, SYNC);
    }
    let hashes: Vec<String> = nodes.iter().map(Node::utxo_hash).collect();
    assert!(hashes.windows(2).all(|w| w[0] == w[1]), "{hashes:?}");
    let tips = nodes[0].rpc("getchaintips", json!([]));
    assert!(tips.as_array().expect("tips").iter().any(|t| t["status"] == "valid-fork"), "{tips}");
}

/// A chain of `blocks` blocks on `node` with a payment in every third block
/// once coins are mature (while regtest's halvings leave coinbases worth
/// spending). The node's clock is mocked one second per block, ending in the
/// past, so that block times never run ahead of the other nodes' clocks.
fn build_chain_with_transactions(node: &Node, blocks: u64) {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    let start = now - 2 * blocks;
    for height in 1..=blocks {
        node.rpc("setmocktime", json!([start + height]));
        if height > 101 && height % 3 == 0 {
            let (coin, value) = coinbase_of(node, height - 101);
            if value >= 1_000_000 {
                send_raw(node, &spend(coin, value, false));
            }
        }
        mine(node, 1, "sha256d");
    }
    node.rpc("setmocktime", json!([0]));
}

fn sync_from_two_peers(blocks: u64) {
    let a = start_quiet();
    build_chain_with_transactions(&a, blocks);
    let b = start_quiet();
    b.connect_to(&a);
    b.wait_for_tip(&a.tip(), Duration::from_secs(600));

    let fresh = start_quiet();
    let started = Instant::now();
    fresh.connect_to(&a);
    fresh.connect_to(&b);
    fresh.wait_for_tip(&a.tip(), Duration::from_secs(1800));
    let elapsed = started.elapsed();
    eprintln!(
        "synced {blocks} blocks from two peers in {elapsed:.1?}: {:.0} blocks/s",
        blocks as f64 / elapsed.as_secs_f64()
    );
    assert_eq!(fresh.utxo_hash(), a.utxo_hash());
    assert_eq!(fresh.utxo_hash(), b.utxo_hash());
    // Both peers served blocks.
    let peers = fresh.rpc("getpeerinfo", json!([]));
    for p in peers.as_array().expect("peers") {
        let received = p["bytesrecv_per_msg"]["block"].as_u64().unwrap_or(0);
        assert!(received > 0, "peer {} sent no blocks: {p}", p["addr"]);
    }
    let info = fresh.rpc("getblockchaininfo", json!([]));
    assert_eq!((info["blocks"].as_u64(), info["headers"].as_u64()), (Some(blocks), Some(blocks)));

    // Baseline in the same run: connecting the same stored blocks again locally (-reindex).
    let mut fresh = fresh;
    fresh.stop();
    let started = Instant::now();
    fresh.restart_with(&["-reindex"]);
    let reindex = started.elapsed();
    assert_eq!(fresh.utxo_hash(), a.utxo_hash());
    eprintln!(
        "baseline: -reindex of the same {blocks} blocks in {reindex:.1?}; sync over P2P took {:.2}x as long",
        elapsed.as_secs_f64() / reindex.as_secs_f64()
    );
}

#[test]
fn a_fresh_node_syncs_a_thousand_blocks_from_two_peers() {
    sync_from_two_peers(1_000);
}

#[test]
#[ignore = "soak: 5,000 blocks"]
fn soak_a_fresh_node_syncs_five_thousand_blocks_from_two_peers() {
    sync_from_two_peers(5_000);
}

#[test]
fn a_stalling_peer_is_dropped_and_the_sync_finishes_from_the_other() {
    let a = start_quiet();
    mine(&a, 300, "sha256d");
    let headers: Vec<Vec<u8>> = (1..=300)
        .map(|h| {
            let hash = a.rpc("getblockhash", json!([h]));
            hex::decode(a.rpc("getblockheader", json!([hash, false])).as_str().expect("hex")).expect("hex")
        })
        .collect();

    // The stalling peer announces the whole chain first, then never answers getdata.
    let fresh = start_quiet();
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().expect("addr").port();
    fresh.rpc("addnode", json!([format!("127.0.0.1:{port}"), "onetry"]));
    let mut staller = TestPeer::accept(&listener);
    staller.handshake(300);
    staller.send("headers", &headers_payload(&headers));
    let asked = staller.expect("getdata", Duration::from_secs(30));
    assert!(!asked.is_empty());

    fresh.connect_to(&a);
    fresh.wait_for_tip(&a.tip(), SYNC);
    assert!(staller.is_closed_within(Duration::from_secs(30)), "the staller was not disconnected");
    assert!(fresh.log().contains("stalling block download"), "{}", fresh.log());
}

#[test]
fn blocks_of_a_chain_below_the_minimum_chain_work_are_not_downloaded() {
    let a = start_quiet();
    mine(&a, 20, "sha256d");
    // Regtest work is 2 per block: 20 blocks are far below 2^40.
    let mut fresh = Node::start(&["-connect=0", "-minimumchainwork=10000000000"]);
    fresh.connect_to(&a);
    // Blocks are chosen in the same step that records the peer's headers, so
    // once getpeerinfo shows them the decision not to download has been made.
    let peers = wait_for("the peer's headers", SYNC, || {
        let peers = fresh.rpc("getpeerinfo", json!([]));
        (peers[0]["synced_headers"].as_u64() == Some(20)).then_some(peers)
    });
    assert_eq!(peers[0]["inflight"], json!([]), "{peers}");
    assert_eq!(fresh.rpc("getblockchaininfo", json!([]))["headers"], 20);
    assert_eq!(fresh.rpc("getblockcount", json!([])), 0);
    fresh.stop();
    fresh.restart_with(&["-minimumchainwork=0"]);
    fresh.connect_to(&a);
    fresh.wait_for_tip(&a.tip(), SYNC);
}
