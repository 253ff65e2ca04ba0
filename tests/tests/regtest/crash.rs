//! Crash safety: a node fed a chain with transactions is killed with SIGKILL
//! at random moments; after every restart `verifychain` passes, its UTXO set
//! equals that of a node never killed at the same height, and it goes on to
//! the full chain.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};
use zennet_tests::chain::{block_on, coinbase_of, spend};
use zennet_tests::{Node, REGTEST_ADDRESS};

/// A reference chain of `length` blocks (transactions from height 101 on)
/// built on `node`; returns each block's hex and the UTXO hash after it.
fn reference_chain(node: &Node, length: u64) -> (Vec<String>, Vec<Value>) {
    node.rpc("generatetoaddress", json!([100, REGTEST_ADDRESS]));
    while node.rpc("getblockcount", json!([])).as_u64().unwrap() < length {
        let height = node.rpc("getblockcount", json!([])).as_u64().unwrap() + 1;
        let (outpoint, value) = coinbase_of(node, height - 100);
        let block = block_on(node, vec![spend(outpoint, value, false)]);
        assert_eq!(node.rpc("submitblock", json!([hex::encode(block.serialize())])), Value::Null);
    }
    let mut blocks = vec![String::new()];
    let mut hashes = Vec::new();
    for height in 1..=length {
        let hash = node.rpc("getblockhash", json!([height]));
        blocks.push(node.rpc("getblock", json!([hash, 0])).as_str().unwrap().to_string());
    }
    // UTXO hash at every height: feed a fresh node block by block.
    // A kill before block 1 is stored leaves the node at genesis, so height
    // 0 needs its UTXO hash too.
    let recorder = Node::start(&[]);
    hashes.push(recorder.rpc("gettxoutsetinfo", json!([]))["hash_serialized_3"].clone());
    for block in &blocks[1..] {
        assert_eq!(recorder.rpc("submitblock", json!([block])), Value::Null);
        hashes.push(recorder.rpc("gettxoutsetinfo", json!([]))["hash_serialized_3"].clone());
    }
    (blocks, hashes)
}

fn seed() -> u64 {
    let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64) | 1;
    eprintln!("crash test seed {seed}");
    seed
}

fn run(length: u64, kills: usize) {
    let reference = Node::start(&[]);
    let (blocks, utxo_hashes) = reference_chain(&reference, length);
    let mut state = seed();
    let mut rand = move |n: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % n
    };
    // The first block is always among the kills: the node may die before
    // anything but genesis is stored.
    let mut kill_at: Vec<u64> = std::iter::once(1).chain((1..kills).map(|_| 1 + rand(length - 1))).collect();
    kill_at.sort_unstable();

    let mut node = Node::start(&[]);
    let mut next = 1u64;
    for &target in &kill_at {
        while next < target {
            node.rpc("submitblock", json!([blocks[next as usize]]));
            next += 1;
        }
        // Submit the next block from another thread and kill the process
        // while it may be anywhere in storing or connecting it.
        let block = blocks[next as usize].clone();
        let client = node.client().unwrap();
        let submitter = std::thread::spawn(move || client.call("submitblock", json!([block])));
        std::thread::sleep(Duration::from_micros(rand(20_000)));
        node.kill();
        let _ = submitter.join();
        node.restart();

        let height = node.rpc("getblockcount", json!([])).as_u64().unwrap();
        assert!(height + 1 >= next, "lost blocks: height {height} after submitting up to {next}");
        assert_eq!(node.rpc("verifychain", json!([3, 0])), json!(true), "verifychain after a kill at block {next}");
        let info = node.rpc("gettxoutsetinfo", json!([]));
        assert_eq!(info["hash_serialized_3"], utxo_hashes[height as usize], "UTXO set at height {height}");
        next = height + 1;
    }
    while next <= length {
        node.rpc("submitblock", json!([blocks[next as usize]]));
        next += 1;
    }
    assert_eq!(node.rpc("getblockcount", json!([])), length);
    assert_eq!(node.rpc("gettxoutsetinfo", json!([]))["hash_serialized_3"], utxo_hashes[length as usize]);
    assert_eq!(node.rpc("getbestblockhash", json!([])), reference.rpc("getbestblockhash", json!([])));
}

#[test]
fn survives_sigkill_at_random_moments() {
    run(300, 5);
}

#[test]
#[ignore = "soak: 2,000 blocks and 20 kills"]
fn survives_sigkill_soak() {
    run(2_000, 20);
}
