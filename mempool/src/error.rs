//! Why the mempool refused a transaction, with Core's reject strings.

use consensus::TxError;
use primitives::{OutPoint, Txid};
use script::ScriptError;
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MempoolError {
    #[error("{0}")]
    Consensus(TxError),
    #[error("coinbase transactions are only valid in blocks")]
    Coinbase,
    #[error("transaction already in the mempool")]
    AlreadyKnown,
    #[error("non-standard: {0}")]
    NonStandard(&'static str),
    #[error("dust output {index}")]
    Dust { index: usize },
    #[error("transaction is not final")]
    NonFinal,
    #[error("relative lock-time not yet satisfied")]
    NonBip68Final,
    #[error("input {outpoint} is missing or spent")]
    MissingInputs { outpoint: OutPoint },
    #[error("fee {fee} below the minimum relay fee {required}")]
    MinRelayFee { fee: u64, required: u64 },
    #[error("conflicts with {0}, which cannot be replaced")]
    Conflict(Txid),
    #[error("replacement fee too low: {reason}")]
    InsufficientFee { reason: String },
    #[error("package: {0}")]
    Package(&'static str),
    #[error("replacement would evict {count} transactions")]
    TooManyReplacements { count: usize },
    #[error("replacement spends an unconfirmed input the original did not")]
    ReplacementAddsUnconfirmed,
    #[error("too many unconfirmed ancestors or descendants ({reason})")]
    TooLongChain { reason: String },
    #[error("too many signature operations ({cost})")]
    TooManySigops { cost: u64 },
    #[error("script failed under policy: {0}")]
    NonMandatoryScript(ScriptError),
    #[error("script failed: {0}")]
    MandatoryScript(ScriptError),
    #[error("mempool full")]
    MempoolFull,
    #[error("announcement refused by policy: {0}")]
    Announcement(&'static str),
}

impl MempoolError {
    /// Core's reject reason (what `testmempoolaccept` reports).
    pub fn reason(&self) -> String {
        match self {
            MempoolError::Consensus(e) => e.reason(),
            MempoolError::Coinbase => "coinbase".into(),
            MempoolError::AlreadyKnown => "txn-already-in-mempool".into(),
            MempoolError::NonStandard(reason) => (*reason).into(),
            MempoolError::Dust { .. } => "dust".into(),
            MempoolError::NonFinal => "non-final".into(),
            MempoolError::NonBip68Final => "non-BIP68-final".into(),
            MempoolError::MissingInputs { .. } => "missing-inputs".into(),
            MempoolError::MinRelayFee { .. } => "min relay fee not met".into(),
            MempoolError::Conflict(_) => "txn-mempool-conflict".into(),
            MempoolError::InsufficientFee { .. } => "insufficient fee".into(),
            MempoolError::Package(_) => "package-not-child-with-parent".into(),
            MempoolError::TooManyReplacements { .. } => "too many potential replacements".into(),
            MempoolError::ReplacementAddsUnconfirmed => "replacement-adds-unconfirmed".into(),
            MempoolError::TooLongChain { .. } => "too-long-mempool-chain".into(),
            MempoolError::TooManySigops { .. } => "bad-txns-too-many-sigops".into(),
            MempoolError::NonMandatoryScript(e) => format!("non-mandatory-script-verify-flag ({e})"),
            MempoolError::MandatoryScript(e) => format!("mandatory-script-verify-flag-failed ({e})"),
            MempoolError::MempoolFull => "mempool full".into(),
            MempoolError::Announcement(reason) => (*reason).into(),
        }
    }

    /// Whether the transaction breaks consensus (a peer sending it misbehaves)
    /// rather than only this node's policy.
    pub fn is_consensus_invalid(&self) -> bool {
        matches!(self, MempoolError::Consensus(_) | MempoolError::MandatoryScript(_))
    }
}
