//! Any scriptSig, scriptPubKey, witness and flags: the interpreter returns a
//! result and never panics, and verification with fewer flags never fails
//! where more flags succeed (soft-fork monotonicity, as Core's fuzzers check).
#![no_main]

use libfuzzer_sys::fuzz_target;
use primitives::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};
use script::checker::TransactionChecker;
use script::{verify_script, PrecomputedTransactionData, VerifyFlags};

fn split(data: &[u8]) -> (&[u8], &[u8]) {
    let n = data.first().map_or(0, |b| usize::from(*b)).min(data.len().saturating_sub(1));
    let rest = data.get(1..).unwrap_or_default();
    rest.split_at(n.min(rest.len()))
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 4 {
        return;
    }
    let mut flags = VerifyFlags(u32::from_le_bytes([data[0], data[1], data[2], 0]) & 0x1ffff);
    // Core's valid combinations: CLEANSTACK needs WITNESS, WITNESS needs P2SH.
    if flags.contains(VerifyFlags::CLEANSTACK) {
        flags |= VerifyFlags::WITNESS;
    }
    if flags.contains(VerifyFlags::WITNESS) {
        flags |= VerifyFlags::P2SH;
    }
    let (script_sig, rest) = split(&data[3..]);
    let (script_pubkey, rest) = split(rest);
    let witness: Vec<Vec<u8>> = rest.chunks(33).map(<[u8]>::to_vec).collect();
    let tx = Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            script_sig: ScriptBuf::from_bytes(script_sig.to_vec()),
            sequence: Sequence(0xfffffffe),
            witness: Witness::from_slice(&witness),
        }],
        output: vec![TxOut { value: Amount::from_sat(1), script_pubkey: ScriptBuf::new() }],
        announcement: None,
        lock_time: 0,
    };
    let pre = PrecomputedTransactionData::new(&tx);
    let checker = TransactionChecker { tx: &tx, input: 0, amount: 1, precomputed: &pre, cache: None };
    let strict = verify_script(script_sig, script_pubkey, &witness, flags, &checker);
    let loose = verify_script(script_sig, script_pubkey, &witness, VerifyFlags::NONE, &checker);
    if strict.is_ok() {
        assert!(loose.is_ok(), "valid under {flags} but not without flags: {loose:?}");
    }
});
