//! Wallet logic without storage: building and signing transactions,
//! identities and announcements (keys, coin selection and payment channels
//! come with the wallet work).

pub mod announcement;
