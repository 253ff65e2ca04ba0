//! Descriptors imported with their private keys (`importdescriptors` into a
//! wallet with keys): kept in clear in an unencrypted wallet and sealed
//! under the passphrase in an encrypted one, opened with the phrase; their
//! scripts are the wallet's and its transactions spend them through the
//! PSBT signer.

use std::str::FromStr;

use bitcoin::psbt::{GetKey, GetKeyError, KeyRequest};
use bitcoin::secp256k1::{Secp256k1, Signing};
use miniscript::descriptor::{Descriptor, DescriptorPublicKey, KeyMap, KeyMapWrapper};
use zeroize::Zeroizing;

use crate::crypt::{self, KdfParams};
use crate::descriptor::{self, WatchDescriptor};
use crate::error::WalletError;
use crate::psbt::HdKeySource;
use crate::record::{ImportedSecret, WatchRecord};
use crate::state::{Wallet, MAX_WATCH_RANGE};

/// Seals every imported secret under `new` (opening sealed ones with `old`),
/// for `encryptwallet` (no old passphrase) and `walletpassphrasechange`.
pub(crate) fn seal_all(
    records: &mut [WatchRecord],
    old: Option<&str>,
    new: &str,
    kdf: KdfParams,
) -> Result<(), WalletError> {
    for record in records {
        let text: Zeroizing<Vec<u8>> = match (&record.secret, old) {
            (None, _) => continue,
            (Some(ImportedSecret::Plain { descriptor }), _) => Zeroizing::new(descriptor.as_bytes().to_vec()),
            (Some(ImportedSecret::Encrypted(sealed)), Some(old)) => crypt::open(old.as_bytes(), sealed)?,
            (Some(ImportedSecret::Encrypted(_)), None) => return Err(WalletError::AlreadyEncrypted),
        };
        record.secret = Some(ImportedSecret::Encrypted(crypt::seal(new.as_bytes(), &text, kdf)?));
    }
    Ok(())
}

fn parse_private(text: &str) -> Result<(Descriptor<DescriptorPublicKey>, KeyMap), WalletError> {
    let body = descriptor::split_checksum(text, false).map_err(|e| WalletError::InvalidAddressOrKey(e.to_string()))?;
    Descriptor::<DescriptorPublicKey>::parse_descriptor(&Secp256k1::new(), body)
        .map_err(|e| WalletError::InvalidAddressOrKey(e.to_string()))
}

impl Wallet {
    /// Opens the private keys of imported descriptors: the clear ones, or
    /// with `passphrase` the sealed ones.
    pub(crate) fn open_imported(&mut self, passphrase: Option<&str>) -> Result<(), WalletError> {
        for (index, record) in self.meta.watch.iter().enumerate() {
            let text: Zeroizing<Vec<u8>> = match (&record.secret, passphrase) {
                (Some(ImportedSecret::Plain { descriptor }), _) => Zeroizing::new(descriptor.as_bytes().to_vec()),
                (Some(ImportedSecret::Encrypted(sealed)), Some(pass)) => crypt::open(pass.as_bytes(), sealed)?,
                _ => continue,
            };
            let text = std::str::from_utf8(&text).map_err(|e| WalletError::Corrupt(e.to_string()))?;
            let (_, keys) = parse_private(text).map_err(|e| WalletError::Corrupt(e.to_string()))?;
            self.imported.insert(index, keys);
        }
        Ok(())
    }

    /// Whether the coins of watched descriptor `index` are the wallet's to spend.
    pub fn can_spend_watched(&self, index: usize) -> bool {
        self.imported.contains_key(&index)
    }

