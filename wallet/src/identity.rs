//! The wallet's market identities. Keys come from the recovery phrase on
//! the hardened path `m/8335'/<coin>'/<role>'/<index>'` (see
//! [`crate::keys::IDENTITY_PURPOSE`]), so the phrase restores them; the nonce that
//! makes an identity valid is mined once and kept with the wallet's meta
//! record, or read back from the chain after a restore. Signing with an
//! identity needs the wallet unlocked, as any other key.

use std::collections::HashSet;

use bitcoin::secp256k1::Keypair;
use primitives::market::{Identity, MarketBody, Role, SignedBody};
use primitives::{AnnouncementBody, Transaction};

use crate::error::WalletError;
use crate::keys::AccountSecret;
use crate::record::{IdentityKeyRecord, IdentityRecord};
use crate::state::Wallet;

/// Identity keys derived ahead of the last one used, per role.
pub const IDENTITY_LOOKAHEAD: u32 = 20;

/// An identity of the wallet, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WalletIdentity {
    pub identity: Identity,
    pub index: u32,
    pub label: String,
}

fn pubkey_hex(key: &Keypair) -> String {
    hex::encode(key.x_only_public_key().0.serialize())
}

fn parse_pubkey(text: &str) -> Option<[u8; 32]> {
    hex::decode(text).ok()?.try_into().ok()
}

/// The lookahead keys of both roles up to `IDENTITY_LOOKAHEAD` past the
/// highest index in use.
pub(crate) fn identity_lookahead(
    secret: &AccountSecret,
    secp: &bitcoin::secp256k1::Secp256k1<bitcoin::secp256k1::All>,
    known: &[IdentityKeyRecord],
    used: &[IdentityRecord],
) -> Result<Vec<IdentityKeyRecord>, WalletError> {
    let mut out = Vec::new();
    for role in [Role::Publisher as u8, Role::Node as u8] {
        let next_used = used.iter().filter(|r| r.role == role).map(|r| r.index + 1).max().unwrap_or(0);
        let have = known.iter().filter(|k| k.role == role).map(|k| k.index + 1).max().unwrap_or(0);
        for index in have..next_used + IDENTITY_LOOKAHEAD {
            let key = secret.identity_keypair(secp, role, index)?;
            out.push(IdentityKeyRecord { role, index, pubkey: pubkey_hex(&key) });
        }
    }
    Ok(out)
}

impl Wallet {
    /// The wallet's identities, in the order they were made.
    pub fn identities(&self) -> Vec<WalletIdentity> {
        self.meta
            .identities
            .iter()
            .filter_map(|r| {
                Some(WalletIdentity {
                    identity: Identity { role: r.role, pubkey: parse_pubkey(&r.pubkey)?, nonce: r.nonce },
                    index: r.index,
                    label: r.label.clone(),
                })
            })
            .collect()
    }

    /// The key for the next identity of `role`, not handed out before in
    /// this process (`reserved`); needs the wallet unlocked.
    pub fn next_identity_key(&self, role: Role, reserved: &HashSet<(u8, u32)>) -> Result<(u32, Keypair), WalletError> {
        let secret = self.account_secret()?;
        let role = role as u8;
        let mut index = self.meta.identities.iter().filter(|r| r.role == role).map(|r| r.index + 1).max().unwrap_or(0);
        while reserved.contains(&(role, index)) {
            index += 1;
        }
        Ok((index, secret.identity_keypair(&self.secp, role, index)?))
    }

    /// Keeps a mined identity, durably, before anyone is told of it.
    pub fn add_identity(&mut self, identity: &Identity, index: u32, label: &str) -> Result<(), WalletError> {
        let pubkey = hex::encode(identity.pubkey);
        if self.meta.identities.iter().any(|r| r.pubkey == pubkey && r.role == identity.role) {
            return Ok(());
        }
        let mut meta = self.meta.clone();
        meta.identities.push(IdentityRecord {
            role: identity.role,
            index,
            pubkey,
            nonce: identity.nonce,
            label: label.to_string(),
        });
        if let Some(secret) = self.secret.as_ref() {
            let more = identity_lookahead(secret, &self.secp, &meta.identity_keys, &meta.identities)?;
            meta.identity_keys.extend(more);
        }
        self.commit_meta(meta)
    }

    /// The signing key of one of the wallet's identities.
    pub fn identity_keypair(&self, identity: &Identity) -> Result<Keypair, WalletError> {
        let pubkey = hex::encode(identity.pubkey);
        let record = self
            .meta
            .identities
            .iter()
            .find(|r| r.pubkey == pubkey && r.role == identity.role)
            .ok_or_else(|| WalletError::InvalidParameter("Identity is not one of this wallet's".into()))?;
        let key = self.account_secret()?.identity_keypair(&self.secp, record.role, record.index)?;
        if key.x_only_public_key().0.serialize() != identity.pubkey {
            return Err(WalletError::Corrupt(format!("identity key {pubkey} does not derive from the wallet")));
        }
        Ok(key)
    }

    /// Whether an announcement of the wallet is signed by `identity`.
    pub fn identity_used(&self, identity: &Identity) -> bool {
        self.txs.values().any(|w| announcement_signer(&w.tx).is_some_and(|s| s == *identity))
    }

    /// Fills the identity lookahead when the keys are at hand (creation,
    /// an unencrypted open, an unlock). Returns whether the meta changed.
    pub(crate) fn top_up_identity_keys(&mut self) -> Result<bool, WalletError> {
        let Some(secret) = self.secret.as_ref() else { return Ok(false) };
        let more = identity_lookahead(secret, &self.secp, &self.meta.identity_keys, &self.meta.identities)?;
        if more.is_empty() {
            return Ok(false);
        }
        self.meta.identity_keys.extend(more);
        Ok(true)
    }

    /// A transaction of the wallet signed by one of its identity keys that
    /// the wallet does not know yet (a restore): keep that identity, with
    /// the nonce the chain shows. Changes the meta record, which the
    /// caller's commit writes.
    pub(crate) fn learn_identity(&mut self, tx: &Transaction) {
        let Some(signer) = announcement_signer(tx) else { return };
        let pubkey = hex::encode(signer.pubkey);
        if self.meta.identities.iter().any(|r| r.pubkey == pubkey && r.role == signer.role) {
            return;
        }
        let Some(key) = self.meta.identity_keys.iter().find(|k| k.pubkey == pubkey && k.role == signer.role) else {
            return;
        };
        let record =
            IdentityRecord { role: key.role, index: key.index, pubkey, nonce: signer.nonce, label: String::new() };
        self.meta.identities.push(record);
        // Later identities of a restored wallet are found too once unlocked.
        let _ = self.top_up_identity_keys();
    }
}

/// The identity that signed a transaction's announcement body.
pub fn announcement_signer(tx: &Transaction) -> Option<Identity> {
    let ann = tx.announcement.as_ref()?;
    let AnnouncementBody::Full(bytes) = &ann.body else { return None };
    let signed: SignedBody = SignedBody::decode(ann.known_kind()?, bytes).ok()?;
    Some(match signed.body {
        MarketBody::Task(t) => t.publisher,
        MarketBody::Acceptance(a) => a.node,
        MarketBody::Cancel(c) => c.publisher,
    })
}
