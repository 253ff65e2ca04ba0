//! Building blocks and transactions in the test itself (not with zennetd's
//! miner): spends of REGTEST_ADDRESS coins and sha256d-solved blocks.

use bitcoin::block::{Header, Version};
use bitcoin::hashes::Hash;
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};
use consensus::check::coinbase_height_script;
use consensus::target::{from_compact, hash_to_number};
use primitives::block::{header_bytes, witness_commitment_script};
use primitives::{
    Amount, Block, BlockHash, CompactTarget, HashedTx, OutPoint, PowAlgo, ScriptBuf, Sequence, Transaction, TxIn,
    TxMerkleNode, TxOut, Witness,
};
use script::sighash::{segwit_v0_sighash, SIGHASH_ALL};
use script::PrecomputedTransactionData;
use serde_json::json;

use crate::Node;

/// REGTEST_ADDRESS is P2WPKH of secret key 1's public key.
pub fn key() -> (SecretKey, PublicKey) {
    let mut bytes = [0u8; 32];
    bytes[31] = 1;
    let secret = SecretKey::from_slice(&bytes).expect("valid key");
    (secret, PublicKey::from_secret_key(&Secp256k1::new(), &secret))
}

pub fn p2wpkh_script() -> Vec<u8> {
    hex::decode("0014751e76e8199196d454941c45d1b3a323f1433bd6").expect("hex")
}

/// Spends `outpoint` (holding `amount` at REGTEST_ADDRESS) back to the same
/// address less a fee (0.01 ZEN, or 1% of small amounts); with
/// `corrupt_signature`, the signature is invalid.
pub fn spend(outpoint: OutPoint, amount: u64, corrupt_signature: bool) -> Transaction {
    let tx = unsigned_spend(outpoint, amount - (amount / 100).min(1_000_000));
    sign(tx, amount, corrupt_signature)
}

/// One input (`outpoint`, no witness yet), one output of `value` to REGTEST_ADDRESS.
pub fn unsigned_spend(outpoint: OutPoint, value: u64) -> Transaction {
    Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: outpoint,
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: vec![TxOut { value: Amount::from_sat(value), script_pubkey: ScriptBuf::from_bytes(p2wpkh_script()) }],
        announcement: None,
        lock_time: 0,
    }
}

/// Signs input 0 of `tx` again (after its outputs changed).
pub fn resign(tx: Transaction, amount: u64) -> Transaction {
    sign(tx, amount, false)
}

fn sign(mut tx: Transaction, amount: u64, corrupt_signature: bool) -> Transaction {
    let (secret, public) = key();
    let script_code = hex::decode("76a914751e76e8199196d454941c45d1b3a323f1433bd688ac").expect("hex");
    let pre = PrecomputedTransactionData::new(&tx);
    let sighash = segwit_v0_sighash(&tx, 0, &script_code, amount, SIGHASH_ALL, &pre);
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

fn unix_now() -> u32 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as u32)
}

/// A segwit coinbase for `height` (BIP34 height, then `tag` in the
/// scriptSig; the witness reserved value of zeros) paying `outputs`.
pub fn coinbase_tx(height: u32, tag: &[u8], outputs: Vec<TxOut>) -> Transaction {
    let mut script_sig = coinbase_height_script(height);
    script_sig.push(tag.len() as u8);
    script_sig.extend_from_slice(tag);
    Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            script_sig: ScriptBuf::from_bytes(script_sig),
            sequence: Sequence::MAX,
            witness: Witness::from_slice(&[[0u8; 32]]),
        }],
        output: outputs,
        announcement: None,
        lock_time: 0,
    }
}

/// A block on `node`'s tip holding `txs`, with a segwit coinbase paying the
/// subsidy (at heights below 150) to REGTEST_ADDRESS, solved with sha256d.
pub fn block_on(node: &Node, txs: Vec<Transaction>) -> Block {
    let info = node.rpc("getblockchaininfo", json!([]));
    let height = info["blocks"].as_u64().expect("blocks") as u32 + 1;
    let tip: BlockHash = info["bestblockhash"].as_str().expect("hash").parse().expect("hash");
    let mtp = info["mediantime"].as_u64().expect("mediantime") as u32;
    let subsidy = 475_000_000u64.checked_shr(height / 150).unwrap_or(0);
    let payout = TxOut { value: Amount::from_sat(subsidy), script_pubkey: ScriptBuf::from_bytes(p2wpkh_script()) };
    let coinbase = coinbase_tx(height, &[0x2a], vec![payout]);
    let mut block = Block {
        header: Header {
            version: Version::from_consensus(PowAlgo::Sha256d.block_version()),
            prev_blockhash: tip,
            merkle_root: TxMerkleNode::all_zeros(),
            time: unix_now().max(mtp + 1),
            bits: CompactTarget::from_consensus(0x207fffff),
            nonce: 0,
        },
        txdata: std::iter::once(coinbase).chain(txs).map(HashedTx::from).collect(),
    };
    let commitment = block.compute_witness_commitment(&[0u8; 32]);
    block.txdata[0].modify(|coinbase| {
        coinbase.output.push(TxOut { value: Amount::ZERO, script_pubkey: witness_commitment_script(&commitment) })
    });
    block.header.merkle_root = block.compute_merkle_root().0;
    let target = from_compact(0x207fffff).expect("bits");
    while hash_to_number(&consensus::pow_hash(PowAlgo::Sha256d, &header_bytes(&block.header))) > target {
        block.header.nonce += 1;
    }
    block
}

