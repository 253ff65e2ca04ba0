//! An external miner written here (the `scrypt` crate, not zennetd's
//! miner) works from `getblocktemplate {"rules":["segwit"]} "scrypt"`,
//! grinds the nonce and submits the block, which the node accepts with the
//! mempool's transactions in feerate order.

use bitcoin::hashes::{sha256d, Hash};
use primitives::{
    Amount, Block, BlockHash, CompactTarget, Header, HeaderVersion, ScriptBuf, Transaction, TxMerkleNode, TxOut,
};
use serde_json::{json, Value};
use zennet_tests::chain::{coinbase_of, coinbase_tx, p2wpkh_script, spend};
use zennet_tests::{Node, REGTEST_ADDRESS};

/// Merkle root computed here from txids (Bitcoin's rule, duplicate the odd one out).
fn merkle_root(txids: Vec<[u8; 32]>) -> [u8; 32] {
    let mut level = txids;
    while level.len() > 1 {
        if level.len() % 2 == 1 {
            level.push(*level.last().unwrap());
        }
        level = level.chunks(2).map(|p| sha256d::Hash::hash(&[p[0], p[1]].concat()).to_byte_array()).collect();
    }
    level[0]
}

#[test]
fn external_scrypt_miner_from_getblocktemplate() {
    let node = Node::start(&[]);
    node.rpc("generatetoaddress", json!([103, REGTEST_ADDRESS]));
    // Three spends paying 0.001, 0.003 and 0.002 ZEN in fees.
    let mut sent = Vec::new();
    for (height, fee) in [(1u64, 100_000u64), (2, 300_000), (3, 200_000)] {
        let (outpoint, value) = coinbase_of(&node, height);
        let mut tx = spend(outpoint, value, false);
        tx.output[0].value = Amount::from_sat(value - fee);
        let tx = zennet_tests::chain::resign(tx, value);
        node.rpc("sendrawtransaction", json!([hex::encode(tx.serialize())]));
        sent.push((tx.txid().to_string(), fee));
    }

    let no_segwit = node.try_rpc("getblocktemplate", json!([{}]));
    assert!(matches!(no_segwit, Err(rpc::ClientError::Rpc(ref e)) if e.code == -8), "{no_segwit:?}");
    let t = node.rpc("getblocktemplate", json!([{"rules": ["segwit"]}, "scrypt"]));
    assert_eq!(t["pow_algo"], "scrypt");
    assert_eq!(t["transactions"].as_array().unwrap().len(), 3);
    assert_eq!(t["coinbasevalue"], 475_000_000u64 + 600_000);

    // The coinbase: BIP34 height, the value, the witness commitment.
    let height = t["height"].as_u64().unwrap() as u32;
    let outputs = vec![
        TxOut {
            value: Amount::from_sat(t["coinbasevalue"].as_u64().unwrap()),
            script_pubkey: ScriptBuf::from_bytes(p2wpkh_script()),
        },
        TxOut {
            value: Amount::ZERO,
            script_pubkey: ScriptBuf::from_bytes(
                hex::decode(t["default_witness_commitment"].as_str().unwrap()).unwrap(),
            ),
        },
    ];
    let coinbase = coinbase_tx(height, &[0xde, 0xad, 0xbe, 0xef], outputs);
    let mut txdata = vec![coinbase];
    for entry in t["transactions"].as_array().unwrap() {
        txdata.push(Transaction::from_bytes(&hex::decode(entry["data"].as_str().unwrap()).unwrap()).unwrap());
    }
    let root = merkle_root(txdata.iter().map(|tx| tx.txid().to_byte_array()).collect());

    // Grind the nonce with scrypt(N=1024, r=1, p=1) of the 80-byte header.
    let prev: BlockHash = t["previousblockhash"].as_str().unwrap().parse().unwrap();
    let bits = u32::from_str_radix(t["bits"].as_str().unwrap(), 16).unwrap();
    let mut target = hex::decode(t["target"].as_str().unwrap()).unwrap();
    target.reverse(); // little-endian, like the hash
    let mut header = Vec::with_capacity(80);
    header.extend_from_slice(&(t["version"].as_i64().unwrap() as i32).to_le_bytes());
    header.extend_from_slice(prev.as_byte_array());
    header.extend_from_slice(&root);
    header.extend_from_slice(&(t["curtime"].as_u64().unwrap() as u32).to_le_bytes());
    header.extend_from_slice(&bits.to_le_bytes());
    header.extend_from_slice(&[0; 4]);
    let params = scrypt::Params::new(10, 1, 1).unwrap();
    let nonce = (0u32..)
        .find(|nonce| {
            header[76..].copy_from_slice(&nonce.to_le_bytes());
            let mut hash = [0u8; 32];
            scrypt::scrypt(&header, &header, &params, &mut hash).unwrap();
            hash.iter().rev().cmp(target.iter().rev()) != std::cmp::Ordering::Greater
        })
        .unwrap();

    let block = Block {
        header: Header {
            version: HeaderVersion::from_consensus(t["version"].as_i64().unwrap() as i32),
            prev_blockhash: prev,
            merkle_root: TxMerkleNode::from_byte_array(root),
            time: t["curtime"].as_u64().unwrap() as u32,
            bits: CompactTarget::from_consensus(bits),
            nonce,
        },
        txdata: txdata.into_iter().map(Into::into).collect(),
    };
    let hex_block = hex::encode(block.serialize());
    assert_eq!(
        node.rpc("getblocktemplate", json!([{"rules": ["segwit"], "mode": "proposal", "data": hex_block}])),
        Value::Null
    );
    assert_eq!(node.rpc("submitblock", json!([hex_block])), Value::Null);
    let mined = node.rpc("getblock", json!([block.block_hash().to_string(), 1]));
    assert_eq!(mined["pow_algo"], "scrypt");
    let order: Vec<String> =
        mined["tx"].as_array().unwrap()[1..].iter().map(|t| t.as_str().unwrap().to_string()).collect();
    sent.sort_by_key(|s| std::cmp::Reverse(s.1));
    assert_eq!(order, sent.into_iter().map(|s| s.0).collect::<Vec<_>>(), "highest feerate first");
    assert_eq!(node.rpc("getrawmempool", json!([])), json!([]));
}

