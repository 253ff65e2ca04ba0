//! Start-up and shutdown: lock the datadir, open the chainstate, serve RPC,
//! and stop cleanly on `stop`, SIGINT or SIGTERM.

use std::fs::File;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::AtomicU32;
use std::sync::Arc;
use std::time::Instant;

use anyhow::{bail, Context};
use consensus::ChainParams;
use rpc::auth::{remove_cookie, write_cookie, Login};
use rpc::http::HttpSettings;
use rpc::{Auth, Credentials};
use script::cache::SignatureCache;
use tracing::info;

use crate::actor::ChainHandle;
use crate::chainstate::{ChainOptions, Chainstate};
use crate::config::Config;
use crate::miner::Miner;
use crate::node_state::NodeState;
use crate::rpc::RpcContext;
use crate::store::SledStore;
use crate::wallets::{WalletSettings, Wallets};

/// About 32 MiB of cache keys, as Core's default signature cache.
const SIGNATURE_CACHE_ENTRIES: usize = 1 << 20;

/// Holds the exclusive lock on a data directory for the life of the node.
pub struct DatadirLock {
    _file: File,
}

impl DatadirLock {
    pub fn acquire(datadir: &Path) -> anyhow::Result<DatadirLock> {
        let path = datadir.join(".lock");
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .with_context(|| format!("cannot open {}", path.display()))?;
        if file.try_lock().is_err() {
            bail!(
                "Cannot obtain a lock on data directory {}. zennetd is probably already running (datadir locked).",
                datadir.display()
            );
        }
        Ok(DatadirLock { _file: file })
    }
}

