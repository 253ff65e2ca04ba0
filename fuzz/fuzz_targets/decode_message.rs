//! P2P payload decoding: any command with any payload decodes or is refused, never panics;
//! what decodes encodes back to a payload that decodes to the same command, and a
//! block's (or a `tx` message's) transactions carry the txids and wtxids their fields
//! hash to.
#![no_main]

use libfuzzer_sys::fuzz_target;
use zennetd::net::message::{NetMessage, KNOWN_COMMANDS as COMMANDS};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, payload)) = data.split_first() else { return };
    let command = COMMANDS[selector as usize % COMMANDS.len()];
    if let Ok(message) = NetMessage::decode(command, payload) {
        let hashed: &[primitives::HashedTx] = match &message {
            NetMessage::Block(block) => &block.txdata,
            NetMessage::Tx(tx) => std::slice::from_ref(&**tx),
            _ => &[],
        };
        for tx in hashed {
            assert_eq!(tx.txid(), primitives::Transaction::txid(tx));
            assert_eq!(tx.wtxid(), primitives::Transaction::wtxid(tx));
        }
        let again = NetMessage::decode(message.command(), &message.payload());
        assert!(again.is_ok(), "{command}: re-encoded payload does not decode");
    }
});
