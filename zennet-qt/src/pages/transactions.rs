//! Transactions: a virtualized table (only visible rows are laid out, so
//! 10,000+ entries stay smooth), filters by date range, type, text and
//! minimum amount, sortable columns, a details panel with bump fee and
//! abandon, and CSV export of the filtered list (Bitcoin-Qt's columns).

use eframe::egui;
use egui_extras::{Column, TableBuilder};
use serde_json::{json, Value};

use super::{field, Outcome};
use crate::amount::{self, from_json};
use crate::app::Ctx;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Range {
    #[default]
    All,
    Today,
    Week,
    Month,
    Year,
    /// From and to the dates typed (YYYY-MM-DD, UTC).
    Custom,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    #[default]
    Date,
    Type,
    Amount,
    Confirmations,
}

#[derive(Default)]
pub struct State {
    pub range: Range,
    pub from: String,
    pub to: String,
    pub kind: String,
    pub text: String,
    pub min_amount: String,
    pub sort: Sort,
    pub ascending: bool,
    selected: Option<String>,
    details: Option<u64>,
    shown: Option<Value>,
    csv_path: String,
    pending: Option<u64>,
    outcome: Outcome,
    export: Option<Result<String, String>>,
}

/// One row, as the table and the CSV show it.
#[derive(Debug, Clone)]
pub struct Row {
    pub time: i64,
    pub kind: String,
    pub label: String,
    pub address: String,
    pub amount: i64,
    pub confirmations: i64,
    pub txid: String,
}

fn kind_of(category: &str) -> &'static str {
    match category {
        "send" => "Sent to",
        "receive" => "Received with",
        "generate" => "Mined",
        "immature" => "Mined (immature)",
        "orphan" => "Mined (orphan)",
        _ => "Other",
    }
}

