//! Units and theme. Returns whether anything changed (the app then applies
//! and saves it).

use eframe::egui;

use crate::amount::Unit;
use crate::connect::ConnectSettings;
use crate::prefs::{Prefs, Theme};

/// The connection fields, as text.
#[derive(Default)]
pub struct ConnectionForm {
    pub host: String,
    pub port: String,
    pub user: String,
    pub password: String,
    error: Option<String>,
}

impl ConnectionForm {
    pub fn from(settings: &ConnectSettings) -> ConnectionForm {
        ConnectionForm {
            host: settings.host.clone(),
            port: settings.port.to_string(),
            user: settings.user.clone().unwrap_or_default(),
            password: String::new(),
            error: None,
        }
    }
}

/// The connection part of the page: returns new settings to reconnect with.
pub fn connection(ui: &mut egui::Ui, form: &mut ConnectionForm, current: &ConnectSettings) -> Option<ConnectSettings> {
    ui.separator();
    ui.label(format!("Connection ({} network; empty user and password: the cookie)", current.network));
    super::field(ui, "Node address", &mut form.host);
    super::field(ui, "RPC port", &mut form.port);
    super::field(ui, "RPC user", &mut form.user);
    ui.horizontal(|ui| {
        let l = ui.label("RPC password");
        ui.add(egui::TextEdit::singleline(&mut form.password).password(true)).labelled_by(l.id);
    });
    if let Some(e) = &form.error {
        ui.colored_label(ui.visuals().error_fg_color, e);
    }
    if !ui.button("Apply and reconnect").clicked() {
        return None;
    }
    let Ok(port) = form.port.trim().parse::<u16>() else {
        form.error = Some("RPC port: a number from 1 to 65535".into());
        return None;
    };
    form.error = None;
    let mut next = current.clone();
    next.host = form.host.trim().to_string();
    next.port = port;
    let user = form.user.trim();
    (next.user, next.password) =
        if user.is_empty() { (None, None) } else { (Some(user.to_string()), Some(form.password.clone())) };
    Some(next)
}

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
