//! The backend thread: it owns the RPC clients, polls the node for what the
//! pages show, and runs the UI's calls one after another. The UI never
//! waits on it: it sends commands and draws the latest snapshot; replies
//! come back tagged with the id the UI gave them.

use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rpc::ClientError;
use serde_json::{json, Value};

use crate::connect::{explain, ConnectSettings};

/// How often the node is asked for fresh state.
const POLL: Duration = Duration::from_millis(1000);
/// Calls that do real work (sending, rescans) may take this long.
const CALL_TIMEOUT: Duration = Duration::from_secs(600);
/// Polls must answer quickly, so that a dead node shows at once.
const POLL_TIMEOUT: Duration = Duration::from_millis(1500);

/// What a page needs polled while it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Watch {
    #[default]
    Wallet,
    Market,
    Identities,
    Channels,
    Mining,
    Node,
}

pub enum Command {
    /// Call `method` (on `wallet`'s endpoint when given); the reply carries `id`.
    Call {
        id: u64,
        wallet: Option<String>,
        method: String,
        params: Value,
    },
    SelectWallet(Option<String>),
    Watch(Watch),
    /// Start `zennetd` for the configured network and datadir.
    StartNode,
    Refresh,
}

#[derive(Debug, Clone)]
pub struct Reply {
    pub id: u64,
    pub method: String,
    pub result: Result<Value, (i32, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Connection {
    Connecting,
    Connected,
    /// The node cannot be used, and why.
    Failed(String),
}

/// The latest state of the node, as polled.
#[derive(Debug, Clone)]
pub struct Snapshot {
    pub connection: Connection,
    pub chain: Value,
    pub network: Value,
    pub wallets: Vec<String>,
    pub wallet: Option<String>,
    pub wallet_info: Value,
    pub balances: Value,
    /// Newest first.
    pub transactions: Vec<Value>,
    pub unspent: Value,
    pub page: Value,
    /// The log of a node this GUI started.
    pub started_node: Option<std::path::PathBuf>,
}

impl Default for Snapshot {
    fn default() -> Self {
        Snapshot {
            connection: Connection::Connecting,
            chain: Value::Null,
            network: Value::Null,
            wallets: Vec::new(),
            wallet: None,
            wallet_info: Value::Null,
            balances: Value::Null,
            transactions: Vec::new(),
            unspent: Value::Null,
            page: Value::Null,
            started_node: None,
        }
    }
}

pub struct Backend {
    commands: Sender<Command>,
    replies: Receiver<Reply>,
    pub state: Arc<Mutex<Snapshot>>,
}

impl Backend {
    /// Starts the thread; `repaint` is called whenever something changed.
    pub fn start(settings: ConnectSettings, repaint: impl Fn() + Send + 'static) -> Backend {
        let (commands, command_rx) = channel();
        let (reply_tx, replies) = channel();
        let state = Arc::new(Mutex::new(Snapshot::default()));
        let shared = state.clone();
        let spawned = std::thread::Builder::new().name("zennet-qt-backend".into()).spawn(move || {
            Worker {
                settings,
                state: shared,
                replies: reply_tx,
                repaint: Box::new(repaint),
                watch: Watch::Wallet,
                child: None,
                listed_at: None,
            }
            .run(command_rx)
        });
        if let Err(e) = spawned {
            if let Ok(mut s) = state.lock() {
                s.connection = Connection::Failed(format!("cannot start the backend thread: {e}"));
            }
        }
        Backend { commands, replies, state }
    }

    /// A backend with no node behind it, always showing `snapshot` (for
    /// rendering pages from fixed data: the snapshot tests).
    pub fn fixed(snapshot: Snapshot) -> Backend {
        let (commands, _) = channel();
        let (_, replies) = channel();
        Backend { commands, replies, state: Arc::new(Mutex::new(snapshot)) }
    }

    pub fn send(&self, command: Command) {
        let _ = self.commands.send(command);
    }

    pub fn snapshot(&self) -> Snapshot {
        self.state.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Replies that arrived since the last call.
    pub fn replies(&self) -> Vec<Reply> {
        self.replies.try_iter().collect()
    }
}

struct Worker {
    settings: ConnectSettings,
    state: Arc<Mutex<Snapshot>>,
    replies: Sender<Reply>,
    repaint: Box<dyn Fn() + Send>,
    watch: Watch,
    child: Option<std::process::Child>,
    /// What the transaction list was fetched at (wallet, tip, transaction
    /// count, balances): the whole list is fetched again only when it moves.
    listed_at: Option<Value>,
}

fn rpc_error(e: ClientError, settings: &ConnectSettings) -> (i32, String) {
    match e {
        ClientError::Rpc(e) => (e.code, e.message),
        other => (0, explain(&other, settings)),
    }
}

impl Worker {
    fn run(mut self, commands: Receiver<Command>) {
        let mut next_poll = Instant::now();
        loop {
            let wait = next_poll.saturating_duration_since(Instant::now());
            match commands.recv_timeout(wait) {
                Ok(command) => self.handle(command),
                Err(RecvTimeoutError::Timeout) => {
                    self.poll();
                    next_poll = Instant::now() + POLL;
                }
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        if let Some(mut child) = self.child.take() {
            // A node this GUI started stays running: stopping it is the user's call.
            let _ = child.try_wait();
        }
    }

    fn wallet(&self) -> Option<String> {
        self.state.lock().ok().and_then(|s| s.wallet.clone())
    }

    fn call(
        &self,
        wallet: Option<&str>,
        method: &str,
        params: Value,
        timeout: Duration,
    ) -> Result<Value, (i32, String)> {
        let client = self.settings.client(wallet, timeout).map_err(|e| (0, e))?;
        client.call(method, params).map_err(|e| rpc_error(e, &self.settings))
    }

    fn handle(&mut self, command: Command) {
        match command {
            Command::Call { id, wallet, method, params } => {
                let result = self.call(wallet.as_deref(), &method, params, CALL_TIMEOUT);
                let _ = self.replies.send(Reply { id, method, result });
                self.poll();
            }
            Command::SelectWallet(wallet) => {
                if let Ok(mut s) = self.state.lock() {
                    s.wallet = wallet;
                    s.transactions.clear();
                    s.balances = Value::Null;
                }
                self.poll();
            }
            Command::Watch(watch) => {
                self.watch = watch;
                self.poll();
            }
            Command::StartNode => self.start_node(),
            Command::Refresh => self.poll(),
        }
        (self.repaint)();
    }

    /// Starts `zennetd` (next to this executable, else on PATH) for the
    /// configured network and datadir, its output in a log file.
    fn start_node(&mut self) {
        let exe = std::env::current_exe()
            .ok()
            .and_then(|p| p.parent().map(|d| d.join("zennetd")))
            .filter(|p| p.exists())
            .unwrap_or_else(|| "zennetd".into());
        let datadir = self.settings.network_datadir();
        let _ = std::fs::create_dir_all(&datadir);
        let log_path = datadir.join("zennet-qt-node.log");
        let mut command = std::process::Command::new(exe);
        command.arg(format!("-datadir={}", self.settings.datadir.display()));
        match self.settings.network {
            primitives::Network::Regtest => {
                command.arg("-regtest");
            }
            primitives::Network::Test => {
                command.arg("-testnet");
            }
            primitives::Network::Main => {}
        }
        command.arg(format!("-rpcport={}", self.settings.port));
        let log = std::fs::File::create(&log_path);
        let started = match log {
            Ok(file) => command.stdout(std::process::Stdio::null()).stderr(file).spawn(),
            Err(e) => Err(e),
        };
        if let Ok(mut s) = self.state.lock() {
            match started {
                Ok(child) => {
                    self.child = Some(child);
                    s.started_node = Some(log_path);
                    s.connection = Connection::Connecting;
                }
                Err(e) => s.connection = Connection::Failed(format!("Could not start zennetd: {e}")),
            }
        }
    }

    fn poll(&mut self) {
        let chain = match self.call(None, "getblockchaininfo", json!([]), POLL_TIMEOUT) {
            Ok(chain) => chain,
            Err((_, message)) => {
                self.set(|s| s.connection = Connection::Failed(message));
                return;
            }
        };
        let expected = self.settings.network.chain_name();
        if chain["chain"].as_str() != Some(expected) {
            let got = chain["chain"].as_str().unwrap_or("?").to_string();
            self.set(|s| {
                s.connection = Connection::Failed(format!("The node at this port runs {got}, not {expected}."))
            });
            return;
        }
        let network = self.call(None, "getnetworkinfo", json!([]), POLL_TIMEOUT).unwrap_or(Value::Null);
        let wallets: Vec<String> = self
            .call(None, "listwallets", json!([]), POLL_TIMEOUT)
            .ok()
            .and_then(|v| serde_json::from_value(v).ok())
            .unwrap_or_default();
        let mut wallet = self.wallet().filter(|w| wallets.contains(w));
        if wallet.is_none() {
            wallet = wallets.first().cloned();
        }
        let (mut info, mut balances, mut transactions, mut unspent) =
            (Value::Null, Value::Null, Vec::new(), Value::Null);
        if let Some(w) = wallet.as_deref() {
            info = self.call(Some(w), "getwalletinfo", json!([]), POLL_TIMEOUT).unwrap_or(Value::Null);
            balances = self.call(Some(w), "getbalances", json!([]), POLL_TIMEOUT).unwrap_or(Value::Null);
            let key = json!([w, chain["blocks"], info["txcount"], balances]);
            if self.listed_at.as_ref() == Some(&key) {
                transactions = self.state.lock().map(|s| s.transactions.clone()).unwrap_or_default();
            } else {
                let listed = self.call(Some(w), "listtransactions", json!(["*", 100_000, 0, true]), CALL_TIMEOUT);
                transactions = listed.ok().and_then(|v| v.as_array().cloned()).unwrap_or_default();
                transactions.reverse();
                self.listed_at = Some(key);
            }
            unspent = self.call(Some(w), "listunspent", json!([0]), POLL_TIMEOUT).unwrap_or(Value::Null);
        }
        let page = self.poll_page(wallet.as_deref());
        self.set(|s| {
            s.connection = Connection::Connected;
            s.chain = chain;
            s.network = network;
            s.wallets = wallets;
            s.wallet = wallet;
            s.wallet_info = info;
            s.balances = balances;
            s.transactions = transactions;
            s.unspent = unspent;
            s.page = page;
        });
    }

    /// What the shown page needs beyond the wallet.
    fn poll_page(&self, wallet: Option<&str>) -> Value {
        let get = |w: Option<&str>, method: &str, params: Value| {
            self.call(w, method, params, POLL_TIMEOUT)
                .unwrap_or_else(|(code, message)| json!({"error": {"code": code, "message": message}}))
        };
        match self.watch {
            Watch::Wallet => Value::Null,
            Watch::Market => json!({
                "tasks": get(wallet, "listtasks", json!([{}, 200])),
                "mine": get(wallet, "listtasks", json!([{"mine": true}, 200])),
                "info": get(None, "getmarketinfo", json!([])),
            }),
            Watch::Identities => json!({"identities": get(wallet, "listidentities", json!([]))}),
            Watch::Channels => json!({"channels": get(wallet, "listchannels", json!([]))}),
            Watch::Mining => {
                let mut per_algo = serde_json::Map::new();
                for algo in ["sha256d", "scrypt", "groestl", "skein", "argon2d"] {
                    per_algo.insert(algo.into(), get(None, "getnetworkhashps", json!([120, -1, algo])));
                }
                json!({"mining": get(None, "getmininginfo", json!([])), "networkhashps": per_algo})
            }
            Watch::Node => json!({
                "peers": get(None, "getpeerinfo", json!([])),
                "mempool": get(None, "getmempoolinfo", json!([])),
                "totals": get(None, "getnettotals", json!([])),
            }),
        }
    }

    fn set(&self, f: impl FnOnce(&mut Snapshot)) {
        if let Ok(mut s) = self.state.lock() {
            f(&mut s);
        }
        (self.repaint)();
    }
}
