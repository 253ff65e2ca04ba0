//! Relay policy: Bitcoin Core's standardness rules and defaults.

use primitives::{Transaction, TxOut};
use script::standard::{check_standard_output_with, check_standard_script_sig, OutputType};
use script::VerifyFlags;

use crate::error::MempoolError;

/// The node's policy settings (Core's defaults).
#[derive(Debug, Clone)]
pub struct Policy {
    /// `-minrelaytxfee`, in zats per 1,000 virtual bytes.
    pub min_relay_feerate: u64,
    /// Feerate (zats/kvB) below which an output is dust.
    pub dust_relay_feerate: u64,
    /// Largest standard transaction weight.
    pub max_standard_weight: u64,
    /// Most sigop cost in one standard transaction.
    pub max_standard_sigops_cost: u64,
    /// Unconfirmed ancestors (itself included) and their total size.
    pub ancestor_limit: usize,
    pub ancestor_size_limit_vbytes: u64,
    /// Unconfirmed descendants of any ancestor (itself included) and their size.
    pub descendant_limit: usize,
    pub descendant_size_limit_vbytes: u64,
    /// Most transactions one replacement may evict (BIP125 rule 5).
    pub max_replacement_evictions: usize,
    /// `-maxmempool`: virtual bytes the pool may hold before it evicts.
    pub max_mempool_vbytes: u64,
    /// `-mempoolexpiry`: seconds a transaction may wait.
    pub expiry_secs: i64,
    /// `-mintaskpow`: compact target tasks must meet to enter (None: the
    /// network minimum consensus already demands).
    pub min_task_pow_bits: Option<u32>,
    /// `-datacarriersize` (the whole OP_RETURN script); None: `-datacarrier=0`.
    pub max_datacarrier_bytes: Option<usize>,
    /// `-permitbaremultisig`.
    pub permit_bare_multisig: bool,
    /// `-blockmaxweight`: most weight of an assembled block (coinbase reserve included).
    pub block_max_weight: u64,
    /// `-blockmintxfee`: zats per kvB a package needs to enter an assembled block.
    pub block_min_feerate: u64,
    /// Refuse non-standard transactions (Core's `-acceptnonstdtxn=0`).
    pub require_standard: bool,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_relay_feerate: 1_000,
            dust_relay_feerate: 3_000,
            max_standard_weight: 400_000,
            max_standard_sigops_cost: 16_000,
            ancestor_limit: 25,
            ancestor_size_limit_vbytes: 101_000,
            descendant_limit: 25,
            descendant_size_limit_vbytes: 101_000,
            max_replacement_evictions: 100,
            max_mempool_vbytes: 300_000_000,
            expiry_secs: 336 * 60 * 60,
            min_task_pow_bits: None,
            max_datacarrier_bytes: Some(script::standard::MAX_OP_RETURN_RELAY),
            permit_bare_multisig: true,
            block_max_weight: primitives::MAX_BLOCK_WEIGHT - 4_000,
            block_min_feerate: 1_000,
            require_standard: true,
        }
    }
}

/// Core's `STANDARD_SCRIPT_VERIFY_FLAGS`.
pub fn standard_script_flags() -> VerifyFlags {
    VerifyFlags::consensus()
        | VerifyFlags::STRICTENC
        | VerifyFlags::MINIMALDATA
        | VerifyFlags::DISCOURAGE_UPGRADABLE_NOPS
        | VerifyFlags::CLEANSTACK
        | VerifyFlags::MINIMALIF
        | VerifyFlags::NULLFAIL
        | VerifyFlags::LOW_S
        | VerifyFlags::DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM
        | VerifyFlags::WITNESS_PUBKEYTYPE
        | VerifyFlags::CONST_SCRIPTCODE
        | VerifyFlags::DISCOURAGE_UPGRADABLE_TAPROOT_VERSION
        | VerifyFlags::DISCOURAGE_OP_SUCCESS
        | VerifyFlags::DISCOURAGE_UPGRADABLE_PUBKEYTYPE
}

impl Policy {
    /// The fee `vsize` virtual bytes must pay at `feerate` zats/kvB.
    pub fn fee_for(feerate: u64, vsize: u64) -> u64 {
        feerate * vsize / 1000
    }

    /// Core's `GetDustThreshold`: what spending the output would cost at the
    /// dust feerate.
    pub fn dust_threshold(&self, out: &TxOut) -> u64 {
        let script = out.script_pubkey.as_bytes();
        if script.first() == Some(&script::opcodes::OP_RETURN) {
            return 0;
        }
        let size = 8 + primitives::encode::compact_size_len(script.len() as u64) + script.len();
        let spend = if script::opcodes::witness_program(script).is_some() {
            32 + 4 + 1 + 107 / 4 + 4
        } else {
            32 + 4 + 1 + 107 + 4
        };
        Self::fee_for(self.dust_relay_feerate, (size + spend) as u64)
    }

