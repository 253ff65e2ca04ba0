//! The compute market end to end over JSON-RPC between real nodes: a
//! publisher (node A) and a machine owner (node B) mine identities, publish,
//! find, accept and cancel a task; the task walks its states as blocks pass
//! until its body is pruned from both stores; a fresh node syncs the pruned
//! chain; a restored wallet finds its identity and acceptance again; a
//! reorganisation sends the announcements back to the mempool; a node killed
//! mid-chain rebuilds the same index.

use std::time::Duration;

use serde_json::{json, Value};
use zennet_tests::chain::{coinbase_of, weak_acceptance};
use zennet_tests::{rpc_error, sync_tips, wait_for, zats, Node};

const SYNC: Duration = Duration::from_secs(120);
const WALLET: &str = "w";

fn balance(node: &Node, wallet: &str) -> u64 {
    node.balance(wallet)
}

fn mine(node: &Node, blocks: u64) {
    node.mine(blocks);
}

fn sync(nodes: &[&Node]) {
    sync_tips(nodes, SYNC);
}

fn wait_in_mempool(node: &Node, txid: &str) {
    node.wait_in_mempool(txid, SYNC);
}

fn task(node: &Node, id: &str) -> Value {
    node.rpc("gettask", json!([id]))
}

fn state(node: &Node, id: &str) -> String {
    task(node, id)["state"].as_str().expect("state").to_string()
}

fn error(result: Result<Value, rpc::ClientError>) -> (i64, String) {
    rpc_error(result)
}

fn wait_job(node: &Node, id: &Value) -> Value {
    wait_for("the job to finish", SYNC, || {
        let job = node.rpc("getidentityjob", json!([id]));
        (job["state"] != "running").then_some(job)
    })
}

/// Mines an identity of `role` into `wallet` and returns its string.
fn mine_identity(node: &Node, wallet: &str, role: &str) -> String {
    let job = node.wallet_rpc(wallet, "mineidentity", json!([role, 2, format!("{role} one")]));
    let done = wait_job(node, &job["job_id"]);
    assert_eq!(done["state"], "found", "{done}");
    done["result"]["identity"].as_str().expect("identity").to_string()
}

fn full_task() -> Value {
    json!({
        "os_choices": ["ubuntu-24.04", "debian-12"],
        "min_bandwidth_kbps": 10_000,
        "min_disk_mb": 20_000,
        "min_disk_iops": 500,
        "persistent_mb": 1024,
        "core_choices": [{"count": 4, "min_mhz": 2400}, {"count": 8, "min_mhz": 1800}],
        "memory_mb_per_core": 2048,
        "min_memory_mhz": 2666,
        "min_vms": 3,
        "endpoint": "publisher.example:7000",
        "lease_min_secs": 600,
        "lease_max_secs": 7200,
        "payout_interval_secs": -300,
        "rate_core_ghz_hour": 0.001,
        "rate_memory_mb_hour": 0.00000002,
        "rate_disk_gb_hour": 0.0001,
        "rate_transfer_gb": 0.0005,
        "accept_pow": "200fffff",
        "accept_within_blocks": 3,
        "info": "https://publisher.example/task",
    })
}

fn offer() -> Value {
    json!({"cores": 8, "mhz": 2000, "memory_mb": 16384, "disk_mb": 50_000, "bandwidth_kbps": 20_000})
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().expect("list").iter().filter_map(|t| t["task_id"].as_str().map(str::to_string)).collect()
}

fn block_announcement_pruned(node: &Node, height: u64, txid: &str) -> bool {
    let hash = node.rpc("getblockhash", json!([height]));
    let block = node.rpc("getblock", json!([hash, 2]));
    let tx = block["tx"].as_array().unwrap().iter().find(|t| t["txid"] == txid).expect("the announcement");
    tx["announcement"]["pruned"] == true
}

