//! The real application, driven through egui_kittest as a user would (by
//! the labels on screen), against real `zennetd -regtest` processes.

use std::time::{Duration, Instant};

use eframe::egui;
use eframe::egui::accesskit::Role;
use egui_kittest::kittest::{By, NodeT, Queryable};
use egui_kittest::Harness;
use serde_json::json;
use zennet_qt::{ConnectSettings, ZennetApp};
use zennet_tests::Node;

const DEADLINE: Duration = Duration::from_secs(90);

fn settings(node: &Node) -> ConnectSettings {
    ConnectSettings::from_args(&[
        "-regtest".to_string(),
        format!("-datadir={}", node.data_path.display()),
        format!("-rpcport={}", node.rpc_port),
    ])
    .expect("settings")
}

fn open(settings: ConnectSettings) -> Harness<'static, ZennetApp> {
    Harness::builder()
        .with_size(egui::vec2(1280.0, 1000.0))
        .build_eframe(move |cc| ZennetApp::new(&cc.egui_ctx, settings))
}

/// Steps frames until `condition` holds (the backend answers on its own thread).
fn wait(h: &mut Harness<'_, ZennetApp>, what: &str, condition: impl Fn(&Harness<'_, ZennetApp>) -> bool) {
    let started = Instant::now();
    let end = started + DEADLINE;
    loop {
        h.step();
        if condition(h) {
            if started.elapsed() > Duration::from_secs(3) {
                eprintln!("waited {:?} for {what}", started.elapsed());
            }
            return;
        }
        assert!(Instant::now() < end, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn wait_label(h: &mut Harness<'_, ZennetApp>, label: &str) {
    wait(h, label, |h| h.query_all_by_label_contains(label).next().is_some());
}

/// Clicks the button (or checkbox, or other widget) labelled `label`.
fn click(h: &mut Harness<'_, ZennetApp>, label: &str) {
    wait(h, label, |h| h.query_all_by_label(label).next().is_some());
    let button = h.query_by_role_and_label(Role::Button, label);
    match button {
        Some(node) => node.click(),
        None => h.get_all_by_label(label).next().expect("a widget").click(),
    }
    h.step();
}

fn type_into(h: &mut Harness<'_, ZennetApp>, label: &str, text: &str) {
    wait(h, label, |h| h.query_all_by_label(label).next().is_some());
    let field = h
        .query_by_role_and_label(Role::TextInput, label)
        .or_else(|| h.query_by_role_and_label(Role::MultilineTextInput, label));
    let field = field.unwrap_or_else(|| panic!("no text field labelled {label}"));
    field.focus();
    field.type_text(text);
    h.step();
}

/// Every label on screen (for failure messages).
fn labels(h: &Harness<'_, ZennetApp>) -> Vec<String> {
    h.query_all(By::new().predicate(|n| text_of(n).is_some())).filter_map(|n| text_of(&n.accesskit_node())).collect()
}

/// What a node shows: a label's text is its value in AccessKit, a widget's its label.
fn text_of(n: &egui_kittest::kittest::AccessKitNode<'_>) -> Option<String> {
    n.label().or_else(|| n.value())
}

/// The text of the first node showing text that satisfies `f`.
fn find_text(h: &Harness<'_, ZennetApp>, f: impl Fn(&str) -> bool + 'static) -> Option<String> {
    h.query_all(By::new().predicate(move |n| text_of(n).is_some_and(|l| f(&l))))
        .next()
        .and_then(|n| text_of(&n.accesskit_node()))
}

#[test]
fn a_user_creates_receives_mines_sends_bumps_exports_filters_restores_encrypts_and_publishes() {
    let node = Node::start(&["-fallbackfee=0.0001"]);
    let mut h = open(settings(&node));
    wait_label(&mut h, "Overview");

    // Create a wallet and confirm its phrase.
    click(&mut h, "Wallets");
    type_into(&mut h, "Wallet name", "gui");
    click(&mut h, "Create wallet");
    wait_label(&mut h, "Word 3");
    let phrase = find_text(&h, |l| l.split_whitespace().count() == 24).expect("the phrase on screen");
    let words: Vec<&str> = phrase.split_whitespace().collect();
    for n in [3, 12, 21] {
        type_into(&mut h, &format!("Word {n}"), words[n - 1]);
    }
    click(&mut h, "Confirm phrase");
    wait_label(&mut h, "Recovery phrase confirmed.");

    // A taproot receiving address and its URI; the coins mined to it are
    // spent by key path when the GUI sends below.
    click(&mut h, "Receive");
    type_into(&mut h, "Label", "mining");
    click(&mut h, "Taproot (bech32m) address");
    click(&mut h, "New receiving address");
    wait_label(&mut h, "Copy URI");
    let uri = find_text(&h, |l| l.starts_with("zennet:zrt1p")).expect("the URI of a bech32m address");
    assert!(uri.ends_with("?label=mining"), "{uri}");
    let address = uri.trim_start_matches("zennet:").split('?').next().unwrap().to_string();
    let qr = format!("QR code of {uri}");
    assert!(find_text(&h, move |l| l == qr).is_some(), "the QR code, named by what it encodes: {:?}", labels(&h));

    // Mine to it from the mining page.
    click(&mut h, "Mining");
    type_into(&mut h, "Blocks", "101");
    type_into(&mut h, "To address", &address);
    click(&mut h, "Generate");
    wait_label(&mut h, "Done: 101 blocks");
    assert_eq!(node.rpc("getblockcount", json!([])), 101);

    // Send to a second wallet with a custom fee.
    node.rpc("createwallet", json!(["second"]));
    let to = node.wallet_rpc("second", "getnewaddress", json!([])).as_str().unwrap().to_string();
    click(&mut h, "Send");
    type_into(&mut h, "Pay to", &to);
    type_into(&mut h, "Amount (ZEN)", "1.5");
    click(&mut h, "Custom fee rate");
    type_into(&mut h, "sat/vB", "5");
    click(&mut h, "Review and send");
    click(&mut h, "Confirm");
    wait_label(&mut h, "Copy txid");
    let sent = node.wallet_rpc("second", "listtransactions", json!([]));
    assert_eq!(sent[0]["amount"].as_f64(), Some(1.5), "the second wallet sees it: {sent}");

    // Filter the list down to the payment: it shows with the right amount.
    click(&mut h, "Transactions");
    wait(&mut h, "the mined rows", |h| {
        find_text(h, |l| l.ends_with(" transactions") && l.contains(" of ")).is_some_and(|t| t != "0 of 0 transactions")
    });
    type_into(&mut h, "Search", &to);
    wait(&mut h, "the send in the list", |h| h.query_all_by_label("Sent to").next().is_some());
    let count = find_text(&h, |l| l.ends_with(" transactions") && l.contains(" of ")).unwrap();
    assert!(count.starts_with("1 of "), "{count}");
    let amount = find_text(&h, |l| l.starts_with("-1.500")).expect("the sent amount");
    assert!(amount.starts_with("-1.5000"), "{amount}");
    assert!(h.query_all_by_label("Mined").next().is_none(), "mined rows are filtered out");

    // Export the filtered list as CSV.
    let csv = node.datadir.path().join("transactions.csv");
    type_into(&mut h, "CSV file", csv.to_str().unwrap());
    click(&mut h, "Export CSV");
    wait_label(&mut h, "Exported");
    let text = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<&str> = text.lines().collect();
    assert_eq!(rows[0], "\"Confirmed\",\"Date\",\"Type\",\"Label\",\"Address\",\"Amount (ZEN)\",\"ID\"");
    assert_eq!(rows.len(), 2, "{text}");
    assert!(rows[1].contains("\"Sent to\"") && rows[1].contains(&to), "{text}");

    // Bump its fee from the details panel.
    h.get_all_by_label("Sent to").next().unwrap().click();
    h.step();
    // The details arrive from the node and move the buttons: wait for them first.
    wait_label(&mut h, "Replaceable");
    h.run_steps(2);
    click(&mut h, "Bump fee");
    wait_label(&mut h, "Done:");

    // The second wallet's list shows the payment received.
    click(&mut h, "Wallet");
    click(&mut h, "second");
    click(&mut h, "Transactions");
    wait(&mut h, "the second wallet's list", |h| h.query_all_by_label("Received with").next().is_some());
    assert!(find_text(&h, |l| l == "1.50000000").is_some(), "{:?}", labels(&h));
    click(&mut h, "Wallet");
    click(&mut h, "gui");
    wait(&mut h, "the first wallet again", |h| h.query_all_by_label("Wallet: gui").next().is_some());

    // Encrypt, then unlock for a minute.
    click(&mut h, "Wallets");
    type_into(&mut h, "New passphrase", "correct horse");
    click(&mut h, "Encrypt wallet");
    wait_label(&mut h, "The wallet is encrypted.");
    type_into(&mut h, "Passphrase", "correct horse");
    type_into(&mut h, "Seconds", "60");
    click(&mut h, "Unlock");
    wait(&mut h, "unlocked", |h| h.query_by_label("Unlocked").is_some());

    // Identities and a task on the market.
    click(&mut h, "Identities");
    click(&mut h, "Mine identity");
    wait_label(&mut h, "Mining found");
    click(&mut h, "Market");
    type_into(&mut h, "Endpoint (host:port)", "publisher.example:7000");
    click(&mut h, "Publish task");
    wait_label(&mut h, "Task ");
    wait(&mut h, "the task in the list", |h| h.query_by_label("pending").is_some());

    // Restore the wallet from its phrase on a second node.
    let other = Node::start(&[]);
    other.connect_to(&node);
    other.wait_for_tip(&node.tip(), DEADLINE);
    let mut h2 = open(settings(&other));
    wait_label(&mut h2, "Overview");
    click(&mut h2, "Wallets");
    type_into(&mut h2, "Wallet name", "restored");
    type_into(&mut h2, "Recovery phrase to restore", &phrase);
    click(&mut h2, "Restore wallet");
    wait(&mut h2, "the restored wallet", |_| {
        other.try_rpc("listwallets", json!([])).is_ok_and(|w| w.to_string().contains("restored"))
    });
    let restored = other.wallet_rpc("restored", "getbalances", json!([]));
    assert!(restored["mine"]["trusted"].as_f64() > Some(0.0), "{restored}");
}

#[test]
fn without_a_daemon_the_connection_screen_shows_within_two_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let settings = ConnectSettings::from_args(&[
        "-regtest".to_string(),
        format!("-datadir={}", dir.path().display()),
        format!("-rpcport={}", zennet_tests::free_port()),
        "-rpcuser=u".to_string(),
        "-rpcpassword=p".to_string(),
    ])
    .unwrap();
    let started = Instant::now();
    let mut h = open(settings);
    wait_label(&mut h, "Not connected to a node");
    assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
    assert!(h.query_by_label("Start a local node").is_some());
    assert!(find_text(&h, |l| l.starts_with("Cannot reach zennetd")).is_some(), "{:?}", labels(&h));
}
