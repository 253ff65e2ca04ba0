//! The application: the frame (navigation, wallet selector, status bar),
//! the connection screen, and the pages, each drawn from the backend's
//! latest snapshot. Calls go to the backend tagged with an id; a page keeps
//! the ids it waits for and takes their replies.

use std::collections::HashMap;

use eframe::egui;
use serde_json::Value;

use crate::amount::Unit;
use crate::backend::{Backend, Command, Connection, Reply, Snapshot, Watch};
use crate::connect::ConnectSettings;
use crate::pages;
use crate::prefs::{Prefs, Theme};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    Overview,
    Send,
    Receive,
    Transactions,
    Market,
    Identities,
    Channels,
    Mining,
    Node,
    Wallets,
    Settings,
}

impl Page {
    pub const ALL: [Page; 11] = [
        Page::Overview,
        Page::Send,
        Page::Receive,
        Page::Transactions,
        Page::Market,
        Page::Identities,
        Page::Channels,
        Page::Mining,
        Page::Node,
        Page::Wallets,
        Page::Settings,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Page::Overview => "Overview",
            Page::Send => "Send",
            Page::Receive => "Receive",
            Page::Transactions => "Transactions",
            Page::Market => "Market",
            Page::Identities => "Identities",
            Page::Channels => "Channels",
            Page::Mining => "Mining",
            Page::Node => "Node",
            Page::Wallets => "Wallets",
            Page::Settings => "Settings",
        }
    }

    fn watch(self) -> Watch {
        match self {
            Page::Market => Watch::Market,
            Page::Identities => Watch::Identities,
            Page::Channels => Watch::Channels,
            Page::Mining => Watch::Mining,
            Page::Node => Watch::Node,
            _ => Watch::Wallet,
        }
    }
}

/// What a page gets each frame: the snapshot, the unit, and calls.
pub struct Ctx<'a> {
    pub backend: &'a Backend,
    pub snap: &'a Snapshot,
    pub unit: Unit,
    pub network: primitives::Network,
    /// The node's data directory for this network.
    pub datadir: std::path::PathBuf,
    replies: &'a mut HashMap<u64, Reply>,
    next_id: &'a mut u64,
}

impl Ctx<'_> {
    /// Calls a node method; returns the id its reply will carry.
    pub fn call(&mut self, method: &str, params: Value) -> u64 {
        self.call_on(None, method, params)
    }

    /// Calls a method of the selected wallet.
    pub fn wallet_call(&mut self, method: &str, params: Value) -> u64 {
        let wallet = self.snap.wallet.clone();
        self.call_on(wallet, method, params)
    }

    fn call_on(&mut self, wallet: Option<String>, method: &str, params: Value) -> u64 {
        *self.next_id += 1;
        let id = *self.next_id;
        self.backend.send(Command::Call { id, wallet, method: method.to_string(), params });
        id
    }

    /// The reply to call `id`, once it has come.
    pub fn take(&mut self, id: u64) -> Option<Result<Value, (i32, String)>> {
        self.replies.remove(&id).map(|r| r.result)
    }

    /// Takes the reply of `*pending` if it came, clearing it.
    pub fn take_pending(&mut self, pending: &mut Option<u64>) -> Option<Result<Value, (i32, String)>> {
        let id = (*pending)?;
        let reply = self.take(id)?;
        *pending = None;
        Some(reply)
    }

    pub fn send(&self, command: Command) {
        self.backend.send(command);
    }
}

/// An error from the node, shown with its code, in red.
pub fn show_error(ui: &mut egui::Ui, error: &(i32, String)) {
    let text = if error.0 != 0 { format!("Error {}: {}", error.0, error.1) } else { error.1.clone() };
    ui.colored_label(ui.visuals().error_fg_color, text);
}

pub struct ZennetApp {
    backend: Backend,
    settings: ConnectSettings,
    prefs: Prefs,
    page: Page,
    replies: HashMap<u64, Reply>,
    next_id: u64,
    pages: pages::State,
    connection_form: pages::settings::ConnectionForm,
    /// When the process started, until the first frame reports it.
    started: Option<std::time::Instant>,
}

impl ZennetApp {
    pub fn new(ctx: &egui::Context, mut settings: ConnectSettings) -> ZennetApp {
        Prefs::load(&settings.gui_settings).connect(&mut settings);
        let repaint_ctx = ctx.clone();
        let backend = Backend::start(settings.clone(), move || repaint_ctx.request_repaint());
        ZennetApp::with_backend(ctx, settings, backend)
    }

