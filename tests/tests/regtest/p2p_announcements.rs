//! Announcement bodies over the network: served pruned once expired + 100
//! blocks (unless archiving), accepted pruned when expired, and fetched in
//! full elsewhere when a peer offers an unexpired one pruned.

use std::net::TcpListener;
use std::time::Duration;

use primitives::Block;
use serde_json::json;
use zennet_tests::chain::{announcement, coinbase_of};
use zennet_tests::wire::{headers_payload, parse_inv, TestPeer};
use zennet_tests::{Node, REGTEST_ADDRESS};

const SYNC: Duration = Duration::from_secs(120);

fn mine(node: &Node, blocks: u64) {
    node.rpc("generatetoaddress", json!([blocks, REGTEST_ADDRESS]));
}

/// Mines 101 blocks and a block holding a task announcement with `expiry`;
/// returns the announcement block's height.
fn chain_with_announcement(node: &Node, expiry: u32) -> u64 {
    mine(node, 101);
    let (coin, value) = coinbase_of(node, 1);
    let tx = announcement(coin, value, expiry);
    node.rpc("sendrawtransaction", json!([hex::encode(tx.serialize()), 0]));
    mine(node, 1);
    102
}

fn raw_block(node: &Node, height: u64) -> String {
    let hash = node.rpc("getblockhash", json!([height]));
    node.rpc("getblock", json!([hash, 0])).as_str().expect("hex").to_string()
}

#[test]
fn expired_bodies_are_served_pruned_and_a_fresh_node_accepts_them() {
    let server = Node::start(&["-connect=0"]);
    let height = chain_with_announcement(&server, 1);
    // Expired at height + 1; prunable once height + 1 + 100 blocks are behind the tip.
    mine(&server, 101);
    let archive = Node::start(&["-connect=0", "-pruneannouncements=0"]);
    archive.connect_to(&server);
    archive.wait_for_tip(&server.tip(), SYNC);
    // The server pruned the body from its own store, and the archive node
    // received the pruned form (every serving node has pruned it).
    assert_eq!(raw_block(&archive, height), raw_block(&server, height));
    let stored = Block::from_bytes(&hex::decode(raw_block(&server, height)).unwrap()).unwrap();
    assert!(stored.txdata[1].announcement.as_ref().unwrap().body.is_pruned());

    let fresh = Node::start(&["-connect=0"]);
    fresh.connect_to(&archive);
    fresh.wait_for_tip(&server.tip(), SYNC);
    assert_eq!(fresh.utxo_hash(), server.utxo_hash());
    assert_eq!(raw_block(&fresh, height), raw_block(&archive, height));
    let block: Block = Block::from_bytes(&hex::decode(raw_block(&fresh, height)).unwrap()).unwrap();
    assert!(block.txdata[1].announcement.as_ref().unwrap().body.is_pruned());

    // An archive node keeps serving the body in full when it has it.
    let archive_full = Node::start(&["-connect=0", "-pruneannouncements=0"]);
    let h2 = chain_with_announcement(&archive_full, 1);
    mine(&archive_full, 101);
    // (The receiver archives too: a pruning node drops the body from its own
    // store as soon as the block is connected, this one being long expired.)
    let fresh2 = Node::start(&["-connect=0", "-pruneannouncements=0"]);
    fresh2.connect_to(&archive_full);
    fresh2.wait_for_tip(&archive_full.tip(), SYNC);
    assert_eq!(raw_block(&fresh2, h2), raw_block(&archive_full, h2));
    let kept = Block::from_bytes(&hex::decode(raw_block(&fresh2, h2)).unwrap()).unwrap();
    assert!(!kept.txdata[1].announcement.as_ref().unwrap().body.is_pruned());
}

#[test]
fn an_unexpired_body_offered_pruned_is_fetched_in_full_from_another_peer() {
    let honest = Node::start(&["-connect=0"]);
    let height = chain_with_announcement(&honest, 1_000);
    let blocks: Vec<Vec<u8>> = (1..=height).map(|h| hex::decode(raw_block(&honest, h)).unwrap()).collect();
    let headers: Vec<Vec<u8>> = blocks.iter().map(|b| b[..80].to_vec()).collect();

    // The test peer serves every block, the last with its announcement pruned.
    let fresh = Node::start(&["-connect=0"]);
    let listener = TcpListener::bind("127.0.0.1:0").expect("listen");
    let port = listener.local_addr().unwrap().port();
    fresh.rpc("addnode", json!([format!("127.0.0.1:{port}"), "onetry"]));
    let mut peer = TestPeer::accept(&listener);
    peer.handshake(height as i32);
    peer.send("headers", &headers_payload(&headers));
    let last = Block::from_bytes(blocks.last().unwrap()).unwrap();
    let mut pruned = last.clone();
    pruned.txdata[1] = pruned.txdata[1].to_pruned();
    let by_hash: std::collections::HashMap<[u8; 32], Vec<u8>> = blocks
        .iter()
        .map(|b| {
            let block = Block::from_bytes(b).unwrap();
            let bytes = if block.block_hash() == last.block_hash() { pruned.serialize() } else { b.clone() };
            (bitcoin::hashes::Hash::to_byte_array(block.block_hash()), bytes)
        })
        .collect();
    let mut served_pruned = false;
    while !served_pruned {
        let Some((command, payload)) = peer.recv(SYNC) else { panic!("the node closed the connection") };
        match command.as_str() {
            "getdata" => {
                for (_, hash) in parse_inv(&payload) {
                    let block = by_hash.get(&hash).expect("a block we announced");
                    peer.send("block", block);
                    served_pruned |= hash == bitcoin::hashes::Hash::to_byte_array(last.block_hash());
                }
            }
            "ping" => peer.send("pong", &payload),
            _ => {}
        }
    }
    zennet_tests::wait_for("the block before the announcement", SYNC, || {
        (fresh.rpc("getblockcount", json!([])).as_u64() == Some(height - 1)).then_some(())
    });
    // Not invalid: the honest peer completes it.
    fresh.connect_to(&honest);
    fresh.wait_for_tip(&honest.tip(), SYNC);
    assert_eq!(raw_block(&fresh, height), raw_block(&honest, height));
    let tips = fresh.rpc("getchaintips", json!([]));
    assert!(!tips.to_string().contains("invalid"), "{tips}");
    assert!(fresh.log().contains("fetching it in full from another peer"), "{}", fresh.log());
}
