//! The wallet over Core's RPC: two wallets on one node and a third on a
//! second node (fed the first node's blocks), balances to the zat, fee
//! bumping, a reorganisation, restore from the recovery phrase, encryption,
//! and a crash right after sending.

use serde_json::{json, Value};
use zennet_tests::{wait_for, Node, REGTEST_ADDRESS};

const FALLBACK: &str = "-fallbackfee=0.0002";

fn zats(v: &Value) -> i64 {
    (v.as_f64().unwrap_or_else(|| panic!("not an amount: {v}")) * 1e8).round() as i64
}

/// (trusted, untrusted_pending, immature) in zats.
fn balances(node: &Node, wallet: &str) -> (i64, i64, i64) {
    let b = node.wallet_rpc(wallet, "getbalances", json!([]));
    (zats(&b["mine"]["trusted"]), zats(&b["mine"]["untrusted_pending"]), zats(&b["mine"]["immature"]))
}

/// What the coinbase of block `height` pays `address`.
fn coinbase_to(node: &Node, height: u64, address: &str) -> i64 {
    let hash = node.rpc("getblockhash", json!([height]));
    let block = node.rpc("getblock", json!([hash, 2]));
    block["tx"][0]["vout"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["scriptPubKey"]["address"] == json!(address))
        .map(|o| zats(&o["value"]))
        .sum()
}

/// Mature (depth ≥ 101, as the wallet counts) and immature coinbase sums paying `address`.
fn mined(node: &Node, address: &str) -> (i64, i64) {
    let tip = node.rpc("getblockcount", json!([])).as_u64().unwrap();
    let (mut mature, mut immature) = (0, 0);
    for h in 1..=tip {
        let v = coinbase_to(node, h, address);
        if tip - h + 1 >= 101 {
            mature += v;
        } else {
            immature += v;
        }
    }
    (mature, immature)
}

fn fee(node: &Node, wallet: &str, txid: &Value) -> i64 {
    -zats(&node.wallet_rpc(wallet, "gettransaction", json!([txid]))["fee"])
}

fn mine_to_other(node: &Node, n: u64) {
    node.rpc("generatetoaddress", json!([n, REGTEST_ADDRESS]));
}

