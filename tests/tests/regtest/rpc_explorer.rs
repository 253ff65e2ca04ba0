//! Explorer data as Core gives it: getblockstats of a block with known
//! transactions equals the values computed here from the transactions
//! themselves (fees from their inputs' outputs, looked up one by one);
//! getblock verbosity 2 (fee) and 3 (prevout), getrawtransaction
//! verbosity 2, `desc` in listunspent.

use serde_json::json;
use zennet_tests::{rpc_error, zats, zen, Node, REGTEST_ADDRESS};

/// Core's percentiles by weight, written out plainly.
fn percentiles(mut rated: Vec<(i64, i64)>, total: i64) -> Vec<i64> {
    rated.sort();
    let marks = [0.1, 0.25, 0.5, 0.75, 0.9].map(|p| total as f64 * p);
    let mut out = Vec::new();
    for mark in marks {
        let mut cumulative = 0;
        let found = rated.iter().find(|(_, w)| {
            cumulative += w;
            cumulative as f64 >= mark
        });
        out.push(found.or(rated.last()).map_or(0, |r| r.0));
    }
    out
}

#[test]
fn block_stats_equal_an_independent_count() {
    let node = Node::start(&["-txindex", "-fallbackfee=0.0002"]);
    node.rpc("createwallet", json!(["w"]));
    let address = node.wallet_rpc("w", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([104, address]));
    for (amount, rate) in [(1.0, 1), (2.0, 5), (0.5, 20), (3.0, 2)] {
        node.wallet_rpc("w", "sendtoaddress", json!({"address": REGTEST_ADDRESS, "amount": amount, "fee_rate": rate}));
    }
    node.mine(1);
    let height = node.height();
    let hash = node.tip();

    // Independently: every transaction, its inputs' outputs fetched one by one.
    let block = node.rpc("getblock", json!([hash, 1]));
    let txids: Vec<String> = block["tx"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_string()).collect();
    assert_eq!(txids.len(), 5);
    let (mut fees, mut rated, mut sizes) = (Vec::new(), Vec::new(), Vec::new());
    let (mut ins, mut outs, mut total_weight, mut total_size, mut total_out) = (0i64, 0i64, 0i64, 0i64, 0u64);
    for (i, txid) in txids.iter().enumerate() {
        let tx = node.rpc("getrawtransaction", json!([txid, true]));
        outs += tx["vout"].as_array().unwrap().len() as i64;
        if i == 0 {
            continue;
        }
        let paid_out: u64 = tx["vout"].as_array().unwrap().iter().map(|o| zats(&o["value"])).sum();
        let mut paid_in = 0;
        for vin in tx["vin"].as_array().unwrap() {
            let prev = node.rpc("getrawtransaction", json!([vin["txid"], true]));
            paid_in += zats(&prev["vout"][vin["vout"].as_u64().unwrap() as usize]["value"]);
            ins += 1;
        }
        let fee = (paid_in - paid_out) as i64;
        let weight = tx["weight"].as_i64().unwrap();
        let size = tx["size"].as_i64().unwrap();
        fees.push(fee);
        rated.push((fee * 4 / weight, weight));
        sizes.push(size);
        total_weight += weight;
        total_size += size;
        total_out += paid_out;
    }
    let total_fee: i64 = fees.iter().sum();
    let mut sorted = fees.clone();
    sorted.sort();

    let stats = node.rpc("getblockstats", json!([height]));
    assert_eq!(stats["blockhash"], json!(hash));
    assert_eq!(stats["txs"], 5);
    assert_eq!(stats["ins"], ins);
    assert_eq!(stats["outs"], outs);
    assert_eq!(stats["totalfee"], total_fee);
    assert_eq!(stats["avgfee"], total_fee / 4);
    assert_eq!(stats["minfee"], sorted[0]);
    assert_eq!(stats["maxfee"], sorted[3]);
    assert_eq!(stats["medianfee"], (sorted[1] + sorted[2]) / 2);
    assert_eq!(stats["total_weight"], total_weight);
    assert_eq!(stats["total_size"], total_size);
    assert_eq!(stats["total_out"], total_out);
    assert_eq!(stats["avgfeerate"], total_fee * 4 / total_weight);
    assert_eq!(stats["feerate_percentiles"], json!(percentiles(rated.clone(), total_weight)));
    assert_eq!(stats["minfeerate"], rated.iter().map(|r| r.0).min().unwrap());
    assert_eq!(stats["maxtxsize"], *sizes.iter().max().unwrap());
    assert_eq!(stats["utxo_increase"], outs - ins);
    assert_eq!(stats["swtxs"], 4);
    assert_eq!(stats["subsidy"], 475_000_000);
    // The four rates asked for, recovered from the block.
    let mut rates: Vec<i64> = rated.iter().map(|r| r.0).collect();
    rates.sort();
    assert_eq!(rates, vec![1, 2, 5, 20]);

    let some = node.rpc("getblockstats", json!({"hash_or_height": hash, "stats": ["totalfee", "ins"]}));
    assert_eq!(some, json!({"totalfee": total_fee, "ins": ins}));
    let (code, message) = rpc_error(node.try_rpc("getblockstats", json!([height + 1])));
    assert_eq!((code, message), (-8, format!("Target block height {} after current tip {height}", height + 1)));
    let (code, message) = rpc_error(node.try_rpc("getblockstats", json!([height, ["nosuchstat"]])));
    assert_eq!((code, message.as_str()), (-8, "Invalid selected statistic 'nosuchstat'"));

    // getblock 2 has each fee; 3 each prevout.
    let v2 = node.rpc("getblock", json!([hash, 2]));
    let block_fees: Vec<i64> = v2["tx"].as_array().unwrap()[1..].iter().map(|t| zats(&t["fee"]) as i64).collect();
    assert_eq!(block_fees, fees);
    assert!(v2["tx"][0].get("fee").is_none(), "no fee for the coinbase");
    let v3 = node.rpc("getblock", json!({"blockhash": hash, "verbosity": 3}));
    let prevout = &v3["tx"][1]["vin"][0]["prevout"];
    assert_eq!(prevout["generated"], true);
    assert!(prevout["height"].as_u64().unwrap() <= 4);
    assert_eq!(prevout["value"], zen(4.75));
    assert!(prevout["scriptPubKey"]["desc"].is_string());
    let keys: Vec<&String> = v3["tx"][1]["vin"][0].as_object().unwrap().keys().collect();
    assert_eq!(keys.last().unwrap().as_str(), "sequence", "prevout before sequence, as Core");

    let raw2 = node.rpc("getrawtransaction", json!([txids[1], 2]));
    assert_eq!(zats(&raw2["fee"]) as i64, fees[0]);
    assert_eq!(raw2["vin"][0]["prevout"]["value"], zen(4.75));

    let unspent = node.wallet_rpc("w", "listunspent", json!([]));
    let first = &unspent[0];
    assert!(
        first["desc"].as_str().unwrap().starts_with("wpkh([") || first["desc"].as_str().unwrap().starts_with("tr([")
    );
    assert!(first["parent_descs"][0].as_str().unwrap().contains("/*)#"));
}

