//! Signature, locktime and sequence checks against the spending transaction.

use std::sync::OnceLock;

use bitcoin::secp256k1::{ecdsa, Message, PublicKey, Secp256k1, VerifyOnly};
use primitives::Transaction;

use crate::cache::SignatureCache;
use crate::error::ScriptError;
use crate::interpreter::SigVersion;
use crate::sighash::{
    legacy_sighash, segwit_v0_sighash, PrecomputedTransactionData, SIGHASH_ALL, SIGHASH_ANYONECANPAY,
};

/// What the interpreter asks of the transaction it runs for.
pub trait SignatureChecker {
    /// `Ok(false)` for a signature that does not verify; `Err` for a
    /// signature no transaction of this kind may carry.
    fn check_ecdsa_signature(
        &self,
        sig: &[u8],
        pubkey: &[u8],
        script_code: &[u8],
        sigversion: SigVersion,
    ) -> Result<bool, ScriptError>;
    fn check_lock_time(&self, lock_time: i64) -> bool;
    fn check_sequence(&self, sequence: i64) -> bool;
    /// A BIP340 signature (64 bytes, or 65 with an explicit hash type) by
    /// x-only `pubkey` over BIP341's message for this input. `Ok(false)`
    /// when it does not verify; `Err` for a malformed one.
    fn check_schnorr_signature(
        &self,
        _sig: &[u8],
        _pubkey: &[u8; 32],
        _exec: &crate::interpreter::TaprootExec,
    ) -> Result<bool, ScriptError> {
        Ok(false)
    }
}

/// A checker that accepts no signature and no lock (for scripts run outside a transaction).
pub struct NoChecker;

impl SignatureChecker for NoChecker {
    fn check_ecdsa_signature(&self, _: &[u8], _: &[u8], _: &[u8], _: SigVersion) -> Result<bool, ScriptError> {
        Ok(false)
    }
    fn check_lock_time(&self, _: i64) -> bool {
        false
    }
    fn check_sequence(&self, _: i64) -> bool {
        false
    }
}

pub fn secp() -> &'static Secp256k1<VerifyOnly> {
    static CONTEXT: OnceLock<Secp256k1<VerifyOnly>> = OnceLock::new();
    CONTEXT.get_or_init(Secp256k1::verification_only)
}

const LOCKTIME_THRESHOLD: i64 = 500_000_000;
const SEQUENCE_FINAL: u32 = 0xffff_ffff;
const SEQUENCE_LOCKTIME_DISABLE_FLAG: i64 = 1 << 31;
const SEQUENCE_LOCKTIME_TYPE_FLAG: i64 = 1 << 22;
const SEQUENCE_LOCKTIME_MASK: i64 = 0x0000_ffff;

/// Checks for input `input` of `tx`, which spends `amount`.
pub struct TransactionChecker<'a> {
    pub tx: &'a Transaction,
    pub input: usize,
    pub amount: u64,
    pub precomputed: &'a PrecomputedTransactionData,
    pub cache: Option<&'a SignatureCache>,
}

impl TransactionChecker<'_> {
    fn sighash(&self, script_code: &[u8], hash_type: u8, sigversion: SigVersion) -> Result<[u8; 32], ScriptError> {
        match sigversion {
            SigVersion::Base => Ok(legacy_sighash(self.tx, self.input, script_code, i32::from(hash_type))),
            SigVersion::WitnessV0 => {
                let hash_type = u32::from(hash_type);
                if self.tx.announcement.is_some() && hash_type & !SIGHASH_ANYONECANPAY != SIGHASH_ALL {
                    return Err(ScriptError::AnnouncementSighashType);
                }
                Ok(segwit_v0_sighash(self.tx, self.input, script_code, self.amount, hash_type, self.precomputed))
            }
            // Tapscript checks Schnorr signatures only (`check_schnorr_signature`).
            SigVersion::Tapscript => Err(ScriptError::SchnorrSig),
        }
    }
}

