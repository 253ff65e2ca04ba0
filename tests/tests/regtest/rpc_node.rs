//! Core's node RPCs that tools call (issue: the RPC surface integrators
//! reach for): each positionally and by name, with Core's fields and one
//! error case with Core's code.

use std::time::Duration;

use serde_json::{json, Value};
use zennet_tests::{rpc_error, wait_for, Node, REGTEST_ADDRESS};

#[test]
fn echo_rpcinfo_logging_and_sync() {
    let node = Node::start(&[]);
    assert_eq!(node.rpc("echo", json!(["a", "b"])), json!(["a", "b"]));
    assert_eq!(node.rpc("echo", json!({"arg0": "a", "arg2": "c"})), json!(["a", null, "c"]));
    assert_eq!(node.rpc("echojson", json!([{"x": 1}, [2]])), json!([{"x": 1}, [2]]));
    let (code, _) = rpc_error(node.try_rpc("echo", json!({"arg9": "throw"})));
    assert_eq!(code, -1);

    let info = node.rpc("getrpcinfo", json!([]));
    let active = info["active_commands"].as_array().unwrap();
    assert_eq!(active.len(), 1, "{info}");
    assert_eq!(active[0]["method"], "getrpcinfo");
    assert!(active[0]["duration"].is_u64());
    let logpath = info["logpath"].as_str().unwrap();
    assert!(logpath.ends_with("regtest/debug.log"), "{logpath}");
    let log = std::fs::read_to_string(logpath).expect("debug.log is written");
    assert!(log.contains("RPC server listening"), "{log}");

    // logging: net on at run time, shown in the state and in the log.
    assert!(!log.contains("received: version"), "net debug messages are off by default");
    let states = node.rpc("logging", json!([["net"]]));
    assert_eq!(states["net"], true);
    assert_eq!(states["mempool"], false);
    let peer = Node::start(&[]);
    peer.connect_to(&node);
    wait_for("a net debug line in debug.log", Duration::from_secs(30), || {
        std::fs::read_to_string(logpath).ok()?.contains("received: version").then_some(())
    });
    let states = node.rpc("logging", json!({"include": ["all"], "exclude": ["net"]}));
    assert_eq!(states["net"], false);
    assert_eq!(states["mempool"], true);
    let (code, message) = rpc_error(node.try_rpc("logging", json!([["nosuchcategory"]])));
    assert_eq!((code, message.as_str()), (-8, "unknown logging category nosuchcategory"));
    node.rpc("logging", json!([[], ["all"]]));

    assert_eq!(node.rpc("syncwithvalidationinterfacequeue", json!([])), Value::Null);
    assert!(node.rpc("uptime", json!([])).is_u64());
}

#[test]
fn waits_return_when_the_tip_gets_there() {
    let node = Node::start(&[]);
    // Already there: at once.
    let tip = node.rpc("waitforblockheight", json!([0, 1000]));
    assert_eq!(tip["height"], 0);
    // Timed out: the tip as it is.
    let tip = node.rpc("waitfornewblock", json!({"timeout": 50}));
    assert_eq!(tip["height"], 0);
    let (code, _) = rpc_error(node.try_rpc("waitforblock", json!(["00", 10])));
    assert_eq!(code, -8);
    // Woken by a block mined by another client.
    let client = node.client().unwrap();
    let waiter =
        std::thread::spawn(move || client.call("waitforblockheight", json!({"height": 3, "timeout": 60_000})).unwrap());
    let client = node.client().unwrap();
    let waiter_new = std::thread::spawn(move || client.call("waitfornewblock", json!([60_000])).unwrap());
    // Both are waiting (getrpcinfo shows them) before the blocks come.
    wait_for("both waits in getrpcinfo", Duration::from_secs(30), || {
        (node.rpc("getrpcinfo", json!([]))["active_commands"].as_array()?.len() == 3).then_some(())
    });
    node.rpc("generatetoaddress", json!([3, REGTEST_ADDRESS]));
    let reached = waiter.join().unwrap();
    assert_eq!(reached["height"], 3);
    assert_eq!(reached["hash"], json!(node.tip()));
    assert!(waiter_new.join().unwrap()["height"].as_u64().unwrap() >= 1);
    let tip = node.tip();
    assert_eq!(node.rpc("waitforblock", json!({"blockhash": tip, "timeout": 1000}))["hash"], json!(tip));
}

