//! Encryption at rest: a key stretched from the passphrase with Argon2id
//! (its parameters stored beside the ciphertext, so they can grow later)
//! seals the wallet's secret with ChaCha20-Poly1305. A wrong passphrase
//! fails the tag check; nothing is ever written on that path.

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

/// Bound into every tag, so a sealed blob cannot be replayed in another role.
const AAD: &[u8] = b"zennet-wallet-secret-v1";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CryptError {
    #[error("The wallet passphrase entered was incorrect.")]
    WrongPassphrase,
    #[error("key stretching failed: {0}")]
    Kdf(String),
    #[error("encryption failed")]
    Encrypt,
}

/// Argon2id cost parameters (memory in KiB).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct KdfParams {
    pub m_cost_kib: u32,
    pub t_cost: u32,
    pub p_cost: u32,
}

impl KdfParams {
    /// 64 MiB, three passes: about a third of a second per unlock on one
    /// core here, and a costly guess for anyone holding the file.
    pub const DEFAULT: KdfParams = KdfParams { m_cost_kib: 64 * 1024, t_cost: 3, p_cost: 1 };
}

/// A secret sealed under a passphrase.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    pub kdf: KdfParams,
    #[serde(with = "hex_bytes")]
    pub salt: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub nonce: Vec<u8>,
    #[serde(with = "hex_bytes")]
    pub ciphertext: Vec<u8>,
}

fn stretch(passphrase: &[u8], salt: &[u8], kdf: KdfParams) -> Result<Zeroizing<[u8; 32]>, CryptError> {
    let params =
        Params::new(kdf.m_cost_kib, kdf.t_cost, kdf.p_cost, Some(32)).map_err(|e| CryptError::Kdf(e.to_string()))?;
    let mut key = Zeroizing::new([0u8; 32]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase, salt, key.as_mut())
        .map_err(|e| CryptError::Kdf(e.to_string()))?;
    Ok(key)
}

fn nonce_of(bytes: &[u8]) -> Result<Nonce, CryptError> {
    Nonce::try_from(bytes).map_err(|_| CryptError::WrongPassphrase)
}

/// Seals `secret` under `passphrase` with a fresh salt and nonce.
pub fn seal(passphrase: &[u8], secret: &[u8], kdf: KdfParams) -> Result<Sealed, CryptError> {
    let mut salt = vec![0u8; 16];
    let mut nonce = vec![0u8; 12];
    rand::rngs::OsRng.fill_bytes(&mut salt);
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let key = stretch(passphrase, &salt, kdf)?;
    let cipher = ChaCha20Poly1305::new(&Key::from(*key));
    let ciphertext =
        cipher.encrypt(&nonce_of(&nonce)?, Payload { msg: secret, aad: AAD }).map_err(|_| CryptError::Encrypt)?;
    Ok(Sealed { kdf, salt, nonce, ciphertext })
}

/// Opens a sealed secret; a wrong passphrase fails the tag check.
pub fn open(passphrase: &[u8], sealed: &Sealed) -> Result<Zeroizing<Vec<u8>>, CryptError> {
    let key = stretch(passphrase, &sealed.salt, sealed.kdf)?;
    let cipher = ChaCha20Poly1305::new(&Key::from(*key));
    cipher
        .decrypt(&nonce_of(&sealed.nonce)?, Payload { msg: &sealed.ciphertext, aad: AAD })
        .map(Zeroizing::new)
        .map_err(|_| CryptError::WrongPassphrase)
}

pub(crate) mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        hex::decode(text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAST: KdfParams = KdfParams { m_cost_kib: 64, t_cost: 1, p_cost: 1 };

    #[test]
    fn round_trip_and_wrong_passphrase() {
        let sealed = seal(b"correct horse", b"the seed", FAST).unwrap();
        assert_eq!(open(b"correct horse", &sealed).unwrap().as_slice(), b"the seed");
        assert_eq!(open(b"wrong horse", &sealed).unwrap_err(), CryptError::WrongPassphrase);
        assert!(!sealed.ciphertext.windows(8).any(|w| w == b"the seed"));
    }

    #[test]
    fn tampering_is_detected() {
        let mut sealed = seal(b"pw", b"secret", FAST).unwrap();
        sealed.ciphertext[0] ^= 1;
        assert_eq!(open(b"pw", &sealed).unwrap_err(), CryptError::WrongPassphrase);
    }

    #[test]
    fn salts_and_nonces_are_fresh() {
        let a = seal(b"pw", b"secret", FAST).unwrap();
        let b = seal(b"pw", b"secret", FAST).unwrap();
        assert_ne!(a.salt, b.salt);
        assert_ne!(a.ciphertext, b.ciphertext);
    }
}
