//! Mining RPCs: getmininginfo, generatetoaddress.

use std::sync::atomic::Ordering;

use primitives::{Address, PowAlgo};
use rpc::{codes, Args, RpcError};
use serde_json::{json, Map, Value};

use super::json::{difficulty, real};
use super::template::network_hash_ps;
use super::{RpcContext, RpcResult};
use crate::chainstate::Accepted;
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

pub async fn getmininginfo(ctx: &RpcContext) -> RpcResult {
    let local = ctx.miner_counters.rates();
    let local_rates: Map<String, Value> =
        PowAlgo::ALL.iter().map(|a| (a.name().to_string(), real(local[*a as usize]))).collect();
    let generating = local.iter().any(|r| *r > 0.0);
    // Per algorithm: next bits and network hash rate; then the totals.
    let (height, per_algo, default_bits, network_rate, chain_name, pooled, last_template) = ctx
        .chain
        .call(move |node| {
            let chain = &node.chain;
            let per_algo: Vec<(PowAlgo, u32, f64)> = PowAlgo::ALL
                .iter()
                .map(|a| (*a, chain.next_bits(*a), network_hash_ps(chain, HASHPS_WINDOW, None, Some(*a))))
                .collect();
            let total = network_hash_ps(chain, HASHPS_WINDOW, None, None);
            (
                chain.tip().height,
                per_algo,
                chain.next_bits(DEFAULT_ALGO),
                total,
                chain.params().network.chain_name(),
                node.mempool.pool().len(),
                node.last_template,
            )
        })
        .await?;
    let difficulties: Map<String, Value> =
        per_algo.iter().map(|(a, bits, _)| (a.name().to_string(), real(difficulty(*bits)))).collect();
    let hashrates: Map<String, Value> =
        per_algo.iter().map(|(a, _, rate)| (a.name().to_string(), real(*rate))).collect();
    let mut info = json!({
        "blocks": height,
        "difficulty": real(difficulty(default_bits)),
        "networkhashps": real(network_rate),
        "hashrates": hashrates,
        "pooledtx": pooled,
        "chain": chain_name,
        "generate": generating,
        "hashespersec": real(local.iter().sum::<f64>()),
        "localhashps": local_rates,
        "pow_algo": DEFAULT_ALGO.name(),
        "pow_algo_id": DEFAULT_ALGO.id(),
        "difficulties": difficulties,
        "warnings": [],
    });
    // As Core: only once a block has been assembled.
    if let Some((weight, txs)) = last_template {
        info["currentblockweight"] = json!(weight);
        info["currentblocktx"] = json!(txs);
    }
    Ok(info)
}

