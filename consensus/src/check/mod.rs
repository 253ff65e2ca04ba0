//! Transaction and block checks.

pub mod announcement;
mod block;
mod contextual;
pub mod locks;
mod transaction;
pub mod utxo;

pub use block::check_block;
pub use contextual::{check_block_contextual, check_header_contextual, coinbase_height_script, is_final};
pub use transaction::check_transaction;
pub use utxo::{
    connect_block, disconnect_block, is_unspendable, Coin, DisconnectError, Disconnection, ScriptValidation,
    UtxoChanges, UtxoView,
};

/// Announcement limits (DESIGN.md section 4).
pub const MAX_ANNOUNCEMENT_EXPIRY: u32 = 43_200;
pub const MAX_ANNOUNCEMENT_BODY: usize = 1_000;
/// Largest sigop cost of a block (BIP141).
pub const MAX_BLOCK_SIGOPS_COST: u64 = 80_000;
