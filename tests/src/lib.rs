//! Test harness for the integration tests in `tests/`: real `zennetd`
//! processes on regtest with temporary data directories and free ports.

pub mod chain;
pub mod wire;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use rpc::auth::read_cookie;
use rpc::{ClientError, RpcClient};
use serde_json::Value;

/// A regtest address (P2WPKH of the public key of secret key 1).
pub const REGTEST_ADDRESS: &str = "zrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kn8ytsd";

/// How long a node may take to start or stop.
const STARTUP_DEADLINE: Duration = Duration::from_secs(60);

/// Directory holding the workspace's binaries. The top-level test crate has
/// no `CARGO_BIN_EXE_*`, so it builds them once per test process (a no-op
/// when they are current) in the profile its own executable was built with.
pub fn bin_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let exe = std::env::current_exe().expect("test executable path");
        // target/<profile>/deps/<test> → target/<profile>
        let dir = exe.parent().and_then(Path::parent).expect("target directory").to_path_buf();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let release = dir.ends_with("release");
        let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let status = Command::new(cargo)
            .args(["build", "--quiet", "-p", "zennetd", "-p", "rpc", "--bins"])
            .args(if release { &["--release"][..] } else { &[][..] })
            .current_dir(workspace)
            .status()
            .expect("run cargo build");
        assert!(status.success(), "cargo build -p zennetd failed");
        for bin in ["zennetd", "zennet-cli"] {
            assert!(dir.join(bin).exists(), "{} missing after cargo build", dir.join(bin).display());
        }
        dir
    })
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("bind a free port").port()
}

