//! ZeroMQ notifications as Core's: a subscriber written here receives
//! hashblock, rawtx and sequence messages in order, each publisher with
//! consecutive sequence numbers, for 100 blocks and 100 transactions.

use std::time::{Duration, Instant};

use serde_json::json;
use zennet_tests::{free_port, Node};
use zeromq::{Socket, SocketRecv, ZmqMessage};

struct Subscriber {
    runtime: tokio::runtime::Runtime,
    socket: zeromq::SubSocket,
}

impl Subscriber {
    fn connect(address: &str) -> Subscriber {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mut socket = zeromq::SubSocket::new();
        runtime.block_on(async {
            socket.connect(address).await.unwrap();
            socket.subscribe("").await.unwrap();
        });
        Subscriber { runtime, socket }
    }

    fn recv(&mut self, wait: Duration) -> Option<(String, Vec<u8>, u32)> {
        let socket = &mut self.socket;
        let message: ZmqMessage =
            self.runtime.block_on(async { tokio::time::timeout(wait, socket.recv()).await }).ok()?.ok()?;
        let topic = String::from_utf8(message.get(0)?.to_vec()).ok()?;
        let body = message.get(1)?.to_vec();
        let sequence = u32::from_le_bytes(message.get(2)?.as_ref().try_into().ok()?);
        Some((topic, body, sequence))
    }
}

fn display(hex_hash: &str) -> Vec<u8> {
    hex::decode(hex_hash).unwrap()
}

#[test]
fn hashblock_rawtx_and_sequence_in_order() {
    let ports = [free_port(), free_port(), free_port()];
    let addresses: Vec<String> = ports.iter().map(|p| format!("tcp://127.0.0.1:{p}")).collect();
    let node = Node::start(&[
        "-fallbackfee=0.0002",
        &format!("-zmqpubhashblock={}", addresses[0]),
        &format!("-zmqpubrawtx={}", addresses[1]),
        &format!("-zmqpubsequence={}", addresses[2]),
    ]);
    let listed = node.rpc("getzmqnotifications", json!([]));
    assert_eq!(listed[0], json!({"type": "pubhashblock", "address": addresses[0], "hwm": 1000}));
    assert_eq!(listed.as_array().unwrap().len(), 3);
    node.rpc("createwallet", json!(["w"]));
    let mine_to = node.wallet_rpc("w", "getnewaddress", json!([]));
    let mut blocks = Subscriber::connect(&addresses[0]);
    let mut txs = Subscriber::connect(&addresses[1]);
    let mut sequence = Subscriber::connect(&addresses[2]);

    // A subscription takes effect shortly after connecting: mine until heard.
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut last = loop {
        assert!(Instant::now() < deadline, "no hashblock message within 60 s");
        node.rpc("generatetoaddress", json!([1, mine_to]));
        if let Some((topic, _, seq)) = blocks.recv(Duration::from_millis(500)) {
            assert_eq!(topic, "hashblock");
            break seq;
        }
    };
    // Drain what came meanwhile, then 100 blocks in one call.
    while let Some((_, _, seq)) = blocks.recv(Duration::from_millis(300)) {
        last = seq;
    }
    let start = node.height();
    let hashes = node.rpc("generatetoaddress", json!([100, mine_to]));
    for (i, expected) in hashes.as_array().unwrap().iter().enumerate() {
        let (topic, body, seq) = blocks.recv(Duration::from_secs(30)).expect("a hashblock message");
        assert_eq!(topic, "hashblock");
        assert_eq!(body, display(expected.as_str().unwrap()), "block {} in order", start + 1 + i as u64);
        assert_eq!(seq, last.wrapping_add(1), "consecutive sequence numbers");
        last = seq;
    }

    // Coins to spend: mature coinbases, one per payment.
    node.rpc("generatetoaddress", json!([100, mine_to]));
    // Drain the raw transactions of the coinbases so far, and the sequence feed.
    while txs.recv(Duration::from_millis(300)).is_some() {}
    while sequence.recv(Duration::from_millis(300)).is_some() {}
    let mut sent = Vec::new();
    for _ in 0..100 {
        let txid = node.wallet_rpc("w", "sendtoaddress", json!([zennet_tests::REGTEST_ADDRESS, 0.01]));
        sent.push(txid.as_str().unwrap().to_string());
    }
    let mut previous: Option<u32> = None;
    for txid in &sent {
        let (topic, body, seq) = txs.recv(Duration::from_secs(30)).expect("a rawtx message");
        assert_eq!(topic, "rawtx");
        let decoded = node.rpc("decoderawtransaction", json!([hex::encode(&body)]));
        assert_eq!(decoded["txid"].as_str().unwrap(), txid, "transactions in order");
        if let Some(p) = previous {
            assert_eq!(seq, p.wrapping_add(1));
        }
        previous = Some(seq);
    }
    let mut previous: Option<u32> = None;
    for txid in &sent {
        let (topic, body, seq) = sequence.recv(Duration::from_secs(30)).expect("a sequence message");
        assert_eq!(topic, "sequence");
        assert_eq!(&body[..32], display(txid).as_slice());
        assert_eq!(body[32], b'A', "added to the mempool");
        assert_eq!(body.len(), 41, "hash, label, mempool sequence");
        if let Some(p) = previous {
            assert_eq!(seq, p.wrapping_add(1));
        }
        previous = Some(seq);
    }
    node.mine(1);
    let (_, body, _) = sequence.recv(Duration::from_secs(30)).expect("the block's connect");
    assert_eq!(body[32], b'C');
    assert_eq!(&body[..32], display(&node.tip()).as_slice());
}
