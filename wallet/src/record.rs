//! The persisted forms of a wallet: one `meta` record and one record per
//! transaction (`tx/<txid>`) and per label (`label/<script>`), as JSON so
//! that a wallet file can be inspected with ordinary tools.

use serde::{Deserialize, Serialize};

use crate::crypt::Sealed;

pub const META_KEY: &str = "meta";
pub const TX_PREFIX: &str = "tx/";
pub const LABEL_PREFIX: &str = "label/";

/// The wallet's secret: the recovery phrase, in clear or sealed.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SecretRecord {
    Plain { mnemonic: String },
    Encrypted(Sealed),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HdRecord {
    pub fingerprint: String,
    pub coin: u32,
    pub account: u32,
    /// The BIP84 (`wpkh()`) account xpub.
    pub xpub: String,
    /// The BIP86 (`tr()`) account xpub; absent in wallets made before
    /// taproot, which derive it when their phrase is next at hand.
    #[serde(default)]
    pub xpub_bech32m: Option<String>,
    pub secret: SecretRecord,
}

/// A watch-only descriptor (`importdescriptors`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WatchRecord {
    /// With its checksum.
    pub descriptor: String,
    /// Last index derived for ranged descriptors.
    pub range_end: u32,
    pub timestamp: i64,
    /// The descriptor with its private keys, when imported with them: in
    /// clear, or sealed like the phrase in an encrypted wallet.
    #[serde(default)]
    pub secret: Option<ImportedSecret>,
}

/// The private form of an imported descriptor.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportedSecret {
    Plain { descriptor: String },
    Encrypted(Sealed),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Meta {
    pub format: u32,
    pub network: String,
    pub birth_time: i64,
    pub hd: Option<HdRecord>,
    pub disable_private_keys: bool,
    pub blank: bool,
    /// Next unused index of the receive and change chains (bech32 account).
    pub next_index: [u32; 2],
    /// The same for the bech32m (taproot) account.
    #[serde(default)]
    pub next_index_bech32m: [u32; 2],
    pub best_block: String,
    pub best_height: u32,
    /// `settxfee`, zats per kvB (0: estimate).
    pub pay_tx_fee: u64,
    pub watch: Vec<WatchRecord>,
    /// Mined identities (kept with the meta record, so that one learnt from
    /// a transaction is written with it).
    #[serde(default)]
    pub identities: Vec<IdentityRecord>,
    /// Public keys of the identity path ahead of the last one used, so that
    /// a restored (or locked) wallet recognises its identities on chain.
    #[serde(default)]
    pub identity_keys: Vec<IdentityKeyRecord>,
}

/// An identity of this wallet: the key at `m/8335'/<coin>'/<role>'/<index>'`
/// and the nonce that makes it valid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityRecord {
    pub role: u8,
    pub index: u32,
    /// x-only public key, hex.
    pub pubkey: String,
    pub nonce: u64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityKeyRecord {
    pub role: u8,
    pub index: u32,
    pub pubkey: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockRef {
    #[serde(with = "hash_text")]
    pub hash: primitives::BlockHash,
    pub height: u32,
    /// Position of the transaction in the block.
    pub index: u32,
    pub time: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TxRecord {
    pub hex: String,
    pub time_received: i64,
    pub order: u64,
    pub block: Option<BlockRef>,
    pub abandoned: bool,
    pub replaced_by: Option<String>,
    pub replaces: Option<String>,
    pub comment: Option<String>,
    pub comment_to: Option<String>,
}

mod hash_text {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(hash: &primitives::BlockHash, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hash.to_string())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<primitives::BlockHash, D::Error> {
        String::deserialize(d)?.parse().map_err(serde::de::Error::custom)
    }
}
