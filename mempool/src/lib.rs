//! The transaction pool: Bitcoin Core's relay policy (standardness, dust,
//! minimum relay fee, chain limits, replace-by-fee), removal on block
//! connect, re-admission on disconnect, and block template selection by
//! ancestor feerate. Pure: the caller supplies the chain's coins and "now".

pub mod error;
pub mod estimate;
pub mod market;
pub mod policy;
pub mod pool;
pub mod select;

pub use error::MempoolError;
pub use policy::Policy;
pub use pool::{AcceptContext, Mempool, MempoolEntry};