/// Polls `condition` until it returns `Some` or the deadline passes.
pub fn wait_for<T>(what: &str, deadline: Duration, mut condition: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + deadline;
    loop {
        if let Some(value) = condition() {
            return value;
        }
        assert!(Instant::now() < end, "timed out after {deadline:?} waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A running (or stopped) `zennetd -regtest`.
pub struct Node {
    /// Holds the log, and the data unless `data_path` points elsewhere.
    pub datadir: tempfile::TempDir,
    /// `-datadir`.
    pub data_path: PathBuf,
    pub rpc_port: u16,
    pub p2p_port: u16,
    extra_args: Vec<String>,
    /// Environment for the next starts (fault injection: `ZENNET_FAULT`).
    pub env: Vec<(String, String)>,
    /// The `zennetd` to run; the workspace's own build unless set (benches
    /// compare a previous binary).
    pub binary: Option<PathBuf>,
    child: Option<Child>,
}

impl Node {
    /// Starts a node on a fresh datadir and waits until its RPC answers.
    pub fn start(extra_args: &[&str]) -> Node {
        let mut node = Node::new(None, extra_args);
        node.restart();
        node
    }

    /// A node running `binary` rather than the workspace's `zennetd`.
    pub fn start_binary(binary: PathBuf, extra_args: &[&str]) -> Node {
        let mut node = Node::new(None, extra_args);
        node.binary = Some(binary);
        node.restart();
        node
    }

    /// A node whose `-datadir` is `data_path` (its log stays in a temporary
    /// directory); not started.
    pub fn on_datadir(data_path: PathBuf, extra_args: &[&str]) -> Node {
        Node::new(Some(data_path), extra_args)
    }

    fn new(data_path: Option<PathBuf>, extra_args: &[&str]) -> Node {
        let datadir = tempfile::Builder::new().prefix("zennet-test-").tempdir().expect("temporary datadir");
        Node {
            data_path: data_path.unwrap_or_else(|| datadir.path().to_path_buf()),
            datadir,
            rpc_port: free_port(),
            p2p_port: free_port(),
            extra_args: extra_args.iter().map(|s| s.to_string()).collect(),
            env: Vec::new(),
            binary: None,
            child: None,
        }
    }

    pub fn args(&self) -> Vec<String> {
        let mut args = vec![
            "-regtest".to_string(),
            format!("-datadir={}", self.data_path.display()),
            format!("-rpcport={}", self.rpc_port),
            format!("-port={}", self.p2p_port),
        ];
        args.extend(self.extra_args.iter().cloned());
        args
    }

    pub fn network_dir(&self) -> PathBuf {
        self.data_path.join("regtest")
    }

    /// Runs `zennetd` with this node's arguments plus `extra`, without waiting.
    pub fn spawn_process(&self, extra: &[&str]) -> Child {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.datadir.path().join("zennetd.log"))
            .expect("open log");
        Command::new(self.binary.clone().unwrap_or_else(|| bin_dir().join("zennetd")))
            .args(self.args())
            .args(extra)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("spawn zennetd")
    }

    /// (Re)starts the process on the same datadir and waits for RPC.
    pub fn restart(&mut self) {
        self.restart_with(&[]);
    }

    /// Restarts with `extra` arguments for this start only (e.g. `-reindex`).
    pub fn restart_with(&mut self, extra: &[&str]) {
        assert!(self.child.is_none(), "node already running");
        self.child = Some(self.spawn_process(extra));
        let started = Instant::now();
        wait_for("zennetd to answer RPC", STARTUP_DEADLINE, || {
            if let Some(status) = self.child.as_mut().and_then(|c| c.try_wait().ok().flatten()) {
                panic!("zennetd exited during start-up with {status}; log:\n{}", self.log());
            }
            match self.client().map(|c| c.call("getblockcount", serde_json::json!([]))) {
                Ok(Ok(_)) => Some(()),
                _ => None,
            }
        });
        eprintln!("zennetd ready on port {} after {:?}", self.rpc_port, started.elapsed());
    }

    pub fn log(&self) -> String {
        std::fs::read_to_string(self.datadir.path().join("zennetd.log")).unwrap_or_default()
    }

    /// A client using the node's cookie.
    pub fn client(&self) -> Result<RpcClient, std::io::Error> {
        let credentials = read_cookie(&self.network_dir())?;
        Ok(RpcClient::new(self.url(), credentials, Duration::from_secs(300)))
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/", self.rpc_port)
    }

    pub fn try_rpc(&self, method: &str, params: Value) -> Result<Value, ClientError> {
        self.client().expect("cookie").call(method, params)
    }

    pub fn rpc(&self, method: &str, params: Value) -> Value {
        self.try_rpc(method, params.clone()).unwrap_or_else(|e| panic!("{method} {params}: {e}\nlog:\n{}", self.log()))
    }

    /// A call to the `/wallet/<name>` endpoint.
    pub fn try_wallet_rpc(&self, wallet: &str, method: &str, params: Value) -> Result<Value, ClientError> {
        let credentials = read_cookie(&self.network_dir()).expect("cookie");
        let url = format!("http://127.0.0.1:{}/wallet/{wallet}", self.rpc_port);
        RpcClient::new(url, credentials, Duration::from_secs(300)).call(method, params)
    }

    pub fn wallet_rpc(&self, wallet: &str, method: &str, params: Value) -> Value {
        self.try_wallet_rpc(wallet, method, params.clone())
            .unwrap_or_else(|e| panic!("{wallet}: {method} {params}: {e}\nlog:\n{}", self.log()))
    }

    /// Hands `to` every active block of this node above `to`'s height (as a peer would).
    pub fn send_blocks_to(&self, to: &Node) {
        let from = to.rpc("getblockcount", serde_json::json!([])).as_u64().expect("height");
        let tip = self.rpc("getblockcount", serde_json::json!([])).as_u64().expect("height");
        for h in from + 1..=tip {
            let hash = self.rpc("getblockhash", serde_json::json!([h]));
            let block = self.rpc("getblock", serde_json::json!([hash, 0]));
            assert_eq!(to.rpc("submitblock", serde_json::json!([block])), Value::Null, "block {h}");
        }
    }

    /// `addnode <other> onetry`, then waits until both ends have finished the handshake.
    pub fn connect_to(&self, other: &Node) {
        let target = format!("127.0.0.1:{}", other.p2p_port);
        self.rpc("addnode", serde_json::json!([target, "onetry"]));
        wait_for(&format!("a connection to {target}"), Duration::from_secs(30), || {
            let peers = self.rpc("getpeerinfo", serde_json::json!([]));
            let ours =
                peers.as_array()?.iter().any(|p| p["addr"] == target.as_str() && p["version"].as_u64() > Some(0));
            ours.then_some(())
        });
        wait_for("the other side's handshake", Duration::from_secs(30), || {
            let peers = other.rpc("getpeerinfo", serde_json::json!([]));
            peers.as_array()?.iter().any(|p| p["inbound"] == true && p["version"].as_u64() > Some(0)).then_some(())
        });
    }

    /// Closes this node's outbound connection to `other`.
    pub fn disconnect_from(&self, other: &Node) {
        let target = format!("127.0.0.1:{}", other.p2p_port);
        self.rpc("disconnectnode", serde_json::json!([target]));
        wait_for("the disconnection", Duration::from_secs(30), || {
            let peers = self.rpc("getpeerinfo", serde_json::json!([]));
            (!peers.as_array()?.iter().any(|p| p["addr"] == target.as_str())).then_some(())
        });
    }

    pub fn tip(&self) -> String {
        self.rpc("getbestblockhash", serde_json::json!([])).as_str().expect("hash").to_string()
    }

    pub fn height(&self) -> u64 {
        self.rpc("getblockcount", serde_json::json!([])).as_u64().expect("height")
    }

    pub fn utxo_hash(&self) -> String {
        self.rpc("gettxoutsetinfo", serde_json::json!([]))["hash_serialized_3"].as_str().expect("hash").to_string()
    }

    /// Waits until the node's best block is `hash`.
    pub fn wait_for_tip(&self, hash: &str, deadline: Duration) {
        wait_for(&format!("tip {hash} on port {}", self.rpc_port), deadline, || (self.tip() == hash).then_some(()));
    }

    /// `stop` over RPC, then waits for the process to exit.
    pub fn stop(&mut self) -> ExitStatus {
        self.rpc("stop", serde_json::json!([]));
        let mut child = self.child.take().expect("node running");
        wait_for("zennetd to exit", STARTUP_DEADLINE, || child.try_wait().ok().flatten())
    }

    /// Waits for the process to end by itself (within `deadline`).
    pub fn wait_for_exit(&mut self, deadline: Duration) -> ExitStatus {
        let mut child = self.child.take().expect("node running");
        wait_for("zennetd to exit by itself", deadline, || child.try_wait().ok().flatten())
    }

    /// The running process's id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("node running").id()
    }

    /// Resident memory of the running process, in bytes (from /proc).
    pub fn rss_bytes(&self) -> u64 {
        self.proc_status_kib("VmRSS:") * 1024
    }

    /// The most resident memory the running process has had, in bytes.
    pub fn peak_rss_bytes(&self) -> u64 {
        self.proc_status_kib("VmHWM:") * 1024
    }

    /// A KiB figure of the process's /proc status, by its label.
    fn proc_status_kib(&self, label: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).expect("/proc status");
        status
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{label} in /proc status"))
    }

    /// SIGKILL, as a crash.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Runs `zennet-cli` against this node; returns (exit code, stdout, stderr).
    pub fn cli(&self, args: &[&str]) -> (i32, String, String) {
        let output = Command::new(bin_dir().join("zennet-cli"))
            .arg("-regtest")
            .arg(format!("-datadir={}", self.data_path.display()))
            .arg(format!("-rpcport={}", self.rpc_port))
            .args(args)
            .output()
            .expect("run zennet-cli");
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill();
    }
}