    /// `importdescriptors` of a descriptor with private keys into a wallet
    /// with keys: scripts `0..=range_end` are the wallet's from now on.
    /// Returns the number of scripts added.
    pub fn import_private(&mut self, text: &str, range_end: u32, timestamp: i64) -> Result<usize, WalletError> {
        if !self.private_keys_enabled() {
            return Err(WalletError::Other("Cannot import private keys to a wallet with private keys disabled".into()));
        }
        if self.is_locked() {
            return Err(WalletError::Locked);
        }
        if range_end >= MAX_WATCH_RANGE {
            return Err(WalletError::InvalidParameter("Range is too large".into()));
        }
        let (public, keys) = parse_private(text)?;
        if keys.is_empty() {
            return Err(WalletError::Other(
                "Cannot import descriptor without private keys to a wallet with private keys enabled".into(),
            ));
        }
        let public_text = descriptor::with_checksum(&format!("{public:#}"))
            .map_err(|e| WalletError::InvalidParameter(e.to_string()))?;
        let private_text =
            Zeroizing::new(private_text(&public, &keys).ok_or_else(|| WalletError::InvalidParameter(text.into()))?);
        let secret = match &self.unlock_passphrase {
            Some(pass) => {
                ImportedSecret::Encrypted(crypt::seal(pass.as_bytes(), private_text.as_bytes(), KdfParams::DEFAULT)?)
            }
            None => ImportedSecret::Plain { descriptor: private_text.to_string() },
        };
        let before = self.scripts.len();
        let mut meta = self.meta.clone();
        let index = match meta.watch.iter().position(|w| w.descriptor == public_text) {
            Some(i) => {
                meta.watch[i].range_end = meta.watch[i].range_end.max(range_end);
                meta.watch[i].secret = Some(secret);
                i
            }
            None => {
                meta.watch.push(WatchRecord { descriptor: public_text, range_end, timestamp, secret: Some(secret) });
                self.watch.push(WatchDescriptor::Script(Box::new(public)));
                meta.watch.len() - 1
            }
        };
        if timestamp < meta.birth_time || meta.birth_time == 0 {
            meta.birth_time = timestamp;
        }
        self.commit_meta(meta)?;
        self.imported.insert(index, keys);
        self.add_watch_scripts()?;
        Ok(self.scripts.len() - before)
    }

    /// The private form of imported descriptor `index`, when its keys are open
    /// (`listdescriptors true`).
    pub fn imported_private_text(&self, index: usize) -> Option<String> {
        let keys = self.imported.get(&index)?;
        let WatchDescriptor::Script(public) = self.watch.get(index)? else { return None };
        private_text(public, keys)
    }
}

/// A descriptor written with its private keys, with its checksum.
fn private_text(public: &Descriptor<DescriptorPublicKey>, keys: &KeyMap) -> Option<String> {
    let text = Zeroizing::new(public.to_string_with_secret(keys));
    descriptor::with_checksum(text.split('#').next().unwrap_or_default()).ok()
}

/// The wallet's HD keys and its imported keys as one PSBT key source.
pub struct WalletKeySource<'a> {
    pub hd: Option<HdKeySource<'a>>,
    pub imported: Vec<KeyMapWrapper>,
}

impl GetKey for WalletKeySource<'_> {
    type Error = GetKeyError;

    fn get_key<C: Signing>(
        &self,
        request: KeyRequest,
        secp: &Secp256k1<C>,
    ) -> Result<Option<bitcoin::PrivateKey>, Self::Error> {
        if let Some(hd) = &self.hd {
            if let Ok(Some(key)) = hd.get_key(request.clone(), secp) {
                return Ok(Some(key));
            }
        }
        for keys in &self.imported {
            if let Ok(Some(key)) = keys.get_key(request.clone(), secp) {
                return Ok(Some(key));
            }
        }
        Ok(None)
    }
}

/// `combo(KEY)` as Core expands it: P2PK, P2PKH and, for a compressed key,
/// P2WPKH and P2SH-P2WPKH.
pub fn expand_combo(body: &str) -> Option<Vec<String>> {
    let key = body.strip_prefix("combo(")?.strip_suffix(')')?;
    let compressed = match miniscript::descriptor::DescriptorSecretKey::from_str(key) {
        Ok(miniscript::descriptor::DescriptorSecretKey::Single(single)) => single.key.compressed,
        _ => {
            DescriptorPublicKey::from_str(key).map(|k| !miniscript::MiniscriptKey::is_uncompressed(&k)).unwrap_or(true)
        }
    };
    let mut forms = vec![format!("pk({key})"), format!("pkh({key})")];
    if compressed {
        forms.push(format!("wpkh({key})"));
        forms.push(format!("sh(wpkh({key}))"));
    }
    Some(forms)
}
