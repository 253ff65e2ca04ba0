//! Multi-process tests: real `zennetd -regtest` processes driven over JSON-RPC.
//! One test binary; one module per area.

mod address_limits;
mod channels;
mod crash;
mod disk_full;
mod file_modes;
mod market;
mod mempool;
mod mempool_lookups;
mod miner;
mod node;
mod p2p;
mod p2p_announcements;
mod p2p_limits;
mod p2p_misbehaviour;
mod p2p_peers;
mod proxy;
mod prune;
mod reorg;
mod reorg_mempool;
mod rest;
mod rpc_explorer;
mod rpc_import;
mod rpc_node;
mod rpc_psbt;
mod rpc_security;
mod rpc_wallet_misc;
mod rpc_wallet_psbt;
mod scripts;
mod secrets;
mod taproot;
mod template;
mod wallet;
mod wallet_limits;
mod witness_versions;
mod zmq;
