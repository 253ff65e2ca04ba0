//! Property test: whatever mix of mempool submissions, blocks,
//! reorganisations and invalidations happens, every mempool transaction's
//! inputs exist on the tip (in the UTXO set or the mempool), and a block
//! built from the mempool as it stands is valid on the tip.

use bitcoin::hashes::{sha256, Hash};
use primitives::{Amount, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};
use proptest::prelude::*;

use std::sync::Arc;

use consensus::ChainParams;
use primitives::{Block, BlockHash, OutPoint, PowAlgo};
use script::cache::SignatureCache;

use super::*;
use crate::chainstate::{Accepted, ChainOptions, Chainstate};
use crate::miner::solve;
use crate::store::MemoryStore;

/// P2WSH of `OP_TRUE`: spendable with the witness script alone.
fn anyone_script() -> ScriptBuf {
    let mut bytes = vec![0x00, 32];
    bytes.extend_from_slice(sha256::Hash::hash(&[0x51]).as_byte_array());
    ScriptBuf::from_bytes(bytes)
}

#[derive(Debug, Clone)]
enum Action {
    /// Spend coin number `pick` of what is spendable; `lock` 0 plain, 1 a
    /// lock time final only from the next block, 2 a one-block BIP68 lock.
    Submit {
        pick: usize,
        lock: u8,
    },
    Mine,
    /// A branch of `depth + 1` blocks from `depth` blocks below the tip,
    /// its first block spending, with `conflict`, a coin a mempool transaction spends.
    Reorg {
        depth: u32,
        conflict: bool,
    },
    Invalidate {
        depth: u32,
    },
    Reconsider,
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        4 => (any::<usize>(), 0u8..3).prop_map(|(pick, lock)| Action::Submit { pick, lock }),
        2 => Just(Action::Mine),
        1 => (0u32..3, any::<bool>()).prop_map(|(depth, conflict)| Action::Reorg { depth, conflict }),
        1 => (0u32..3).prop_map(|depth| Action::Invalidate { depth }),
        1 => Just(Action::Reconsider),
    ]
}

struct Harness {
    node: NodeState,
    extra: u32,
    invalidated: Vec<BlockHash>,
}

impl Harness {
    fn now() -> i64 {
        crate::clock::now()
    }

    fn block(&mut self, parent: BlockHash, txs: Vec<Transaction>) -> Block {
        self.extra += 1;
        let fees = 0; // the coinbase may claim less than it could
        let mut block = self
            .node
            .chain
            .block_template_on(
                &parent,
                PowAlgo::Sha256d,
                &anyone_script(),
                Self::now(),
                self.extra,
                txs.into_iter().map(HashedTx::new).collect(),
                fees,
            )
            .expect("parent indexed");
        assert!(solve(&mut block, PowAlgo::Sha256d, &mut 1_000_000));
        block
    }

    fn mine(&mut self) {
        self.extra += 1;
        let mut block = self.node.block_template(PowAlgo::Sha256d, &anyone_script(), Self::now(), self.extra);
        assert!(solve(&mut block, PowAlgo::Sha256d, &mut 1_000_000));
        let t = Self::now();
        assert_eq!(self.node.submit_block(block, t).expect("a block from the template is valid"), Accepted::Active);
    }

    /// Outpoints a new transaction could spend: unspent coins the mempool
    /// leaves alone, and outputs of mempool transactions.
    fn spendable(&mut self) -> Vec<(OutPoint, u64)> {
        let mut coins = Vec::new();
        self.node.chain.for_each_coin(&mut |o, c| coins.push((o, c.output.value.to_sat()))).expect("coins");
        let pool = self.node.mempool.pool();
        let mut out: Vec<(OutPoint, u64)> = coins.into_iter().filter(|(o, _)| pool.spender(o).is_none()).collect();
        for entry in pool.entries() {
            for (vout, output) in entry.tx.output.iter().enumerate() {
                let o = OutPoint { txid: entry.txid(), vout: vout as u32 };
                if pool.spender(&o).is_none() {
                    out.push((o, output.value.to_sat()));
                }
            }
        }
        out.sort_by_key(|(o, _)| (o.txid, o.vout));
        out
    }

    fn spend(&self, outpoint: OutPoint, value: u64, lock: u8, fee: u64) -> Transaction {
        let (sequence, lock_time) = match lock {
            1 => (Sequence(0xffff_fffe), self.node.chain.tip().height),
            2 => (Sequence(1), 0),
            _ => (Sequence::MAX, 0),
        };
        Transaction {
            version: 2,
            input: vec![TxIn {
                previous_output: outpoint,
                script_sig: ScriptBuf::new(),
                sequence,
                witness: Witness::from_slice(&[[0x51u8]]),
            }],
            output: vec![TxOut { value: Amount::from_sat(value - fee), script_pubkey: anyone_script() }],
            announcement: None,
            lock_time,
        }
    }

