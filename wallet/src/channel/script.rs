//! The channel's script and transactions (DESIGN.md §5). Funding output:
//! P2WSH of
//!
//! ```text
//! OP_IF <payee_pk> OP_CHECKSIGVERIFY OP_ELSE <expiry> OP_CHECKLOCKTIMEVERIFY OP_DROP OP_ENDIF <payer_pk> OP_CHECKSIG
//! ```
//!
//! A payment state is a transaction spending it to the payee (paid so far)
//! and the payer (the rest, less the fee reserved at open), signed by the
//! payer with SIGHASH_ALL; the payee closes by adding its own signature (IF
//! branch). The refund spends it back to the payer with nLockTime = expiry
//! (ELSE branch).

use bitcoin::hashes::{sha256, Hash};
use bitcoin::secp256k1::{ecdsa, Message, PublicKey, Secp256k1, SecretKey, Verification};
use primitives::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};
use script::sighash::{segwit_v0_sighash, PrecomputedTransactionData, SIGHASH_ALL};

use crate::keys::p2wpkh_script;

const OP_IF: u8 = 0x63;
const OP_ELSE: u8 = 0x67;
const OP_ENDIF: u8 = 0x68;
const OP_DROP: u8 = 0x75;
const OP_CHECKSIG: u8 = 0xac;
const OP_CHECKSIGVERIFY: u8 = 0xad;
const OP_CHECKLOCKTIMEVERIFY: u8 = 0xb1;

/// Weight of a close spending the funding output (two signatures of at most
/// 72 bytes, the branch byte and the script) with a P2WPKH output each side,
/// in virtual bytes, rounded up: what the fee reserve pays for.
pub const CLOSE_VBYTES: u64 = 173;
/// A CPFP child: one P2WPKH input, one P2WPKH output.
pub const CHILD_VBYTES: u64 = 110;

/// A script number push of `n` (minimal, as CScriptNum).
fn push_number(out: &mut Vec<u8>, n: u32) {
    let mut bytes = Vec::new();
    let mut v = n;
    while v > 0 {
        bytes.push((v & 0xff) as u8);
        v >>= 8;
    }
    if bytes.last().is_some_and(|b| b & 0x80 != 0) {
        bytes.push(0);
    }
    out.push(bytes.len() as u8);
    out.extend_from_slice(&bytes);
}

/// The witness script of a channel.
pub fn channel_script(payer: &PublicKey, payee: &PublicKey, expiry: u32) -> ScriptBuf {
    let mut s = vec![OP_IF, 33];
    s.extend_from_slice(&payee.serialize());
    s.push(OP_CHECKSIGVERIFY);
    s.push(OP_ELSE);
    push_number(&mut s, expiry);
    s.extend_from_slice(&[OP_CHECKLOCKTIMEVERIFY, OP_DROP, OP_ENDIF, 33]);
    s.extend_from_slice(&payer.serialize());
    s.push(OP_CHECKSIG);
    ScriptBuf::from_bytes(s)
}

/// `OP_0 <sha256(script)>`.
pub fn p2wsh(script: &ScriptBuf) -> ScriptBuf {
    let mut bytes = vec![0x00, 32];
    bytes.extend_from_slice(sha256::Hash::hash(script.as_bytes()).as_byte_array());
    ScriptBuf::from_bytes(bytes)
}

/// Everything that fixes a channel's transactions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelTerms {
    pub funding: OutPoint,
    pub capacity: u64,
    pub expiry: u32,
    pub fee_reserve: u64,
    pub payer: PublicKey,
    pub payee: PublicKey,
}

impl ChannelTerms {
    pub fn script(&self) -> ScriptBuf {
        channel_script(&self.payer, &self.payee, self.expiry)
    }

    /// Most the payer can pay: capacity less the close's fee.
    pub fn payable(&self) -> u64 {
        self.capacity.saturating_sub(self.fee_reserve)
    }

    /// The state paying `paid` to the payee: the payee's output first, the
    /// payer's change second unless below `dust` (then it goes to the fee).
    pub fn update_tx(&self, paid: u64, dust: u64) -> Transaction {
        let mut output = vec![TxOut { value: Amount::from_sat(paid), script_pubkey: p2wpkh_script(&self.payee) }];
        let change = self.payable().saturating_sub(paid);
        if change >= dust {
            output.push(TxOut { value: Amount::from_sat(change), script_pubkey: p2wpkh_script(&self.payer) });
        }
        Transaction {
            version: 2,
            input: vec![TxIn {
                previous_output: self.funding,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output,
            announcement: None,
            lock_time: 0,
        }
    }

    /// The refund: everything back to the payer less `fee`, final from the
    /// block after `expiry`.
    pub fn refund_tx(&self, fee: u64) -> Transaction {
        Transaction {
            version: 2,
            input: vec![TxIn {
                previous_output: self.funding,
                script_sig: ScriptBuf::new(),
                sequence: Sequence(0xffff_fffe),
                witness: Witness::new(),
            }],
            output: vec![TxOut {
                value: Amount::from_sat(self.capacity.saturating_sub(fee)),
                script_pubkey: p2wpkh_script(&self.payer),
            }],
            announcement: None,
            lock_time: self.expiry,
        }
    }

    fn sighash(&self, tx: &Transaction) -> Message {
        let pre = PrecomputedTransactionData::new(tx);
        let digest = segwit_v0_sighash(tx, 0, self.script().as_bytes(), self.capacity, SIGHASH_ALL, &pre);
        Message::from_digest(digest)
    }

    /// A SIGHASH_ALL signature of the funding input (DER + hash type byte).
    pub fn sign(&self, tx: &Transaction, key: &SecretKey) -> Vec<u8> {
        let secp = Secp256k1::signing_only();
        let mut sig = secp.sign_ecdsa_low_r(&self.sighash(tx), key).serialize_der().to_vec();
        sig.push(SIGHASH_ALL as u8);
        sig
    }

    /// Whether `sig` is `key`'s SIGHASH_ALL signature of the funding input of `tx`.
    pub fn verify<C: Verification>(&self, secp: &Secp256k1<C>, tx: &Transaction, key: &PublicKey, sig: &[u8]) -> bool {
        let Some((&hash_type, der)) = sig.split_last() else { return false };
        if u32::from(hash_type) != SIGHASH_ALL {
            return false;
        }
        let Ok(mut signature) = ecdsa::Signature::from_der(der) else { return false };
        // Policy wants low-S; a high-S signature would not relay.
        let normalized = {
            let mut s = signature;
            s.normalize_s();
            s
        };
        if normalized != signature {
            return false;
        }
        signature.normalize_s();
        secp.verify_ecdsa(&self.sighash(tx), &signature, key).is_ok()
    }

    /// The payee's close: `update` with both signatures (IF branch).
    pub fn close(&self, mut update: Transaction, payer_sig: Vec<u8>, payee_sig: Vec<u8>) -> Transaction {
        update.input[0].witness = Witness::from_slice(&[payer_sig, payee_sig, vec![1], self.script().to_bytes()]);
        update
    }

    /// The signed refund (ELSE branch).
    pub fn signed_refund(&self, fee: u64, payer_key: &SecretKey) -> Transaction {
        let mut tx = self.refund_tx(fee);
        let sig = self.sign(&tx, payer_key);
        tx.input[0].witness = Witness::from_slice(&[sig, Vec::new(), self.script().to_bytes()]);
        tx
    }
}

/// Fee for `vbytes` at `rate` zats per kvB, rounded up.
pub fn fee_at(rate: u64, vbytes: u64) -> u64 {
    rate.saturating_mul(vbytes).div_ceil(1000)
}
