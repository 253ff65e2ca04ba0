//! Market: tasks (the node's `listtasks`, with its filters), a task's
//! details with its acceptances, a publish form checked as you type, and an
//! accept form.

use eframe::egui;
use serde_json::{json, Map, Value};

use super::{field, Outcome};
use crate::amount::{self, from_json};
use crate::app::{show_error, Ctx};

/// The publish form: every field of a task (DESIGN.md §4), as text.
pub struct TaskForm {
    pub endpoint: String,
    pub os: String,
    /// `count@min_mhz`, comma separated (e.g. `4@2400, 8@1800`).
    pub cores: String,
    pub memory_mb_per_core: String,
    pub min_memory_mhz: String,
    pub min_disk_mb: String,
    pub min_disk_iops: String,
    pub persistent_mb: String,
    pub min_bandwidth_kbps: String,
    pub min_vms: String,
    pub lease_min_secs: String,
    pub lease_max_secs: String,
    pub payout_interval_secs: String,
    pub rate_core: String,
    pub rate_memory: String,
    pub rate_disk: String,
    pub rate_transfer: String,
    /// Compact bits in hex, or seconds of one core.
    pub accept_pow: String,
    pub accept_within: String,
    pub info: String,
    pub expiry: String,
}

impl Default for TaskForm {
    fn default() -> Self {
        TaskForm {
            endpoint: String::new(),
            os: String::new(),
            cores: "1@0".into(),
            memory_mb_per_core: "0".into(),
            min_memory_mhz: "0".into(),
            min_disk_mb: "0".into(),
            min_disk_iops: "0".into(),
            persistent_mb: "0".into(),
            min_bandwidth_kbps: "0".into(),
            min_vms: "1".into(),
            lease_min_secs: "3600".into(),
            lease_max_secs: "86400".into(),
            payout_interval_secs: "60".into(),
            rate_core: "0".into(),
            rate_memory: "0".into(),
            rate_disk: "0".into(),
            rate_transfer: "0".into(),
            accept_pow: String::new(),
            accept_within: "144".into(),
            info: String::new(),
            expiry: "1440".into(),
        }
    }
}

pub struct State {
    pub form: TaskForm,
    pub accept_id: String,
    pub offer_cores: String,
    pub offer_mhz: String,
    pub offer_memory: String,
    pub offer_disk: String,
    pub offer_bandwidth: String,
    pub filter_os: String,
    pub filter_state: String,
    pub filter_max_rate: String,
    pub filter_min_lease: String,
    pub filter_prepaid: bool,
    pub only_mine: bool,
    pending: Option<u64>,
    outcome: Outcome,
    detail: Option<u64>,
    shown: Outcome,
    search: Option<u64>,
    results: Option<Value>,
}

impl Default for State {
    fn default() -> Self {
        State {
            form: TaskForm::default(),
            accept_id: String::new(),
            offer_cores: "1".into(),
            offer_mhz: "1000".into(),
            offer_memory: "1024".into(),
            offer_disk: "0".into(),
            offer_bandwidth: "0".into(),
            filter_os: String::new(),
            filter_state: String::new(),
            filter_max_rate: String::new(),
            filter_min_lease: String::new(),
            filter_prepaid: false,
            only_mine: false,
            pending: None,
            outcome: Outcome::None,
            detail: None,
            shown: Outcome::None,
            search: None,
            results: None,
        }
    }
}

fn whole(text: &str, name: &str, min: i64, max: i64) -> Result<i64, String> {
    let n: i64 = text.trim().parse().map_err(|_| format!("{name}: a whole number"))?;
    if n < min || n > max {
        return Err(format!("{name}: from {min} to {max}"));
    }
    Ok(n)
}

