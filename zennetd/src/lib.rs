//! The Zennet daemon: configuration, storage, the chainstate and its
//! thread, the miner and the RPC methods. The `zennetd` binary is a thin
//! `main` over [`node::run`].

pub mod actor;
pub mod chainstate;
pub mod channels;
pub mod clock;
pub mod config;
pub mod fatal;
pub mod jobs;
pub mod logging;
pub mod miner;
pub mod net;
pub mod node;
pub mod node_state;
pub mod rpc;
pub mod store;
pub mod wallets;
pub mod zmq;
