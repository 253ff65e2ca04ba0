//! Transaction pool, relay policy and block template assembly (built on `consensus`).