#[test]
fn mempool_and_mining_info_savemempool_chain_stats_and_indexes() {
    let node = Node::start(&["-txindex"]);
    node.rpc("createwallet", json!(["w"]));
    let address = node.wallet_rpc("w", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([101, address]));
    let txid =
        node.wallet_rpc("w", "sendtoaddress", json!([REGTEST_ADDRESS, 1, "", "", false, true, null, "unset", null, 3]));

    let info = node.rpc("getmempoolinfo", json!([]));
    for field in [
        "loaded",
        "size",
        "bytes",
        "usage",
        "total_fee",
        "maxmempool",
        "mempoolminfee",
        "minrelaytxfee",
        "incrementalrelayfee",
        "unbroadcastcount",
        "fullrbf",
        "permitbaremultisig",
        "maxdatacarriersize",
    ] {
        assert!(info.get(field).is_some(), "getmempoolinfo.{field}: {info}");
    }
    assert_eq!(info["size"], 1);
    assert_eq!(info["maxmempool"], 300_000_000);

    let mining = node.rpc("getmininginfo", json!([]));
    assert_eq!(mining["pooledtx"], 1);
    // The last block assembled was generatetoaddress's last, before the payment.
    assert_eq!((mining["currentblockweight"].clone(), mining["currentblocktx"].clone()), (json!(4000), json!(0)));
    node.rpc("getblocktemplate", json!([{"rules": ["segwit"]}]));
    let mining = node.rpc("getmininginfo", json!([]));
    assert_eq!(mining["currentblocktx"], 1);
    assert!(mining["currentblockweight"].as_u64().unwrap() > 4_000, "{mining}");

    let saved = node.rpc("savemempool", json!([]));
    let file = saved["filename"].as_str().unwrap();
    assert!(file.ends_with("regtest/mempool.dat") && std::path::Path::new(file).exists(), "{saved}");

    node.mine(1);
    let stats = node.rpc("getchaintxstats", json!([]));
    assert_eq!(stats["txcount"], 104, "103 coinbases (genesis included) and one payment: {stats}");
    assert_eq!(stats["window_final_block_height"], 102);
    assert_eq!(stats["window_block_count"], 101);
    assert_eq!(stats["window_tx_count"], 102);
    let tip = node.tip();
    let by_name = node.rpc("getchaintxstats", json!({"nblocks": 1, "blockhash": tip}));
    assert_eq!(by_name["window_tx_count"], 2);
    let (code, message) = rpc_error(node.try_rpc("getchaintxstats", json!([500])));
    assert_eq!((code, message.as_str()), (-8, "Invalid block count: should be between 0 and the block's height - 1"));

    let indexes = node.rpc("getindexinfo", json!([]));
    assert_eq!(indexes, json!({"txindex": {"synced": true, "best_block_height": 102}}));
    assert_eq!(node.rpc("getindexinfo", json!({"index_name": "coinstatsindex"})), json!({}));
    let _ = txid;
}

#[test]
fn help_dump_all_command_conversions_and_stop_wait() {
    let mut node = Node::start(&[]);
    let conversions = node.rpc("help", json!(["dump_all_command_conversions"]));
    let rows = conversions.as_array().unwrap();
    assert!(rows.contains(&json!(["generatetoaddress", 0, "nblocks"])), "{conversions}");
    assert!(rows.contains(&json!(["echojson", 9, "arg9"])));
    assert!(!rows.iter().any(|r| r[0] == "getnewaddress"), "no JSON arguments there");
    let started = std::time::Instant::now();
    assert_eq!(node.rpc("stop", json!({"wait": 300})), json!("Zennet server stopping"));
    assert!(started.elapsed() >= Duration::from_millis(300));
    node.wait_for_exit(Duration::from_secs(60));
}

