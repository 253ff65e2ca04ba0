use ::script::{verify_inputs, SpentOutputs, VerifyFlags};
use bitcoin::hashes::Hash;
use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use primitives::{Amount, OutPoint, TxOut, Txid};

use super::*;

const DUST: u64 = 294;

fn keys(seed: u8) -> (SecretKey, PublicKey) {
    let secret = SecretKey::from_slice(&[seed; 32]).unwrap();
    (secret, PublicKey::from_secret_key(&Secp256k1::new(), &secret))
}

fn terms() -> ChannelTerms {
    ChannelTerms {
        funding: OutPoint { txid: Txid::from_byte_array([7; 32]), vout: 1 },
        capacity: 100_000_000,
        expiry: 500,
        fee_reserve: 2_000,
        payer: keys(1).1,
        payee: keys(2).1,
    }
}

fn record(role: ChannelRole) -> ChannelRecord {
    ChannelRecord { state: ChannelState::Open, funding_height: Some(10), ..ChannelRecord::new(role, &terms(), None) }
}

/// Whether `tx` spends the funding output under Core's standard flags.
fn spends(tx: &primitives::Transaction) -> Result<(), String> {
    let t = terms();
    let spent = [TxOut { value: Amount::from_sat(t.capacity), script_pubkey: p2wsh(&t.script()) }];
    let flags = VerifyFlags::consensus()
        | VerifyFlags::parse("STRICTENC,MINIMALDATA,LOW_S,MINIMALIF,NULLFAIL,CLEANSTACK,WITNESS_PUBKEYTYPE").unwrap();
    verify_inputs(&[SpentOutputs { tx, spent: &spent }], flags, None, 1).map_err(|f| f.error.to_string())
}

#[test]
fn the_payees_close_and_the_payers_refund_spend_the_funding_output() {
    let (payer, payee) = (record(ChannelRole::Payer), record(ChannelRole::Payee));
    let (after_pay, msg) = payer.pay(30_000, &keys(1).0, DUST, 100).unwrap();
    assert_eq!((after_pay.sequence, after_pay.paid), (1, 30_000));
    let blob = PayMessage::decode(&msg.encode()).unwrap();
    let (received, ack) = payee.receive(&blob, &keys(2).0, DUST, 100).unwrap();
    assert_eq!(received.paid, 30_000);
    let acked = after_pay.acknowledge(&AckMessage::decode(&ack.encode()).unwrap()).unwrap();
    assert_eq!((acked.acked_sequence, acked.acked_paid), (1, 30_000));

    let close = received.close_tx(&keys(2).0, DUST).unwrap();
    assert_eq!(close.output[0].value.to_sat(), 30_000);
    assert_eq!(close.output[1].value.to_sat(), terms().capacity - terms().fee_reserve - 30_000);
    spends(&close).unwrap();
    assert!(close.vsize() <= CLOSE_VBYTES, "close of {} vbytes", close.vsize());

    let refund = terms().signed_refund(1_000, &keys(1).0);
    spends(&refund).unwrap();
    // The refund is not valid before its lock time: CLTV checks the input's nLockTime.
    let mut early = refund.clone();
    early.lock_time = 499;
    assert!(spends(&early).is_err());
    // A close signed by someone else fails.
    let forged = received.close_tx(&keys(3).0, DUST).unwrap();
    assert!(spends(&forged).is_err());
}

#[test]
fn hostile_payments_are_refused_without_a_change() {
    let payer = record(ChannelRole::Payer);
    let payee = record(ChannelRole::Payee);
    let (p1, m1) = payer.pay(10_000, &keys(1).0, DUST, 100).unwrap();
    let (r1, _) = payee.receive(&m1, &keys(2).0, DUST, 100).unwrap();
    let (_, m2) = p1.pay(5_000, &keys(1).0, DUST, 100).unwrap();

    // Same amount again, a lower amount, a replay.
    let mut same = m2.clone();
    same.amount = 10_000;
    assert!(matches!(r1.receive(&same, &keys(2).0, DUST, 100), Err(ChannelError::NotIncreasing { .. })));
    assert!(matches!(r1.receive(&m1, &keys(2).0, DUST, 100), Err(ChannelError::WrongSequence { .. })));
    // Over capacity (signed properly by the payer, but too much).
    let over = PayMessage { sequence: 2, amount: terms().payable() + 1, ..m2.clone() };
    assert!(matches!(r1.receive(&over, &keys(2).0, DUST, 100), Err(ChannelError::OverCapacity { .. })));
    // The amount changed after signing.
    let tampered = PayMessage { amount: m2.amount + 1, ..m2.clone() };
    assert_eq!(r1.receive(&tampered, &keys(2).0, DUST, 100), Err(ChannelError::BadSignature));
    // Another channel's blob.
    let other = PayMessage { channel_id: [9; 32], ..m2.clone() };
    assert!(matches!(r1.receive(&other, &keys(2).0, DUST, 100), Err(ChannelError::WrongChannel(_))));
    // Past expiry, and after close.
    assert_eq!(r1.receive(&m2, &keys(2).0, DUST, 500), Err(ChannelError::Expired(500)));
    let closed = ChannelRecord { state: ChannelState::Closed, ..r1.clone() };
    assert_eq!(closed.receive(&m2, &keys(2).0, DUST, 100), Err(ChannelError::NotOpen("closed")));
    // Garbled and truncated blobs.
    let text = m2.encode();
    assert!(matches!(PayMessage::decode(&text[..text.len() - 2]), Err(ChannelError::Malformed(_))));
    assert!(matches!(PayMessage::decode("zz"), Err(ChannelError::Malformed(_))));
    assert!(matches!(OpenMessage::decode(&text), Err(ChannelError::Malformed(_))), "a payment is not an open");
    // And the genuine one still goes through.
    assert_eq!(r1.receive(&m2, &keys(2).0, DUST, 100).unwrap().0.paid, 15_000);

    // The payer refuses what it must not sign.
    assert!(matches!(payer.pay(100, &keys(1).0, DUST, 100), Err(ChannelError::BelowDust { .. })));
    assert!(matches!(payer.pay(terms().payable() + 1, &keys(1).0, DUST, 100), Err(ChannelError::OverCapacity { .. })));
    assert!(matches!(payer.pay(0, &keys(1).0, DUST, 100), Err(ChannelError::NotIncreasing { .. })));
}

#[test]
fn change_below_dust_goes_to_the_fee_and_blobs_round_trip() {
    let t = terms();
    let all = t.update_tx(t.payable() - 100, DUST);
    assert_eq!(all.output.len(), 1, "no dust change output");
    let open = OpenMessage {
        payer: t.payer,
        payee: t.payee,
        funding: t.funding,
        capacity: t.capacity,
        expiry: t.expiry,
        fee_reserve: t.fee_reserve,
        task_id: Some([4; 32]),
    };
    assert_eq!(OpenMessage::decode(&open.encode()).unwrap(), open);
    let mut bytes = hex::decode(open.encode()).unwrap();
    bytes[3] = 9;
    assert!(OpenMessage::decode(&hex::encode(&bytes)).unwrap_err().to_string().contains("version"));
}
