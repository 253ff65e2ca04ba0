//! HD keys: a BIP39 recovery phrase, its BIP32 seed, and two accounts whose
//! receive (`/0/i`) and change (`/1/i`) chains hold the wallet's keys: BIP84's
//! `m/84'/<coin>'/<account>'` for native segwit P2WPKH (`wpkh()`, "bech32")
//! and BIP86's `m/86'/<coin>'/<account>'` for taproot key-path outputs
//! (`tr()`, "bech32m").

use bip39::Mnemonic;
use bitcoin::bip32::{ChildNumber, DerivationPath, Fingerprint, Xpriv, Xpub};
use bitcoin::hashes::{hash160, Hash};
use bitcoin::secp256k1::{All, Keypair, PublicKey, Secp256k1, SecretKey, Verification};
use bitcoin::NetworkKind;
use primitives::{Network, ScriptBuf};
use zeroize::Zeroizing;

/// Zennet's BIP44 coin type on main. Unregistered in SLIP-44; 7877 is the
/// main P2P port, so it is easy to remember. Test networks use 1, as every
/// Bitcoin-derived chain does.
pub const COIN_TYPE_MAIN: u32 = 7877;
pub const COIN_TYPE_TEST: u32 = 1;

/// Words in a new recovery phrase (256 bits of entropy).
pub const MNEMONIC_WORDS: usize = 24;

/// Receive and change chains, as BIP44 numbers them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Chain {
    Receive = 0,
    Change = 1,
}

impl Chain {
    pub fn index(self) -> u32 {
        self as u32
    }
}

/// The kinds of address the wallet's HD accounts hand out, by Core's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum OutputType {
    /// P2WPKH, BIP84.
    Bech32,
    /// Taproot key path with no script tree, BIP86.
    Bech32m,
}

impl OutputType {
    pub const ALL: [OutputType; 2] = [OutputType::Bech32, OutputType::Bech32m];

    pub fn index(self) -> usize {
        self as usize
    }

    /// The BIP43 purpose of the account.
    pub fn purpose(self) -> u32 {
        match self {
            OutputType::Bech32 => 84,
            OutputType::Bech32m => 86,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            OutputType::Bech32 => "bech32",
            OutputType::Bech32m => "bech32m",
        }
    }

    /// The descriptor function of the account's scripts.
    pub fn descriptor_function(self) -> &'static str {
        match self {
            OutputType::Bech32 => "wpkh",
            OutputType::Bech32m => "tr",
        }
    }

    /// Core's `ParseOutputType`: its four names are known; the two this
    /// wallet has no keys for are told apart from names that mean nothing.
    pub fn parse(name: &str) -> Result<OutputType, OutputTypeError> {
        match name {
            "bech32" => Ok(OutputType::Bech32),
            "bech32m" => Ok(OutputType::Bech32m),
            "legacy" | "p2sh-segwit" => Err(OutputTypeError::Unavailable(name.to_string())),
            _ => Err(OutputTypeError::Unknown(name.to_string())),
        }
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum OutputTypeError {
    #[error("Unknown address type '{0}'")]
    Unknown(String),
    #[error("Error: No {0} addresses available.")]
    Unavailable(String),
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    #[error("invalid mnemonic: {0}")]
    Mnemonic(String),
    #[error("key derivation failed: {0}")]
    Derivation(String),
}

pub fn coin_type(network: Network) -> u32 {
    match network {
        Network::Main => COIN_TYPE_MAIN,
        Network::Test | Network::Regtest => COIN_TYPE_TEST,
    }
}

/// xpub/xprv on main, tpub/tprv elsewhere (the encodings users' tools know).
pub fn network_kind(network: Network) -> NetworkKind {
    match network {
        Network::Main => NetworkKind::Main,
        Network::Test | Network::Regtest => NetworkKind::Test,
    }
}

/// A fresh 24-word phrase from the operating system's random source.
pub fn generate_mnemonic() -> Mnemonic {
    let mut entropy = Zeroizing::new([0u8; 32]);
    rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, entropy.as_mut());
    // 32 bytes is always a valid entropy length.
    Mnemonic::from_entropy(entropy.as_ref()).expect("32 bytes of entropy make a 24-word phrase")
}

/// Parses a phrase typed by a user (any case, extra spaces) and checks its checksum.
pub fn parse_mnemonic(phrase: &str) -> Result<Mnemonic, KeyError> {
    let normalized = Zeroizing::new(phrase.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase());
    Mnemonic::parse_normalized(&normalized).map_err(|e| KeyError::Mnemonic(e.to_string()))
}

/// `m/<purpose>'/<coin>'/<account>'`.
pub fn account_path(output_type: OutputType, coin: u32, account: u32) -> DerivationPath {
    DerivationPath::from(vec![
        ChildNumber::Hardened { index: output_type.purpose() },
        ChildNumber::Hardened { index: coin },
        ChildNumber::Hardened { index: account },
    ])
}

