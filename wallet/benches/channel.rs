//! One channel update, signed by the payer (`ChannelRecord::pay`) and
//! checked and acknowledged by the payee (`ChannelRecord::receive`), against
//! one raw ECDSA sign plus verify of a 32-byte digest in the same run: the
//! ratio is what building the state transaction, its BIP143 hash and the
//! acknowledgement add.

use std::time::Instant;

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::{Message, PublicKey, Secp256k1, SecretKey};
use primitives::{OutPoint, Txid};
use wallet::channel::{ChannelRecord, ChannelRole, ChannelState, ChannelTerms};

fn record(role: ChannelRole, payer: &PublicKey, payee: &PublicKey) -> ChannelRecord {
    let terms = ChannelTerms {
        funding: OutPoint { txid: Txid::from_byte_array([7; 32]), vout: 0 },
        capacity: 100_000_000,
        expiry: 1_000_000,
        fee_reserve: 2_000,
        payer: *payer,
        payee: *payee,
    };
    ChannelRecord { state: ChannelState::Open, funding_height: Some(1), ..ChannelRecord::new(role, &terms, None) }
}

fn main() {
    let rounds: u32 = std::env::var("ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let secp = Secp256k1::new();
    let payer_key = SecretKey::from_slice(&[1; 32]).unwrap();
    let payee_key = SecretKey::from_slice(&[2; 32]).unwrap();
    let (payer_pub, payee_pub) = (payer_key.public_key(&secp), payee_key.public_key(&secp));
    let mut payer = record(ChannelRole::Payer, &payer_pub, &payee_pub);
    let mut payee = record(ChannelRole::Payee, &payer_pub, &payee_pub);
    let (mut raw_total, mut update_total) = (0.0, 0.0);
    for _ in 0..2 {
        let started = Instant::now();
        for i in 0..rounds {
            let mut digest = [0u8; 32];
            digest[..4].copy_from_slice(&i.to_le_bytes());
            let msg = Message::from_digest(digest);
            let sig = secp.sign_ecdsa_low_r(&msg, &payer_key);
            assert!(secp.verify_ecdsa(&msg, &sig, &payer_pub).is_ok());
        }
        raw_total += started.elapsed().as_secs_f64();
        let started = Instant::now();
        for _ in 0..rounds {
            let (next_payer, blob) = payer.pay(if payer.paid == 0 { 1_000 } else { 1 }, &payer_key, 294, 10).unwrap();
            let (next_payee, _ack) = payee.receive(&blob, &payee_key, 294, 10).unwrap();
            payer = next_payer;
            payee = next_payee;
        }
        update_total += started.elapsed().as_secs_f64();
    }
    let per = |total: f64| total * 1e6 / f64::from(2 * rounds);
    println!("raw ECDSA sign + verify:           {:>8.1} µs", per(raw_total));
    println!("channel update (pay + receive+ack): {:>8.1} µs", per(update_total));
    println!("ratio:                              {:>8.2}", update_total / raw_total);
}
