//! Output descriptors as far as the wallet uses them: the BIP380 checksum,
//! the wallet's own `wpkh(...)` and `tr(...)` descriptors, the watch-only
//! forms `importdescriptors` accepts (`addr(...)`, `rawtr(<x-only>)`,
//! `wpkh(<key>)`, `tr(<key>)` with a key, an x-only key for `tr`, or
//! `<xpub>/.../*`), and Core's descriptor inference for `desc` fields.

use std::str::FromStr;

use bitcoin::bip32::{ChildNumber, Xpub};
use bitcoin::secp256k1::{PublicKey, Secp256k1, XOnlyPublicKey};
use primitives::{Address, Network, ScriptBuf};

use crate::keys::{p2tr_script, p2tr_script_of_xonly, p2wpkh_script};

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

/// One step of the checksum's BCH code over GF(32) (Core's `PolyMod`).
fn polymod_step(chk: u64, value: u64) -> u64 {
    let top = chk >> 35;
    let mut chk = ((chk & 0x7_ffff_ffff) << 5) ^ value;
    for (i, g) in GENERATOR.iter().enumerate() {
        if (top >> i) & 1 == 1 {
            chk ^= g;
        }
    }
    chk
}

/// Each ASCII character's position in `INPUT_CHARSET`, or `NOT_IN_CHARSET`
/// (a table, as RPC replies checksum a descriptor per output).
const NOT_IN_CHARSET: u8 = u8::MAX;
const CHARSET_POSITIONS: [u8; 128] = {
    let mut table = [NOT_IN_CHARSET; 128];
    let charset = INPUT_CHARSET.as_bytes();
    let mut i = 0;
    while i < charset.len() {
        table[charset[i] as usize] = i as u8;
        i += 1;
    }
    table
};

/// The 8-character checksum of a descriptor body.
pub fn checksum(body: &str) -> Result<String, DescriptorError> {
    let mut c = 1u64;
    let (mut class, mut class_count) = (0u64, 0);
    for ch in body.chars() {
        let position = CHARSET_POSITIONS
            .get(ch as usize)
            .copied()
            .filter(|p| *p != NOT_IN_CHARSET)
            .ok_or(DescriptorError::InvalidCharacter(ch))? as u64;
        c = polymod_step(c, position & 31);
        class = class * 3 + (position >> 5);
        class_count += 1;
        if class_count == 3 {
            c = polymod_step(c, class);
            (class, class_count) = (0, 0);
        }
    }
    if class_count > 0 {
        c = polymod_step(c, class);
    }
    for _ in 0..8 {
        c = polymod_step(c, 0);
    }
    c ^= 1;
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

/// Core's `InferDescriptor` with no keys known, for the `desc` of a
/// `scriptPubKey` object: `pk()`, bare `multi()`, `rawtr()` for a valid
/// taproot output key, `addr()` for every other script with an address,
/// `raw()` for the rest; with its checksum.
pub fn infer(script: &[u8], network: Network) -> String {
    let address = Address::from_script(&ScriptBuf::from_bytes(script.to_vec()), network).ok();
    infer_with_address(script, address.map(|a| a.to_string()).as_deref())
}

/// `infer` for a caller that has already encoded the script's address
/// (`address`, None when it has none), as an RPC reply that shows both.
pub fn infer_with_address(script: &[u8], address: Option<&str>) -> String {
    use script::standard::{classify, OutputType};
    let valid_key = |k: &[u8]| PublicKey::from_slice(k).is_ok();
    let body = match classify(script) {
        OutputType::PubKey if valid_key(&script[1..script.len() - 1]) => {
            format!("pk({})", hex::encode(&script[1..script.len() - 1]))
        }
        OutputType::WitnessV1Taproot if bitcoin::secp256k1::XOnlyPublicKey::from_slice(&script[2..]).is_ok() => {
            format!("rawtr({})", hex::encode(&script[2..]))
        }
        OutputType::Multisig { required, .. } => match multisig_keys(script) {
            Some(keys) if keys.iter().all(|k| valid_key(k)) => {
                let keys: Vec<String> = keys.iter().map(hex::encode).collect();
                format!("multi({required},{})", keys.join(","))
            }
            _ => format!("raw({})", hex::encode(script)),
        },
        _ => match address {
            Some(address) => format!("addr({address})"),
            None => format!("raw({})", hex::encode(script)),
        },
    };
    // Every character above is in the descriptor charset.
    with_checksum(&body).unwrap_or(body)
}

/// The keys of a bare multisig script `OP_m <keys> OP_n OP_CHECKMULTISIG`.
fn multisig_keys(script: &[u8]) -> Option<Vec<&[u8]>> {
    let mut keys = Vec::new();
    let mut pc = 1;
    while pc < script.len().saturating_sub(2) {
        let len = usize::from(*script.get(pc)?);
        let key = script.get(pc + 1..pc + 1 + len)?;
        keys.push(key);
        pc += 1 + len;
    }
    Some(keys)
}

/// Longest base58 text of an extended key (82 bytes with the checksum).
const MAX_EXTENDED_KEY_CHARS: usize = 112;

/// What a key of a descriptor pays to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyScript {
    /// `wpkh(KEY)`: P2WPKH.
    Wpkh,
    /// `tr(KEY)`: BIP86 taproot, key path only.
    Tr,
}

