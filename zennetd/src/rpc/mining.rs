//! Mining RPCs: getmininginfo, generatetoaddress.

use std::sync::atomic::Ordering;

use primitives::{Address, PowAlgo};
use rpc::{codes, Args, RpcError};
use serde_json::{json, Map, Value};

use super::json::difficulty;
use super::{RpcContext, RpcResult};
use crate::chainstate::{Accepted, Chainstate};
use crate::clock;
use crate::miner;

/// Core's default for `generatetoaddress`'s `maxtries`.
const DEFAULT_MAX_TRIES: i64 = 1_000_000;
/// The algorithm used when a call names none.
const DEFAULT_ALGO: PowAlgo = PowAlgo::Sha256d;
/// Blocks `networkhashps` averages over (Core's default).
const HASHPS_WINDOW: u32 = 120;

pub fn parse_algo(name: Option<&str>) -> Result<PowAlgo, RpcError> {
    match name {
        None => Ok(DEFAULT_ALGO),
        Some(name) => {
            name.parse().map_err(|e: primitives::algo::UnknownAlgo| RpcError::invalid_parameter(e.to_string()))
        }
    }
}

/// Chain work per second over the last `HASHPS_WINDOW` blocks (Core's `GetNetworkHashPS`).
fn network_hash_ps(cs: &Chainstate) -> f64 {
    let tip = cs.tip();
    let start_height = tip.height.saturating_sub(HASHPS_WINDOW);
    let Some(start) = cs.hash_at(start_height).and_then(|h| cs.entry(&h)) else {
        return 0.0;
    };
    let span = i64::from(tip.header.time) - i64::from(start.header.time);
    if span <= 0 {
        return 0.0;
    }
    let work = &tip.chain_work - &start.chain_work;
    work.to_string().parse::<f64>().unwrap_or(0.0) / span as f64
}

pub async fn getmininginfo(ctx: &RpcContext) -> RpcResult {
    ctx.chain
        .call(|cs| {
            let tip = cs.tip();
            let mut difficulties = Map::new();
            for algo in PowAlgo::ALL {
                difficulties.insert(algo.name().into(), json!(difficulty(cs.next_bits(algo))));
            }
            Ok(json!({
                "blocks": tip.height,
                "difficulty": difficulty(cs.next_bits(DEFAULT_ALGO)),
                "networkhashps": network_hash_ps(cs),
                "pooledtx": 0,
                "chain": cs.params().network.chain_name(),
                "pow_algo": DEFAULT_ALGO.name(),
                "pow_algo_id": DEFAULT_ALGO.id(),
                "difficulties": difficulties,
                "warnings": [],
            }))
        })
        .await?
}

/// BIP22: null when the block is connected, else "duplicate",
/// "inconclusive" or the reject reason.
pub async fn submitblock(ctx: &RpcContext, args: &Args) -> RpcResult {
    let decode_failed = || RpcError::new(codes::DESERIALIZATION_ERROR, "Block decode failed");
    let bytes = hex::decode(args.str(0, "hexdata")?).map_err(|_| decode_failed())?;
    let block = primitives::Block::from_bytes(&bytes).map_err(|_| decode_failed())?;
    if !block.txdata.first().is_some_and(|tx| tx.is_coinbase()) {
        return Err(RpcError::new(codes::DESERIALIZATION_ERROR, "Block does not start with a coinbase"));
    }
    match ctx.chain.call(move |cs| cs.submit_block(block, clock::now())).await? {
        Ok(Accepted::Active) => Ok(Value::Null),
        Ok(Accepted::SideBranch) => Ok(Value::from("inconclusive")),
        Err(e) => {
            tracing::info!("submitblock rejected a block: {e}");
            Ok(Value::from(e.bip22_result()))
        }
    }
}

/// `submitheader`: null when the header is accepted (or already known).
pub async fn submitheader(ctx: &RpcContext, args: &Args) -> RpcResult {
    let decode_failed = || RpcError::new(codes::DESERIALIZATION_ERROR, "Block header decode failed");
    let bytes = hex::decode(args.str(0, "hexdata")?).map_err(|_| decode_failed())?;
    let header = primitives::block::header_from_bytes(&bytes).map_err(|_| decode_failed())?;
    let prev = header.prev_blockhash;
    match ctx.chain.call(move |cs| cs.accept_header(header, clock::now())).await? {
        Ok(()) => Ok(Value::Null),
        Err(crate::chainstate::SubmitError::Invalid(consensus::BlockError::PrevBlockNotFound(_))) => {
            Err(RpcError::new(codes::VERIFY_ERROR, format!("Must submit previous header ({prev}) first")))
        }
        Err(e) => Err(RpcError::new(codes::VERIFY_ERROR, e.bip22_result())),
    }
}

pub async fn generatetoaddress(ctx: &RpcContext, args: &Args) -> RpcResult {
    let nblocks = args.i64(0, "nblocks")?;
    let address_text = args.str(1, "address")?;
    let tries = args.opt_i64(2)?.unwrap_or(DEFAULT_MAX_TRIES);
    let algo = parse_algo(args.opt_str(3)?)?;
    if nblocks < 0 {
        return Err(RpcError::invalid_parameter("nblocks must be non-negative"));
    }
    if tries < 0 {
        return Err(RpcError::invalid_parameter("maxtries must be non-negative"));
    }
    let address = Address::parse(address_text, ctx.network)
        .map_err(|_| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Error: Invalid address"))?;
    let script = address.script_pubkey().clone();

    let mut hashes = Vec::new();
    let mut remaining = tries as u64;
    for _ in 0..nblocks {
        let extra_nonce = ctx.extra_nonce.fetch_add(1, Ordering::Relaxed);
        let script = script.clone();
        let mut block = ctx.chain.call(move |cs| cs.block_template(algo, &script, clock::now(), extra_nonce)).await?;
        // Grinding is CPU work: keep it off the async runtime.
        let (solved, block, left) = tokio::task::spawn_blocking(move || {
            let solved = miner::solve(&mut block, algo, &mut remaining);
            (solved, block, remaining)
        })
        .await
        .map_err(|e| RpcError::internal(e.to_string()))?;
        remaining = left;
        if !solved {
            break;
        }
        let hash = block.block_hash();
        ctx.chain.call(move |cs| cs.submit_block(block, clock::now())).await?.map_err(|e| {
            RpcError::internal(format!("ProcessNewBlock, block not accepted: {} ({e})", e.bip22_result()))
        })?;
        hashes.push(Value::from(hash.to_string()));
    }
    Ok(Value::Array(hashes))
}
