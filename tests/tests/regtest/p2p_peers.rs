//! Finding and keeping peers: the address book (addr, getaddr, peers.dat),
//! automatic outbound connections, -seednode, -connect, and eviction of an
//! inbound peer when every slot is taken.

use std::time::Duration;

use serde_json::json;
use zennet_tests::wire::{compact_size, TestPeer};
use zennet_tests::{wait_for, Node};

fn handshaken(node: &Node) -> TestPeer {
    TestPeer::handshaken(node.p2p_port)
}

fn has_inbound(node: &Node) -> Option<()> {
    let peers = node.rpc("getpeerinfo", json!([]));
    peers.as_array()?.iter().any(|p| p["inbound"] == true && p["version"].as_u64() > Some(0)).then_some(())
}

/// One `addr` entry for 127.0.0.1:`port`, seen now.
fn addr_payload(port: u16) -> Vec<u8> {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as u32;
    let mut p = compact_size(1);
    p.extend_from_slice(&now.to_le_bytes());
    p.extend_from_slice(&9u64.to_le_bytes());
    p.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]);
    p.extend_from_slice(&port.to_be_bytes());
    p
}

#[test]
fn addresses_heard_of_are_kept_shared_and_used_for_outbound_connections() {
    let target = Node::start(&["-connect=0"]);
    let mut node = Node::start(&[]);
    let mut peer = handshaken(&node);
    peer.send("addr", &addr_payload(target.p2p_port));
    wait_for("an automatic outbound connection to the advertised node", Duration::from_secs(60), || {
        has_inbound(&target)
    });
    let outbound = node.rpc("getpeerinfo", json!([]));
    assert!(outbound.to_string().contains("outbound-full-relay"), "{outbound}");

    // Inbound peers asking with getaddr hear of it.
    let mut asker = handshaken(&node);
    asker.send("getaddr", &[]);
    let addrs = asker.expect("addr", Duration::from_secs(15));
    assert!(addrs.windows(2).any(|w| w == target.p2p_port.to_be_bytes()), "{}", hex::encode(&addrs));

    // The address book survives a restart (peers.dat).
    let known = |n: &Node| {
        let list = n.rpc("getnodeaddresses", json!([0]));
        list.as_array().unwrap().iter().any(|a| a["port"] == target.p2p_port)
    };
    assert!(known(&node));
    node.stop();
    assert!(node.network_dir().join("peers.dat").exists());
    node.restart();
    assert!(known(&node));
}

#[test]
fn seed_nodes_give_addresses_and_connect_limits_outbound_to_its_list() {
    let target = Node::start(&["-connect=0"]);
    let seed = Node::start(&["-connect=0"]);
    let mut teller = handshaken(&seed);
    teller.send("addr", &addr_payload(target.p2p_port));
    wait_for("the seed to learn the address", Duration::from_secs(30), || {
        seed.rpc("getnodeaddresses", json!([0])).as_array()?.iter().any(|a| a["port"] == target.p2p_port).then_some(())
    });

    let seed_arg = format!("-seednode=127.0.0.1:{}", seed.p2p_port);
    let node = Node::start(&[&seed_arg]);
    wait_for("a connection to the address learned from the seed", Duration::from_secs(60), || has_inbound(&target));
    // The seed connection was for addresses only.
    wait_for("the seed connection to end", Duration::from_secs(30), || {
        let peers = node.rpc("getpeerinfo", json!([]));
        (!peers.to_string().contains("addr-fetch")).then_some(())
    });

    // -connect: that node only, and no listening unless asked.
    let connect_arg = format!("-connect=127.0.0.1:{}", seed.p2p_port);
    let only = Node::start(&[&connect_arg]);
    wait_for("the -connect peer", Duration::from_secs(30), || {
        let peers = only.rpc("getpeerinfo", json!([]));
        let list = peers.as_array()?;
        (list.len() == 1 && list[0]["connection_type"] == "manual" && list[0]["version"].as_u64() > Some(0))
            .then_some(())
    });
    assert!(std::net::TcpStream::connect(("127.0.0.1", only.p2p_port)).is_err(), "-connect node is listening");
}

