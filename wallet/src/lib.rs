//! Wallet logic without I/O: HD keys from a recovery phrase, encryption at
//! rest, coin selection, signing, transaction tracking and history, and
//! identities and announcements. Storage is a trait the daemon implements.

pub mod announcement;
pub mod crypt;
pub mod descriptor;
pub mod keys;
pub mod message;
pub mod select;
pub mod sign;
