//! The wallet itself: its keys and scripts, its transactions and labels,
//! loaded from and committed to a [`WalletStore`]. Chain tracking, balances
//! and sending are in `track`, `balance` and `send`.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use bip39::Mnemonic;
use bitcoin::bip32::{Fingerprint, Xpub};
use bitcoin::secp256k1::{All, Secp256k1};
use primitives::{BlockHash, Network, OutPoint, ScriptBuf, Transaction, Txid};
use zeroize::Zeroizing;

use crate::crypt::{self, KdfParams};
use crate::descriptor::{self, WatchDescriptor};
use crate::error::WalletError;
use crate::keys::{self, AccountKeys, AccountSecret, Chain, OutputType};
use crate::record::{BlockRef, HdRecord, Meta, SecretRecord, TxRecord, WatchRecord, LABEL_PREFIX, META_KEY, TX_PREFIX};
use crate::store::{WalletStore, Write};

/// Keys derived ahead of the last one used, so a restored wallet finds its
/// coins (Core's default keypool size).
pub const LOOKAHEAD: u32 = 1000;
/// Most scripts one watch-only descriptor may cover (Core's range limit).
pub const MAX_WATCH_RANGE: u32 = 1_000_000;

/// Where a script of the wallet comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Hd { output_type: OutputType, chain: Chain, index: u32 },
    Watch { descriptor: usize, index: u32 },
}

/// A transaction the wallet keeps.
#[derive(Debug, Clone)]
pub struct WalletTx {
    pub tx: Transaction,
    pub txid: Txid,
    pub time_received: i64,
    pub order: u64,
    pub block: Option<BlockRef>,
    pub abandoned: bool,
    pub replaced_by: Option<Txid>,
    pub replaces: Option<Txid>,
    pub comment: Option<String>,
    pub comment_to: Option<String>,
}

/// How a wallet is created.
pub struct CreateOptions {
    pub disable_private_keys: bool,
    pub blank: bool,
    pub passphrase: Option<Zeroizing<String>>,
    /// Restore from this phrase (the chain is then scanned from genesis).
    pub mnemonic: Option<Mnemonic>,
    pub kdf: KdfParams,
    pub now: i64,
    /// A new wallet has nothing before the current tip.
    pub tip: (BlockHash, u32),
}

pub struct Wallet {
    pub name: String,
    pub(crate) network: Network,
    pub(crate) maturity: u32,
    pub(crate) meta: Meta,
    /// The HD accounts, by [`OutputType::index`].
    pub(crate) accounts: [Option<AccountKeys>; 2],
    pub(crate) secret: Option<AccountSecret>,
    pub(crate) unlocked_until: Option<i64>,
    pub(crate) scripts: HashMap<ScriptBuf, Origin>,
    /// How many keys of each account's chains are in `scripts`.
    pub(crate) derived: [[u32; 2]; 2],
    /// `-addresstype` and `-changetype` (None: Core's choice by the outputs).
    pub(crate) address_type: OutputType,
    pub(crate) change_type: Option<OutputType>,
    pub(crate) watch: Vec<WatchDescriptor>,
    pub(crate) txs: HashMap<Txid, WalletTx>,
    pub(crate) spends: HashMap<OutPoint, Vec<Txid>>,
    pub(crate) labels: HashMap<ScriptBuf, String>,
    pub(crate) locked_coins: HashSet<OutPoint>,
    pub(crate) in_mempool: HashSet<Txid>,
    /// Transactions new or moved to another block, not yet reported.
    pub(crate) changed: Vec<Txid>,
    pub(crate) next_order: u64,
    pub(crate) store: Box<dyn WalletStore>,
    pub(crate) secp: Secp256k1<All>,
    /// Payment channels, by id.
    pub(crate) channels: HashMap<String, crate::channel::ChannelRecord>,
    /// Outputs the wallet does not own but follows (channel funding): a
    /// transaction spending one is the wallet's.
    pub(crate) watched: HashSet<OutPoint>,
    /// Private keys of descriptors imported with them, by descriptor
    /// position (present while the wallet is unlocked or unencrypted).
    pub(crate) imported: HashMap<usize, miniscript::descriptor::KeyMap>,
    /// The passphrase while an encrypted wallet is unlocked, to seal keys
    /// imported meanwhile (Core keeps its master key in memory likewise).
    pub(crate) unlock_passphrase: Option<Zeroizing<String>>,
}

