//! The wallet model end to end over an in-memory store: mining, maturity,
//! sending, change, reorgs, encryption, restore.

use bitcoin::hashes::Hash;
use primitives::{Amount, Block, BlockHash, Header, HeaderVersion, Network, OutPoint, ScriptBuf, Sequence};
use primitives::{CompactTarget, Transaction, TxIn, TxMerkleNode, TxOut, Witness, COIN};

use crate::crypt::KdfParams;
use crate::keys::{parse_mnemonic, Chain, OutputType};
use crate::{CreateOptions, MemoryWalletStore, Recipient, SendOptions, Wallet, WalletError};

const FAST: KdfParams = KdfParams { m_cost_kib: 64, t_cost: 1, p_cost: 1 };

fn options() -> CreateOptions {
    CreateOptions {
        disable_private_keys: false,
        blank: false,
        passphrase: None,
        mnemonic: None,
        kdf: FAST,
        now: 1_800_000_000,
        tip: (BlockHash::all_zeros(), 0),
    }
}

fn new_wallet(store: &MemoryWalletStore) -> (Wallet, String) {
    let (w, phrase) = Wallet::create("w", Network::Regtest, 100, Box::new(store.clone()), options()).unwrap();
    (w, phrase.unwrap().to_string())
}

fn coinbase(height: u32, script: &ScriptBuf, value: u64) -> Transaction {
    Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            script_sig: ScriptBuf::from_bytes(vec![4, height as u8, (height >> 8) as u8, 0, 0]),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: vec![TxOut { value: Amount::from_sat(value), script_pubkey: script.clone() }],
        announcement: None,
        lock_time: 0,
    }
}

fn block(height: u32, txs: Vec<Transaction>) -> (Block, BlockHash) {
    let header = Header {
        version: HeaderVersion::from_consensus(0x2000_0000),
        prev_blockhash: BlockHash::all_zeros(),
        merkle_root: TxMerkleNode::all_zeros(),
        time: 1_800_000_000 + height,
        bits: CompactTarget::from_consensus(0x207fffff),
        nonce: height,
    };
    let hash = BlockHash::from_byte_array([
        height as u8,
        (height >> 8) as u8,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
        7,
    ]);
    (Block::new(header, txs), hash)
}

fn other_script() -> ScriptBuf {
    ScriptBuf::from_bytes([&[0u8, 20][..], &[9u8; 20]].concat())
}

/// Mines `count` blocks paying `script` from `start`.
fn mine(w: &mut Wallet, start: u32, count: u32, script: &ScriptBuf) {
    for h in start..start + count {
        let (b, hash) = block(h, vec![coinbase(h, script, 50 * COIN)]);
        w.block_connected(&b, hash, h, 0).unwrap();
    }
}

fn send_opts() -> SendOptions {
    SendOptions::at_rate(2_000)
}

#[test]
fn mined_coins_mature_and_pay() {
    let store = MemoryWalletStore::default();
    let (mut w, phrase) = new_wallet(&store);
    assert_eq!(phrase.split(' ').count(), 24);
    let addr = w.new_address(OutputType::Bech32, Chain::Receive, Some("mining")).unwrap();
    let script = addr.script_pubkey().clone();
    mine(&mut w, 1, 1, &script);
    mine(&mut w, 2, 99, &other_script());
    let b = w.balances(1);
    assert_eq!((b.trusted, b.immature), (0, 50 * COIN), "immature until depth 101");
    mine(&mut w, 101, 1, &other_script());
    assert_eq!(w.balances(1).trusted, 50 * COIN);

    let policy = mempool::Policy::default();
    let pay = Recipient { script: other_script(), amount: 10 * COIN, subtract_fee: false };
    let built = w.create_transaction(&[pay], &send_opts(), &policy).unwrap();
    assert_eq!(built.tx.input.len(), 1);
    assert_eq!(built.tx.output.len(), 2, "payment and change");
    assert_eq!(built.fee, 2 * built.tx.vsize(), "2 zats/vB: {} for {} vB", built.fee, built.tx.vsize());
    assert!(built.tx.input[0].sequence.is_rbf());
    w.commit_transaction(&built, None, None, None, 5).unwrap();
    w.set_in_mempool([built.tx.txid()].into());
    let b = w.balances(0);
    assert_eq!(b.trusted, 40 * COIN - built.fee, "own change is trusted while in the mempool");

    // Restart: everything is still there.
    let mut again = Wallet::open("w", Network::Regtest, 100, Box::new(store.clone())).unwrap();
    again.set_in_mempool([built.tx.txid()].into());
    assert_eq!(again.balances(0), b);
    assert_eq!(again.label(&script), Some("mining"));
    // The spent coin is not offered again.
    assert!(again.available_coins(1, false).is_empty());
}

