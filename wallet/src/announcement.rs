//! Building announcements: mine an identity for a role, sign a body bound to
//! input 0, build and sign the (output-less) transaction, grind its
//! proof of work. Pure: no storage, no clock.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use bitcoin::secp256k1::{Keypair, Message, Secp256k1, SecretKey};
use consensus::check::announcement::{body_signature_message, identity_pow_hash, meets_tx_pow};
use consensus::target::BigUint;
use primitives::market::{Identity, MarketBody, Role, SignedBody};
use primitives::{Announcement, AnnouncementBody, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};

use crate::sign::{sign_inputs, InputKey, SignError};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum BuildError {
    #[error("an announcement needs at least one input")]
    NoInputs,
    #[error("input {0} is not a P2WPKH output of the given key")]
    NotP2wpkh(usize),
    #[error("cancelled")]
    Cancelled,
    #[error("the proof-of-work target is not a valid compact number")]
    BadTarget,
}

/// Searches nonces for an identity of `role` whose Argon2id hash meets
/// `target`, on `threads` threads. `progress` is told the hashes tried so
/// far; setting `cancel` stops the search.
pub fn mine_identity(
    role: Role,
    key: &Keypair,
    target: &BigUint,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<Identity, BuildError> {
    let pubkey = key.x_only_public_key().0.serialize();
    let target = target_bytes(target).ok_or(BuildError::BadTarget)?;
    let tried = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let found: std::sync::Mutex<Option<Identity>> = std::sync::Mutex::new(None);
    let threads = threads.max(1) as u64;
    std::thread::scope(|scope| {
        for start in 0..threads {
            let (tried, found, done) = (&tried, &found, &done);
            scope.spawn(move || {
                let mut nonce = start;
                while !cancel.load(Ordering::Relaxed) && !done.load(Ordering::Relaxed) {
                    let identity = Identity { role: role as u8, pubkey, nonce };
                    let hit = hash_meets(&identity_pow_hash(&identity), &target);
                    let n = tried.fetch_add(1, Ordering::Relaxed) + 1;
                    if n % 16 == 0 {
                        progress(n);
                    }
                    if hit {
                        if let Ok(mut slot) = found.lock() {
                            slot.get_or_insert(identity);
                        }
                        done.store(true, Ordering::Relaxed);
                        return;
                    }
                    nonce += threads;
                }
            });
        }
    });
    progress(tried.load(Ordering::Relaxed));
    found.into_inner().ok().flatten().ok_or(BuildError::Cancelled)
}

/// Signs `body` with the identity key, bound to the outpoint input 0 will spend.
pub fn sign_body(body: MarketBody, key: &Keypair, first_input: OutPoint) -> SignedBody {
    let probe = Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: first_input,
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: vec![],
        announcement: None,
        lock_time: 0,
    };
    let message = Message::from_digest(body_signature_message(&body, &probe));
    let signature = Secp256k1::new().sign_schnorr_no_aux_rand(&message, key).serialize();
    SignedBody { body, signature }
}

/// A coin to spend: where it is, what it holds, and the key of its P2WPKH output.
pub struct Funding {
    pub outpoint: OutPoint,
    pub output: TxOut,
    pub key: SecretKey,
}

/// Builds the announcement transaction (no outputs: the inputs are the fee)
/// and signs every P2WPKH input under the announcement sighash rule. The
/// nonce is left at zero; grind it with [`grind_tx_pow`].
pub fn build_announcement(
    funding: &[Funding],
    signed_body: &SignedBody,
    expiry: u32,
    lock_time: u32,
) -> Result<Transaction, BuildError> {
    if funding.is_empty() {
        return Err(BuildError::NoInputs);
    }
    let secp = Secp256k1::new();
    let mut tx = Transaction {
        version: 2,
        input: funding
            .iter()
            .map(|f| TxIn {
                previous_output: f.outpoint,
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            })
            .collect(),
        output: vec![],
        announcement: Some(Announcement {
            kind: signed_body.body.kind() as u8,
            expiry,
            body: AnnouncementBody::Full(signed_body.encode()),
            nonce: 0,
        }),
        lock_time,
    };
    let inputs: Vec<InputKey<'_>> = funding
        .iter()
        .map(|f| InputKey {
            value: f.output.value.to_sat(),
            script_pubkey: f.output.script_pubkey.as_bytes(),
            key: f.key,
        })
        .collect();
    sign_inputs(&secp, &mut tx, &inputs).map_err(|e| match e {
        SignError::NotP2wpkh(i) | SignError::MissingKey(i) => BuildError::NotP2wpkh(i),
    })?;
    Ok(tx)
}

