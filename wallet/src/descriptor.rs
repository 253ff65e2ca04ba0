//! Output descriptors as far as the wallet uses them: the BIP380 checksum,
//! the wallet's own `wpkh(...)` descriptors, and the watch-only forms
//! `importdescriptors` accepts (`addr(...)`, `wpkh(<pubkey>)`,
//! `wpkh(<xpub>/.../*)`).

use std::str::FromStr;

use bitcoin::bip32::{ChildNumber, Xpub};
use bitcoin::secp256k1::{PublicKey, Secp256k1};
use primitives::{Address, Network, ScriptBuf};

use crate::keys::p2wpkh_script;

const INPUT_CHARSET: &str =
    "0123456789()[],'/*abcdefgh@:$%{}IJKLMNOPQRSTUVWXYZ&+-.;<=>?!^_|~ijklmnopqrstuvwxyzABCDEFGH`#\"\\ ";
const CHECKSUM_CHARSET: &[u8] = b"qpzry9x8gf2tvdw0s3jn54khce6mua7l";
const GENERATOR: [u64; 5] = [0xf5dee51989, 0xa9fdca3312, 0x1bab10e32d, 0x3706b1677a, 0x644d626ffd];

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DescriptorError {
    #[error("Invalid character found in descriptor: {0}")]
    InvalidCharacter(char),
    #[error("Missing checksum")]
    MissingChecksum,
    #[error("Expected 8 character checksum, not {0} characters")]
    ChecksumLength(usize),
    #[error("Provided checksum '{found}' does not match computed checksum '{computed}'")]
    ChecksumMismatch { found: String, computed: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("{0}")]
    Invalid(String),
}

fn polymod(symbols: impl IntoIterator<Item = u64>) -> u64 {
    let mut chk = 1u64;
    for value in symbols {
        let top = chk >> 35;
        chk = ((chk & 0x7_ffff_ffff) << 5) ^ value;
        for (i, g) in GENERATOR.iter().enumerate() {
            if (top >> i) & 1 == 1 {
                chk ^= g;
            }
        }
    }
    chk
}

/// The 8-character checksum of a descriptor body.
pub fn checksum(body: &str) -> Result<String, DescriptorError> {
    let mut symbols = Vec::with_capacity(body.len() * 2 + 8);
    let mut groups = Vec::with_capacity(3);
    for c in body.chars() {
        let v = INPUT_CHARSET.find(c).ok_or(DescriptorError::InvalidCharacter(c))? as u64;
        symbols.push(v & 31);
        groups.push(v >> 5);
        if groups.len() == 3 {
            symbols.push(groups[0] * 9 + groups[1] * 3 + groups[2]);
            groups.clear();
        }
    }
    match groups.len() {
        1 => symbols.push(groups[0]),
        2 => symbols.push(groups[0] * 3 + groups[1]),
        _ => {}
    }
    symbols.extend([0; 8]);
    let c = polymod(symbols) ^ 1;
    Ok((0..8).map(|i| CHECKSUM_CHARSET[((c >> (5 * (7 - i))) & 31) as usize] as char).collect())
}

/// `body#checksum`.
pub fn with_checksum(body: &str) -> Result<String, DescriptorError> {
    Ok(format!("{body}#{}", checksum(body)?))
}

/// Splits `body#checksum`, verifying the checksum when present (and
/// demanding it when `require` is set, as `importdescriptors` does).
pub fn split_checksum(descriptor: &str, require: bool) -> Result<&str, DescriptorError> {
    match descriptor.split_once('#') {
        Some((body, sum)) => {
            if sum.len() != 8 {
                return Err(DescriptorError::ChecksumLength(sum.len()));
            }
            let computed = checksum(body)?;
            if computed != sum {
                return Err(DescriptorError::ChecksumMismatch { found: sum.to_string(), computed });
            }
            Ok(body)
        }
        None if require => Err(DescriptorError::MissingChecksum),
        None => {
            checksum(descriptor)?;
            Ok(descriptor)
        }
    }
}

/// Longest base58 text of an extended key (82 bytes with the checksum).
const MAX_EXTENDED_KEY_CHARS: usize = 112;

/// A watch-only descriptor: one script, or a range of P2WPKH children of an xpub.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchDescriptor {
    Single(ScriptBuf),
    Ranged { xpub: Xpub, path: Vec<ChildNumber>, origin: String },
}

impl WatchDescriptor {
    pub fn is_range(&self) -> bool {
        matches!(self, WatchDescriptor::Ranged { .. })
    }

