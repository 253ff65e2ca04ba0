//! BIP68 relative lock-times (sequence locks), measured in blocks or in
//! 512-second units of median time past, as Core's `CalculateSequenceLocks`.

use primitives::Transaction;

use crate::difficulty::{median_time_past, HeaderChain};

const SEQUENCE_LOCKTIME_DISABLE_FLAG: u32 = 1 << 31;
const SEQUENCE_LOCKTIME_TYPE_FLAG: u32 = 1 << 22;
const SEQUENCE_LOCKTIME_MASK: u32 = 0x0000_ffff;
const SEQUENCE_LOCKTIME_GRANULARITY: u32 = 9;

/// Whether `tx`, whose inputs spend coins created at `coin_heights`, may be
/// included at `height` on `chain` (whose tip is `height - 1`).
pub fn sequence_locks_satisfied(tx: &Transaction, coin_heights: &[u32], height: u32, chain: &dyn HeaderChain) -> bool {
    if (tx.version as u32) < 2 || tx.is_coinbase() {
        return true;
    }
    let mut min_height: i64 = -1;
    let mut min_time: i64 = -1;
    for (txin, &coin_height) in tx.input.iter().zip(coin_heights) {
        let sequence = txin.sequence.0;
        if sequence & SEQUENCE_LOCKTIME_DISABLE_FLAG != 0 {
            continue;
        }
        let value = i64::from(sequence & SEQUENCE_LOCKTIME_MASK);
        if sequence & SEQUENCE_LOCKTIME_TYPE_FLAG != 0 {
            let coin_time = median_time_past(chain, coin_height.saturating_sub(1));
            min_time = min_time.max(coin_time + (value << SEQUENCE_LOCKTIME_GRANULARITY) - 1);
        } else {
            min_height = min_height.max(i64::from(coin_height) + value - 1);
        }
    }
    let prev_mtp = median_time_past(chain, height.saturating_sub(1));
    min_height < i64::from(height) && min_time < prev_mtp
}
