//! Mining, restart, RPC conventions and the datadir lock.

use primitives::PowAlgo;
use rpc::ClientError;
use serde_json::{json, Value};
use zennet_tests::{Node, REGTEST_ADDRESS};

fn rpc_error(result: Result<Value, ClientError>) -> (i32, String) {
    match result {
        Err(ClientError::Rpc(e)) => (e.code, e.message),
        other => panic!("expected an RPC error, got {other:?}"),
    }
}

#[test]
fn mines_with_every_algorithm_and_keeps_the_chain_across_restart() {
    let mut node = Node::start(&[]);
    for algo in PowAlgo::ALL {
        let hashes = node.rpc("generatetoaddress", json!([10, REGTEST_ADDRESS, 1_000_000, algo.name()]));
        assert_eq!(hashes.as_array().unwrap().len(), 10);
        let last = hashes[9].as_str().unwrap();
        let block = node.rpc("getblock", json!([last, 1]));
        assert_eq!(block["pow_algo"], algo.name());
        assert_eq!(block["pow_algo_id"], algo.id());
        assert_eq!(block["version"].as_i64().unwrap(), i64::from(algo.block_version()));
        assert_eq!(block["pow_hash"].as_str().map(str::len), Some(64), "{algo}");
        // The same from the header view (memoised) as from getblock.
        for _ in 0..2 {
            assert_eq!(node.rpc("getblockheader", json!([last]))["pow_hash"], block["pow_hash"], "{algo}");
        }
        if algo == PowAlgo::Sha256d {
            assert_eq!(block["pow_hash"], block["hash"], "sha256d's PoW hash is the block id");
        } else {
            assert_ne!(block["pow_hash"], block["hash"], "{algo}'s PoW hash is not the block id");
        }
    }
    let info = node.rpc("getblockchaininfo", json!([]));
    assert_eq!(info["blocks"], 50);
    assert_eq!(info["chain"], "regtest");
    let tip = info["bestblockhash"].clone();
    let work = info["chainwork"].clone();
    // Every algorithm's difficulty is reported.
    let mining = node.rpc("getmininginfo", json!([]));
    for algo in PowAlgo::ALL {
        assert!(mining["difficulties"][algo.name()].as_f64().unwrap() > 0.0);
    }

    assert!(node.stop().success(), "clean exit; log:\n{}", node.log());
    node.restart();
    let info = node.rpc("getblockchaininfo", json!([]));
    assert_eq!(info["blocks"], 50);
    assert_eq!(info["bestblockhash"], tip);
    assert_eq!(info["chainwork"], work);
    assert_eq!(node.rpc("getblockcount", json!([])), 50);

    // Verbosity 0 and 2 agree with 1.
    let hash = node.rpc("getblockhash", json!([25]));
    let raw = node.rpc("getblock", json!([hash, 0]));
    let decoded = node.rpc("getblock", json!([hash, 2]));
    assert_eq!(decoded["tx"][0]["vout"][0]["scriptPubKey"]["address"], REGTEST_ADDRESS);
    assert_eq!(decoded["tx"][0]["vout"][0]["value"], 4.75);
    assert!(raw.as_str().unwrap().contains(decoded["tx"][0]["hex"].as_str().unwrap()));
    let header = node.rpc("getblockheader", json!([hash]));
    assert_eq!(header["height"], 25);
    assert_eq!(header["confirmations"], 26);
}

#[test]
fn bad_input_gets_core_error_codes_and_the_node_keeps_running() {
    let node = Node::start(&[]);
    let (code, message) = rpc_error(node.try_rpc("generatetoaddress", json!([1, REGTEST_ADDRESS, 1000, "x11"])));
    assert_eq!(code, -8, "{message}");
    let (code, message) = rpc_error(node.try_rpc("generatetoaddress", json!(["ten", REGTEST_ADDRESS])));
    assert_eq!(code, -3);
    assert_eq!(message, "JSON value of type string is not of expected type number");
    let (code, _) = rpc_error(node.try_rpc("generatetoaddress", json!([1, "zrt1notanaddress"])));
    assert_eq!(code, -5);
    let (code, _) =
        rpc_error(node.try_rpc("generatetoaddress", json!([1, "zn1qw508d6qejxtdg4y5r3zarvary0c5xw7kksc6qf"])));
    assert_eq!(code, -5, "a main-network address is not a regtest address");
    let (code, _) = rpc_error(node.try_rpc("nosuchmethod", json!([])));
    assert_eq!(code, -32601);
    let (code, _) = rpc_error(node.try_rpc("getblockhash", json!([5])));
    assert_eq!(code, -8);
    let (code, _) = rpc_error(node.try_rpc("getblock", json!(["00"])));
    assert_eq!(code, -8);
    let (code, _) = rpc_error(node.try_rpc("getblock", json!(["11".repeat(32)])));
    assert_eq!(code, -5);
    let (code, _) = rpc_error(node.try_rpc("generatetoaddress", json!({"nblocks": 1, "bogus": 1})));
    assert_eq!(code, -8);
    // Still serving, and named parameters work.
    let mined = node.rpc("generatetoaddress", json!({"nblocks": 2, "address": REGTEST_ADDRESS, "algo": "skein"}));
    assert_eq!(mined.as_array().unwrap().len(), 2);
    assert_eq!(node.rpc("getblockcount", json!([])), 2);
}

