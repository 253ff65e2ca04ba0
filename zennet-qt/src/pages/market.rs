//! Market: tasks (the node's `listtasks`, with its filters), a task's
//! details with its acceptances, a publish form checked as you type, and an
//! accept form.

use eframe::egui;
use serde_json::{json, Map, Value};

use super::{field, Outcome};
use crate::amount::{self, from_json};
use crate::app::{show_error, Ctx};

pub struct State {
    pub endpoint: String,
    pub os: String,
    pub cores: String,
    pub min_mhz: String,
    pub memory_mb_per_core: String,
    pub min_disk_mb: String,
    pub rate_core: String,
    pub accept_within: String,
    pub info: String,
    pub accept_id: String,
    pub offer_cores: String,
    pub offer_mhz: String,
    pub offer_memory: String,
    pub filter_os: String,
    pub only_mine: bool,
    pending: Option<u64>,
    outcome: Outcome,
    detail: Option<u64>,
    shown: Outcome,
}

impl Default for State {
    fn default() -> Self {
        State {
            endpoint: String::new(),
            os: String::new(),
            cores: "1".into(),
            min_mhz: "0".into(),
            memory_mb_per_core: "0".into(),
            min_disk_mb: "0".into(),
            rate_core: "0".into(),
            accept_within: "144".into(),
            info: String::new(),
            accept_id: String::new(),
            offer_cores: "1".into(),
            offer_mhz: "1000".into(),
            offer_memory: "1024".into(),
            filter_os: String::new(),
            only_mine: false,
            pending: None,
            outcome: Outcome::None,
            detail: None,
            shown: Outcome::None,
        }
    }
}

fn number(text: &str, name: &str) -> Result<u64, String> {
    text.trim().parse::<u64>().map_err(|_| format!("{name}: a whole number"))
}

/// The task object for `publishtask`, or the first field that is wrong.
pub fn task(state: &State, unit: amount::Unit) -> Result<Value, String> {
    let endpoint = state.endpoint.trim();
    let Some((host, port)) = endpoint.rsplit_once(':') else { return Err("endpoint: host:port".into()) };
    if host.is_empty() || port.parse::<u16>().map_or(true, |p| p == 0) {
        return Err("endpoint: host:port".into());
    }
    let os: Vec<&str> = state.os.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if os.len() > 8 || os.iter().any(|o| o.len() > 32) {
        return Err("os choices: at most 8, each up to 32 bytes".into());
    }
    if state.info.len() > 128 {
        return Err("info: at most 128 bytes".into());
    }
    let rate = amount::parse(&state.rate_core, unit).map_err(|e| format!("rate per core-GHz-hour: {e}"))?;
    let mut t = Map::new();
    t.insert("endpoint".into(), json!(endpoint));
    t.insert("os_choices".into(), json!(os));
    t.insert(
        "core_choices".into(),
        json!([{"count": number(&state.cores, "cores")?, "min_mhz": number(&state.min_mhz, "min MHz")?}]),
    );
    t.insert("memory_mb_per_core".into(), json!(number(&state.memory_mb_per_core, "memory per core")?));
    t.insert("min_disk_mb".into(), json!(number(&state.min_disk_mb, "disk")?));
    t.insert("rate_core_ghz_hour".into(), amount::to_json(rate));
    t.insert("accept_within_blocks".into(), json!(number(&state.accept_within, "accept within")?));
    t.insert("info".into(), json!(state.info));
    Ok(Value::Object(t))
}