    /// The application over a given backend (tests render fixed snapshots).
    pub fn with_backend(ctx: &egui::Context, settings: ConnectSettings, backend: Backend) -> ZennetApp {
        let prefs = Prefs::load(&settings.gui_settings);
        prefs.apply(ctx);
        let mut app = ZennetApp {
            backend,
            settings,
            prefs,
            page: Page::Overview,
            replies: HashMap::new(),
            next_id: 0,
            pages: pages::State::default(),
            connection_form: pages::settings::ConnectionForm::default(),
            started: None,
        };
        app.connection_form = pages::settings::ConnectionForm::from(&app.settings);
        // `zennet-qt zennet:<address>?amount=…` opens the Send page filled in.
        if let Some((address, amount)) = app.settings.uri.as_deref().and_then(pages::send::parse_uri) {
            let recipient = &mut app.pages.send.recipients[0];
            recipient.address = address;
            recipient.amount = amount.unwrap_or_default();
            app.page = Page::Send;
        }
        app
    }

    /// Reports, on the first frame, how long it took from `started`.
    pub fn time_first_frame(&mut self, started: std::time::Instant) {
        self.started = Some(started);
    }

    /// Changes the unit and theme (as the settings page does).
    pub fn set_prefs(&mut self, ctx: &egui::Context, prefs: Prefs) {
        prefs.apply(ctx);
        self.prefs = prefs;
    }

    /// Opens a page (tests and `zennet:` links use it too).
    pub fn open(&mut self, page: Page) {
        self.page = page;
        self.backend.send(Command::Watch(page.watch()));
    }

    pub fn snapshot(&self) -> Snapshot {
        self.backend.snapshot()
    }

    fn connection_screen(&mut self, ui: &mut egui::Ui, reason: Option<&str>) {
        ui.vertical_centered(|ui| {
            ui.add_space(40.0);
            ui.heading("Zennet");
            ui.add_space(10.0);
            match reason {
                None => {
                    ui.label("Connecting to zennetd…");
                    ui.spinner();
                }
                Some(reason) => {
                    ui.label("Not connected to a node");
                    ui.colored_label(ui.visuals().error_fg_color, reason);
                }
            }
            ui.label(format!(
                "{} node at {}:{}, data in {}",
                self.settings.network,
                self.settings.host,
                self.settings.port,
                self.settings.network_datadir().display()
            ));
            ui.add_space(10.0);
            ui.horizontal(|ui| {
                if ui.button("Start a local node").clicked() {
                    self.backend.send(Command::StartNode);
                }
                if ui.button("Retry").clicked() {
                    self.backend.send(Command::Refresh);
                }
            });
            if let Some(log) = self.backend.snapshot().started_node {
                ui.collapsing("Node log", |ui| {
                    let text = std::fs::read_to_string(&log).unwrap_or_default();
                    let tail: Vec<&str> = text.lines().rev().take(20).collect();
                    for line in tail.into_iter().rev() {
                        ui.monospace(line);
                    }
                });
            }
        });
    }

    fn status_bar(&self, ui: &mut egui::Ui, snap: &Snapshot) {
        ui.horizontal(|ui| {
            let state = match &snap.connection {
                Connection::Connected => "Connected",
                Connection::Connecting => "Connecting",
                Connection::Failed(_) => "Disconnected",
            };
            ui.label(state);
            ui.separator();
            ui.label(self.settings.network.to_string());
            ui.separator();
            let blocks = snap.chain["blocks"].as_u64().unwrap_or(0);
            let headers = snap.chain["headers"].as_u64().unwrap_or(0);
            ui.label(format!("Blocks {blocks} / headers {headers}"));
            let progress = snap.chain["verificationprogress"].as_f64().unwrap_or(0.0) as f32;
            let behind = headers.saturating_sub(blocks);
            let now =
                std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
            let age = snap.chain["time"].as_i64().map(|t| now - t).unwrap_or(0);
            if behind > 0 || snap.chain["initialblockdownload"].as_bool() == Some(true) {
                let text = if age > 3600 {
                    format!("{behind} blocks, {} hours behind", age / 3600)
                } else {
                    format!("{behind} blocks behind")
                };
                ui.add(egui::ProgressBar::new(progress).desired_width(160.0).text(text));
            }
            ui.separator();
            ui.label(format!("{} peers", snap.network["connections"].as_u64().unwrap_or(0)));
            ui.separator();
            let locked = match snap.wallet_info.get("unlocked_until").and_then(Value::as_i64) {
                None => "Not encrypted",
                Some(0) => "Locked",
                Some(_) => "Unlocked",
            };
            ui.label(format!("Wallet: {}", snap.wallet.as_deref().unwrap_or("none")));
            ui.label(locked);
        });
    }
}