impl KeyScript {
    fn script(self, key: &PublicKey) -> Result<ScriptBuf, DescriptorError> {
        match self {
            KeyScript::Wpkh => Ok(p2wpkh_script(key)),
            KeyScript::Tr => {
                p2tr_script(&Secp256k1::verification_only(), key).map_err(|e| DescriptorError::Invalid(e.to_string()))
            }
        }
    }
}

/// A watch-only descriptor: one script, a range of children of an xpub,
/// or any other script descriptor miniscript reads (`wsh(multi(…))`,
/// `sh(wpkh(…))`, `pkh(…)`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WatchDescriptor {
    Single(ScriptBuf),
    Ranged { xpub: Xpub, path: Vec<ChildNumber>, origin: String, kind: KeyScript },
    Script(Box<miniscript::Descriptor<miniscript::DescriptorPublicKey>>),
}

impl WatchDescriptor {
    pub fn is_range(&self) -> bool {
        match self {
            WatchDescriptor::Ranged { .. } => true,
            WatchDescriptor::Script(d) => d.has_wildcard(),
            WatchDescriptor::Single(_) => false,
        }
    }

    /// Virtual bytes of a signed input spending one of its scripts, where
    /// the descriptor says (miniscript's largest satisfaction).
    pub fn input_vbytes(&self) -> Option<u64> {
        match self {
            WatchDescriptor::Script(d) => d.max_weight_to_satisfy().ok().map(|w| 41 + w.to_wu().div_ceil(4)),
            WatchDescriptor::Ranged { kind: KeyScript::Wpkh, .. } => Some(68),
            WatchDescriptor::Ranged { kind: KeyScript::Tr, .. } => Some(58),
            WatchDescriptor::Single(_) => None,
        }
    }

    /// The descriptor of the one script at `index`, with its key origin
    /// (`wpkh([fp/84h/1h/0h/0/5]02…)`), as Core's `desc` fields show it; no checksum.
    pub fn expanded_at(&self, index: u32) -> Option<String> {
        match self {
            WatchDescriptor::Script(d) => d.at_derivation_index(index).ok().map(|d| format!("{d:#}")),
            WatchDescriptor::Ranged { xpub, path, origin, kind } => {
                let mut full = path.clone();
                full.push(ChildNumber::from_normal_idx(index).ok()?);
                let child = xpub.derive_pub(&Secp256k1::verification_only(), &full).ok()?;
                let origin = match origin.strip_prefix('[').and_then(|o| o.strip_suffix(']')) {
                    Some(inner) => inner.to_string(),
                    None => xpub.fingerprint().to_string(),
                };
                let steps: String = full.iter().map(|c| format!("/{c}")).collect();
                Some(match kind {
                    KeyScript::Wpkh => format!("wpkh([{origin}{steps}]{})", child.public_key),
                    KeyScript::Tr => format!("tr([{origin}{steps}]{})", child.public_key.x_only_public_key().0),
                })
            }
            WatchDescriptor::Single(_) => None,
        }
    }

