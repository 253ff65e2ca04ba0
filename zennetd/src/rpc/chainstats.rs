//! Explorer statistics: `getchaintxstats` and `getindexinfo`.

use rpc::{Args, RpcError};
use serde_json::{json, Map, Value};

use super::{parse_block_hash, RpcContext, RpcResult};

/// What `getchaintxstats` reads from the chain, in one call.
struct Window {
    final_hash: primitives::BlockHash,
    final_height: u32,
    final_time: i64,
    final_txcount: u64,
    blocks: u32,
    start_time: i64,
    start_txcount: u64,
}

/// Core's `getchaintxstats ( nblocks "blockhash" )`: transactions in the
/// active chain up to a block, and their rate over a window before it
/// (default: a month of blocks).
pub async fn getchaintxstats(ctx: &RpcContext, args: &Args) -> RpcResult {
    let nblocks = args.opt_i64(0)?;
    let hash = args.get(1).map(|_| parse_block_hash(args, 1, "blockhash")).transpose()?;
    let window = ctx
        .chain
        .call(move |node| -> Result<Window, RpcError> {
            let chain = &node.chain;
            let final_hash = hash.unwrap_or(chain.tip().hash);
            let entry = chain
                .entry(&final_hash)
                .ok_or_else(|| RpcError::new(rpc::codes::INVALID_ADDRESS_OR_KEY, "Block not found"))?;
            if !chain.is_active(&final_hash) {
                return Err(RpcError::invalid_parameter("Block is not in main chain"));
            }
            let height = entry.height;
            let month = 30 * 24 * 60 * 60 / chain.params().target_spacing.max(1);
            let blocks = match nblocks {
                None => month.min(i64::from(height) - 1).max(0),
                Some(n) if n < 0 || (n > 0 && n >= i64::from(height)) => {
                    return Err(RpcError::invalid_parameter(
                        "Invalid block count: should be between 0 and the block's height - 1",
                    ))
                }
                Some(n) => n,
            } as u32;
            // Transactions up to each height of the active chain.
            let count_to = |h: u32| -> u64 {
                (0..=h)
                    .filter_map(|i| chain.hash_at(i).and_then(|hash| chain.entry(&hash)))
                    .map(|e| u64::from(e.tx_count))
                    .sum()
            };
            let start = height - blocks;
            let start_time = chain.hash_at(start).and_then(|h| chain.entry(&h)).map_or(0, |e| i64::from(e.header.time));
            Ok(Window {
                final_hash,
                final_height: height,
                final_time: i64::from(entry.header.time),
                final_txcount: count_to(height),
                blocks,
                start_time,
                start_txcount: count_to(start),
            })
        })
        .await??;
    let mut out = json!({
        "time": window.final_time,
        "txcount": window.final_txcount,
        "window_final_block_hash": window.final_hash.to_string(),
        "window_final_block_height": window.final_height,
        "window_block_count": window.blocks,
    });
    if window.blocks > 0 {
        let interval = window.final_time - window.start_time;
        let tx_count = window.final_txcount - window.start_txcount;
        out["window_interval"] = json!(interval);
        out["window_tx_count"] = json!(tx_count);
        if interval > 0 {
            out["txrate"] = super::json::real(tx_count as f64 / interval as f64);
        }
    }
    Ok(out)
}

/// Core's `getindexinfo ( "index_name" )`: the optional indexes, here `-txindex`.
pub async fn getindexinfo(ctx: &RpcContext, args: &Args) -> RpcResult {
    let name = args.opt_str(0)?.map(str::to_string);
    let txindex = ctx.chain.call(|node| node.chain.txindex_enabled().then(|| node.chain.tip().height)).await?;
    let mut out = Map::new();
    if let Some(height) = txindex {
        if name.as_deref().is_none_or(|n| n == "txindex") {
            // The transaction index is written with each block: always synced.
            out.insert("txindex".into(), json!({ "synced": true, "best_block_height": height }));
        }
    }
    Ok(Value::Object(out))
}

/// Core's per-UTXO overhead in `getblockstats`: outpoint, height/coinbase, flag.
const PER_UTXO_OVERHEAD: u64 = 41;

/// Every statistic `getblockstats` offers, in Core's order.
const BLOCK_STATS: &[&str] = &[
    "avgfee",
    "avgfeerate",
    "avgtxsize",
    "blockhash",
    "feerate_percentiles",
    "height",
    "ins",
    "maxfee",
    "maxfeerate",
    "maxtxsize",
    "medianfee",
    "mediantime",
    "mediantxsize",
    "minfee",
    "minfeerate",
    "mintxsize",
    "outs",
    "subsidy",
    "swtotal_size",
    "swtotal_weight",
    "swtxs",
    "time",
    "total_out",
    "total_size",
    "total_weight",
    "totalfee",
    "txs",
    "utxo_increase",
    "utxo_size_inc",
    "utxo_increase_actual",
    "utxo_size_inc_actual",
];