/// An amount as the node prints it: a JSON number with eight decimals.
pub fn zen(amount: f64) -> Value {
    let zats = (amount * 1e8).round() as i64;
    let sign = if zats < 0 { "-" } else { "" };
    let magnitude = zats.unsigned_abs();
    Value::Number(serde_json::Number::from_string_unchecked(format!(
        "{sign}{}.{:08}",
        magnitude / 100_000_000,
        magnitude % 100_000_000
    )))
}

/// An amount in ZEN as JSON, in zats.
pub fn zats(v: &Value) -> u64 {
    (v.as_f64().unwrap_or_else(|| panic!("an amount, not {v}")) * 1e8).round() as u64
}

/// The code and message of an RPC error (panics on success or a transport error).
pub fn rpc_error(result: Result<Value, ClientError>) -> (i64, String) {
    match result {
        Err(ClientError::Rpc(e)) => (i64::from(e.code), e.message),
        other => panic!("expected an RPC error, got {other:?}"),
    }
}

impl Node {
    /// Everything the wallet owns: trusted, pending and immature, in zats.
    pub fn balance(&self, wallet: &str) -> u64 {
        let b = self.wallet_rpc(wallet, "getbalances", serde_json::json!([]));
        zats(&b["mine"]["trusted"]) + zats(&b["mine"]["untrusted_pending"]) + zats(&b["mine"]["immature"])
    }

    /// Mines `blocks` to REGTEST_ADDRESS (nobody's wallet).
    pub fn mine(&self, blocks: u64) {
        self.rpc("generatetoaddress", serde_json::json!([blocks, REGTEST_ADDRESS]));
    }

    /// Waits until `txid` is in this node's mempool.
    pub fn wait_in_mempool(&self, txid: &str, deadline: Duration) {
        wait_for(&format!("{txid} in the mempool"), deadline, || {
            self.rpc("getrawmempool", serde_json::json!([])).as_array()?.iter().any(|t| t == txid).then_some(())
        });
    }
}

/// Waits until every node has the first one's tip.
pub fn sync_tips(nodes: &[&Node], deadline: Duration) {
    let tip = nodes[0].tip();
    for node in &nodes[1..] {
        node.wait_for_tip(&tip, deadline);
    }
}