fn corrupt(e: impl std::fmt::Display) -> WalletError {
    WalletError::Corrupt(e.to_string())
}

impl Wallet {
    /// Creates a wallet in an empty store. Returns the new recovery phrase
    /// when one was generated (it is shown once).
    pub fn create(
        name: &str,
        network: Network,
        maturity: u32,
        store: Box<dyn WalletStore>,
        opts: CreateOptions,
    ) -> Result<(Wallet, Option<Zeroizing<String>>), WalletError> {
        let restoring = opts.mnemonic.is_some();
        let mut shown = None;
        let mut identity_secret = None;
        let hd = if opts.disable_private_keys || (opts.blank && !restoring) {
            None
        } else {
            let mnemonic = match opts.mnemonic {
                Some(m) => m,
                None => {
                    let m = keys::generate_mnemonic();
                    shown = Some(Zeroizing::new(m.to_string()));
                    m
                }
            };
            let ([account, tr_account], secret) = keys::derive_account(keys::seed_of(&mnemonic).as_ref(), network, 0)?;
            identity_secret = Some(secret);
            let phrase = Zeroizing::new(mnemonic.to_string());
            let secret = match &opts.passphrase {
                Some(pass) => SecretRecord::Encrypted(crypt::seal(pass.as_bytes(), phrase.as_bytes(), opts.kdf)?),
                None => SecretRecord::Plain { mnemonic: phrase.to_string() },
            };
            Some(HdRecord {
                fingerprint: account.master_fingerprint.to_string(),
                coin: account.coin,
                account: account.account,
                xpub: account.xpub.to_string(),
                xpub_bech32m: Some(tr_account.xpub.to_string()),
                secret,
            })
        };
        let (best_block, best_height) =
            if restoring { (String::new(), 0) } else { (opts.tip.0.to_string(), opts.tip.1) };
        let meta = Meta {
            format: 1,
            network: network.chain_name().to_string(),
            birth_time: if restoring { 0 } else { opts.now },
            hd,
            disable_private_keys: opts.disable_private_keys,
            blank: opts.blank,
            next_index: [0, 0],
            next_index_bech32m: [0, 0],
            best_block,
            best_height,
            pay_tx_fee: 0,
            watch: Vec::new(),
            identities: Vec::new(),
            identity_keys: Vec::new(),
        };
        let mut store = store;
        if !store.load()?.is_empty() {
            return Err(WalletError::Other(format!(
                "Wallet file verification failed. Failed to create database path for {name}. Database already exists."
            )));
        }
        store.commit(vec![(META_KEY.to_string(), Some(serde_json::to_vec(&meta).map_err(corrupt)?))])?;
        let mut wallet = Wallet::from_records(name, network, maturity, store, meta, Vec::new(), Vec::new())?;
        if let Some(secret) = identity_secret {
            // Encrypted wallets start locked: use the phrase while it is here.
            let keys = crate::identity::identity_lookahead(&secret, &wallet.secp, &[], &[])?;
            let mut meta = wallet.meta.clone();
            meta.identity_keys = keys;
            wallet.commit_meta(meta)?;
        }
        Ok((wallet, shown))
    }