#[test]
fn generateblock_and_generatetodescriptor() {
    let node = Node::start(&["-fallbackfee=0.0002"]);
    node.rpc("createwallet", json!(["w"]));
    let address = node.wallet_rpc("w", "getnewaddress", json!([])).as_str().unwrap().to_string();
    let desc = node.wallet_rpc("w", "getaddressinfo", json!([address]))["desc"].as_str().unwrap().to_string();
    let hashes = node.rpc("generatetodescriptor", json!([101, desc]));
    assert_eq!(hashes.as_array().unwrap().len(), 101);
    let named =
        node.rpc("generatetodescriptor", json!({"num_blocks": 1, "descriptor": format!("addr({REGTEST_ADDRESS})")}));
    assert_eq!(named.as_array().unwrap().len(), 1);
    let ranged = node.wallet_rpc("w", "listdescriptors", json!([]))["descriptors"][0]["desc"].clone();
    let (code, message) = rpc_error(node.try_rpc("generatetodescriptor", json!([1, ranged])));
    assert_eq!(
        (code, message.as_str()),
        (-8, "Ranged descriptor not accepted. Maybe pass through deriveaddresses first?")
    );

    // generateblock: exactly the transactions named, in order.
    let a = node.wallet_rpc("w", "sendtoaddress", json!([REGTEST_ADDRESS, 1])).as_str().unwrap().to_string();
    let b = node.wallet_rpc("w", "sendtoaddress", json!([REGTEST_ADDRESS, 2])).as_str().unwrap().to_string();
    let raw_b = node.rpc("getrawtransaction", json!([b]));
    let made = node.rpc("generateblock", json!([REGTEST_ADDRESS, [raw_b, a]]));
    let block = node.rpc("getblock", json!([made["hash"], 1]));
    assert_eq!(block["tx"].as_array().unwrap()[1..], [json!(b), json!(a)]);
    assert_eq!(node.tip(), made["hash"].as_str().unwrap());
    let held = node.rpc("generateblock", json!({"output": desc, "transactions": [], "submit": false}));
    assert!(held["hex"].is_string());
    assert_ne!(node.tip(), held["hash"].as_str().unwrap(), "not submitted");
    let (code, _) = rpc_error(node.try_rpc("generateblock", json!([REGTEST_ADDRESS, ["00".repeat(32)]])));
    assert_eq!(code, -5, "a txid not in the mempool");
    let (code, _) = rpc_error(node.try_rpc("generateblock", json!(["nonsense", []])));
    assert_eq!(code, -8);
    // testmempoolaccept's fees as Core ≥ 25.
    let raw = node.rpc("createrawtransaction", json!([[], [{REGTEST_ADDRESS: 1}]]));
    let funded = node.wallet_rpc("w", "fundrawtransaction", json!([raw, {"fee_rate": 4}]));
    let signed = node.wallet_rpc("w", "signrawtransactionwithwallet", json!([funded["hex"]]));
    let verdict = node.rpc("testmempoolaccept", json!({"rawtxs": [signed["hex"]]}))[0].clone();
    assert_eq!(verdict["allowed"], true, "{verdict}");
    assert_eq!(verdict["fees"]["base"], funded["fee"]);
    assert_eq!(verdict["fees"]["effective-includes"], json!([verdict["wtxid"]]));
    let rate = verdict["fees"]["effective-feerate"].as_f64().unwrap();
    assert!((0.00004..0.00005).contains(&rate), "4 sat/vB is 0.00004 ZEN/kvB: {rate}");
    assert!(verdict["vsize"].as_u64().unwrap() > 100);
}