/// Core's `CalculateTruncatedMedian`.
fn truncated_median(mut values: Vec<i64>) -> i64 {
    if values.is_empty() {
        return 0;
    }
    values.sort_unstable();
    let n = values.len();
    if n.is_multiple_of(2) {
        (values[n / 2 - 1] + values[n / 2]) / 2
    } else {
        values[n / 2]
    }
}

/// Core's `CalculatePercentilesByWeight`: the 10th, 25th, 50th, 75th and 90th
/// percentile feerates by weight.
pub fn percentiles_by_weight(mut scores: Vec<(i64, i64)>, total_weight: i64) -> [i64; 5] {
    let mut result = [0i64; 5];
    if scores.is_empty() {
        return result;
    }
    scores.sort_unstable();
    let total = total_weight as f64;
    let marks = [total / 10.0, total / 4.0, total / 2.0, total * 3.0 / 4.0, total * 9.0 / 10.0];
    let mut next = 0;
    let mut cumulative = 0i64;
    for (rate, weight) in &scores {
        cumulative += weight;
        while next < 5 && cumulative as f64 >= marks[next] {
            result[next] = *rate;
            next += 1;
        }
    }
    let last = scores.last().map_or(0, |s| s.0);
    for slot in result.iter_mut().skip(next) {
        *slot = last;
    }
    result
}

fn txout_size(out: &primitives::TxOut) -> u64 {
    let len = out.script_pubkey.len() as u64;
    8 + primitives::encode::compact_size_len(len) as u64 + len
}

