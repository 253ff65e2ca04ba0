//! Verifying every input of one or many transactions, in parallel.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use primitives::{Transaction, TxOut};

use crate::cache::SignatureCache;
use crate::checker::TransactionChecker;
use crate::error::ScriptError;
use crate::flags::VerifyFlags;
use crate::interpreter::verify_script;
use crate::sighash::PrecomputedTransactionData;

/// A transaction and the outputs its inputs spend, in input order.
pub struct SpentOutputs<'a> {
    pub tx: &'a Transaction,
    pub spent: &'a [TxOut],
}

/// The first failing input: which transaction of the batch, which input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct InputFailure {
    pub tx_index: usize,
    pub input: usize,
    pub error: ScriptError,
}

/// Inputs a worker takes at a time.
const CHUNK: usize = 16;

/// Copies `witness` into `scratch`, reusing the buffers of the previous
/// input, so that a worker does not allocate per input.
fn load_witness(scratch: &mut Vec<Vec<u8>>, witness: &primitives::Witness) {
    scratch.truncate(witness.len());
    for (index, item) in witness.iter().enumerate() {
        match scratch.get_mut(index) {
            Some(slot) => {
                slot.clear();
                slot.extend_from_slice(item);
            }
            None => scratch.push(item.to_vec()),
        }
    }
}

fn verify_one(
    job: &SpentOutputs<'_>,
    precomputed: &PrecomputedTransactionData,
    input: usize,
    flags: VerifyFlags,
    cache: Option<&SignatureCache>,
    witness: &mut Vec<Vec<u8>>,
) -> Result<(), ScriptError> {
    let txin = &job.tx.input[input];
    let prev = &job.spent[input];
    let checker = TransactionChecker { tx: job.tx, input, amount: prev.value.to_sat(), precomputed, cache };
    load_witness(witness, &txin.witness);
    verify_script(txin.script_sig.as_bytes(), prev.script_pubkey.as_bytes(), witness, flags, &checker)
}

