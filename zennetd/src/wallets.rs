//! The wallet service: the wallets loaded in this node, each behind its own
//! lock (never held across an `.await`), kept in step with the chainstate
//! by pulling the blocks they have not seen, as Core's wallets catch up
//! before answering (`BlockUntilSyncedToCurrentChain`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};

use mempool::Policy;
use primitives::{Network, Transaction};
use rpc::{codes, RpcError};
use tokio::sync::broadcast;
use wallet::crypt::KdfParams;
use wallet::{CreateOptions, Wallet, WalletError};
use zeroize::Zeroizing;

use crate::actor::ChainHandle;
use crate::clock;
use crate::store::SledWalletStore;

pub type SharedWallet = Arc<Mutex<Wallet>>;

/// Blocks handed to a wallet per chainstate call while it catches up.
const SYNC_BATCH: usize = 200;

#[derive(Debug, Clone)]
pub struct WalletSettings {
    /// `-fallbackfee` in zats/kvB (0: disabled, as Core's default).
    pub fallback_fee: u64,
    pub kdf: KdfParams,
    pub maturity: u32,
    pub policy: Policy,
}

pub struct Wallets {
    dir: PathBuf,
    network: Network,
    pub settings: WalletSettings,
    chain: ChainHandle,
    loaded: Mutex<BTreeMap<String, SharedWallet>>,
    events: Mutex<Option<broadcast::Receiver<Arc<Transaction>>>>,
}

pub fn lock(w: &SharedWallet) -> Result<MutexGuard<'_, Wallet>, RpcError> {
    w.lock().map_err(|_| RpcError::internal("wallet lock poisoned"))
}

impl Wallets {
    pub fn new(datadir: &Path, network: Network, settings: WalletSettings, chain: ChainHandle) -> Wallets {
        Wallets {
            dir: datadir.join("wallets"),
            network,
            settings,
            chain,
            loaded: Mutex::new(BTreeMap::new()),
            events: Mutex::new(None),
        }
    }

