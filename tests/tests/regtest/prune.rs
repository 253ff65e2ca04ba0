//! Block pruning (`-prune`) as Core's: old block and undo data deleted down
//! to the target, the last 288 blocks kept and served, a pruned block
//! answered "Block not available (pruned data)", a consistent restart, and
//! peers that sync from a pruned node's recent blocks only when they have
//! the rest from a full node. (`-fastprune` counts the target in KiB.)

use std::time::Duration;

use serde_json::{json, Value};
use zennet_tests::{rpc_error, sync_tips, wait_for, zen, Node};

fn zennetd_error(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output = std::process::Command::new(zennet_tests::bin_dir().join("zennetd"))
        .arg("-regtest")
        .arg(format!("-datadir={}", dir.path().display()))
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{args:?}");
    String::from_utf8_lossy(&output.stderr).trim().to_string()
}

#[test]
fn prune_settings_are_checked_as_core() {
    assert_eq!(
        zennetd_error(&["-prune=100"]),
        "Error: Prune configured below the minimum of 550 MiB.  Please use a higher number."
    );
    assert_eq!(zennetd_error(&["-prune=-1"]), "Error: Prune cannot be configured with a negative value.");
    assert_eq!(zennetd_error(&["-prune=550", "-txindex"]), "Error: Prune mode is incompatible with -txindex.");
    assert_eq!(
        zennetd_error(&["-prune=1", "-reindex-chainstate"]),
        "Error: Prune mode is incompatible with -reindex-chainstate. Use full -reindex instead."
    );
}

#[test]
fn pruneblockchain_deletes_up_to_a_height_and_keeps_the_last_288() {
    let full = Node::start(&[]);
    let (code, message) = rpc_error(full.try_rpc("pruneblockchain", json!([10])));
    assert_eq!((code, message.as_str()), (-1, "Cannot prune blocks because node is not in prune mode."));
    assert_eq!(full.rpc("getblockchaininfo", json!([]))["pruned"], false);

    let node = Node::start(&["-prune=1"]);
    node.mine(400);
    let info = node.rpc("getblockchaininfo", json!([]));
    assert_eq!((info["pruned"].clone(), info["pruneheight"].clone()), (json!(true), json!(0)));
    assert_eq!(info["automatic_pruning"], false);
    assert!(info.get("prune_target_size").is_none());
    assert_eq!(rpc_error(node.try_rpc("pruneblockchain", json!([-1]))).0, -8);
    let (code, message) = rpc_error(node.try_rpc("pruneblockchain", json!([401])));
    assert_eq!((code, message.as_str()), (-8, "Blockchain is shorter than the attempted prune height."));

    assert_eq!(node.rpc("pruneblockchain", json!([50])), json!(50));
    assert_eq!(node.rpc("getblockchaininfo", json!([]))["pruneheight"], 51);
    let pruned = node.rpc("getblockhash", json!([50]));
    let (code, message) = rpc_error(node.try_rpc("getblock", json!([pruned])));
    assert_eq!((code, message.as_str()), (-1, "Block not available (pruned data)"));
    // The header stays.
    assert_eq!(node.rpc("getblockheader", json!([pruned]))["height"], 50);
    node.rpc("getblock", json!([node.rpc("getblockhash", json!([51]))]));

    // Asking for everything keeps the last 288 blocks.
    assert_eq!(node.rpc("pruneblockchain", json!([400])), json!(400 - 288));
    node.rpc("getblock", json!([node.rpc("getblockhash", json!([400 - 287]))]));
    assert_eq!(rpc_error(node.try_rpc("getblock", json!([node.rpc("getblockhash", json!([400 - 288]))]))).0, -1);
    // A block time selects the first block within two hours of it.
    let time = node.rpc("getblockheader", json!([node.rpc("getblockhash", json!([10]))]))["time"].as_i64().unwrap();
    assert_eq!(node.rpc("pruneblockchain", json!([time + 7200])), json!(400 - 288));
}

/// Mines `count` blocks on `node`, with a ~10 kB transaction every 20 blocks.
fn mine_with_payments(node: &Node, count: u64, sink: &[String]) {
    let amounts: serde_json::Map<String, Value> = sink.iter().map(|a| (a.clone(), zen(0.001))).collect();
    let mut left = count;
    while left > 0 {
        node.wallet_rpc("miner", "sendmany", json!(["", amounts]));
        let step = left.min(20);
        node.mine_to_wallet(step);
        left -= step;
    }
}

trait MineToWallet {
    fn mine_to_wallet(&self, blocks: u64);
}

