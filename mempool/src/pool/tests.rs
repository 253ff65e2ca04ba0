use super::*;
use crate::select::select_transactions;
use bitcoin::hashes::{hash160, Hash};
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};
use consensus::difficulty::BlockSummary;
use primitives::{Amount, ScriptBuf, Sequence, TxIn, Witness, COIN};
use script::sighash::{segwit_v0_sighash, SIGHASH_ALL};
use script::PrecomputedTransactionData;

struct Fixture {
    params: ChainParams,
    chain: Vec<BlockSummary>,
    coins: HashMap<OutPoint, Coin>,
    key: SecretKey,
    script: ScriptBuf,
}

fn fixture() -> Fixture {
    let key = SecretKey::from_slice(&[3; 32]).unwrap();
    let pubkey = PublicKey::from_secret_key(&Secp256k1::new(), &key);
    let script =
        ScriptBuf::from_bytes([&[0u8, 20][..], hash160::Hash::hash(&pubkey.serialize()).as_byte_array()].concat());
    let chain: Vec<BlockSummary> = (0..200)
        .map(|h| BlockSummary { height: h, time: 1_700_000_000 + h * 60, bits: 0x207fffff, algo: None })
        .collect();
    let coins = (0..10u8)
        .map(|i| {
            let outpoint = OutPoint { txid: Txid::from_byte_array([i + 1; 32]), vout: 0 };
            (
                outpoint,
                Coin {
                    output: TxOut { value: Amount::from_sat(COIN), script_pubkey: script.clone() },
                    height: 10,
                    is_coinbase: false,
                },
            )
        })
        .collect();
    Fixture { params: ChainParams::regtest(), chain, coins, key, script }
}

impl Fixture {
    fn coin(&self, i: u8) -> (OutPoint, TxOut) {
        let outpoint = OutPoint { txid: Txid::from_byte_array([i + 1; 32]), vout: 0 };
        (outpoint, self.coins[&outpoint].output.clone())
    }

    /// Spends `inputs` into outputs of `values`, signed.
    fn spend(&self, inputs: &[(OutPoint, TxOut)], values: &[u64]) -> Transaction {
        let secp = Secp256k1::new();
        let pubkey = PublicKey::from_secret_key(&secp, &self.key);
        let mut tx = Transaction {
            version: 2,
            input: inputs
                .iter()
                .map(|(o, _)| TxIn {
                    previous_output: *o,
                    script_sig: ScriptBuf::new(),
                    sequence: Sequence(0xffff_fffd),
                    witness: Witness::new(),
                })
                .collect(),
            output: values
                .iter()
                .map(|v| TxOut { value: Amount::from_sat(*v), script_pubkey: self.script.clone() })
                .collect(),
            announcement: None,
            lock_time: 0,
        };
        let code = [&[0x76u8, 0xa9, 20][..], &self.script.as_bytes()[2..], &[0x88, 0xac]].concat();
        let pre = PrecomputedTransactionData::new(&tx);
        for (i, (_, prev)) in inputs.iter().enumerate() {
            let sighash = segwit_v0_sighash(&tx, i, &code, prev.value.to_sat(), SIGHASH_ALL, &pre);
            let mut sig = secp.sign_ecdsa(&Message::from_digest(sighash), &self.key).serialize_der().to_vec();
            sig.push(1);
            tx.input[i].witness = Witness::from_slice(&[sig, pubkey.serialize().to_vec()]);
        }
        tx
    }

    fn accept(&self, pool: &mut Mempool, tx: &Transaction) -> Result<u64, String> {
        let coins = |o: &OutPoint| self.coins.get(o).cloned();
        let ctx = AcceptContext {
            params: &self.params,
            height: 200,
            chain: &self.chain,
            coins: &coins,
            now: 0,
            cache: None,
            tasks: &|_| None,
        };
        pool.accept(tx.clone(), &ctx, false).map_err(|e| e.reason())
    }
}

fn output(tx: &Transaction, vout: u32) -> (OutPoint, TxOut) {
    (OutPoint { txid: tx.txid(), vout }, tx.output[vout as usize].clone())
}

