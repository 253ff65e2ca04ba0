//! Wallet logic without I/O: HD keys from a recovery phrase, encryption at
//! rest, coin selection, signing, transaction tracking and history, and
//! identities and announcements. Storage is a trait the daemon implements.

pub mod announcement;
pub mod balance;
pub mod channel;
pub mod crypt;
pub mod descriptor;
pub mod error;
pub mod hd;
pub mod identity;
pub mod imported;
pub mod keys;
pub mod message;
pub mod psbt;
pub mod record;
pub mod select;
pub mod send;
pub mod sign;
pub mod state;
pub mod store;
pub mod track;

pub use balance::{Balances, Category, Coin, Entry};
pub use error::WalletError;
pub use identity::WalletIdentity;
pub use send::{Built, Recipient, SendOptions};
pub use state::{CreateOptions, Origin, Wallet, WalletTx};
pub use store::{MemoryWalletStore, WalletStore};

/// Core's FormatMoney: whole coins and eight decimals.
pub fn amount_text(zats: u64) -> String {
    format!("{}.{:08}", zats / primitives::COIN, zats % primitives::COIN)
}

#[cfg(test)]
mod tests;