pub fn show(ui: &mut egui::Ui, cx: &mut Ctx<'_>, state: &mut State) {
    ui.heading("Market");
    if let Some(result) = cx.take_pending(&mut state.pending) {
        state.outcome = Outcome::from(result);
    }
    if let Some(result) = cx.take_pending(&mut state.detail) {
        state.shown = Outcome::from(result);
    }
    let tasks = &cx.snap.page["tasks"];
    if let Some(code) = tasks["error"]["code"].as_i64() {
        if code == -32601 {
            ui.label("This node does not offer the market yet.");
            return;
        }
        show_error(ui, &(code as i32, tasks["error"]["message"].as_str().unwrap_or("").to_string()));
    }
    ui.horizontal(|ui| {
        field(ui, "Filter by OS", &mut state.filter_os);
        ui.checkbox(&mut state.only_mine, "Mine only");
    });
    // "Mine": tasks this wallet published or accepted (the node's `mine` filter).
    let source = if state.only_mine { &cx.snap.page["mine"] } else { tasks };
    let list = source.as_array().cloned().unwrap_or_default();
    egui::Grid::new("tasks").striped(true).show(ui, |ui| {
        for h in ["Task", "State", "Height", "Cores", "Rate/core-GHz-h", "Acceptances", ""] {
            ui.strong(h);
        }
        ui.end_row();
        for t in list.iter().filter(|t| {
            state.filter_os.is_empty()
                || t["os_choices"]
                    .as_array()
                    .is_some_and(|o| o.iter().any(|x| x.as_str() == Some(state.filter_os.trim())))
        }) {
            let id = t["task_id"].as_str().unwrap_or("").to_string();
            ui.monospace(id.get(..12).unwrap_or(&id));
            ui.label(t["state"].as_str().unwrap_or(""));
            ui.label(t["height"].to_string());
            ui.label(t["core_choices"][0]["count"].to_string());
            ui.label(amount::show(from_json(&t["rate_core_ghz_hour"]), cx.unit));
            ui.label(t["acceptances_count"].to_string());
            if ui.button("Details").clicked() {
                state.detail = Some(cx.wallet_call("gettask", json!([id])));
                state.accept_id = id.clone();
            }
            ui.end_row();
        }
    });
    if let Some(v) = state.shown.show(ui) {
        ui.collapsing("Task details", |ui| {
            ui.monospace(serde_json::to_string_pretty(v).unwrap_or_default());
        });
    }
    ui.separator();
    ui.heading("Publish a task");
    field(ui, "Endpoint (host:port)", &mut state.endpoint);
    field(ui, "OS choices (comma separated)", &mut state.os);
    field(ui, "Cores", &mut state.cores);
    field(ui, "Min MHz", &mut state.min_mhz);
    field(ui, "Memory per core (MB)", &mut state.memory_mb_per_core);
    field(ui, "Disk (MB)", &mut state.min_disk_mb);
    field(ui, &format!("Rate per core-GHz-hour ({})", cx.unit.name()), &mut state.rate_core);
    field(ui, "Accept within (blocks)", &mut state.accept_within);
    field(ui, "Info", &mut state.info);
    let checked = task(state, cx.unit);
    if let Err(e) = &checked {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    if ui.add_enabled(checked.is_ok() && state.pending.is_none(), egui::Button::new("Publish task")).clicked() {
        if let Ok(t) = checked {
            state.pending = Some(cx.wallet_call("publishtask", json!([t])));
        }
    }
    ui.separator();
    ui.heading("Accept a task");
    field(ui, "Task id", &mut state.accept_id);
    field(ui, "Offer cores", &mut state.offer_cores);
    field(ui, "Offer MHz", &mut state.offer_mhz);
    field(ui, "Offer memory (MB)", &mut state.offer_memory);
    if ui.button("Accept task").clicked() {
        let offer = json!({
            "cores": state.offer_cores.trim().parse::<u64>().unwrap_or(1),
            "mhz": state.offer_mhz.trim().parse::<u64>().unwrap_or(0),
            "memory_mb": state.offer_memory.trim().parse::<u64>().unwrap_or(0),
        });
        state.pending = Some(cx.wallet_call("accepttask", json!([state.accept_id.trim(), offer])));
    }
    if state.pending.is_some() {
        ui.spinner();
    }
    if let Some(v) = state.outcome.show(ui) {
        ui.label(format!("Done: {}", v["txid"].as_str().unwrap_or("")));
        if let Some(id) = v["task_id"].as_str() {
            ui.monospace(format!("Task {id}"));
        }
    }
}