    fn loaded(&self) -> MutexGuard<'_, BTreeMap<String, SharedWallet>> {
        self.loaded.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// `wallets/<name>/`; the unnamed default wallet lives in `wallets/.default/`.
    fn path_of(&self, name: &str) -> Result<PathBuf, RpcError> {
        if name.contains(['/', '\\']) || name == "." || name == ".." || name.starts_with('.') {
            return Err(RpcError::new(codes::WALLET_ERROR, format!("Invalid wallet name '{name}'")));
        }
        Ok(self.dir.join(if name.is_empty() { ".default" } else { name }))
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

    async fn ensure_subscribed(&self) -> Result<(), RpcError> {
        if self.events.lock().map(|e| e.is_some()).unwrap_or(true) {
            return Ok(());
        }
        let receiver = self.chain.call(|cs| cs.subscribe_transactions()).await?;
        if let Ok(mut slot) = self.events.lock() {
            slot.get_or_insert(receiver);
        }
        Ok(())
    }

    fn insert(&self, name: &str, wallet: Wallet) -> Result<SharedWallet, RpcError> {
        let mut loaded = self.loaded();
        if loaded.contains_key(name) {
            return Err(RpcError::new(codes::WALLET_ALREADY_LOADED, format!("Wallet \"{name}\" is already loaded.")));
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
    ) -> Result<Option<Zeroizing<String>>, RpcError> {
        let path = self.path_of(name)?;
        if self.loaded().contains_key(name) {
            return Err(RpcError::new(codes::WALLET_ALREADY_LOADED, format!("Wallet \"{name}\" is already loaded.")));
        }
        if path.exists() {
            return Err(RpcError::new(
                codes::WALLET_ALREADY_EXISTS,
                format!("Failed to create database path '{}'. Database already exists.", path.display()),
            ));
        }
        self.ensure_subscribed().await?;
        let tip = self.chain.call(|cs| (cs.tip().hash, cs.tip().height)).await?;
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
        .map_err(|e| RpcError::internal(e.to_string()))?
        .map_err(wallet_error)?;
        let shared = self.insert(name, wallet)?;
        self.catch_up(&shared).await?;
        Ok(phrase)
    }

    /// `loadwallet` and `-wallet=`.
    pub async fn load(&self, name: &str) -> Result<SharedWallet, RpcError> {
        let path = self.path_of(name)?;
        if self.loaded().contains_key(name) {
            return Err(RpcError::new(codes::WALLET_ALREADY_LOADED, format!("Wallet \"{name}\" is already loaded.")));
        }
        if !path.is_dir() {
            return Err(RpcError::new(
                codes::WALLET_NOT_FOUND,
                format!(
                    "Wallet file verification failed. Failed to load database path '{}'. Path does not exist.",
                    path.display()
                ),
            ));
        }
        self.ensure_subscribed().await?;
        let (network, maturity, name_owned) = (self.network, self.settings.maturity, name.to_string());
        let wallet = tokio::task::spawn_blocking(move || {
            let store = SledWalletStore::open(&path)?;
            Wallet::open(&name_owned, network, maturity, Box::new(store))
        })
        .await
        .map_err(|e| RpcError::internal(e.to_string()))?
        .map_err(wallet_error)?;
        let shared = self.insert(name, wallet)?;
        // Whatever was in the mempool before the wallet was loaded.
        let pool: Vec<Transaction> =
            self.chain.call(|cs| cs.mempool_snapshot().into_iter().map(|(tx, _)| tx).collect()).await?;
        {
            let mut w = lock(&shared)?;
            let now = clock::now();
            for tx in &pool {
                w.transaction_seen(tx, now).map_err(wallet_error)?;
            }
        }
        self.catch_up(&shared).await?;
        self.rebroadcast(&shared).await?;
        Ok(shared)
    }

    pub fn unload(&self, name: &str) -> Result<(), RpcError> {
        match self.loaded().remove(name) {
            Some(_) => Ok(()),
            None => Err(RpcError::new(codes::WALLET_NOT_FOUND, "Requested wallet does not exist or is not loaded")),
        }
    }

    /// Core's GetWalletForJSONRPCRequest: the `/wallet/<name>` endpoint, or
    /// the only loaded wallet.
    pub fn resolve(&self, endpoint: Option<&str>) -> Result<(String, SharedWallet), RpcError> {
        let loaded = self.loaded();
        if let Some(name) = endpoint {
            return loaded.get(name).map(|w| (name.to_string(), w.clone())).ok_or_else(|| {
                RpcError::new(codes::WALLET_NOT_FOUND, "Requested wallet does not exist or is not loaded")
            });
        }
        match loaded.len() {
            1 => Ok(loaded.iter().next().map(|(n, w)| (n.clone(), w.clone())).expect("one wallet")),
            0 => Err(RpcError::new(
                codes::WALLET_NOT_FOUND,
                "No wallet is loaded. Load a wallet using loadwallet or create a new one with createwallet. (Note: A default wallet is no longer automatically created)",
            )),
            _ => Err(RpcError::new(
                codes::WALLET_NOT_SPECIFIED,
                "Multiple wallets are loaded. Please select which wallet to use by requesting the RPC through the /wallet/<walletname> URI path.",
            )),
        }
    }

    /// Brings a wallet level with the chain tip and the mempool.
    pub async fn catch_up(&self, shared: &SharedWallet) -> Result<(), RpcError> {
        let mut moved = false;
        loop {
            let from = lock(shared)?.best_block().map(|(h, _)| h);
            let path = self
                .chain
                .call(move |cs| cs.path_from(from, SYNC_BATCH))
                .await?
                .map_err(|e| RpcError::new(codes::DATABASE_ERROR, e.to_string()))?;
            if path.disconnect.is_empty() && path.connect.is_empty() {
                break;
            }
            moved = true;
            let w = shared.clone();
            tokio::task::spawn_blocking(move || -> Result<(), RpcError> {
                let mut w = lock(&w)?;
                if w.best_block().map(|(h, _)| h) != from {
                    return Ok(()); // another caller moved it; look again
                }
                for (hash, height, parent) in path.disconnect {
                    w.block_disconnected(hash, height, parent).map_err(wallet_error)?;
                }
                let now = clock::now();
                for (hash, height, block) in &path.connect {
                    w.block_connected(block, *hash, *height, now).map_err(wallet_error)?;
                }
                Ok(())
            })
            .await
            .map_err(|e| RpcError::internal(e.to_string()))??;
        }
        self.deliver_events()?;
        self.refresh_in_mempool(shared).await?;
        // After a new block or a reorganisation, what the mempool refused
        // before (a chain too long, a parent not yet back) may fit now.
        if moved && !lock(shared)?.to_rebroadcast().is_empty() {
            self.rebroadcast(shared).await?;
            self.deliver_events()?;
            self.refresh_in_mempool(shared).await?;
        }
        Ok(())
    }

    /// Tells the wallet which of its unconfirmed transactions the mempool holds.
    async fn refresh_in_mempool(&self, shared: &SharedWallet) -> Result<(), RpcError> {
        let unconfirmed = lock(shared)?.unconfirmed();
        let present = self.chain.call(move |cs| cs.in_mempool(&unconfirmed)).await?;
        let mut w = lock(shared)?;
        w.set_in_mempool(present.into_iter().collect());
        w.relock_if_expired(clock::now());
        Ok(())
    }

    /// Hands mempool arrivals to every loaded wallet.
    fn deliver_events(&self) -> Result<(), RpcError> {
        let mut arrived = Vec::new();
        let mut lagged = false;
        if let Ok(mut slot) = self.events.lock() {
            if let Some(receiver) = slot.as_mut() {
                loop {
                    match receiver.try_recv() {
                        Ok(tx) => arrived.push(tx),
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
                w.transaction_seen(tx, now).map_err(wallet_error)?;
            }
        }
        Ok(())
    }

    /// Offers the wallet's unconfirmed transactions to the mempool again.
    pub async fn rebroadcast(&self, shared: &SharedWallet) -> Result<(), RpcError> {
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
    pub async fn submit(&self, tx: Transaction) -> Result<Result<u64, mempool::MempoolError>, RpcError> {
        Ok(self.chain.call(move |cs| cs.accept_to_mempool(tx, clock::now(), false)).await?)
    }

    /// Every loaded wallet, for the follower task.
    pub fn all(&self) -> Vec<SharedWallet> {
        self.loaded().values().cloned().collect()
    }
}

/// Keeps loaded wallets in step with the chain between RPC calls, and
/// forgets the keys of unlocked wallets when their time is up (as Core's
/// scheduled relock), whether or not anyone calls.
pub async fn follow(wallets: Arc<Wallets>) {
    let mut ticks = wallets.chain.ticks();
    let mut relock = tokio::time::interval(std::time::Duration::from_secs(1));
    loop {
        tokio::select! {
            changed = ticks.changed() => {
                if changed.is_err() {
                    return;
                }
                for shared in wallets.all() {
                    if let Err(e) = wallets.catch_up(&shared).await {
                        tracing::warn!("wallet: catching up failed: {}", e.message);
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

/// Core's RPC codes for wallet errors.
pub fn wallet_error(e: WalletError) -> RpcError {
    let code = match &e {
        WalletError::Locked => codes::WALLET_UNLOCK_NEEDED,
        WalletError::WrongPassphrase => codes::WALLET_PASSPHRASE_INCORRECT,
        WalletError::NotEncrypted(_) | WalletError::AlreadyEncrypted => codes::WALLET_WRONG_ENC_STATE,
        WalletError::Create(_) | WalletError::InsufficientFunds => codes::WALLET_INSUFFICIENT_FUNDS,
        WalletError::Amount(_) => codes::TYPE_ERROR,
        WalletError::InvalidAddressOrKey(_) => codes::INVALID_ADDRESS_OR_KEY,
        WalletError::InvalidParameter(_) => codes::INVALID_PARAMETER,
        WalletError::Store(_) => codes::DATABASE_ERROR,
        WalletError::PrivateKeysDisabled
        | WalletError::NoKeys
        | WalletError::Key(_)
        | WalletError::Other(_)
        | WalletError::Corrupt(_) => codes::WALLET_ERROR,
    };
    RpcError::new(code, e.to_string())
}
