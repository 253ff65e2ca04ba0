//! Typed consensus errors. Each maps to Bitcoin Core's reject string and to a
//! [`RejectKind`] that tells the network layer how to treat the sender.

use bitcoin::{BlockHash, OutPoint, Txid};
use thiserror::Error;

/// How a rejection reflects on the block (and on the peer that sent it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RejectKind {
    /// Permanently invalid: mark it failed, punish the sender.
    Invalid,
    /// The bytes were tampered with (merkle mutation, witness stripped): the
    /// block behind the header may still be valid, so punish the sender but
    /// do not mark the header failed.
    Mutated,
    /// Not valid yet (timestamp too far ahead): try again later.
    NotYetValid,
    /// Cannot be judged from what we hold (missing parent, pruned
    /// announcement not yet expired): fetch more, never mark failed.
    Incomplete,
}

/// Why a transaction breaks a consensus rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TxError {
    #[error("transaction has no inputs")]
    VinEmpty,
    #[error("transaction has no outputs and no announcement")]
    VoutEmpty,
    #[error("transaction weight {weight} exceeds the block weight limit")]
    Oversize { weight: u64 },
    #[error("output {index} has a negative value")]
    VoutNegative { index: usize },
    #[error("output {index} value {value} exceeds MAX_MONEY")]
    VoutTooLarge { index: usize, value: u64 },
    #[error("sum of outputs exceeds MAX_MONEY")]
    TxoutTotalTooLarge,
    #[error("input {index} spends an outpoint already spent by this transaction")]
    InputsDuplicate { index: usize },
    #[error("coinbase scriptSig is {len} bytes (must be 2 to 100)")]
    CoinbaseLength { len: usize },
    #[error("input {index} spends the null outpoint")]
    PrevoutNull { index: usize },
    #[error("a coinbase cannot carry an announcement")]
    CoinbaseAnnouncement,
    #[error("an announcement transaction cannot have outputs")]
    AnnouncementWithOutputs,
    #[error("unknown announcement kind {kind}")]
    AnnouncementKind { kind: u8 },
    #[error("announcement expiry {expiry} outside 1..={max}")]
    AnnouncementExpiry { expiry: u32, max: u32 },
    #[error("announcement body of {len} bytes outside 1..={max}")]
    AnnouncementBodySize { len: usize, max: usize },
    #[error("input {outpoint} is missing or spent")]
    InputsMissingOrSpent { outpoint: OutPoint },
    #[error("input {outpoint} spends a coinbase {depth} blocks deep (needs {maturity})")]
    PrematureCoinbaseSpend { outpoint: OutPoint, depth: u32, maturity: u32 },
    #[error("input values out of range")]
    InputValuesOutOfRange,
    #[error("inputs {inputs} below outputs {outputs}")]
    InBelowOut { inputs: u64, outputs: u64 },
    #[error("transaction is not final")]
    NonFinal,
    #[error("input {input}: {error}")]
    Script { input: usize, error: script::ScriptError },
    #[error("announcement input {input} does not spend a native segwit v0 output")]
    AnnouncementInputNotSegwit { input: usize },
    #[error("announcement body does not decode: {reason}")]
    AnnouncementBodyDecode { reason: String },
    #[error("announcement transaction proof of work below the network minimum")]
    AnnouncementTxPow,
    #[error("announcement identity signature invalid")]
    AnnouncementIdentitySignature,
    #[error("announcement identity does not meet its role's proof-of-work target")]
    AnnouncementIdentityPow,
    #[error("announcement body pruned before it expired (expires at height {expires_at})")]
    AnnouncementPrunedUnexpired { expires_at: u64 },
}

impl TxError {
    /// The reject reason with Core's detail: script failures name the script
    /// error, as in "mandatory-script-verify-flag-failed (Signature must be
    /// zero for failed CHECK(MULTI)SIG operation)".
    pub fn reason(&self) -> String {
        match self {
            TxError::Script { error, .. } if *error != script::ScriptError::AnnouncementSighashType => {
                format!("{} ({error})", self.reject_reason())
            }
            _ => self.reject_reason().to_string(),
        }
    }

    pub fn reject_reason(&self) -> &'static str {
        match self {
            TxError::VinEmpty => "bad-txns-vin-empty",
            TxError::VoutEmpty => "bad-txns-vout-empty",
            TxError::Oversize { .. } => "bad-txns-oversize",
            TxError::VoutNegative { .. } => "bad-txns-vout-negative",
            TxError::VoutTooLarge { .. } => "bad-txns-vout-toolarge",
            TxError::TxoutTotalTooLarge => "bad-txns-txouttotal-toolarge",
            TxError::InputsDuplicate { .. } => "bad-txns-inputs-duplicate",
            TxError::CoinbaseLength { .. } => "bad-cb-length",
            TxError::PrevoutNull { .. } => "bad-txns-prevout-null",
            TxError::CoinbaseAnnouncement | TxError::AnnouncementWithOutputs => "ann-flags",
            TxError::AnnouncementKind { .. } => "ann-kind",
            TxError::AnnouncementExpiry { .. } => "ann-expiry",
            TxError::AnnouncementBodySize { .. } => "ann-body-size",
            TxError::InputsMissingOrSpent { .. } => "bad-txns-inputs-missingorspent",
            TxError::PrematureCoinbaseSpend { .. } => "bad-txns-premature-spend-of-coinbase",
            TxError::InputValuesOutOfRange => "bad-txns-inputvalues-outofrange",
            TxError::InBelowOut { .. } => "bad-txns-in-belowout",
            TxError::NonFinal => "bad-txns-nonfinal",
            TxError::Script { error: script::ScriptError::AnnouncementSighashType, .. } => "ann-sighash-type",
            TxError::Script { .. } => "mandatory-script-verify-flag-failed",
            TxError::AnnouncementInputNotSegwit { .. } => "ann-input-not-segwit",
            TxError::AnnouncementBodyDecode { .. } => "ann-body-decode",
            TxError::AnnouncementTxPow => "ann-tx-pow",
            TxError::AnnouncementIdentitySignature => "ann-identity-sig",
            TxError::AnnouncementIdentityPow => "ann-identity-pow",
            TxError::AnnouncementPrunedUnexpired { .. } => "ann-pruned-unexpired",
        }
    }
}

