//! Payment channels between real nodes over JSON-RPC: a payer (A) and a
//! payee (B), the blobs carried by the test. The full flow with 1,000
//! payments and exact balances; a vanished payee and the automatic refund;
//! a payee that does nothing and is closed (and fee-bumped) by its own node;
//! hostile blobs; SIGKILLs at the dangerous moments; a reorganisation of the
//! funding.

use std::time::Duration;

use serde_json::{json, Value};
use zennet_tests::{rpc_error, sync_tips, wait_for, zats, zen, Node};

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

#[test]
fn a_vanished_payee_leaves_the_payer_refunded_automatically() {
    let mut p = pair(&[]);
    let a0 = p.a.balance(W);
    let (id, opened) = open(&p, 0.5, 20);
    let funding = p.a.wallet_rpc(W, "gettransaction", json!([opened["funding_txid"]]));
    let funding_fee = (-funding["fee"].as_f64().unwrap() * 1e8).round() as u64;
    p.a.mine(1);
    for _ in 0..3 {
        pay(&p, &id, 0.01);
    }
    // B vanishes with its payments.
    p.b.kill();
    let (code, message) = rpc_error(p.a.try_wallet_rpc(W, "channelrefund", json!([id])));
    assert!(code == -8 && message.contains("valid from the block after height"), "{message}");
    let expiry = channel(&p.a, &id)["expiry_height"].as_u64().unwrap();
    while p.a.height() < expiry {
        p.a.mine(1);
    }
    // At the expiry height the refund is final for the next block: broadcast by itself.
    let refunding = wait_for("the refund broadcast", SYNC, || {
        let c = channel(&p.a, &id);
        c["refund_txid"].as_str().map(str::to_string)
    });
    p.a.wait_in_mempool(&refunding, SYNC);
    p.a.mine(1);
    wait_state(&p.a, &id, "refunded");
    let fee_reserve = zats(&opened["fee_reserve"]);
    assert_eq!(
        p.a.balance(W),
        a0 - funding_fee - fee_reserve,
        "back to the zat, less the funding's and the refund's fees"
    );
}

#[test]
fn a_payee_that_does_nothing_is_closed_by_its_node_and_bumped_past_a_raised_floor() {
    // B mines here: its mempool holds the package the network's would refuse.
    let mut p = pair(&[]);
    let (id, opened) = open(&p, 0.5, 30);
    p.a.mine(1);
    sync_tips(&[&p.a, &p.b], SYNC);
    for _ in 0..5 {
        pay(&p, &id, 0.02);
    }
    let expiry = opened["expiry_height"].as_u64().unwrap();
    // B restarts with a relay floor far above the fee reserved for the close.
    p.b.stop();
    p.b.restart_with(&["-wallet=w", "-minrelaytxfee=0.002", "-connect=0"]);
    assert_eq!(channel(&p.b, &id)["paid"], zen(0.1));
    let margin = 6;
    while p.b.height() + margin < expiry {
        p.b.mine(1);
    }
    let closing = wait_state(&p.b, &id, "closing");
    assert!(closing["close_txid"].is_string(), "{closing}");
    // The close alone is below the floor, so it never reached the mempool:
    // the node offers it again with a child paying for both.
    let bumped = wait_for("a CPFP child", SYNC, || {
        let c = channel(&p.b, &id);
        c["cpfp_txid"].as_str().map(str::to_string)
    });
    p.b.wait_in_mempool(&bumped, SYNC);
    p.b.wait_in_mempool(closing["close_txid"].as_str().unwrap(), SYNC);
    p.b.mine(1);
    let closed = wait_state(&p.b, &id, "closed");
    assert!(p.b.height() < expiry, "closed before expiry");
    assert_eq!(zats(&closed["closed_paid"]), 10_000_000);
}

