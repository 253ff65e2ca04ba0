//! The built-in miner (`setgenerate`) and `-blocknotify`.

use std::time::Duration;

use serde_json::json;
use zennet_tests::{wait_for, Node, REGTEST_ADDRESS};

#[test]
fn setgenerate_mines_until_told_to_stop_and_blocknotify_runs() {
    let dir = tempfile::tempdir().unwrap();
    let notified = dir.path().join("notified");
    let node = Node::start(&[
        &format!("-mineraddress={REGTEST_ADDRESS}"),
        &format!("-blocknotify=echo %s >> {}", notified.display()),
    ]);
    assert_eq!(node.rpc("setgenerate", json!([true, 1, "groestl"])), serde_json::Value::Null);
    wait_for("three mined blocks", Duration::from_secs(120), || {
        (node.rpc("getblockcount", json!([])).as_u64().unwrap() >= 3).then_some(())
    });
    let info = node.rpc("getmininginfo", json!([]));
    assert!(info["localhashps"]["groestl"].as_f64().unwrap() > 0.0, "{info}");
    assert_eq!(info["generate"], true);
    let tip = node.rpc("getbestblockhash", json!([]));
    assert_eq!(node.rpc("getblock", json!([tip, 1]))["pow_algo"], "groestl");

    // setgenerate false returns once the threads have stopped: nothing after it.
    node.rpc("setgenerate", json!([false]));
    let count = node.rpc("getblockcount", json!([]));
    assert_eq!(node.rpc("getmininginfo", json!([]))["generate"], false);
    assert_eq!(node.rpc("getblockcount", json!([])), count);

    // Every new tip was announced with its hash.
    let tip = node.rpc("getbestblockhash", json!([])).as_str().unwrap().to_string();
    wait_for("-blocknotify to report the tip", Duration::from_secs(30), || {
        std::fs::read_to_string(&notified).ok().filter(|text| text.lines().any(|l| l.trim() == tip))
    });

    // Without a payout address setgenerate refuses (no wallet yet).
    let bare = Node::start(&[]);
    assert!(matches!(bare.try_rpc("setgenerate", json!([true, 1])), Err(rpc::ClientError::Rpc(_))));
}

/// `-gen` on regtest finds blocks many times a second: the log gets a
/// summary of them every ten seconds (and when mining stops), not a
/// "Mined" line per block.
#[test]
fn gen_logs_a_summary_not_a_line_per_block() {
    let node = Node::start(&["-gen", &format!("-mineraddress={REGTEST_ADDRESS}")]);
    wait_for("forty mined blocks", Duration::from_secs(120), || (node.height() >= 40).then_some(()));
    node.rpc("setgenerate", json!([false]));
    let mined = node.height();
    let log = node.log();
    let lines: Vec<&str> = log.lines().filter(|l| l.contains("Mined ")).collect();
    assert!(!lines.is_empty() && (lines.len() as u64) < mined / 4, "{} lines for {mined} blocks", lines.len());
    assert!(lines.iter().any(|l| l.contains(" blocks (sha256d) in the last ")), "{lines:?}");
}