#[test]
fn cli_help_by_category_and_per_method() {
    let node = Node::start(&[]);
    let (code, overview, _) = node.cli(&["help"]);
    assert_eq!(code, 0);
    for category in ["== Blockchain ==", "== Rawtransactions ==", "== Wallet ==", "== Util ==", "== Network =="] {
        assert!(overview.contains(category), "{category} in {overview}");
    }
    assert!(overview.contains("\nsendtoaddress \"address\" amount"), "{overview}");
    assert!(overview.contains("\nwalletprocesspsbt \"psbt\""));
    let (code, text, _) = node.cli(&["help", "sendtoaddress"]);
    assert_eq!(code, 0);
    for section in [
        "\nArguments:\n1. address",
        "\nResult:\n",
        "\nExamples:\n> zennet-cli sendtoaddress \"address\" 0",
        "> curl --user myusername",
    ] {
        assert!(text.contains(section), "{section:?} in {text}");
    }
    let unknown = node.rpc("help", json!({"command": "nosuchmethod"}));
    assert_eq!(unknown, json!("help: unknown command: nosuchmethod"));
}

#[test]
fn amounts_print_with_eight_decimals_as_core() {
    let node = Node::start(&[]);
    node.mine(1);
    let (code, text, _) = node.cli(&["getblock", &node.tip(), "2"]);
    assert_eq!(code, 0);
    assert!(text.contains("\"value\": 4.75000000"), "{text}");
    let (_, info, _) = node.cli(&["getmempoolinfo"]);
    assert!(info.contains("\"minrelaytxfee\": 0.00001000"), "{info}");
    // Each connected block has its UpdateTip line in debug.log, as Core.
    let log = std::fs::read_to_string(node.network_dir().join("debug.log")).unwrap();
    let line = format!("UpdateTip: new best={} height=1 ", node.tip());
    assert!(log.contains(&line), "{log}");
}

/// Methods without arguments refuse one, as Core (-1 with the usage).
#[test]
fn argumentless_methods_refuse_arguments() {
    let node = Node::start(&[]);
    for method in
        ["getrpcinfo", "savemempool", "syncwithvalidationinterfacequeue", "getmempoolinfo", "getmininginfo", "uptime"]
    {
        let (code, message) = rpc_error(node.try_rpc(method, json!(["extra"])));
        assert_eq!(code, -1, "{method}");
        assert!(message.starts_with(method), "{method}: {message}");
    }
}

/// A mistyped option must never send the command elsewhere: refused, exit 1.
#[test]
fn cli_refuses_unknown_options_and_missing_conf_files() {
    let node = Node::start(&[]);
    let (code, _, err) = node.cli(&["-rpcprot=1", "stop"]);
    assert_eq!(code, 1);
    assert!(err.contains("Invalid parameter -rpcprot=1"), "{err}");
    let (code, _, err) = node.cli(&["-conf=/nonexistent/zennet.conf", "getblockcount"]);
    assert_eq!(code, 1);
    assert!(err.contains("could not be opened"), "{err}");
    let (code, out, _) = node.cli(&["getblockcount"]);
    assert_eq!((code, out.trim()), (0, "0"), "the node was not stopped");
}