/// Why a block (or its header) is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum BlockError {
    #[error("header version {version:#x} names no known algorithm")]
    BadAlgo { version: i32 },
    #[error("proof of work failed")]
    HighHash,
    #[error("incorrect proof of work: bits {actual:#010x}, expected {expected:#010x}")]
    BadDiffBits { actual: u32, expected: u32 },
    #[error("more than {limit} consecutive blocks of one algorithm")]
    AlgoTooMany { limit: u32 },
    #[error("block timestamp {time} not after median time past {median_time_past}")]
    TimeTooOld { time: u32, median_time_past: i64 },
    #[error("block timestamp {time} too far in the future (now {now})")]
    TimeTooNew { time: u32, now: i64 },
    #[error("previous block {0} not found")]
    PrevBlockNotFound(BlockHash),
    #[error("previous block {0} is invalid")]
    BadPrevBlock(BlockHash),
    #[error("hashMerkleRoot mismatch")]
    BadMerkleRoot,
    #[error("duplicate transaction (merkle tree mutation)")]
    MerkleMutated,
    #[error("size limits failed")]
    BadLength,
    #[error("block weight {weight} exceeds the limit")]
    BadWeight { weight: u64 },
    #[error("first transaction is not a coinbase")]
    NoCoinbase,
    #[error("more than one coinbase")]
    MultipleCoinbase,
    #[error("out-of-bounds sigop count {count}")]
    TooManySigops { count: u64 },
    #[error("block height mismatch in coinbase (expected {expected})")]
    BadCoinbaseHeight { expected: u32 },
    #[error("coinbase pays too much (actual={actual} vs limit={limit})")]
    CoinbaseOverpays { actual: u64, limit: u64 },
    #[error("coinbase does not pay the premine to the foundation script")]
    BadPremine,
    #[error("witness merkle commitment mismatch")]
    BadWitnessCommitment,
    #[error("witness nonce size invalid")]
    BadWitnessNonceSize,
    #[error("unexpected witness data found")]
    UnexpectedWitness,
    #[error("transaction {txid} (index {index}): {error}")]
    Transaction { index: usize, txid: Txid, error: TxError },
}

impl BlockError {
    /// The reject reason with Core's detail (see [`TxError::reason`]).
    pub fn reason(&self) -> String {
        match self {
            BlockError::Transaction { error, .. } => error.reason(),
            other => other.reject_reason().to_string(),
        }
    }

    pub fn reject_reason(&self) -> &'static str {
        match self {
            BlockError::BadAlgo { .. } => "bad-algo",
            BlockError::HighHash => "high-hash",
            BlockError::BadDiffBits { .. } => "bad-diffbits",
            BlockError::AlgoTooMany { .. } => "algo-toomany",
            BlockError::TimeTooOld { .. } => "time-too-old",
            BlockError::TimeTooNew { .. } => "time-too-new",
            BlockError::PrevBlockNotFound(_) => "prev-blk-not-found",
            BlockError::BadPrevBlock(_) => "bad-prevblk",
            BlockError::BadMerkleRoot => "bad-txnmrklroot",
            BlockError::MerkleMutated => "bad-txns-duplicate",
            BlockError::BadLength => "bad-blk-length",
            BlockError::BadWeight { .. } => "bad-blk-weight",
            BlockError::NoCoinbase => "bad-cb-missing",
            BlockError::MultipleCoinbase => "bad-cb-multiple",
            BlockError::TooManySigops { .. } => "bad-blk-sigops",
            BlockError::BadCoinbaseHeight { .. } => "bad-cb-height",
            BlockError::CoinbaseOverpays { .. } => "bad-cb-amount",
            BlockError::BadPremine => "bad-cb-premine",
            BlockError::BadWitnessCommitment => "bad-witness-merkle-match",
            BlockError::BadWitnessNonceSize => "bad-witness-nonce-size",
            BlockError::UnexpectedWitness => "unexpected-witness",
            BlockError::Transaction { error, .. } => error.reject_reason(),
        }
    }

    pub fn kind(&self) -> RejectKind {
        match self {
            BlockError::TimeTooNew { .. } => RejectKind::NotYetValid,
            BlockError::PrevBlockNotFound(_)
            | BlockError::Transaction { error: TxError::AnnouncementPrunedUnexpired { .. }, .. } => {
                RejectKind::Incomplete
            }
            BlockError::BadMerkleRoot
            | BlockError::MerkleMutated
            | BlockError::BadWitnessCommitment
            | BlockError::BadWitnessNonceSize
            | BlockError::UnexpectedWitness => RejectKind::Mutated,
            _ => RejectKind::Invalid,
        }
    }
}