#[test]
fn two_nodes_three_wallets_bump_reorg_restore() {
    let n1 = Node::start(&[FALLBACK]);
    let n2 = Node::start(&[FALLBACK]);
    let created = n1.rpc("createwallet", json!({"wallet_name": "a"}));
    let phrase = created["mnemonic"].as_str().expect("a new wallet shows its phrase").to_string();
    assert_eq!(phrase.split(' ').count(), 24);
    n1.rpc("createwallet", json!(["b"]));
    n2.rpc("createwallet", json!(["c"]));
    assert_eq!(n1.rpc("listwallets", json!([])), json!(["a", "b"]));
    // Two wallets loaded: a call without an endpoint is ambiguous (Core's -19).
    assert!(n1.try_rpc("getbalances", json!([])).unwrap_err().to_string().contains("-19"));

    let a_addr = n1.wallet_rpc("a", "getnewaddress", json!([])).as_str().unwrap().to_string();
    n1.rpc("generatetoaddress", json!([110, a_addr]));
    let (mature, immature) = mined(&n1, &a_addr);
    assert!(mature > 0);
    assert_eq!(balances(&n1, "a"), (mature, 0, immature));

    let b_addr = n1.wallet_rpc("b", "getnewaddress", json!(["from a"])).as_str().unwrap().to_string();
    let c_addr = n2.wallet_rpc("c", "getnewaddress", json!([])).as_str().unwrap().to_string();
    let to_b = n1.wallet_rpc("a", "sendtoaddress", json!([b_addr, 10]));
    let to_c = n1.wallet_rpc("a", "sendtoaddress", json!([c_addr, "5.00000001"]));
    assert_eq!(balances(&n1, "b"), (0, 10_00000000, 0), "unconfirmed payment from another wallet");
    let fees = fee(&n1, "a", &to_b) + fee(&n1, "a", &to_c);
    let sent = 10_00000000 + 5_00000001;
    mine_to_other(&n1, 1);
    n1.send_blocks_to(&n2);
    let (mature, immature) = mined(&n1, &a_addr);
    assert_eq!(balances(&n1, "a"), (mature - sent - fees, 0, immature));
    assert_eq!(balances(&n1, "b"), (10_00000000, 0, 0));
    assert_eq!(balances(&n2, "c"), (5_00000001, 0, 0));
    let received = n1.wallet_rpc("b", "listtransactions", json!([]));
    assert_eq!(received[0]["category"], "receive");
    assert_eq!(received[0]["label"], "from a");
    assert_eq!(received[0]["confirmations"], 1);

    // Fee bump: the replacement takes the original's place and confirms.
    let first = n1.wallet_rpc("a", "sendtoaddress", json!({"address": b_addr, "amount": 1, "fee_rate": 2}));
    let bumped = n1.wallet_rpc("a", "bumpfee", json!([first]));
    let second = bumped["txid"].clone();
    assert!(zats(&bumped["fee"]) > zats(&bumped["origfee"]), "{bumped}");
    let pool = n1.rpc("getrawmempool", json!([]));
    assert!(pool.as_array().unwrap().contains(&second) && !pool.as_array().unwrap().contains(&first), "{pool}");
    let bump_fee = zats(&bumped["fee"]);
    mine_to_other(&n1, 1);
    let confirmed = n1.wallet_rpc("a", "gettransaction", json!([second]));
    assert_eq!(confirmed["confirmations"], 1);
    let replaced = n1.wallet_rpc("a", "gettransaction", json!([first]));
    assert_eq!(replaced["replaced_by_txid"], second);
    assert_eq!(replaced["confirmations"], -1, "conflicted by the mined replacement");
    let (mature, immature) = mined(&n1, &a_addr);
    assert_eq!(balances(&n1, "a"), (mature - sent - fees - 1_00000000 - bump_fee, 0, immature));
    assert_eq!(balances(&n1, "b"), (11_00000000, 0, 0));

    // Reorganisation: the block confirming the bumped payment leaves the chain.
    let payment_block = confirmed["blockhash"].clone();
    n1.rpc("invalidateblock", json!([payment_block]));
    let since = n1.wallet_rpc("b", "listsinceblock", json!([payment_block]));
    let removed: Vec<&Value> = since["removed"].as_array().unwrap().iter().map(|r| &r["txid"]).collect();
    assert_eq!(removed, vec![&second], "{since}");
    let unconfirmed = n1.wallet_rpc("b", "gettransaction", json!([second]));
    assert_eq!(unconfirmed["confirmations"], 0);
    assert!(unconfirmed.get("blockhash").is_none());
    assert_eq!(balances(&n1, "b"), (10_00000000, 1_00000000, 0), "back to pending, from the mempool");
    mine_to_other(&n1, 2);
    let again = n1.wallet_rpc("b", "gettransaction", json!([second]));
    assert_eq!(again["confirmations"], 2);
    assert_ne!(again["blockhash"], payment_block);
    assert_eq!(balances(&n1, "b"), (11_00000000, 0, 0));
    // B's history: the first payment, the replaced one (conflicted, negative
    // confirmations, as Core shows it) and its replacement.
    let history = n1.wallet_rpc("b", "listtransactions", json!(["*", 10]));
    let confirmations: Vec<i64> =
        history.as_array().unwrap().iter().map(|r| r["confirmations"].as_i64().unwrap()).collect();
    assert_eq!(confirmations, vec![3, -2, 2], "{history}");

    // Restore wallet A from its phrase on a fresh node that syncs the chain.
    let n3 = Node::start(&[FALLBACK]);
    n1.send_blocks_to(&n3);
    let restored = n3.rpc("createwallet", json!({"wallet_name": "a-restored", "mnemonic": phrase}));
    assert!(restored.get("mnemonic").is_none());
    assert_eq!(balances(&n3, "a-restored"), balances(&n1, "a"));
    let tip = n3.rpc("getblockcount", json!([]));
    assert_eq!(n3.rpc("rescanblockchain", json!([])), json!({"start_height": 0, "stop_height": tip}));
    assert_eq!(balances(&n3, "a-restored"), balances(&n1, "a"));
}