#[test]
fn hostile_blobs_are_refused_and_change_nothing() {
    let p = pair(&[]);
    let (id, _) = open(&p, 0.5, 50);
    let (other, _) = open(&p, 0.2, 50);
    p.a.mine(1);
    pay(&p, &id, 0.01);
    let next = p.a.wallet_rpc(W, "channelpay", json!([id, 0.01]));
    let blob = next["pay_blob"].as_str().unwrap().to_string();
    let before = channel(&p.b, &id);
    // Amount at bytes 45..53 of the blob (5 header, 32 id, 8 sequence).
    let with_amount = |zats: u64| {
        let mut bytes = hex::decode(&blob).unwrap();
        bytes[45..53].copy_from_slice(&zats.to_le_bytes());
        hex::encode(bytes)
    };
    let with_id = |id: &str| {
        let mut bytes = hex::decode(&blob).unwrap();
        bytes[5..37].copy_from_slice(&hex::decode(id).unwrap());
        hex::encode(bytes)
    };
    let cases: Vec<(String, i64, &str)> = vec![
        (with_amount(500_000), -8, "does not increase"),
        (with_amount(1_000_000), -8, "does not increase"),
        (with_amount(60_000_000), -8, "above the channel's capacity"),
        (with_amount(2_000_001), -8, "Bad signature"),
        (with_id(&other), -8, "Bad signature"),
        (with_id(&"ab".repeat(32)), -5, "Unknown channel"),
        (blob[..blob.len() - 10].to_string(), -22, "Malformed"),
        ("5a4348".to_string(), -22, "Malformed"),
        ("not hex".to_string(), -22, "Malformed"),
    ];
    for (bad, code, text) in cases {
        let (got, message) = rpc_error(p.b.try_wallet_rpc(W, "channelreceive", json!([bad])));
        assert!(got == code && message.contains(text), "{text}: {got} {message}");
        assert_eq!(channel(&p.b, &id), before, "{text}: the channel changed");
    }
    // The genuine blob is taken, and then no longer (same sequence).
    p.b.wallet_rpc(W, "channelreceive", json!([blob]));
    let (_, message) = rpc_error(p.b.try_wallet_rpc(W, "channelreceive", json!([blob])));
    assert!(message.contains("Wrong sequence"), "{message}");
    // After the close, nothing more.
    let later = p.a.wallet_rpc(W, "channelpay", json!([id, 0.01]));
    p.b.wallet_rpc(W, "channelclose", json!([id]));
    let (_, message) = rpc_error(p.b.try_wallet_rpc(W, "channelreceive", json!([later["pay_blob"]])));
    assert!(message.contains("The channel is closing"), "{message}");
    // An open blob for someone else's key, and a payer refusing to overpay.
    let (code, _) = rpc_error(p.a.try_wallet_rpc(W, "channelpay", json!([other, 1.0])));
    assert_eq!(code, -8);
}

#[test]
fn kills_at_the_dangerous_moments_lose_nothing() {
    let mut p = pair(&[]);
    let (id, _) = open(&p, 0.5, 100);
    p.a.mine(1);
    sync_tips(&[&p.a, &p.b], SYNC);
    pay(&p, &id, 0.01);
    // A dies after signing, before the blob reaches B.
    let in_flight = p.a.wallet_rpc(W, "channelpay", json!([id, 0.01]));
    p.a.kill();
    p.a.restart_with(&["-wallet=w"]);
    assert_eq!(channel(&p.a, &id)["sequence"], 2, "the sequence survived");
    // Never a lower amount again: the next state pays more than the lost one.
    let next = p.a.wallet_rpc(W, "channelpay", json!([id, 0.01]));
    assert_eq!(zats(&next["paid"]), 3_000_000);
    // B takes the newer state (the lost one is superseded), then dies.
    let received = p.b.wallet_rpc(W, "channelreceive", json!([next["pay_blob"]]));
    p.b.kill();
    p.b.restart_with(&["-wallet=w"]);
    assert_eq!(zats(&channel(&p.b, &id)["paid"]), 3_000_000);
    let (_, message) = rpc_error(p.b.try_wallet_rpc(W, "channelreceive", json!([in_flight["pay_blob"]])));
    assert!(message.contains("Wrong sequence"), "{message}");
    p.a.wallet_rpc(W, "channelack", json!([received["ack_blob"]]));
    assert_eq!(zats(&channel(&p.a, &id)["acknowledged"]), zats(&channel(&p.b, &id)["paid"]));
    // B closes with it.
    p.b.connect_to(&p.a);
    let closed = p.b.wallet_rpc(W, "channelclose", json!([id]));
    p.a.wait_in_mempool(closed["txid"].as_str().unwrap(), SYNC);
    p.a.mine(1);
    sync_tips(&[&p.a, &p.b], SYNC);
    assert_eq!(zats(&wait_state(&p.b, &id, "closed")["closed_paid"]), 3_000_000);

    // A dies between keeping the refund and broadcasting the funding: the
    // funding never leaves, the refund is kept, no coin is spent.
    let a_before = p.a.balance(W);
    p.a.stop();
    p.a.env.push(("ZENNET_FAULT".into(), "channel-after-refund".into()));
    p.a.restart_with(&["-wallet=w"]);
    let key = payee_key(&p.b);
    assert!(p.a.try_wallet_rpc(W, "channelopen", json!([key, 0.3, 100])).is_err());
    p.a.wait_for_exit(SYNC);
    p.a.env.clear();
    p.a.restart_with(&["-wallet=w"]);
    let list = p.a.wallet_rpc(W, "listchannels", json!([]));
    let stranded = list.as_array().unwrap().iter().find(|c| c["state"] == "opening").expect("the kept channel");
    let mempool = p.a.rpc("getrawmempool", json!([]));
    assert!(!mempool.as_array().unwrap().contains(&stranded["funding_txid"]), "funded without a refund");
    assert_eq!(p.a.balance(W), a_before);
}

