//! The wallet's HD accounts: which scripts they cover, which keys are handed
//! out, the address types chosen for new addresses and change, and the keys
//! behind an HD script.

use bitcoin::secp256k1::{PublicKey, SecretKey};
use primitives::{Address, ScriptBuf};
use zeroize::Zeroizing;

use crate::error::WalletError;
use crate::keys::{AccountKeys, Chain, OutputType};
use crate::state::{label_write, Origin, Wallet, LOOKAHEAD};

impl Wallet {
    /// The HD account of `output_type`, if the wallet has keys.
    pub fn account(&self, output_type: OutputType) -> Option<&AccountKeys> {
        self.accounts[output_type.index()].as_ref()
    }

    /// Ok when the wallet could sign now: it has keys and is not locked.
    pub fn ensure_can_sign(&self) -> Result<(), WalletError> {
        match self.account_secret() {
            // A blank wallet with keys of its own imports signs with those.
            Err(WalletError::NoKeys) if !self.imported.is_empty() => Ok(()),
            other => other.map(|_| ()),
        }
    }

    /// The HD accounts the wallet has.
    pub fn accounts(&self) -> impl Iterator<Item = &AccountKeys> {
        self.accounts.iter().flatten()
    }

    /// Keeps accounts the record lacks (a wallet made before taproot gets
    /// its `tr()` account the first time its phrase is at hand).
    pub(crate) fn adopt_missing_accounts(&mut self, derived: [AccountKeys; 2]) -> Result<(), WalletError> {
        let mut changed = false;
        for account in derived {
            let slot = account.output_type.index();
            if self.accounts[slot].is_none() {
                if let (OutputType::Bech32m, Some(hd)) = (account.output_type, self.meta.hd.as_mut()) {
                    hd.xpub_bech32m = Some(account.xpub.to_string());
                    changed = true;
                }
                self.accounts[slot] = Some(account);
            }
        }
        if changed {
            let meta = self.meta.clone();
            self.commit_meta(meta)?;
        }
        Ok(())
    }

    /// `-addresstype` and `-changetype` (Core's `-changetype` unset: None).
    pub fn set_address_types(&mut self, address_type: OutputType, change_type: Option<OutputType>) {
        self.address_type = address_type;
        self.change_type = change_type;
    }

    pub fn default_address_type(&self) -> OutputType {
        self.address_type
    }

    fn next_indexes(&self, output_type: OutputType) -> &[u32; 2] {
        match output_type {
            OutputType::Bech32 => &self.meta.next_index,
            OutputType::Bech32m => &self.meta.next_index_bech32m,
        }
    }

    /// The next index [`new_address`](Self::new_address) hands out on `chain` of `output_type`.
    pub fn next_index(&self, output_type: OutputType, chain: Chain) -> u32 {
        self.next_indexes(output_type)[chain.index() as usize]
    }

    /// Keys derived ahead of the next one handed out: (receive, change),
    /// summed over the accounts as Core sums its active descriptors.
    pub fn keypool_size(&self) -> [u32; 2] {
        let mut pool = [0, 0];
        for account in self.accounts() {
            let t = account.output_type;
            for (c, size) in pool.iter_mut().enumerate() {
                *size += self.derived[t.index()][c].saturating_sub(self.next_indexes(t)[c]);
            }
        }
        pool
    }

    /// Derives HD scripts up to [`LOOKAHEAD`] past the next unused index of each chain.
    pub(crate) fn top_up(&mut self) -> Result<(), WalletError> {
        for account in self.accounts.iter().flatten() {
            let t = account.output_type;
            let next = *self.next_indexes(t);
            for chain in [Chain::Receive, Chain::Change] {
                let end = next[chain.index() as usize] + LOOKAHEAD;
                let have = &mut self.derived[t.index()][chain.index() as usize];
                for index in *have..end {
                    let script = account.script(&self.secp, chain, index)?;
                    self.scripts.insert(script, Origin::Hd { output_type: t, chain, index });
                }
                *have = (*have).max(end);
            }
        }
        Ok(())
    }

    /// Marks keys up to `index` of `chain` as used (seen on chain or handed out).
    pub(crate) fn mark_used(&mut self, output_type: OutputType, chain: Chain, index: u32) -> Result<bool, WalletError> {
        let next = match output_type {
            OutputType::Bech32 => &mut self.meta.next_index,
            OutputType::Bech32m => &mut self.meta.next_index_bech32m,
        };
        let next = &mut next[chain.index() as usize];
        if index < *next {
            return Ok(false);
        }
        *next = index + 1;
        self.top_up()?;
        Ok(true)
    }

    fn hd_account(&self, output_type: OutputType) -> Result<&AccountKeys, WalletError> {
        if self.meta.disable_private_keys {
            return Err(WalletError::PrivateKeysDisabled);
        }
        match (self.account(output_type), self.account(OutputType::Bech32)) {
            (Some(account), _) => Ok(account),
            // A pre-taproot wallet still locked: it has keys, not yet this kind.
            (None, Some(_)) => Err(WalletError::NoAddressOfType(output_type.name())),
            (None, None) => Err(WalletError::NoKeys),
        }
    }