#[test]
fn encrypted_wallet_and_errors() {
    let node = Node::start(&[FALLBACK]);
    node.rpc("createwallet", json!(["w"]));
    let addr = node.rpc("getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([101, addr]));
    node.rpc("encryptwallet", json!(["correct horse"]));
    let locked = node.try_rpc("sendtoaddress", json!([REGTEST_ADDRESS, 1])).unwrap_err().to_string();
    assert!(locked.contains("-13"), "{locked}");
    let wrong = node.try_rpc("walletpassphrase", json!(["wrong", 60])).unwrap_err().to_string();
    assert!(wrong.contains("-14"), "{wrong}");
    node.rpc("walletpassphrase", json!(["correct horse", 60]));
    assert!(node.rpc("sendtoaddress", json!([REGTEST_ADDRESS, 1])).is_string());
    node.rpc("walletlock", json!([]));
    let info = node.rpc("getwalletinfo", json!([]));
    assert_eq!(info["unlocked_until"], 0);
    let bad = node.try_rpc("sendtoaddress", json!(["zn1notanaddress", 1])).unwrap_err().to_string();
    assert!(bad.contains("-5"), "{bad}");
    let message = node.rpc("walletpassphrase", json!(["correct horse", 60]));
    assert_eq!(message, Value::Null);
    let too_much = node.try_rpc("sendtoaddress", json!([REGTEST_ADDRESS, 20_000_000])).unwrap_err().to_string();
    assert!(too_much.contains("-6") && too_much.contains("Insufficient funds"), "{too_much}");
    let signature = node.rpc("signmessage", json!([addr, "hello"]));
    assert_eq!(node.rpc("verifymessage", json!([addr, signature, "hello"])), json!(true));
    assert_eq!(node.rpc("verifymessage", json!([addr, signature, "hellO"])), json!(false));
    let descriptors = node.rpc("listdescriptors", json!([]));
    let texts: Vec<&str> =
        descriptors["descriptors"].as_array().unwrap().iter().map(|d| d["desc"].as_str().unwrap()).collect();
    // wpkh() and tr(), receive and change, sorted as Core sorts them.
    assert_eq!(texts.iter().filter(|d| d.starts_with("wpkh([")).count(), 2, "{descriptors}");
    assert_eq!(texts.iter().filter(|d| d.starts_with("tr([")).count(), 2, "{descriptors}");
    // The keys are forgotten when the unlock time runs out.
    node.rpc("walletpassphrase", json!(["correct horse", 1]));
    wait_for("the wallet to lock itself", std::time::Duration::from_secs(20), || {
        (node.rpc("getwalletinfo", json!([]))["unlocked_until"] == 0
            && node.try_rpc("signmessage", json!([addr, "x"])).is_err())
        .then_some(())
    });
    let no_wallet = node.try_wallet_rpc("nope", "getbalance", json!([])).unwrap_err().to_string();
    assert!(no_wallet.contains("-18"), "{no_wallet}");
}

#[test]
fn sigkill_right_after_send_keeps_the_payment_and_spends_no_coin_twice() {
    let mut node = Node::start(&[FALLBACK]);
    node.rpc("createwallet", json!(["w"]));
    let addr = node.rpc("getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([103, addr]));
    let first = node.rpc("sendtoaddress", json!([REGTEST_ADDRESS, 1]));
    node.kill();
    node.restart_with(&["-wallet=w"]);
    let kept = node.rpc("gettransaction", json!([first]));
    assert_eq!(kept["confirmations"], 0);
    wait_for("the payment to be offered to the mempool again", std::time::Duration::from_secs(30), || {
        node.rpc("getrawmempool", json!([])).as_array().unwrap().contains(&first).then_some(())
    });
    let second = node.rpc("sendtoaddress", json!([REGTEST_ADDRESS, 2]));
    let inputs = |txid: &Value| -> Vec<(String, u64)> {
        let hex = node.rpc("gettransaction", json!([txid]))["hex"].clone();
        node.rpc("decoderawtransaction", json!([hex]))["vin"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["txid"].as_str().unwrap().to_string(), i["vout"].as_u64().unwrap()))
            .collect()
    };
    let (a, b) = (inputs(&first), inputs(&second));
    assert!(a.iter().all(|i| !b.contains(i)), "a coin spent twice: {a:?} {b:?}");
    node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));
    assert_eq!(node.rpc("gettransaction", json!([first]))["confirmations"], 1);
    assert_eq!(node.rpc("gettransaction", json!([second]))["confirmations"], 1);
}
