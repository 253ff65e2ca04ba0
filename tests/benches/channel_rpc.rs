//! Channel payments over JSON-RPC between two real nodes: `channelpay` on
//! the payer, `channelreceive` on the payee, `channelack` back, as a client
//! carrying the blobs would do. Reports round trips per second (each
//! persisted on both sides before its call answers). `ROUNDS` sets the count.

use std::time::Instant;

use serde_json::json;
use zennet_tests::{sync_tips, Node};

fn main() {
    let rounds: u64 = std::env::var("ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(2000);
    let deadline = std::time::Duration::from_secs(120);
    let a = Node::start(&["-fallbackfee=0.0001"]);
    let b = Node::start(&["-fallbackfee=0.0001"]);
    b.connect_to(&a);
    for node in [&a, &b] {
        node.rpc("createwallet", json!(["w"]));
    }
    let address = a.wallet_rpc("w", "getnewaddress", json!([]));
    a.rpc("generatetoaddress", json!([1, address]));
    a.mine(101);
    sync_tips(&[&a, &b], deadline);
    let payee_address = b.wallet_rpc("w", "getnewaddress", json!([]));
    let payee = b.wallet_rpc("w", "getaddressinfo", json!([payee_address]))["pubkey"].clone();
    let opened = a.wallet_rpc("w", "channelopen", json!([payee, 1.0, 1000]));
    b.wait_in_mempool(opened["funding_txid"].as_str().unwrap(), deadline);
    b.wallet_rpc("w", "channelaccept", json!([opened["open_blob"]]));
    let id = opened["channel_id"].clone();
    a.wallet_rpc("w", "channelpay", json!([id, 0.0001])); // above dust, so later steps can be tiny
    let started = Instant::now();
    let mut last = a.wallet_rpc("w", "channelpay", json!([id, 0.00000001]));
    b.wallet_rpc("w", "channelreceive", json!([last["pay_blob"]]));
    for _ in 1..rounds {
        last = a.wallet_rpc("w", "channelpay", json!([id, 0.00000001]));
        let ack = b.wallet_rpc("w", "channelreceive", json!([last["pay_blob"]]));
        a.wallet_rpc("w", "channelack", json!([ack["ack_blob"]]));
    }
    let elapsed = started.elapsed().as_secs_f64();
    println!(
        "{rounds} round trips (channelpay + channelreceive + channelack) in {elapsed:.2} s: {:.0} per second, {:.2} ms each",
        rounds as f64 / elapsed,
        elapsed * 1000.0 / rounds as f64
    );
}