/// The task object for `publishtask`, or the first field that is wrong
/// (the node's own limits, checked as the user types).
pub fn task(form: &TaskForm, unit: amount::Unit) -> Result<Value, String> {
    let endpoint = form.endpoint.trim();
    let Some((host, port)) = endpoint.rsplit_once(':') else { return Err("endpoint: host:port".into()) };
    if host.is_empty() || port.parse::<u16>().map_or(true, |p| p == 0) || endpoint.len() > 64 {
        return Err("endpoint: host:port, at most 64 bytes".into());
    }
    let os: Vec<&str> = form.os.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    if os.len() > 8 || os.iter().any(|o| o.len() > 32) {
        return Err("OS choices: at most 8, each up to 32 bytes".into());
    }
    let mut cores = Vec::new();
    for choice in form.cores.split(',').map(str::trim).filter(|s| !s.is_empty()) {
        let (count, mhz) = choice.split_once('@').unwrap_or((choice, "0"));
        cores.push(
            json!({"count": whole(count, "cores", 1, 65_535)?, "min_mhz": whole(mhz, "core MHz", 0, u32::MAX.into())?}),
        );
    }
    if cores.is_empty() || cores.len() > 8 {
        return Err("cores: 1 to 8 choices written count@MHz".into());
    }
    let u32max = i64::from(u32::MAX);
    let lease_min = whole(&form.lease_min_secs, "lease min", 1, u32max)?;
    let lease_max = whole(&form.lease_max_secs, "lease max", 1, u32max)?;
    if lease_min > lease_max {
        return Err("lease min: more than lease max".into());
    }
    let payout = whole(&form.payout_interval_secs, "payout interval", i64::from(i32::MIN), i64::from(i32::MAX))?;
    if payout == 0 {
        return Err("payout interval: not 0 (negative: pre-paid)".into());
    }
    if form.info.len() > 128 {
        return Err("info: at most 128 bytes".into());
    }
    let rate =
        |text: &str, name: &str| amount::parse(text, unit).map(amount::to_json).map_err(|e| format!("{name}: {e}"));
    let mut t = Map::new();
    t.insert("endpoint".into(), json!(endpoint));
    t.insert("os_choices".into(), json!(os));
    t.insert("core_choices".into(), Value::Array(cores));
    for (key, text, name) in [
        ("memory_mb_per_core", &form.memory_mb_per_core, "memory per core"),
        ("min_memory_mhz", &form.min_memory_mhz, "memory MHz"),
        ("min_disk_mb", &form.min_disk_mb, "disk"),
        ("min_disk_iops", &form.min_disk_iops, "disk IOPS"),
        ("persistent_mb", &form.persistent_mb, "persistent storage"),
        ("min_bandwidth_kbps", &form.min_bandwidth_kbps, "bandwidth"),
    ] {
        t.insert(key.into(), json!(whole(text, name, 0, u32max)?));
    }
    t.insert("min_vms".into(), json!(whole(&form.min_vms, "VMs", 1, u32max)?));
    t.insert("lease_min_secs".into(), json!(lease_min));
    t.insert("lease_max_secs".into(), json!(lease_max));
    t.insert("payout_interval_secs".into(), json!(payout));
    t.insert("rate_core_ghz_hour".into(), rate(&form.rate_core, "rate per core-GHz-hour")?);
    t.insert("rate_memory_mb_hour".into(), rate(&form.rate_memory, "rate per MB-hour")?);
    t.insert("rate_disk_gb_hour".into(), rate(&form.rate_disk, "rate per disk GB-hour")?);
    t.insert("rate_transfer_gb".into(), rate(&form.rate_transfer, "rate per GB transferred")?);
    let pow = form.accept_pow.trim();
    if !pow.is_empty() {
        let value = match pow.parse::<f64>() {
            Ok(seconds) if !pow.chars().all(|c| c.is_ascii_hexdigit()) || pow.len() != 8 => json!(seconds),
            _ => json!(pow),
        };
        t.insert("accept_pow".into(), value);
    }
    t.insert("accept_within_blocks".into(), json!(whole(&form.accept_within, "accept within", 1, 43_200)?));
    t.insert("info".into(), json!(form.info));
    Ok(Value::Object(t))
}

