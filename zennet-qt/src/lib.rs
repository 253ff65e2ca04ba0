//! The GUI wallet, a JSON-RPC client of `zennetd` (built on `rpc` and `primitives`).
