//! BIP340/341 building blocks: the taproot signature message and hash
//! (with the per-transaction SHA256s computed once), tap leaf and branch
//! hashes, the tweaked output key, and Schnorr verification as the
//! interpreter will use it. The interpreter's witness v1 rules (BIP341
//! spending paths, BIP342 tapscript) build on these.

use bitcoin::hashes::{sha256, Hash, HashEngine};
use bitcoin::secp256k1::{schnorr, Message, Parity, Scalar, Secp256k1, Verification, XOnlyPublicKey};
use primitives::encode::write_compact_size;
use primitives::{Transaction, TxOut};

/// Leaf version of BIP342 tapscript.
pub const TAPSCRIPT_LEAF_VERSION: u8 = 0xc0;

/// BIP340's `TaggedHash(tag, data)`.
pub fn tagged_hash(tag: &str, parts: &[&[u8]]) -> [u8; 32] {
    let tag_hash = sha256::Hash::hash(tag.as_bytes());
    let mut engine = sha256::Hash::engine();
    engine.input(tag_hash.as_byte_array());
    engine.input(tag_hash.as_byte_array());
    for part in parts {
        engine.input(part);
    }
    sha256::Hash::from_engine(engine).to_byte_array()
}

fn sha256(data: &[u8]) -> [u8; 32] {
    sha256::Hash::hash(data).to_byte_array()
}

/// The SHA256s BIP341 commits to, computed once per transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaprootPrecomputed {
    pub sha_prevouts: [u8; 32],
    pub sha_amounts: [u8; 32],
    pub sha_scriptpubkeys: [u8; 32],
    pub sha_sequences: [u8; 32],
    pub sha_outputs: [u8; 32],
}

fn write_txout(out: &mut Vec<u8>, txout: &TxOut) {
    out.extend_from_slice(&txout.value.to_sat().to_le_bytes());
    write_compact_size(out, txout.script_pubkey.len() as u64);
    out.extend_from_slice(txout.script_pubkey.as_bytes());
}

impl TaprootPrecomputed {
    /// `spent` holds the output each input spends, in input order.
    pub fn new(tx: &Transaction, spent: &[TxOut]) -> TaprootPrecomputed {
        let mut prevouts = Vec::with_capacity(36 * tx.input.len());
        let mut sequences = Vec::with_capacity(4 * tx.input.len());
        for input in &tx.input {
            prevouts.extend_from_slice(input.previous_output.txid.as_byte_array());
            prevouts.extend_from_slice(&input.previous_output.vout.to_le_bytes());
            sequences.extend_from_slice(&input.sequence.0.to_le_bytes());
        }
        let mut amounts = Vec::with_capacity(8 * spent.len());
        let mut scripts = Vec::new();
        for out in spent {
            amounts.extend_from_slice(&out.value.to_sat().to_le_bytes());
            write_compact_size(&mut scripts, out.script_pubkey.len() as u64);
            scripts.extend_from_slice(out.script_pubkey.as_bytes());
        }
        let mut outputs = Vec::new();
        for out in &tx.output {
            write_txout(&mut outputs, out);
        }
        TaprootPrecomputed {
            sha_prevouts: sha256(&prevouts),
            sha_amounts: sha256(&amounts),
            sha_scriptpubkeys: sha256(&scripts),
            sha_sequences: sha256(&sequences),
            sha_outputs: sha256(&outputs),
        }
    }
}

/// What a script-path (tapscript) signature also commits to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScriptPath {
    pub leaf_hash: [u8; 32],
    /// Position of the last executed OP_CODESEPARATOR (0xffffffff: none).
    pub codesep_pos: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TaprootSighashError {
    #[error("invalid taproot sighash type {0:#04x}")]
    HashType(u8),
    #[error("SIGHASH_SINGLE for input {0} without a matching output")]
    NoSingleOutput(usize),
    #[error("input {0} is out of range, or its spent output is missing")]
    Input(usize),
}