fn funded_pair() -> (Node, Node, String, std::path::PathBuf) {
    let notify = tempfile::NamedTempFile::new().expect("notify file").into_temp_path().keep().expect("keep");
    let notify_arg = format!("-tasknotify=echo %s >> {}", notify.display());
    let a = Node::start(&["-fallbackfee=0.0001", &notify_arg]);
    let b = Node::start(&["-fallbackfee=0.0001"]);
    b.connect_to(&a);
    a.rpc("createwallet", json!([WALLET]));
    let phrase = b.rpc("createwallet", json!([WALLET]))["mnemonic"].as_str().expect("phrase").to_string();
    let a_address = a.wallet_rpc(WALLET, "getnewaddress", json!([]));
    a.rpc("generatetoaddress", json!([1, a_address]));
    mine(&a, 101);
    let b_address = b.wallet_rpc(WALLET, "getnewaddress", json!([]));
    a.wallet_rpc(WALLET, "sendtoaddress", json!([b_address, 3]));
    mine(&a, 1);
    sync(&[&a, &b]);
    (a, b, phrase, notify)
}

#[test]
fn publisher_and_machine_owner_walk_a_task_through_its_life() {
    let (a, b, phrase, notify) = funded_pair();

    // Identity mining is a background job whose progress can be read and which can be stopped.
    let slow = a.wallet_rpc(WALLET, "mineidentity", json!(["publisher", 1, "never", 32]));
    let running = wait_for("hashes counted", SYNC, || {
        let job = a.rpc("getidentityjob", json!([slow["job_id"]]));
        (job["state"] == "running" && job["hashes"].as_u64() > Some(0)).then_some(job)
    });
    assert!(running["hashrate"].as_f64() > Some(0.0), "{running}");
    assert!(running["expected_secs"].as_f64() > Some(0.0), "{running}");
    assert_eq!(a.rpc("abortidentityjob", json!([slow["job_id"]]))["state"], "aborted");
    let publisher = mine_identity(&a, WALLET, "publisher");
    let machine = mine_identity(&b, WALLET, "node");
    assert!(publisher.starts_with("rzid1"), "{publisher}");
    let listed = a.wallet_rpc(WALLET, "listidentities", json!([]));
    assert_eq!(listed.as_array().unwrap().len(), 1, "the aborted job stored nothing: {listed}");
    assert_eq!(listed[0]["identity"], publisher.as_str());
    assert_eq!(
        (listed[0]["role"].as_str(), listed[0]["valid"].as_bool(), listed[0]["used"].as_bool()),
        (Some("publisher"), Some(true), Some(false))
    );
    let info = a.rpc("getidentityinfo", json!([publisher]));
    assert_eq!((info["role"].as_str(), info["valid"].as_bool()), (Some("publisher"), Some(true)));
    assert!(info["valid_until_height"].as_u64() >= Some(1_051_199), "{info}");

    // Bad input: each field named, the node keeps running.
    for (bad, field) in [
        (json!({"endpoint": "no-port"}), "endpoint"),
        (json!({"endpoint": "h:1", "lease_min_secs": 9, "lease_max_secs": 8}), "lease_min_secs"),
        (json!({"endpoint": "h:1", "info": "i".repeat(129)}), "info"),
        (json!({"endpoint": "h:1", "os_choices": vec!["x"; 9]}), "os_choices"),
        (json!({"endpoint": "h:1", "core_choices": [{"count": 0}]}), "core_choices[0]"),
        (json!({"endpoint": "h:1", "min_vms": -1}), "min_vms"),
        (json!({"endpoint": "h:1", "rate_disk_gb_hour": -1}), "rate_disk_gb_hour"),
    ] {
        let (code, message) = error(a.try_wallet_rpc(WALLET, "publishtask", json!([bad])));
        assert_eq!(code, -8, "{message}");
        assert!(message.starts_with(field), "{field}: {message}");
    }
    a.rpc("createwallet", json!(["empty"]));
    let (code, message) = error(a.try_wallet_rpc("empty", "publishtask", json!([full_task()])));
    assert_eq!(code, -4, "{message}");
    assert!(message.contains("mineidentity \"publisher\""), "{message}");
    mine_identity(&a, "empty", "publisher");
    let (code, message) = error(a.try_wallet_rpc("empty", "publishtask", json!([full_task()])));
    assert_eq!(code, -6, "{message}");
    a.rpc("createwallet", json!(["locked", false, false, "secret phrase"]));
    let (code, _) = error(a.try_wallet_rpc("locked", "mineidentity", json!(["publisher"])));
    assert_eq!(code, -13);
    let unknown = "11".repeat(32);
    assert_eq!(error(a.try_rpc("gettask", json!([unknown]))).0, -5);
    assert_eq!(error(b.try_wallet_rpc(WALLET, "accepttask", json!([unknown, offer()]))).0, -8);

    // A publishes; the task is pending, then open.
    let a_before = balance(&a, WALLET);
    let b_before = balance(&b, WALLET);
    let published = a.wallet_rpc(WALLET, "publishtask", json!([full_task(), {"expiry": 8}]));
    let id = published["task_id"].as_str().expect("task id").to_string();
    let task_txid = published["txid"].as_str().unwrap().to_string();
    assert!(published["pow_hashes"].as_u64() > Some(0), "{published}");
    for txid in [&published["txid"], &published["funding_txid"]] {
        a.wallet_rpc(WALLET, "gettransaction", json!([txid]));
    }
    let shown_fee = a.wallet_rpc(WALLET, "gettransaction", json!([task_txid]))["fee"].as_f64().unwrap();
    assert_eq!((-shown_fee * 1e8).round() as u64, zats(&published["fee"]), "the whole input is the fee");
    wait_in_mempool(&b, &task_txid);
    assert_eq!(state(&b, &id), "pending");
    assert!(ids(&b.rpc("listtasks", json!([{"state": "pending"}]))).contains(&id));
    mine(&a, 1);
    sync(&[&a, &b]);
    let included = a.height();
    assert_eq!(state(&b, &id), "open");
    let shown = task(&b, &id);
    assert_eq!(shown["publisher"], publisher.as_str());
    assert_eq!(shown["core_choices"][1], json!({"count": 8, "min_mhz": 1800}));
    assert_eq!(shown["accept_pow"]["bits"], "200fffff");
    assert_eq!(
        (shown["expiry_height"].as_u64(), shown["accept_until_height"].as_u64()),
        (Some(included + 8), Some(included + 3))
    );

    // B finds it by what its machine offers, and not with filters that exclude it.
    let fits = json!({"os": ["ubuntu-24.04"], "cores": 8, "mhz": 2000, "memory_mb_per_core": 4096, "disk_mb": 50_000, "bandwidth_kbps": 20_000, "prepaid": true, "min_lease_secs": 3600});
    assert_eq!(ids(&b.rpc("listtasks", json!([fits]))), vec![id.clone()]);
    for excluding in [
        json!({"cores": 2}),
        json!({"os": ["windows-11"]}),
        json!({"mhz": 1000}),
        json!({"memory_mb_per_core": 1024}),
        json!({"max_rate_core_ghz_hour": 0.0001}),
        json!({"min_lease_secs": 10_000}),
        json!({"state": "closed"}),
        json!({"publisher": machine}),
    ] {
        assert!(ids(&b.rpc("listtasks", json!([excluding]))).is_empty(), "{excluding}");
    }

    // Acceptances below what the task demands: B's wallet refuses them, A's mempool too.
    let (code, message) = error(b.try_wallet_rpc(WALLET, "accepttask", json!([id, offer(), {"tx_pow": "207fffff"}])));
    assert_eq!(code, -8);
    assert!(message.contains("demands"), "{message}");
    let small = json!({"cores": 2, "mhz": 3000, "memory_mb": 16384, "disk_mb": 50_000, "bandwidth_kbps": 20_000});
    let (code, message) = error(b.try_wallet_rpc(WALLET, "accepttask", json!([id, small])));
    assert_eq!(code, -8);
    assert!(message.contains("below the task's minimums"), "{message}");
    let (coin, value) = coinbase_of(&a, 5);
    let weak = weak_acceptance(coin, value, hex::decode(&id).unwrap().try_into().unwrap(), 0x207fffff, 0x200fffff);
    let (code, message) = error(a.try_rpc("sendrawtransaction", json!([hex::encode(weak.serialize()), 0])));
    assert_eq!(code, -26);
    assert!(message.contains("ann-accept-pow"), "{message}");

    // B accepts; A sees the acceptance pending, then active.
    let accepted = b.wallet_rpc(WALLET, "accepttask", json!([id, offer(), {"expiry": 8}]));
    let accept_txid = accepted["txid"].as_str().unwrap().to_string();
    wait_in_mempool(&a, &accept_txid);
    assert_eq!(task(&a, &id)["acceptances"][0]["state"], "pending");
    mine(&a, 1);
    sync(&[&a, &b]);
    let acceptance = &task(&a, &id)["acceptances"][0];
    assert_eq!((acceptance["state"].as_str(), acceptance["node"].as_str()), (Some("active"), Some(machine.as_str())));
    assert_eq!(acceptance["payee_pubkey"], accepted["payee_pubkey"]);
    assert_eq!(acceptance["offer"], offer());
    let spent_b = zats(&accepted["fee"]) + zats(&accepted["funding_fee"]);
    assert_eq!(balance(&b, WALLET), b_before - spent_b, "B spent exactly the acceptance's fees");
    assert_eq!(b.wallet_rpc(WALLET, "listidentities", json!([]))[0]["used"], true);

    // A wallet restored from B's phrase finds B's identity and acceptance.
    let d = Node::start(&[]);
    d.connect_to(&a);
    sync(&[&a, &d]);
    d.rpc("createwallet", json!({"wallet_name": "restored", "mnemonic": phrase}));
    let restored = d.wallet_rpc("restored", "listidentities", json!([]));
    assert_eq!(restored[0]["identity"], machine.as_str(), "{restored}");
    assert_eq!(ids(&d.wallet_rpc("restored", "listtasks", json!([{"mine": true}]))), vec![id.clone()]);
    assert!(ids(&d.wallet_rpc("restored", "listtasks", json!([{"mine": true, "state": "expired"}]))).is_empty());
    drop(d);

    // Closed once its accept window is over, cancelled, expired, pruned.
    mine(&a, 3);
    sync(&[&a, &b]);
    assert_eq!(state(&b, &id), "closed");
    let (code, message) = error(b.try_wallet_rpc(WALLET, "accepttask", json!([id, offer()])));
    assert!(code == -8 && message.contains("closed for acceptance"), "{message}");
    assert_eq!(error(b.try_wallet_rpc(WALLET, "canceltask", json!([id]))).0, -8, "B did not publish it");
    let cancelled = a.wallet_rpc(WALLET, "canceltask", json!([id, null, {"expiry": 8}]));
    let cancel_txid = cancelled["txid"].as_str().unwrap().to_string();
    mine(&a, 1);
    sync(&[&a, &b]);
    assert_eq!(state(&b, &id), "cancelled");
    assert_eq!(task(&b, &id)["acceptances"][0]["state"], "cancelled");
    assert_eq!(task(&b, &id)["cancels"][0]["txid"], cancel_txid.as_str());
    let spent_a = zats(&published["fee"])
        + zats(&published["funding_fee"])
        + zats(&cancelled["fee"])
        + zats(&cancelled["funding_fee"]);
    assert_eq!(balance(&a, WALLET), a_before - spent_a, "A spent exactly the announcement fees");
    while a.height() <= included + 8 {
        mine(&a, 1);
    }
    assert_eq!(state(&a, &id), "expired");
    let announcements =
        [(included, task_txid.clone()), (included + 1, accept_txid.clone()), (included + 5, cancel_txid.clone())];
    let body_bytes: u64 = announcements
        .iter()
        .map(|(_, txid)| a.rpc("getannouncement", json!([txid]))["body_size"].as_u64().unwrap())
        .sum();
    // The last of the three (the cancel) may be pruned at its height + 8 + 100.
    mine(&a, included + 5 + 108 - a.height());
    sync(&[&a, &b]);
    assert_eq!(state(&a, &id), "pruned");
    assert_eq!(state(&b, &id), "pruned");
    let pruned = task(&a, &id);
    assert_eq!((pruned["txid"].as_str(), pruned["pruned"].as_bool()), (Some(task_txid.as_str()), Some(true)));
    assert_eq!((pruned["kind"].as_str(), pruned["expiry"].as_u64()), (Some("task"), Some(8)));
    assert!(pruned["body_hash"].is_string() && pruned["body_size"].as_u64() > Some(0), "{pruned}");
    for node in [&a, &b] {
        for (height, txid) in &announcements {
            assert!(block_announcement_pruned(node, *height, txid), "{txid} still has its body");
        }
        let info = node.rpc("getmarketinfo", json!([]));
        // Each body is replaced by its length and hash (34 bytes).
        let saved = info["pruned_body_bytes"].as_u64().unwrap();
        assert!(saved + 3 * 34 >= body_bytes && saved < body_bytes, "{info}: bodies of {body_bytes} bytes");
    }

    // A fresh node syncs the pruned chain from both.
    let c = Node::start(&[]);
    c.connect_to(&a);
    c.connect_to(&b);
    sync(&[&a, &c]);
    assert_eq!(c.utxo_hash(), a.utxo_hash());
    assert_eq!(state(&c, &task_txid), "pruned");

    // -tasknotify ran for the task.
    wait_for("-tasknotify", SYNC, || std::fs::read_to_string(&notify).ok().filter(|t| t.contains(&id)).map(|_| ()));
}

