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

fn verify_one(
    job: &SpentOutputs<'_>,
    precomputed: &PrecomputedTransactionData,
    input: usize,
    flags: VerifyFlags,
    cache: Option<&SignatureCache>,
) -> Result<(), ScriptError> {
    let txin = &job.tx.input[input];
    let prev = &job.spent[input];
    let checker = TransactionChecker { tx: job.tx, input, amount: prev.value.to_sat(), precomputed, cache };
    let witness = txin.witness.to_vec();
    verify_script(txin.script_sig.as_bytes(), prev.script_pubkey.as_bytes(), &witness, flags, &checker)
}

/// Verifies every input of every job with `threads` threads (1 runs inline).
/// Reports the failure with the lowest (transaction, input) position.
pub fn verify_inputs(
    jobs: &[SpentOutputs<'_>],
    flags: VerifyFlags,
    cache: Option<&SignatureCache>,
    threads: usize,
) -> Result<(), InputFailure> {
    let precomputed: Vec<PrecomputedTransactionData> =
        jobs.iter().map(|j| PrecomputedTransactionData::new(j.tx)).collect();
    let inputs: Vec<(usize, usize)> =
        jobs.iter().enumerate().flat_map(|(t, j)| (0..j.tx.input.len()).map(move |i| (t, i))).collect();
    let check = |position: usize| -> Result<(), InputFailure> {
        let (tx_index, input) = inputs[position];
        verify_one(&jobs[tx_index], &precomputed[tx_index], input, flags, cache).map_err(|error| InputFailure {
            tx_index,
            input,
            error,
        })
    };

    if threads <= 1 || inputs.len() <= CHUNK {
        return (0..inputs.len()).try_for_each(check);
    }
    let next = AtomicUsize::new(0);
    let first_failure: Mutex<Option<(usize, InputFailure)>> = Mutex::new(None);
    let failed_at = AtomicUsize::new(usize::MAX);
    std::thread::scope(|scope| {
        for _ in 0..threads.min(inputs.len().div_ceil(CHUNK)) {
            scope.spawn(|| loop {
                let start = next.fetch_add(CHUNK, Ordering::Relaxed);
                if start >= inputs.len() || start > failed_at.load(Ordering::Relaxed) {
                    break;
                }
                for position in start..(start + CHUNK).min(inputs.len()) {
                    if let Err(failure) = check(position) {
                        failed_at.fetch_min(position, Ordering::Relaxed);
                        if let Ok(mut slot) = first_failure.lock() {
                            if slot.as_ref().is_none_or(|(p, _)| position < *p) {
                                *slot = Some((position, failure));
                            }
                        }
                        break;
                    }
                }
            });
        }
    });
    match first_failure.into_inner().ok().flatten() {
        Some((_, failure)) => Err(failure),
        None => Ok(()),
    }
}