impl MineToWallet for Node {
    fn mine_to_wallet(&self, blocks: u64) {
        let address = self.wallet_rpc("miner", "getnewaddress", json!([]));
        self.rpc("generatetoaddress", json!([blocks, address]));
    }
}

#[test]
fn automatic_pruning_keeps_under_the_target_restarts_and_serves_recent_blocks() {
    let mut pruned = Node::start(&["-prune=550", "-fastprune", "-fallbackfee=0.0002"]);
    let full = Node::start(&["-fallbackfee=0.0002"]);
    full.connect_to(&pruned);
    pruned.rpc("createwallet", json!(["miner"]));
    // A wallet that stops following the chain before it is pruned.
    pruned.rpc("createwallet", json!(["early"]));
    pruned.rpc("unloadwallet", json!(["early"]));
    pruned.mine_to_wallet(101);
    pruned.rpc("createwallet", json!(["sink"]));
    let sink: Vec<String> =
        (0..300).map(|_| pruned.wallet_rpc("sink", "getnewaddress", json!([])).as_str().unwrap().to_string()).collect();
    mine_with_payments(&pruned, 2000 - 101, &sink);
    let tip_height = 2000u64;
    assert_eq!(pruned.height(), tip_height);

    let info = pruned.rpc("getblockchaininfo", json!([]));
    assert_eq!((info["pruned"].clone(), info["automatic_pruning"].clone()), (json!(true), json!(true)));
    assert_eq!(info["prune_target_size"], 550 * 1024);
    let prune_height = info["pruneheight"].as_u64().unwrap();
    assert!(prune_height > 500 && prune_height <= tip_height - 288 + 1, "pruneheight {prune_height}");
    let services = pruned.rpc("getnetworkinfo", json!([]))["localservicesnames"].clone();
    assert_eq!(services, json!(["WITNESS", "NETWORK_LIMITED"]));

    let check_served = |node: &Node| {
        let first = node.rpc("getblockhash", json!([1]));
        let (code, message) = rpc_error(node.try_rpc("getblock", json!([first])));
        assert_eq!((code, message.as_str()), (-1, "Block not available (pruned data)"));
        for height in tip_height - 287..=tip_height {
            let hash = node.rpc("getblockhash", json!([height]));
            assert!(node.rpc("getblock", json!([hash, 0])).is_string());
        }
    };
    check_served(&pruned);
    let (code, message) = rpc_error(pruned.try_wallet_rpc("miner", "rescanblockchain", json!([0])));
    assert_eq!(code, -1);
    assert!(message.starts_with("Can't rescan beyond pruned data"), "{message}");
    let (code, message) = rpc_error(pruned.try_rpc("loadwallet", json!(["early"])));
    assert_eq!(code, -4);
    assert!(message.starts_with("Prune: last wallet synchronisation goes beyond pruned data"), "{message}");

    // A restart finds the same chain and the same pruned height.
    let tip = pruned.tip();
    pruned.stop();
    pruned.restart();
    assert_eq!(pruned.tip(), tip);
    assert_eq!(pruned.rpc("getblockchaininfo", json!([]))["pruneheight"], prune_height);
    check_served(&pruned);
    sync_tips(&[&pruned, &full], Duration::from_secs(600));

    // A fresh node connected to the pruned one alone learns the headers but
    // cannot fetch the old blocks; with a full peer beside it, it syncs.
    let fresh = Node::start(&[]);
    fresh.connect_to(&pruned);
    wait_for("the pruned peer's headers", Duration::from_secs(600), || {
        (fresh.rpc("getblockchaininfo", json!([]))["headers"] == tip_height).then_some(())
    });
    let peers = fresh.rpc("getpeerinfo", json!([]));
    assert_eq!(peers[0]["servicesnames"], json!(["WITNESS", "NETWORK_LIMITED"]));
    assert_eq!(peers[0]["inflight"], json!([]));
    assert_eq!(fresh.height(), 0);
    fresh.connect_to(&full);
    fresh.wait_for_tip(&tip, Duration::from_secs(600));

    // -reindex on a pruned node downloads the chain again, and prunes again.
    pruned.stop();
    let full_address = format!("-connect=127.0.0.1:{}", full.p2p_port);
    pruned.restart_with(&["-reindex", &full_address]);
    pruned.wait_for_tip(&tip, Duration::from_secs(600));
    let again = pruned.rpc("getblockchaininfo", json!([]))["pruneheight"].as_u64().unwrap();
    assert!(again > 500, "pruneheight after -reindex {again}");
}