/// The coinbase output of the block at `height` on `node`'s chain.
pub fn coinbase_of(node: &Node, height: u64) -> (OutPoint, u64) {
    let hash = node.rpc("getblockhash", json!([height]));
    let block = node.rpc("getblock", json!([hash, 2]));
    let txid = block["tx"][0]["txid"].as_str().expect("txid").parse().expect("txid");
    let value = block["tx"][0]["vout"][0]["value"].as_f64().expect("value");
    (OutPoint { txid, vout: 0 }, (value * 1e8).round() as u64)
}

/// A task announcement funded by `outpoint` (holding `amount` at
/// REGTEST_ADDRESS) that expires `expiry` blocks after inclusion, with a
/// regtest identity and transaction proof of work.
pub fn announcement(outpoint: OutPoint, amount: u64, expiry: u32) -> Transaction {
    use bitcoin::secp256k1::Keypair;
    use primitives::market::{CoreChoice, MarketBody, Role, Task};
    use std::sync::atomic::AtomicBool;
    use wallet::announcement::{build_announcement, grind_tx_pow, mine_identity, sign_body, Funding};

    let params = consensus::ChainParams::regtest();
    let publisher = Keypair::from_secret_key(&Secp256k1::new(), &SecretKey::from_slice(&[0x44; 32]).expect("key"));
    let cancel = AtomicBool::new(false);
    let target = consensus::check::announcement::identity_target(&params, Role::Publisher, 0);
    let identity = mine_identity(Role::Publisher, &publisher, &target, 1, &|_| {}, &cancel).expect("identity");
    let body = MarketBody::Task(Task {
        publisher: identity,
        os_choices: vec!["debian-12".into()],
        min_bandwidth_kbps: 1000,
        min_disk_mb: 1000,
        min_disk_iops: 100,
        persistent_mb: 0,
        core_choices: vec![CoreChoice { count: 2, min_mhz: 2000 }],
        memory_mb_per_core: 1024,
        min_memory_mhz: 0,
        min_vms: 1,
        endpoint: "198.51.100.7:7000".into(),
        lease_min_secs: 600,
        lease_max_secs: 7200,
        payout_interval_secs: 60,
        rate_core_ghz_hour: 1000,
        rate_memory_mb_hour: 1,
        rate_disk_gb_hour: 1,
        rate_transfer_gb: 1,
        accept_pow_bits: 0x207fffff,
        accept_within_blocks: 100,
        info: String::new(),
    });
    let signed = sign_body(body, &publisher, outpoint);
    let output = TxOut { value: Amount::from_sat(amount), script_pubkey: ScriptBuf::from_bytes(p2wpkh_script()) };
    let funding = Funding { outpoint, output, key: key().0 };
    let mut tx = build_announcement(&[funding], &signed, expiry, 0).expect("announcement");
    grind_tx_pow(&mut tx, params.market.task_pow_bits, &cancel).expect("tx pow");
    tx
}

/// An acceptance of task `task_id` funded by `outpoint` (holding `amount`
/// at REGTEST_ADDRESS), signed by a fresh regtest node identity, with a
/// transaction proof of work that meets `meets_bits` but not `misses_bits`
/// (an acceptance below what its task demands).
pub fn weak_acceptance(
    outpoint: OutPoint,
    amount: u64,
    task_id: [u8; 32],
    meets_bits: u32,
    misses_bits: u32,
) -> Transaction {
    use bitcoin::secp256k1::Keypair;
    use consensus::check::announcement::meets_tx_pow;
    use primitives::market::{Acceptance, MarketBody, Role};
    use std::sync::atomic::AtomicBool;
    use wallet::announcement::{build_announcement, mine_identity, sign_body, Funding};

    let params = consensus::ChainParams::regtest();
    let secp = Secp256k1::new();
    let node_key = Keypair::from_secret_key(&secp, &SecretKey::from_slice(&[0x55; 32]).expect("key"));
    let target = consensus::check::announcement::identity_target(&params, Role::Node, 0);
    let node = mine_identity(Role::Node, &node_key, &target, 1, &|_| {}, &AtomicBool::new(false)).expect("identity");
    let body = MarketBody::Acceptance(Acceptance {
        task_id,
        node,
        payee_pubkey: key().1.serialize(),
        cores: 64,
        mhz: 5000,
        memory_mb: 1 << 20,
        disk_mb: 1 << 20,
        bandwidth_kbps: 1 << 20,
    });
    let signed = sign_body(body, &node_key, outpoint);
    let output = TxOut { value: Amount::from_sat(amount), script_pubkey: ScriptBuf::from_bytes(p2wpkh_script()) };
    let mut tx =
        build_announcement(&[Funding { outpoint, output, key: key().0 }], &signed, 100, 0).expect("acceptance");
    let nonce = (0u64..)
        .find(|n| meets_tx_pow(&tx, *n, meets_bits) && !meets_tx_pow(&tx, *n, misses_bits))
        .expect("a nonce between the two targets");
    if let Some(ann) = tx.announcement.as_mut() {
        ann.nonce = nonce;
    }
    tx
}
