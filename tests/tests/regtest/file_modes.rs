//! Everything the node writes is owner-only (umask 077, as Core), unless
//! `-sysperms` keeps the system's default.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use serde_json::json;
use zennet_tests::{Node, REGTEST_ADDRESS};

/// Every path under `dir` whose mode lets the group or others in.
fn readable_by_others(dir: &Path, found: &mut Vec<String>) {
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        let meta = std::fs::symlink_metadata(&path).expect("metadata");
        if meta.permissions().mode() & 0o077 != 0 {
            found.push(format!("{} {:o}", path.display(), meta.permissions().mode() & 0o777));
        }
        if meta.is_dir() {
            readable_by_others(&path, found);
        }
    }
}

#[test]
fn the_node_creates_every_file_owner_only() {
    let mut node = Node::start(&["-fallbackfee=0.0002"]);
    node.rpc("createwallet", json!(["w"]));
    let address = node.wallet_rpc("w", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([101, address]));
    node.wallet_rpc("w", "sendtoaddress", json!([REGTEST_ADDRESS, 1]));
    node.rpc("setban", json!(["192.0.2.1", "add"]));
    let backup = node.network_dir().join("backup-w");
    node.wallet_rpc("w", "backupwallet", json!([backup.display().to_string()]));
    assert!(node.stop().success());
    for file in ["mempool.dat", "peers.dat", "banlist.json"] {
        assert!(node.network_dir().join(file).exists(), "{file} written at shutdown");
    }
    let mode = std::fs::metadata(node.network_dir()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700, "the network datadir");
    let mut open = Vec::new();
    readable_by_others(&node.network_dir(), &mut open);
    assert!(open.is_empty(), "readable by others: {open:#?}");
    // The cookie while the node runs.
    node.restart();
    let cookie = std::fs::metadata(node.network_dir().join(".cookie")).unwrap().permissions().mode() & 0o777;
    assert_eq!(cookie, 0o600);
}

#[test]
fn sysperms_keeps_the_system_default() {
    // Under the usual umask 022 the node's files are then readable by others,
    // which shows the check above can fail.
    let mut node = Node::start(&["-sysperms"]);
    assert!(node.stop().success());
    let mut open = Vec::new();
    readable_by_others(&node.network_dir(), &mut open);
    let umask = std::process::Command::new("sh").args(["-c", "umask"]).output().expect("umask");
    if String::from_utf8_lossy(&umask.stdout).trim().ends_with("22") {
        assert!(!open.is_empty(), "with -sysperms and umask 022 some file should be world-readable");
    }
}
