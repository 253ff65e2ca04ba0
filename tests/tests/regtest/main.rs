//! Multi-process tests: real `zennetd -regtest` processes driven over JSON-RPC.
//! One test binary; one module per area.

mod crash;
mod mempool;
mod miner;
mod node;
mod p2p;
mod p2p_announcements;
mod p2p_misbehaviour;
mod p2p_peers;
mod reorg;
mod reorg_mempool;
mod scripts;
mod template;
mod wallet;