    /// Core's `IsStandardTx`.
    pub fn check_standard(&self, tx: &Transaction) -> Result<(), MempoolError> {
        if !(1..=3).contains(&tx.version) {
            return Err(MempoolError::NonStandard("version"));
        }
        if tx.weight() > self.max_standard_weight {
            return Err(MempoolError::NonStandard("tx-size"));
        }
        for txin in &tx.input {
            check_standard_script_sig(txin.script_sig.as_bytes()).map_err(MempoolError::NonStandard)?;
        }
        let mut data_outputs = 0;
        for (index, out) in tx.output.iter().enumerate() {
            let kind = check_standard_output_with(out.script_pubkey.as_bytes(), self.max_datacarrier_bytes)
                .map_err(MempoolError::NonStandard)?;
            if matches!(kind, OutputType::Multisig { .. }) && !self.permit_bare_multisig {
                return Err(MempoolError::NonStandard("bare-multisig"));
            }
            if kind == OutputType::NullData {
                data_outputs += 1;
            } else if out.value.to_sat() < self.dust_threshold(out) {
                return Err(MempoolError::Dust { index });
            }
        }
        if data_outputs > 1 {
            return Err(MempoolError::NonStandard("multi-op-return"));
        }
        Ok(())
    }
}

/// Core's P2WSH witness limits: the witness script, the items beside it and
/// their size.
const MAX_STANDARD_P2WSH_SCRIPT_SIZE: usize = 3600;
const MAX_STANDARD_P2WSH_STACK_ITEMS: usize = 100;
const MAX_STANDARD_P2WSH_STACK_ITEM_SIZE: usize = 80;
/// Core's limit on tapscript stack items (leaf version 0xc0).
const MAX_STANDARD_TAPSCRIPT_STACK_ITEM_SIZE: usize = 80;

