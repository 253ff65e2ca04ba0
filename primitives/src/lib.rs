//! Zennet's wire types.
//!
//! Everything that is the same as Bitcoin (scripts, outpoints, inputs, outputs,
//! witnesses, headers, hashes) comes from the `bitcoin` crate. Zennet needs its
//! own [`Transaction`] and [`Block`] only because a transaction may carry an
//! [`Announcement`]; a transaction without one encodes byte for byte like
//! Bitcoin's.

pub mod address;
pub mod algo;
pub mod announcement;
pub mod block;
pub mod encode;
pub mod hashed_tx;
pub mod market;
pub mod merkle;
pub mod network;
#[cfg(target_arch = "x86_64")]
mod sha_ni;
pub mod shared;
pub mod transaction;

pub use address::{Address, AddressError};
pub use algo::PowAlgo;
pub use announcement::{Announcement, AnnouncementBody, AnnouncementKind};
pub use block::Block;
pub use encode::DecodeError;
pub use hashed_tx::HashedTx;
pub use network::Network;
pub use transaction::Transaction;

pub use bitcoin::block::Header;
pub use bitcoin::block::Version as HeaderVersion;
pub use bitcoin::hashes;
pub use bitcoin::{
    Amount, BlockHash, CompactTarget, OutPoint, ScriptBuf, Sequence, Target, TxIn, TxMerkleNode, TxOut, Txid, Witness,
    Work, Wtxid,
};

/// 1 ZEN in zats.
pub const COIN: u64 = 100_000_000;
/// No amount anywhere may exceed this (21,000,000 ZEN), as in Bitcoin.
pub const MAX_MONEY: u64 = 21_000_000 * COIN;
/// Largest block weight (BIP141).
pub const MAX_BLOCK_WEIGHT: u64 = 4_000_000;
/// Witness scale factor (BIP141).
pub const WITNESS_SCALE_FACTOR: u64 = 4;
