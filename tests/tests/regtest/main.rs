//! Multi-process tests: real `zennetd -regtest` processes driven over JSON-RPC.
//! One test binary; one module per area.

mod node;
mod scripts;