/// Verifies every input of every job with `threads` threads, the caller's
/// among them (1 runs inline), taking `CHUNK` inputs at a time as Core's
/// check queue does. Reports the failure with the lowest (transaction,
/// input) position.
pub fn verify_inputs(
    jobs: &[SpentOutputs<'_>],
    flags: VerifyFlags,
    cache: Option<&SignatureCache>,
    threads: usize,
) -> Result<(), InputFailure> {
    // Taproot signatures commit to every spent output: keep them where a
    // witness v1 output is spent.
    let precomputed: Vec<PrecomputedTransactionData> = jobs
        .iter()
        .map(|j| {
            let spends_v1 = j.spent.iter().any(|o| o.script_pubkey.as_bytes().first() == Some(&0x51));
            if spends_v1 {
                PrecomputedTransactionData::with_spent(j.tx, j.spent)
            } else {
                PrecomputedTransactionData::new(j.tx)
            }
        })
        .collect();
    let inputs: Vec<(usize, usize)> =
        jobs.iter().enumerate().flat_map(|(t, j)| (0..j.tx.input.len()).map(move |i| (t, i))).collect();
    let check = |position: usize, witness: &mut Vec<Vec<u8>>| -> Result<(), InputFailure> {
        let (tx_index, input) = inputs[position];
        verify_one(&jobs[tx_index], &precomputed[tx_index], input, flags, cache, witness)
            .map_err(|error| InputFailure { tx_index, input, error })
    };

    if threads <= 1 || inputs.len() <= CHUNK {
        let mut witness = Vec::new();
        return (0..inputs.len()).try_for_each(|position| check(position, &mut witness));
    }
    let next = AtomicUsize::new(0);
    let first_failure: Mutex<Option<(usize, InputFailure)>> = Mutex::new(None);
    let failed_at = AtomicUsize::new(usize::MAX);
    let work = || {
        let mut witness = Vec::new();
        loop {
            let start = next.fetch_add(CHUNK, Ordering::Relaxed);
            if start >= inputs.len() || start > failed_at.load(Ordering::Relaxed) {
                break;
            }
            for position in start..(start + CHUNK).min(inputs.len()) {
                if let Err(failure) = check(position, &mut witness) {
                    failed_at.fetch_min(position, Ordering::Relaxed);
                    if let Ok(mut slot) = first_failure.lock() {
                        if slot.as_ref().is_none_or(|(p, _)| position < *p) {
                            *slot = Some((position, failure));
                        }
                    }
                    break;
                }
            }
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..threads.min(inputs.len().div_ceil(CHUNK)) {
            scope.spawn(work);
        }
        work();
    });
    match first_failure.into_inner().ok().flatten() {
        Some((_, failure)) => Err(failure),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sighash::{segwit_v0_sighash, SIGHASH_ALL};
    use bitcoin::hashes::{hash160, Hash};
    use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};
    use primitives::{Amount, OutPoint, ScriptBuf, Sequence, TxIn, Txid, Witness};

    /// `count` one-input P2WPKH spends; the signature of `bad` is corrupted.
    fn spends(count: usize, bad: Option<usize>) -> (Vec<Transaction>, Vec<Vec<TxOut>>) {
        let secp = Secp256k1::new();
        let secret = SecretKey::from_slice(&[5; 32]).unwrap();
        let public = PublicKey::from_secret_key(&secp, &secret).serialize();
        let hash = hash160::Hash::hash(&public);
        let spk = ScriptBuf::from_bytes([&[0u8, 20][..], hash.as_byte_array()].concat());
        let code = [&[0x76u8, 0xa9, 20][..], hash.as_byte_array(), &[0x88, 0xac]].concat();
        let mut txs = Vec::new();
        let mut spent = Vec::new();
        for i in 0..count {
            let mut tx = Transaction {
                version: 2,
                input: vec![TxIn {
                    previous_output: OutPoint { txid: Txid::from_byte_array([i as u8; 32]), vout: i as u32 },
                    script_sig: ScriptBuf::new(),
                    sequence: Sequence::MAX,
                    witness: Witness::new(),
                }],
                output: vec![TxOut { value: Amount::from_sat(900), script_pubkey: spk.clone() }],
                announcement: None,
                lock_time: 0,
            };
            let pre = PrecomputedTransactionData::new(&tx);
            let sighash = segwit_v0_sighash(&tx, 0, &code, 1000, SIGHASH_ALL, &pre);
            let mut sig = secp.sign_ecdsa(&Message::from_digest(sighash), &secret).serialize_der().to_vec();
            if bad == Some(i) {
                let n = sig.len();
                sig[n - 1] ^= 1;
            }
            sig.push(1);
            tx.input[0].witness = Witness::from_slice(&[sig, public.to_vec()]);
            txs.push(tx);
            spent.push(vec![TxOut { value: Amount::from_sat(1000), script_pubkey: spk.clone() }]);
        }
        (txs, spent)
    }

    fn jobs<'a>(txs: &'a [Transaction], spent: &'a [Vec<TxOut>]) -> Vec<SpentOutputs<'a>> {
        txs.iter().zip(spent).map(|(tx, spent)| SpentOutputs { tx, spent }).collect()
    }

    #[test]
    fn parallel_and_serial_agree_on_the_first_failure() {
        let (txs, spent) = spends(100, Some(57));
        for threads in [1, 2, 4] {
            let failure = verify_inputs(&jobs(&txs, &spent), VerifyFlags::consensus(), None, threads).unwrap_err();
            assert_eq!((failure.tx_index, failure.input, failure.error), (57, 0, ScriptError::EvalFalse));
        }
        let (txs, spent) = spends(100, None);
        verify_inputs(&jobs(&txs, &spent), VerifyFlags::consensus(), None, 2).unwrap();
    }

    #[test]
    fn verified_signatures_are_cached_and_trusted() {
        let (txs, spent) = spends(20, None);
        let cache = SignatureCache::new(1000, [3; 32]);
        verify_inputs(&jobs(&txs, &spent), VerifyFlags::consensus(), Some(&cache), 2).unwrap();
        assert_eq!(cache.len(), 20);
        // A cache hit is taken as a valid signature: prove it is consulted by
        // planting an entry for a signature that does not verify.
        let (bad, bad_spent) = spends(1, Some(0));
        assert!(verify_inputs(&jobs(&bad, &bad_spent), VerifyFlags::consensus(), Some(&cache), 1).is_err());
        let witness = bad[0].input[0].witness.to_vec();
        let pre = PrecomputedTransactionData::new(&bad[0]);
        let hash = hash160::Hash::hash(&witness[1]);
        let code = [&[0x76u8, 0xa9, 20][..], hash.as_byte_array(), &[0x88, 0xac]].concat();
        let sighash = segwit_v0_sighash(&bad[0], 0, &code, 1000, SIGHASH_ALL, &pre);
        cache.insert(&sighash, &witness[1], &witness[0]);
        verify_inputs(&jobs(&bad, &bad_spent), VerifyFlags::consensus(), Some(&cache), 1).unwrap();
    }
}