    /// The definite descriptor at `index`, for PSBT updates (script descriptors only).
    pub fn definite_at(&self, index: u32) -> Option<miniscript::Descriptor<miniscript::DefiniteDescriptorKey>> {
        match self {
            WatchDescriptor::Script(d) => d.at_derivation_index(index).ok(),
            _ => None,
        }
    }

    /// The script at `index` (the only script of a single descriptor).
    pub fn script_at(&self, index: u32) -> Result<ScriptBuf, DescriptorError> {
        match self {
            WatchDescriptor::Single(script) => Ok(script.clone()),
            WatchDescriptor::Ranged { xpub, path, kind, .. } => {
                let mut full = path.clone();
                full.push(ChildNumber::from_normal_idx(index).map_err(|e| DescriptorError::Invalid(e.to_string()))?);
                let child = xpub
                    .derive_pub(&Secp256k1::verification_only(), &full)
                    .map_err(|e| DescriptorError::Invalid(e.to_string()))?;
                kind.script(&child.public_key)
            }
            WatchDescriptor::Script(d) => d
                .at_derivation_index(index)
                .map(|definite| definite.script_pubkey())
                .map_err(|e| DescriptorError::Invalid(e.to_string())),
        }
    }
}

/// Any other script descriptor, by miniscript; public keys only.
pub fn parse_script_descriptor(body: &str) -> Result<WatchDescriptor, DescriptorError> {
    use std::str::FromStr;
    let descriptor = miniscript::Descriptor::<miniscript::DescriptorPublicKey>::from_str(body)
        .map_err(|e| DescriptorError::Unsupported(format!("'{body}' is not supported: {e}")))?;
    Ok(WatchDescriptor::Script(Box::new(descriptor)))
}

