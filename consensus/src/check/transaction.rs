//! Context-free transaction checks (Core's `CheckTransaction`, plus announcements).

use primitives::{AnnouncementBody, OutPoint, Transaction, MAX_BLOCK_WEIGHT, MAX_MONEY, WITNESS_SCALE_FACTOR};

use super::{MAX_ANNOUNCEMENT_BODY, MAX_ANNOUNCEMENT_EXPIRY};
use crate::error::TxError;

pub fn check_transaction(tx: &Transaction) -> Result<(), TxError> {
    if tx.input.is_empty() {
        return Err(TxError::VinEmpty);
    }
    if tx.output.is_empty() && tx.announcement.is_none() {
        return Err(TxError::VoutEmpty);
    }
    if tx.announcement.is_some() && !tx.output.is_empty() {
        // Unencodable (the flags forbid it); refused here for blocks built in memory.
        return Err(TxError::AnnouncementWithOutputs);
    }
    // Core checks the size without witness; an announcement's body counts fully.
    let weight = tx.base_size() as u64 * WITNESS_SCALE_FACTOR;
    if weight > MAX_BLOCK_WEIGHT {
        return Err(TxError::Oversize { weight });
    }
    let mut total: u64 = 0;
    for (index, out) in tx.output.iter().enumerate() {
        let value = out.value.to_sat();
        if (value as i64) < 0 {
            return Err(TxError::VoutNegative { index });
        }
        if value > MAX_MONEY {
            return Err(TxError::VoutTooLarge { index, value });
        }
        total += value;
        if total > MAX_MONEY {
            return Err(TxError::TxoutTotalTooLarge);
        }
    }
    if let Some(index) = first_duplicate_input(tx) {
        return Err(TxError::InputsDuplicate { index });
    }
    if tx.is_coinbase() {
        let len = tx.input[0].script_sig.len();
        if !(2..=100).contains(&len) {
            return Err(TxError::CoinbaseLength { len });
        }
        if tx.announcement.is_some() {
            return Err(TxError::CoinbaseAnnouncement);
        }
    } else if let Some(index) = tx.input.iter().position(|i| i.previous_output == OutPoint::null()) {
        return Err(TxError::PrevoutNull { index });
    }
    if let Some(ann) = &tx.announcement {
        if ann.known_kind().is_none() {
            return Err(TxError::AnnouncementKind { kind: ann.kind });
        }
        if !(1..=MAX_ANNOUNCEMENT_EXPIRY).contains(&ann.expiry) {
            return Err(TxError::AnnouncementExpiry { expiry: ann.expiry, max: MAX_ANNOUNCEMENT_EXPIRY });
        }
        let len = match &ann.body {
            AnnouncementBody::Full(body) => body.len(),
            AnnouncementBody::Pruned { len, .. } => usize::from(*len),
        };
        if !(1..=MAX_ANNOUNCEMENT_BODY).contains(&len) {
            return Err(TxError::AnnouncementBodySize { len, max: MAX_ANNOUNCEMENT_BODY });
        }
    }
    Ok(())
}

/// Inputs up to this many are compared pairwise: cheaper than sorting.
const PAIRWISE_DUPLICATE_CHECK: usize = 16;

/// The index of the first input that spends an outpoint an earlier input
/// spends.
fn first_duplicate_input(tx: &Transaction) -> Option<usize> {
    let inputs = &tx.input;
    if inputs.len() <= PAIRWISE_DUPLICATE_CHECK {
        return (1..inputs.len())
            .find(|&i| inputs[..i].iter().any(|earlier| earlier.previous_output == inputs[i].previous_output));
    }
    // Sorted by outpoint then position, a repeat follows its first use; the
    // answer is the earliest such repeat.
    let mut order: Vec<(&OutPoint, usize)> = inputs.iter().map(|i| &i.previous_output).zip(0..).collect();
    order.sort_unstable();
    order.windows(2).filter(|w| w[0].0 == w[1].0).map(|w| w[1].1).min()
}

#[cfg(test)]
mod tests {
    use primitives::hashes::Hash;
    use primitives::{Amount, ScriptBuf, Sequence, TxIn, TxOut, Txid, Witness};

    use super::*;

    fn spending(outpoints: &[u32]) -> Transaction {
        Transaction {
            version: 2,
            input: outpoints
                .iter()
                .map(|&n| TxIn {
                    previous_output: OutPoint { txid: Txid::from_byte_array([(n % 7) as u8 + 1; 32]), vout: n },
                    script_sig: ScriptBuf::new(),
                    sequence: Sequence::MAX,
                    witness: Witness::new(),
                })
                .collect(),
            output: vec![TxOut { value: Amount::from_sat(1), script_pubkey: ScriptBuf::new() }],
            announcement: None,
            lock_time: 0,
        }
    }

    #[test]
    fn the_second_spend_of_an_outpoint_is_named_for_few_and_many_inputs() {
        for len in [3u32, 5, 16, 17, 40] {
            let mut outpoints: Vec<u32> = (0..len).collect();
            assert!(check_transaction(&spending(&outpoints)).is_ok(), "{len} distinct inputs");
            // Input len-1 repeats input 1; a later repeat must not be named first.
            outpoints[len as usize - 1] = 1;
            outpoints.push(0);
            assert_eq!(
                check_transaction(&spending(&outpoints)),
                Err(TxError::InputsDuplicate { index: len as usize - 1 }),
                "{len} inputs"
            );
        }
    }
}
