//! Units and theme. Returns whether anything changed (the app then applies
//! and saves it).

use eframe::egui;

use crate::amount::Unit;
use crate::prefs::{Prefs, Theme};

pub fn show(ui: &mut egui::Ui, prefs: &mut Prefs) -> bool {
    ui.heading("Settings");
    let before = prefs.clone();
    ui.horizontal(|ui| {
        ui.label("Unit");
        for unit in Unit::ALL {
            ui.selectable_value(&mut prefs.unit, unit, unit.name());
        }
    });
    ui.horizontal(|ui| {
        ui.label("Theme");
        for theme in [Theme::Dark, Theme::Light, Theme::System] {
            ui.selectable_value(&mut prefs.theme, theme, theme.name());
        }
    });
    *prefs != before
}
