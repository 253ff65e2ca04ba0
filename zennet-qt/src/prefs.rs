//! The GUI's own settings (unit, theme), in `zennet-qt.json` beside the
//! node's data directory. A missing or unreadable file means the defaults.

use std::path::Path;

use eframe::egui;
use serde::{Deserialize, Serialize};

use crate::amount::Unit;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Theme {
    #[default]
    Dark,
    Light,
    System,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Prefs {
    pub unit: Unit,
    pub theme: Theme,
    /// Connection chosen on the settings page (the password is never saved).
    #[serde(default)]
    pub rpcconnect: Option<String>,
    #[serde(default)]
    pub rpcport: Option<u16>,
    #[serde(default)]
    pub rpcuser: Option<String>,
}

impl Prefs {
    pub fn load(path: &Path) -> Prefs {
        std::fs::read(path).ok().and_then(|b| serde_json::from_slice(&b).ok()).unwrap_or_default()
    }

    /// Written to a temporary file and renamed, so a crash leaves the old file.
    pub fn save(&self, path: &Path) {
        let tmp = path.with_extension("json.new");
        let written = serde_json::to_vec_pretty(self)
            .map_err(std::io::Error::other)
            .and_then(|bytes| std::fs::write(&tmp, bytes))
            .and_then(|()| std::fs::rename(&tmp, path));
        if let Err(e) = written {
            eprintln!("zennet-qt: cannot save settings to {}: {e}", path.display());
        }
    }

    /// The saved connection over `settings`.
    pub fn connect(&self, settings: &mut crate::connect::ConnectSettings) {
        if let Some(host) = &self.rpcconnect {
            settings.host = host.clone();
        }
        if let Some(port) = self.rpcport {
            settings.port = port;
        }
        if let Some(user) = &self.rpcuser {
            settings.user = Some(user.clone());
        }
    }

    pub fn apply(&self, ctx: &egui::Context) {
        ctx.set_theme(match self.theme {
            Theme::Dark => egui::ThemePreference::Dark,
            Theme::Light => egui::ThemePreference::Light,
            Theme::System => egui::ThemePreference::System,
        });
    }
}