impl eframe::App for ZennetApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        if let Some(started) = self.started.take() {
            eprintln!("zennet-qt: first frame {} ms after start", started.elapsed().as_millis());
        }
        for reply in self.backend.replies() {
            self.replies.insert(reply.id, reply);
        }
        let snap = self.backend.snapshot();
        let ctx = ui.ctx().clone();
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui, &snap));
        match &snap.connection {
            Connection::Connected => {}
            Connection::Connecting => {
                egui::CentralPanel::default().show(ui, |ui| self.connection_screen(ui, None));
                return;
            }
            Connection::Failed(reason) => {
                let reason = reason.clone();
                egui::CentralPanel::default().show(ui, |ui| self.connection_screen(ui, Some(&reason)));
                return;
            }
        }
        egui::Panel::left("navigation").resizable(false).show(ui, |ui| {
            ui.add_space(6.0);
            for page in Page::ALL {
                if ui.selectable_label(self.page == page, page.name()).clicked() {
                    self.open(page);
                }
            }
            ui.separator();
            let current = snap.wallet.clone().unwrap_or_default();
            egui::ComboBox::from_label("Wallet")
                .selected_text(if current.is_empty() { "(default)" } else { current.as_str() })
                .show_ui(ui, |ui| {
                    for name in &snap.wallets {
                        let shown = if name.is_empty() { "(default)" } else { name.as_str() };
                        if ui.selectable_label(*name == current, shown).clicked() {
                            self.backend.send(Command::SelectWallet(Some(name.clone())));
                        }
                    }
                });
        });
        let mut reconnect = None;
        egui::CentralPanel::default().show(ui, |ui| {
            if snap.chain["initialblockdownload"].as_bool() == Some(true) {
                ui.colored_label(ui.visuals().warn_fg_color, "The node is still syncing: balances may be out of date.");
            }
            let mut cx = Ctx {
                backend: &self.backend,
                snap: &snap,
                unit: self.prefs.unit,
                network: self.settings.network,
                datadir: self.settings.network_datadir(),
                replies: &mut self.replies,
                next_id: &mut self.next_id,
            };
            let page = self.page;
            egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| match page {
                Page::Overview => pages::overview::show(ui, &mut cx),
                Page::Send => pages::send::show(ui, &mut cx, &mut self.pages.send),
                Page::Receive => pages::receive::show(ui, &mut cx, &mut self.pages.receive),
                Page::Transactions => pages::transactions::show(ui, &mut cx, &mut self.pages.transactions),
                Page::Market => pages::market::show(ui, &mut cx, &mut self.pages.market),
                Page::Identities => pages::identities::show(ui, &mut cx, &mut self.pages.identities),
                Page::Channels => pages::channels::show(ui, &mut cx, &mut self.pages.channels),
                Page::Mining => pages::mining::show(ui, &mut cx, &mut self.pages.mining),
                Page::Node => pages::node::show(ui, &mut cx, &mut self.pages.node),
                Page::Wallets => pages::wallets::show(ui, &mut cx, &mut self.pages.wallets),
                Page::Settings => {
                    if pages::settings::show(ui, &mut self.prefs) {
                        self.prefs.apply(&ctx);
                        self.prefs.save(&self.settings.gui_settings);
                    }
                    if let Some(next) = pages::settings::connection(ui, &mut self.connection_form, &self.settings) {
                        self.prefs.rpcconnect = Some(next.host.clone());
                        self.prefs.rpcport = Some(next.port);
                        self.prefs.rpcuser = next.user.clone();
                        self.prefs.save(&self.settings.gui_settings);
                        reconnect = Some(next);
                    }
                }
            });
        });
        if let Some(next) = reconnect {
            let repaint = ctx.clone();
            self.backend = Backend::start(next.clone(), move || repaint.request_repaint());
            self.settings = next;
        }
    }
}

impl Theme {
    pub fn name(self) -> &'static str {
        match self {
            Theme::Dark => "Dark",
            Theme::Light => "Light",
            Theme::System => "System",
        }
    }
}