#[test]
fn reorg_moves_history_and_balance() {
    let store = MemoryWalletStore::default();
    let (mut w, _) = new_wallet(&store);
    let script = w.new_address(OutputType::Bech32, Chain::Receive, None).unwrap().script_pubkey().clone();
    mine(&mut w, 1, 101, &other_script());
    let payment = Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: OutPoint { txid: coinbase(1, &other_script(), 50 * COIN).txid(), vout: 0 },
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: vec![TxOut { value: Amount::from_sat(COIN), script_pubkey: script }],
        announcement: None,
        lock_time: 0,
    };
    let (b, hash) = block(102, vec![coinbase(102, &other_script(), 50 * COIN), payment.clone()]);
    w.block_connected(&b, hash, 102, 0).unwrap();
    assert_eq!(w.balances(1).trusted, COIN);
    let entries = w.entries(w.tx(&payment.txid()).unwrap());
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].category.as_str(), "receive");

    w.block_disconnected(hash, 102, BlockHash::all_zeros()).unwrap();
    assert_eq!(w.depth(w.tx(&payment.txid()).unwrap()), 0);
    assert_eq!(w.balances(0).trusted, 0);
    w.set_in_mempool([payment.txid()].into());
    assert_eq!(w.balances(0).untrusted_pending, COIN);
    assert_eq!(w.to_rebroadcast().len(), 0, "already in the mempool");
}

#[test]
fn encryption_locks_signing_and_wrong_passphrase_changes_nothing() {
    let store = MemoryWalletStore::default();
    let (mut w, phrase) = new_wallet(&store);
    let script = w.new_address(OutputType::Bech32, Chain::Receive, None).unwrap().script_pubkey().clone();
    mine(&mut w, 1, 101, &script);
    w.encrypt("secret", FAST).unwrap();
    assert!(w.is_locked());
    let on_disk = store.snapshot();
    assert!(!on_disk.values().any(|v| v.windows(phrase.len()).any(|win| win == phrase.as_bytes())));

    let pay = [Recipient { script: other_script(), amount: COIN, subtract_fee: false }];
    let policy = mempool::Policy::default();
    assert!(matches!(w.create_transaction(&pay, &send_opts(), &policy), Err(WalletError::Locked)));
    assert!(matches!(w.unlock("wrong", i64::MAX), Err(WalletError::WrongPassphrase)));
    assert!(matches!(w.change_passphrase("wrong", "new", FAST), Err(WalletError::WrongPassphrase)));
    assert_eq!(store.snapshot(), on_disk, "a wrong passphrase never changes the file");
    assert!(matches!(w.encrypt("again", FAST), Err(WalletError::AlreadyEncrypted)));

    w.unlock("secret", 100).unwrap();
    assert!(w.create_transaction(&pay, &send_opts(), &policy).is_ok());
    w.relock_if_expired(100);
    assert!(w.is_locked());
    w.change_passphrase("secret", "new", FAST).unwrap();
    assert!(matches!(w.unlock("secret", 1), Err(WalletError::WrongPassphrase)));
    w.unlock("new", 1).unwrap();
    assert_eq!(w.mnemonic(Some("new")).unwrap().as_str(), phrase);
}

#[test]
fn restore_from_phrase_finds_coins_beyond_the_first_keys() {
    let store = MemoryWalletStore::default();
    let (mut original, phrase) = new_wallet(&store);
    let mut scripts = Vec::new();
    for _ in 0..30 {
        scripts.push(original.new_address(OutputType::Bech32, Chain::Receive, None).unwrap().script_pubkey().clone());
    }
    let restored_store = MemoryWalletStore::default();
    let opts = CreateOptions { mnemonic: Some(parse_mnemonic(&phrase).unwrap()), ..options() };
    let (mut restored, shown) = Wallet::create("r", Network::Regtest, 100, Box::new(restored_store), opts).unwrap();
    assert!(shown.is_none(), "a restored wallet shows no new phrase");
    assert!(restored.best_block().is_none(), "scans from genesis");
    let (b, hash) = block(1, vec![coinbase(1, &scripts[29], 7 * COIN)]);
    restored.block_connected(&b, hash, 1, 0).unwrap();
    assert_eq!(restored.balances(0).immature, 7 * COIN);
    // The next address handed out comes after the used one.
    let next = restored.new_address(OutputType::Bech32, Chain::Receive, None).unwrap();
    assert_eq!(
        restored.origin(next.script_pubkey()),
        Some(crate::Origin::Hd { output_type: OutputType::Bech32, chain: Chain::Receive, index: 30 })
    );
}

#[test]
fn failed_commit_reports_and_reload_loses_nothing_acknowledged() {
    let store = MemoryWalletStore::default();
    let (mut w, _) = new_wallet(&store);
    let script = w.new_address(OutputType::Bech32, Chain::Receive, None).unwrap().script_pubkey().clone();
    mine(&mut w, 1, 101, &script);
    store.fail.store(true, std::sync::atomic::Ordering::Relaxed);
    let pay = [Recipient { script: other_script(), amount: COIN, subtract_fee: false }];
    let built = w.create_transaction(&pay, &send_opts(), &mempool::Policy::default()).unwrap();
    assert!(matches!(w.commit_transaction(&built, None, None, None, 1), Err(WalletError::Store(_))));
    store.fail.store(false, std::sync::atomic::Ordering::Relaxed);
    let reloaded = Wallet::open("w", Network::Regtest, 100, Box::new(store.clone())).unwrap();
    assert!(reloaded.tx(&built.tx.txid()).is_none());
    assert_eq!(reloaded.balances(1).trusted, 50 * COIN);
}

