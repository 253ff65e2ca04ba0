//! The wallet service: the wallets loaded in this node, each behind its own
//! lock (never held across an `.await`), kept in step with the chainstate
//! by pulling the blocks they have not seen, as Core's wallets catch up
//! before answering (`BlockUntilSyncedToCurrentChain`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use mempool::Policy;
use primitives::{Network, Transaction};
use tokio::sync::broadcast;
use wallet::crypt::KdfParams;
use wallet::keys::OutputType;
use wallet::{CreateOptions, Wallet, WalletError};
use zeroize::Zeroizing;

use crate::actor::ChainHandle;
use crate::clock;
use crate::node_state::Notification;
use crate::store::SledWalletStore;

pub type SharedWallet = Arc<Mutex<Wallet>>;

/// Blocks handed to a wallet per chainstate call while it catches up.
const SYNC_BATCH: usize = 200;

#[derive(Debug, Clone)]
pub struct WalletSettings {
    /// `-fallbackfee` in zats/kvB (0: disabled, as Core's default).
    pub fallback_fee: u64,
    /// Blocks before expiry at which a payee closes its channels by itself.
    pub channel_close_margin: u32,
    pub kdf: KdfParams,
    pub maturity: u32,
    pub policy: Policy,
    /// `-mintxfee` in zats/kvB.
    pub min_tx_fee: u64,
    /// `-walletrejectlongchains`.
    pub reject_long_chains: bool,
    /// `-walletnotify`.
    pub walletnotify: Option<String>,
    /// `-txconfirmtarget`.
    pub conf_target: u32,
    /// `-addresstype` and `-changetype`.
    pub address_type: OutputType,
    pub change_type: Option<OutputType>,
}

pub struct Wallets {
    dir: PathBuf,
    network: Network,
    pub settings: WalletSettings,
    chain: ChainHandle,
    loaded: Mutex<BTreeMap<String, SharedWallet>>,
    events: Mutex<Option<broadcast::Receiver<Notification>>>,
    /// Identity mining and announcement grinding jobs.
    pub jobs: crate::jobs::Jobs,
    /// Identity indexes being mined: (wallet, role, index).
    pub identity_reservations: Mutex<std::collections::HashSet<(String, u8, u32)>>,
}

