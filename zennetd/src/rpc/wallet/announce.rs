//! Putting an announcement on the network from the wallet without burning
//! a coin. An announcement has no outputs, so whatever it spends is fee:
//! the wallet first pays itself, in a transaction of its own, an output of
//! exactly the announcement's fee, and the announcement spends that output
//! (unconfirmed). The body is signed by the identity, bound to that
//! outpoint; the proof of work is ground on worker threads without the
//! wallet's lock; then both transactions are committed to the wallet and
//! offered to the mempool, funding first.

use std::sync::atomic::AtomicBool;

use bitcoin::secp256k1::Keypair;
use mempool::Policy;
use primitives::market::MarketBody;
use primitives::{
    Amount, Announcement, AnnouncementBody, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness,
};
use rpc::{codes, RpcError};
use serde_json::{json, Value};
use wallet::announcement::{build_announcement, grind_tx_pow_threads, sign_body, BuildError, Funding};
use wallet::keys::Chain;
use wallet::{Built, Recipient, SendOptions};

use super::pay::check_mempool_accepts;
use super::werr;
use crate::actor::ChainHandle;
use crate::clock;
use crate::jobs::Job;
use crate::rpc::json::amount;
use crate::wallets::{lock, SharedWallet};

/// What to announce and how.
pub struct Plan {
    pub body: MarketBody,
    pub identity_key: Keypair,
    pub expiry: u32,
    /// Compact target to grind to; `None`: no proof of work (cancels).
    pub pow_bits: Option<u32>,
    /// zats per kvB, for both transactions.
    pub fee_rate: u64,
    pub threads: usize,
}

/// The largest witness of a P2WPKH input (a 72-byte signature and a key).
fn probe_witness() -> Witness {
    Witness::from_slice(&[vec![0u8; 72], vec![0u8; 33]])
}

/// The virtual size the announcement will have (at most), to fund it exactly.
fn announcement_vsize(plan: &Plan) -> u64 {
    let signed = sign_body(plan.body.clone(), &plan.identity_key, OutPoint::null());
    let probe = Transaction {
        version: 2,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            script_sig: ScriptBuf::new(),
            sequence: Sequence::MAX,
            witness: probe_witness(),
        }],
        output: vec![],
        announcement: Some(Announcement {
            kind: plan.body.kind() as u8,
            expiry: plan.expiry,
            body: AnnouncementBody::Full(signed.encode()),
            nonce: 0,
        }),
        lock_time: 0,
    };
    probe.vsize()
}

fn build_error(e: BuildError) -> RpcError {
    RpcError::new(codes::WALLET_ERROR, format!("Cannot build the announcement: {e}"))
}

/// Builds, grinds, commits and submits. `job` is told the hashes tried;
/// `cancel` stops the grind (nothing is committed then).
pub fn announce(
    shared: &SharedWallet,
    chain: &ChainHandle,
    policy: &Policy,
    plan: Plan,
    job: Option<&Job>,
    cancel: &AtomicBool,
) -> Result<Value, RpcError> {
    let (funding, mut ann, ann_fee) = {
        let mut w = lock(shared)?;
        let vsize = announcement_vsize(&plan);
        let p2wpkh_dust = policy.dust_threshold(&TxOut {
            value: Amount::ZERO,
            script_pubkey: ScriptBuf::from_bytes([&[0u8, 20][..], &[0u8; 20][..]].concat()),
        });
        let fee = plan.fee_rate.saturating_mul(vsize).div_ceil(1000).max(p2wpkh_dust);
        let script =
            w.new_address(wallet::keys::OutputType::Bech32, Chain::Change, None).map_err(werr)?.script_pubkey().clone();
        let recipient = Recipient { script: script.clone(), amount: fee, subtract_fee: false };
        let opts = SendOptions { replaceable: false, ..SendOptions::at_rate(plan.fee_rate) };
        let funding = w.create_transaction(&[recipient], &opts, policy).map_err(werr)?;
        let vout = funding
            .tx
            .output
            .iter()
            .position(|o| o.script_pubkey == script && o.value.to_sat() == fee)
            .ok_or_else(|| RpcError::internal("the funding output is missing"))?;
        let outpoint = OutPoint { txid: funding.tx.txid(), vout: vout as u32 };
        let output = funding.tx.output[vout].clone();
        let key = w.secret_key_for(&script).map_err(werr)?;
        let signed = sign_body(plan.body.clone(), &plan.identity_key, outpoint);
        let ann =
            build_announcement(&[Funding { outpoint, output, key }], &signed, plan.expiry, 0).map_err(build_error)?;
        // Nobody else may spend these while the proof of work is ground.
        for input in &funding.tx.input {
            w.lock_coin(input.previous_output);
        }
        (funding, ann, fee)
    };
    let release = |w: &mut wallet::Wallet| {
        for input in &funding.tx.input {
            w.unlock_coin(&input.previous_output);
        }
    };
    let hashes = std::sync::atomic::AtomicU64::new(0);
    if let Some(bits) = plan.pow_bits {
        let progress = |n: u64| {
            hashes.fetch_max(n, std::sync::atomic::Ordering::Relaxed);
            if let Some(job) = job {
                job.set_hashes(n);
            }
        };
        let ground = grind_tx_pow_threads(&mut ann, bits, plan.threads, &progress, cancel);
        if let Err(e) = ground {
            release(&mut *lock(shared)?);
            return Err(match e {
                BuildError::Cancelled => RpcError::new(codes::WALLET_ERROR, "Aborted"),
                other => build_error(other),
            });
        }
    }
    let mut w = lock(shared)?;
    release(&mut w);
    check_mempool_accepts(chain, &funding.tx)?;
    let now = clock::now();
    w.commit_transaction(&funding, None, None, None, now).map_err(werr)?;
    submit(chain, &funding.tx)?;
    check_mempool_accepts(chain, &ann)?;
    let built = Built { tx: ann.clone(), fee: ann_fee, change_pos: None };
    w.commit_transaction(&built, None, None, None, now).map_err(werr)?;
    submit(chain, &ann)?;
    Ok(json!({
        "txid": ann.txid().to_string(),
        "wtxid": ann.wtxid().to_string(),
        "fee": amount(ann_fee),
        "funding_txid": funding.tx.txid().to_string(),
        "funding_fee": amount(funding.fee),
        "pow_hashes": hashes.into_inner(),
    }))
}

/// Offers a committed transaction to the mempool (relayed from there).
fn submit(chain: &ChainHandle, tx: &Transaction) -> Result<(), RpcError> {
    let tx = tx.clone();
    let txid = tx.txid();
    match chain.call_blocking(move |node| node.accept_to_mempool(tx, clock::now(), false))? {
        Ok(_) => Ok(()),
        // Kept in the wallet and offered again later, as Core does.
        Err(e) => {
            tracing::warn!("wallet: announcement transaction {txid} not accepted by the mempool: {e}");
            Ok(())
        }
    }
}
