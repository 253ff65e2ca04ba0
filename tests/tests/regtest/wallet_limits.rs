//! The wallet against the mempool's and its own limits: long unconfirmed
//! chains, huge descriptor ranges, backup destinations.

use std::os::unix::fs::PermissionsExt;
use std::time::Instant;

use serde_json::{json, Value};
use zennet_tests::{Node, REGTEST_ADDRESS};

fn zats(v: &Value) -> i64 {
    (v.as_f64().unwrap_or_else(|| panic!("not an amount: {v}")) * 1e8).round() as i64
}

fn rpc_error(result: Result<Value, rpc::ClientError>) -> rpc::RpcError {
    match result {
        Err(rpc::ClientError::Rpc(e)) => e,
        other => panic!("expected an RPC error, got {other:?}"),
    }
}

/// trusted + untrusted_pending, and the sum of every unspent output the wallet lists.
fn balance_and_coins(node: &Node, wallet: &str) -> (i64, i64) {
    let b = node.wallet_rpc(wallet, "getbalances", json!([]));
    let balance = zats(&b["mine"]["trusted"]) + zats(&b["mine"]["untrusted_pending"]);
    let coins: i64 =
        node.wallet_rpc(wallet, "listunspent", json!([0])).as_array().unwrap().iter().map(|c| zats(&c["amount"])).sum();
    (balance, coins)
}

#[test]
fn chained_sends_succeed_or_fail_before_anything_is_committed() {
    let node = Node::start(&["-fallbackfee=0.0002"]);
    node.rpc("createwallet", json!(["chain"]));
    let address = node.wallet_rpc("chain", "getnewaddress", json!([]));
    // One mature coinbase; every send spends the change of the one before.
    node.rpc("generatetoaddress", json!([101, address]));
    let (mut sent, mut refused) = (0, 0);
    for i in 0..40 {
        let history_before = node.wallet_rpc("chain", "listtransactions", json!(["*", 1000])).as_array().unwrap().len();
        match node.try_wallet_rpc("chain", "sendtoaddress", json!([REGTEST_ADDRESS, 0.1])) {
            Ok(txid) => {
                sent += 1;
                let pool = node.rpc("getrawmempool", json!([]));
                assert!(
                    pool.as_array().unwrap().contains(&txid),
                    "send {i}: {txid} acknowledged but not in the mempool"
                );
            }
            Err(rpc::ClientError::Rpc(e)) => {
                refused += 1;
                assert_eq!(e.code, -6, "send {i}: {}", e.message);
                let history =
                    node.wallet_rpc("chain", "listtransactions", json!(["*", 1000])).as_array().unwrap().len();
                assert_eq!(history, history_before, "send {i}: refused, yet something was committed");
            }
            Err(other) => panic!("send {i}: {other}"),
        }
        let (balance, coins) = balance_and_coins(&node, "chain");
        assert_eq!(balance, coins, "send {i}: getbalances disagrees with the wallet's coins");
    }
    eprintln!("40 chained sends: {sent} accepted, {refused} refused (mempool ancestor limit 25)");
    assert_eq!(sent, 25, "the mempool takes chains of 25");
    // Once the chain confirms, sending works again.
    node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    node.wallet_rpc("chain", "sendtoaddress", json!([REGTEST_ADDRESS, 0.1]));
    let (balance, coins) = balance_and_coins(&node, "chain");
    assert_eq!(balance, coins);
}

#[test]
fn a_payment_the_mempool_refused_stays_in_the_balance_and_is_offered_again() {
    let mut node = Node::start(&["-fallbackfee=0.0002"]);
    node.rpc("createwallet", json!(["w"]));
    let address = node.wallet_rpc("w", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([101, address]));
    let txid = node.wallet_rpc("w", "sendtoaddress", json!([REGTEST_ADDRESS, 1]));
    let (before, _) = balance_and_coins(&node, "w");
    // Restarted with a relay floor above the payment's feerate: the mempool
    // refuses it when the wallet offers it again, and it is the wallet's alone.
    assert!(node.stop().success());
    node.restart_with(&["-persistmempool=0", "-minrelaytxfee=0.001"]);
    node.rpc("loadwallet", json!(["w"]));
    assert_eq!(node.rpc("getrawmempool", json!([])), json!([]));
    let (after, coins) = balance_and_coins(&node, "w");
    assert_eq!(after, before, "the change of an unconfirmed payment must not vanish");
    assert_eq!(after, coins);
    let pending = node.wallet_rpc("w", "getbalances", json!([]))["mine"]["untrusted_pending"].clone();
    assert!(zats(&pending) > 0, "the change shows as pending: {pending}");
    // With the usual floor it is offered again and mined.
    assert!(node.stop().success());
    node.restart_with(&["-persistmempool=0"]);
    node.rpc("loadwallet", json!(["w"]));
    assert_eq!(node.rpc("getrawmempool", json!([])), json!([txid]));
    node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    let tx = node.wallet_rpc("w", "gettransaction", json!([txid]));
    assert_eq!(tx["confirmations"], 1, "{tx}");
}

