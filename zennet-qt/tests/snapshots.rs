//! Every page, dark and light, rendered headless with wgpu (Mesa's software
//! Vulkan) from fixed data, compared with the images under
//! `tests/snapshots/`. A page that changes unexpectedly fails here; after an
//! intended change, regenerate with `UPDATE_SNAPSHOTS=1 cargo test -p zennet-qt --test snapshots`.

use eframe::egui;
use egui_kittest::Harness;
use serde_json::json;
use zennet_qt::backend::{Backend, Connection, Snapshot};
use zennet_qt::prefs::{Prefs, Theme};
use zennet_qt::{ConnectSettings, Page, ZennetApp};

fn fixture() -> Snapshot {
    let transactions = (0..40)
        .map(|i| {
            let (category, amount) = if i % 3 == 0 { ("send", json!(-0.25)) } else { ("receive", json!(1.5)) };
            json!({
                "category": category, "amount": amount, "fee": if category == "send" { json!(-0.0000141) } else { json!(null) },
                "time": 1_790_000_000 + i * 3600, "confirmations": 40 - i,
                "address": format!("zrt1qexampleaddress{i:04}"), "label": if i % 5 == 0 { "rent" } else { "" },
                "txid": format!("{i:064x}"),
            })
        })
        .rev()
        .collect();
    let tasks = json!([{
        "task_id": "57fc6db8b89d1f0663d496d0bda09def7808ef7f363de4f522a17c577407382e", "state": "open", "height": 120,
        "core_choices": [{"count": 4, "min_mhz": 2400}], "rate_core_ghz_hour": 0.001, "acceptances_count": 1,
        "os_choices": ["ubuntu-24.04"],
    }]);
    let identities = json!([{
        "identity": "rzid1qyhcpw4krmx0km86ca033yzdj5506d3frg0667mfpymgvctqeqpj7pqqqqqqqqqqqqhth4rh",
        "role": "publisher", "label": "main", "valid_until_height": 5_255_999, "used": true,
    }]);
    let channels = json!([{
        "channel_id": "ae98518568391c91d4780a0f19347daa524997cbae4ecf01ccc03099693a8543", "role": "payer",
        "state": "open", "capacity": 1.0, "paid": 0.35, "blocks_left": 812,
    }]);
    let mining = json!({"difficulties": {"sha256d": 4.6e-10, "scrypt": 4.6e-10, "groestl": 4.6e-10, "skein": 4.6e-10, "argon2d": 4.6e-10},
        "localhashps": {"sha256d": 0, "scrypt": 0, "groestl": 0, "skein": 0, "argon2d": 0}, "networkhashps": 1234});
    let peers = json!([{"id": 0, "addr": "127.0.0.1:47201", "inbound": true, "pingtime": 0.0004}]);
    Snapshot {
        connection: Connection::Connected,
        chain: json!({"chain": "regtest", "blocks": 160, "headers": 160, "verificationprogress": 1.0, "initialblockdownload": false}),
        network: json!({"connections": 1, "subversion": "/Zennet:0.1.0/"}),
        wallets: vec!["main".into()],
        wallet: Some("main".into()),
        wallet_info: json!({"walletname": "main", "unlocked_until": 0}),
        balances: json!({"mine": {"trusted": 48.25, "untrusted_pending": 1.5, "immature": 4.75}, "channels": {"locked": 1.0, "paid_out": 0.35, "receivable": 0.0}}),
        transactions,
        unspent: json!([{"txid": format!("{:064x}", 7), "vout": 0, "amount": 1.5, "label": "rent", "address": "zrt1qexampleaddress0007", "confirmations": 12}]),
        page: json!({"tasks": tasks, "identities": identities, "channels": channels, "mining": mining, "peers": peers,
            "mempool": {"size": 2}, "totals": {"totalbytesrecv": 48_213, "totalbytessent": 51_002}}),
        started_node: None,
    }
}

#[test]
fn every_page_dark_and_light() {
    // A fixed path: the node page shows it, so it must not vary between runs.
    let settings = ConnectSettings::from_args(&[
        "-regtest".to_string(),
        "-datadir=/tmp/zennet-qt-snapshots".to_string(),
        "-rpcport=1".to_string(),
    ])
    .unwrap();
    let mut failures = Vec::new();
    for theme in [Theme::Dark, Theme::Light] {
        for page in Page::ALL {
            let settings = settings.clone();
            let mut h = Harness::builder()
                .with_size(egui::vec2(1100.0, 720.0))
                .build_eframe(move |cc| ZennetApp::with_backend(&cc.egui_ctx, settings, Backend::fixed(fixture())));
            let ctx = h.ctx.clone();
            h.state_mut().set_prefs(&ctx, Prefs { theme, ..Prefs::default() });
            h.state_mut().open(page);
            h.run_steps(4);
            let name = format!("{}_{}", page.name().to_lowercase(), theme.name().to_lowercase());
            if let Err(e) = h.try_snapshot(&name) {
                failures.push(format!("{name}: {e}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}
