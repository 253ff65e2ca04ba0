//! Frame time of the transactions page with a 10,000-transaction wallet,
//! and of the overview for comparison: each frame runs the whole UI pass
//! (layout of the visible rows, tessellation) from the backend's snapshot.
//! Run with `cargo bench -p zennet-qt --bench frame`.

use std::time::Instant;

use eframe::egui;
use egui_kittest::Harness;
use serde_json::json;
use zennet_qt::backend::{Backend, Connection, Snapshot};
use zennet_qt::{ConnectSettings, Page, ZennetApp};

fn snapshot(count: usize) -> Snapshot {
    let transactions = (0..count)
        .map(|i| {
            json!({"category": if i % 3 == 0 { "send" } else { "receive" }, "amount": 0.015, "time": 1_790_000_000 + i as i64 * 60,
                "confirmations": count - i, "address": format!("zrt1qexampleaddress{i:06}"), "label": "", "txid": format!("{i:064x}")})
        })
        .collect();
    Snapshot {
        connection: Connection::Connected,
        chain: json!({"chain": "regtest", "blocks": 10_000, "headers": 10_000}),
        wallets: vec!["big".into()],
        wallet: Some("big".into()),
        transactions,
        ..Snapshot::default()
    }
}

fn main() {
    let dir = std::env::temp_dir().join("zennet-qt-frame-bench");
    let _ = std::fs::create_dir_all(&dir);
    let settings =
        ConnectSettings::from_args(&["-regtest".into(), format!("-datadir={}", dir.display()), "-rpcport=1".into()])
            .unwrap();
    for (page, name) in [(Page::Transactions, "transactions (10,000 rows)"), (Page::Overview, "overview")] {
        let settings = settings.clone();
        let mut h = Harness::builder()
            .with_size(egui::vec2(1100.0, 720.0))
            .build_eframe(move |cc| ZennetApp::with_backend(&cc.egui_ctx, settings, Backend::fixed(snapshot(10_000))));
        h.state_mut().open(page);
        h.run_steps(5);
        let frames = 200;
        let mut worst = 0f64;
        let started = Instant::now();
        for _ in 0..frames {
            let t = Instant::now();
            h.step();
            worst = worst.max(t.elapsed().as_secs_f64());
        }
        let mean = started.elapsed().as_secs_f64() / f64::from(frames);
        println!("{name:<28} mean {:>6.2} ms per frame, worst {:>6.2} ms", mean * 1e3, worst * 1e3);
    }
}
