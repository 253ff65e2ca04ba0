//! Blocks whose transactions carry bad signatures are rejected over
//! `submitblock` with the script error named, and the tip does not move.

use bitcoin::block::{Header, Version};
use bitcoin::hashes::Hash;
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};
use consensus::check::coinbase_height_script;
use consensus::target::{from_compact, hash_to_number};
use primitives::block::{header_bytes, witness_commitment_script};
use primitives::{
    Amount, Block, BlockHash, CompactTarget, OutPoint, PowAlgo, ScriptBuf, Sequence, Transaction, TxIn, TxMerkleNode,
    TxOut, Txid, Witness,
};
use script::sighash::{segwit_v0_sighash, SIGHASH_ALL};
use script::PrecomputedTransactionData;
use serde_json::json;
use zennet_tests::{Node, REGTEST_ADDRESS};

/// REGTEST_ADDRESS is P2WPKH of secret key 1's public key.
fn key() -> (SecretKey, PublicKey) {
    let mut bytes = [0u8; 32];
    bytes[31] = 1;
    let secret = SecretKey::from_slice(&bytes).unwrap();
    (secret, PublicKey::from_secret_key(&Secp256k1::new(), &secret))
}

fn p2wpkh_script() -> Vec<u8> {
    hex::decode("0014751e76e8199196d454941c45d1b3a323f1433bd6").unwrap()
}

/// Spends `outpoint` (4.75 ZEN at REGTEST_ADDRESS) back to the same address.
fn spend(outpoint: OutPoint, corrupt_signature: bool) -> Transaction {
    let (secret, public) = key();
    let mut tx = Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: outpoint,
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: vec![TxOut {
            value: Amount::from_sat(474_000_000),
            script_pubkey: ScriptBuf::from_bytes(p2wpkh_script()),
        }],
        announcement: None,
        lock_time: 0,
    };
    let mut script_code = hex::decode("76a914751e76e8199196d454941c45d1b3a323f1433bd6").unwrap();
    script_code.push(0x88);
    script_code.push(0xac);
    let pre = PrecomputedTransactionData::new(&tx);
    let sighash = segwit_v0_sighash(&tx, 0, &script_code, 475_000_000, SIGHASH_ALL, &pre);
    let mut sig = Secp256k1::new().sign_ecdsa(&Message::from_digest(sighash), &secret).serialize_der().to_vec();
    if corrupt_signature {
        // Change the last byte of S: still strict DER, no longer a valid signature.
        let n = sig.len();
        sig[n - 1] ^= 0x01;
    }
    sig.push(SIGHASH_ALL as u8);
    tx.input[0].witness = Witness::from_slice(&[sig, public.serialize().to_vec()]);
    tx
}

/// A block on `tip` holding `txs`, with a segwit coinbase, solved with sha256d.
fn block_on(node: &Node, txs: Vec<Transaction>) -> Block {
    let info = node.rpc("getblockchaininfo", json!([]));
    let height = info["blocks"].as_u64().unwrap() as u32 + 1;
    let tip: BlockHash = info["bestblockhash"].as_str().unwrap().parse().unwrap();
    let mut script_sig = coinbase_height_script(height);
    script_sig.extend_from_slice(&[1, 0x2a]);
    let coinbase = Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            script_sig: ScriptBuf::from_bytes(script_sig),
            sequence: Sequence::MAX,
            witness: Witness::from_slice(&[[0u8; 32]]),
        }],
        output: vec![TxOut {
            value: Amount::from_sat(475_000_000),
            script_pubkey: ScriptBuf::from_bytes(p2wpkh_script()),
        }],
        announcement: None,
        lock_time: 0,
    };
    let mut block = Block {
        header: Header {
            version: Version::from_consensus(PowAlgo::Sha256d.block_version()),
            prev_blockhash: tip,
            merkle_root: TxMerkleNode::all_zeros(),
            time: info["time"].as_u64().unwrap() as u32 + 1,
            bits: CompactTarget::from_consensus(0x207fffff),
            nonce: 0,
        },
        txdata: std::iter::once(coinbase).chain(txs).collect(),
    };
    let commitment = block.compute_witness_commitment(&[0u8; 32]);
    block.txdata[0].output.push(TxOut { value: Amount::ZERO, script_pubkey: witness_commitment_script(&commitment) });
    block.header.merkle_root = block.compute_merkle_root().0;
    let target = from_compact(0x207fffff).unwrap();
    while hash_to_number(&consensus::pow_hash(PowAlgo::Sha256d, &header_bytes(&block.header))) > target {
        block.header.nonce += 1;
    }
    block
}

#[test]
fn a_block_with_a_bad_signature_is_rejected_naming_the_script_error() {
    let node = Node::start(&[]);
    node.rpc("generatetoaddress", json!([101, REGTEST_ADDRESS]));
    let first = node.rpc("getblockhash", json!([1]));
    let coinbase_txid: Txid = node.rpc("getblock", json!([first, 1]))["tx"][0].as_str().unwrap().parse().unwrap();
    let outpoint = OutPoint { txid: coinbase_txid, vout: 0 };
    let tip_before = node.rpc("getbestblockhash", json!([]));

    let bad = block_on(&node, vec![spend(outpoint, true)]);
    let result = node.rpc("submitblock", json!([hex::encode(bad.serialize())]));
    assert_eq!(
        result,
        "mandatory-script-verify-flag-failed (Script evaluated without error but finished with a false/empty top stack element)"
    );
    assert_eq!(node.rpc("getbestblockhash", json!([])), tip_before);
    assert_eq!(node.rpc("getblockcount", json!([])), 101);

    // The same spend correctly signed is accepted; resubmitting is "duplicate".
    let good = block_on(&node, vec![spend(outpoint, false)]);
    let hex = hex::encode(good.serialize());
    assert_eq!(node.rpc("submitblock", json!([hex])), serde_json::Value::Null);
    assert_eq!(node.rpc("getblockcount", json!([])), 102);
    assert_eq!(node.rpc("submitblock", json!([hex])), "duplicate");
    // Spending the same coin again is a missing input.
    let again = block_on(&node, vec![spend(outpoint, false)]);
    assert_eq!(node.rpc("submitblock", json!([hex::encode(again.serialize())])), "bad-txns-inputs-missingorspent");
    // Garbage is a decode error (-22), not a crash.
    match node.try_rpc("submitblock", json!(["00ff"])) {
        Err(rpc::ClientError::Rpc(e)) => assert_eq!(e.code, -22),
        other => panic!("{other:?}"),
    }
    assert_eq!(node.rpc("getblockcount", json!([])), 102);
}