#[test]
fn a_reorganisation_returns_announcements_to_the_mempool_and_a_killed_node_rebuilds_the_index() {
    let (a, b, _, _) = funded_pair();
    mine_identity(&a, WALLET, "publisher");
    mine_identity(&b, WALLET, "node");
    let mut second = full_task();
    second["accept_within_blocks"] = json!(10);
    // Without waiting: a job whose result is the announcement.
    let job = a.wallet_rpc(WALLET, "publishtask", json!([second, {"expiry": 50, "wait": false, "threads": 2}]));
    let done = wait_job(&a, &job["job_id"]);
    assert_eq!((done["state"].as_str(), done["kind"].as_str()), (Some("found"), Some("announcement")), "{done}");
    let published = done["result"].clone();
    let id = published["task_id"].as_str().unwrap().to_string();
    let raw = a.rpc("getrawtransaction", json!([published["txid"]]));
    let decoded = a.rpc("decodeannouncement", json!([raw]));
    assert_eq!((decoded["kind"].as_str(), decoded["meets_network_minimum"].as_bool()), (Some("task"), Some(true)));
    assert_eq!(decoded["body"]["task_id"], id.as_str());
    assert_eq!(decoded["body"]["signer"], decoded["body"]["publisher"]);
    let shown = a.rpc("getannouncement", json!([published["txid"]]));
    assert_eq!((shown["in_mempool"].as_bool(), shown["body"].clone()), (Some(true), decoded["body"].clone()));
    assert_eq!(error(a.try_rpc("decodeannouncement", json!(["00"]))).0, -22);
    wait_in_mempool(&b, published["txid"].as_str().unwrap());
    // A pending task may be accepted: both go into one block.
    let accepted = b.wallet_rpc(WALLET, "accepttask", json!([id, offer()]));
    wait_in_mempool(&a, accepted["txid"].as_str().unwrap());
    mine(&a, 1);
    sync(&[&a, &b]);
    let block = a.tip();
    assert_eq!(state(&a, &id), "open");
    assert_eq!(task(&a, &id)["acceptances"][0]["state"], "active");

    a.rpc("invalidateblock", json!([block]));
    assert_eq!(state(&a, &id), "pending");
    assert_eq!(task(&a, &id)["acceptances"][0]["state"], "pending");
    a.rpc("reconsiderblock", json!([block]));
    assert_eq!(a.tip(), block);
    assert_eq!(state(&a, &id), "open");
    assert_eq!(task(&a, &id)["acceptances"][0]["state"], "active");
    mine(&a, 2);

    // A node fed the same chain is killed right after connecting the
    // block with the announcements; after a restart its index is A's.
    let blocks: Vec<Value> =
        (1..=a.height()).map(|h| a.rpc("getblock", json!([a.rpc("getblockhash", json!([h])), 0]))).collect();
    let announced = a.rpc("getblockheader", json!([block]))["height"].as_u64().unwrap() as usize;
    let mut e = Node::start(&["-connect=0"]);
    for raw in &blocks[..announced] {
        assert_eq!(e.rpc("submitblock", json!([raw])), Value::Null);
    }
    e.kill();
    e.restart();
    for raw in &blocks[announced..] {
        assert_eq!(e.rpc("submitblock", json!([raw])), Value::Null);
    }
    let everything = json!([{}, 1000]);
    assert_eq!(e.rpc("listtasks", everything.clone()), a.rpc("listtasks", everything.clone()));
    assert_eq!(task(&e, &id), task(&a, &id));
    let summary = |n: &Node| {
        let info = n.rpc("getmarketinfo", json!([]));
        (info["announcements"].clone(), info["tasks"].clone(), info["bestblock"].clone())
    };
    assert_eq!(summary(&e), summary(&a));
    // And -reindex rebuilds the same.
    e.stop();
    e.restart_with(&["-reindex"]);
    assert_eq!(e.rpc("listtasks", everything.clone()), a.rpc("listtasks", everything));
    assert_eq!(summary(&e), summary(&a));
}
