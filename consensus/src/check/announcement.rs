//! Announcement rules that need the body or the chain (DESIGN.md section 4):
//! strict body decoding, the transaction proof of work, the identity's
//! BIP340 signature bound to input 0, and the identity's proof of work for
//! its role at the block's height. Cheaper rules run first; identity hashes
//! (one Argon2id each) are cached.

use std::collections::HashMap;
use std::sync::Mutex;

use argon2::{Algorithm, Argon2, Version};
use bitcoin::hashes::{sha256, sha256d, Hash, HashEngine};
use bitcoin::secp256k1::{schnorr, Message, Secp256k1, VerifyOnly, XOnlyPublicKey};
use num_bigint::BigUint;
use primitives::market::{Identity, MarketBody, Role, SignedBody};
use primitives::{AnnouncementBody, AnnouncementKind, Block, Transaction};

use crate::error::{BlockError, TxError};
use crate::params::ChainParams;
use crate::target::{from_compact, hash_to_number};

const IDENTITY_SALT: &[u8] = b"zennet-identity-v1";
const ARGON2_M_COST: u32 = 4096;

/// Argon2id of an identity: the number compared with the role's target.
pub fn identity_pow_hash(identity: &Identity) -> [u8; 32] {
    let params = argon2::Params::new(ARGON2_M_COST, 1, 1, Some(32)).expect("valid argon2id parameters");
    let mut out = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(&identity.to_bytes(), IDENTITY_SALT, &mut out)
        .expect("41-byte password and 18-byte salt are valid");
    out
}

/// The identity target of `role` at `height`: the network's starting target,
/// halved every `identity_halving_interval` blocks (Moore's law).
pub fn identity_target(params: &ChainParams, role: Role, height: u32) -> BigUint {
    let start = match role {
        Role::Publisher => &params.market.publisher_identity_target,
        Role::Node => &params.market.node_identity_target,
    };
    start >> (height / params.market.identity_halving_interval)
}

/// SHA256d(txid ‖ nonce), the transaction proof of work.
pub fn tx_pow_hash(tx: &Transaction, nonce: u64) -> [u8; 32] {
    let mut engine = sha256d::Hash::engine();
    engine.input(tx.txid().as_byte_array());
    engine.input(&nonce.to_le_bytes());
    sha256d::Hash::from_engine(engine).to_byte_array()
}

/// Whether SHA256d(txid ‖ nonce) meets compact target `bits`.
pub fn meets_tx_pow(tx: &Transaction, nonce: u64, bits: u32) -> bool {
    from_compact(bits).is_some_and(|target| hash_to_number(&tx_pow_hash(tx, nonce)) <= target)
}

/// BIP340's TaggedHash(tag, message).
pub fn tagged_hash(tag: &str, message: &[u8]) -> [u8; 32] {
    let tag_hash = sha256::Hash::hash(tag.as_bytes());
    let mut engine = sha256::Hash::engine();
    engine.input(tag_hash.as_byte_array());
    engine.input(tag_hash.as_byte_array());
    engine.input(message);
    sha256::Hash::from_engine(engine).to_byte_array()
}

/// The message an identity signs: TaggedHash(tag, body-without-signature ‖ outpoint of input 0).
pub fn body_signature_message(body: &MarketBody, tx: &Transaction) -> [u8; 32] {
    let mut message = body.encode_unsigned();
    if let Some(first) = tx.input.first() {
        message.extend_from_slice(first.previous_output.txid.as_byte_array());
        message.extend_from_slice(&first.previous_output.vout.to_le_bytes());
    }
    tagged_hash(body.signature_tag(), &message)
}

fn secp() -> &'static Secp256k1<VerifyOnly> {
    static CONTEXT: std::sync::OnceLock<Secp256k1<VerifyOnly>> = std::sync::OnceLock::new();
    CONTEXT.get_or_init(Secp256k1::verification_only)
}

/// Verified identity hashes, bounded.
pub struct IdentityCache {
    entries: Mutex<HashMap<[u8; 41], [u8; 32]>>,
    capacity: usize,
}