/// BIP22: null when the block is connected, else "duplicate",
/// "inconclusive" or the reject reason.
pub async fn submitblock(ctx: &RpcContext, args: &Args) -> RpcResult {
    let decode_failed = || RpcError::new(codes::DESERIALIZATION_ERROR, "Block decode failed");
    let text = args.str(0, "hexdata")?;
    if text.len() > 2 * primitives::MAX_BLOCK_WEIGHT as usize {
        return Err(decode_failed());
    }
    let bytes = hex::decode(text).map_err(|_| decode_failed())?;
    let block = primitives::Block::from_bytes(&bytes).map_err(|_| decode_failed())?;
    if !block.txdata.first().is_some_and(|tx| tx.is_coinbase()) {
        return Err(RpcError::new(codes::DESERIALIZATION_ERROR, "Block does not start with a coinbase"));
    }
    match ctx.chain.call(move |node| node.submit_block(block, clock::now())).await? {
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
    // As Core: the header is the first 80 bytes of what is given (a whole block will do).
    let header_bytes = bytes.get(..80).ok_or_else(decode_failed)?;
    let header = primitives::block::header_from_bytes(header_bytes).map_err(|_| decode_failed())?;
    let prev = header.prev_blockhash;
    match ctx.chain.call(move |node| node.chain.accept_header(header, clock::now())).await? {
        Ok(()) => Ok(Value::Null),
        Err(crate::chainstate::SubmitError::Invalid(consensus::BlockError::PrevBlockNotFound(_))) => {
            Err(RpcError::new(codes::VERIFY_ERROR, format!("Must submit previous header ({prev}) first")))
        }
        Err(e) => Err(RpcError::new(codes::VERIFY_ERROR, e.bip22_result())),
    }
}

/// A new receiving address of the only (or default) loaded wallet, for
/// `setgenerate` without `-mineraddress`.
fn wallet_mining_script(ctx: &RpcContext) -> Result<primitives::ScriptBuf, RpcError> {
    let no_wallet = || {
        RpcError::new(
            codes::WALLET_ERROR,
            "No mining address: load a wallet (it receives the blocks) or start zennetd with -mineraddress=<address>",
        )
    };
    let wallets = ctx.wallets.as_ref().ok_or_else(no_wallet)?;
    let (_, shared) = wallets.resolve(None).map_err(|_| no_wallet())?;
    let mut wallet = crate::wallets::lock(&shared)?;
    let output_type = wallet.default_address_type();
    let address = wallet
        .new_address(output_type, wallet::keys::Chain::Receive, Some("mining"))
        .map_err(super::wallet::wallet_error)?;
    Ok(address.script_pubkey().clone())
}

/// `setgenerate generate (genproclimit) (algo)`: starts or stops the built-in
/// miner (paying `-mineraddress`), as Myriadcoin's and DigiByte's.
pub async fn setgenerate(ctx: &RpcContext, args: &Args) -> RpcResult {
    let generate =
        args.opt_bool(0)?.ok_or_else(|| RpcError::invalid_parameter("Missing required argument generate"))?;
    let limit = args.opt_i64(1)?.unwrap_or(1);
    let algo = match args.opt_str(2)? {
        Some(name) => parse_algo(Some(name))?,
        None => ctx.mining_algo,
    };
    let threads = match limit {
        l if l < 0 => std::thread::available_parallelism().map_or(1, |n| n.get()),
        l if l > miner::MAX_THREADS as i64 => {
            return Err(RpcError::invalid_parameter(format!(
                "genproclimit must be at most {} (or -1 for one thread per core)",
                miner::MAX_THREADS
            )))
        }
        l => l as usize,
    };
    let script = match (&ctx.mining_address, generate && threads > 0) {
        (Some(address), _) => Some(address.script_pubkey().clone()),
        // As Myriadcoin's and old Core's: a new address of the wallet.
        (None, true) => Some(wallet_mining_script(ctx)?),
        (None, false) => None,
    };
    let miner = ctx.miner.clone();
    tokio::task::spawn_blocking(move || {
        let mut miner = miner.lock().map_err(|_| RpcError::internal("miner lock poisoned"))?;
        match script {
            Some(script) if generate && threads > 0 => miner.start(threads, algo, script),
            _ => miner.stop(),
        }
        Ok(Value::Null)
    })
    .await
    .map_err(|e| RpcError::internal(e.to_string()))?
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
    generate_to_script(ctx, nblocks, address.script_pubkey().clone(), tries, algo).await
}

/// `generatetodescriptor num_blocks "descriptor" ( maxtries algo )`.
pub async fn generatetodescriptor(ctx: &RpcContext, args: &Args) -> RpcResult {
    let nblocks = args.i64(0, "num_blocks")?;
    let script = descriptor_script(ctx, args.str(1, "descriptor")?)?;
    let tries = args.opt_i64(2)?.unwrap_or(DEFAULT_MAX_TRIES);
    let algo = parse_algo(args.opt_str(3)?)?;
    if nblocks < 0 {
        return Err(RpcError::invalid_parameter("nblocks must be non-negative"));
    }
    if tries < 0 {
        return Err(RpcError::invalid_parameter("maxtries must be non-negative"));
    }
    generate_to_script(ctx, nblocks, script, tries, algo).await
}

/// The one script of an unranged descriptor (`addr(…)`, `raw(…)` or a script descriptor).
fn descriptor_script(ctx: &RpcContext, text: &str) -> Result<primitives::ScriptBuf, RpcError> {
    let invalid = |m: String| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, m);
    let body = wallet::descriptor::split_checksum(text, false).map_err(|e| invalid(e.to_string()))?;
    let watched = wallet::descriptor::parse_watch(body, ctx.network).map_err(|e| invalid(e.to_string()))?;
    if watched.is_range() {
        return Err(RpcError::invalid_parameter(
            "Ranged descriptor not accepted. Maybe pass through deriveaddresses first?",
        ));
    }
    watched.script_at(0).map_err(|e| invalid(e.to_string()))
}

/// Mines `nblocks` paying `script`, each on the tip with the mempool's transactions.
async fn generate_to_script(
    ctx: &RpcContext,
    nblocks: i64,
    script: primitives::ScriptBuf,
    tries: i64,
    algo: PowAlgo,
) -> RpcResult {
    let mut hashes = Vec::new();
    let mut remaining = tries as u64;
    for _ in 0..nblocks {
        let extra_nonce = ctx.extra_nonce.fetch_add(1, Ordering::Relaxed);
        let script = script.clone();
        let mut block =
            ctx.chain.call(move |node| node.block_template(algo, &script, clock::now(), extra_nonce)).await?;
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
        ctx.chain.call(move |node| node.submit_block(block, clock::now())).await?.map_err(|e| {
            RpcError::internal(format!("ProcessNewBlock, block not accepted: {} ({e})", e.bip22_result()))
        })?;
        hashes.push(Value::from(hash.to_string()));
    }
    Ok(Value::Array(hashes))
}