/// BIP86 taproot: a wallet pays from a `tr()` coin by key path (a 64-byte
/// witness, change to taproot when paying taproot as Core), and a wallet
/// restored from the phrase finds coins on both accounts.
#[test]
fn taproot_coins_are_found_spent_and_restored() {
    let store = MemoryWalletStore::default();
    let (mut w, phrase) = new_wallet(&store);
    let tr = w.new_address(OutputType::Bech32m, Chain::Receive, None).unwrap();
    assert!(tr.to_string().starts_with("zrt1p"), "{tr}");
    let wpkh = w.new_address(OutputType::Bech32, Chain::Receive, None).unwrap();
    mine(&mut w, 1, 1, tr.script_pubkey());
    mine(&mut w, 2, 102, wpkh.script_pubkey());
    assert_eq!(w.balances(0).trusted, 3 * 50 * COIN);

    // Paying a taproot address: change goes to the taproot account.
    let pay = [Recipient { script: tr.script_pubkey().clone(), amount: 120 * COIN, subtract_fee: false }];
    let built = w.create_transaction(&pay, &send_opts(), &mempool::Policy::default()).unwrap();
    let change = &built.tx.output[built.change_pos.unwrap()].script_pubkey;
    assert!(matches!(w.origin(change), Some(crate::Origin::Hd { output_type: OutputType::Bech32m, .. })));
    let p2tr_inputs = built.tx.input.iter().filter(|i| i.witness.len() == 1).count();
    assert!(p2tr_inputs >= 1, "the taproot coin is spent by key path");
    // The fee covers the estimated size: signatures are exact for key-path inputs.
    assert!(built.fee * 1000 >= 2_000 * built.tx.vsize(), "fee {} for {} vB", built.fee, built.tx.vsize());

    // Paying P2WPKH: change is bech32 unless -changetype says otherwise.
    let pay = [Recipient { script: other_script(), amount: COIN, subtract_fee: false }];
    let built = w.create_transaction(&pay, &send_opts(), &mempool::Policy::default()).unwrap();
    let change = &built.tx.output[built.change_pos.unwrap()].script_pubkey;
    assert!(matches!(w.origin(change), Some(crate::Origin::Hd { output_type: OutputType::Bech32, .. })));
    w.set_address_types(OutputType::Bech32, Some(OutputType::Bech32m));
    let built = w.create_transaction(&pay, &send_opts(), &mempool::Policy::default()).unwrap();
    let change = &built.tx.output[built.change_pos.unwrap()].script_pubkey;
    assert!(matches!(w.origin(change), Some(crate::Origin::Hd { output_type: OutputType::Bech32m, .. })));

    let opts = CreateOptions { mnemonic: Some(parse_mnemonic(&phrase).unwrap()), ..options() };
    let (mut restored, _) =
        Wallet::create("r", Network::Regtest, 100, Box::new(MemoryWalletStore::default()), opts).unwrap();
    mine(&mut restored, 1, 1, tr.script_pubkey());
    mine(&mut restored, 2, 1, wpkh.script_pubkey());
    assert_eq!(restored.balances(0).immature, 2 * 50 * COIN);
    let next = restored.new_address(OutputType::Bech32m, Chain::Receive, None).unwrap();
    assert_eq!(
        restored.origin(next.script_pubkey()),
        Some(crate::Origin::Hd { output_type: OutputType::Bech32m, chain: Chain::Receive, index: 1 })
    );
}

/// A wallet written before taproot (no `tr()` xpub in its record) gains the
/// account when it is opened with its phrase at hand.
#[test]
fn pre_taproot_wallet_gains_the_tr_account() {
    let store = MemoryWalletStore::default();
    let (w, _) = new_wallet(&store);
    let mut meta = w.meta.clone();
    drop(w);
    meta.hd.as_mut().unwrap().xpub_bech32m = None;
    let mut s = store.clone();
    crate::WalletStore::commit(
        &mut s,
        vec![(crate::record::META_KEY.into(), Some(serde_json::to_vec(&meta).unwrap()))],
    )
    .unwrap();
    let mut w = Wallet::open("w", Network::Regtest, 100, Box::new(store.clone())).unwrap();
    assert!(w.account(OutputType::Bech32m).is_some());
    w.new_address(OutputType::Bech32m, Chain::Receive, None).unwrap();
    let reopened = Wallet::open("w", Network::Regtest, 100, Box::new(store)).unwrap();
    assert!(reopened.meta.hd.as_ref().unwrap().xpub_bech32m.is_some());
}