#[test]
fn policy_rules_have_core_reasons() {
    let f = fixture();
    let mut pool = Mempool::default();
    let low_fee = f.spend(&[f.coin(0)], &[COIN - 50]);
    assert_eq!(f.accept(&mut pool, &low_fee), Err("min relay fee not met".into()));
    let dust = f.spend(&[f.coin(0)], &[COIN - 10_000, 100]);
    assert_eq!(f.accept(&mut pool, &dust), Err("dust".into()));
    let mut missing = f.coin(0);
    missing.0.vout = 5;
    assert_eq!(f.accept(&mut pool, &f.spend(&[missing], &[1000])), Err("missing-inputs".into()));
    let overspend = f.spend(&[f.coin(0)], &[COIN + 1]);
    assert_eq!(f.accept(&mut pool, &overspend), Err("bad-txns-in-belowout".into()));
    let mut bad_version = f.spend(&[f.coin(0)], &[COIN - 10_000]);
    bad_version.version = 4;
    let bad_version = f.resign(bad_version);
    assert_eq!(f.accept(&mut pool, &bad_version), Err("version".into()));
    let mut unsigned = f.spend(&[f.coin(0)], &[COIN - 10_000]);
    unsigned.output[0].value = Amount::from_sat(COIN - 20_000);
    assert!(f.accept(&mut pool, &unsigned).unwrap_err().starts_with("mandatory-script-verify-flag-failed"));
    let good = f.spend(&[f.coin(0)], &[COIN - 10_000]);
    assert_eq!(f.accept(&mut pool, &good), Ok(10_000));
    assert_eq!(f.accept(&mut pool, &good), Err("txn-already-in-mempool".into()));
}

#[test]
fn replace_by_fee_needs_more_fee_and_feerate() {
    let f = fixture();
    let mut pool = Mempool::default();
    let original = f.spend(&[f.coin(1)], &[COIN - 10_000]);
    f.accept(&mut pool, &original).unwrap();
    let cheaper = f.spend(&[f.coin(1)], &[COIN - 10_050]);
    assert_eq!(f.accept(&mut pool, &cheaper), Err("insufficient fee".into()));
    let bumped = f.spend(&[f.coin(1)], &[COIN - 20_000]);
    assert_eq!(f.accept(&mut pool, &bumped), Ok(20_000));
    assert!(pool.get(&original.txid()).is_none());
    assert!(pool.get(&bumped.txid()).is_some());
}

#[test]
fn chains_are_limited_and_blocks_take_packages_by_ancestor_feerate() {
    let f = fixture();
    let mut pool = Mempool::default();
    // A 25-long chain is the limit.
    let mut tip = f.spend(&[f.coin(2)], &[COIN - 1_000]);
    f.accept(&mut pool, &tip).unwrap();
    for i in 1..25 {
        let value = COIN - 1_000 * (i + 1);
        let next = f.spend(&[output(&tip, 0)], &[value]);
        f.accept(&mut pool, &next).unwrap();
        tip = next;
    }
    let too_long = f.spend(&[output(&tip, 0)], &[COIN - 30_000]);
    assert_eq!(f.accept(&mut pool, &too_long), Err("too-long-mempool-chain".into()));

    // CPFP: a low-fee parent with a high-fee child beats a medium-fee single.
    let mut pool = Mempool::default();
    let parent = f.spend(&[f.coin(3)], &[COIN - 200]);
    let child = f.spend(&[output(&parent, 0)], &[COIN - 200 - 50_000]);
    let single = f.spend(&[f.coin(4)], &[COIN - 5_000]);
    for tx in [&parent, &child, &single] {
        f.accept(&mut pool, tx).ok();
    }
    // The parent alone pays below the relay minimum only if small; it is accepted at 200 zats.
    assert!(pool.get(&parent.txid()).is_some(), "parent accepted");
    let (selected, fees) = select_transactions(&pool);
    let order: Vec<Txid> = selected.iter().map(HashedTx::txid).collect();
    assert_eq!(order, vec![parent.txid(), child.txid(), single.txid()]);
    assert_eq!(fees, 200 + 50_000 + 5_000);

    // A block confirming the parent leaves the child; a conflicting spend evicts.
    pool.remove_for_block(&[parent.clone().into()]);
    assert!(pool.get(&child.txid()).is_some());
    assert!(pool.get(&child.txid()).unwrap().parents.is_empty());
    let conflict = f.spend(&[f.coin(4)], &[COIN - 9_000]);
    pool.remove_for_block(&[conflict.into()]);
    assert!(pool.get(&single.txid()).is_none());
}

#[test]
fn eviction_keeps_the_highest_feerate_packages_and_expiry_drops_old_ones() {
    let f = fixture();
    let probe = f.spend(&[f.coin(5)], &[COIN - 1_000]);
    // Room for about three such transactions.
    let mut pool = Mempool::new(Policy { max_mempool_vbytes: probe.vsize() * 3 + 10, ..Policy::default() });
    let fees = [5_000u64, 20_000, 1_000, 10_000];
    let txs: Vec<Transaction> =
        fees.iter().enumerate().map(|(i, fee)| f.spend(&[f.coin(5 + i as u8)], &[COIN - fee])).collect();
    for tx in &txs[..3] {
        f.accept(&mut pool, tx).unwrap();
    }
    // The fourth pushes out the lowest feerate (1,000 zats).
    f.accept(&mut pool, &txs[3]).unwrap();
    assert_eq!(pool.len(), 3);
    assert!(pool.get(&txs[2].txid()).is_none());
    // A newcomer paying less than everything inside is itself refused.
    let poor = f.spend(&[f.coin(9)], &[COIN - 900]);
    assert_eq!(f.accept(&mut pool, &poor), Err("mempool full".into()));
    // Expiry removes what waited too long (entered at time 0 here).
    assert_eq!(pool.expire(Policy::default().expiry_secs + 1), 3);
    assert!(pool.is_empty());
}