/// Core's `IsWitnessStandard` ("bad-witness-nonstandard"): a witness only
/// where a witness program is spent; P2WSH within its limits; for taproot,
/// no annex (it has no meaning yet) and tapscript stack items of at most 80
/// bytes. `spent[i]` is the output input `i` spends.
pub fn check_witness_standard(tx: &Transaction, spent: &[TxOut]) -> Result<(), MempoolError> {
    const NONSTANDARD: MempoolError = MempoolError::NonStandard("bad-witness-nonstandard");
    if tx.is_coinbase() {
        return Ok(());
    }
    for (txin, prev) in tx.input.iter().zip(spent) {
        if txin.witness.is_empty() {
            continue;
        }
        let stack: Vec<&[u8]> = txin.witness.iter().collect();
        let mut program_script = prev.script_pubkey.as_bytes();
        let mut p2sh = false;
        if script::standard::classify(program_script) == OutputType::ScriptHash {
            program_script = last_push(txin.script_sig.as_bytes()).ok_or(NONSTANDARD)?;
            p2sh = true;
        }
        let Some((version, program)) = script::opcodes::witness_program(program_script) else {
            return Err(NONSTANDARD);
        };
        match (version, program.len()) {
            (0, 32) => {
                let (script, items) = stack.split_last().ok_or(NONSTANDARD)?;
                if script.len() > MAX_STANDARD_P2WSH_SCRIPT_SIZE
                    || items.len() > MAX_STANDARD_P2WSH_STACK_ITEMS
                    || items.iter().any(|i| i.len() > MAX_STANDARD_P2WSH_STACK_ITEM_SIZE)
                {
                    return Err(NONSTANDARD);
                }
            }
            (1, 32) if !p2sh => {
                let mut rest = &stack[..];
                if rest.len() >= 2 && rest.last().is_some_and(|a| a.first() == Some(&0x50)) {
                    return Err(NONSTANDARD);
                }
                match rest.len() {
                    0 => return Err(NONSTANDARD),
                    1 => {} // key path: no limits
                    _ => {
                        let (control, before) = rest.split_last().ok_or(NONSTANDARD)?;
                        rest = &before[..before.len() - 1]; // the script
                        let leaf_version = control.first().ok_or(NONSTANDARD)? & 0xfe;
                        if leaf_version == 0xc0 && rest.iter().any(|i| i.len() > MAX_STANDARD_TAPSCRIPT_STACK_ITEM_SIZE)
                        {
                            return Err(NONSTANDARD);
                        }
                    }
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// The last item a push-only scriptSig leaves on the stack.
fn last_push(script_sig: &[u8]) -> Option<&[u8]> {
    const SMALL_NUMBERS: [u8; 17] = [0x81, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16];
    let mut pc = 0;
    let mut last = None;
    while pc < script_sig.len() {
        let op = script::opcodes::next_op(script_sig, &mut pc)?;
        last = Some(match op.opcode {
            0x4f => &SMALL_NUMBERS[0..1],
            0x51..=0x60 => &SMALL_NUMBERS[usize::from(op.opcode - 0x50)..usize::from(op.opcode - 0x50) + 1],
            // OP_RESERVED fails evaluation; anything above OP_16 is not a push.
            0x50 | 0x61.. => return None,
            _ => op.data,
        });
    }
    last
}

#[cfg(test)]
mod tests {
    use super::*;
    use primitives::{Amount, ScriptBuf};

    fn spend_with(prev: &[u8], script_sig: Vec<u8>, witness: Vec<Vec<u8>>) -> Result<(), MempoolError> {
        let tx = Transaction {
            version: 2,
            input: vec![primitives::TxIn {
                previous_output: primitives::OutPoint { txid: bitcoin::hashes::Hash::all_zeros(), vout: 7 },
                script_sig: ScriptBuf::from_bytes(script_sig),
                sequence: primitives::Sequence::MAX,
                witness: primitives::Witness::from_slice(&witness),
            }],
            output: vec![],
            announcement: None,
            lock_time: 0,
        };
        let spent = [TxOut { value: Amount::from_sat(1000), script_pubkey: ScriptBuf::from_bytes(prev.to_vec()) }];
        check_witness_standard(&tx, &spent)
    }

    /// Core's `IsWitnessStandard`, case by case.
    #[test]
    fn witness_standardness_as_core() {
        let bad = Err(MempoolError::NonStandard("bad-witness-nonstandard"));
        let taproot = [&[0x51, 0x20][..], &[7; 32]].concat();
        let p2wsh = [&[0x00, 0x20][..], &[7; 32]].concat();
        let control = [&[0xc0][..], &[1; 32]].concat();
        // Key path, with and without an annex.
        assert_eq!(spend_with(&taproot, vec![], vec![vec![1; 64]]), Ok(()));
        assert_eq!(spend_with(&taproot, vec![], vec![vec![1; 64], vec![0x50, 1]]), bad);
        // Script path: tapscript items up to 80 bytes; unknown leaf versions unlimited.
        assert_eq!(spend_with(&taproot, vec![], vec![vec![1; 80], vec![0x51], control.clone()]), Ok(()));
        assert_eq!(spend_with(&taproot, vec![], vec![vec![1; 81], vec![0x51], control.clone()]), bad);
        let unknown = [&[0xc2][..], &[1; 32]].concat();
        assert_eq!(spend_with(&taproot, vec![], vec![vec![1; 81], vec![0x51], unknown]), Ok(()));
        assert_eq!(spend_with(&taproot, vec![], vec![vec![1; 9], vec![0x51], vec![]]), bad);
        // P2WSH limits.
        assert_eq!(spend_with(&p2wsh, vec![], vec![vec![1; 80], vec![0x51]]), Ok(()));
        assert_eq!(spend_with(&p2wsh, vec![], vec![vec![1; 81], vec![0x51]]), bad);
        assert_eq!(spend_with(&p2wsh, vec![], vec![vec![0x51; 3601]]), bad);
        assert_eq!(spend_with(&p2wsh, vec![], vec![vec![1]; 102]), bad);
        // A witness where no witness program is spent; P2SH-wrapped P2WPKH is fine.
        assert_eq!(spend_with(&[0x51], vec![], vec![vec![1]]), bad);
        let nested = [&[0x00, 0x14][..], &[3; 20]].concat();
        let p2sh = [&[0xa9, 0x14][..], &[0; 20], &[0x87]].concat();
        let push = [&[nested.len() as u8][..], &nested].concat();
        assert_eq!(spend_with(&p2sh, push, vec![vec![1; 72], vec![2; 33]]), Ok(()));
        assert_eq!(spend_with(&p2sh, vec![0x51], vec![vec![1; 72]]), bad);
    }

    #[test]
    fn dust_thresholds_match_core() {
        let policy = Policy::default();
        let p2pkh = TxOut {
            value: Amount::ZERO,
            script_pubkey: ScriptBuf::from_bytes([vec![0x76, 0xa9, 20], vec![0; 20], vec![0x88, 0xac]].concat()),
        };
        let p2wpkh =
            TxOut { value: Amount::ZERO, script_pubkey: ScriptBuf::from_bytes([vec![0, 20], vec![0; 20]].concat()) };
        assert_eq!(policy.dust_threshold(&p2pkh), 546);
        assert_eq!(policy.dust_threshold(&p2wpkh), 294);
    }
}