    /// Loads a wallet from its store.
    pub fn open(
        name: &str,
        network: Network,
        maturity: u32,
        store: Box<dyn WalletStore>,
    ) -> Result<Wallet, WalletError> {
        let mut meta = None;
        let mut txs = Vec::new();
        let mut labels = Vec::new();
        let mut channels = Vec::new();
        for (key, value) in store.load()? {
            if key == META_KEY {
                meta = Some(serde_json::from_slice::<Meta>(&value).map_err(corrupt)?);
            } else if key.starts_with(TX_PREFIX) {
                txs.push(serde_json::from_slice::<TxRecord>(&value).map_err(corrupt)?);
            } else if key.starts_with(crate::channel::CHANNEL_PREFIX) {
                channels.push(serde_json::from_slice::<crate::channel::ChannelRecord>(&value).map_err(corrupt)?);
            } else if let Some(script) = key.strip_prefix(LABEL_PREFIX) {
                let script = ScriptBuf::from_bytes(hex::decode(script).map_err(corrupt)?);
                labels.push((script, String::from_utf8(value).map_err(corrupt)?));
            }
        }
        let meta = meta.ok_or_else(|| corrupt("no meta record"))?;
        if meta.network != network.chain_name() {
            return Err(WalletError::Other(format!(
                "Wallet {name} belongs to {}, not {}",
                meta.network,
                network.chain_name()
            )));
        }
        let mut wallet = Wallet::from_records(name, network, maturity, store, meta, txs, labels)?;
        for record in channels {
            if let Ok(funding) = record.funding() {
                wallet.watched.insert(funding);
            }
            wallet.channels.insert(record.id.clone(), record);
        }
        Ok(wallet)
    }

    fn from_records(
        name: &str,
        network: Network,
        maturity: u32,
        store: Box<dyn WalletStore>,
        meta: Meta,
        txs: Vec<TxRecord>,
        labels: Vec<(ScriptBuf, String)>,
    ) -> Result<Wallet, WalletError> {
        let mut accounts = [None, None];
        if let Some(hd) = &meta.hd {
            let fingerprint = Fingerprint::from_str(&hd.fingerprint).map_err(corrupt)?;
            for (output_type, xpub) in
                [(OutputType::Bech32, Some(&hd.xpub)), (OutputType::Bech32m, hd.xpub_bech32m.as_ref())]
            {
                if let Some(xpub) = xpub {
                    let xpub = Xpub::from_str(xpub).map_err(corrupt)?;
                    accounts[output_type.index()] =
                        Some(AccountKeys::new(network, fingerprint, hd.coin, hd.account, output_type, xpub)?);
                }
            }
        }
        let mut wallet = Wallet {
            name: name.to_string(),
            network,
            maturity,
            meta,
            accounts,
            secret: None,
            unlocked_until: None,
            scripts: HashMap::new(),
            derived: [[0, 0], [0, 0]],
            address_type: OutputType::Bech32,
            change_type: None,
            watch: Vec::new(),
            txs: HashMap::new(),
            spends: HashMap::new(),
            labels: labels.into_iter().collect(),
            locked_coins: HashSet::new(),
            in_mempool: HashSet::new(),
            changed: Vec::new(),
            next_order: 0,
            store,
            secp: Secp256k1::new(),
            channels: HashMap::new(),
            watched: HashSet::new(),
            imported: HashMap::new(),
            unlock_passphrase: None,
        };
        if let Some(SecretRecord::Plain { mnemonic }) = wallet.meta.hd.as_ref().map(|h| &h.secret) {
            let m = keys::parse_mnemonic(mnemonic).map_err(corrupt)?;
            let (accounts, secret) = keys::derive_account(keys::seed_of(&m).as_ref(), network, 0)?;
            wallet.secret = Some(secret);
            wallet.adopt_missing_accounts(accounts)?;
        }
        for record in wallet.meta.watch.clone() {
            let body = descriptor::split_checksum(&record.descriptor, false).map_err(corrupt)?;
            // Descriptors imported with keys are signed through miniscript's forms.
            let parsed = if record.secret.is_some() {
                descriptor::parse_script_descriptor(body)
            } else {
                descriptor::parse_watch(body, network)
            };
            wallet.watch.push(parsed.map_err(corrupt)?);
        }
        wallet.open_imported(None)?;
        wallet.top_up()?;
        if wallet.top_up_identity_keys()? {
            let meta = wallet.meta.clone();
            wallet.commit_meta(meta)?;
        }
        wallet.add_watch_scripts()?;
        for record in txs {
            let wtx = record_to_tx(record)?;
            wallet.next_order = wallet.next_order.max(wtx.order + 1);
            wallet.index_spends(&wtx.tx);
            wallet.txs.insert(wtx.txid, wtx);
        }
        Ok(wallet)
    }

    pub fn network(&self) -> Network {
        self.network
    }

    pub fn best_block(&self) -> Option<(BlockHash, u32)> {
        self.meta.best_block.parse().ok().map(|h| (h, self.meta.best_height))
    }

