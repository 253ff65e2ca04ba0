//! Signature hashes: legacy (Core's `CTransactionSignatureSerializer`),
//! BIP143 for segwit v0, and Zennet's announcement variant of BIP143, whose
//! `hashOutputs` is SHA256d(kind ‖ expiry ‖ body_len ‖ SHA256(body)).

use bitcoin::hashes::{sha256d, Hash, HashEngine};
use primitives::encode::{write_compact_size, write_var_bytes};
use primitives::Transaction;

use crate::opcodes::{next_op, OP_CODESEPARATOR};

pub const SIGHASH_ALL: u32 = 1;
pub const SIGHASH_NONE: u32 = 2;
pub const SIGHASH_SINGLE: u32 = 3;
pub const SIGHASH_ANYONECANPAY: u32 = 0x80;

/// The hashes BIP143 shares across a transaction's inputs.
#[derive(Debug, Clone)]
pub struct PrecomputedTransactionData {
    hash_prevouts: [u8; 32],
    hash_sequence: [u8; 32],
    /// For an announcement: the announcement commitment.
    hash_outputs: [u8; 32],
    /// BIP341's hashes and the spent outputs, when known (taproot spends need them).
    pub taproot: Option<Box<(crate::taproot::TaprootPrecomputed, Vec<primitives::TxOut>)>>,
}

fn sha256d(data: &[u8]) -> [u8; 32] {
    sha256d::Hash::hash(data).to_byte_array()
}

fn write_output(out: &mut Vec<u8>, tx: &Transaction, index: usize) {
    let txout = &tx.output[index];
    out.extend_from_slice(&txout.value.to_sat().to_le_bytes());
    write_var_bytes(out, txout.script_pubkey.as_bytes());
}

impl PrecomputedTransactionData {
    pub fn new(tx: &Transaction) -> Self {
        let mut prevouts = Vec::with_capacity(36 * tx.input.len());
        let mut sequences = Vec::with_capacity(4 * tx.input.len());
        for txin in &tx.input {
            prevouts.extend_from_slice(txin.previous_output.txid.as_byte_array());
            prevouts.extend_from_slice(&txin.previous_output.vout.to_le_bytes());
            sequences.extend_from_slice(&txin.sequence.0.to_le_bytes());
        }
        let hash_outputs = match &tx.announcement {
            Some(ann) => sha256d(&ann.commitment_preimage()),
            None => {
                let mut outputs = Vec::new();
                for i in 0..tx.output.len() {
                    write_output(&mut outputs, tx, i);
                }
                sha256d(&outputs)
            }
        };
        PrecomputedTransactionData {
            hash_prevouts: sha256d(&prevouts),
            hash_sequence: sha256d(&sequences),
            hash_outputs,
            taproot: None,
        }
    }

    /// With the outputs the inputs spend, so that taproot signatures can
    /// be checked (BIP341 commits to all of them).
    pub fn with_spent(tx: &Transaction, spent: &[primitives::TxOut]) -> Self {
        let mut data = PrecomputedTransactionData::new(tx);
        data.taproot = Some(Box::new((crate::taproot::TaprootPrecomputed::new(tx, spent), spent.to_vec())));
        data
    }
}

/// Core's `SerializeScriptCode`: the script with OP_CODESEPARATORs removed,
/// reproducing Core's treatment of a script that ends inside a push (the
/// length counts the whole script, the bytes stop where parsing failed).
fn write_script_code(out: &mut Vec<u8>, script: &[u8]) {
    let mut separators = 0;
    let mut pc = 0;
    while let Some(op) = next_op(script, &mut pc) {
        if op.opcode == OP_CODESEPARATOR {
            separators += 1;
        }
    }
    write_compact_size(out, (script.len() - separators) as u64);
    let mut begin = 0;
    let mut pc = 0;
    while let Some(op) = next_op(script, &mut pc) {
        if op.opcode == OP_CODESEPARATOR {
            out.extend_from_slice(&script[begin..pc - 1]);
            begin = pc;
        }
    }
    if begin != script.len() {
        out.extend_from_slice(&script[begin..pc.min(script.len())]);
    }
}

