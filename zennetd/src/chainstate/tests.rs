use super::*;
use crate::miner::solve;
use crate::store::{ChainStore, MemoryStore};
use primitives::{Address, Network};

fn cache() -> Arc<SignatureCache> {
    Arc::new(SignatureCache::new(1000, [1; 32]))
}

fn options() -> ChainOptions {
    ChainOptions { script_threads: 2, txindex: true, cache_bytes: 4096, prune: None }
}

fn open(store: Arc<MemoryStore>) -> Chainstate {
    Chainstate::open(Arc::new(ChainParams::regtest()), Box::new(store), cache(), options()).unwrap()
}

fn regtest() -> Chainstate {
    open(Arc::new(MemoryStore::default()))
}

fn now(cs: &Chainstate) -> i64 {
    i64::from(cs.params().genesis.header.time) + 1000
}

/// A solved block of `algo` on `parent`.
fn block_on(cs: &Chainstate, parent: BlockHash, algo: PowAlgo, extra: u32) -> Block {
    let script = Address::p2wpkh([7; 20], Network::Regtest).script_pubkey().clone();
    let mut block = cs.block_template_on(&parent, algo, &script, now(cs), extra, Vec::new(), 0).unwrap();
    assert!(solve(&mut block, algo, &mut 1_000_000));
    block
}

fn mine(cs: &mut Chainstate, algo: PowAlgo) -> BlockHash {
    let block = block_on(cs, cs.tip().hash, algo, cs.tip().height);
    let hash = block.block_hash();
    let t = now(cs);
    assert_eq!(cs.submit_block(block, t).unwrap(), Accepted::Active);
    hash
}

/// The UTXO set as a sorted list, to compare chainstates.
fn utxos(cs: &mut Chainstate) -> Vec<(OutPoint, Coin)> {
    let mut out = Vec::new();
    cs.for_each_coin(&mut |o, c| out.push((o, c))).unwrap();
    out
}

#[test]
fn mines_every_algorithm_and_accumulates_work() {
    let mut cs = regtest();
    for algo in PowAlgo::ALL {
        mine(&mut cs, algo);
    }
    assert_eq!(cs.tip().height, 5);
    // Regtest work is 2 per block (see consensus' work tests), genesis too.
    assert_eq!(cs.tip().chain_work, num_bigint::BigUint::from(12u32));
    assert_eq!(utxos(&mut cs).len(), 5, "five coinbases (genesis' never enters)");
}

#[test]
fn rejects_duplicates_bad_bits_and_overpaying_coinbase() {
    let mut cs = regtest();
    let t = now(&cs);
    let template = block_on(&cs, cs.tip().hash, PowAlgo::Sha256d, 0);

    let mut overpay = template.clone();
    overpay.txdata[0].modify(|coinbase| coinbase.output[0].value = primitives::Amount::from_sat(475_000_001));
    let commitment = overpay.compute_witness_commitment(&[0; 32]);
    let last = overpay.txdata[0].output.len() - 1;
    overpay.txdata[0].modify(|coinbase| {
        coinbase.output[last].script_pubkey = primitives::block::witness_commitment_script(&commitment)
    });
    overpay.header.merkle_root = overpay.compute_merkle_root().0;
    assert!(solve(&mut overpay, PowAlgo::Sha256d, &mut 1_000_000));
    assert_eq!(cs.submit_block(overpay.clone(), t).unwrap_err().bip22_result(), "bad-cb-amount");
    assert_eq!(cs.submit_block(overpay, t).unwrap_err().bip22_result(), "duplicate-invalid");

    let mut bad_bits = template.clone();
    bad_bits.header.bits = primitives::CompactTarget::from_consensus(0x207ffffe);
    assert!(solve(&mut bad_bits, PowAlgo::Sha256d, &mut 1_000_000));
    assert_eq!(cs.submit_block(bad_bits, t).unwrap_err().bip22_result(), "bad-diffbits");

    cs.submit_block(template.clone(), t).unwrap();
    assert_eq!(cs.submit_block(template, t).unwrap_err().bip22_result(), "duplicate");
    assert_eq!(cs.tip().height, 1);
}

#[test]
fn future_blocks_are_not_yet_valid() {
    let mut cs = regtest();
    let script = Address::p2wpkh([7; 20], Network::Regtest).script_pubkey().clone();
    let t = now(&cs);
    let tip = cs.tip().hash;
    let mut block = cs.block_template_on(&tip, PowAlgo::Skein, &script, t + 601, 0, Vec::new(), 0).unwrap();
    assert!(solve(&mut block, PowAlgo::Skein, &mut 1_000_000));
    let err = cs.submit_block(block.clone(), t).unwrap_err();
    assert_eq!(err.bip22_result(), "time-too-new");
    assert!(matches!(err, SubmitError::Invalid(ref e) if e.kind() == consensus::RejectKind::NotYetValid));
    // Not remembered as invalid: accepted once the clock catches up.
    assert_eq!(cs.submit_block(block, t + 1).unwrap(), Accepted::Active);
}