#[test]
fn a_reorganised_funding_makes_the_channel_wait_again() {
    let p = pair(&[]);
    let (id, opened) = open(&p, 0.5, 100);
    p.a.mine(1);
    sync_tips(&[&p.a, &p.b], SYNC);
    let block = p.a.tip();
    wait_state(&p.a, &id, "open");
    pay(&p, &id, 0.01);
    p.a.rpc("invalidateblock", json!([block]));
    wait_state(&p.a, &id, "opening");
    p.a.wait_in_mempool(opened["funding_txid"].as_str().unwrap(), SYNC);
    // Payments go on meanwhile: same outpoint, same script.
    pay(&p, &id, 0.01);
    p.a.rpc("reconsiderblock", json!([block]));
    assert_eq!(p.a.tip(), block);
    wait_state(&p.a, &id, "open");
    let received = pay(&p, &id, 0.01);
    assert_eq!(zats(&received["paid"]), 3_000_000);
}

#[test]
fn a_channel_pays_the_acceptance_of_the_publishers_task() {
    let p = pair(&[]);
    for (node, role) in [(&p.a, "publisher"), (&p.b, "node")] {
        let job = node.wallet_rpc(W, "mineidentity", json!([role]));
        wait_for("an identity", SYNC, || {
            (node.rpc("getidentityjob", json!([job["job_id"]]))["state"] == "found").then_some(())
        });
    }
    // B needs coins for its acceptance.
    let b_address = p.b.wallet_rpc(W, "getnewaddress", json!([]));
    p.a.wallet_rpc(W, "sendtoaddress", json!([b_address, 1]));
    p.a.mine(1);
    sync_tips(&[&p.a, &p.b], SYNC);
    let task = p.a.wallet_rpc(W, "publishtask", json!([{"endpoint": "publisher.example:7000"}]));
    let id = task["task_id"].as_str().unwrap().to_string();
    p.b.wait_in_mempool(task["txid"].as_str().unwrap(), SYNC);
    let offer = json!({"cores": 1, "mhz": 1000, "memory_mb": 0, "disk_mb": 0, "bandwidth_kbps": 0});
    let accepted = p.b.wallet_rpc(W, "accepttask", json!([id, offer]));
    p.a.wait_in_mempool(accepted["txid"].as_str().unwrap(), SYNC);
    p.a.mine(1);
    sync_tips(&[&p.a, &p.b], SYNC);

    // Only the publisher pays its task's acceptances.
    let (code, message) = rpc_error(p.b.try_wallet_rpc(W, "channelopen", json!(["", 0.1, 50, id])));
    assert!(code == -8 && message.contains("not published by this wallet"), "{message}");
    let opened = p.a.wallet_rpc(W, "channelopen", json!(["", 0.1, 50, id]));
    let channel_id = opened["channel_id"].as_str().unwrap();
    let c = channel(&p.a, channel_id);
    assert_eq!(
        (c["payee_pubkey"].clone(), c["task_id"].as_str()),
        (accepted["payee_pubkey"].clone(), Some(id.as_str()))
    );
    p.b.wait_in_mempool(opened["funding_txid"].as_str().unwrap(), SYNC);
    p.b.wallet_rpc(W, "channelaccept", json!([opened["open_blob"]]));
    let shown = p.a.wallet_rpc(W, "gettask", json!([id]));
    assert_eq!(shown["acceptances"][0]["channels"], json!([channel_id]));
}
