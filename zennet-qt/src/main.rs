//! `zennet-qt [-regtest|-testnet] [-datadir=…] [-rpcconnect=… -rpcport=… -rpcuser=… -rpcpassword=…]`

use zennet_qt::{ConnectSettings, ZennetApp};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "-h" || a == "-help" || a == "--help") {
        println!("Usage: zennet-qt [-regtest|-testnet] [-datadir=<dir>] [-conf=<file>] [-rpcconnect=<ip>] [-rpcport=<port>] [-rpcuser=<user>] [-rpcpassword=<pw>]");
        return std::process::ExitCode::SUCCESS;
    }
    let settings = match ConnectSettings::from_args(&args) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("zennet-qt: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let options = eframe::NativeOptions {
        viewport: eframe::egui::ViewportBuilder::default().with_inner_size([1100.0, 720.0]).with_title("Zennet"),
        ..Default::default()
    };
    let started = std::time::Instant::now();
    let result = eframe::run_native(
        "Zennet",
        options,
        Box::new(move |cc| {
            let mut app = ZennetApp::new(&cc.egui_ctx, settings);
            app.time_first_frame(started);
            Ok(Box::new(app))
        }),
    );
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zennet-qt: {e}");
            std::process::ExitCode::from(1)
        }
    }
}