#[test]
fn reopening_restores_tip_work_and_coins() {
    let store = Arc::new(MemoryStore::default());
    let mut cs = open(store.clone());
    for _ in 0..3 {
        mine(&mut cs, PowAlgo::Groestl);
    }
    let (tip, work, coins) = (cs.tip().hash, cs.tip().chain_work.clone(), utxos(&mut cs));
    drop(cs);
    let mut cs = open(store);
    assert_eq!(cs.tip().hash, tip);
    assert_eq!(cs.tip().chain_work, work);
    assert_eq!(cs.tip().height, 3);
    assert_eq!(utxos(&mut cs), coins);
}

#[test]
fn reorganises_to_the_branch_with_more_work_and_back() {
    let mut cs = regtest();
    let genesis = cs.tip().hash;
    let t = now(&cs);
    // Branch A: two blocks. Branch B: three blocks from genesis.
    let a1 = mine(&mut cs, PowAlgo::Sha256d);
    let a2 = mine(&mut cs, PowAlgo::Sha256d);
    let b1 = block_on(&cs, genesis, PowAlgo::Scrypt, 100);
    assert_eq!(cs.submit_block(b1.clone(), t).unwrap(), Accepted::SideBranch);
    let b2 = block_on(&cs, b1.block_hash(), PowAlgo::Scrypt, 101);
    assert_eq!(cs.submit_block(b2.clone(), t).unwrap(), Accepted::SideBranch, "equal work: first seen stays");
    assert_eq!(cs.tip().hash, a2);
    let b3 = block_on(&cs, b2.block_hash(), PowAlgo::Scrypt, 102);
    assert_eq!(cs.submit_block(b3.clone(), t).unwrap(), Accepted::Active);
    assert_eq!(cs.tip().hash, b3.block_hash());
    assert!(!cs.is_active(&a1));

    assert_view_matches(&mut cs);

    // The same UTXO set as a node that only ever saw branch B.
    let mut only_b = regtest();
    for block in [&b1, &b2, &b3] {
        only_b.submit_block(block.clone(), t).unwrap();
    }
    assert_eq!(utxos(&mut cs), utxos(&mut only_b));

    // invalidateblock moves back to A; reconsiderblock returns to B.
    cs.invalidate_block(&b1.block_hash()).unwrap();
    assert_eq!(cs.tip().hash, a2);
    assert!(cs.entry(&b3.block_hash()).unwrap().status.failed_parent);
    assert_view_matches(&mut cs);
    cs.reconsider_block(&b1.block_hash()).unwrap();
    assert_eq!(cs.tip().hash, b3.block_hash());
    assert_view_matches(&mut cs);
}

/// After publishing, the header view answers as the chainstate does, for
/// every indexed block and every height.
fn assert_view_matches(cs: &mut Chainstate) {
    cs.publish_headers();
    let view = cs.header_view();
    for entry in cs.index().iter() {
        let (from_view, from_chain) = (view.facts(&entry.hash).unwrap(), HeaderFacts::of(cs, entry));
        assert_eq!(from_view.entry.hash, from_chain.entry.hash);
        assert_eq!(from_view.entry.status.to_byte(), from_chain.entry.status.to_byte());
        assert_eq!(from_view.confirmations, from_chain.confirmations);
        assert_eq!(from_view.median_time, from_chain.median_time);
        assert_eq!(from_view.next, from_chain.next);
    }
    for height in 0..=cs.tip().height + 1 {
        assert_eq!(view.hash_at(height), cs.hash_at(height));
    }
}

#[test]
fn precious_block_wins_among_equal_work() {
    let mut cs = regtest();
    let genesis = cs.tip().hash;
    let t = now(&cs);
    let a1 = mine(&mut cs, PowAlgo::Skein);
    let b1 = block_on(&cs, genesis, PowAlgo::Groestl, 7);
    cs.submit_block(b1.clone(), t).unwrap();
    assert_eq!(cs.tip().hash, a1);
    cs.precious_block(&b1.block_hash()).unwrap();
    assert_eq!(cs.tip().hash, b1.block_hash());
}

#[test]
fn reindex_rebuilds_the_same_chainstate() {
    let mut cs = regtest();
    for algo in PowAlgo::ALL {
        mine(&mut cs, algo);
    }
    let (tip, coins) = (cs.tip().hash, utxos(&mut cs));
    cs.reindex().unwrap();
    assert_eq!(cs.tip().hash, tip);
    assert_eq!(utxos(&mut cs), coins);
}

