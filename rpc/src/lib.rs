//! Zennet's JSON-RPC surface, shared by the daemon, `zennet-cli` and the GUI:
//! Bitcoin Core's error codes, argument handling and HTTP conventions (auth,
//! legacy JSON-RPC 1.0/1.1), the method table, and a blocking client.

pub mod args;
pub mod auth;
pub mod client;
pub mod conffile;
pub mod convert;
pub mod error;
pub mod help;
pub mod http;
pub mod methods;

pub use args::Args;
pub use auth::{Auth, Credentials};
pub use client::{ClientError, RpcClient};
pub use error::{codes, RpcError};
