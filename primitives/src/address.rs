//! Zennet addresses: bech32/bech32m segwit addresses with the network's HRP,
//! and base58check P2PKH/P2SH with Zennet's version bytes.

use std::fmt;

use bitcoin::base58;
use bitcoin::bech32::{self, Fe32, Hrp};
use bitcoin::ScriptBuf;
use thiserror::Error;

use crate::network::Network;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum AddressError {
    #[error("invalid address: {0}")]
    Invalid(String),
    #[error("address is for another network (expected prefix '{expected}')")]
    WrongNetwork { expected: &'static str },
    #[error("script has no address form")]
    NoAddressForm,
}

/// Longest text that can be an address: BIP173's limit for bech32 strings.
/// A base58check address of 25 bytes has at most 35 characters.
pub const MAX_ADDRESS_CHARS: usize = 90;

/// An address: a scriptPubKey that has a textual form on a network.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Address {
    network: Network,
    script_pubkey: ScriptBuf,
}

impl Address {
    pub fn network(&self) -> Network {
        self.network
    }

    pub fn script_pubkey(&self) -> &ScriptBuf {
        &self.script_pubkey
    }

    /// The address of a P2PKH, P2SH or witness-program script.
    pub fn from_script(script: &ScriptBuf, network: Network) -> Result<Address, AddressError> {
        if classify(script.as_bytes()).is_some() {
            Ok(Address { network, script_pubkey: script.clone() })
        } else {
            Err(AddressError::NoAddressForm)
        }
    }

    /// P2WPKH address of a 20-byte key hash.
    pub fn p2wpkh(key_hash: [u8; 20], network: Network) -> Address {
        let mut script = vec![0x00, 20];
        script.extend_from_slice(&key_hash);
        Address { network, script_pubkey: ScriptBuf::from_bytes(script) }
    }

    /// Parses an address of `network`.
    pub fn parse(s: &str, network: Network) -> Result<Address, AddressError> {
        // Decoding costs grow faster than the input: refuse what no address
        // can be before decoding anything.
        if s.len() > MAX_ADDRESS_CHARS {
            return Err(AddressError::Invalid(format!(
                "{} characters is longer than any address (at most {MAX_ADDRESS_CHARS})",
                s.len()
            )));
        }
        if let Ok((hrp, version, program)) = bech32::segwit::decode(s) {
            if hrp.as_str() != network.bech32_hrp() {
                return Err(AddressError::WrongNetwork { expected: network.bech32_hrp() });
            }
            let mut script = vec![witness_version_opcode(version.to_u8()), program.len() as u8];
            script.extend_from_slice(&program);
            return Ok(Address { network, script_pubkey: ScriptBuf::from_bytes(script) });
        }
        let data = base58::decode_check(s).map_err(|e| AddressError::Invalid(e.to_string()))?;
        if data.len() != 21 {
            return Err(AddressError::Invalid(format!("base58 payload of {} bytes", data.len())));
        }
        let hash = &data[1..];
        let script = if data[0] == network.p2pkh_prefix() {
            let mut s = vec![0x76, 0xa9, 20];
            s.extend_from_slice(hash);
            s.extend_from_slice(&[0x88, 0xac]);
            s
        } else if data[0] == network.p2sh_prefix() {
            let mut s = vec![0xa9, 20];
            s.extend_from_slice(hash);
            s.push(0x87);
            s
        } else {
            return Err(AddressError::Invalid(format!("unknown base58 version byte {}", data[0])));
        };
        Ok(Address { network, script_pubkey: ScriptBuf::from_bytes(script) })
    }
}

/// What kind of address a script has, if any.
enum AddressKind<'a> {
    P2pkh(&'a [u8]),
    P2sh(&'a [u8]),
    Witness { version: u8, program: &'a [u8] },
}

fn classify(s: &[u8]) -> Option<AddressKind<'_>> {
    match s {
        [0x76, 0xa9, 20, hash @ .., 0x88, 0xac] if hash.len() == 20 => Some(AddressKind::P2pkh(hash)),
        [0xa9, 20, hash @ .., 0x87] if hash.len() == 20 => Some(AddressKind::P2sh(hash)),
        [op, len, program @ ..]
            if (*op == 0 || (0x51..=0x60).contains(op))
                && usize::from(*len) == program.len()
                && (2..=40).contains(&program.len()) =>
        {
            let version = if *op == 0 { 0 } else { op - 0x50 };
            if version == 0 && program.len() != 20 && program.len() != 32 {
                return None;
            }
            Some(AddressKind::Witness { version, program })
        }
        _ => None,
    }
}

fn witness_version_opcode(version: u8) -> u8 {
    if version == 0 {
        0
    } else {
        0x50 + version
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match classify(self.script_pubkey.as_bytes()) {
            Some(AddressKind::P2pkh(hash)) => {
                let mut data = vec![self.network.p2pkh_prefix()];
                data.extend_from_slice(hash);
                f.write_str(&base58::encode_check(&data))
            }
            Some(AddressKind::P2sh(hash)) => {
                let mut data = vec![self.network.p2sh_prefix()];
                data.extend_from_slice(hash);
                f.write_str(&base58::encode_check(&data))
            }
            Some(AddressKind::Witness { version, program }) => {
                let hrp = Hrp::parse(self.network.bech32_hrp()).map_err(|_| fmt::Error)?;
                let version = Fe32::try_from(version).map_err(|_| fmt::Error)?;
                let s = bech32::segwit::encode(hrp, version, program).map_err(|_| fmt::Error)?;
                f.write_str(&s)
            }
            None => Err(fmt::Error),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_on_every_network() {
        for network in Network::ALL {
            let scripts = [
                hex::decode("0014751e76e8199196d454941c45d1b3a323f1433bd6").unwrap(),
                hex::decode("00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262").unwrap(),
                hex::decode("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac").unwrap(),
                hex::decode("a914751e76e8199196d454941c45d1b3a323f1433bd687").unwrap(),
                hex::decode("5120751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45").unwrap(),
            ];
            for script in scripts {
                let script = ScriptBuf::from_bytes(script);
                let addr = Address::from_script(&script, network).unwrap();
                let text = addr.to_string();
                assert_eq!(Address::parse(&text, network).unwrap().script_pubkey(), &script, "{text}");
            }
        }
    }

    #[test]
    fn segwit_addresses_use_the_network_hrp() {
        let addr = Address::p2wpkh([0x11; 20], Network::Regtest).to_string();
        assert!(addr.starts_with("zrt1q"), "{addr}");
        assert!(matches!(Address::parse(&addr, Network::Main), Err(AddressError::WrongNetwork { .. })));
        let main = Address::p2wpkh([0x11; 20], Network::Main).to_string();
        assert!(main.starts_with("zn1q"));
        let p2pkh = Address::from_script(
            &ScriptBuf::from_bytes(hex::decode("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac").unwrap()),
            Network::Main,
        )
        .unwrap();
        assert!(p2pkh.to_string().starts_with('Z'));
    }

    #[test]
    fn garbage_is_refused() {
        for s in ["", "zrt1qqqqq", "notanaddress", "zrt1q000000000000000000000000000000000000000"] {
            assert!(Address::parse(s, Network::Regtest).is_err(), "{s}");
        }
    }
}
