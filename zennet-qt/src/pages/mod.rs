//! The pages. Each draws from the snapshot and keeps its own form state
//! and the ids of the calls it waits for.

pub mod channels;
pub mod identities;
pub mod market;
pub mod mining;
pub mod node;
pub mod overview;
pub mod receive;
pub mod send;
pub mod settings;
pub mod transactions;
pub mod wallets;

#[derive(Default)]
pub struct State {
    pub send: send::State,
    pub receive: receive::State,
    pub transactions: transactions::State,
    pub market: market::State,
    pub identities: identities::State,
    pub channels: channels::State,
    pub mining: mining::State,
    pub node: node::State,
    pub wallets: wallets::State,
}

/// A labelled single-line text field: the label names it for screen
/// readers and tests.
pub fn field(ui: &mut eframe::egui::Ui, label: &str, value: &mut String) -> eframe::egui::Response {
    ui.horizontal(|ui| {
        let l = ui.label(label);
        ui.text_edit_singleline(value).labelled_by(l.id)
    })
    .inner
}

/// The last result of a call: nothing yet, a value, or the node's error.
#[derive(Default)]
pub enum Outcome {
    #[default]
    None,
    Done(serde_json::Value),
    Failed((i32, String)),
}

impl Outcome {
    pub fn from(result: Result<serde_json::Value, (i32, String)>) -> Outcome {
        match result {
            Ok(v) => Outcome::Done(v),
            Err(e) => Outcome::Failed(e),
        }
    }

    /// Shows an error in red; returns the value when there is one.
    pub fn show(&self, ui: &mut eframe::egui::Ui) -> Option<&serde_json::Value> {
        match self {
            Outcome::None => None,
            Outcome::Failed(e) => {
                crate::app::show_error(ui, e);
                None
            }
            Outcome::Done(v) => Some(v),
        }
    }
}
