//! Identities: the wallet's list, and mining a new one with a progress bar
//! (rate, expected time) that can be cancelled.

use eframe::egui;
use serde_json::json;

use super::Outcome;
use crate::app::{show_error, Ctx};

#[derive(Default)]
pub struct State {
    role: String,
    threads: String,
    start: Option<u64>,
    job: Option<u64>,
    progress: Option<u64>,
    last: Outcome,
    abort: Option<u64>,
}

pub fn show(ui: &mut egui::Ui, cx: &mut Ctx<'_>, state: &mut State) {
    ui.heading("Identities");
    let list = &cx.snap.page["identities"];
    if list["error"]["code"].as_i64() == Some(-32601) {
        ui.label("This node does not offer identities yet.");
        return;
    }
    if let Some(code) = list["error"]["code"].as_i64() {
        show_error(ui, &(code as i32, list["error"]["message"].as_str().unwrap_or("").to_string()));
    }
    egui::Grid::new("identities").striped(true).show(ui, |ui| {
        for h in ["Identity", "Role", "Label", "Valid until", "Used"] {
            ui.strong(h);
        }
        ui.end_row();
        for i in list.as_array().cloned().unwrap_or_default() {
            ui.monospace(i["identity"].as_str().unwrap_or(""));
            ui.label(i["role"].as_str().unwrap_or(""));
            ui.label(i["label"].as_str().unwrap_or(""));
            ui.label(i["valid_until_height"].to_string());
            ui.label(if i["used"].as_bool() == Some(true) { "yes" } else { "no" });
            ui.end_row();
        }
    });
    ui.separator();
    if state.role.is_empty() {
        state.role = "publisher".into();
    }
    ui.horizontal(|ui| {
        ui.selectable_value(&mut state.role, "publisher".to_string(), "Publisher");
        ui.selectable_value(&mut state.role, "node".to_string(), "Node");
        let l = ui.label("Threads");
        ui.text_edit_singleline(&mut state.threads).labelled_by(l.id);
    });
    if let Some(result) = cx.take_pending(&mut state.start) {
        match result {
            Ok(v) => state.job = v["job_id"].as_u64(),
            Err(e) => state.last = Outcome::Failed(e),
        }
    }
    if let Some(Err(e)) = cx.take_pending(&mut state.abort) {
        state.last = Outcome::Failed(e);
    }
    if state.job.is_none() && ui.button("Mine identity").clicked() {
        let threads: Option<u64> = state.threads.trim().parse().ok();
        state.start = Some(cx.wallet_call("mineidentity", json!([state.role, threads])));
    }
    if let Some(job) = state.job {
        if let Some(result) = cx.take_pending(&mut state.progress) {
            state.last = Outcome::from(result);
        }
        if state.progress.is_none() {
            state.progress = Some(cx.call("getidentityjob", json!([job])));
        }
        if let Outcome::Done(v) = &state.last {
            let hashes = v["hashes"].as_f64().unwrap_or(0.0);
            let expected = v["expected_hashes"].as_f64().unwrap_or(1.0).max(1.0);
            let fraction = (hashes / expected).min(0.99) as f32;
            ui.add(egui::ProgressBar::new(fraction).text(format!(
                "{:.0} hashes, {:.1} H/s, about {:.0} s expected",
                hashes,
                v["hashrate"].as_f64().unwrap_or(0.0),
                v["expected_secs"].as_f64().unwrap_or(0.0)
            )));
            let done = v["state"].as_str() != Some("running");
            if done {
                ui.label(format!(
                    "Mining {}: {}",
                    v["state"].as_str().unwrap_or(""),
                    v["result"]["identity"].as_str().unwrap_or("")
                ));
                state.job = None;
            } else if ui.button("Cancel mining").clicked() {
                state.abort = Some(cx.call("abortidentityjob", json!([job])));
            }
        }
        ui.ctx().request_repaint_after(std::time::Duration::from_millis(250));
    }
    state.last.show(ui);
}