/// The public half of an HD account: enough to derive every address, so a
/// locked wallet still hands out addresses and recognises its coins.
#[derive(Debug, Clone)]
pub struct AccountKeys {
    pub network: Network,
    pub master_fingerprint: Fingerprint,
    pub coin: u32,
    pub account: u32,
    pub output_type: OutputType,
    pub xpub: Xpub,
    receive: Xpub,
    change: Xpub,
}

impl AccountKeys {
    pub fn new(
        network: Network,
        master_fingerprint: Fingerprint,
        coin: u32,
        account: u32,
        output_type: OutputType,
        xpub: Xpub,
    ) -> Result<Self, KeyError> {
        let secp = Secp256k1::verification_only();
        let derive = |chain: u32| {
            xpub.derive_pub(&secp, &[ChildNumber::Normal { index: chain }])
                .map_err(|e| KeyError::Derivation(e.to_string()))
        };
        Ok(AccountKeys {
            network,
            master_fingerprint,
            coin,
            account,
            output_type,
            xpub,
            receive: derive(0)?,
            change: derive(1)?,
        })
    }

    pub fn public_key(&self, secp: &Secp256k1<All>, chain: Chain, index: u32) -> Result<PublicKey, KeyError> {
        let parent = match chain {
            Chain::Receive => &self.receive,
            Chain::Change => &self.change,
        };
        parent
            .derive_pub(secp, &[ChildNumber::Normal { index }])
            .map(|x| x.public_key)
            .map_err(|e| KeyError::Derivation(e.to_string()))
    }

    /// The output script of key `index` of `chain`.
    pub fn script(&self, secp: &Secp256k1<All>, chain: Chain, index: u32) -> Result<ScriptBuf, KeyError> {
        let key = self.public_key(secp, chain, index)?;
        Ok(match self.output_type {
            OutputType::Bech32 => p2wpkh_script(&key),
            OutputType::Bech32m => p2tr_script(secp, &key)?,
        })
    }

    /// The descriptor-style origin `[fingerprint/<purpose>h/<coin>h/<account>h]`.
    pub fn origin(&self) -> String {
        format!("[{}/{}h/{}h/{}h]", self.master_fingerprint, self.output_type.purpose(), self.coin, self.account)
    }

    pub fn path_of(&self, chain: Chain, index: u32) -> String {
        format!("m/{}h/{}h/{}h/{}/{}", self.output_type.purpose(), self.coin, self.account, chain.index(), index)
    }

    /// The descriptor of one key, as Core's `getaddressinfo` shows it:
    /// `wpkh([fp/84h/1h/0h/0/5]02…)` or `tr([fp/86h/1h/0h/0/5]<x-only>)`, no checksum.
    pub fn key_descriptor(&self, secp: &Secp256k1<All>, chain: Chain, index: u32) -> Result<String, KeyError> {
        let key = self.public_key(secp, chain, index)?;
        let origin = format!(
            "[{}/{}h/{}h/{}h/{}/{}]",
            self.master_fingerprint,
            self.output_type.purpose(),
            self.coin,
            self.account,
            chain.index(),
            index
        );
        let key_text = match self.output_type {
            OutputType::Bech32 => hex::encode(key.serialize()),
            OutputType::Bech32m => hex::encode(key.x_only_public_key().0.serialize()),
        };
        Ok(format!("{}({origin}{key_text})", self.output_type.descriptor_function()))
    }
}

/// Purpose of the identity key path `m/8335'/<coin>'/<role>'/<index>'`
/// (8335 spells "ZEN" on a phone's keypad, nearly: it is unregistered, and
/// hardened at every step, so an identity key leaks nothing of the coins).
pub const IDENTITY_PURPOSE: u32 = 8335;

/// `m/8335'/<coin>'`, the root of every identity key.
pub fn identity_root_path(coin: u32) -> DerivationPath {
    DerivationPath::from(vec![ChildNumber::Hardened { index: IDENTITY_PURPOSE }, ChildNumber::Hardened { index: coin }])
}

/// The private half of an account, held only while the wallet is unlocked,
/// with the root of its identity keys.
pub struct AccountSecret {
    /// The account xprv of each [`OutputType`], by index.
    xprivs: [Zeroizing<[u8; 78]>; 2],
    identity_root: Zeroizing<[u8; 78]>,
}

impl AccountSecret {
    fn xpriv(&self, output_type: OutputType) -> Result<Xpriv, KeyError> {
        Xpriv::decode(self.xprivs[output_type.index()].as_ref()).map_err(|e| KeyError::Derivation(e.to_string()))
    }

