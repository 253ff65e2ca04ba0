use super::*;
use crate::miner::solve;
use crate::store::MemoryStore;
use primitives::{Address, Network};

fn cache() -> Arc<SignatureCache> {
    Arc::new(SignatureCache::new(1000, [1; 32]))
}

fn regtest() -> Chainstate {
    Chainstate::open(Arc::new(ChainParams::regtest()), Box::new(MemoryStore::default()), cache(), 2).unwrap()
}

fn mine(cs: &mut Chainstate, algo: PowAlgo, now: i64) -> Result<BlockHash, SubmitError> {
    let script = Address::p2wpkh([7; 20], Network::Regtest).script_pubkey().clone();
    let mut block = cs.block_template(algo, &script, now, cs.tip().height);
    assert!(solve(&mut block, algo, &mut 1_000_000));
    cs.submit_block(block, now)
}

#[test]
fn mines_every_algorithm_and_accumulates_work() {
    let mut cs = regtest();
    let now = i64::from(cs.params().genesis.header.time) + 1000;
    for (i, algo) in PowAlgo::ALL.into_iter().enumerate() {
        mine(&mut cs, algo, now + i as i64).unwrap();
    }
    assert_eq!(cs.tip().height, 5);
    // Regtest work is 2 per block (see consensus' work tests), genesis too.
    assert_eq!(cs.tip().chain_work, BigUint::from(12u32));
}

#[test]
fn rejects_duplicates_bad_bits_and_overpaying_coinbase() {
    let mut cs = regtest();
    let now = i64::from(cs.params().genesis.header.time) + 1000;
    let script = Address::p2wpkh([7; 20], Network::Regtest).script_pubkey().clone();
    let template = cs.block_template(PowAlgo::Sha256d, &script, now, 0);

    let mut overpay = template.clone();
    overpay.txdata[0].output[0].value = primitives::Amount::from_sat(475_000_001);
    let commitment = overpay.compute_witness_commitment(&[0; 32]);
    let last = overpay.txdata[0].output.len() - 1;
    overpay.txdata[0].output[last].script_pubkey = primitives::block::witness_commitment_script(&commitment);
    overpay.header.merkle_root = overpay.compute_merkle_root().0;
    assert!(solve(&mut overpay, PowAlgo::Sha256d, &mut 1_000_000));
    let err = cs.submit_block(overpay, now).unwrap_err();
    assert_eq!(err.bip22_result(), "bad-cb-amount");

    let mut bad_bits = template.clone();
    bad_bits.header.bits = primitives::CompactTarget::from_consensus(0x207ffffe);
    assert!(solve(&mut bad_bits, PowAlgo::Sha256d, &mut 1_000_000));
    assert_eq!(cs.submit_block(bad_bits, now).unwrap_err().bip22_result(), "bad-diffbits");

    let mut good = template;
    assert!(solve(&mut good, PowAlgo::Sha256d, &mut 1_000_000));
    cs.submit_block(good.clone(), now).unwrap();
    assert_eq!(cs.submit_block(good, now).unwrap_err().bip22_result(), "duplicate");
    assert_eq!(cs.tip().height, 1);
}

#[test]
fn future_blocks_are_not_yet_valid() {
    let mut cs = regtest();
    let now = i64::from(cs.params().genesis.header.time) + 1000;
    let script = Address::p2wpkh([7; 20], Network::Regtest).script_pubkey().clone();
    let mut block = cs.block_template(PowAlgo::Skein, &script, now + 601, 0);
    assert!(solve(&mut block, PowAlgo::Skein, &mut 1_000_000));
    let err = cs.submit_block(block, now).unwrap_err();
    assert_eq!(err.bip22_result(), "time-too-new");
    assert!(matches!(err, SubmitError::Invalid(ref e) if e.kind() == consensus::RejectKind::NotYetValid));
}

#[test]
fn reopening_restores_tip_and_work() {
    let store = std::sync::Arc::new(MemoryStore::default());
    struct Shared(std::sync::Arc<MemoryStore>);
    impl ChainStore for Shared {
        fn coin(&self, o: &OutPoint) -> Result<Option<Coin>, StoreError> {
            self.0.coin(o)
        }
        fn block(&self, h: &BlockHash) -> Result<Option<Vec<u8>>, StoreError> {
            self.0.block(h)
        }
        fn write_block(&self, h: &BlockHash, b: &[u8], u: &[u8]) -> Result<(), StoreError> {
            self.0.write_block(h, b, u)
        }
        fn commit(&self, batch: ConnectBatch) -> Result<(), StoreError> {
            self.0.commit(batch)
        }
        fn index_records(&self) -> Result<Vec<IndexRecord>, StoreError> {
            self.0.index_records()
        }
        fn tip(&self) -> Result<Option<BlockHash>, StoreError> {
            self.0.tip()
        }
        fn size_on_disk(&self) -> u64 {
            0
        }
    }
    let params = Arc::new(ChainParams::regtest());
    let mut cs = Chainstate::open(params.clone(), Box::new(Shared(store.clone())), cache(), 2).unwrap();
    let now = i64::from(params.genesis.header.time) + 1000;
    for i in 0..3 {
        mine(&mut cs, PowAlgo::Groestl, now + i).unwrap();
    }
    let (tip, work) = (cs.tip().hash, cs.tip().chain_work.clone());
    drop(cs);
    let cs = Chainstate::open(params, Box::new(Shared(store)), cache(), 2).unwrap();
    assert_eq!(cs.tip().hash, tip);
    assert_eq!(cs.tip().chain_work, work);
    assert_eq!(cs.tip().height, 3);
    assert_eq!(cs.tip().tx_count, 1);
}