/// BIP341's `SigMsg(hash_type, ext_flag)`, without the epoch byte.
pub fn signature_message(
    tx: &Transaction,
    input: usize,
    spent: &[TxOut],
    pre: &TaprootPrecomputed,
    hash_type: u8,
    annex: Option<&[u8]>,
    script_path: Option<&ScriptPath>,
) -> Result<Vec<u8>, TaprootSighashError> {
    if !matches!(hash_type, 0x00..=0x03 | 0x81..=0x83) {
        return Err(TaprootSighashError::HashType(hash_type));
    }
    let txin = tx.input.get(input).ok_or(TaprootSighashError::Input(input))?;
    let prevout = spent.get(input).ok_or(TaprootSighashError::Input(input))?;
    let anyone_can_pay = hash_type & 0x80 != 0;
    let output_type = if hash_type == 0 { 1 } else { hash_type & 0x03 };
    let mut m = Vec::with_capacity(256);
    m.push(hash_type);
    m.extend_from_slice(&tx.version.to_le_bytes());
    m.extend_from_slice(&tx.lock_time.to_le_bytes());
    if !anyone_can_pay {
        m.extend_from_slice(&pre.sha_prevouts);
        m.extend_from_slice(&pre.sha_amounts);
        m.extend_from_slice(&pre.sha_scriptpubkeys);
        m.extend_from_slice(&pre.sha_sequences);
    }
    if output_type != 2 && output_type != 3 {
        m.extend_from_slice(&pre.sha_outputs);
    }
    let ext_flag = u8::from(script_path.is_some());
    m.push(ext_flag * 2 + u8::from(annex.is_some()));
    if anyone_can_pay {
        m.extend_from_slice(txin.previous_output.txid.as_byte_array());
        m.extend_from_slice(&txin.previous_output.vout.to_le_bytes());
        write_txout(&mut m, prevout);
        m.extend_from_slice(&txin.sequence.0.to_le_bytes());
    } else {
        m.extend_from_slice(&(input as u32).to_le_bytes());
    }
    if let Some(annex) = annex {
        let mut bytes = Vec::with_capacity(annex.len() + 3);
        write_compact_size(&mut bytes, annex.len() as u64);
        bytes.extend_from_slice(annex);
        m.extend_from_slice(&sha256(&bytes));
    }
    if output_type == 3 {
        let out = tx.output.get(input).ok_or(TaprootSighashError::NoSingleOutput(input))?;
        let mut bytes = Vec::new();
        write_txout(&mut bytes, out);
        m.extend_from_slice(&sha256(&bytes));
    }
    if let Some(path) = script_path {
        m.extend_from_slice(&path.leaf_hash);
        m.push(0x00); // key_version
        m.extend_from_slice(&path.codesep_pos.to_le_bytes());
    }
    Ok(m)
}

/// `TaggedHash("TapSighash", 0x00 ‖ SigMsg)`.
pub fn signature_hash(
    tx: &Transaction,
    input: usize,
    spent: &[TxOut],
    pre: &TaprootPrecomputed,
    hash_type: u8,
    annex: Option<&[u8]>,
    script_path: Option<&ScriptPath>,
) -> Result<[u8; 32], TaprootSighashError> {
    let message = signature_message(tx, input, spent, pre, hash_type, annex, script_path)?;
    Ok(tagged_hash("TapSighash", &[&[0x00], &message]))
}

/// `TaggedHash("TapLeaf", leaf_version ‖ compact_size(script) ‖ script)`.
pub fn tap_leaf_hash(leaf_version: u8, script: &[u8]) -> [u8; 32] {
    let mut prefix = vec![leaf_version];
    write_compact_size(&mut prefix, script.len() as u64);
    tagged_hash("TapLeaf", &[&prefix, script])
}

/// `TaggedHash("TapBranch", min(a, b) ‖ max(a, b))`.
pub fn tap_branch_hash(a: &[u8; 32], b: &[u8; 32]) -> [u8; 32] {
    if a <= b {
        tagged_hash("TapBranch", &[a, b])
    } else {
        tagged_hash("TapBranch", &[b, a])
    }
}

/// `TaggedHash("TapTweak", internal ‖ merkle_root)` (no root for a key-only output).
pub fn tap_tweak(internal: &XOnlyPublicKey, merkle_root: Option<&[u8; 32]>) -> [u8; 32] {
    match merkle_root {
        Some(root) => tagged_hash("TapTweak", &[&internal.serialize(), root]),
        None => tagged_hash("TapTweak", &[&internal.serialize()]),
    }
}

/// The output key `internal + tweak·G` and its parity, or `None` when the
/// tweak is out of range (negligible).
pub fn output_key<C: Verification>(
    secp: &Secp256k1<C>,
    internal: &XOnlyPublicKey,
    merkle_root: Option<&[u8; 32]>,
) -> Option<(XOnlyPublicKey, Parity)> {
    let tweak = Scalar::from_be_bytes(tap_tweak(internal, merkle_root)).ok()?;
    internal.add_tweak(secp, &tweak).ok()
}

/// Whether a BIP340 signature of a 32-byte message verifies under `pubkey`.
pub fn verify_schnorr<C: Verification>(
    secp: &Secp256k1<C>,
    pubkey: &[u8; 32],
    message: &[u8; 32],
    sig: &[u8; 64],
) -> bool {
    let Ok(key) = XOnlyPublicKey::from_slice(pubkey) else { return false };
    let Ok(sig) = schnorr::Signature::from_slice(sig) else { return false };
    secp.verify_schnorr(&sig, &Message::from_digest(*message), &key).is_ok()
}