/// `getblockstats hash_or_height ( stats )`: Core's statistics of a block,
/// amounts in zats.
pub async fn getblockstats(ctx: &RpcContext, args: &Args) -> RpcResult {
    let target =
        args.get(0).cloned().ok_or_else(|| RpcError::invalid_parameter("Missing required argument hash_or_height"))?;
    let selected: Option<Vec<String>> = match args.get(1) {
        None => None,
        Some(Value::Array(list)) => Some(
            list.iter()
                .map(|v| v.as_str().map(str::to_string).ok_or_else(|| RpcError::type_error("Expected type string")))
                .collect::<Result<_, _>>()?,
        ),
        Some(other) => return Err(RpcError::wrong_type(other, "array")),
    };
    if let Some(unknown) = selected.iter().flatten().find(|s| !BLOCK_STATS.contains(&s.as_str())) {
        return Err(RpcError::invalid_parameter(format!("Invalid selected statistic '{unknown}'")));
    }
    let hash = match &target {
        Value::Number(n) => {
            let height = n.as_i64().ok_or_else(|| RpcError::type_error("Expected type number"))?;
            let (tip, hash) = ctx
                .chain
                .call(move |node| {
                    (node.chain.tip().height, u32::try_from(height).ok().and_then(|h| node.chain.hash_at(h)))
                })
                .await?;
            if height < 0 {
                return Err(RpcError::invalid_parameter(format!("Target block height {height} is negative")));
            }
            if height > i64::from(tip) {
                return Err(RpcError::invalid_parameter(format!(
                    "Target block height {height} after current tip {tip}"
                )));
            }
            hash.ok_or_else(|| RpcError::invalid_parameter("Block not found"))?
        }
        Value::String(text) => text
            .parse()
            .map_err(|_| RpcError::invalid_parameter(format!("blockhash must be hexadecimal string (not '{text}')")))?,
        other => return Err(RpcError::wrong_type(other, "string or number")),
    };
    let found = ctx
        .chain
        .call(move |node| -> Result<_, RpcError> {
            let entry = node
                .chain
                .entry(&hash)
                .ok_or_else(|| RpcError::new(rpc::codes::INVALID_ADDRESS_OR_KEY, "Block not found"))?
                .clone();
            let db = |e: crate::store::StoreError| RpcError::new(rpc::codes::DATABASE_ERROR, e.to_string());
            let block = node
                .chain
                .block(&hash)
                .map_err(db)?
                .ok_or_else(|| RpcError::misc("Block not available (pruned data)"))?;
            let undo = if entry.height == 0 { Vec::new() } else { node.chain.undo(&hash).map_err(db)? };
            let mediantime = node.chain.median_time_past(entry.height);
            let subsidy = consensus::subsidy::block_subsidy(entry.height, node.chain.params());
            Ok((entry, block, undo, mediantime, subsidy))
        })
        .await??;
    let (entry, block, undo, mediantime, subsidy) = found;
    let spent = super::json::spent_by_block(&block, &undo);

    let (mut inputs, mut outputs, mut utxos) = (0i64, 0i64, 0i64);
    let (mut total_out, mut total_size, mut total_weight, mut totalfee) = (0u64, 0i64, 0i64, 0i64);
    let (mut swtxs, mut swtotal_size, mut swtotal_weight) = (0i64, 0i64, 0i64);
    let (mut utxo_size_inc, mut utxo_size_inc_actual) = (0i64, 0i64);
    let (mut maxfee, mut minfee, mut maxfeerate, mut minfeerate) = (0i64, i64::MAX, 0i64, i64::MAX);
    let (mut maxtxsize, mut mintxsize) = (0i64, i64::MAX);
    let (mut fees, mut sizes, mut feerates) = (Vec::new(), Vec::new(), Vec::new());
    for (i, tx) in block.txdata.iter().enumerate() {
        outputs += tx.output.len() as i64;
        let mut tx_out = 0u64;
        for out in &tx.output {
            tx_out += out.value.to_sat();
            let size = (txout_size(out) + PER_UTXO_OVERHEAD) as i64;
            utxo_size_inc += size;
            if entry.height == 0 || out.script_pubkey.is_op_return() || out.script_pubkey.len() > 10_000 {
                continue;
            }
            utxos += 1;
            utxo_size_inc_actual += size;
        }
        if tx.is_coinbase() {
            continue;
        }
        inputs += tx.input.len() as i64;
        total_out += tx_out;
        let size = tx.total_size() as i64;
        sizes.push(size);
        maxtxsize = maxtxsize.max(size);
        mintxsize = mintxsize.min(size);
        total_size += size;
        let weight = tx.weight() as i64;
        total_weight += weight;
        if tx.input.iter().any(|i| !i.witness.is_empty()) {
            swtxs += 1;
            swtotal_size += size;
            swtotal_weight += weight;
        }
        let mut tx_in = 0u64;
        for coin in &spent[i] {
            tx_in += coin.output.value.to_sat();
            let size = (txout_size(&coin.output) + PER_UTXO_OVERHEAD) as i64;
            utxo_size_inc -= size;
            utxo_size_inc_actual -= size;
        }
        let fee = tx_in.saturating_sub(tx_out) as i64;
        fees.push(fee);
        maxfee = maxfee.max(fee);
        minfee = minfee.min(fee);
        totalfee += fee;
        let feerate = if weight > 0 { fee * 4 / weight } else { 0 };
        feerates.push((feerate, weight));
        maxfeerate = maxfeerate.max(feerate);
        minfeerate = minfeerate.min(feerate);
    }
    let payments = block.txdata.len() as i64 - 1;
    let all = json!({
        "avgfee": if payments > 0 { totalfee / payments } else { 0 },
        "avgfeerate": if total_weight > 0 { totalfee * 4 / total_weight } else { 0 },
        "avgtxsize": if payments > 0 { total_size / payments } else { 0 },
        "blockhash": hash.to_string(),
        "feerate_percentiles": percentiles_by_weight(feerates, total_weight),
        "height": entry.height,
        "ins": inputs,
        "maxfee": maxfee,
        "maxfeerate": maxfeerate,
        "maxtxsize": maxtxsize,
        "medianfee": truncated_median(fees),
        "mediantime": mediantime,
        "mediantxsize": truncated_median(sizes),
        "minfee": if minfee == i64::MAX { 0 } else { minfee },
        "minfeerate": if minfeerate == i64::MAX { 0 } else { minfeerate },
        "mintxsize": if mintxsize == i64::MAX { 0 } else { mintxsize },
        "outs": outputs,
        "subsidy": subsidy,
        "swtotal_size": swtotal_size,
        "swtotal_weight": swtotal_weight,
        "swtxs": swtxs,
        "time": entry.header.time,
        "total_out": total_out,
        "total_size": total_size,
        "total_weight": total_weight,
        "totalfee": totalfee,
        "txs": block.txdata.len(),
        "utxo_increase": outputs - inputs,
        "utxo_size_inc": utxo_size_inc,
        "utxo_increase_actual": utxos - inputs,
        "utxo_size_inc_actual": utxo_size_inc_actual,
    });
    match selected {
        None => Ok(all),
        Some(names) => {
            Ok(Value::Object(names.iter().map(|n| (n.clone(), all[n.as_str()].clone())).collect::<Map<_, _>>()))
        }
    }
}
