//! Signing the wallet's inputs: P2WPKH (BIP143, SIGHASH_ALL, low-R signatures
//! so every signature is at most 71 bytes and fee estimates hold) and BIP86
//! taproot key-path spends (BIP341 message, SIGHASH_DEFAULT, 64-byte BIP340
//! signatures).

use bitcoin::secp256k1::{Keypair, Message, PublicKey, Scalar, Secp256k1, SecretKey, Signing, Verification};
use primitives::{Amount, ScriptBuf, Transaction, TxOut, Witness};
use script::sighash::{segwit_v0_sighash, PrecomputedTransactionData, SIGHASH_ALL};
use script::taproot::{self, TaprootPrecomputed};

use crate::keys::{p2tr_script, p2wpkh_script};

/// Virtual bytes a signed P2WPKH input adds: 41 outside the witness and
/// (1 + 1 + 72 + 1 + 33) / 4 rounded up inside it.
pub const P2WPKH_INPUT_VBYTES: u64 = 68;
/// A P2WPKH output: 8 value + 1 length + 22 script.
pub const P2WPKH_OUTPUT_VBYTES: u64 = 31;
/// A key-path P2TR input: 41 outside the witness and (1 + 1 + 64) / 4 = 16.5
/// inside it, rounded up (Core counts 57.5).
pub const P2TR_INPUT_VBYTES: u64 = 58;
/// A P2TR output: 8 value + 1 length + 34 script.
pub const P2TR_OUTPUT_VBYTES: u64 = 43;

/// Virtual bytes of a signed input spending `script_pubkey` (one of the wallet's kinds).
pub fn input_vbytes(script_pubkey: &[u8]) -> u64 {
    if is_p2tr(script_pubkey) {
        P2TR_INPUT_VBYTES
    } else {
        P2WPKH_INPUT_VBYTES
    }
}