#[test]
fn scantxoutset_finds_the_coins_of_descriptors() {
    let node = Node::start(&["-fallbackfee=0.0002"]);
    node.rpc("createwallet", json!(["w"]));
    let address = node.wallet_rpc("w", "getnewaddress", json!([])).as_str().unwrap().to_string();
    node.rpc("generatetoaddress", json!([3, address]));
    node.mine(2);
    assert_eq!(node.rpc("scantxoutset", json!(["status"])), serde_json::Value::Null);
    assert_eq!(node.rpc("scantxoutset", json!({"action": "abort"})), json!(false));

    let found = node.rpc("scantxoutset", json!(["start", [format!("addr({address})")]]));
    assert_eq!(found["success"], true);
    assert_eq!(found["height"], 5);
    assert_eq!(found["bestblock"], json!(node.tip()));
    assert!(found["txouts"].as_u64().unwrap() >= 5, "every coin read: {found}");
    let unspents = found["unspents"].as_array().unwrap();
    assert_eq!(unspents.len(), 3);
    assert_eq!(found["total_amount"], zen(14.25));
    let first = unspents.iter().find(|u| u["height"] == 1).unwrap();
    assert_eq!(first["coinbase"], true);
    assert_eq!(first["confirmations"], 5);
    assert_eq!(first["amount"], zen(4.75));
    assert!(first["desc"].as_str().unwrap().starts_with("addr("));
    assert_eq!(first["blockhash"], node.rpc("getblockhash", json!([1])));

    // The wallet's ranged receive descriptor finds the same coins.
    let receive = node.wallet_rpc("w", "listdescriptors", json!([]))["descriptors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["desc"].as_str().unwrap().starts_with("wpkh(") && d["internal"] == false)
        .unwrap()["desc"]
        .clone();
    let ranged = node.rpc("scantxoutset", json!({"action": "start", "scanobjects": [{"desc": receive, "range": 10}]}));
    assert_eq!(ranged["unspents"].as_array().unwrap().len(), 3);
    assert!(ranged["unspents"][0]["desc"].as_str().unwrap().starts_with("wpkh(["), "{ranged}");

    let (code, message) = rpc_error(node.try_rpc("scantxoutset", json!(["begin", []])));
    assert_eq!((code, message.as_str()), (-8, "Invalid action 'begin'"));
    let (code, _) = rpc_error(node.try_rpc("scantxoutset", json!(["start", ["wpkh(nonsense)"]])));
    assert_eq!(code, -5);
}