#[test]
fn a_huge_descriptor_range_is_refused_at_once_and_the_wallet_still_loads() {
    let node = Node::start(&[]);
    node.rpc("createwallet", json!(["keys"]));
    let descriptors = node.wallet_rpc("keys", "listdescriptors", json!([]));
    let desc = descriptors["descriptors"][0]["desc"].as_str().expect("descriptor").to_string();
    node.rpc("createwallet", json!({"wallet_name": "watch", "disable_private_keys": true, "blank": true}));

    let started = Instant::now();
    let result = node.wallet_rpc(
        "watch",
        "importdescriptors",
        json!([[{"desc": desc, "timestamp": "now", "range": [0, 2_000_000]}]]),
    );
    eprintln!("importdescriptors with range [0, 2000000] answered in {:?}", started.elapsed());
    assert_eq!(result[0]["success"], false, "{result}");
    assert_eq!(result[0]["error"]["code"], -8, "{result}");
    assert_eq!(result[0]["error"]["message"], "Range is too large");
    for (range, message) in [
        (json!([5, 1]), "Range specified as [begin,end] must not have begin after end"),
        (json!([-1, 10]), "Range should be greater or equal than 0"),
        (json!(3_000_000_000u64), "End of range is too high"),
    ] {
        let result = node.wallet_rpc(
            "watch",
            "importdescriptors",
            json!([[{"desc": desc, "timestamp": "now", "range": range}]]),
        );
        assert_eq!(result[0]["error"]["code"], -8, "{range}: {result}");
        assert_eq!(result[0]["error"]["message"], message, "{range}");
    }
    // A range within Core's limit works, and the wallet unloads and loads.
    let ok =
        node.wallet_rpc("watch", "importdescriptors", json!([[{"desc": desc, "timestamp": "now", "range": [0, 10]}]]));
    assert_eq!(ok[0]["success"], true, "{ok}");
    node.rpc("unloadwallet", json!(["watch"]));
    let started = Instant::now();
    node.rpc("loadwallet", json!(["watch"]));
    eprintln!("loadwallet answered in {:?}", started.elapsed());
    assert_eq!(node.wallet_rpc("watch", "getwalletinfo", json!([]))["walletname"], "watch");
}

#[test]
fn backups_need_a_new_destination_and_are_owner_only() {
    let node = Node::start(&[]);
    node.rpc("createwallet", json!(["w"]));
    for destination in [String::new(), node.datadir.path().display().to_string()] {
        let e = rpc_error(node.try_wallet_rpc("w", "backupwallet", json!([destination])));
        assert_eq!(e.code, -4, "{destination:?}: {}", e.message);
    }
    // The live wallet is never written over.
    let live = node.network_dir().join("wallets").join("w");
    let e = rpc_error(node.try_wallet_rpc("w", "backupwallet", json!([live.display().to_string()])));
    assert_eq!(e.code, -4, "{}", e.message);

    let backup = node.datadir.path().join("backup-w");
    node.wallet_rpc("w", "backupwallet", json!([backup.display().to_string()]));
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&backup), 0o700);
    for entry in std::fs::read_dir(&backup).unwrap() {
        let path = entry.unwrap().path();
        let expected = if path.is_dir() { 0o700 } else { 0o600 };
        assert_eq!(mode(&path), expected, "{}", path.display());
    }
    // Nothing landed in the daemon's working directory.
    assert!(!std::path::Path::new("conf").exists() && !std::path::Path::new("db").exists());
}
