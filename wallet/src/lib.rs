//! Wallet logic: keys, coin selection, signing, identities and payment channels (built on `mempool`).