fn is_p2tr(script_pubkey: &[u8]) -> bool {
    script_pubkey.len() == 34 && script_pubkey[0] == 0x51 && script_pubkey[1] == 32
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignError {
    #[error("input {0} is not a P2WPKH or key-path P2TR output of the given key")]
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

/// Signs every input of `tx` (inputs[i] belongs to tx.input[i]) and fills in
/// the witnesses. Each input is P2WPKH of its key or BIP86 P2TR of it.
pub fn sign_inputs<C: Signing + Verification>(
    secp: &Secp256k1<C>,
    tx: &mut Transaction,
    inputs: &[InputKey<'_>],
) -> Result<(), SignError> {
    if inputs.len() != tx.input.len() {
        return Err(SignError::MissingKey(inputs.len().min(tx.input.len())));
    }
    let pre = PrecomputedTransactionData::new(tx);
    // BIP341 commits to every spent output: built once, only when needed.
    let taproot = inputs.iter().any(|i| is_p2tr(i.script_pubkey)).then(|| {
        let spent: Vec<TxOut> = inputs
            .iter()
            .map(|i| TxOut {
                value: Amount::from_sat(i.value),
                script_pubkey: ScriptBuf::from_bytes(i.script_pubkey.to_vec()),
            })
            .collect();
        let pre = TaprootPrecomputed::new(tx, &spent);
        (spent, pre)
    });
    let mut witnesses = Vec::with_capacity(inputs.len());
    for (i, input) in inputs.iter().enumerate() {
        let pubkey = PublicKey::from_secret_key(secp, &input.key);
        let witness = match &taproot {
            Some((spent, tap_pre)) if is_p2tr(input.script_pubkey) => {
                let program = p2tr_script(secp, &pubkey).map_err(|_| SignError::NotP2wpkh(i))?;
                if input.script_pubkey != program.as_bytes() {
                    return Err(SignError::NotP2wpkh(i));
                }
                let keypair = bip86_keypair(secp, &input.key).ok_or(SignError::NotP2wpkh(i))?;
                let sighash = taproot::signature_hash(tx, i, spent, tap_pre, 0x00, None, None)
                    .map_err(|_| SignError::MissingKey(i))?;
                let mut aux = [0u8; 32];
                rand::RngCore::fill_bytes(&mut rand::rngs::OsRng, &mut aux);
                let sig = secp.sign_schnorr_with_aux_rand(&Message::from_digest(sighash), &keypair, &aux);
                Witness::from_slice(&[sig.serialize().to_vec()])
            }
            _ => {
                let program = p2wpkh_script(&pubkey);
                if input.script_pubkey != program.as_bytes() {
                    return Err(SignError::NotP2wpkh(i));
                }
                let script_code = [&[0x76, 0xa9, 20][..], &program.as_bytes()[2..], &[0x88, 0xac]].concat();
                let sighash = segwit_v0_sighash(tx, i, &script_code, input.value, SIGHASH_ALL, &pre);
                let mut sig =
                    secp.sign_ecdsa_low_r(&Message::from_digest(sighash), &input.key).serialize_der().to_vec();
                sig.push(SIGHASH_ALL as u8);
                Witness::from_slice(&[sig, pubkey.serialize().to_vec()])
            }
        };
        witnesses.push(witness);
    }
    for (txin, witness) in tx.input.iter_mut().zip(witnesses) {
        txin.witness = witness;
    }
    Ok(())
}

/// The key pair of BIP86's output key: the internal key tweaked by
/// `TapTweak(P)` with no script tree (negated first when P's y is odd).
fn bip86_keypair<C: Signing + Verification>(secp: &Secp256k1<C>, key: &SecretKey) -> Option<Keypair> {
    let keypair = Keypair::from_secret_key(secp, key);
    let (xonly, _) = keypair.x_only_public_key();
    let tweak = Scalar::from_be_bytes(taproot::tap_tweak(&xonly, None)).ok()?;
    keypair.add_xonly_tweak(secp, &tweak).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use primitives::{OutPoint, Sequence, TxIn};
    use script::checker::TransactionChecker;
    use script::{verify_script, VerifyFlags};

    /// A P2WPKH and a P2TR input in one transaction, both verified by the
    /// consensus interpreter with every flag on.
    #[test]
    fn mixed_inputs_verify() {
        let secp = Secp256k1::new();
        let keys = [SecretKey::from_slice(&[7; 32]).unwrap(), SecretKey::from_slice(&[9; 32]).unwrap()];
        let scripts = [
            p2wpkh_script(&PublicKey::from_secret_key(&secp, &keys[0])),
            p2tr_script(&secp, &PublicKey::from_secret_key(&secp, &keys[1])).unwrap(),
        ];
        let mut tx = Transaction {
            version: 2,
            input: (0..2)
                .map(|i| TxIn {
                    previous_output: OutPoint { txid: bitcoin::hashes::Hash::from_byte_array([i as u8; 32]), vout: i },
                    script_sig: ScriptBuf::new(),
                    sequence: Sequence(0xfffffffd),
                    witness: Witness::new(),
                })
                .collect(),
            output: vec![TxOut { value: Amount::from_sat(1000), script_pubkey: scripts[0].clone() }],
            announcement: None,
            lock_time: 0,
        };
        let inputs: Vec<InputKey> = (0..2)
            .map(|i| InputKey { value: 5000 + i as u64, script_pubkey: scripts[i].as_bytes(), key: keys[i] })
            .collect();
        sign_inputs(&secp, &mut tx, &inputs).unwrap();
        assert_eq!(tx.input[1].witness.len(), 1);
        assert_eq!(tx.input[1].witness.iter().next().unwrap().len(), 64);
        let spent: Vec<TxOut> = (0..2)
            .map(|i| TxOut { value: Amount::from_sat(5000 + i as u64), script_pubkey: scripts[i].clone() })
            .collect();
        let pre = PrecomputedTransactionData::with_spent(&tx, &spent);
        for (i, script) in scripts.iter().enumerate() {
            let witness: Vec<Vec<u8>> = tx.input[i].witness.iter().map(<[u8]>::to_vec).collect();
            let checker =
                TransactionChecker { tx: &tx, input: i, amount: 5000 + i as u64, precomputed: &pre, cache: None };
            verify_script(&[], script.as_bytes(), &witness, VerifyFlags::consensus(), &checker)
                .unwrap_or_else(|e| panic!("input {i}: {e:?}"));
        }
        // A key that is not the output's is refused before anything is signed.
        let wrong = [InputKey { value: 1, script_pubkey: scripts[1].as_bytes(), key: keys[0] }];
        let mut one = tx.clone();
        one.input.truncate(1);
        assert_eq!(sign_inputs(&secp, &mut one, &wrong), Err(SignError::NotP2wpkh(0)));
    }
}