impl SignatureChecker for TransactionChecker<'_> {
    fn check_ecdsa_signature(
        &self,
        sig: &[u8],
        pubkey: &[u8],
        script_code: &[u8],
        sigversion: SigVersion,
    ) -> Result<bool, ScriptError> {
        let Ok(key) = PublicKey::from_slice(pubkey) else {
            return Ok(false);
        };
        let Some((&hash_type, der)) = sig.split_last() else {
            return Ok(false);
        };
        let sighash = self.sighash(script_code, hash_type, sigversion)?;
        if let Some(cache) = self.cache {
            if cache.contains(&sighash, pubkey, sig) {
                return Ok(true);
            }
        }
        let Ok(mut signature) = ecdsa::Signature::from_der_lax(der) else {
            return Ok(false);
        };
        // libsecp256k1 verifies only low-S signatures; consensus accepts both.
        signature.normalize_s();
        let message = Message::from_digest(sighash);
        let valid = secp().verify_ecdsa(&message, &signature, &key).is_ok();
        if valid {
            if let Some(cache) = self.cache {
                cache.insert(&sighash, pubkey, sig);
            }
        }
        Ok(valid)
    }

    fn check_schnorr_signature(
        &self,
        sig: &[u8],
        pubkey: &[u8; 32],
        exec: &crate::interpreter::TaprootExec,
    ) -> Result<bool, ScriptError> {
        let (sig64, hash_type): (&[u8], u8) = match sig.len() {
            64 => (sig, 0x00),
            // An explicit 0x00 would let one signature take two forms.
            65 if sig[64] != 0x00 => (&sig[..64], sig[64]),
            65 => return Err(ScriptError::SchnorrSigHashtype),
            _ => return Err(ScriptError::SchnorrSigSize),
        };
        // Without the spent outputs no taproot message can be formed.
        let Some(taproot) = self.precomputed.taproot.as_deref() else { return Ok(false) };
        let (pre, spent) = (&taproot.0, &taproot.1);
        let hash = crate::taproot::signature_hash(
            self.tx,
            self.input,
            spent,
            pre,
            hash_type,
            exec.annex.as_deref(),
            exec.script_path.as_ref(),
        )
        .map_err(|_| ScriptError::SchnorrSigHashtype)?;
        if let Some(cache) = self.cache {
            if cache.contains(&hash, pubkey, sig) {
                return Ok(true);
            }
        }
        let signature: [u8; 64] = sig64.try_into().map_err(|_| ScriptError::SchnorrSigSize)?;
        let valid = crate::taproot::verify_schnorr(secp(), pubkey, &hash, &signature);
        if valid {
            if let Some(cache) = self.cache {
                cache.insert(&hash, pubkey, sig);
            }
        }
        Ok(valid)
    }

    fn check_lock_time(&self, lock_time: i64) -> bool {
        let tx_lock_time = i64::from(self.tx.lock_time);
        let same_kind = (tx_lock_time < LOCKTIME_THRESHOLD) == (lock_time < LOCKTIME_THRESHOLD);
        same_kind && lock_time <= tx_lock_time && self.tx.input[self.input].sequence.0 != SEQUENCE_FINAL
    }

    fn check_sequence(&self, sequence: i64) -> bool {
        let tx_sequence = i64::from(self.tx.input[self.input].sequence.0);
        if (self.tx.version as u32) < 2 || tx_sequence & SEQUENCE_LOCKTIME_DISABLE_FLAG != 0 {
            return false;
        }
        let mask = SEQUENCE_LOCKTIME_TYPE_FLAG | SEQUENCE_LOCKTIME_MASK;
        let (tx_masked, masked) = (tx_sequence & mask, sequence & mask);
        let same_kind = (tx_masked < SEQUENCE_LOCKTIME_TYPE_FLAG) == (masked < SEQUENCE_LOCKTIME_TYPE_FLAG);
        same_kind && masked <= tx_masked
    }
}