    pub fn birth_time(&self) -> i64 {
        self.meta.birth_time
    }

    pub fn private_keys_enabled(&self) -> bool {
        !self.meta.disable_private_keys
    }

    pub fn is_blank(&self) -> bool {
        self.meta.blank
    }

    pub fn pay_tx_fee(&self) -> u64 {
        self.meta.pay_tx_fee
    }

    pub fn set_pay_tx_fee(&mut self, rate: u64) -> Result<(), WalletError> {
        self.meta.pay_tx_fee = rate;
        self.commit(Vec::new())
    }

    pub fn tx(&self, txid: &Txid) -> Option<&WalletTx> {
        self.txs.get(txid)
    }

    pub fn txs(&self) -> impl Iterator<Item = &WalletTx> {
        self.txs.values()
    }

    pub fn origin(&self, script: &ScriptBuf) -> Option<Origin> {
        self.scripts.get(script).copied()
    }

    pub fn is_mine(&self, script: &ScriptBuf) -> bool {
        self.scripts.contains_key(script)
    }

    /// Adds the scripts of every watched descriptor (at load and import only).
    pub(crate) fn add_watch_scripts(&mut self) -> Result<(), WalletError> {
        for (i, (descriptor, record)) in self.watch.iter().zip(&self.meta.watch).enumerate() {
            let end = if descriptor.is_range() { record.range_end } else { 0 };
            for index in 0..=end {
                let script = descriptor.script_at(index).map_err(|e| WalletError::Other(e.to_string()))?;
                self.scripts.entry(script).or_insert(Origin::Watch { descriptor: i, index });
            }
        }
        Ok(())
    }

    pub fn label(&self, script: &ScriptBuf) -> Option<&str> {
        self.labels.get(script).map(String::as_str)
    }

    pub fn set_label(&mut self, script: &ScriptBuf, label: &str) -> Result<(), WalletError> {
        self.labels.insert(script.clone(), label.to_string());
        self.commit(vec![label_write(script, Some(label))])
    }

    pub fn labels(&self) -> impl Iterator<Item = (&ScriptBuf, &String)> {
        self.labels.iter()
    }

    // --- encryption ---

    pub fn is_encrypted(&self) -> bool {
        matches!(self.meta.hd.as_ref().map(|h| &h.secret), Some(SecretRecord::Encrypted(_)))
    }

    pub fn is_locked(&self) -> bool {
        self.is_encrypted() && self.secret.is_none()
    }

    pub fn unlocked_until(&self) -> Option<i64> {
        if self.is_encrypted() {
            Some(self.unlocked_until.unwrap_or(0))
        } else {
            None
        }
    }

    /// Forgets the keys of an encrypted wallet whose unlock time has passed.
    pub fn relock_if_expired(&mut self, now: i64) {
        if self.unlocked_until.is_some_and(|t| now >= t) {
            self.lock();
        }
    }

    pub fn lock(&mut self) {
        if self.is_encrypted() {
            self.secret = None;
            self.unlocked_until = None;
            self.imported.clear();
            self.unlock_passphrase = None;
        }
    }

    fn sealed_phrase(&self) -> Result<&crypt::Sealed, WalletError> {
        match self.meta.hd.as_ref().map(|h| &h.secret) {
            Some(SecretRecord::Encrypted(sealed)) => Ok(sealed),
            _ => Err(WalletError::NotEncrypted("walletpassphrase")),
        }
    }

    /// `walletpassphrase`: opens the keys until `until`.
    pub fn unlock(&mut self, passphrase: &str, until: i64) -> Result<(), WalletError> {
        let phrase = crypt::open(passphrase.as_bytes(), self.sealed_phrase()?)?;
        let text = std::str::from_utf8(&phrase).map_err(corrupt)?;
        let m = keys::parse_mnemonic(text).map_err(corrupt)?;
        let (accounts, secret) = keys::derive_account(keys::seed_of(&m).as_ref(), self.network, 0)?;
        self.secret = Some(secret);
        self.unlocked_until = Some(until);
        self.adopt_missing_accounts(accounts)?;
        self.top_up()?;
        self.open_imported(Some(passphrase))?;
        self.unlock_passphrase = Some(Zeroizing::new(passphrase.to_string()));
        if self.top_up_identity_keys()? {
            let meta = self.meta.clone();
            self.commit_meta(meta)?;
        }
        Ok(())
    }