pub async fn run(config: Config) -> anyhow::Result<()> {
    std::fs::create_dir_all(&config.datadir)
        .with_context(|| format!("cannot create data directory {}", config.datadir.display()))?;
    let _lock = DatadirLock::acquire(&config.datadir)?;
    let _pid = PidFile::write(&config.pid_file)?;
    for note in &config.unsupported_notes {
        info!("{note}");
    }
    // As Core at start: refuse to run on a disk that is about to fill.
    if !crate::fatal::has_disk_space(&config.datadir, 0) {
        bail!(
            "Disk space is too low! ({} has less than {} MiB free)",
            config.datadir.display(),
            crate::fatal::MIN_DISK_SPACE >> 20
        );
    }
    info!("Zennet {} starting on {} in {}", env!("CARGO_PKG_VERSION"), config.network, config.datadir.display());

    let params = Arc::new(ChainParams::for_network(config.network, config.regtest_multialgo));
    let store_path = config.datadir.join("chain");
    // -dbcache covers both caches: an eighth (at most 64 MiB) for the store's
    // pages, the rest for coin changes.
    let dbcache_bytes = config.dbcache_mib << 20;
    let page_cache = (dbcache_bytes / 8).clamp(1 << 20, 64 << 20);
    let store =
        tokio::task::spawn_blocking(move || SledStore::open_with_cache(&store_path, page_cache as u64)).await??;
    let signature_cache = Arc::new(SignatureCache::new(SIGNATURE_CACHE_ENTRIES, rand::random()));
    let script_threads = config.script_threads;
    let options = ChainOptions {
        script_threads,
        txindex: config.txindex,
        cache_bytes: dbcache_bytes.saturating_sub(page_cache).max(1 << 20),
        prune: config.prune,
    };
    let mut chainstate = Chainstate::open(params.clone(), Box::new(store), signature_cache.clone(), options)
        .context("cannot load the chainstate")?;
    if config.reindex {
        info!("Reindexing: connecting every stored block again");
        chainstate.reindex().context("reindex failed")?;
    }
    info!("Loaded chain: height {} tip {}", chainstate.tip().height, chainstate.tip().hash);
    let mut state = NodeState::new(chainstate, config.policy.clone(), signature_cache, config.prune_announcements)
        .context("cannot build the market index")?;
    let mempool_file = config.datadir.join("mempool.dat");
    if config.persist_mempool {
        load_mempool(&mut state, &mempool_file);
    }
    let (chain, chain_thread) = ChainHandle::spawn(state)?;

    let mut accepted = Vec::new();
    if let (Some(user), Some(password)) = (&config.rpc_user, &config.rpc_password) {
        accepted.push(Credentials { user: user.clone(), password: password.clone() });
    }
    let cookie = config.rpc_password.is_none();
    if cookie {
        accepted.push(write_cookie(&config.datadir, config.rpc_cookie_perms).context("cannot write the RPC cookie")?);
    }
    let mut logins: Vec<Login> = accepted.into_iter().map(Login::Plain).collect();
    logins.extend(config.rpc_auth.iter().cloned());
    let auth = Auth::with_logins(logins)
        .with_whitelists(&config.rpc_whitelist, config.rpc_whitelist_default)
        .map_err(|e| anyhow::anyhow!(e))?;

    let miner = Arc::new(std::sync::Mutex::new(Miner::new(chain.clone())));
    let miner_counters = miner.lock().map_err(|_| anyhow::anyhow!("miner lock"))?.counters();
    if config.gen {
        let address = config.mineraddress.clone().context("-gen needs -mineraddress=<address>")?;
        let threads = match config.genproclimit {
            l if l < 0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
            l => l as usize,
        };
        if threads > 0 {
            miner.lock().map_err(|_| anyhow::anyhow!("miner lock"))?.start(
                threads,
                config.algo,
                address.script_pubkey().clone(),
            );
        }
    }
    crate::zmq::start(config.zmq.clone(), chain.clone()).await?;
    let _ = crate::net::UA_COMMENTS.set(config.ua_comments.clone());
    let _ = crate::net::PRUNE_MODE.set(config.prune.is_some());
    let _ = crate::net::LOG_IPS.set(config.log_ips);
    if let Some(command) = &config.alertnotify {
        let _ = crate::fatal::ALERT_NOTIFY.set(command.clone());
    }
    if let Some(command) = config.blocknotify.clone() {
        tokio::spawn(block_notify(chain.ticks(), command));
    }
    if let Some(command) = config.tasknotify.clone() {
        let feed = chain.call(|node| node.subscribe_chain()).await?;
        tokio::spawn(task_notify(feed, command));
    }

    let mut follower = None;
    let wallets = if config.disable_wallet {
        info!("Wallet disabled");
        None
    } else {
        let settings = WalletSettings {
            fallback_fee: config.fallback_fee,
            channel_close_margin: config.channel_close_margin,
            kdf: wallet::crypt::KdfParams::DEFAULT,
            maturity: params.coinbase_maturity,
            policy: config.policy.clone(),
            address_type: config.address_type,
            change_type: config.change_type,
            min_tx_fee: config.min_tx_fee,
            walletnotify: config.walletnotify.clone(),
            conf_target: config.conf_target,
            reject_long_chains: config.wallet_reject_long_chains,
        };
        let wallets = Arc::new(Wallets::new(&config.wallet_dir, config.network, settings, chain.clone()));
        for name in &config.wallets {
            wallets.load(name).await.map_err(|e| anyhow::anyhow!("-wallet={name}: {e}"))?;
        }
        follower = Some(tokio::spawn(crate::wallets::follow(wallets.clone())));
        Some(wallets)
    };

    let (net_stop, net_stopping) = tokio::sync::watch::channel(false);
    let (net, net_task) = start_network(&config, chain.clone(), net_stopping).await?;

    let (shutdown_tx, mut shutdown_rx) = tokio::sync::watch::channel(false);
    let ctx = RpcContext {
        chain: chain.clone(),
        network: config.network,
        started: Instant::now(),
        shutdown: shutdown_tx,
        extra_nonce: AtomicU32::new(0),
        miner: miner.clone(),
        miner_counters,
        mining_algo: config.algo,
        mining_address: config.mineraddress.clone(),
        wallets: wallets.clone(),
        net: Some(net.clone()),
        calls: Default::default(),
        datadir: config.datadir.clone(),
        scan: Default::default(),
        rest: config.rest,
        zmq: config.zmq.clone(),
        blocks_only: config.blocks_only,
    };
    let rpc_runtime = RpcRuntime::new(config.rpc_threads)?;
    let settings = HttpSettings {
        auth,
        max_body: crate::rpc::MAX_REQUEST_BODY as usize,
        server_timeout: config.rpc_server_timeout,
        work_slots: config.rpc_threads + config.rpc_work_queue,
        rest: None,
        client_allowed: if config.rpc_allow.is_empty() {
            None
        } else {
            let allow = config.rpc_allow.clone();
            Some(Arc::new(move |ip: &std::net::IpAddr| ip.is_loopback() || allow.iter().any(|s| s.contains(ip))))
        },
    };
    let (server, bound) =
        rpc_runtime.handle().spawn(crate::rpc::start(config.rpc_binds.clone(), settings, ctx)).await??;
    info!("RPC server listening on {bound}");
    if let Some(command) = &config.startupnotify {
        // As Core: started, not waited for.
        if let Err(e) = std::process::Command::new("sh").arg("-c").arg(command).spawn() {
            tracing::warn!("-startupnotify: cannot run '{command}': {e}");
        }
    }

    let mut sigterm = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
    // SIGHUP reopens debug.log (logrotate), as Core.
    let mut sighup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup())?;
    tokio::spawn(async move {
        while sighup.recv().await.is_some() {
            crate::logging::reopen();
        }
    });
    // -stopatheight: stop once the active chain is that high.
    let mut heights = chain.ticks();
    let stop_height = config.stop_at_height;
    let reached = async move {
        if stop_height == 0 {
            std::future::pending::<()>().await;
        }
        let _ = heights.wait_for(|tick| tick.height >= stop_height).await;
    };
    tokio::select! {
        _ = reached => info!("Stopping at height {stop_height} (-stopatheight)"),
        _ = shutdown_rx.wait_for(|stop| *stop) => info!("Shutdown requested over RPC"),
        _ = tokio::signal::ctrl_c() => info!("Interrupted"),
        _ = sigterm.recv() => info!("Terminated"),
        _ = crate::fatal::occurred() => info!("Shutting down after a fatal error"),
    }

    if let Some(command) = &config.shutdownnotify {
        // As Core: run to its end before the node goes down.
        let status = tokio::process::Command::new("sh").arg("-c").arg(command).status().await;
        if let Err(e) = status {
            tracing::warn!("-shutdownnotify: cannot run '{command}': {e}");
        }
    }
    // Let in-flight replies (such as `stop`'s) go out, then stop the network, the miner and the chainstate.
    let _ = server.stop();
    server.stopped().await;
    drop(rpc_runtime);
    let _ = net_stop.send(true);
    let _ = net_task.await;
    drop(net);
    tokio::task::spawn_blocking(move || {
        if let Ok(mut m) = miner.lock() {
            m.stop();
        }
    })
    .await?;
    if config.persist_mempool {
        let snapshot = chain.call(|node| node.mempool.snapshot()).await?;
        let _ = save_mempool(&mempool_file, &snapshot);
    }
    // Wallets hold chain handles: they go first, so the chainstate thread can end.
    if let Some(task) = follower {
        task.abort();
        let _ = task.await;
    }
    drop(wallets);
    drop(chain);
    tokio::task::spawn_blocking(move || chain_thread.join()).await?.ok();
    if cookie {
        remove_cookie(&config.datadir);
    }
    if let Some(message) = crate::fatal::error() {
        bail!("{message}");
    }
    info!("Shutdown complete");
    Ok(())
}