/// -blockmintxfee and -blockmaxweight bound the blocks this node assembles, as Core.
#[test]
fn block_min_feerate_and_max_weight() {
    let node = Node::start(&["-fallbackfee=0.0002", "-blockmintxfee=0.0001", "-blockmaxweight=5000"]);
    node.rpc("createwallet", json!(["w"]));
    let address = node.wallet_rpc("w", "getnewaddress", json!([]));
    node.rpc("generatetoaddress", json!([103, address]));
    let cheap = node.wallet_rpc("w", "sendtoaddress", json!({"address": address, "amount": 1, "fee_rate": 2}));
    let dear = node.wallet_rpc("w", "sendtoaddress", json!({"address": address, "amount": 1, "fee_rate": 20}));
    let dearer = node.wallet_rpc("w", "sendtoaddress", json!({"address": address, "amount": 1, "fee_rate": 30}));
    node.mine(1);
    let block = node.rpc("getblock", json!([node.tip(), 1]));
    let txs: Vec<Value> = block["tx"].as_array().unwrap()[1..].to_vec();
    // 5,000 weight less the 4,000 coinbase reserve holds one payment: the best paying.
    assert_eq!(txs, vec![dearer.clone()], "{block}");
    let pool = node.rpc("getrawmempool", json!([]));
    assert!(pool.as_array().unwrap().contains(&cheap) && pool.as_array().unwrap().contains(&dear));
    // Room again, but the 2 sat/vB payment stays below -blockmintxfee (10 sat/vB).
    node.mine(1);
    let txs = node.rpc("getblock", json!([node.tip(), 1]))["tx"].as_array().unwrap()[1..].to_vec();
    assert_eq!(txs, vec![dear]);
    node.mine(1);
    assert_eq!(node.rpc("getrawmempool", json!([])), json!([cheap]), "never mined by this node");
}
