//! Bitcoin's script interpreter (legacy, P2SH, segwit v0) exact to Bitcoin
//! Core, its signature hashing (legacy, BIP143, and Zennet's announcement
//! rule), standard templates, sigop counting, and whole-transaction
//! verification with inputs checked in parallel and a signature cache.

pub mod cache;
pub mod checker;
pub mod error;
pub mod flags;
pub mod interpreter;
pub mod num;
pub mod opcodes;
pub mod sighash;
pub mod sigops;
pub mod standard;
pub mod taproot;
pub mod verify;

pub use checker::{SignatureChecker, TransactionChecker};
pub use error::ScriptError;
pub use flags::VerifyFlags;
pub use interpreter::{eval_script, verify_script, SigVersion};
pub use sighash::PrecomputedTransactionData;
pub use verify::{verify_inputs, InputFailure, SpentOutputs};

/// Largest script (bytes).
pub const MAX_SCRIPT_SIZE: usize = 10_000;
/// Largest stack element (bytes).
pub const MAX_SCRIPT_ELEMENT_SIZE: usize = 520;
/// Most non-push opcodes in one script.
pub const MAX_OPS_PER_SCRIPT: usize = 201;
/// Most public keys in one CHECKMULTISIG.
pub const MAX_PUBKEYS_PER_MULTISIG: i64 = 20;
/// Most elements on stack and altstack together.
pub const MAX_STACK_SIZE: usize = 1000;