/// The runtime the RPC server runs on, apart from the peers' (as Core's HTTP
/// worker threads): a slow call can only delay other calls, never a peer's
/// ping or a block download.
struct RpcRuntime(Option<tokio::runtime::Runtime>);

impl RpcRuntime {
    /// `threads` workers (`-rpcthreads`).
    fn new(threads: usize) -> anyhow::Result<RpcRuntime> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("rpc")
            .enable_all()
            .build()
            .context("cannot start the RPC runtime")?;
        Ok(RpcRuntime(Some(runtime)))
    }

    fn handle(&self) -> &tokio::runtime::Handle {
        self.0.as_ref().expect("the runtime lives until drop").handle()
    }
}

impl Drop for RpcRuntime {
    fn drop(&mut self) {
        // Dropped from async code: a blocking shutdown is not allowed there.
        if let Some(runtime) = self.0.take() {
            runtime.shutdown_background();
        }
    }
}

/// Binds the listening sockets and starts the peer manager.
async fn start_network(
    config: &Config,
    chain: ChainHandle,
    stopping: tokio::sync::watch::Receiver<bool>,
) -> anyhow::Result<(crate::net::NetHandle, tokio::task::JoinHandle<()>)> {
    let mut listeners = Vec::new();
    if config.listen {
        let addresses = if config.bind.is_empty() {
            vec![SocketAddr::from(([0, 0, 0, 0], config.p2p_port))]
        } else {
            config.bind.clone()
        };
        for address in addresses {
            let listener = tokio::net::TcpListener::bind(address).await.with_context(|| {
                format!("Unable to bind to {address} on this computer. zennetd is probably already running.")
            })?;
            info!("Listening for peers on {}", listener.local_addr()?);
            listeners.push((listener, Default::default()));
        }
    }
    for entry in &config.whitebind {
        let listener = tokio::net::TcpListener::bind(entry.address).await.with_context(|| {
            format!("Unable to bind to {} on this computer. zennetd is probably already running.", entry.address)
        })?;
        info!("Listening for peers on {} with permissions {:?}", entry.address, entry.permissions.names());
        listeners.push((listener, entry.permissions));
    }
    let notifications = chain.call(|node| node.subscribe_mempool()).await?;
    let net_config = crate::net::NetConfig {
        network: config.network,
        datadir: config.datadir.clone(),
        connect: config.connect.clone(),
        addnode: config.addnode.clone(),
        seednode: config.seednode.clone(),
        max_connections: config.max_connections,
        minimum_chain_work: config.minimum_chain_work.clone(),
        archive_announcements: !config.prune_announcements,
        min_relay_feerate: config.policy.min_relay_feerate,
        proxy: config.proxy,
        blocks_only: config.blocks_only,
        whitelist: config.whitelist.clone(),
        peer_timeout: config.peer_timeout,
        max_upload_target: config.max_upload_target,
        onion_proxy: config.onion_proxy,
        connect_timeout: config.connect_timeout,
        ban_time: config.ban_time,
        onlynet: config.onlynet.clone(),
    };
    Ok(crate::net::Manager::start(net_config, chain, notifications, listeners, stopping))
}

