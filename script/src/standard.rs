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

/// Largest standard scriptSig (Core: a 15-of-15 P2SH multisig spend fits).
pub const MAX_STANDARD_SCRIPTSIG_SIZE: usize = 1650;
/// Largest standard OP_RETURN output script (Core's `-datacarriersize` default + 3).
pub const MAX_OP_RETURN_RELAY: usize = 83;

/// Core's `IsStandard` for an output script: a known template, bare
/// multisig of at most three keys, OP_RETURN data within the relay limit.
/// Returns the reject reason when it is not.
pub fn check_standard_output(script: &[u8]) -> Result<OutputType, &'static str> {
    check_standard_output_with(script, Some(MAX_OP_RETURN_RELAY))
}

/// [`check_standard_output`] with `-datacarriersize` (None: `-datacarrier=0`,
/// no OP_RETURN output is standard).
pub fn check_standard_output_with(script: &[u8], max_datacarrier: Option<usize>) -> Result<OutputType, &'static str> {
    match classify(script) {
        OutputType::NonStandard => Err("scriptpubkey"),
        OutputType::Multisig { required, keys } if !(1..=3).contains(&keys) || required < 1 || required > keys => {
            Err("scriptpubkey")
        }
        OutputType::NullData if max_datacarrier.is_none_or(|max| script.len() > max) => Err("scriptpubkey"),
        other => Ok(other),
    }
}

/// The witness version of an output whose program this node does not
/// enforce (anything but v0 with a 20- or 32-byte program and v1 with a
/// 32-byte one): such an output
/// is anyone-can-spend, so its spends are refused by policy
/// (DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM) and the wallet will not pay to it.
pub fn unenforced_witness_version(script: &[u8]) -> Option<u8> {
    match witness_program(script) {
        Some((0, program)) if program.len() == 20 || program.len() == 32 => None,
        // Taproot (BIP341), enforced from genesis.
        Some((1, program)) if program.len() == 32 => None,
        Some((version, _)) => Some(version),
        None => None,
    }
}

/// Core's scriptSig standardness: small and push-only.
pub fn check_standard_script_sig(script_sig: &[u8]) -> Result<(), &'static str> {
    if script_sig.len() > MAX_STANDARD_SCRIPTSIG_SIZE {
        return Err("scriptsig-size");
    }
    if !is_push_only(script_sig) {
        return Err("scriptsig-not-pushonly");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn h(s: &str) -> Vec<u8> {
        s.bytes()
            .collect::<Vec<_>>()
            .chunks(2)
            .map(|c| u8::from_str_radix(std::str::from_utf8(c).unwrap(), 16).unwrap())
            .collect()
    }

    #[test]
    fn templates() {
        let key = format!("21{}", "02".repeat(33));
        assert_eq!(classify(&h("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac")), OutputType::PubKeyHash);
        assert_eq!(classify(&h("a914751e76e8199196d454941c45d1b3a323f1433bd687")), OutputType::ScriptHash);
        assert_eq!(classify(&h("0014751e76e8199196d454941c45d1b3a323f1433bd6")), OutputType::WitnessV0KeyHash);
        assert_eq!(classify(&h(&format!("0020{}", "11".repeat(32)))), OutputType::WitnessV0ScriptHash);
        assert_eq!(classify(&h(&format!("5120{}", "11".repeat(32)))), OutputType::WitnessV1Taproot);
        assert_eq!(classify(&h(&format!("{key}ac"))), OutputType::PubKey);
        assert_eq!(classify(&h(&format!("52{key}{key}{key}53ae"))), OutputType::Multisig { required: 2, keys: 3 });
        assert_eq!(classify(&h("6a0401020304")), OutputType::NullData);
        assert_eq!(classify(&h("51")), OutputType::NonStandard);
        assert_eq!(classify(&h(&format!("54{key}{key}{key}53ae"))), OutputType::NonStandard, "m > n");
        assert!(check_standard_output(&h(&format!("6a4c50{}", "00".repeat(80)))).is_ok());
        assert!(check_standard_output(&h(&format!("6a4c51{}", "00".repeat(81)))).is_err());
        assert_eq!(check_standard_script_sig(&h("51ac")), Err("scriptsig-not-pushonly"));
    }
}