#[test]
fn more_policy_rules_have_core_reasons() {
    let mut f = fixture();
    let mut pool = Mempool::default();
    // Locked until a later height (BIP113 finality) and by a relative lock (BIP68).
    let mut locked = f.spend(&[f.coin(0)], &[COIN - 10_000]);
    locked.lock_time = 500;
    locked.input[0].sequence = Sequence(0xffff_fffe);
    let locked = f.resign(locked);
    assert_eq!(f.accept(&mut pool, &locked), Err("non-final".into()));
    let mut relative = f.spend(&[f.coin(0)], &[COIN - 10_000]);
    relative.input[0].sequence = Sequence(500);
    let relative = f.resign(relative);
    assert_eq!(f.accept(&mut pool, &relative), Err("non-BIP68-final".into()));
    // Two data outputs; an oversized transaction.
    let data = || TxOut { value: Amount::ZERO, script_pubkey: ScriptBuf::from_bytes(vec![0x6a, 0x01, 0x01]) };
    let mut two_data = f.spend(&[f.coin(0)], &[COIN - 10_000]);
    two_data.output.extend([data(), data()]);
    let two_data = f.resign(two_data);
    assert_eq!(f.accept(&mut pool, &two_data), Err("multi-op-return".into()));
    let mut huge = f.spend(&[f.coin(0)], &[COIN - 10_000]);
    huge.output.push(TxOut {
        value: Amount::ZERO,
        script_pubkey: ScriptBuf::from_bytes([vec![0x6a], vec![0x51; 100_001]].concat()),
    });
    let huge = f.resign(huge);
    assert_eq!(f.accept(&mut pool, &huge), Err("tx-size".into()));
    // A scriptSig that is not push-only.
    let mut not_push = f.spend(&[f.coin(0)], &[COIN - 10_000]);
    not_push.input[0].script_sig = ScriptBuf::from_bytes(vec![0x76]);
    assert_eq!(f.accept(&mut pool, &not_push), Err("scriptsig-not-pushonly".into()));

    // A P2WSH coin whose script uses an upgradable NOP: valid by consensus,
    // refused by policy (DISCOURAGE_UPGRADABLE_NOPS).
    let witness_script = vec![0xb3, 0x51]; // OP_NOP4 OP_1
    let program = bitcoin::hashes::sha256::Hash::hash(&witness_script);
    let p2wsh = ScriptBuf::from_bytes([&[0u8, 32][..], program.as_byte_array()].concat());
    let outpoint = OutPoint { txid: Txid::from_byte_array([0x77; 32]), vout: 0 };
    f.coins.insert(
        outpoint,
        Coin { output: TxOut { value: Amount::from_sat(COIN), script_pubkey: p2wsh }, height: 10, is_coinbase: false },
    );
    let nop = Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: outpoint,
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::from_slice(&[witness_script]),
        }],
        output: vec![TxOut { value: Amount::from_sat(COIN - 10_000), script_pubkey: f.script.clone() }],
        announcement: None,
        lock_time: 0,
    };
    assert_eq!(
        f.accept(&mut pool, &nop),
        Err("non-mandatory-script-verify-flag (NOPx reserved for soft-fork upgrades)".into())
    );

    // A replacement may not bring in a new unconfirmed input.
    let parent = f.spend(&[f.coin(6)], &[COIN - 10_000]);
    f.accept(&mut pool, &parent).unwrap();
    let original = f.spend(&[f.coin(7)], &[COIN - 10_000]);
    f.accept(&mut pool, &original).unwrap();
    let sneaky = f.spend(&[f.coin(7), output(&parent, 0)], &[2 * COIN - 100_000]);
    assert_eq!(f.accept(&mut pool, &sneaky), Err("replacement-adds-unconfirmed".into()));
}

impl Fixture {
    /// Signs `tx` again after edits (all inputs are the fixture's coins).
    fn resign(&self, mut tx: Transaction) -> Transaction {
        let secp = Secp256k1::new();
        let pubkey = PublicKey::from_secret_key(&secp, &self.key).serialize().to_vec();
        let code = [&[0x76u8, 0xa9, 20][..], &self.script.as_bytes()[2..], &[0x88, 0xac]].concat();
        let pre = PrecomputedTransactionData::new(&tx);
        for i in 0..tx.input.len() {
            let value = self.coins[&tx.input[i].previous_output].output.value.to_sat();
            let sighash = segwit_v0_sighash(&tx, i, &code, value, SIGHASH_ALL, &pre);
            let mut sig = secp.sign_ecdsa(&Message::from_digest(sighash), &self.key).serialize_der().to_vec();
            sig.push(1);
            tx.input[i].witness = Witness::from_slice(&[sig, pubkey.clone()]);
        }
        tx
    }
}