    /// The secret key of key `index` of `chain` (untweaked for taproot:
    /// signing applies BIP86's tweak).
    pub fn secret_key(
        &self,
        secp: &Secp256k1<All>,
        output_type: OutputType,
        chain: Chain,
        index: u32,
    ) -> Result<SecretKey, KeyError> {
        let path = [ChildNumber::Normal { index: chain.index() }, ChildNumber::Normal { index }];
        self.xpriv(output_type)?
            .derive_priv(secp, &path)
            .map(|x| x.private_key)
            .map_err(|e| KeyError::Derivation(e.to_string()))
    }

    /// The BIP340 key of identity `index` of `role` (1 publisher, 2 node):
    /// `m/8335'/<coin>'/<role>'/<index>'`.
    pub fn identity_keypair(&self, secp: &Secp256k1<All>, role: u8, index: u32) -> Result<Keypair, KeyError> {
        let root = Xpriv::decode(self.identity_root.as_ref()).map_err(|e| KeyError::Derivation(e.to_string()))?;
        let path = [ChildNumber::Hardened { index: u32::from(role) }, ChildNumber::Hardened { index }];
        let child = root.derive_priv(secp, &path).map_err(|e| KeyError::Derivation(e.to_string()))?;
        Ok(Keypair::from_secret_key(secp, &child.private_key))
    }

    /// An account xprv as text (for `listdescriptors true`).
    pub fn xpriv_string(&self, output_type: OutputType) -> Result<Zeroizing<String>, KeyError> {
        Ok(Zeroizing::new(self.xpriv(output_type)?.to_string()))
    }
}

/// Derives the accounts of a BIP39 seed (one per [`OutputType`], by index):
/// their public keys and the secret of both.
pub fn derive_account(
    seed: &[u8],
    network: Network,
    account: u32,
) -> Result<([AccountKeys; 2], AccountSecret), KeyError> {
    derive_account_with_coin(seed, network, coin_type(network), account)
}

/// [`derive_account`] with an explicit coin type (BIP84's vectors use Bitcoin's 0).
pub fn derive_account_with_coin(
    seed: &[u8],
    network: Network,
    coin: u32,
    account: u32,
) -> Result<([AccountKeys; 2], AccountSecret), KeyError> {
    let secp = Secp256k1::new();
    let kind = network_kind(network);
    let master = Xpriv::new_master(kind, seed).map_err(|e| KeyError::Derivation(e.to_string()))?;
    let fingerprint = master.fingerprint(&secp);
    let derive = |output_type: OutputType| -> Result<(AccountKeys, Zeroizing<[u8; 78]>), KeyError> {
        let xpriv = master
            .derive_priv(&secp, &account_path(output_type, coin, account))
            .map_err(|e| KeyError::Derivation(e.to_string()))?;
        let keys = AccountKeys::new(network, fingerprint, coin, account, output_type, Xpub::from_priv(&secp, &xpriv))?;
        Ok((keys, Zeroizing::new(xpriv.encode())))
    };
    let (wpkh, wpkh_xpriv) = derive(OutputType::Bech32)?;
    let (tr, tr_xpriv) = derive(OutputType::Bech32m)?;
    let identity_root =
        master.derive_priv(&secp, &identity_root_path(coin)).map_err(|e| KeyError::Derivation(e.to_string()))?;
    let secret =
        AccountSecret { xprivs: [wpkh_xpriv, tr_xpriv], identity_root: Zeroizing::new(identity_root.encode()) };
    Ok(([wpkh, tr], secret))
}

/// The BIP39 seed of a phrase (no passphrase: the phrase alone restores the wallet).
pub fn seed_of(mnemonic: &Mnemonic) -> Zeroizing<[u8; 64]> {
    Zeroizing::new(mnemonic.to_seed(""))
}

/// `OP_0 <hash160(pubkey)>`.
pub fn p2wpkh_script(pubkey: &PublicKey) -> ScriptBuf {
    let mut bytes = vec![0x00, 20];
    bytes.extend_from_slice(hash160::Hash::hash(&pubkey.serialize()).as_byte_array());
    ScriptBuf::from_bytes(bytes)
}

/// `OP_1 <output key>`: BIP86's key-path-only taproot output of `internal`
/// (the tweak commits to no script tree).
pub fn p2tr_script<C: Verification>(secp: &Secp256k1<C>, internal: &PublicKey) -> Result<ScriptBuf, KeyError> {
    p2tr_script_of_xonly(secp, &internal.x_only_public_key().0)
}

/// [`p2tr_script`] of an x-only internal key.
pub fn p2tr_script_of_xonly<C: Verification>(
    secp: &Secp256k1<C>,
    xonly: &bitcoin::secp256k1::XOnlyPublicKey,
) -> Result<ScriptBuf, KeyError> {
    // Out of range with probability ~2^-128.
    let (output, _) = script::taproot::output_key(secp, xonly, None)
        .ok_or_else(|| KeyError::Derivation("taproot tweak out of range".into()))?;
    let mut bytes = vec![0x51, 32];
    bytes.extend_from_slice(&output.serialize());
    Ok(ScriptBuf::from_bytes(bytes))
}

#[cfg(test)]
mod tests;