/// `generateblock "output" ["rawtx/txid",...] ( submit )`: a block paying
/// `output` (address or descriptor) with exactly these transactions, in
/// this order: mempool txids or raw transactions.
pub async fn generateblock(ctx: &RpcContext, args: &Args) -> RpcResult {
    let output = args.str(0, "output")?;
    let script = match Address::parse(output, ctx.network) {
        Ok(address) => address.script_pubkey().clone(),
        Err(_) => descriptor_script(ctx, output)
            .map_err(|_| RpcError::invalid_parameter("Error: Invalid address or descriptor"))?,
    };
    let list =
        args.get(1).and_then(Value::as_array).cloned().ok_or_else(|| RpcError::type_error("Expected type array"))?;
    let submit = args.opt_bool(2)?.unwrap_or(true);
    let algo = ctx.mining_algo;
    let mut wanted: Vec<Result<primitives::Txid, primitives::Transaction>> = Vec::new();
    for item in &list {
        let text = item.as_str().ok_or_else(|| RpcError::wrong_type(item, "string"))?;
        match text.parse::<primitives::Txid>() {
            Ok(txid) if text.len() == 64 => wanted.push(Ok(txid)),
            _ => wanted.push(Err(super::mempool::decode_tx(text).map_err(|_| {
                RpcError::new(codes::DESERIALIZATION_ERROR, format!("Transaction decode failed for {text}"))
            })?)),
        }
    }
    let extra_nonce = ctx.extra_nonce.fetch_add(1, Ordering::Relaxed);
    let mut block = ctx
        .chain
        .call(move |node| -> Result<primitives::Block, RpcError> {
            let mut txs = Vec::with_capacity(wanted.len());
            for w in wanted {
                match w {
                    Ok(txid) => txs.push(node.mempool.pool().get(&txid).map(|e| e.tx.clone()).ok_or_else(|| {
                        RpcError::new(codes::INVALID_ADDRESS_OR_KEY, format!("Transaction {txid} not in mempool."))
                    })?),
                    Err(tx) => txs.push(primitives::HashedTx::new(tx)),
                }
            }
            // Fees: inputs from the UTXO set or from transactions before them here.
            let mut fees = 0u64;
            for (i, tx) in txs.iter().enumerate() {
                let mut paid_in = 0u64;
                for input in &tx.input {
                    let o = input.previous_output;
                    let earlier = txs[..i]
                        .iter()
                        .find(|t| t.txid() == o.txid)
                        .and_then(|t| t.output.get(o.vout as usize).cloned());
                    let out =
                        earlier.or_else(|| node.chain.coin(&o).ok().flatten().map(|c| c.output)).ok_or_else(|| {
                            RpcError::new(
                                codes::VERIFY_ERROR,
                                "TestBlockValidity failed: bad-txns-inputs-missingorspent",
                            )
                        })?;
                    paid_in += out.value.to_sat();
                }
                let paid_out: u64 = tx.output.iter().map(|o| o.value.to_sat()).sum();
                fees += paid_in.saturating_sub(paid_out);
            }
            let tip = node.chain.tip().hash;
            node.chain
                .block_template_on(&tip, algo, &script, clock::now(), extra_nonce, txs, fees)
                .ok_or_else(|| RpcError::internal("the tip is not indexed"))
        })
        .await??;
    let mut tries = u64::MAX;
    let (solved, block) = tokio::task::spawn_blocking(move || (miner::solve(&mut block, algo, &mut tries), block))
        .await
        .map_err(|e| RpcError::internal(e.to_string()))?;
    if !solved {
        return Err(RpcError::misc("Failed to make block."));
    }
    let checked = block.clone();
    ctx.chain
        .call(move |node| node.chain.test_block_validity(&checked, clock::now()))
        .await?
        .map_err(|e| RpcError::new(codes::VERIFY_ERROR, format!("TestBlockValidity failed: {e}")))?;
    let hash = block.block_hash();
    if !submit {
        return Ok(json!({ "hash": hash.to_string(), "hex": hex::encode(block.serialize()) }));
    }
    ctx.chain
        .call(move |node| node.submit_block(block, clock::now()))
        .await?
        .map_err(|e| RpcError::internal(format!("ProcessNewBlock, block not accepted: {} ({e})", e.bip22_result())))?;
    Ok(json!({ "hash": hash.to_string() }))
}
