//! Zennet's consensus rules.
//!
//! Pure functions of their arguments: chain parameters are a value passed to
//! every rule, chain history is reached through the [`HeaderChain`] lookup, and
//! "now" is an argument. No I/O, no clock, no async runtime, no storage.

pub mod check;
pub mod difficulty;
pub mod error;
pub mod genesis;
pub mod params;
pub mod pow;
pub mod subsidy;
pub mod target;
pub mod work;

pub use difficulty::{median_time_past, next_bits, next_target, BlockSummary, HeaderChain};
pub use error::{BlockError, RejectKind, TxError};
pub use params::ChainParams;
pub use pow::{check_proof_of_work, pow_hash, PowHasher};
pub use work::block_work;
