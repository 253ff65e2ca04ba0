//! P2P payload decoding: any command with any payload decodes or is refused, never panics;
//! what decodes encodes back to a payload that decodes to the same command, and a
//! block's transactions carry the txids and wtxids their fields hash to.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zennetd::net::message::{NetMessage, KNOWN_COMMANDS as COMMANDS};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else { return };
    let command = COMMANDS[selector as usize % COMMANDS.len()];
    if let Ok(message) = NetMessage::decode(command, payload) {
        if let NetMessage::Block(block) = &message {
            for tx in &block.txdata {
                assert_eq!(tx.txid(), primitives::Transaction::txid(tx));
                assert_eq!(tx.wtxid(), primitives::Transaction::wtxid(tx));
            }
        }
        let again = NetMessage::decode(message.command(), &message.payload());
        assert!(again.is_ok(), "{command}: re-encoded payload does not decode");
    }
});
