//! Announcement policy (DESIGN.md section 4): what consensus leaves to the
//! nodes. A task must meet the node's `-mintaskpow`; an acceptance must name
//! a known task that has not expired, is still open, and whose demanded
//! proof of work it meets; a cancellation must come from the task's
//! publisher. Announcements leave the pool when not mined within their
//! expiry, and acceptances and cancels when their task expires.

use consensus::check::announcement::meets_tx_pow;
use primitives::market::{task_id, Identity, MarketBody, SignedBody};
use primitives::{AnnouncementBody, Transaction};

use crate::error::MempoolError;

/// What policy needs to know of a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskInfo {
    pub publisher: Identity,
    pub accept_pow_bits: u32,
    pub accept_within_blocks: u32,
    /// Height of the block that included it; `None` while only in a mempool.
    pub included_height: Option<u32>,
    pub expiry: u32,
}

impl TaskInfo {
    /// The task carried by `tx`, if it is a task announcement with a full body.
    pub fn from_tx(tx: &Transaction, included_height: Option<u32>) -> Option<([u8; 32], TaskInfo)> {
        let ann = tx.announcement.as_ref()?;
        let AnnouncementBody::Full(bytes) = &ann.body else { return None };
        let signed = SignedBody::decode(ann.known_kind()?, bytes).ok()?;
        let MarketBody::Task(task) = &signed.body else { return None };
        Some((
            task_id(task),
            TaskInfo {
                publisher: task.publisher,
                accept_pow_bits: task.accept_pow_bits,
                accept_within_blocks: task.accept_within_blocks,
                included_height,
                expiry: ann.expiry,
            },
        ))
    }

    /// Expired at `height` (a task in a mempool has not started its clock).
    pub fn expired_at(&self, height: u32) -> bool {
        self.included_height.is_some_and(|h| u64::from(h) + u64::from(self.expiry) < u64::from(height))
    }

    /// Still taking acceptances at `height`.
    pub fn open_at(&self, height: u32) -> bool {
        self.included_height.is_none_or(|h| u64::from(height) <= u64::from(h) + u64::from(self.accept_within_blocks))
    }
}

/// The task an acceptance or cancel refers to.
pub fn referenced_task(tx: &Transaction) -> Option<[u8; 32]> {
    let ann = tx.announcement.as_ref()?;
    let AnnouncementBody::Full(bytes) = &ann.body else { return None };
    match SignedBody::decode(ann.known_kind()?, bytes).ok()?.body {
        MarketBody::Acceptance(a) => Some(a.task_id),
        MarketBody::Cancel(c) => Some(c.task_id),
        MarketBody::Task(_) => None,
    }
}

/// The policy rules for an announcement entering the pool at `height`.
/// `task` looks a task up (chain first, then pool).
pub fn check_announcement_policy(
    tx: &Transaction,
    height: u32,
    min_task_pow_bits: Option<u32>,
    task: &dyn Fn(&[u8; 32]) -> Option<TaskInfo>,
) -> Result<(), MempoolError> {
    let Some(ann) = &tx.announcement else { return Ok(()) };
    let AnnouncementBody::Full(bytes) = &ann.body else {
        return Err(MempoolError::Announcement("ann-pruned"));
    };
    let Some(kind) = ann.known_kind() else { return Ok(()) }; // consensus reports it
    let Ok(signed) = SignedBody::decode(kind, bytes) else { return Ok(()) };
    match &signed.body {
        MarketBody::Task(_) => {
            if let Some(bits) = min_task_pow_bits {
                if !meets_tx_pow(tx, ann.nonce, bits) {
                    return Err(MempoolError::Announcement("ann-task-pow-below-policy"));
                }
            }
        }
        MarketBody::Acceptance(a) => {
            let info = task(&a.task_id).ok_or(MempoolError::Announcement("ann-task-unknown"))?;
            if info.expired_at(height) {
                return Err(MempoolError::Announcement("ann-task-expired"));
            }
            if !info.open_at(height) {
                return Err(MempoolError::Announcement("ann-task-closed"));
            }
            if !meets_tx_pow(tx, ann.nonce, info.accept_pow_bits) {
                return Err(MempoolError::Announcement("ann-accept-pow"));
            }
        }
        MarketBody::Cancel(c) => {
            let info = task(&c.task_id).ok_or(MempoolError::Announcement("ann-task-unknown"))?;
            if info.expired_at(height) {
                return Err(MempoolError::Announcement("ann-task-expired"));
            }
            if info.publisher != c.publisher {
                return Err(MempoolError::Announcement("ann-cancel-not-publisher"));
            }
        }
    }
    Ok(())
}
