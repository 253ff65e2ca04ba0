//! Standard output templates (Core's `Solver`), for policy and RPC.

use crate::opcodes::*;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OutputType {
    NonStandard,
    PubKey,
    PubKeyHash,
    ScriptHash,
    Multisig { required: u8, keys: u8 },
    NullData,
    WitnessV0KeyHash,
    WitnessV0ScriptHash,
    WitnessV1Taproot,
    WitnessUnknown,
}

impl OutputType {
    /// Core's `GetTxnOutputType` names.
    pub fn name(&self) -> &'static str {
        match self {
            OutputType::NonStandard => "nonstandard",
            OutputType::PubKey => "pubkey",
            OutputType::PubKeyHash => "pubkeyhash",
            OutputType::ScriptHash => "scripthash",
            OutputType::Multisig { .. } => "multisig",
            OutputType::NullData => "nulldata",
            OutputType::WitnessV0KeyHash => "witness_v0_keyhash",
            OutputType::WitnessV0ScriptHash => "witness_v0_scripthash",
            OutputType::WitnessV1Taproot => "witness_v1_taproot",
            OutputType::WitnessUnknown => "witness_unknown",
        }
    }
}

fn is_pubkey(data: &[u8]) -> bool {
    (data.len() == 33 && matches!(data[0], 2 | 3)) || (data.len() == 65 && data[0] == 4)
}

/// Recognises the standard templates.
pub fn classify(script: &[u8]) -> OutputType {
    if is_p2sh(script) {
        return OutputType::ScriptHash;
    }
    if let Some((version, program)) = witness_program(script) {
        return match (version, program.len()) {
            (0, 20) => OutputType::WitnessV0KeyHash,
            (0, 32) => OutputType::WitnessV0ScriptHash,
            (1, 32) => OutputType::WitnessV1Taproot,
            (0, _) => OutputType::NonStandard,
            _ => OutputType::WitnessUnknown,
        };
    }
    if script.first() == Some(&OP_RETURN) && is_push_only(&script[1..]) {
        return OutputType::NullData;
    }
    match script {
        [33, key @ .., OP_CHECKSIG] | [65, key @ .., OP_CHECKSIG] if is_pubkey(key) => return OutputType::PubKey,
        [OP_DUP, OP_HASH160, 20, hash @ .., OP_EQUALVERIFY, OP_CHECKSIG] if hash.len() == 20 => {
            return OutputType::PubKeyHash
        }
        _ => {}
    }
    classify_multisig(script).unwrap_or(OutputType::NonStandard)
}

fn classify_multisig(script: &[u8]) -> Option<OutputType> {
    let (&last, body) = script.split_last()?;
    if last != OP_CHECKMULTISIG {
        return None;
    }
    let mut pc = 0;
    let first = next_op(body, &mut pc)?;
    if !(OP_1..=OP_16).contains(&first.opcode) {
        return None;
    }
    let mut keys = 0u8;
    loop {
        let op = next_op(body, &mut pc)?;
        if (OP_1..=OP_16).contains(&op.opcode) && pc == body.len() {
            let n = op.opcode - OP_1 + 1;
            let m = first.opcode - OP_1 + 1;
            return (n == keys && m <= n).then_some(OutputType::Multisig { required: m, keys: n });
        }
        if !is_pubkey(op.data) {
            return None;
        }
        keys += 1;
    }
}