/// `-blocknotify`: runs the command (through `sh -c`, %s replaced by the
/// block hash) each time the best block changes.
async fn block_notify(mut ticks: tokio::sync::watch::Receiver<crate::actor::ChainTick>, command: String) {
    let mut last = ticks.borrow().tip;
    while ticks.changed().await.is_ok() {
        let tip = ticks.borrow().tip;
        if tip == last {
            continue;
        }
        last = tip;
        let line = command.replace("%s", &tip.to_string());
        match tokio::process::Command::new("sh").arg("-c").arg(&line).status().await {
            Ok(status) if !status.success() => tracing::warn!("-blocknotify command exited with {status}"),
            Err(e) => tracing::warn!("-blocknotify command failed to start: {e}"),
            Ok(_) => {}
        }
    }
}

/// `-tasknotify`: runs the command (%s replaced by the task id) for every
/// task that enters the market index from a block.
async fn task_notify(mut feed: tokio::sync::broadcast::Receiver<crate::node_state::Notification>, command: String) {
    use tokio::sync::broadcast::error::RecvError;
    loop {
        let task_id = match feed.recv().await {
            Ok(crate::node_state::Notification::TaskConfirmed { task_id }) => task_id,
            Ok(_) => continue,
            Err(RecvError::Lagged(missed)) => {
                tracing::warn!("-tasknotify fell behind: {missed} chain notifications missed");
                continue;
            }
            Err(RecvError::Closed) => return,
        };
        let line = command.replace("%s", &hex::encode(task_id));
        match tokio::process::Command::new("sh").arg("-c").arg(&line).status().await {
            Ok(status) if !status.success() => tracing::warn!("-tasknotify command exited with {status}"),
            Err(e) => tracing::warn!("-tasknotify command failed to start: {e}"),
            Ok(_) => {}
        }
    }
}

fn load_mempool(state: &mut NodeState, path: &Path) {
    let Ok(bytes) = std::fs::read(path) else { return };
    match crate::node_state::mempool::persist::decode(&bytes) {
        Ok(entries) => {
            let total = entries.len();
            let accepted = entries
                .into_iter()
                .filter(|(tx, time)| state.accept_to_mempool(tx.clone(), *time, false).is_ok())
                .count();
            info!("Loaded {accepted} of {total} mempool transactions from {}", path.display());
        }
        Err(e) => tracing::warn!("Ignoring {}: {e}", path.display()),
    }
}

/// `-pid`: the process ID, written at start and removed at a clean stop, as Core.
struct PidFile(std::path::PathBuf);

impl PidFile {
    fn write(path: &Path) -> anyhow::Result<PidFile> {
        std::fs::write(path, format!("{}\n", std::process::id()))
            .with_context(|| format!("Unable to create the PID file '{}'", path.display()))?;
        Ok(PidFile(path.to_path_buf()))
    }
}

impl Drop for PidFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// Written to a temporary file, synced and renamed, so a crash never leaves
/// half a file.
pub(crate) fn save_mempool(path: &Path, entries: &[(primitives::Transaction, i64)]) -> std::io::Result<()> {
    let tmp = path.with_extension("dat.new");
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        std::io::Write::write_all(&mut file, &crate::node_state::mempool::persist::encode(entries))?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    match &result {
        Ok(()) => info!("Saved {} mempool transactions", entries.len()),
        Err(e) => tracing::warn!("Could not save {}: {e}", path.display()),
    }
    result
}
