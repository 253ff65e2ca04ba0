//! Relay policy: Bitcoin Core's standardness rules and defaults.

use primitives::{Transaction, TxOut};
use script::standard::{check_standard_output, check_standard_script_sig, OutputType};
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
            let kind = check_standard_output(out.script_pubkey.as_bytes()).map_err(MempoolError::NonStandard)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use primitives::{Amount, ScriptBuf};

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