impl IdentityCache {
    pub fn new(capacity: usize) -> Self {
        IdentityCache { entries: Mutex::new(HashMap::new()), capacity: capacity.max(1) }
    }

    fn pow_hash(&self, identity: &Identity) -> [u8; 32] {
        let key = identity.to_bytes();
        if let Some(hash) = self.entries.lock().ok().and_then(|e| e.get(&key).copied()) {
            return hash;
        }
        let hash = identity_pow_hash(identity);
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity {
                if let Some(victim) = entries.keys().next().copied() {
                    entries.remove(&victim);
                }
            }
            entries.insert(key, hash);
        }
        hash
    }
}

fn required_role(kind: AnnouncementKind) -> Role {
    match kind {
        AnnouncementKind::Acceptance => Role::Node,
        AnnouncementKind::Task | AnnouncementKind::Cancel => Role::Publisher,
    }
}

/// The announcement rules for one transaction included at `height`, with the
/// best known header at `best_header_height` (for pruned bodies).
pub fn check_announcement(
    tx: &Transaction,
    height: u32,
    best_header_height: u32,
    params: &ChainParams,
    cache: Option<&IdentityCache>,
) -> Result<(), TxError> {
    let Some(ann) = &tx.announcement else {
        return Ok(());
    };
    let Some(kind) = ann.known_kind() else {
        return Err(TxError::AnnouncementKind { kind: ann.kind });
    };
    let min_bits = match kind {
        AnnouncementKind::Task => Some(params.market.task_pow_bits),
        AnnouncementKind::Acceptance => Some(params.market.accept_pow_bits),
        AnnouncementKind::Cancel => None,
    };
    if let Some(bits) = min_bits {
        if !meets_tx_pow(tx, ann.nonce, bits) {
            return Err(TxError::AnnouncementTxPow);
        }
    }
    let body = match &ann.body {
        AnnouncementBody::Full(body) => body,
        AnnouncementBody::Pruned { .. } => {
            // Body rules cannot be checked; only an expired announcement may come pruned.
            let expired_at = u64::from(height) + u64::from(ann.expiry);
            if expired_at > u64::from(best_header_height) {
                return Err(TxError::AnnouncementPrunedUnexpired { expires_at: expired_at });
            }
            return Ok(());
        }
    };
    let signed =
        SignedBody::decode(kind, body).map_err(|e| TxError::AnnouncementBodyDecode { reason: e.to_string() })?;
    let signer = signed.body.signer();
    let message = Message::from_digest(body_signature_message(&signed.body, tx));
    let valid_signature =
        match (XOnlyPublicKey::from_slice(&signer.pubkey), schnorr::Signature::from_slice(&signed.signature)) {
            (Ok(key), Ok(sig)) => secp().verify_schnorr(&sig, &message, &key).is_ok(),
            _ => false,
        };
    if !valid_signature {
        return Err(TxError::AnnouncementIdentitySignature);
    }
    let role = required_role(kind);
    if signer.known_role() != Some(role) {
        return Err(TxError::AnnouncementIdentityPow);
    }
    let hash = match cache {
        Some(cache) => cache.pow_hash(signer),
        None => identity_pow_hash(signer),
    };
    if hash_to_number(&hash) > identity_target(params, role, height) {
        return Err(TxError::AnnouncementIdentityPow);
    }
    Ok(())
}

/// [`check_announcement`] for every transaction of a block at `height`.
pub fn check_block_announcements(
    block: &Block,
    height: u32,
    best_header_height: u32,
    params: &ChainParams,
    cache: Option<&IdentityCache>,
) -> Result<(), BlockError> {
    for (index, tx) in block.txdata.iter().enumerate().filter(|(_, tx)| tx.is_announcement()) {
        check_announcement(tx, height, best_header_height, params, cache).map_err(|error| BlockError::Transaction {
            index,
            txid: tx.txid(),
            error,
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
