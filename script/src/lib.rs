//! Script interpreter and signature hashing (built on `primitives`).
