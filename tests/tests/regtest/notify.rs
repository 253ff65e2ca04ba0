//! Notification commands and configuration as Core: `-walletnotify`,
//! `-startupnotify`/`-shutdownnotify`, `includeconf`, `-walletdir`,
//! `-bantime`, and options that do not apply refused with the reason.

use std::time::Duration;

use serde_json::json;
use zennet_tests::{wait_for, Node, REGTEST_ADDRESS};

fn lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path).unwrap_or_default().lines().map(str::to_string).collect()
}

#[test]
fn walletnotify_reports_each_wallet_transaction_unconfirmed_then_mined() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wallet");
    let node = Node::start(&["-fallbackfee=0.0002", &format!("-walletnotify=echo %s %w %b %h >> {}", file.display())]);
    node.rpc("createwallet", json!(["my-wallet"]));
    let address = node.wallet_rpc("my-wallet", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([101, address]));
    wait_for("the coinbases", Duration::from_secs(30), || (lines(&file).len() >= 101).then_some(()));
    let first = node.rpc("getblock", json!([node.rpc("getblockhash", json!([1])), 1]));
    let coinbase = first["tx"][0].as_str().unwrap();
    let expected = format!("{coinbase} my-wallet {} 1", first["hash"].as_str().unwrap());
    assert!(lines(&file).contains(&expected), "{:?}", &lines(&file)[..3]);

    let txid = node.wallet_rpc("my-wallet", "sendtoaddress", json!([REGTEST_ADDRESS, 1])).as_str().unwrap().to_string();
    wait_for("the unconfirmed payment", Duration::from_secs(30), || {
        lines(&file).contains(&format!("{txid} my-wallet unconfirmed -1")).then_some(())
    });
    let block = node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]))[0].as_str().unwrap().to_string();
    wait_for("the mined payment", Duration::from_secs(30), || {
        lines(&file).contains(&format!("{txid} my-wallet {block} 102")).then_some(())
    });
}

#[test]
fn startup_and_shutdown_notify_run_and_includeconf_walletdir_and_bantime_apply() {
    let dir = tempfile::tempdir().unwrap();
    let (started, stopped) = (dir.path().join("started"), dir.path().join("stopped"));
    let walletdir = dir.path().join("wallets-elsewhere");
    std::fs::create_dir(&walletdir).unwrap();
    let data = tempfile::tempdir().unwrap();
    // The settings come from an included file, relative to the datadir.
    std::fs::write(data.path().join("zennet.conf"), "includeconf=extra.conf\n").unwrap();
    std::fs::write(
        data.path().join("extra.conf"),
        format!(
            "[regtest]\nstartupnotify=touch {}\nshutdownnotify=touch {}\nwalletdir={}\nbantime=60\n",
            started.display(),
            stopped.display(),
            walletdir.display()
        ),
    )
    .unwrap();
    let mut node = Node::on_datadir(data.path().to_path_buf(), &[]);
    node.restart();
    wait_for("-startupnotify", Duration::from_secs(30), || started.exists().then_some(()));
    node.rpc("createwallet", json!(["w"]));
    assert!(walletdir.join("w").is_dir(), "the wallet is under -walletdir");
    node.rpc("setban", json!(["192.0.2.1", "add"]));
    assert_eq!(node.rpc("listbanned", json!([]))[0]["ban_duration"], 60);
    assert!(!stopped.exists());
    assert!(node.stop().success());
    assert!(stopped.exists(), "-shutdownnotify ran before the node stopped");

    let output = std::process::Command::new(zennet_tests::bin_dir().join("zennetd"))
        .args(["-regtest", "-assumevalid=0000000000000000000000000000000000000000000000000000000000000001"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1));
    assert!(err.contains("-assumevalid is not supported: Zennet has no assumed-valid block"), "{err}");
    let output = std::process::Command::new(zennet_tests::bin_dir().join("zennetd"))
        .args(["-regtest", "-includeconf=x.conf"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("-includeconf cannot be used from commandline"));
}