/// Why the wallet service could not do what was asked (mapped to Core's
/// RPC codes at the RPC edge, `rpc::wallet`).
#[derive(Debug, thiserror::Error)]
pub enum WalletServiceError {
    #[error("Invalid wallet name '{0}'")]
    InvalidName(String),
    #[error("Wallet \"{0}\" is already loaded.")]
    AlreadyLoaded(String),
    #[error("Failed to create database path '{0}'. Database already exists.")]
    AlreadyExists(PathBuf),
    #[error("Wallet file verification failed. Failed to load database path '{0}'. Path does not exist.")]
    NoSuchPath(PathBuf),
    #[error("Requested wallet does not exist or is not loaded")]
    NotLoaded,
    #[error("No wallet is loaded. Load a wallet using loadwallet or create a new one with createwallet. (Note: A default wallet is no longer automatically created)")]
    NoneLoaded,
    #[error("Multiple wallets are loaded. Please select which wallet to use by requesting the RPC through the /wallet/<walletname> URI path.")]
    NotSpecified,
    #[error(transparent)]
    Wallet(#[from] WalletError),
    #[error("reading the chain for the wallet: {0}")]
    Chain(#[from] crate::chainstate::ChainError),
    #[error("Prune: last wallet synchronisation goes beyond pruned data. You need to -reindex (download the whole blockchain again in case of pruned node)")]
    BeyondPruned,
    #[error("the chainstate thread has stopped")]
    Stopped(#[from] crate::actor::ChainStopped),
    #[error("wallet lock poisoned")]
    Poisoned,
    #[error("wallet task failed: {0}")]
    Task(String),
    #[error(transparent)]
    Channel(#[from] wallet::channel::ChannelError),
}

/// Core's ShellEscape: a single-quoted shell word.
fn shell_escape(text: &str) -> String {
    format!("'{}'", text.replace('\'', "'\"'\"'"))
}

pub fn lock(w: &SharedWallet) -> Result<MutexGuard<'_, Wallet>, WalletServiceError> {
    w.lock().map_err(|_| WalletServiceError::Poisoned)
}

impl Wallets {
    /// Wallets under `dir` (`-walletdir`, by default `<datadir>/wallets`).
    pub fn new(dir: &Path, network: Network, settings: WalletSettings, chain: ChainHandle) -> Wallets {
        Wallets {
            dir: dir.to_path_buf(),
            network,
            settings,
            chain,
            loaded: Mutex::new(BTreeMap::new()),
            events: Mutex::new(None),
            jobs: crate::jobs::Jobs::default(),
            identity_reservations: Mutex::new(Default::default()),
        }
    }

    fn loaded(&self) -> MutexGuard<'_, BTreeMap<String, SharedWallet>> {
        self.loaded.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `wallets/<name>/`; the unnamed default wallet lives in `wallets/.default/`.
    fn path_of(&self, name: &str) -> Result<PathBuf, WalletServiceError> {
        if name.contains(['/', '\\']) || name == "." || name == ".." || name.starts_with('.') {
            return Err(WalletServiceError::InvalidName(name.to_string()));
        }
        Ok(self.dir.join(if name.is_empty() { ".default" } else { name }))
    }

    /// The chainstate's handle (for the channel service).
    pub fn chain_handle(&self) -> ChainHandle {
        self.chain.clone()
    }

    pub fn list(&self) -> Vec<String> {
        self.loaded().keys().cloned().collect()
    }

    /// Wallet directories on disk (`listwalletdir`).
    pub fn on_disk(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else { return Vec::new() };
        let mut names: Vec<String> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| e.file_name().into_string().ok())
            .map(|n| if n == ".default" { String::new() } else { n })
            .collect();
        names.sort();
        names
    }

    async fn ensure_subscribed(&self) -> Result<(), WalletServiceError> {
        if self.events.lock().map(|e| e.is_some()).unwrap_or(true) {
            return Ok(());
        }
        let receiver = self.chain.call(|node| node.subscribe_mempool()).await?;
        if let Ok(mut slot) = self.events.lock() {
            slot.get_or_insert(receiver);
        }
        Ok(())
    }

    fn insert(&self, name: &str, mut wallet: Wallet) -> Result<SharedWallet, WalletServiceError> {
        wallet.set_address_types(self.settings.address_type, self.settings.change_type);
        let mut loaded = self.loaded();
        if loaded.contains_key(name) {
            return Err(WalletServiceError::AlreadyLoaded(name.to_string()));
        }
        let shared = Arc::new(Mutex::new(wallet));
        loaded.insert(name.to_string(), shared.clone());
        Ok(shared)
    }

    /// `createwallet`. Returns the new recovery phrase, if one was generated.
    pub async fn create(
        &self,
        name: &str,
        disable_private_keys: bool,
        blank: bool,
        passphrase: Option<Zeroizing<String>>,
        mnemonic: Option<bip39::Mnemonic>,
    ) -> Result<Option<Zeroizing<String>>, WalletServiceError> {
        let path = self.path_of(name)?;
        if self.loaded().contains_key(name) {
            return Err(WalletServiceError::AlreadyLoaded(name.to_string()));
        }
        if path.exists() {
            return Err(WalletServiceError::AlreadyExists(path));
        }
        self.ensure_subscribed().await?;
        let tip = self.chain.call(|node| (node.chain.tip().hash, node.chain.tip().height)).await?;
        let (network, settings, name_owned) = (self.network, self.settings.clone(), name.to_string());
        let (wallet, phrase) = tokio::task::spawn_blocking(move || {
            std::fs::create_dir_all(&path).map_err(|e| WalletError::Other(e.to_string()))?;
            let store = SledWalletStore::open(&path)?;
            let opts = CreateOptions {
                disable_private_keys,
                blank,
                passphrase,
                mnemonic,
                kdf: settings.kdf,
                now: clock::now(),
                tip,
            };
            Wallet::create(&name_owned, network, settings.maturity, Box::new(store), opts)
        })
        .await
        .map_err(|e| WalletServiceError::Task(e.to_string()))??;
        let shared = self.insert(name, wallet)?;
        tracing::info!(target: "zennetd::wallets", "Wallet \"{name}\" created{}", if phrase.is_none() { " (restored from its phrase)" } else { "" });
        self.catch_up(&shared).await?;
        Ok(phrase)
    }

    /// `loadwallet` and `-wallet=`.
    pub async fn load(&self, name: &str) -> Result<SharedWallet, WalletServiceError> {
        let path = self.path_of(name)?;
        if self.loaded().contains_key(name) {
            return Err(WalletServiceError::AlreadyLoaded(name.to_string()));
        }
        if !path.is_dir() {
            return Err(WalletServiceError::NoSuchPath(path));
        }
        self.ensure_subscribed().await?;
        let (network, maturity, name_owned) = (self.network, self.settings.maturity, name.to_string());
        let wallet = tokio::task::spawn_blocking(move || {
            let store = SledWalletStore::open(&path)?;
            // What the wallet held before it was loaded is not news.
            Wallet::open(&name_owned, network, maturity, Box::new(store)).map(|mut w| {
                w.take_changed();
                w
            })
        })
        .await
        .map_err(|e| WalletServiceError::Task(e.to_string()))??;
        let shared = self.insert(name, wallet)?;
        // Whatever was in the mempool before the wallet was loaded.
        let pool: Vec<Transaction> =
            self.chain.call(|node| node.mempool.snapshot().into_iter().map(|(tx, _)| tx).collect()).await?;
        {
            let mut w = lock(&shared)?;
            let now = clock::now();
            for tx in &pool {
                w.transaction_seen(tx, now)?;
            }
        }
        if let Err(e) = self.catch_up(&shared).await {
            // A wallet the chain cannot bring up to date is not left loaded.
            self.loaded().remove(name);
            return Err(e);
        }
        self.rebroadcast(&shared).await?;
        tracing::info!(target: "zennetd::wallets", "Wallet \"{name}\" loaded");
        Ok(shared)
    }

    pub fn unload(&self, name: &str) -> Result<(), WalletServiceError> {
        match self.loaded().remove(name) {
            Some(_) => {
                tracing::info!(target: "zennetd::wallets", "Wallet \"{name}\" unloaded");
                Ok(())
            }
            None => Err(WalletServiceError::NotLoaded),
        }
    }

    /// Core's GetWalletForJSONRPCRequest: the `/wallet/<name>` endpoint, or
    /// the only loaded wallet.
    pub fn resolve(&self, endpoint: Option<&str>) -> Result<(String, SharedWallet), WalletServiceError> {
        let loaded = self.loaded();
        if let Some(name) = endpoint {
            return loaded.get(name).map(|w| (name.to_string(), w.clone())).ok_or(WalletServiceError::NotLoaded);
        }
        match loaded.len() {
            1 => Ok(loaded.iter().next().map(|(n, w)| (n.clone(), w.clone())).expect("one wallet")),
            0 => Err(WalletServiceError::NoneLoaded),
            _ => Err(WalletServiceError::NotSpecified),
        }
    }

    /// Brings a wallet level with the chain tip and the mempool.
    pub async fn catch_up(&self, shared: &SharedWallet) -> Result<(), WalletServiceError> {
        let mut moved = false;
        loop {
            let from = lock(shared)?.best_block().map(|(h, _)| h);
            let path =
                self.chain.call(move |node| node.chain.path_from(from, SYNC_BATCH)).await?.map_err(|e| match e {
                    crate::store::StoreError::Pruned(_) => WalletServiceError::BeyondPruned,
                    e => crate::chainstate::ChainError::Store(e).into(),
                })?;
            if path.disconnect.is_empty() && path.connect.is_empty() {
                break;
            }
            moved = true;
            let w = shared.clone();
            tokio::task::spawn_blocking(move || -> Result<(), WalletServiceError> {
                let mut w = lock(&w)?;
                if w.best_block().map(|(h, _)| h) != from {
                    return Ok(()); // another caller moved it; look again
                }
                for (hash, height, parent) in path.disconnect {
                    w.block_disconnected(hash, height, parent)?;
                }
                let now = clock::now();
                for (hash, height, block) in &path.connect {
                    w.block_connected(block, *hash, *height, now)?;
                }
                Ok(())
            })
            .await
            .map_err(|e| WalletServiceError::Task(e.to_string()))??;
        }
        self.settle(shared, moved).await
    }

    /// After the wallet's blocks are applied: mempool arrivals, which of its
    /// transactions the mempool holds, and, when the chain `moved`, its
    /// unconfirmed payments offered again (what the mempool refused before,
    /// a chain too long or a parent not yet back, may fit now).
    async fn settle(&self, shared: &SharedWallet, moved: bool) -> Result<(), WalletServiceError> {
        self.deliver_events()?;
        self.refresh_in_mempool(shared).await?;
        if moved && !lock(shared)?.to_rebroadcast().is_empty() {
            self.rebroadcast(shared).await?;
            self.deliver_events()?;
            self.refresh_in_mempool(shared).await?;
        }
        self.run_walletnotify()
    }

    /// `-walletnotify`: the command for every wallet transaction that is new
    /// or moved to another block (or out of one), as Core: `%s` the txid,
    /// `%w` the wallet's name, `%b` the block hash or "unconfirmed", `%h`
    /// its height or -1. Runs through `sh -c`, not waited for.
    fn run_walletnotify(&self) -> Result<(), WalletServiceError> {
        let loaded: Vec<(String, SharedWallet)> = self.loaded().iter().map(|(n, w)| (n.clone(), w.clone())).collect();
        for (name, shared) in loaded {
            let changed = lock(&shared)?.take_changed();
            let Some(command) = &self.settings.walletnotify else { continue };
            for (txid, block) in changed {
                let (hash, height) = match block {
                    Some((hash, height)) => (hash.to_string(), i64::from(height)),
                    None => ("unconfirmed".to_string(), -1),
                };
                let line = command
                    .replace("%s", &txid.to_string())
                    .replace("%w", &shell_escape(&name))
                    .replace("%b", &hash)
                    .replace("%h", &height.to_string());
                match tokio::process::Command::new("sh").arg("-c").arg(&line).spawn() {
                    Ok(mut child) => {
                        tokio::spawn(async move {
                            let _ = child.wait().await;
                        });
                    }
                    Err(e) => tracing::warn!("-walletnotify: cannot run '{line}': {e}"),
                }
            }
        }
        Ok(())
    }

    /// A block the chain just connected or disconnected, applied to every
    /// loaded wallet whose best block it follows (or is): no need to ask the
    /// chain for it again. A wallet elsewhere catches up by pulling.
    async fn apply_notification(&self, notification: Notification) -> Result<(), WalletServiceError> {
        let (block, height, connected) = match notification {
            Notification::BlockConnected { block, height } => (block, height, true),
            Notification::BlockDisconnected { block, height } => (block, height, false),
            _ => return Ok(()),
        };
        for shared in self.all() {
            let (w, block) = (shared.clone(), block.clone());
            let applied = tokio::task::spawn_blocking(move || -> Result<bool, WalletServiceError> {
                let mut w = lock(&w)?;
                let (hash, parent) = (block.block_hash(), block.header.prev_blockhash);
                let best = w.best_block().map(|(h, _)| h);
                if connected && best == Some(parent) {
                    w.block_connected(&block, hash, height, clock::now())?;
                    Ok(true)
                } else if !connected && best == Some(hash) {
                    w.block_disconnected(hash, height, parent)?;
                    Ok(true)
                } else {
                    Ok(false)
                }
            })
            .await
            .map_err(|e| WalletServiceError::Task(e.to_string()))??;
            if applied {
                self.settle(&shared, true).await?;
            }
        }
        Ok(())
    }

    /// Tells the wallet which of its unconfirmed transactions the mempool holds.
    async fn refresh_in_mempool(&self, shared: &SharedWallet) -> Result<(), WalletServiceError> {
        let unconfirmed = lock(shared)?.unconfirmed();
        // Nothing unconfirmed (as during a sync): nothing to ask the mempool.
        let present = if unconfirmed.is_empty() {
            Vec::new()
        } else {
            self.chain.call(move |node| node.mempool.holding(&unconfirmed)).await?
        };
        let mut w = lock(shared)?;
        w.set_in_mempool(present.into_iter().collect());
        w.relock_if_expired(clock::now());
        Ok(())
    }

    /// Hands mempool arrivals to every loaded wallet.
    fn deliver_events(&self) -> Result<(), WalletServiceError> {
        let mut arrived = Vec::new();
        let mut lagged = false;
        if let Ok(mut slot) = self.events.lock() {
            if let Some(receiver) = slot.as_mut() {
                loop {
                    match receiver.try_recv() {
                        Ok(Notification::TransactionAdded { tx, .. }) => arrived.push(tx),
                        // Blocks are pulled in order by catch_up, which also handles reorgs.
                        Ok(_) => {}
                        Err(broadcast::error::TryRecvError::Lagged(_)) => lagged = true,
                        Err(_) => break,
                    }
                }
            }
        }
        if lagged {
            tracing::warn!("wallet: missed mempool notifications; payments appear when mined");
        }
        if arrived.is_empty() {
            return Ok(());
        }
        let now = clock::now();
        for shared in self.loaded().values() {
            let mut w = lock(shared)?;
            for tx in &arrived {
                w.transaction_seen(tx, now)?;
            }
        }
        Ok(())
    }

    /// Offers the wallet's unconfirmed transactions to the mempool again.
    pub async fn rebroadcast(&self, shared: &SharedWallet) -> Result<(), WalletServiceError> {
        let txs = lock(shared)?.to_rebroadcast();
        for tx in txs {
            let txid = tx.txid();
            if let Err(e) = self.submit(tx).await? {
                tracing::debug!("wallet: {txid} not resubmitted: {e}");
            }
        }
        Ok(())
    }

    /// Submits to the mempool; the outer error is the node stopping.
    pub async fn submit(&self, tx: Transaction) -> Result<Result<u64, mempool::MempoolError>, WalletServiceError> {
        Ok(self.chain.call(move |node| node.accept_to_mempool(tx, clock::now(), false)).await?)
    }

    /// Every loaded wallet, for the follower task.
    pub fn all(&self) -> Vec<SharedWallet> {
        self.loaded().values().cloned().collect()
    }
}

/// Keeps loaded wallets in step with the chain between RPC calls (blocks
/// from the chain's notifications, a pull when one was missed), and
/// forgets the keys of unlocked wallets when their time is up (as Core's
/// scheduled relock), whether or not anyone calls.
pub async fn follow(wallets: Arc<Wallets>) {
    let mut ticks = wallets.chain.ticks();
    let mut relock = tokio::time::interval(std::time::Duration::from_secs(1));
    let Ok(mut blocks) = wallets.chain.call(|node| node.subscribe_chain()).await else { return };
    loop {
        tokio::select! {
            notification = blocks.recv() => match notification {
                Ok(notification) => {
                    if let Err(e) = wallets.apply_notification(notification).await {
                        tracing::warn!("wallet: applying a block failed: {e}");
                    }
                }
                // Fallen behind: the next tick's catch-up pulls what was missed.
                Err(broadcast::error::RecvError::Lagged(_)) => {}
                Err(broadcast::error::RecvError::Closed) => return,
            },
            changed = ticks.changed() => {
                if changed.is_err() {
                    return;
                }
                for shared in wallets.all() {
                    if let Err(e) = wallets.catch_up(&shared).await {
                        tracing::warn!("wallet: catching up failed: {e}");
                    }
                    if let Err(e) = crate::channels::tick(&wallets, &shared).await {
                        tracing::warn!("wallet: channel upkeep failed: {e}");
                    }
                }
            }
            _ = relock.tick() => {
                let now = clock::now();
                for shared in wallets.all() {
                    if let Ok(mut w) = shared.lock() {
                        w.relock_if_expired(now);
                    }
                }
            }
        }
    }
}