/// A target as 32 little-endian bytes, so that a hash is compared without
/// building a big number (the grind loops compare millions a second).
pub fn target_bytes(target: &BigUint) -> Option<[u8; 32]> {
    let bytes = target.to_bytes_le();
    if bytes.len() > 32 {
        return Some([0xff; 32]);
    }
    let mut out = [0u8; 32];
    out[..bytes.len()].copy_from_slice(&bytes);
    Some(out)
}

/// Whether a little-endian hash is at most a little-endian target.
pub fn hash_meets(hash: &[u8; 32], target: &[u8; 32]) -> bool {
    for i in (0..32).rev() {
        if hash[i] != target[i] {
            return hash[i] < target[i];
        }
    }
    true
}

/// Finds a nonce meeting compact target `bits` and stores it in the
/// announcement (the signatures stay valid: the nonce is signed by nothing).
pub fn grind_tx_pow(tx: &mut Transaction, bits: u32, cancel: &AtomicBool) -> Result<u64, BuildError> {
    grind_tx_pow_threads(tx, bits, 1, &|_| {}, cancel)
}

/// [`grind_tx_pow`] on `threads` threads; `progress` is told the hashes
/// tried so far. The txid is hashed once: each try is one SHA256d of 40 bytes.
pub fn grind_tx_pow_threads(
    tx: &mut Transaction,
    bits: u32,
    threads: usize,
    progress: &(dyn Fn(u64) + Sync),
    cancel: &AtomicBool,
) -> Result<u64, BuildError> {
    use bitcoin::hashes::{sha256d, Hash, HashEngine};
    let target = consensus::target::from_compact(bits).and_then(|t| target_bytes(&t)).ok_or(BuildError::BadTarget)?;
    let txid = tx.txid();
    let mut prefix = sha256d::Hash::engine();
    prefix.input(txid.as_byte_array());
    let tried = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let found = std::sync::Mutex::new(None::<u64>);
    let threads = threads.max(1) as u64;
    std::thread::scope(|scope| {
        for start in 0..threads {
            let (tried, done, found, prefix) = (&tried, &done, &found, prefix.clone());
            scope.spawn(move || {
                let mut nonce = start;
                let mut local = 0u64;
                loop {
                    // Check for a stop every 4096 tries: cheap, and prompt enough.
                    for _ in 0..4096 {
                        let mut engine = prefix.clone();
                        engine.input(&nonce.to_le_bytes());
                        let hash = sha256d::Hash::from_engine(engine).to_byte_array();
                        if hash_meets(&hash, &target) {
                            if let Ok(mut slot) = found.lock() {
                                slot.get_or_insert(nonce);
                            }
                            done.store(true, Ordering::Relaxed);
                            // The hit counts as a hash tried.
                            tried.fetch_add(local + 1, Ordering::Relaxed);
                            return;
                        }
                        nonce = nonce.wrapping_add(threads);
                        local += 1;
                    }
                    let total = tried.fetch_add(local, Ordering::Relaxed) + local;
                    local = 0;
                    progress(total);
                    if done.load(Ordering::Relaxed) || cancel.load(Ordering::Relaxed) {
                        return;
                    }
                }
            });
        }
    });
    let nonce = found.into_inner().ok().flatten().ok_or(BuildError::Cancelled)?;
    progress(tried.load(Ordering::Relaxed));
    if let Some(ann) = tx.announcement.as_mut() {
        ann.nonce = nonce;
    }
    debug_assert!(meets_tx_pow(tx, nonce, bits));
    Ok(nonce)
}

#[cfg(test)]
mod tests;
