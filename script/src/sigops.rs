//! Signature operation counting (legacy, P2SH and witness), as Core.

use primitives::{Transaction, TxOut, WITNESS_SCALE_FACTOR};

use crate::flags::VerifyFlags;
use crate::opcodes::*;

const MAX_PUBKEYS_PER_MULTISIG: usize = 20;

/// `CScript::GetSigOpCount(fAccurate)`.
pub fn count_sigops(script: &[u8], accurate: bool) -> usize {
    let mut count = 0;
    let mut pc = 0;
    let mut last = 0xffu8;
    while pc < script.len() {
        let Some(op) = next_op(script, &mut pc) else {
            break;
        };
        match op.opcode {
            OP_CHECKSIG | OP_CHECKSIGVERIFY => count += 1,
            OP_CHECKMULTISIG | OP_CHECKMULTISIGVERIFY => {
                count += if accurate && (OP_1..=OP_16).contains(&last) {
                    usize::from(last - OP_1 + 1)
                } else {
                    MAX_PUBKEYS_PER_MULTISIG
                };
            }
            _ => {}
        }
        last = op.opcode;
    }
    count
}

/// The last push of a push-only script (the P2SH redeem script).
fn last_push(script_sig: &[u8]) -> Option<&[u8]> {
    let mut pc = 0;
    let mut last = None;
    while pc < script_sig.len() {
        let op = next_op(script_sig, &mut pc)?;
        if op.opcode > OP_16 {
            return None;
        }
        last = Some(op.data);
    }
    last
}

/// Sigops of the redeem script of a P2SH spend.
pub fn p2sh_sigops(script_sig: &[u8], script_pubkey: &[u8]) -> usize {
    if !is_p2sh(script_pubkey) {
        return 0;
    }
    last_push(script_sig).map_or(0, |redeem| count_sigops(redeem, true))
}

fn witness_program_sigops(version: u8, program: &[u8], witness: &[Vec<u8>]) -> usize {
    match (version, program.len()) {
        (0, 20) => 1,
        (0, 32) => witness.last().map_or(0, |script| count_sigops(script, true)),
        _ => 0,
    }
}

/// Core's `CountWitnessSigOps`.
pub fn witness_sigops(script_sig: &[u8], script_pubkey: &[u8], witness: &[Vec<u8>], flags: VerifyFlags) -> usize {
    if !flags.contains(VerifyFlags::WITNESS) {
        return 0;
    }
    if let Some((version, program)) = witness_program(script_pubkey) {
        return witness_program_sigops(version, program, witness);
    }
    if is_p2sh(script_pubkey) && is_push_only(script_sig) {
        if let Some((version, program)) = last_push(script_sig).and_then(witness_program) {
            return witness_program_sigops(version, program, witness);
        }
    }
    0
}

/// Legacy sigops of a transaction (counted in every block, context-free).
pub fn legacy_sigops(tx: &Transaction) -> usize {
    tx.input.iter().map(|i| count_sigops(i.script_sig.as_bytes(), false)).sum::<usize>()
        + tx.output.iter().map(|o| count_sigops(o.script_pubkey.as_bytes(), false)).sum::<usize>()
}

/// Core's `GetTransactionSigOpCost`; `spent[i]` is the output input i spends.
pub fn transaction_sigop_cost(tx: &Transaction, spent: &[TxOut], flags: VerifyFlags) -> u64 {
    let mut cost = legacy_sigops(tx) as u64 * WITNESS_SCALE_FACTOR;
    if tx.is_coinbase() {
        return cost;
    }
    for (txin, prev) in tx.input.iter().zip(spent) {
        let script_sig = txin.script_sig.as_bytes();
        let script_pubkey = prev.script_pubkey.as_bytes();
        if flags.contains(VerifyFlags::P2SH) {
            cost += p2sh_sigops(script_sig, script_pubkey) as u64 * WITNESS_SCALE_FACTOR;
        }
        cost += witness_sigops(script_sig, script_pubkey, &txin.witness.to_vec(), flags) as u64;
    }
    cost
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_like_core() {
        // 2-of-3 multisig: accurate counts 3, inaccurate 20.
        let mut multisig = vec![OP_1 + 1];
        for _ in 0..3 {
            multisig.push(33);
            multisig.extend_from_slice(&[2; 33]);
        }
        multisig.extend_from_slice(&[OP_1 + 2, OP_CHECKMULTISIG]);
        assert_eq!(count_sigops(&multisig, true), 3);
        assert_eq!(count_sigops(&multisig, false), 20);
        let p2sh = {
            let mut s = vec![OP_HASH160, 20];
            s.extend_from_slice(&[0; 20]);
            s.push(OP_EQUAL);
            s
        };
        let script_sig = [vec![OP_0], push_bytes(&multisig)].concat();
        assert_eq!(p2sh_sigops(&script_sig, &p2sh), 3);
        let p2wpkh = [vec![0, 20], vec![0; 20]].concat();
        assert_eq!(witness_sigops(&[], &p2wpkh, &[vec![1], vec![2]], VerifyFlags::WITNESS), 1);
        assert_eq!(witness_sigops(&[], &p2wpkh, &[vec![1], vec![2]], VerifyFlags::NONE), 0);
    }

    proptest::proptest! {
        /// The legacy count (every block's limit) equals rust-bitcoin's on
        /// any bytes, truncated pushes included.
        #[test]
        fn legacy_count_equals_rust_bitcoin(bytes in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just(OP_CHECKSIG),
                proptest::strategy::Just(OP_CHECKMULTISIGVERIFY),
                proptest::strategy::Just(OP_PUSHDATA1),
                proptest::strategy::Just(OP_PUSHDATA2),
                proptest::num::u8::ANY,
            ],
            0..120,
        )) {
            let reference = primitives::ScriptBuf::from_bytes(bytes.clone()).count_sigops_legacy();
            proptest::prop_assert_eq!(count_sigops(&bytes, false), reference);
        }
    }
}
