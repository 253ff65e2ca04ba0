//! Mining: each algorithm's difficulty and the network hash rate, and the
//! built-in miner started or stopped per algorithm and thread count.

use eframe::egui;
use serde_json::json;

use super::Outcome;
use crate::app::Ctx;

const ALGOS: [&str; 5] = ["sha256d", "scrypt", "groestl", "skein", "argon2d"];

#[derive(Default)]
pub struct State {
    algo: usize,
    threads: String,
    address: String,
    blocks: String,
    pending: Option<u64>,
    outcome: Outcome,
}

pub fn show(ui: &mut egui::Ui, cx: &mut Ctx<'_>, state: &mut State) {
    ui.heading("Mining");
    if let Some(result) = cx.take_pending(&mut state.pending) {
        state.outcome = Outcome::from(result);
    }
    let info = &cx.snap.page["mining"];
    egui::Grid::new("difficulties").striped(true).show(ui, |ui| {
        ui.strong("Algorithm");
        ui.strong("Difficulty");
        ui.strong("Network hash rate");
        ui.strong("Local hash rate");
        ui.end_row();
        for algo in ALGOS {
            ui.label(algo);
            ui.label(info["difficulties"][algo].to_string());
            ui.label(cx.snap.page["networkhashps"][algo].to_string());
            ui.label(info["localhashps"][algo].to_string());
            ui.end_row();
        }
    });
    ui.label(format!("Network hash rate, all algorithms: {}", info["networkhashps"]));
    ui.separator();
    egui::ComboBox::from_label("Algorithm").selected_text(ALGOS[state.algo]).show_ui(ui, |ui| {
        for (i, algo) in ALGOS.iter().enumerate() {
            ui.selectable_value(&mut state.algo, i, *algo);
        }
    });
    super::field(ui, "Threads", &mut state.threads);
    ui.horizontal(|ui| {
        if ui.button("Start mining").clicked() {
            let threads: i64 = state.threads.trim().parse().unwrap_or(1);
            state.pending = Some(cx.call("setgenerate", json!([true, threads, ALGOS[state.algo]])));
        }
        if ui.button("Stop mining").clicked() {
            state.pending = Some(cx.call("setgenerate", json!([false])));
        }
    });
    ui.separator();
    ui.label("Mine blocks now (regtest)");
    super::field(ui, "Blocks", &mut state.blocks);
    super::field(ui, "To address", &mut state.address);
    if ui.button("Generate").clicked() {
        let n: u64 = state.blocks.trim().parse().unwrap_or(1);
        state.pending = Some(cx.call("generatetoaddress", json!([n, state.address.trim(), null, ALGOS[state.algo]])));
    }
    if let Some(v) = state.outcome.show(ui) {
        ui.label(format!(
            "Done: {}",
            if v.is_array() { format!("{} blocks", v.as_array().map_or(0, Vec::len)) } else { v.to_string() }
        ));
    }
}