#[test]
fn a_new_inbound_peer_evicts_an_unprotected_one_when_slots_are_full() {
    // 40 connections leave 29 inbound slots (room is kept for 11 outbound).
    let node = Node::start(&["-connect=0", "-maxconnections=40"]);
    let mut peers: Vec<TestPeer> = (0..29).map(|_| handshaken(&node)).collect();
    let mut newcomer = handshaken(&node);
    newcomer.send("ping", &5u64.to_le_bytes());
    assert_eq!(newcomer.expect("pong", Duration::from_secs(15)), 5u64.to_le_bytes());
    let evicted = wait_for("an eviction", Duration::from_secs(15), || {
        peers.iter_mut().position(|p| p.is_closed_within(Duration::from_millis(50)))
    });
    peers.remove(evicted);
    assert_eq!(node.rpc("getconnectioncount", json!([])), 29);
    assert!(node.log().contains("evicted to make room"), "{}", node.log());
}

#[test]
fn getdata_answers_with_core_serializations_and_notfound() {
    let node = Node::start(&["-connect=0"]);
    node.rpc("generatetoaddress", json!([1, zennet_tests::REGTEST_ADDRESS]));
    let hash_hex = node.tip();
    let with_witness = hex::decode(node.rpc("getblock", json!([hash_hex, 0])).as_str().unwrap()).unwrap();
    let mut hash: [u8; 32] = hex::decode(&hash_hex).unwrap().try_into().unwrap();
    hash.reverse();

    let mut peer = handshaken(&node);
    peer.send("getdata", &zennet_tests::wire::inv_payload(0x4000_0002, &[hash]));
    assert_eq!(peer.expect("block", Duration::from_secs(15)), with_witness);
    // MSG_BLOCK: the coinbase without marker, flag and its one 32-byte witness item (2 + 1 + 1 + 32 bytes).
    peer.send("getdata", &zennet_tests::wire::inv_payload(2, &[hash]));
    let stripped = peer.expect("block", Duration::from_secs(15));
    assert_eq!(stripped.len(), with_witness.len() - 36);
    assert_eq!(&stripped[..81], &with_witness[..81]);
    assert_eq!(&stripped[85..87], &with_witness[87..89], "inputs follow the version directly");
    // Unknown items come back in notfound.
    peer.send("getdata", &zennet_tests::wire::inv_payload(0x4000_0002, &[[9u8; 32]]));
    let missing = peer.expect("notfound", Duration::from_secs(15));
    assert_eq!(zennet_tests::wire::parse_inv(&missing), vec![(0x4000_0002, [9u8; 32])]);
}

/// -blocksonly as Core: the node asks for no transaction announcements
/// (relay=false in its version), takes none, and still relays its own.
#[test]
fn blocksonly_takes_no_transactions_but_relays_its_own() {
    let a = Node::start(&[]);
    let b = Node::start(&["-blocksonly"]);
    b.connect_to(&a);
    a.mine(101);
    zennet_tests::sync_tips(&[&a, &b], std::time::Duration::from_secs(60));
    assert_eq!(b.rpc("getnetworkinfo", serde_json::json!([]))["localrelay"], false);
    let peers = a.rpc("getpeerinfo", serde_json::json!([]));
    assert_eq!(peers[0]["relaytxes"], false, "a knows b wants no transactions: {peers}");
    // A transaction submitted to b over RPC reaches a.
    let (coin, value) = zennet_tests::chain::coinbase_of(&a, 1);
    let tx = zennet_tests::chain::spend(coin, value, false);
    let txid = b.rpc("sendrawtransaction", serde_json::json!([hex::encode(tx.serialize())]));
    a.wait_in_mempool(txid.as_str().unwrap(), std::time::Duration::from_secs(60));
}
