//! REST (`-rest`) as Core's: every endpoint's JSON equals the matching RPC's
//! result, `.bin` equals the raw bytes (`getblock <hash> 0`), `.hex` their
//! hex; no authentication; unknown paths 404; without `-rest`, 403.

use std::io::{Read, Write};
use std::net::TcpStream;

use serde_json::{json, Value};
use zennet_tests::{zen, Node, REGTEST_ADDRESS};

/// A plain HTTP GET, no credentials: (status, body).
fn get(node: &Node, path: &str) -> (u16, Vec<u8>) {
    let mut stream = TcpStream::connect(("127.0.0.1", node.rpc_port)).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").expect("headers end");
    let head = String::from_utf8_lossy(&response[..split]).to_string();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let body = response[split + 4..].to_vec();
    assert!(!head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{head}");
    (status, body)
}

fn json_of(node: &Node, path: &str) -> Value {
    let (status, body) = get(node, path);
    assert_eq!(status, 200, "{path}: {}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

#[test]
fn rest_endpoints_equal_the_rpcs() {
    let node = Node::start(&["-rest", "-txindex", "-fallbackfee=0.0002"]);
    node.rpc("createwallet", json!(["w"]));
    let address = node.wallet_rpc("w", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([101, address]));
    let txid = node.wallet_rpc("w", "sendtoaddress", json!([REGTEST_ADDRESS, 1])).as_str().unwrap().to_string();
    let hash = node.tip();

    assert_eq!(json_of(&node, &format!("/rest/block/{hash}.json")), node.rpc("getblock", json!([hash, 2])));
    assert_eq!(json_of(&node, &format!("/rest/block/notxdetails/{hash}.json")), node.rpc("getblock", json!([hash, 1])));
    let raw = hex::decode(node.rpc("getblock", json!([hash, 0])).as_str().unwrap()).unwrap();
    assert_eq!(get(&node, &format!("/rest/block/{hash}.bin")), (200, raw.clone()));
    assert_eq!(get(&node, &format!("/rest/block/{hash}.hex")), (200, format!("{}\n", hex::encode(&raw)).into_bytes()));

    assert_eq!(json_of(&node, &format!("/rest/tx/{txid}.json")), node.rpc("getrawtransaction", json!([txid, 1])));
    let raw_tx = hex::decode(node.rpc("getrawtransaction", json!([txid])).as_str().unwrap()).unwrap();
    assert_eq!(get(&node, &format!("/rest/tx/{txid}.bin")), (200, raw_tx));

    let first = node.rpc("getblockhash", json!([1])).as_str().unwrap().to_string();
    let headers = json_of(&node, &format!("/rest/headers/3/{first}.json"));
    assert_eq!(headers.as_array().unwrap().len(), 3);
    assert_eq!(headers[0], node.rpc("getblockheader", json!([first])));
    let (status, bin) = get(&node, &format!("/rest/headers/3/{first}.bin"));
    assert_eq!((status, bin.len()), (200, 240));

    assert_eq!(json_of(&node, "/rest/blockhashbyheight/1.json"), json!({"blockhash": first}));
    let (_, bin) = get(&node, "/rest/blockhashbyheight/1.bin");
    let mut display = bin.clone();
    display.reverse();
    assert_eq!(hex::encode(display), first);

    let mut chaininfo = json_of(&node, "/rest/chaininfo.json");
    let mut rpc_chaininfo = node.rpc("getblockchaininfo", json!([]));
    // Progress moves with the clock between the two calls.
    chaininfo["verificationprogress"] = Value::Null;
    rpc_chaininfo["verificationprogress"] = Value::Null;
    assert_eq!(chaininfo, rpc_chaininfo);
    assert_eq!(json_of(&node, "/rest/mempool/info.json"), node.rpc("getmempoolinfo", json!([])));
    assert_eq!(json_of(&node, "/rest/mempool/contents.json"), node.rpc("getrawmempool", json!([true])));

    // getutxos: the coin a mempool payment spends, the payment's output, a coin that never was.
    let payment = node.rpc("getrawtransaction", json!([txid, 1]));
    let spent = format!("{}-{}", payment["vin"][0]["txid"].as_str().unwrap(), payment["vin"][0]["vout"]);
    let created = format!("{txid}-0");
    let never = format!("{}-0", "11".repeat(32));
    let chain_only = json_of(&node, &format!("/rest/getutxos/{spent}/{created}/{never}.json"));
    assert_eq!(chain_only["bitmap"], "100");
    assert_eq!(chain_only["chainHeight"], 101);
    assert_eq!(chain_only["chaintipHash"], json!(hash));
    assert_eq!(chain_only["utxos"][0]["value"], zen(4.75));
    let with_pool = json_of(&node, &format!("/rest/getutxos/checkmempool/{spent}/{created}/{never}.json"));
    assert_eq!(with_pool["bitmap"], "010");
    assert_eq!(with_pool["utxos"][0]["height"], 0x7FFF_FFFF);
    let (status, bin) = get(&node, &format!("/rest/getutxos/checkmempool/{spent}/{created}/{never}.bin"));
    assert_eq!(status, 200);
    assert_eq!(&bin[36..38], &[1, 0b010], "one bitmap byte: the second outpoint");
    let many: Vec<String> = (0..16).map(|i| format!("{}-{i}", "11".repeat(32))).collect();
    assert_eq!(get(&node, &format!("/rest/getutxos/{}.json", many.join("/"))).0, 400);

    // Errors as Core.
    assert_eq!(get(&node, "/rest/nosuch").0, 404);
    assert_eq!(get(&node, &format!("/rest/block/{hash}.xml")).0, 404);
    assert_eq!(get(&node, "/rest/block/nothex.json").0, 400);
    assert_eq!(get(&node, &format!("/rest/tx/{}.json", "00".repeat(32))).0, 404);
    assert_eq!(get(&node, "/rest/blockhashbyheight/999.json").0, 404);
    assert_eq!(get(&node, &format!("/rest/headers/5000/{first}.json")).0, 400);
    assert_eq!(get(&node, "/rest/chaininfo.bin").0, 404);

    let off = Node::start(&[]);
    assert_eq!(get(&off, "/rest/chaininfo.json").0, 403);
}
