//! Payment channels between real nodes over JSON-RPC: a payer (A) and a
//! payee (B), the blobs carried by the test. The full flow with 1,000
//! payments and exact balances; a vanished payee and the automatic refund;
//! a payee that does nothing and is closed (and fee-bumped) by its own node;
//! hostile blobs; SIGKILLs at the dangerous moments; a reorganisation of the
//! funding.

use std::time::Duration;

use serde_json::{json, Value};
use zennet_tests::{rpc_error, sync_tips, wait_for, zats, Node};

const SYNC: Duration = Duration::from_secs(120);
const W: &str = "w";

struct Pair {
    a: Node,
    b: Node,
}

/// A with mature coins, B with a wallet; connected.
fn pair(b_args: &[&str]) -> Pair {
    let a = Node::start(&["-fallbackfee=0.0001"]);
    let mut b_all = vec!["-fallbackfee=0.0001"];
    b_all.extend_from_slice(b_args);
    let b = Node::start(&b_all);
    for node in [&a, &b] {
        node.rpc("createwallet", json!([W]));
    }
    b.connect_to(&a);
    let address = a.wallet_rpc(W, "getnewaddress", json!([]));
    a.rpc("generatetoaddress", json!([3, address]));
    a.mine(101);
    sync_tips(&[&a, &b], SYNC);
    Pair { a, b }
}

fn payee_key(b: &Node) -> String {
    let address = b.wallet_rpc(W, "getnewaddress", json!([]));
    b.wallet_rpc(W, "getaddressinfo", json!([address]))["pubkey"].as_str().expect("pubkey").to_string()
}

/// Opens a channel of `capacity` ZEN from A to B expiring in `blocks`; B accepts it.
fn open(p: &Pair, capacity: f64, blocks: u32) -> (String, Value) {
    let opened = p.a.wallet_rpc(W, "channelopen", json!([payee_key(&p.b), capacity, blocks]));
    p.b.wait_in_mempool(opened["funding_txid"].as_str().unwrap(), SYNC);
    let accepted = p.b.wallet_rpc(W, "channelaccept", json!([opened["open_blob"]]));
    let id = opened["channel_id"].as_str().unwrap().to_string();
    assert_eq!(accepted["channel_id"], id.as_str());
    assert_eq!((accepted["role"].as_str(), accepted["state"].as_str()), (Some("payee"), Some("opening")));
    (id, opened)
}

/// One payment: A signs, B takes it, A records B's acknowledgement.
fn pay(p: &Pair, id: &str, zen: f64) -> Value {
    let paid = p.a.wallet_rpc(W, "channelpay", json!([id, zen]));
    let received = p.b.wallet_rpc(W, "channelreceive", json!([paid["pay_blob"]]));
    p.a.wallet_rpc(W, "channelack", json!([received["ack_blob"]]));
    received
}

fn channel(node: &Node, id: &str) -> Value {
    node.wallet_rpc(W, "getchannel", json!([id]))
}

fn wait_state(node: &Node, id: &str, state: &str) -> Value {
    wait_for(&format!("channel {id} {state}"), SYNC, || {
        let c = channel(node, id);
        (c["state"] == state).then_some(c)
    })
}

#[test]
fn a_thousand_payments_then_the_payee_closes_and_balances_are_exact() {
    let p = pair(&[]);
    let (a0, b0) = (p.a.balance(W), p.b.balance(W));
    let (id, opened) = open(&p, 1.0, 200);
    let funding = p.a.wallet_rpc(W, "gettransaction", json!([opened["funding_txid"]]));
    let funding_fee = (-funding["fee"].as_f64().unwrap() * 1e8).round() as u64;
    let capacity = zats(&opened["capacity"]);
    assert_eq!(capacity, 100_000_000);
    let balances = p.a.wallet_rpc(W, "getbalances", json!([]));
    assert_eq!(zats(&balances["channels"]["locked"]), capacity);
    p.a.mine(1);
    sync_tips(&[&p.a, &p.b], SYNC);
    wait_state(&p.a, &id, "open");
    wait_state(&p.b, &id, "open");

    let mut total = 0u64;
    for i in 0..1000u64 {
        let increment = 10_000 + (i * 7919) % 50_000;
        total += increment;
        let received = pay(&p, &id, increment as f64 / 1e8);
        assert_eq!(zats(&received["paid"]), total);
    }
    let a_view = channel(&p.a, &id);
    assert_eq!((a_view["sequence"].as_u64(), zats(&a_view["acknowledged"])), (Some(1000), total));
    assert_eq!(zats(&p.b.wallet_rpc(W, "getbalances", json!([]))["channels"]["receivable"]), total);

    let closed = p.b.wallet_rpc(W, "channelclose", json!([id]));
    p.a.wait_in_mempool(closed["txid"].as_str().unwrap(), SYNC);
    p.a.mine(1);
    sync_tips(&[&p.a, &p.b], SYNC);
    let b_view = wait_state(&p.b, &id, "closed");
    assert_eq!(zats(&b_view["closed_paid"]), total);
    wait_state(&p.a, &id, "closed");
    let fee_reserve = zats(&opened["fee_reserve"]);
    assert_eq!(p.b.balance(W), b0 + total, "B received the final cumulative amount");
    assert_eq!(p.a.balance(W), a0 - funding_fee - total - fee_reserve, "A got its change; the close paid the reserve");
    let after = p.a.wallet_rpc(W, "getbalances", json!([]));
    assert_eq!(zats(&after["channels"]["locked"]), 0);
}
