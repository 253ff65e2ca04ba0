//! Multi-process tests: real `zennetd -regtest` processes driven over JSON-RPC.
//! One test binary; one module per area.

mod crash;
mod mempool;
mod miner;
mod node;
mod reorg;
mod scripts;
mod template;
mod wallet;
