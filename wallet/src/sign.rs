//! Signing P2WPKH inputs (BIP143, SIGHASH_ALL, low-R signatures so every
//! signature is at most 71 bytes and fee estimates hold).

use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey, Signing};
use primitives::{Transaction, Witness};
use script::sighash::{segwit_v0_sighash, PrecomputedTransactionData, SIGHASH_ALL};

use crate::keys::p2wpkh_script;

/// Virtual bytes a signed P2WPKH input adds: 41 outside the witness and
/// (1 + 1 + 72 + 1 + 33) / 4 rounded up inside it.
pub const P2WPKH_INPUT_VBYTES: u64 = 68;
/// A P2WPKH output: 8 value + 1 length + 22 script.
pub const P2WPKH_OUTPUT_VBYTES: u64 = 31;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignError {
    #[error("input {0} is not a P2WPKH output of the given key")]
    NotP2wpkh(usize),
    #[error("no key for input {0}")]
    MissingKey(usize),
}

/// What signing input `i` needs: the spent output's value and script, and the key.
pub struct InputKey<'a> {
    pub value: u64,
    pub script_pubkey: &'a [u8],
    pub key: SecretKey,
}

/// Signs every input of `tx` (inputs[i] belongs to tx.input[i]) and fills in the witnesses.
pub fn sign_p2wpkh<C: Signing>(
    secp: &Secp256k1<C>,
    tx: &mut Transaction,
    inputs: &[InputKey<'_>],
) -> Result<(), SignError> {
    if inputs.len() != tx.input.len() {
        return Err(SignError::MissingKey(inputs.len().min(tx.input.len())));
    }
    let pre = PrecomputedTransactionData::new(tx);
    let mut witnesses = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let pubkey = PublicKey::from_secret_key(secp, &input.key);
        let program = p2wpkh_script(&pubkey);
        if input.script_pubkey != program.as_bytes() {
            return Err(SignError::NotP2wpkh(i));
        }
        let script_code = [&[0x76, 0xa9, 20][..], &program.as_bytes()[2..], &[0x88, 0xac]].concat();
        let sighash = segwit_v0_sighash(tx, i, &script_code, input.value, SIGHASH_ALL, &pre);
        let mut sig = secp.sign_ecdsa_low_r(&Message::from_digest(sighash), &input.key).serialize_der().to_vec();
        sig.push(SIGHASH_ALL as u8);
        witnesses.push(Witness::from_slice(&[sig, pubkey.serialize().to_vec()]));
    }
    for (txin, witness) in tx.input.iter_mut().zip(witnesses) {
        txin.witness = witness;
    }
    Ok(())
}
