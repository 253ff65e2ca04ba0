//! `signmessage` / `verifymessage`: Core's compact recoverable signatures
//! over SHA256d(varstr(magic) ‖ varstr(message)), with Zencoin's magic.
//! P2PKH uses Core's header bytes (31–34); P2WPKH uses BIP137's (39–42), and
//! verification of a P2WPKH address also accepts 31–34 as Electrum writes.

use base64::Engine;
use bitcoin::hashes::{sha256d, Hash};
use bitcoin::secp256k1::ecdsa::{RecoverableSignature, RecoveryId};
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey, Signing};
use primitives::{Address, Network};

use crate::keys::p2wpkh_script;

pub const MESSAGE_MAGIC: &str = "Zencoin Signed Message:\n";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MessageError {
    #[error("Malformed base64 encoding")]
    MalformedBase64,
    #[error("Invalid address")]
    InvalidAddress,
    #[error("Address does not refer to key")]
    AddressNotKey,
}

fn write_varstr(out: &mut Vec<u8>, s: &[u8]) {
    primitives::encode::write_compact_size(out, s.len() as u64);
    out.extend_from_slice(s);
}

pub fn message_hash(message: &str) -> [u8; 32] {
    let mut data = Vec::with_capacity(message.len() + 32);
    write_varstr(&mut data, MESSAGE_MAGIC.as_bytes());
    write_varstr(&mut data, message.as_bytes());
    sha256d::Hash::hash(&data).to_byte_array()
}

/// Base64 signature of `message` by `key` for a P2WPKH address (header 39 + recovery id).
pub fn sign_message<C: Signing>(secp: &Secp256k1<C>, key: &SecretKey, message: &str) -> String {
    let sig = secp.sign_ecdsa_recoverable(&Message::from_digest(message_hash(message)), key);
    let (id, bytes) = sig.serialize_compact();
    let mut out = vec![39 + id.to_i32() as u8];
    out.extend_from_slice(&bytes);
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// Core's `signmessagewithprivkey`: the legacy headers (27 + recovery id,
/// plus 4 for a compressed key), which verify for the key's P2PKH address
/// and, compressed, for its P2WPKH address.
pub fn sign_message_legacy<C: Signing>(
    secp: &Secp256k1<C>,
    key: &SecretKey,
    compressed: bool,
    message: &str,
) -> String {
    let sig = secp.sign_ecdsa_recoverable(&Message::from_digest(message_hash(message)), key);
    let (id, bytes) = sig.serialize_compact();
    let mut out = vec![27 + id.to_i32() as u8 + if compressed { 4 } else { 0 }];
    out.extend_from_slice(&bytes);
    base64::engine::general_purpose::STANDARD.encode(out)
}

/// Whether `signature` signs `message` for `address`.
pub fn verify_message(address: &str, signature: &str, message: &str, network: Network) -> Result<bool, MessageError> {
    let address = Address::parse(address, network).map_err(|_| MessageError::InvalidAddress)?;
    let script = address.script_pubkey().as_bytes();
    let p2pkh = script.len() == 25 && script[..3] == [0x76, 0xa9, 20];
    let p2wpkh = script.len() == 22 && script[..2] == [0x00, 20];
    if !p2pkh && !p2wpkh {
        return Err(MessageError::AddressNotKey);
    }
    let bytes =
        base64::engine::general_purpose::STANDARD.decode(signature).map_err(|_| MessageError::MalformedBase64)?;
    let Some((&header, compact)) = bytes.split_first().filter(|(_, rest)| rest.len() == 64) else {
        return Ok(false);
    };
    let (recid, compressed, segwit) = match header {
        27..=30 => (header - 27, false, false),
        31..=34 => (header - 31, true, false),
        39..=42 => (header - 39, true, true),
        _ => return Ok(false),
    };
    if (segwit && !p2wpkh) || !compressed && p2wpkh {
        return Ok(false);
    }
    let Ok(id) = RecoveryId::from_i32(recid as i32) else { return Ok(false) };
    let Ok(sig) = RecoverableSignature::from_compact(compact, id) else { return Ok(false) };
    let secp = Secp256k1::verification_only();
    let Ok(pubkey) = secp.recover_ecdsa(&Message::from_digest(message_hash(message)), &sig) else {
        return Ok(false);
    };
    Ok(script == expected_script(&pubkey, compressed, p2wpkh).as_slice())
}

fn expected_script(pubkey: &PublicKey, compressed: bool, p2wpkh: bool) -> Vec<u8> {
    use bitcoin::hashes::hash160;
    if p2wpkh {
        return p2wpkh_script(pubkey).into_bytes();
    }
    let key = if compressed { pubkey.serialize().to_vec() } else { pubkey.serialize_uncompressed().to_vec() };
    [&[0x76, 0xa9, 20][..], hash160::Hash::hash(&key).as_byte_array(), &[0x88, 0xac]].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sign_and_verify() {
        let secp = Secp256k1::new();
        let key = SecretKey::from_slice(&[1; 32]).unwrap();
        let pubkey = PublicKey::from_secret_key(&secp, &key);
        let address = Address::from_script(&p2wpkh_script(&pubkey), Network::Regtest).unwrap().to_string();
        let sig = sign_message(&secp, &key, "hello");
        assert_eq!(verify_message(&address, &sig, "hello", Network::Regtest), Ok(true));
        assert_eq!(verify_message(&address, &sig, "hellO", Network::Regtest), Ok(false));
        assert_eq!(verify_message(&address, "!!", "hello", Network::Regtest), Err(MessageError::MalformedBase64));
        assert_eq!(verify_message("nope", &sig, "hello", Network::Regtest), Err(MessageError::InvalidAddress));
    }
}