    fn apply(&mut self, action: &Action) {
        let now = Self::now();
        match *action {
            Action::Submit { pick, lock } => {
                let coins = self.spendable();
                if coins.is_empty() {
                    return;
                }
                let (outpoint, value) = coins[pick % coins.len()];
                if value < 10_000 {
                    return;
                }
                let tx = self.spend(outpoint, value, lock, 2_000);
                let _ = self.node.accept_to_mempool(tx, now, false);
            }
            Action::Mine => self.mine(),
            Action::Reorg { depth, conflict } => {
                let tip = self.node.chain.tip().height;
                if tip <= depth + 1 {
                    return;
                }
                let fork = tip - depth - 1;
                let mut first_txs = Vec::new();
                if conflict {
                    // A rival spend of a coin that a mempool transaction spends, mature on the branch.
                    let rival = self.node.mempool.pool().entries().find_map(|e| {
                        let input = e.tx.input[0].previous_output;
                        let coin = self.node.chain.coin(&input).ok().flatten()?;
                        let mature =
                            !coin.is_coinbase || fork + 1 - coin.height >= self.node.chain.params().coinbase_maturity;
                        (coin.height <= fork && mature).then(|| self.spend(input, coin.output.value.to_sat(), 0, 3_000))
                    });
                    first_txs.extend(rival);
                }
                let mut parent = self.node.chain.hash_at(fork).expect("fork on the active chain");
                for i in 0..=depth + 1 {
                    let txs = if i == 0 { std::mem::take(&mut first_txs) } else { Vec::new() };
                    let block = self.block(parent, txs);
                    parent = block.block_hash();
                    let _ = self.node.submit_block(block, now);
                }
            }
            Action::Invalidate { depth } => {
                let tip = self.node.chain.tip().height;
                if tip <= depth + 1 {
                    return;
                }
                let hash = self.node.chain.hash_at(tip - depth).expect("active");
                self.node.invalidate_block(&hash, now).expect("invalidate");
                self.invalidated.push(hash);
            }
            Action::Reconsider => {
                if let Some(hash) = self.invalidated.pop() {
                    self.node.reconsider_block(&hash, now).expect("reconsider");
                }
            }
        }
    }

    /// The property.
    fn check(&mut self) -> Result<(), TestCaseError> {
        let pool = self.node.mempool.pool();
        for entry in pool.entries() {
            for input in &entry.tx.input {
                let o = input.previous_output;
                let in_pool = pool.get(&o.txid).is_some_and(|p| p.tx.output.len() > o.vout as usize);
                let on_chain = self.node.chain.coin(&o).expect("coin").is_some();
                prop_assert!(
                    in_pool || on_chain,
                    "{} spends {o}, which is neither in the pool nor on the tip",
                    entry.txid()
                );
            }
        }
        // A block of the pool's selection as it stands (no defensive eviction).
        let (txs, fees) = ::mempool::select::select_transactions(pool);
        let count = txs.len();
        let tip = self.node.chain.tip().hash;
        self.extra += 1;
        let mut block = self
            .node
            .chain
            .block_template_on(&tip, PowAlgo::Sha256d, &anyone_script(), Self::now(), self.extra, txs, fees)
            .expect("tip indexed");
        prop_assert!(solve(&mut block, PowAlgo::Sha256d, &mut 1_000_000));
        let verdict = self.node.chain.test_block_validity(&block, Self::now());
        prop_assert!(verdict.is_ok(), "a template of {count} mempool transactions is invalid: {verdict:?}");
        Ok(())
    }
}

fn harness() -> Harness {
    let cache = Arc::new(SignatureCache::new(1000, [1; 32]));
    let chain = Chainstate::open(
        Arc::new(ChainParams::regtest()),
        Box::new(MemoryStore::default()),
        cache.clone(),
        ChainOptions { script_threads: 1, txindex: false, cache_bytes: 1 << 20, prune: None },
    )
    .expect("open");
    let node = NodeState::new(chain, Default::default(), cache, true).expect("node state");
    Harness { node, extra: 0, invalidated: Vec::new() }
}

#[test]
fn followers_hear_of_blocks_transactions_and_the_tip() {
    let mut h = harness();
    for _ in 0..101 {
        h.mine();
    }
    let mut chain_feed = h.node.subscribe_chain();
    let mut mempool_feed = h.node.subscribe_mempool();
    let coins = h.spendable();
    let (outpoint, value) = *coins.iter().find(|(_, v)| *v > 10_000).expect("a coin");
    let tx = h.spend(outpoint, value, 0, 2_000);
    let txid = tx.txid();
    h.node.accept_to_mempool(tx.clone(), Harness::now(), false).expect("accepted");
    match mempool_feed.try_recv().expect("a notification") {
        Notification::TransactionAdded { tx: added, fee, vsize } => {
            assert_eq!(added.txid(), txid);
            assert_eq!((fee, vsize), (2_000, tx.vsize()), "fee and size come with it");
        }
        other => panic!("{other:?}"),
    }
    h.mine();
    assert!(matches!(mempool_feed.try_recv(), Ok(Notification::TransactionRemoved { txid: t }) if t == txid));
    match chain_feed.try_recv().expect("a block") {
        Notification::BlockConnected { block, height } => {
            assert_eq!(height, 102);
            assert!(block.txdata.iter().any(|t| t.txid() == txid), "with its transactions");
        }
        other => panic!("{other:?}"),
    }
    assert!(matches!(chain_feed.try_recv(), Ok(Notification::TipChanged { height: 102, .. })));
    // A disconnection, and the transaction back in the mempool.
    let tip = h.node.chain.tip().hash;
    h.node.invalidate_block(&tip, Harness::now()).unwrap();
    assert!(matches!(chain_feed.try_recv(), Ok(Notification::BlockDisconnected { height: 102, .. })));
    assert!(matches!(chain_feed.try_recv(), Ok(Notification::TipChanged { height: 101, .. })));
    assert!(matches!(mempool_feed.try_recv(), Ok(Notification::TransactionAdded { .. })));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn the_mempool_stays_minable_through_blocks_reorgs_and_invalidations(
        actions in proptest::collection::vec(action(), 10..40)
    ) {
        let mut h = harness();
        // Coinbases at the edge of maturity make reorganisations matter.
        for _ in 0..102 {
            h.mine();
        }
        for action in &actions {
            h.apply(action);
            h.check()?;
        }
    }
}
