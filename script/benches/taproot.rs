//! Taproot key-path input verification through the interpreter
//! (`verify_inputs`, one thread, no signature cache) against raw
//! libsecp256k1 Schnorr verification of the same signatures, in one run.
//! The ratio is the interpreter's overhead: the BIP341 message, the witness
//! handling and the precomputed hashes.

use std::time::Instant;

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::{schnorr, Keypair, Message, Scalar, Secp256k1, SecretKey};
use primitives::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness};
use script::taproot::{output_key, signature_hash, tap_tweak, TaprootPrecomputed};
use script::{verify_inputs, SpentOutputs, VerifyFlags};

const INPUTS: usize = 2_000;

fn main() {
    let secp = Secp256k1::new();
    let mut txs = Vec::with_capacity(INPUTS);
    let mut spent_all = Vec::with_capacity(INPUTS);
    let mut raw = Vec::with_capacity(INPUTS);
    for i in 0..INPUTS {
        let mut seed = [7u8; 32];
        seed[..8].copy_from_slice(&(i as u64 + 1).to_le_bytes());
        let internal = Keypair::from_secret_key(&secp, &SecretKey::from_slice(&seed).unwrap());
        let (key, _) = output_key(&secp, &internal.x_only_public_key().0, None).unwrap();
        let prevout = TxOut {
            value: Amount::from_sat(100_000),
            script_pubkey: ScriptBuf::from_bytes([&[0x51, 0x20][..], &key.serialize()].concat()),
        };
        let mut tx = Transaction {
            version: 2,
            input: vec![TxIn {
                previous_output: OutPoint { txid: Txid::from_byte_array(seed), vout: 0 },
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::new(),
            }],
            output: vec![TxOut { value: Amount::from_sat(90_000), script_pubkey: prevout.script_pubkey.clone() }],
            announcement: None,
            lock_time: 0,
        };
        let spent = vec![prevout];
        let pre = TaprootPrecomputed::new(&tx, &spent);
        let hash = signature_hash(&tx, 0, &spent, &pre, 0x00, None, None).unwrap();
        let tweak = Scalar::from_be_bytes(tap_tweak(&internal.x_only_public_key().0, None)).unwrap();
        let tweaked = internal.add_xonly_tweak(&secp, &tweak).unwrap();
        let sig = secp.sign_schnorr_no_aux_rand(&Message::from_digest(hash), &tweaked);
        tx.input[0].witness = Witness::from_slice(&[sig.serialize().to_vec()]);
        raw.push((sig, hash, key));
        txs.push(tx);
        spent_all.push(spent);
    }
    let jobs: Vec<SpentOutputs<'_>> =
        txs.iter().zip(&spent_all).map(|(tx, spent)| SpentOutputs { tx, spent }).collect();
    let flags = VerifyFlags::consensus();
    let (mut raw_total, mut interp_total) = (0.0, 0.0);
    for _ in 0..3 {
        let t = Instant::now();
        for (sig, hash, key) in &raw {
            let sig: &schnorr::Signature = sig;
            assert!(secp.verify_schnorr(sig, &Message::from_digest(*hash), key).is_ok());
        }
        raw_total += t.elapsed().as_secs_f64();
        let t = Instant::now();
        verify_inputs(&jobs, flags, None, 1).expect("valid spends");
        interp_total += t.elapsed().as_secs_f64();
    }
    let per = |total: f64| total * 1e6 / (3.0 * INPUTS as f64);
    println!("raw Schnorr verify:               {:>7.1} µs", per(raw_total));
    println!("key-path input through verify_inputs: {:>7.1} µs", per(interp_total));
    println!("ratio:                            {:>7.2}", interp_total / raw_total);
}