/// The legacy signature hash. `hash_type` is the full 32-bit value
/// serialized at the end; its low 5 bits and 0x80 select what is signed.
pub fn legacy_sighash(tx: &Transaction, input_index: usize, script_code: &[u8], hash_type: i32) -> [u8; 32] {
    let mut one = [0u8; 32];
    one[0] = 1;
    let base = hash_type as u32 & 0x1f;
    let anyone_can_pay = hash_type as u32 & SIGHASH_ANYONECANPAY != 0;
    if input_index >= tx.input.len() || (base == SIGHASH_SINGLE && input_index >= tx.output.len()) {
        return one;
    }
    let mut out = Vec::with_capacity(256);
    out.extend_from_slice(&tx.version.to_le_bytes());
    let inputs: Vec<usize> = if anyone_can_pay { vec![input_index] } else { (0..tx.input.len()).collect() };
    write_compact_size(&mut out, inputs.len() as u64);
    for i in inputs {
        let txin = &tx.input[i];
        out.extend_from_slice(txin.previous_output.txid.as_byte_array());
        out.extend_from_slice(&txin.previous_output.vout.to_le_bytes());
        if i == input_index {
            write_script_code(&mut out, script_code);
        } else {
            out.push(0);
        }
        let sequence =
            if i != input_index && (base == SIGHASH_NONE || base == SIGHASH_SINGLE) { 0 } else { txin.sequence.0 };
        out.extend_from_slice(&sequence.to_le_bytes());
    }
    let outputs = match base {
        SIGHASH_NONE => 0,
        SIGHASH_SINGLE => input_index + 1,
        _ => tx.output.len(),
    };
    write_compact_size(&mut out, outputs as u64);
    for j in 0..outputs {
        if base == SIGHASH_SINGLE && j != input_index {
            out.extend_from_slice(&u64::MAX.to_le_bytes());
            out.push(0);
        } else {
            write_output(&mut out, tx, j);
        }
    }
    out.extend_from_slice(&tx.lock_time.to_le_bytes());
    out.extend_from_slice(&hash_type.to_le_bytes());
    sha256d(&out)
}

/// BIP143 (and, for an announcement, its commitment in place of hashOutputs).
pub fn segwit_v0_sighash(
    tx: &Transaction,
    input_index: usize,
    script_code: &[u8],
    amount: u64,
    hash_type: u32,
    precomputed: &PrecomputedTransactionData,
) -> [u8; 32] {
    let base = hash_type & 0x1f;
    let anyone_can_pay = hash_type & SIGHASH_ANYONECANPAY != 0;
    let zero = [0u8; 32];
    let hash_prevouts = if anyone_can_pay { zero } else { precomputed.hash_prevouts };
    let hash_sequence = if !anyone_can_pay && base != SIGHASH_SINGLE && base != SIGHASH_NONE {
        precomputed.hash_sequence
    } else {
        zero
    };
    let hash_outputs = if tx.announcement.is_some() || (base != SIGHASH_SINGLE && base != SIGHASH_NONE) {
        precomputed.hash_outputs
    } else if base == SIGHASH_SINGLE && input_index < tx.output.len() {
        let mut one = Vec::new();
        write_output(&mut one, tx, input_index);
        sha256d(&one)
    } else {
        zero
    };
    let txin = &tx.input[input_index];
    let mut engine = sha256d::Hash::engine();
    engine.input(&tx.version.to_le_bytes());
    engine.input(&hash_prevouts);
    engine.input(&hash_sequence);
    engine.input(txin.previous_output.txid.as_byte_array());
    engine.input(&txin.previous_output.vout.to_le_bytes());
    let mut code = Vec::with_capacity(script_code.len() + 3);
    write_var_bytes(&mut code, script_code);
    engine.input(&code);
    engine.input(&amount.to_le_bytes());
    engine.input(&txin.sequence.0.to_le_bytes());
    engine.input(&hash_outputs);
    engine.input(&tx.lock_time.to_le_bytes());
    engine.input(&hash_type.to_le_bytes());
    sha256d::Hash::from_engine(engine).to_byte_array()
}

#[cfg(test)]
mod tests;