    /// The script at `index` (the only script of a single descriptor).
    pub fn script_at(&self, index: u32) -> Result<ScriptBuf, DescriptorError> {
        match self {
            WatchDescriptor::Single(script) => Ok(script.clone()),
            WatchDescriptor::Ranged { xpub, path, .. } => {
                let mut full = path.clone();
                full.push(ChildNumber::from_normal_idx(index).map_err(|e| DescriptorError::Invalid(e.to_string()))?);
                let child = xpub
                    .derive_pub(&Secp256k1::verification_only(), &full)
                    .map_err(|e| DescriptorError::Invalid(e.to_string()))?;
                Ok(p2wpkh_script(&child.public_key))
            }
        }
    }
}

/// Parses the watch-only forms; `body` has no checksum.
pub fn parse_watch(body: &str, network: Network) -> Result<WatchDescriptor, DescriptorError> {
    if let Some(inner) = body.strip_prefix("addr(").and_then(|s| s.strip_suffix(')')) {
        let address = Address::parse(inner, network)
            .map_err(|_| DescriptorError::Invalid(format!("Address {inner} is not valid")))?;
        return Ok(WatchDescriptor::Single(address.script_pubkey().clone()));
    }
    let Some(inner) = body.strip_prefix("wpkh(").and_then(|s| s.strip_suffix(')')) else {
        return Err(DescriptorError::Unsupported(format!("'{body}' is not supported: use addr(...) or wpkh(...)")));
    };
    let (origin, key) = match inner.strip_prefix('[') {
        Some(rest) => {
            let (origin, key) = rest.split_once(']').ok_or_else(|| {
                DescriptorError::Invalid("Key origin start '[ character expected but not found".into())
            })?;
            (format!("[{origin}]"), key)
        }
        None => (String::new(), inner),
    };
    if key.len() == 66 && !key.contains('/') {
        let bytes = hex::decode(key).map_err(|_| DescriptorError::Invalid(format!("key '{key}' is not valid")))?;
        let pubkey =
            PublicKey::from_slice(&bytes).map_err(|_| DescriptorError::Invalid(format!("key '{key}' is not valid")))?;
        return Ok(WatchDescriptor::Single(p2wpkh_script(&pubkey)));
    }
    let mut parts = key.split('/');
    let xpub_text = parts.next().unwrap_or_default();
    // 78 bytes and a checksum are at most 112 base58 characters; base58
    // decoding is quadratic, so longer text is refused before it.
    if xpub_text.len() > MAX_EXTENDED_KEY_CHARS {
        return Err(DescriptorError::Invalid(format!("key of {} characters is not valid", xpub_text.len())));
    }
    let xpub =
        Xpub::from_str(xpub_text).map_err(|_| DescriptorError::Invalid(format!("key '{xpub_text}' is not valid")))?;
    let steps: Vec<&str> = parts.collect();
    match steps.split_last() {
        Some((&"*", prefix)) => {
            let path = prefix
                .iter()
                .map(|s| {
                    s.parse::<u32>().ok().and_then(|i| ChildNumber::from_normal_idx(i).ok()).ok_or_else(|| {
                        DescriptorError::Invalid(format!("Key path value '{s}' is not a valid unhardened uint32"))
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(WatchDescriptor::Ranged { xpub, path, origin })
        }
        None => Ok(WatchDescriptor::Single(p2wpkh_script(&xpub.public_key))),
        Some(_) => Err(DescriptorError::Unsupported("only ranged (/*) or bare xpub keys are supported".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bip380_checksum_vector() {
        assert_eq!(with_checksum("raw(deadbeef)").unwrap(), "raw(deadbeef)#89f8spxm");
        assert_eq!(split_checksum("raw(deadbeef)#89f8spxm", true).unwrap(), "raw(deadbeef)");
        assert!(matches!(
            split_checksum("raw(deadbeef)#89f8spxl", true),
            Err(DescriptorError::ChecksumMismatch { .. })
        ));
        assert_eq!(split_checksum("raw(deadbeef)#", true), Err(DescriptorError::ChecksumLength(0)));
        assert_eq!(split_checksum("raw(deadbeef)", true), Err(DescriptorError::MissingChecksum));
        assert_eq!(checksum("raw(dé)"), Err(DescriptorError::InvalidCharacter('é')));
    }

    #[test]
    fn watch_forms() {
        let address = "zrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kn8ytsd";
        let d = parse_watch(&format!("addr({address})"), Network::Regtest).unwrap();
        let script = d.script_at(0).unwrap();
        assert_eq!(Address::from_script(&script, Network::Regtest).unwrap().to_string(), address);
        // The key of secret 1 hashes to the same program.
        let g = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
        assert_eq!(parse_watch(&format!("wpkh({g})"), Network::Regtest).unwrap().script_at(0).unwrap(), script);
        assert!(parse_watch("pkh(02aa)", Network::Regtest).is_err());
        assert!(parse_watch("addr(zn1qw508d6qejxtdg4y5r3zarvary0c5xw7kkn4xxx)", Network::Regtest).is_err());
    }
}
