//! The genesis block of each network, mined with sha256d at the sha256d limit.

use bitcoin::block::{Header, Version};
use bitcoin::hashes::Hash;
use primitives::{
    Amount, Block, BlockHash, CompactTarget, Network, OutPoint, PowAlgo, ScriptBuf, Sequence, Transaction, TxIn, TxOut,
    Witness,
};

const GENESIS_MESSAGE: &[u8] = b"Zennet 20/Nov/2026 A market for computing power, paid by the second";
const GENESIS_REWARD: u64 = 475_000_000;

/// (time, bits, nonce) of each network's genesis header, and its hash.
fn genesis_header_fields(network: Network) -> (u32, u32, u32, &'static str) {
    match network {
        Network::Main => (GENESIS_MAIN_TIME, 0x1d00ffff, GENESIS_MAIN_NONCE, GENESIS_MAIN_HASH),
        Network::Test => (GENESIS_TEST_TIME, 0x1d00ffff, GENESIS_TEST_NONCE, GENESIS_TEST_HASH),
        Network::Regtest => (GENESIS_REGTEST_TIME, 0x207fffff, 0, GENESIS_REGTEST_HASH),
    }
}

// Mined by trying every nonce and moving the time on when they ran out:
// main and test at Bitcoin's sha256d limit 0x1d00ffff (about 2^32 hashes each).
pub const GENESIS_MAIN_TIME: u32 = 1_795_132_901;
pub const GENESIS_MAIN_NONCE: u32 = 1_401_058_873;
pub const GENESIS_MAIN_HASH: &str = "000000007025a39e43a61c99007b1bea9f6ee6728d315fffae5f78b709d5ec13";
pub const GENESIS_TEST_TIME: u32 = 1_795_132_803;
pub const GENESIS_TEST_NONCE: u32 = 3_948_219_252;
pub const GENESIS_TEST_HASH: &str = "00000000c3910cc4cb5bc098891e95db49c419e4b488d3c9b0d460b973e62496";
pub const GENESIS_REGTEST_TIME: u32 = 1_795_132_802;
pub const GENESIS_REGTEST_HASH: &str = "3f92297cbf20a46e872c138238efe3fe68e44c8dbad3348aaf4cd070cc4e8189";

/// The genesis coinbase: Bitcoin's shape (a scriptSig of `486604799 4 <message>`),
/// one output whose script is `OP_RETURN`. Like Bitcoin's, the output never
/// enters the UTXO set.
fn genesis_coinbase() -> Transaction {
    let mut script_sig = vec![0x04, 0xff, 0xff, 0x00, 0x1d, 0x01, 0x04, GENESIS_MESSAGE.len() as u8];
    script_sig.extend_from_slice(GENESIS_MESSAGE);
    Transaction {
        version: 1,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            script_sig: ScriptBuf::from_bytes(script_sig),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: vec![TxOut {
            value: Amount::from_sat(GENESIS_REWARD),
            script_pubkey: ScriptBuf::from_bytes(vec![script::opcodes::OP_RETURN]),
        }],
        announcement: None,
        lock_time: 0,
    }
}

pub fn genesis_block(network: Network) -> Block {
    let (time, bits, nonce, _) = genesis_header_fields(network);
    let coinbase = genesis_coinbase();
    let merkle_root = primitives::TxMerkleNode::from_byte_array(coinbase.txid().to_byte_array());
    Block {
        header: Header {
            version: Version::from_consensus(PowAlgo::Sha256d.block_version()),
            prev_blockhash: BlockHash::all_zeros(),
            merkle_root,
            time,
            bits: CompactTarget::from_consensus(bits),
            nonce,
        },
        txdata: vec![coinbase.into()],
    }
}

/// The hash each network's genesis must have (checked by tests).
pub fn expected_genesis_hash(network: Network) -> &'static str {
    genesis_header_fields(network).3
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::params::ChainParams;
    use crate::pow::check_proof_of_work;

    #[test]
    fn genesis_hashes_are_the_constants_and_meet_their_targets() {
        for network in Network::ALL {
            let params = ChainParams::for_network(network, false);
            assert_eq!(params.genesis_hash.to_string(), expected_genesis_hash(network), "{network}");
            assert_eq!(check_proof_of_work(&params.genesis.header, &params), Ok(PowAlgo::Sha256d));
            let (root, _) = params.genesis.compute_merkle_root();
            assert_eq!(root, params.genesis.header.merkle_root);
            assert_eq!(root.to_string(), "536360d0e8820c1b4c989079b7946dac96aecfef2a8e9b8416084558139cf9ca");
        }
    }
}
