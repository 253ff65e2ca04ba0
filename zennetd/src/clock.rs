//! The node's clock: the one place "now" is read (consensus takes it as an
//! argument). Regtest can pin it with `setmocktime`, as Core.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// 0: the system clock; otherwise the mocked time.
static MOCK_TIME: AtomicI64 = AtomicI64::new(0);

pub fn now() -> i64 {
    match MOCK_TIME.load(Ordering::Relaxed) {
        0 => SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64),
        mocked => mocked,
    }
}

/// Pins "now" to `time` (0 returns to the system clock).
pub fn set_mock_time(time: i64) {
    MOCK_TIME.store(time, Ordering::Relaxed);
}
