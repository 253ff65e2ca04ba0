//! Any bytes: block decoding never panics; decoded blocks re-encode exactly
//! with the txids and wtxids hashed at decode equal to those hashed from the
//! fields, and the context-free checks return instead of panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use primitives::Block;

fuzz_target!(|data: &[u8]| {
    if let Ok(block) = Block::from_bytes(data) {
        assert_eq!(block.serialize(), data);
        for tx in &block.txdata {
            assert_eq!(tx.txid(), primitives::Transaction::txid(tx));
            assert_eq!(tx.wtxid(), primitives::Transaction::wtxid(tx));
        }
        let _ = block.compute_merkle_root();
        let _ = block.witness_merkle_root();
        let _ = consensus::check::check_block(&block, &consensus::ChainParams::regtest());
    }
});