/// Parses the watch-only forms; `body` has no checksum.
pub fn parse_watch(body: &str, network: Network) -> Result<WatchDescriptor, DescriptorError> {
    if let Some(inner) = body.strip_prefix("addr(").and_then(|s| s.strip_suffix(')')) {
        let address = Address::parse(inner, network)
            .map_err(|_| DescriptorError::Invalid(format!("Address {inner} is not valid")))?;
        return Ok(WatchDescriptor::Single(address.script_pubkey().clone()));
    }
    let xonly = |text: &str| -> Result<XOnlyPublicKey, DescriptorError> {
        hex::decode(text)
            .ok()
            .and_then(|bytes| XOnlyPublicKey::from_slice(&bytes).ok())
            .ok_or_else(|| DescriptorError::Invalid(format!("key '{text}' is not valid")))
    };
    if let Some(inner) = body.strip_prefix("raw(").and_then(|s| s.strip_suffix(')')) {
        let bytes = hex::decode(inner).map_err(|_| DescriptorError::Invalid("Raw script is not hex".into()))?;
        return Ok(WatchDescriptor::Single(ScriptBuf::from_bytes(bytes)));
    }
    if let Some(inner) = body.strip_prefix("rawtr(").and_then(|s| s.strip_suffix(')')) {
        let key = xonly(inner)?;
        return Ok(WatchDescriptor::Single(ScriptBuf::from_bytes([&[0x51, 0x20][..], &key.serialize()].concat())));
    }
    let (kind, inner) = if let Some(inner) = body.strip_prefix("wpkh(").and_then(|s| s.strip_suffix(')')) {
        (KeyScript::Wpkh, inner)
    } else if let Some(inner) = body.strip_prefix("tr(").and_then(|s| s.strip_suffix(')')) {
        if inner.contains(',') {
            return Err(DescriptorError::Unsupported("tr() with a script tree is not supported".into()));
        }
        (KeyScript::Tr, inner)
    } else {
        return parse_script_descriptor(body);
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
    if kind == KeyScript::Tr && key.len() == 64 {
        let script = p2tr_script_of_xonly(&Secp256k1::verification_only(), &xonly(key)?)
            .map_err(|e| DescriptorError::Invalid(e.to_string()))?;
        return Ok(WatchDescriptor::Single(script));
    }
    if key.len() == 66 && !key.contains('/') {
        let bytes = hex::decode(key).map_err(|_| DescriptorError::Invalid(format!("key '{key}' is not valid")))?;
        let pubkey =
            PublicKey::from_slice(&bytes).map_err(|_| DescriptorError::Invalid(format!("key '{key}' is not valid")))?;
        return Ok(WatchDescriptor::Single(kind.script(&pubkey)?));
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
            Ok(WatchDescriptor::Ranged { xpub, path, origin, kind })
        }
        None => Ok(WatchDescriptor::Single(kind.script(&xpub.public_key)?)),
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
        // Core's descriptor_tests: every character class, 2 left over at the end.
        let xprv = "sh(multi(2,[00000000/111'/222]xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc,xprv9uPDJpEQgRQfDcW7BkF7eTya6RPxXeJCqCJGHuCJ4GiRVLzkTXBAJMu2qaMWPrS7AANYqdq6vcBcBUdJCVVFceUvJFjaPdGZ2y9WACViL4L/0))";
        let xpub = "sh(multi(2,[00000000/111'/222]xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL,xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y/0))";
        assert_eq!(checksum(xprv).unwrap(), "ggrsrxfy");
        assert_eq!(checksum(xpub).unwrap(), "tjg09x5t");
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

    /// BIP86's first receive key, as `tr(xpub/0/*)`, `tr(<x-only>)` and `rawtr(<output key>)`.
    #[test]
    fn taproot_watch_forms() {
        let xpub = "xpub6BgBgsespWvERF3LHQu6CnqdvfEvtMcQjYrcRzx53QJjSxarj2afYWcLteoGVky7D3UKDP9QyrLprQ3VCECoY49yfdDEHGCtMMj92pReUsQ";
        let expected = "5120a60869f0dbcf1dc659c9cecbaf8050135ea9e8cdc487053f1dc6880949dc684c";
        let ranged = parse_watch(&format!("tr([73c5da0a/86h/0h/0h]{xpub}/0/*)"), Network::Main).unwrap();
        assert_eq!(hex::encode(ranged.script_at(0).unwrap().as_bytes()), expected);
        let internal = "cc8a4bc64d897bddc5fbc2f670f7a8ba0b386779106cf1223c6fc5d7cd6fc115";
        let single = parse_watch(&format!("tr({internal})"), Network::Main).unwrap();
        assert_eq!(hex::encode(single.script_at(0).unwrap().as_bytes()), expected);
        let raw = parse_watch(&format!("rawtr({})", &expected[4..]), Network::Main).unwrap();
        assert_eq!(hex::encode(raw.script_at(0).unwrap().as_bytes()), expected);
        assert!(matches!(
            parse_watch(&format!("tr({internal},pk({internal}))"), Network::Main),
            Err(DescriptorError::Unsupported(_))
        ));
    }

    #[test]
    fn inferred_descriptors_as_core() {
        let g = "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";
        let body = |script: &str| {
            let d = infer(&hex::decode(script).unwrap(), Network::Regtest);
            split_checksum(&d, true).unwrap().to_string()
        };
        assert_eq!(body(&format!("21{g}ac")), format!("pk({g})"));
        assert_eq!(body(&format!("5120{}", &g[2..])), format!("rawtr({})", &g[2..]));
        // An x coordinate with no point on the curve: not a key, only an address.
        assert!(body(&format!("5120{}", "05".repeat(32))).starts_with("addr(zrt1p"));
        assert_eq!(body(&format!("5121{g}51ae")), format!("multi(1,{g})"));
        assert_eq!(
            body("0014751e76e8199196d454941c45d1b3a323f1433bd6"),
            "addr(zrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kn8ytsd)"
        );
        assert_eq!(body("6a0102"), "raw(6a0102)");
        assert_eq!(body(""), "raw()");
    }
}
