//! `-maxuploadtarget`: keep the bytes sent per 24-hour cycle under a target
//! by refusing blocks older than a week once the target is near, as Core
//! (new blocks are always relayed; peers with `download` are exempt).

/// Core's cycle.
pub const CYCLE_SECS: i64 = 24 * 60 * 60;
/// A block older than this (against the best header) is historical.
pub const HISTORICAL_BLOCK_AGE: i64 = 7 * 24 * 60 * 60;
/// Room kept per 10 minutes left in the cycle: one block of the largest size.
const BUFFER_PER_10_MINUTES: u64 = primitives::MAX_BLOCK_WEIGHT;

pub struct UploadTarget {
    /// Bytes per cycle; 0: no limit.
    target: u64,
    cycle_start: i64,
    /// The node's total bytes sent when the cycle began.
    sent_at_start: u64,
}

/// `getnettotals.uploadtarget`.
pub struct UploadState {
    pub target: u64,
    pub target_reached: bool,
    pub serve_historical_blocks: bool,
    pub bytes_left_in_cycle: u64,
    pub time_left_in_cycle: i64,
}

impl UploadTarget {
    pub fn new(target: u64, now: i64, sent: u64) -> UploadTarget {
        UploadTarget { target, cycle_start: now, sent_at_start: sent }
    }

    /// Starts a new cycle once the current one is over.
    fn roll(&mut self, now: i64, sent: u64) {
        if now - self.cycle_start >= CYCLE_SECS {
            self.cycle_start = now;
            self.sent_at_start = sent;
        }
    }

    fn time_left(&self, now: i64) -> i64 {
        (self.cycle_start + CYCLE_SECS - now).max(0)
    }

    pub fn state(&mut self, now: i64, sent: u64) -> UploadState {
        self.roll(now, sent);
        let used = sent.saturating_sub(self.sent_at_start);
        let time_left = if self.target == 0 { 0 } else { self.time_left(now) };
        UploadState {
            target: self.target,
            target_reached: self.target != 0 && used >= self.target,
            serve_historical_blocks: !self.historical_limit_reached(now, sent),
            bytes_left_in_cycle: if self.target == 0 { 0 } else { self.target.saturating_sub(used) },
            time_left_in_cycle: time_left,
        }
    }

    /// Core's OutboundTargetReached(true): too little is left to keep
    /// relaying new blocks for the rest of the cycle if old ones are served.
    pub fn historical_limit_reached(&mut self, now: i64, sent: u64) -> bool {
        if self.target == 0 {
            return false;
        }
        self.roll(now, sent);
        let used = sent.saturating_sub(self.sent_at_start);
        let buffer = (self.time_left(now) / 600) as u64 * BUFFER_PER_10_MINUTES;
        buffer >= self.target || used >= self.target - buffer
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn historical_blocks_stop_before_the_target_and_resume_next_cycle() {
        let mut none = UploadTarget::new(0, 0, 0);
        assert!(!none.historical_limit_reached(0, u64::MAX));
        // 1 GiB a day: near the start of a cycle 144 blocks' room is kept.
        let mut limited = UploadTarget::new(1 << 30, 0, 1000);
        assert!(!limited.historical_limit_reached(0, 1000));
        assert!(limited.historical_limit_reached(0, 1000 + (1 << 30) - 144 * BUFFER_PER_10_MINUTES));
        let state = limited.state(100, 1000 + (1 << 30));
        assert!(state.target_reached && !state.serve_historical_blocks);
        assert_eq!(state.time_left_in_cycle, CYCLE_SECS - 100);
        // A new cycle starts from what was sent by then.
        assert!(!limited.historical_limit_reached(CYCLE_SECS, 1000 + (1 << 30)));
    }
}