    /// `encryptwallet`: seals the phrase; the wallet is locked afterwards.
    pub fn encrypt(&mut self, passphrase: &str, kdf: KdfParams) -> Result<(), WalletError> {
        if self.is_encrypted() {
            return Err(WalletError::AlreadyEncrypted);
        }
        let mut meta = self.meta.clone();
        let Some(hd) = meta.hd.as_mut() else {
            return Err(WalletError::Other("Error: wallet does not contain private keys, nothing to encrypt.".into()));
        };
        let SecretRecord::Plain { mnemonic } = &hd.secret else { return Err(WalletError::AlreadyEncrypted) };
        let phrase = Zeroizing::new(mnemonic.clone());
        hd.secret = SecretRecord::Encrypted(crypt::seal(passphrase.as_bytes(), phrase.as_bytes(), kdf)?);
        crate::imported::seal_all(&mut meta.watch, None, passphrase, kdf)?;
        self.commit_meta(meta)?;
        self.lock();
        // The plaintext phrase may linger in the store's log: write it afresh.
        self.store.rewrite()?;
        Ok(())
    }

    /// `walletpassphrasechange`: re-seals under the new passphrase; a wrong
    /// old passphrase changes nothing.
    pub fn change_passphrase(&mut self, old: &str, new: &str, kdf: KdfParams) -> Result<(), WalletError> {
        let sealed = self.meta.hd.as_ref().map(|h| &h.secret);
        let Some(SecretRecord::Encrypted(sealed)) = sealed else {
            return Err(WalletError::NotEncrypted("walletpassphrasechange"));
        };
        let phrase = crypt::open(old.as_bytes(), sealed)?;
        let mut meta = self.meta.clone();
        if let Some(hd) = meta.hd.as_mut() {
            hd.secret = SecretRecord::Encrypted(crypt::seal(new.as_bytes(), &phrase, kdf)?);
        }
        crate::imported::seal_all(&mut meta.watch, Some(old), new, kdf)?;
        if self.unlock_passphrase.is_some() {
            self.unlock_passphrase = Some(Zeroizing::new(new.to_string()));
        }
        self.commit_meta(meta)?;
        // Nothing sealed under the old passphrase stays behind either.
        self.store.rewrite()?;
        Ok(())
    }

    /// The recovery phrase, when the wallet is unlocked (or unencrypted).
    pub fn mnemonic(&self, passphrase: Option<&str>) -> Result<Zeroizing<String>, WalletError> {
        match self.meta.hd.as_ref().map(|h| &h.secret) {
            Some(SecretRecord::Plain { mnemonic }) => Ok(Zeroizing::new(mnemonic.clone())),
            Some(SecretRecord::Encrypted(sealed)) => {
                let pass = passphrase.ok_or(WalletError::Locked)?;
                let phrase = crypt::open(pass.as_bytes(), sealed)?;
                Ok(Zeroizing::new(String::from_utf8(phrase.to_vec()).map_err(corrupt)?))
            }
            None => Err(WalletError::NoKeys),
        }
    }

    pub(crate) fn account_secret(&self) -> Result<&AccountSecret, WalletError> {
        if self.meta.disable_private_keys {
            return Err(WalletError::PrivateKeysDisabled);
        }
        self.secret.as_ref().ok_or(if self.accounts[0].is_some() { WalletError::Locked } else { WalletError::NoKeys })
    }

    // --- watch-only ---

