//! Any bytes: decoding never panics, and whatever decodes re-encodes to the
//! same bytes, hashes from its bytes as from its fields, and passes or fails the context-free check without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use primitives::Transaction;

fuzz_target!(|data: &[u8]| {
    if let Ok(tx) = Transaction::from_bytes(data) {
        assert_eq!(tx.serialize(), data);
        assert_eq!(tx.total_size(), data.len());
        let pruned = tx.to_pruned();
        assert_eq!(pruned.txid(), tx.txid());
        assert_eq!(pruned.wtxid(), tx.wtxid());
        assert_eq!(pruned.weight(), tx.weight());
        let hashed = primitives::HashedTx::from_bytes(data).expect("decoded once already");
        assert_eq!(hashed.txid(), tx.txid());
        assert_eq!(hashed.wtxid(), tx.wtxid());
        let _ = consensus::check::check_transaction(&tx);
    }
});
