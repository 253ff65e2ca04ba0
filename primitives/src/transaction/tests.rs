use super::*;
use proptest::prelude::*;

fn sample_input(witness: &[&[u8]]) -> TxIn {
    TxIn {
        previous_output: OutPoint { txid: Txid::from_byte_array([7; 32]), vout: 3 },
        script_sig: ScriptBuf::from_bytes(vec![]),
        sequence: Sequence(0xffff_fffd),
        witness: Witness::from_slice(witness),
    }
}

fn announcement_tx(body: Vec<u8>) -> Transaction {
    Transaction {
        version: 2,
        input: vec![sample_input(&[&[1u8; 71], &[2u8; 33]])],
        output: vec![],
        announcement: Some(Announcement { kind: 1, expiry: 144, body: AnnouncementBody::Full(body), nonce: 42 }),
        lock_time: 0,
    }
}

#[test]
fn pruning_keeps_txid_wtxid_and_weight() {
    let tx = announcement_tx(vec![9; 300]);
    let pruned = tx.to_pruned();
    assert_ne!(tx.serialize(), pruned.serialize());
    assert_eq!(tx.txid(), pruned.txid());
    assert_eq!(tx.wtxid(), pruned.wtxid());
    assert_eq!(tx.weight(), pruned.weight());
    assert_eq!(Transaction::from_bytes(&pruned.serialize()).unwrap(), pruned);
}

#[test]
fn nonce_changes_wtxid_but_not_txid() {
    let tx = announcement_tx(vec![1, 2, 3]);
    let mut ground = tx.clone();
    ground.announcement.as_mut().unwrap().nonce += 1;
    assert_eq!(tx.txid(), ground.txid());
    assert_ne!(tx.wtxid(), ground.wtxid());
}

#[test]
fn announcement_weight_counts_body_four_times() {
    let small = announcement_tx(vec![0; 10]);
    let large = announcement_tx(vec![0; 110]);
    assert_eq!(large.weight() - small.weight(), 400);
}

#[test]
fn flag_violations_are_ann_flags() {
    let tx = announcement_tx(vec![5; 4]);
    let mut bytes = tx.serialize();
    // flags byte sits after version and marker.
    for bad in [0x07u8, 0x08, 0x03 | 0x80] {
        bytes[5] = bad;
        let err = Transaction::from_bytes(&bytes).unwrap_err();
        assert_eq!(err.reject_reason(), "ann-flags", "flags {bad:#x}: {err}");
    }
    // A witness-only transaction with no outputs is a flag violation too.
    let mut tx = tx;
    tx.announcement = None;
    let err = Transaction::from_bytes(&tx.serialize()).unwrap_err();
    assert_eq!(err.reject_reason(), "ann-flags");
}

#[test]
fn empty_witnesses_under_the_witness_flag_are_refused() {
    let mut tx = announcement_tx(vec![5; 4]);
    tx.input[0].witness = Witness::new();
    let mut bytes = tx.serialize();
    assert_eq!(bytes[5], FLAG_ANNOUNCEMENT);
    bytes[5] |= FLAG_WITNESS;
    // Insert an empty witness stack for the single input before the announcement.
    let ann_start = bytes.len() - 4 - (1 + 4 + 1 + 4 + 8);
    bytes.insert(ann_start, 0);
    assert_eq!(Transaction::from_bytes(&bytes), Err(DecodeError::SuperfluousWitness));
}

#[test]
fn trailing_bytes_and_truncation_are_refused() {
    let bytes = announcement_tx(vec![5; 4]).serialize();
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(Transaction::from_bytes(&longer), Err(DecodeError::TrailingBytes(1)));
    for cut in 0..bytes.len() {
        assert!(Transaction::from_bytes(&bytes[..cut]).is_err());
    }
}

fn arb_input(with_witness: bool) -> impl Strategy<Value = TxIn> {
    (
        any::<[u8; 32]>(),
        any::<u32>(),
        proptest::collection::vec(any::<u8>(), 0..80),
        any::<u32>(),
        proptest::collection::vec(proptest::collection::vec(any::<u8>(), 0..80), 1..4),
    )
        .prop_map(move |(txid, vout, script, sequence, witness)| TxIn {
            previous_output: OutPoint { txid: Txid::from_byte_array(txid), vout },
            script_sig: ScriptBuf::from_bytes(script),
            sequence: Sequence(sequence),
            witness: if with_witness { Witness::from_slice(&witness) } else { Witness::new() },
        })
}

fn arb_output() -> impl Strategy<Value = TxOut> {
    (any::<u64>(), proptest::collection::vec(any::<u8>(), 0..60))
        .prop_map(|(v, s)| TxOut { value: Amount::from_sat(v), script_pubkey: ScriptBuf::from_bytes(s) })
}

/// The four forms: legacy, witness, announcement (full body), announcement (pruned body).
fn arb_transaction() -> impl Strategy<Value = Transaction> {
    (0u8..4, any::<i32>(), any::<u32>(), 1usize..4, 1usize..4, any::<u8>(), any::<u32>(), any::<u64>()).prop_flat_map(
        |(form, version, lock_time, n_in, n_out, kind, expiry, nonce)| {
            let witness = form >= 1;
            let inputs = proptest::collection::vec(arb_input(witness), n_in);
            let outputs = proptest::collection::vec(arb_output(), if form >= 2 { 0 } else { n_out });
            let body = proptest::collection::vec(any::<u8>(), 0..1200);
            (inputs, outputs, body).prop_map(move |(input, output, body)| {
                let announcement = (form >= 2).then(|| {
                    let ann = Announcement { kind, expiry, body: AnnouncementBody::Full(body), nonce };
                    if form == 3 {
                        ann.pruned()
                    } else {
                        ann
                    }
                });
                Transaction { version, input, output, announcement, lock_time }
            })
        },
    )
}

proptest! {
    #[test]
    fn round_trip_all_four_forms(tx in arb_transaction()) {
        let bytes = tx.serialize();
        prop_assert_eq!(bytes.len(), tx.total_size());
        let decoded = Transaction::from_bytes(&bytes).unwrap();
        prop_assert_eq!(&decoded, &tx);
        prop_assert_eq!(decoded.txid(), tx.txid());
        prop_assert_eq!(decoded.wtxid(), tx.wtxid());
        prop_assert_eq!(tx.to_pruned().wtxid(), tx.wtxid());
        // Hashed from the decoder's bytes: the same as from the fields.
        let hashed = crate::HashedTx::from_bytes(&bytes).unwrap();
        prop_assert_eq!(hashed.transaction(), &tx);
        prop_assert_eq!(hashed.txid(), tx.txid());
        prop_assert_eq!(hashed.wtxid(), tx.wtxid());
        prop_assert_eq!(hashed.to_pruned().wtxid(), tx.wtxid());
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        if let Ok(tx) = Transaction::from_bytes(&bytes) {
            prop_assert_eq!(&tx.serialize(), &bytes);
            let hashed = crate::HashedTx::from_bytes(&bytes).unwrap();
            prop_assert_eq!(hashed.txid(), tx.txid());
            prop_assert_eq!(hashed.wtxid(), tx.wtxid());
        }
    }
}
