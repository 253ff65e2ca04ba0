//! Wallet errors, each naming the Bitcoin Core condition it corresponds to
//! (the daemon maps them to Core's RPC error codes).

use crate::crypt::CryptError;
use crate::keys::KeyError;
use crate::select::SelectError;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WalletError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Key(#[from] KeyError),
    /// -13
    #[error("Error: Please enter the wallet passphrase with walletpassphrase first.")]
    Locked,
    /// -14
    #[error("Error: The wallet passphrase entered was incorrect.")]
    WrongPassphrase,
    /// -15
    #[error("Error: running with an unencrypted wallet, but {0} was called.")]
    NotEncrypted(&'static str),
    /// -15
    #[error("Error: running with an encrypted wallet, but encryptwallet was called.")]
    AlreadyEncrypted,
    /// -4
    #[error("Error: Private keys are disabled for this wallet")]
    PrivateKeysDisabled,
    /// -4
    #[error("Error: This wallet has no available keys")]
    NoKeys,
    /// -12, as Core when no descriptor of the type is active.
    #[error("Error: No {0} addresses available.")]
    NoAddressOfType(&'static str),
    /// -3, `signmessage` with an address that is not a single key's.
    #[error("Address does not refer to key")]
    AddressNotKey,
    /// -6: every failure to build a transaction, as Core's CreateTransaction.
    #[error("{0}")]
    Create(String),
    /// -6
    #[error("Insufficient funds")]
    InsufficientFunds,
    /// -3
    #[error("{0}")]
    Amount(String),
    /// -5
    #[error("{0}")]
    InvalidAddressOrKey(String),
    /// -8
    #[error("{0}")]
    InvalidParameter(String),
    /// -4
    #[error("{0}")]
    Other(String),
    /// Data on disk that does not parse: the wallet is not loaded.
    #[error("wallet data is corrupt: {0}")]
    Corrupt(String),
}

impl From<CryptError> for WalletError {
    fn from(e: CryptError) -> Self {
        match e {
            CryptError::WrongPassphrase => WalletError::WrongPassphrase,
            other => WalletError::Other(other.to_string()),
        }
    }
}

impl From<SelectError> for WalletError {
    fn from(e: SelectError) -> Self {
        match e {
            SelectError::InsufficientFunds { .. } => WalletError::InsufficientFunds,
            other => WalletError::Create(other.to_string()),
        }
    }
}