#[test]
fn a_crash_before_the_cache_is_flushed_loses_nothing() {
    let store = Arc::new(MemoryStore::default());
    let params = Arc::new(ChainParams::regtest());
    let big_cache = ChainOptions { script_threads: 1, txindex: true, cache_bytes: 1 << 30, prune: None };
    let mut cs = Chainstate::open(params.clone(), Box::new(store.clone()), cache(), big_cache.clone()).unwrap();
    for algo in PowAlgo::ALL {
        mine(&mut cs, algo);
    }
    let (tip, coins) = (cs.tip().hash, utxos(&mut cs));
    mine(&mut cs, PowAlgo::Sha256d);
    let last = cs.tip().hash;
    // A crash: nothing after the last flush reaches the store.
    std::mem::forget(cs);
    assert_eq!(store.tip().unwrap(), Some(tip), "the marker lags behind the cache");
    let mut cs = Chainstate::open(params, Box::new(store), cache(), big_cache).unwrap();
    assert_eq!(cs.tip().hash, last, "the stored block above the marker is connected again");
    assert_eq!(utxos(&mut cs).len(), coins.len() + 1);
}

#[test]
fn headers_first_sync_indexes_headers_then_connects_blocks_in_any_order() {
    // A source chain of 30 blocks; the syncing chainstate gets only headers.
    let mut source = regtest();
    let hashes: Vec<BlockHash> = (0..30).map(|_| mine(&mut source, PowAlgo::Sha256d)).collect();
    let blocks: Vec<Block> = hashes.iter().map(|h| source.block(h).unwrap().unwrap()).collect();
    let mut cs = regtest();
    let headers: Vec<Header> = blocks.iter().map(|b| b.header).collect();
    let last = cs.accept_headers(&headers, now(&cs)).unwrap().unwrap();
    assert_eq!((last.hash, last.height), (hashes[29], 30));
    assert_eq!(cs.best_header().hash, hashes[29]);
    assert_eq!(cs.locator(&hashes[29]).first(), Some(&hashes[29]));
    assert_eq!(cs.locator(&hashes[29]).last(), Some(&cs.params().genesis_hash));

    let target = hashes[29];
    // Blocks arriving out of order are stored; the tip moves when the gap
    // closes (which blocks to fetch is net::download's, tested there).
    let t = now(&cs);
    cs.submit_block(blocks[2].clone(), t).unwrap();
    cs.submit_block(blocks[1].clone(), t).unwrap();
    assert_eq!(cs.tip().height, 0);
    cs.submit_block(blocks[0].clone(), t).unwrap();
    assert_eq!(cs.tip().height, 3);
    assert!(cs.verification_progress(t) < 0.2);
    for block in &blocks[3..] {
        cs.submit_block(block.clone(), t).unwrap();
    }
    assert_eq!(cs.tip().hash, target);
    let stop = <BlockHash as bitcoin::hashes::Hash>::all_zeros();
    assert_eq!(cs.headers_after(&[hashes[27]], &stop, 2000).len(), 2);
}

#[test]
fn branch_view_reads_a_side_branch_and_the_active_chain_below_it() {
    let mut cs = regtest();
    let genesis = cs.tip().hash;
    let t = now(&cs);
    let a1 = mine(&mut cs, PowAlgo::Sha256d);
    mine(&mut cs, PowAlgo::Sha256d);
    mine(&mut cs, PowAlgo::Sha256d);
    let b2 = block_on(&cs, a1, PowAlgo::Scrypt, 100);
    assert_eq!(cs.submit_block(b2.clone(), t).unwrap(), Accepted::SideBranch);
    let b3 = block_on(&cs, b2.block_hash(), PowAlgo::Scrypt, 101);
    assert_eq!(cs.submit_block(b3.clone(), t).unwrap(), Accepted::SideBranch, "equal work: first seen stays");
    let view = BranchView::new(cs.index(), &cs.active, &b3.block_hash()).unwrap();
    // Asked top-down, bottom-up and out of order: the same answers.
    for heights in [[3, 2, 1, 0, 4], [0, 1, 2, 3, 4], [2, 0, 3, 1, 4]] {
        let view = BranchView::new(cs.index(), &cs.active, &b3.block_hash()).unwrap();
        for height in heights {
            let expected = match height {
                0 => Some(genesis),
                1 => Some(a1),
                2 => Some(b2.block_hash()),
                3 => Some(b3.block_hash()),
                _ => None,
            };
            let summary = expected.map(|h| cs.entry(&h).unwrap().summary());
            assert_eq!(view.at_height(height), summary, "height {height} asked in order {heights:?}");
        }
    }
    assert_eq!(view.at_height(5), None);
}