    /// The next unused address of `chain` of `output_type` (getnewaddress / getrawchangeaddress).
    pub fn new_address(
        &mut self,
        output_type: OutputType,
        chain: Chain,
        label: Option<&str>,
    ) -> Result<Address, WalletError> {
        let index = self.next_index(output_type, chain);
        let script = self.hd_account(output_type)?.script(&self.secp, chain, index)?;
        self.mark_used(output_type, chain, index)?;
        let mut writes = Vec::new();
        if let Some(label) = label {
            self.labels.insert(script.clone(), label.to_string());
            writes.push(label_write(&script, Some(label)));
        }
        self.commit(writes)?;
        Address::from_script(&script, self.network).map_err(|e| WalletError::Other(e.to_string()))
    }

    /// The change type of a payment to `recipients`, as Core's
    /// `TransactionChangeType`: `-changetype` if set, else taproot when a
    /// recipient is taproot, else bech32.
    pub fn change_type_for<'a>(&self, recipients: impl IntoIterator<Item = &'a ScriptBuf>) -> OutputType {
        if let Some(t) = self.change_type {
            return t;
        }
        let any_taproot = recipients.into_iter().any(|s| s.as_bytes().len() == 34 && s.as_bytes()[..2] == [0x51, 32]);
        if any_taproot && self.account(OutputType::Bech32m).is_some() {
            OutputType::Bech32m
        } else {
            OutputType::Bech32
        }
    }

    /// The change script the next transaction would use (not yet marked used).
    pub(crate) fn peek_change_script(&self, output_type: OutputType) -> Result<ScriptBuf, WalletError> {
        let index = self.next_index(output_type, Chain::Change);
        Ok(self.hd_account(output_type)?.script(&self.secp, Chain::Change, index)?)
    }

    /// The secret key of one of the wallet's HD scripts (the internal key
    /// for taproot: signing applies BIP86's tweak).
    pub fn secret_key_for(&self, script: &ScriptBuf) -> Result<SecretKey, WalletError> {
        match self.origin(script) {
            Some(Origin::Hd { output_type, chain, index }) => {
                Ok(self.account_secret()?.secret_key(&self.secp, output_type, chain, index)?)
            }
            Some(Origin::Watch { .. }) => Err(WalletError::PrivateKeysDisabled),
            None => Err(WalletError::InvalidAddressOrKey("Private key for address is not known".into())),
        }
    }

    /// The public key of one of the wallet's HD scripts (the internal key for taproot).
    pub fn public_key_for(&self, script: &ScriptBuf) -> Option<PublicKey> {
        match self.origin(script) {
            Some(Origin::Hd { output_type, chain, index }) => {
                self.account(output_type)?.public_key(&self.secp, chain, index).ok()
            }
            _ => None,
        }
    }

    /// `signmessage` with the key of one of the wallet's P2WPKH scripts
    /// (a taproot address has no message-signing format of Core's).
    pub fn sign_message(&self, script: &ScriptBuf, message: &str) -> Result<String, WalletError> {
        if let Some(Origin::Hd { output_type: OutputType::Bech32m, .. }) = self.origin(script) {
            return Err(WalletError::AddressNotKey);
        }
        let key = self.secret_key_for(script)?;
        Ok(crate::message::sign_message(&self.secp, &key, message))
    }

    /// The descriptor of one of the wallet's scripts, as Core's `desc`
    /// fields show it (with its key origin; with the checksum), and the
    /// descriptor it comes from.
    pub fn descriptors_of(&self, script: &ScriptBuf) -> Option<(String, Option<String>)> {
        let with_checksum = |body: String| crate::descriptor::with_checksum(&body).unwrap_or(body);
        match self.origin(script)? {
            Origin::Hd { output_type, chain, index } => {
                let account = self.account(output_type)?;
                let key = account.key_descriptor(&self.secp, chain, index).ok()?;
                let parent = format!(
                    "{}({}{}/{}/*)",
                    output_type.descriptor_function(),
                    account.origin(),
                    account.xpub,
                    chain.index()
                );
                Some((with_checksum(key), Some(with_checksum(parent))))
            }
            Origin::Watch { descriptor, index } => {
                let parent = self.meta.watch.get(descriptor).map(|r| r.descriptor.clone());
                let own = match self.watch.get(descriptor).and_then(|d| d.expanded_at(index)) {
                    Some(expanded) => with_checksum(expanded),
                    None => crate::descriptor::infer(script.as_bytes(), self.network),
                };
                Some((own, parent))
            }
        }
    }

    /// An account xprv text, for `listdescriptors true`.
    pub fn account_xpriv(&self, output_type: OutputType) -> Result<Zeroizing<String>, WalletError> {
        Ok(self.account_secret()?.xpriv_string(output_type)?)
    }
}