pub fn rows(transactions: &[Value]) -> Vec<Row> {
    transactions
        .iter()
        .map(|t| Row {
            time: t["time"].as_i64().unwrap_or(0),
            kind: kind_of(t["category"].as_str().unwrap_or("")).to_string(),
            label: t["label"].as_str().unwrap_or("").to_string(),
            address: t["address"].as_str().unwrap_or("").to_string(),
            amount: from_json(&t["amount"]) + from_json(&t["fee"]),
            confirmations: t["confirmations"].as_i64().unwrap_or(0),
            txid: t["txid"].as_str().unwrap_or("").to_string(),
        })
        .collect()
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (UTC).
fn civil(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

/// `YYYY-MM-DD` to seconds since 1970 (UTC midnight).
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.trim().splitn(3, '-');
    let (y, m, d): (i64, i64, i64) =
        (parts.next()?.parse().ok()?, parts.next()?.parse().ok()?, parts.next()?.parse().ok()?);
    if !(1..=12).contains(&m) || !(1..=31).contains(&d) {
        return None;
    }
    // Days from civil (inverse of `civil`).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some((era * 146_097 + doe - 719_468) * 86_400)
}

pub fn date(time: i64) -> String {
    let (y, m, d) = civil(time.div_euclid(86_400));
    let secs = time.rem_euclid(86_400);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

impl State {
    /// The rows that pass the filters, sorted.
    pub fn filtered(&self, all: &[Row], now: i64, unit: amount::Unit) -> Vec<Row> {
        let since = match self.range {
            Range::All => i64::MIN,
            Range::Today => now - now.rem_euclid(86_400),
            Range::Week => now - 7 * 86_400,
            Range::Month => now - 30 * 86_400,
            Range::Year => now - 365 * 86_400,
            Range::Custom => parse_date(&self.from).unwrap_or(i64::MIN),
        };
        let until = match self.range {
            Range::Custom => parse_date(&self.to).map_or(i64::MAX, |d| d + 86_400),
            _ => i64::MAX,
        };
        let min = amount::parse(&self.min_amount, unit).ok().map(|z| z as i64);
        let text = self.text.to_lowercase();
        let mut out: Vec<Row> = all
            .iter()
            .filter(|r| r.time >= since && r.time < until)
            .filter(|r| self.kind.is_empty() || r.kind == self.kind)
            .filter(|r| {
                text.is_empty()
                    || r.label.to_lowercase().contains(&text)
                    || r.address.to_lowercase().contains(&text)
                    || r.txid.contains(&text)
            })
            .filter(|r| min.is_none_or(|m| r.amount.abs() >= m))
            .cloned()
            .collect();
        match self.sort {
            Sort::Date => out.sort_by_key(|r| r.time),
            Sort::Type => out.sort_by(|a, b| a.kind.cmp(&b.kind)),
            Sort::Amount => out.sort_by_key(|r| r.amount),
            Sort::Confirmations => out.sort_by_key(|r| r.confirmations),
        }
        if !self.ascending {
            out.reverse();
        }
        out
    }
}

/// Bitcoin-Qt's export: Confirmed, Date, Type, Label, Address, Amount, ID.
pub fn csv(rows: &[Row], unit: amount::Unit) -> String {
    let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let mut out =
        format!("\"Confirmed\",\"Date\",\"Type\",\"Label\",\"Address\",\"Amount ({})\",\"ID\"\n", unit.name());
    for r in rows {
        let fields = [
            (r.confirmations > 0).to_string(),
            date(r.time),
            r.kind.clone(),
            r.label.clone(),
            r.address.clone(),
            amount::format(r.amount, unit),
            r.txid.clone(),
        ];
        out.push_str(&fields.iter().map(|f| quote(f)).collect::<Vec<_>>().join(","));
        out.push('\n');
    }
    out
}

pub fn show(ui: &mut egui::Ui, cx: &mut Ctx<'_>, state: &mut State) {
    ui.heading("Transactions");
    if let Some(result) = cx.take_pending(&mut state.pending) {
        state.outcome = Outcome::from(result);
    }
    let all = rows(&cx.snap.transactions);
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    ui.horizontal(|ui| {
        egui::ComboBox::from_label("Date").selected_text(format!("{:?}", state.range)).show_ui(ui, |ui| {
            for r in [Range::All, Range::Today, Range::Week, Range::Month, Range::Year, Range::Custom] {
                ui.selectable_value(&mut state.range, r, format!("{r:?}"));
            }
        });
        if state.range == Range::Custom {
            field(ui, "From", &mut state.from);
            field(ui, "To", &mut state.to);
        }
        egui::ComboBox::from_label("Type")
            .selected_text(if state.kind.is_empty() { "All" } else { state.kind.as_str() })
            .show_ui(ui, |ui| {
                ui.selectable_value(&mut state.kind, String::new(), "All");
                for k in ["Received with", "Sent to", "Mined", "Mined (immature)"] {
                    ui.selectable_value(&mut state.kind, k.to_string(), k);
                }
            });
    });
    ui.horizontal(|ui| {
        field(ui, "Search", &mut state.text);
        field(ui, &format!("Min amount ({})", cx.unit.name()), &mut state.min_amount);
    });
    let shown = state.filtered(&all, now, cx.unit);
    ui.label(format!("{} of {} transactions", shown.len(), all.len()));
    let mut sort_by = None;
    // A click anywhere on a row selects it (labels would take it for text selection).
    ui.style_mut().interaction.selectable_labels = false;
    TableBuilder::new(ui)
        .striped(true)
        .column(Column::auto().at_least(150.0))
        .column(Column::auto().at_least(110.0))
        .column(Column::remainder().at_least(200.0))
        .column(Column::auto().at_least(120.0))
        .column(Column::auto().at_least(60.0))
        .max_scroll_height(360.0)
        .sense(egui::Sense::click())
        .header(20.0, |mut header| {
            for (name, sort) in [
                ("Date", Sort::Date),
                ("Type", Sort::Type),
                ("Label / address", Sort::Date),
                ("Amount", Sort::Amount),
                ("Confirmations", Sort::Confirmations),
            ] {
                header.col(|ui| {
                    if ui.button(name).clicked() {
                        sort_by = Some(sort);
                    }
                });
            }
        })
        .body(|body| {
            body.rows(20.0, shown.len(), |mut row| {
                let r = &shown[row.index()];
                row.set_selected(state.selected.as_deref() == Some(r.txid.as_str()));
                row.col(|ui| {
                    ui.label(date(r.time));
                });
                row.col(|ui| {
                    ui.label(&r.kind);
                });
                row.col(|ui| {
                    ui.label(if r.label.is_empty() { r.address.as_str() } else { r.label.as_str() });
                });
                row.col(|ui| {
                    ui.label(amount::format(r.amount, cx.unit));
                });
                row.col(|ui| {
                    ui.label(r.confirmations.to_string());
                });
                if row.response().clicked() {
                    state.selected = Some(r.txid.clone());
                    state.details = Some(cx.wallet_call("gettransaction", json!([r.txid])));
                }
            });
        });
    if let Some(sort) = sort_by {
        state.ascending = state.sort == sort && !state.ascending;
        state.sort = sort;
    }
    if let Some(result) = cx.take_pending(&mut state.details) {
        state.shown = result.ok();
    }
    if let Some(txid) = state.selected.clone() {
        ui.group(|ui| {
            ui.label("Details");
            ui.monospace(&txid);
            if let Some(tx) = &state.shown {
                egui::Grid::new("tx-details").show(ui, |ui| {
                    for (name, value) in [
                        ("Amount", amount::show(from_json(&tx["amount"]), cx.unit)),
                        ("Fee", amount::show(from_json(&tx["fee"]), cx.unit)),
                        ("Confirmations", tx["confirmations"].to_string()),
                        ("Block", tx["blockhash"].as_str().unwrap_or("(unconfirmed)").to_string()),
                        ("Replaceable", tx["bip125-replaceable"].as_str().unwrap_or("").to_string()),
                    ] {
                        ui.label(name);
                        ui.label(value);
                        ui.end_row();
                    }
                });
            }
            ui.horizontal(|ui| {
                if ui.button("Bump fee").clicked() {
                    state.pending = Some(cx.wallet_call("bumpfee", json!([txid])));
                }
                if ui.button("Abandon").clicked() {
                    state.pending = Some(cx.wallet_call("abandontransaction", json!([txid])));
                }
                if ui.button("Copy transaction ID").clicked() {
                    ui.ctx().copy_text(txid.clone());
                }
            });
        });
    }
    if let Some(v) = state.outcome.show(ui) {
        ui.label(format!("Done: {v}"));
    }
    ui.horizontal(|ui| {
        field(ui, "CSV file", &mut state.csv_path);
        if ui.button("Export CSV").clicked() {
            let path = state.csv_path.trim().to_string();
            state.export = Some(
                std::fs::write(&path, csv(&shown, cx.unit))
                    .map(|()| format!("Exported {} rows to {path}", shown.len()))
                    .map_err(|e| format!("Cannot write {path}: {e}")),
            );
        }
    });
    match &state.export {
        Some(Ok(message)) => {
            ui.label(message);
        }
        Some(Err(message)) => {
            ui.colored_label(ui.visuals().error_fg_color, message);
        }
        None => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_and_csv() {
        assert_eq!(date(0), "1970-01-01T00:00:00");
        assert_eq!(date(1_796_072_992), "2026-11-30T21:09:52");
        assert_eq!(parse_date("2026-11-30"), Some(1_796_072_992 - 1_796_072_992 % 86_400));
        assert_eq!(parse_date("1970-01-01"), Some(0));
        assert_eq!(parse_date("2026-13-01"), None);
        let row = Row {
            time: 0,
            kind: "Sent to".into(),
            label: "a \"b\"".into(),
            address: "zrt1q".into(),
            amount: -150_000_000,
            confirmations: 1,
            txid: "ab".into(),
        };
        let text = csv(&[row], amount::Unit::Zen);
        assert_eq!(
            text.lines().nth(1),
            Some("\"true\",\"1970-01-01T00:00:00\",\"Sent to\",\"a \"\"b\"\"\",\"zrt1q\",\"-1.50000000\",\"ab\"")
        );
    }
}
