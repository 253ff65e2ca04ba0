//! Relay, wallet and logging options with Core's meaning:
//! `-acceptnonstdtxn`, `-mintxfee`, `-walletrejectlongchains`, `-logips`.

use serde_json::json;
use zennet_tests::chain::{coinbase_of, resign, spend};
use zennet_tests::{rpc_error, Node, REGTEST_ADDRESS};

#[test]
fn acceptnonstdtxn_takes_nonstandard_transactions_on_test_networks_only() {
    let verdict = |node: &Node| {
        node.mine(101);
        let (coin, value) = coinbase_of(node, 1);
        let mut tx = spend(coin, value, false);
        tx.version = 4;
        let tx = resign(tx, value);
        node.rpc("testmempoolaccept", json!([[hex::encode(tx.serialize())]]))[0].clone()
    };
    assert_eq!(verdict(&Node::start(&[]))["reject-reason"], "version");
    assert_eq!(verdict(&Node::start(&["-acceptnonstdtxn"]))["allowed"], true);

    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(zennet_tests::bin_dir().join("zennetd"))
        .args([format!("-datadir={}", dir.path().display()), "-acceptnonstdtxn=1".into()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&output.stderr).trim(),
        "Error: acceptnonstdtxn is not currently supported for main chain"
    );
}

/// A wallet with one mature coin, so that every payment spends the last one's change.
fn one_coin_wallet(args: &[&str]) -> Node {
    let node = Node::start(args);
    node.rpc("createwallet", json!(["w"]));
    let address = node.wallet_rpc("w", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([1, address]));
    node.mine(100);
    node
}

#[test]
fn mintxfee_is_the_wallets_floor() {
    let node = one_coin_wallet(&["-fallbackfee=0.0002", "-mintxfee=0.001"]);
    let txid = node.wallet_rpc("w", "sendtoaddress", json!([REGTEST_ADDRESS, 1]));
    let entry = node.rpc("getmempoolentry", json!([txid]));
    let fee = (entry["fees"]["base"].as_f64().unwrap() * 1e8).round() as u64;
    let vsize = entry["vsize"].as_u64().unwrap();
    assert!(fee * 1000 >= 100_000 * vsize, "fee {fee} for {vsize} vB is below -mintxfee");
    let (code, message) = rpc_error(node.try_wallet_rpc(
        "w",
        "sendtoaddress",
        json!({"address": REGTEST_ADDRESS, "amount": 1, "fee_rate": 10}),
    ));
    assert_eq!(code, -6);
    assert_eq!(message, "Fee rate (10.000 sat/vB) is lower than the minimum fee rate setting (100.000 sat/vB)");
}

#[test]
fn walletrejectlongchains_decides_whether_a_26th_chained_payment_is_made() {
    for (args, kept) in
        [(&["-fallbackfee=0.0002"][..], false), (&["-fallbackfee=0.0002", "-walletrejectlongchains=0"][..], true)]
    {
        let node = one_coin_wallet(args);
        for _ in 0..25 {
            node.wallet_rpc("w", "sendtoaddress", json!([REGTEST_ADDRESS, 0.1]));
        }
        assert_eq!(node.rpc("getmempoolinfo", json!([]))["size"], 25);
        let result = node.try_wallet_rpc("w", "sendtoaddress", json!([REGTEST_ADDRESS, 0.1]));
        if kept {
            let txid = result.unwrap();
            assert_eq!(node.wallet_rpc("w", "gettransaction", json!([txid]))["confirmations"], 0);
            assert_eq!(node.rpc("getmempoolinfo", json!([]))["size"], 25, "kept in the wallet, not the mempool");
        } else {
            let (code, message) = rpc_error(result);
            assert_eq!(code, -6);
            assert_eq!(message, "Unconfirmed UTXOs are available, but spending them creates a chain of transactions that will be rejected by the mempool");
        }
    }
}

#[test]
fn logips_puts_peer_addresses_in_the_log() {
    for (args, shown) in [(&[][..], false), (&["-logips"][..], true)] {
        let node = Node::start(args);
        let other = Node::start(&[]);
        other.connect_to(&node);
        let line = node.log().lines().find(|l| l.contains("peer connected")).unwrap().to_string();
        assert_eq!(line.contains("addr=127.0.0.1:"), shown, "{line}");
    }
}

#[test]
fn stopatheight_stops_the_node_and_debuglogfile_moves_the_log() {
    let mut node = Node::start(&["-stopatheight=5", "-debuglogfile=node.log"]);
    let _ = node.try_rpc("generatetoaddress", json!([10, REGTEST_ADDRESS]));
    let status = node.wait_for_exit(std::time::Duration::from_secs(60));
    assert!(status.success(), "{status}");
    assert!(node.log().contains("Stopping at height 5 (-stopatheight)"));
    let dir = node.network_dir();
    assert!(std::fs::read_to_string(dir.join("node.log")).unwrap().contains("UpdateTip"));
    assert!(!dir.join("debug.log").exists());
}