#[test]
fn speaks_bitcoin_core_http() {
    let node = Node::start(&[]);
    let client = node.client().unwrap();
    // Legacy JSON-RPC 1.0 as bitcoin-cli and curl examples send it.
    let (status, body) =
        client.post_raw(r#"{"jsonrpc":"1.0","id":"curltest","method":"getblockcount","params":[]}"#).unwrap();
    assert_eq!(status, 200);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap(), json!({"result": 0, "error": null, "id": "curltest"}));
    let (status, body) = client.post_raw(r#"{"id":1,"method":"nosuch"}"#).unwrap();
    assert_eq!(status, 404);
    let reply: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(reply["error"]["code"], -32601);
    assert!(reply.get("result").is_some() && reply["result"].is_null());
    let (status, body) = client.post_raw(r#"{"id":1,"method":"getblockhash","params":["x"]}"#).unwrap();
    assert_eq!(status, 500);
    assert_eq!(serde_json::from_str::<Value>(&body).unwrap()["error"]["code"], -3);
    // A batch mixing both shapes.
    let (status, body) =
        client.post_raw(r#"[{"jsonrpc":"2.0","id":7,"method":"getblockcount"},{"id":8,"method":"uptime"}]"#).unwrap();
    assert_eq!(status, 200);
    let replies: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(replies[0], json!({"jsonrpc": "2.0", "result": 0, "id": 7}));
    assert!(replies[1]["error"].is_null() && replies[1]["id"] == 8);
    // Wrong credentials: 401 with a Basic challenge.
    let wrong = rpc::RpcClient::new(
        node.url(),
        rpc::Credentials { user: "__cookie__".into(), password: "wrong".into() },
        std::time::Duration::from_secs(10),
    );
    assert!(matches!(wrong.call("getblockcount", json!([])), Err(ClientError::Unauthorized)));

    // zennet-cli reads the cookie like bitcoin-cli.
    let (code, out, _) = node.cli(&["getblockcount"]);
    assert_eq!((code, out.trim()), (0, "0"));
    let (code, out, err) = node.cli(&["generatetoaddress", "1", REGTEST_ADDRESS, "1000", "groestl"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains('"'));
    let (code, _, err) = node.cli(&["generatetoaddress", "1", REGTEST_ADDRESS, "1000", "x11"]);
    assert_eq!(code, 8);
    assert!(err.contains("error code: -8"), "{err}");
    let (code, out, _) = node.cli(&["-named", "getblockhash", "height=1"]);
    assert_eq!(code, 0);
    assert_eq!(out.trim().len(), 64);
}

#[test]
fn a_second_daemon_on_the_same_datadir_is_refused() {
    let node = Node::start(&[]);
    node.rpc("generatetoaddress", json!([3, REGTEST_ADDRESS]));
    let mut second = node.spawn_process(&[&format!("-rpcport={}", zennet_tests::free_port())]);
    let status = zennet_tests::wait_for("the second daemon to give up", std::time::Duration::from_secs(30), || {
        second.try_wait().ok().flatten()
    });
    assert!(!status.success());
    assert!(node.log().contains("datadir locked"), "log:\n{}", node.log());
    // The first is undisturbed.
    assert_eq!(node.rpc("getblockcount", json!([])), 3);
    node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    assert_eq!(node.rpc("getblockcount", json!([])), 4);
}

#[test]
fn txindex_and_reindex_from_the_command_line() {
    let mut node = Node::start(&["-txindex"]);
    node.rpc("generatetoaddress", json!([5, REGTEST_ADDRESS]));
    let hash = node.rpc("getblockhash", json!([3]));
    let txid = node.rpc("getblock", json!([hash, 1]))["tx"][0].clone();
    let found = node.rpc("getrawtransaction", json!([txid, true]));
    assert_eq!(found["blockhash"], hash, "-txindex finds it without a block hash");
    let before = node.rpc("gettxoutsetinfo", json!([]));

    assert!(node.stop().success());
    node.restart_with(&["-reindex"]);
    let after = node.rpc("gettxoutsetinfo", json!([]));
    assert_eq!(after["bestblock"], before["bestblock"]);
    assert_eq!(after["hash_serialized_3"], before["hash_serialized_3"]);
    assert_eq!(node.rpc("getrawtransaction", json!([txid, true]))["blockhash"], hash, "txindex rebuilt");

    // Without -txindex and without a block hash, Core's -5 explains why.
    let plain = Node::start(&[]);
    plain.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    let tip = plain.rpc("getbestblockhash", json!([]));
    let coinbase = plain.rpc("getblock", json!([tip, 1]))["tx"][0].clone();
    let (code, _) = rpc_error(plain.try_rpc("getrawtransaction", json!([coinbase])));
    assert_eq!(code, -5);
    assert!(plain.rpc("getrawtransaction", json!([coinbase, false, tip])).is_string());
}