#[test]
fn zennetd_refuses_a_missing_conf_file() {
    let dir = std::env::temp_dir().join(format!("zennet-missing-conf-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let output = std::process::Command::new(zennet_tests::bin_dir().join("zennetd"))
        .args(["-regtest", &format!("-datadir={}", dir.display()), "-conf=nosuch.conf"])
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(!output.status.success());
    let err = String::from_utf8_lossy(&output.stderr);
    assert!(err.contains("could not be opened") && err.contains("nosuch.conf"), "{err}");
}

#[test]
fn debug_categories_from_the_command_line() {
    let node = Node::start(&["-debug=net", "-debug=mempool", "-debugexclude=mempool", "-debug=nosuch"]);
    let states = node.rpc("logging", json!([]));
    assert_eq!(states["net"], true);
    assert_eq!(states["mempool"], false, "excluded after being asked for");
    assert_eq!(states["rpc"], false);
    let log = std::fs::read_to_string(node.network_dir().join("debug.log")).unwrap();
    assert!(log.contains("Unsupported logging category -debug=nosuch."), "{log}");
    let all = Node::start(&["-debug"]);
    assert!(all.rpc("logging", json!([])).as_object().unwrap().values().all(|v| v == true));
}

/// zennet-cli's own options, as bitcoin-cli's.
#[test]
fn cli_version_getinfo_generate_stdin_and_exit_codes() {
    let node = Node::start(&[]);
    let (code, version, _) = node.cli(&["-version"]);
    assert_eq!(code, 0);
    assert!(version.starts_with("Zennet RPC client version v"), "{version}");
    let (code, _, err) = node.cli(&["nosuchmethod"]);
    assert_eq!(code, 89, "-32601 as bitcoin-cli reports it: {err}");

    node.rpc("createwallet", json!({"wallet_name": "w", "passphrase": "secret words"}));
    let (code, out, err) = node.cli(&["-generate", "2"]);
    assert_eq!(code, 0, "{err}");
    let generated: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(generated["blocks"].as_array().unwrap().len(), 2);
    assert!(generated["address"].as_str().unwrap().starts_with("zrt1"));
    let (code, info, _) = node.cli(&["-getinfo"]);
    assert_eq!(code, 0);
    for line in ["Chain: regtest", "Blocks: 2", "Network: in 0, out 0, total 0", "Wallet: \"w\"", "Balance: 0.00000000"]
    {
        assert!(info.contains(line), "{line:?} in {info}");
    }

    // -stdin and -stdinwalletpassphrase: arguments and the passphrase never on the command line.
    let run = |args: &[&str], input: &str| {
        use std::io::Write;
        let mut child = std::process::Command::new(zennet_tests::bin_dir().join("zennet-cli"))
            .arg("-regtest")
            .arg(format!("-datadir={}", node.network_dir().parent().unwrap().display()))
            .arg(format!("-rpcport={}", node.rpc_port))
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        let output = child.wait_with_output().unwrap();
        (output.status.code().unwrap_or(-1), String::from_utf8_lossy(&output.stdout).into_owned())
    };
    let (code, hash) = run(&["-stdin", "getblockhash"], "1\n");
    assert_eq!(code, 0);
    assert_eq!(hash.trim(), node.rpc("getblockhash", json!([1])).as_str().unwrap());
    let (code, _) =
        run(&["-rpcwallet=w", "-stdinwalletpassphrase", "-stdin", "walletpassphrase"], "secret words\n60\n");
    assert_eq!(code, 0);
    assert!(node.wallet_rpc("w", "getwalletinfo", json!([]))["unlocked_until"].as_u64().unwrap() > 0);
}

#[test]
fn uacomment_in_peers_subver_and_unknown_options_refused() {
    let a = Node::start(&["-uacomment=pool", "-uacomment=eu 1"]);
    let b = Node::start(&[]);
    b.connect_to(&a);
    assert_eq!(a.rpc("getnetworkinfo", json!([]))["subversion"], "/Zennet:0.1.0(pool; eu 1)/");
    zennet_tests::wait_for("the peer's subver", std::time::Duration::from_secs(30), || {
        let peers = b.rpc("getpeerinfo", json!([]));
        peers.as_array()?.iter().any(|p| p["subver"] == "/Zennet:0.1.0(pool; eu 1)/").then_some(())
    });
    let output = std::process::Command::new(zennet_tests::bin_dir().join("zennetd"))
        .args(["-regtest", "-rpcprot=1"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let err = String::from_utf8_lossy(&output.stderr);
    assert_eq!(err.trim(), "Error: Error parsing command line arguments: Invalid parameter -rpcprot=1");
    let output = std::process::Command::new(zennet_tests::bin_dir().join("zennetd"))
        .args(["-regtest", "-uacomment=a/b"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("contains unsafe characters"));
}

/// -daemonwait returns once the node answers; -pid names the PID file,
/// removed at a clean stop.
#[test]
fn daemon_and_pid_file() {
    let dir = tempfile::tempdir().unwrap();
    let port = zennet_tests::free_port();
    let args = [
        "-regtest".to_string(),
        format!("-datadir={}", dir.path().display()),
        format!("-rpcport={port}"),
        format!("-port={}", zennet_tests::free_port()),
        "-pid=node.pid".to_string(),
        "-daemonwait".to_string(),
    ];
    let output = std::process::Command::new(zennet_tests::bin_dir().join("zennetd")).args(&args).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "Zennet server starting");
    let pid_file = dir.path().join("regtest").join("node.pid");
    let pid: u32 = std::fs::read_to_string(&pid_file).unwrap().trim().parse().unwrap();
    assert!(std::path::Path::new(&format!("/proc/{pid}")).exists(), "the daemon runs");
    let cli = |args: &[&str]| {
        std::process::Command::new(zennet_tests::bin_dir().join("zennet-cli"))
            .args(["-regtest", &format!("-datadir={}", dir.path().display()), &format!("-rpcport={port}")])
            .args(args)
            .output()
            .unwrap()
    };
    assert_eq!(String::from_utf8_lossy(&cli(&["getblockcount"]).stdout).trim(), "0", "it answers at once");
    assert!(cli(&["stop"]).status.success());
    zennet_tests::wait_for("the daemon to stop and remove its PID file", std::time::Duration::from_secs(60), || {
        (!pid_file.exists() && !std::path::Path::new(&format!("/proc/{pid}")).exists()).then_some(())
    });
}

/// HTTP details as Core: a JSON-RPC 2.0 notification is answered 204 with
/// no body, an empty batch `[]`, a batch without its notifications' replies.
#[test]
fn notifications_and_empty_batches() {
    use std::io::{Read, Write};
    let node = Node::start(&[]);
    let cookie = std::fs::read_to_string(node.network_dir().join(".cookie")).unwrap();
    let auth = base64::Engine::encode(&base64::engine::general_purpose::STANDARD, cookie.trim());
    let post = |body: &str| {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", node.rpc_port)).unwrap();
        write!(
            stream,
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic {auth}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        (head.split_whitespace().nth(1).unwrap().to_string(), body.trim().to_string())
    };
    assert_eq!(post(r#"{"jsonrpc":"2.0","method":"getblockcount"}"#), ("204".to_string(), String::new()));
    assert_eq!(post("[]"), ("200".to_string(), "[]".to_string()));
    let (status, body) =
        post(r#"[{"jsonrpc":"2.0","method":"getblockcount","id":7},{"jsonrpc":"2.0","method":"getblockcount"}]"#);
    assert_eq!(status, "200");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&body).unwrap(),
        json!([{"jsonrpc": "2.0", "result": 0, "id": 7}])
    );
}

#[test]
fn log_options_and_mocktime() {
    let node = Node::start(&["-logtimestamps=0", "-logthreadnames", "-printtoconsole=0", "-mocktime=1800000000"]);
    node.mine(1);
    let header = node.rpc("getblockheader", json!([node.tip()]));
    assert_eq!(header["time"], 1_800_000_000, "the block is stamped with the mock time");
    let log = std::fs::read_to_string(node.network_dir().join("debug.log")).unwrap();
    let first = log.lines().find(|l| l.contains("RPC server listening")).unwrap();
    assert!(!first.trim_start().starts_with("20"), "no timestamp: {first}");
    assert_eq!(
        first.split_whitespace().take(3).collect::<Vec<_>>(),
        ["INFO", "main", "zennetd::node:"],
        "level, thread name, target: {first}"
    );
    assert!(node.log().is_empty(), "nothing on the console: {}", node.log());
    let output =
        std::process::Command::new(zennet_tests::bin_dir().join("zennetd")).args(["-mocktime=5"]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("-mocktime is for regression testing"));
}

/// Options Core takes that this node cannot act on start it and say why
/// once; -reindex-chainstate rebuilds from the stored blocks.
#[test]
fn accepted_options_say_what_they_cannot_do() {
    let mut node = Node::start(&["-upnp", "-natpmp=1", "-dnsseed=0"]);
    node.mine(3);
    let tip = node.tip();
    let log = node.log();
    assert!(log.contains("-upnp: no UPnP port mapping is done"), "{log}");
    assert!(log.contains("-natpmp: no NAT-PMP"), "{log}");
    assert!(!log.contains("-dnsseed:"), "-dnsseed=0 asks for nothing");
    node.stop();
    node.restart_with(&["-reindex-chainstate"]);
    assert_eq!(node.tip(), tip, "the chainstate rebuilt from the stored blocks");
}

/// logrotate's way: move debug.log away, SIGHUP, and the node writes a new one.
#[test]
fn debug_log_is_reopened_on_sighup() {
    let node = Node::start(&[]);
    let log = node.network_dir().join("debug.log");
    let moved = node.network_dir().join("debug.log.1");
    std::fs::rename(&log, &moved).unwrap();
    let status = std::process::Command::new("kill").args(["-HUP", &node.pid().to_string()]).status().unwrap();
    assert!(status.success());
    wait_for("a new debug.log after SIGHUP", Duration::from_secs(30), || {
        node.mine(1);
        std::fs::read_to_string(&log).ok().filter(|text| text.contains("UpdateTip: new best=")).map(|_| ())
    });
    assert!(std::fs::read_to_string(&moved).unwrap().contains("RPC server listening"), "the old file kept its lines");
}

/// bitcoin-cli's dashboards and argument forms: `-netinfo` (levels 0-4 and
/// help), `-addrinfo`, `-getinfo -color`, and `-named` mixed with positionals.
#[test]
fn cli_netinfo_addrinfo_color_and_named_with_positionals() {
    let node = Node::start(&[]);
    let peer = Node::start(&[]);
    peer.connect_to(&node);

    let (code, out, _) = node.cli(&["-netinfo"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("Zennet client v0.1.0 regtest - server 70016/Zennet:0.1.0/"), "{out}");
    let table: Vec<&str> = out.lines().filter(|l| l.starts_with("in ") || l.starts_with("total")).collect();
    assert_eq!(table.len(), 2, "{out}");
    assert!(table[0].split_whitespace().any(|c| c == "1"), "one inbound peer: {out}");
    assert!(!out.contains("Peer connections sorted"), "level 0 has no peer list");
    let (_, out, _) = node.cli(&["-netinfo", "4"]);
    assert!(out.contains("Peer connections sorted by direction and min ping"), "{out}");
    let row = out.lines().find(|l| l.trim_start().starts_with("in ")).unwrap();
    assert!(row.contains("127.0.0.1:") && row.contains("70016/Zennet:0.1.0/"), "{row}");
    let (_, out, _) = node.cli(&["-netinfo", "1"]);
    let row = out.lines().find(|l| l.trim_start().starts_with("in ")).unwrap();
    assert!(!row.contains("127.0.0.1:"), "level 1 has no addresses: {row}");
    let (code, out, _) = node.cli(&["-netinfo", "help"]);
    assert_eq!(code, 0);
    assert!(out.starts_with("-netinfo level|\"help\""), "{out}");

    let (code, out, _) = node.cli(&["-addrinfo"]);
    assert_eq!(code, 0);
    let known: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(known["addresses_known"]["total"].is_u64(), "{out}");

    let (_, plain, _) = node.cli(&["-getinfo"]);
    assert!(!plain.contains('\u{1b}'));
    let (_, colored, _) = node.cli(&["-getinfo", "-color=always"]);
    assert!(colored.contains("\u{1b}[34mChain: regtest\u{1b}[0m"), "{colored}");
    let (code, _, err) = node.cli(&["-getinfo", "-color=sometimes"]);
    assert_eq!(code, 1);
    assert!(err.contains("Invalid value for -color option. Valid values: always, auto, never."), "{err}");

    let genesis = node.rpc("getblockhash", json!([0])).as_str().unwrap().to_string();
    let (code, out, _) = node.cli(&["-named", "getblock", &genesis, "verbosity=0"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim(), node.rpc("getblock", json!([genesis, 0])).as_str().unwrap());
    let (code, _, err) = node.cli(&["-named", "getblock", &genesis, &format!("blockhash={genesis}")]);
    assert_eq!(code, 8);
    assert!(err.contains("Parameter blockhash specified twice both as positional and named argument"), "{err}");
}
