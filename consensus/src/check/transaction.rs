//! Context-free transaction checks (Core's `CheckTransaction`, plus announcements).

use std::collections::HashSet;

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
    let mut seen: HashSet<&OutPoint> = HashSet::with_capacity(tx.input.len());
    for (index, txin) in tx.input.iter().enumerate() {
        if !seen.insert(&txin.previous_output) {
            return Err(TxError::InputsDuplicate { index });
        }
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