fn task_row(ui: &mut egui::Ui, cx: &mut Ctx<'_>, state: &mut State, t: &Value) {
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
        field(ui, "State", &mut state.filter_state);
        ui.checkbox(&mut state.only_mine, "Mine only");
    });
    ui.horizontal(|ui| {
        field(ui, &format!("Max rate per core-GHz-hour ({})", cx.unit.name()), &mut state.filter_max_rate);
        field(ui, "Min lease (s)", &mut state.filter_min_lease);
        ui.checkbox(&mut state.filter_prepaid, "Pre-paid only");
    });
    ui.horizontal(|ui| {
        if ui.button("Search tasks").clicked() {
            let mut filter = Map::new();
            if !state.filter_os.trim().is_empty() {
                filter.insert("os".into(), json!([state.filter_os.trim()]));
            }
            if !state.filter_state.trim().is_empty() {
                filter.insert("state".into(), json!(state.filter_state.trim()));
            }
            if state.only_mine {
                filter.insert("mine".into(), json!(true));
            }
            if let Ok(zats) = amount::parse(&state.filter_max_rate, cx.unit) {
                filter.insert("max_rate_core_ghz_hour".into(), amount::to_json(zats));
            }
            if let Ok(secs) = state.filter_min_lease.trim().parse::<u64>() {
                filter.insert("min_lease_secs".into(), json!(secs));
            }
            if state.filter_prepaid {
                filter.insert("prepaid".into(), json!(true));
            }
            // A machine's figures from the accept form: tasks it qualifies for.
            for (key, text) in [
                ("cores", &state.offer_cores),
                ("mhz", &state.offer_mhz),
                ("disk_mb", &state.offer_disk),
                ("bandwidth_kbps", &state.offer_bandwidth),
            ] {
                if let Ok(n) = text.trim().parse::<u64>() {
                    if n > 0 {
                        filter.insert(key.into(), json!(n));
                    }
                }
            }
            state.search = Some(cx.wallet_call("listtasks", json!([Value::Object(filter), 200])));
        }
        if state.results.is_some() && ui.button("Show all").clicked() {
            state.results = None;
        }
    });
    if let Some(result) = cx.take_pending(&mut state.search) {
        match result {
            Ok(v) => state.results = Some(v),
            Err(e) => state.outcome = Outcome::Failed(e),
        }
    }
    let source = match &state.results {
        Some(found) => found.clone(),
        None if state.only_mine => cx.snap.page["mine"].clone(),
        None => tasks.clone(),
    };
    let list = source.as_array().cloned().unwrap_or_default();
    egui::Grid::new("tasks").striped(true).show(ui, |ui| {
        for h in ["Task", "State", "Height", "Cores", "Rate/core-GHz-h", "Acceptances", ""] {
            ui.strong(h);
        }
        ui.end_row();
        for t in &list {
            task_row(ui, cx, state, t);
        }
    });
    if let Some(v) = state.shown.show(ui) {
        ui.collapsing("Task details", |ui| {
            ui.monospace(serde_json::to_string_pretty(v).unwrap_or_default());
        });
    }
    ui.separator();
    ui.heading("Publish a task");
    let u = cx.unit.name();
    let f = &mut state.form;
    egui::Grid::new("publish").num_columns(2).show(ui, |ui| {
        for (label, value) in [
            ("Endpoint (host:port)".to_string(), &mut f.endpoint),
            ("OS choices (comma separated)".to_string(), &mut f.os),
            ("Cores (count@MHz, comma separated)".to_string(), &mut f.cores),
            ("Memory per core (MB)".to_string(), &mut f.memory_mb_per_core),
            ("Memory MHz".to_string(), &mut f.min_memory_mhz),
            ("Disk (MB)".to_string(), &mut f.min_disk_mb),
            ("Disk IOPS".to_string(), &mut f.min_disk_iops),
            ("Persistent storage (MB)".to_string(), &mut f.persistent_mb),
            ("Bandwidth (kbps)".to_string(), &mut f.min_bandwidth_kbps),
            ("VMs".to_string(), &mut f.min_vms),
            ("Lease min (s)".to_string(), &mut f.lease_min_secs),
            ("Lease max (s)".to_string(), &mut f.lease_max_secs),
            ("Payout interval (s, negative: pre-paid)".to_string(), &mut f.payout_interval_secs),
            (format!("Rate per core-GHz-hour ({u})"), &mut f.rate_core),
            (format!("Rate per memory MB-hour ({u})"), &mut f.rate_memory),
            (format!("Rate per disk GB-hour ({u})"), &mut f.rate_disk),
            (format!("Rate per GB transferred ({u})"), &mut f.rate_transfer),
            ("Acceptance PoW (hex bits or core-seconds)".to_string(), &mut f.accept_pow),
            ("Accept within (blocks)".to_string(), &mut f.accept_within),
            ("Info".to_string(), &mut f.info),
            ("Expiry (blocks)".to_string(), &mut f.expiry),
        ] {
            let l = ui.label(label);
            ui.text_edit_singleline(value).labelled_by(l.id);
            ui.end_row();
        }
    });
    let checked = task(&state.form, cx.unit);
    if let Err(e) = &checked {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    if ui.add_enabled(checked.is_ok() && state.pending.is_none(), egui::Button::new("Publish task")).clicked() {
        if let Ok(t) = checked {
            let expiry: u64 = state.form.expiry.trim().parse().unwrap_or(1440);
            state.pending = Some(cx.wallet_call("publishtask", json!([t, {"expiry": expiry}])));
        }
    }
    ui.separator();
    ui.heading("Accept a task");
    field(ui, "Task id", &mut state.accept_id);
    field(ui, "Offer cores", &mut state.offer_cores);
    field(ui, "Offer MHz", &mut state.offer_mhz);
    field(ui, "Offer memory (MB)", &mut state.offer_memory);
    field(ui, "Offer disk (MB)", &mut state.offer_disk);
    field(ui, "Offer bandwidth (kbps)", &mut state.offer_bandwidth);
    if ui.button("Accept task").clicked() {
        let n = |t: &str| t.trim().parse::<u64>().unwrap_or(0);
        let offer = json!({
            "cores": n(&state.offer_cores).max(1), "mhz": n(&state.offer_mhz), "memory_mb": n(&state.offer_memory),
            "disk_mb": n(&state.offer_disk), "bandwidth_kbps": n(&state.offer_bandwidth),
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