    /// Adds a watch-only descriptor whose scripts `0..=range_end` are derived
    /// now (`range_end` below [`MAX_WATCH_RANGE`], Core's range limit).
    /// Returns the number of scripts it added.
    pub fn import_watch(
        &mut self,
        descriptor_text: &str,
        range_end: u32,
        timestamp: i64,
    ) -> Result<usize, WalletError> {
        let body = descriptor::split_checksum(descriptor_text, false)
            .map_err(|e| WalletError::InvalidParameter(e.to_string()))?;
        let parsed =
            descriptor::parse_watch(body, self.network).map_err(|e| WalletError::InvalidParameter(e.to_string()))?;
        if range_end >= MAX_WATCH_RANGE {
            return Err(WalletError::InvalidParameter("Range is too large".into()));
        }
        if self.private_keys_enabled() {
            return Err(WalletError::Other(
                "Cannot import descriptor without private keys to a wallet with private keys enabled".into(),
            ));
        }
        let before = self.scripts.len();
        let full = descriptor::with_checksum(body).map_err(|e| WalletError::InvalidParameter(e.to_string()))?;
        let mut meta = self.meta.clone();
        match meta.watch.iter().position(|w| w.descriptor == full) {
            Some(i) => meta.watch[i].range_end = meta.watch[i].range_end.max(range_end),
            None => {
                meta.watch.push(WatchRecord { descriptor: full, range_end, timestamp, secret: None });
                self.watch.push(parsed);
            }
        }
        if timestamp < meta.birth_time || meta.birth_time == 0 {
            meta.birth_time = timestamp;
        }
        self.commit_meta(meta)?;
        self.add_watch_scripts()?;
        Ok(self.scripts.len() - before)
    }

    pub fn watch_records(&self) -> &[WatchRecord] {
        &self.meta.watch
    }

    // --- persistence ---

    pub(crate) fn commit_meta(&mut self, meta: Meta) -> Result<(), WalletError> {
        let bytes = serde_json::to_vec(&meta).map_err(corrupt)?;
        self.store.commit(vec![(META_KEY.to_string(), Some(bytes))])?;
        self.meta = meta;
        Ok(())
    }

    /// Commits `writes` together with the current meta record.
    pub(crate) fn commit(&mut self, mut writes: Vec<Write>) -> Result<(), WalletError> {
        writes.push((META_KEY.to_string(), Some(serde_json::to_vec(&self.meta).map_err(corrupt)?)));
        self.store.commit(writes)?;
        Ok(())
    }

    pub(crate) fn tx_write(&self, txid: &Txid) -> Write {
        let key = format!("{TX_PREFIX}{txid}");
        let value = self.txs.get(txid).map(|wtx| serde_json::to_vec(&tx_to_record(wtx)).unwrap_or_default());
        (key, value)
    }

    pub(crate) fn index_spends(&mut self, tx: &Transaction) {
        if tx.is_coinbase() {
            return;
        }
        let txid = tx.txid();
        for input in &tx.input {
            let spenders = self.spends.entry(input.previous_output).or_default();
            if !spenders.contains(&txid) {
                spenders.push(txid);
            }
        }
    }

    pub fn backup(&self, path: &std::path::Path) -> Result<(), WalletError> {
        Ok(self.store.backup(path)?)
    }
}

pub(crate) fn label_write(script: &ScriptBuf, label: Option<&str>) -> Write {
    (format!("{LABEL_PREFIX}{}", hex::encode(script.as_bytes())), label.map(|l| l.as_bytes().to_vec()))
}

fn tx_to_record(wtx: &WalletTx) -> TxRecord {
    TxRecord {
        hex: hex::encode(wtx.tx.serialize()),
        time_received: wtx.time_received,
        order: wtx.order,
        block: wtx.block,
        abandoned: wtx.abandoned,
        replaced_by: wtx.replaced_by.map(|t| t.to_string()),
        replaces: wtx.replaces.map(|t| t.to_string()),
        comment: wtx.comment.clone(),
        comment_to: wtx.comment_to.clone(),
    }
}

fn record_to_tx(r: TxRecord) -> Result<WalletTx, WalletError> {
    let tx = Transaction::from_bytes(&hex::decode(&r.hex).map_err(corrupt)?).map_err(corrupt)?;
    let parse = |t: Option<String>| t.map(|t| t.parse::<Txid>().map_err(corrupt)).transpose();
    Ok(WalletTx {
        txid: tx.txid(),
        tx,
        time_received: r.time_received,
        order: r.order,
        block: r.block,
        abandoned: r.abandoned,
        replaced_by: parse(r.replaced_by)?,
        replaces: parse(r.replaces)?,
        comment: r.comment,
        comment_to: r.comment_to,
    })
}
