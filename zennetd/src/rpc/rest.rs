//! The REST interface (`-rest`), as Core's: GET `/rest/…` in `.json`, `.bin`
//! and `.hex`, answered by the same code as the matching RPCs, so that
//! every JSON body equals the RPC's result.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::StatusCode;
use rpc::http::{RestHandler, RestReply};
use rpc::{codes, Args, RpcError};
use serde_json::{json, Value};

use super::RpcContext;

/// Core's limit on `/rest/headers/<count>/…`.
const MAX_HEADERS: i64 = 2000;

pub struct Rest {
    pub ctx: Arc<RpcContext>,
}

impl RestHandler for Rest {
    fn get(&self, path: String) -> Pin<Box<dyn Future<Output = RestReply> + Send>> {
        let ctx = self.ctx.clone();
        Box::pin(async move { serve(&ctx, &path).await.unwrap_or_else(|reply| reply) })
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    Bin,
    Hex,
}

fn not_found(what: impl Into<String>) -> RestReply {
    RestReply::text(StatusCode::NOT_FOUND, what)
}

fn bad_request(what: impl Into<String>) -> RestReply {
    RestReply::text(StatusCode::BAD_REQUEST, what)
}

/// `name.ext` → (name, format), with Core's answer for other extensions.
fn split_format(part: &str, allowed: &[Format]) -> Result<(String, Format), RestReply> {
    let available = || {
        let names: Vec<&str> = allowed
            .iter()
            .map(|f| match f {
                Format::Json => "json",
                Format::Bin => "bin",
                Format::Hex => "hex",
            })
            .collect();
        not_found(format!("output format not found (available: {})", names.join(", ")))
    };
    let (name, ext) = part.rsplit_once('.').ok_or_else(available)?;
    let format = match ext {
        "json" => Format::Json,
        "bin" => Format::Bin,
        "hex" => Format::Hex,
        _ => return Err(available()),
    };
    if !allowed.contains(&format) {
        return Err(available());
    }
    Ok((name.to_string(), format))
}

/// Calls the RPC `method` with positional `params`.
async fn call(ctx: &RpcContext, method: &str, params: Value, subject: &str) -> Result<Value, RestReply> {
    let spec = rpc::methods::find(method).ok_or_else(|| not_found("Not found"))?;
    let args = Args::from_params(spec, Some(params)).map_err(|e| bad_request(e.message))?;
    super::dispatch(method, args, ctx, None).await.map_err(|e: RpcError| match e.code {
        codes::INVALID_ADDRESS_OR_KEY => not_found(format!("{subject} not found")),
        // As Core: a pruned block is "not available", 404.
        codes::MISC_ERROR if e.message.contains("pruned data") => {
            not_found(format!("{subject} not available (pruned data)"))
        }
        codes::INVALID_PARAMETER => bad_request(e.message),
        _ => RestReply::text(StatusCode::INTERNAL_SERVER_ERROR, e.message),
    })
}

fn check_hash(text: &str) -> Result<(), RestReply> {
    if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(())
    } else {
        Err(bad_request(format!("Invalid hash: {text}")))
    }
}

fn json_reply(value: &Value) -> RestReply {
    RestReply {
        status: StatusCode::OK,
        content_type: "application/json",
        body: (value.to_string() + "\n").into_bytes(),
    }
}

/// Raw bytes in the format asked for (`.bin` or `.hex`).
fn bytes_reply(bytes: Vec<u8>, format: Format) -> RestReply {
    match format {
        Format::Hex => RestReply {
            status: StatusCode::OK,
            content_type: "text/plain",
            body: (hex::encode(bytes) + "\n").into_bytes(),
        },
        _ => RestReply { status: StatusCode::OK, content_type: "application/octet-stream", body: bytes },
    }
}

fn hex_result(value: &Value) -> Result<Vec<u8>, RestReply> {
    value
        .as_str()
        .and_then(|h| hex::decode(h).ok())
        .ok_or_else(|| RestReply::text(StatusCode::INTERNAL_SERVER_ERROR, "unexpected result"))
}

/// Core's limit on `/rest/getutxos` outpoints.
const MAX_GETUTXOS_OUTPOINTS: usize = 15;
/// The height Core reports for a coin created in the mempool.
const MEMPOOL_HEIGHT: u32 = 0x7FFF_FFFF;

/// `/rest/getutxos[/checkmempool]/<txid>-<n>/….<json|bin|hex>`: which of the
/// outpoints are unspent (a bitmap) and their coins, as Core.
async fn getutxos(ctx: &RpcContext, parts: &[&str]) -> Result<RestReply, RestReply> {
    let (last, format) =
        split_format(parts.last().copied().unwrap_or_default(), &[Format::Json, Format::Bin, Format::Hex])?;
    let mut segments: Vec<String> = parts[..parts.len() - 1].iter().map(|s| s.to_string()).collect();
    segments.push(last);
    let check_mempool = segments.first().is_some_and(|s| s == "checkmempool");
    if check_mempool {
        segments.remove(0);
    }
    let parse_error = || bad_request("Parse error");
    let mut outpoints = Vec::with_capacity(segments.len());
    for segment in segments.iter().filter(|s| !s.is_empty()) {
        let (txid, vout) = segment.split_once('-').ok_or_else(parse_error)?;
        check_hash(txid).map_err(|_| parse_error())?;
        let txid: primitives::Txid = txid.parse().map_err(|_| parse_error())?;
        let vout: u32 = vout.parse().map_err(|_| parse_error())?;
        outpoints.push(primitives::OutPoint { txid, vout });
    }
    if outpoints.is_empty() {
        return Err(bad_request("Error: empty request"));
    }
    if outpoints.len() > MAX_GETUTXOS_OUTPOINTS {
        return Err(bad_request(format!(
            "Error: max outpoints exceeded (max: {MAX_GETUTXOS_OUTPOINTS}, tried: {})",
            outpoints.len()
        )));
    }
    let (height, tip, coins) = ctx
        .chain
        .call(move |node| {
            let coins: Vec<Option<(u32, primitives::TxOut)>> = outpoints
                .iter()
                .map(|o| {
                    if check_mempool {
                        let pool = node.mempool.pool();
                        if pool.spender(o).is_some() {
                            return None;
                        }
                        if let Some(out) = pool.get(&o.txid).and_then(|e| e.tx.output.get(o.vout as usize)) {
                            return Some((MEMPOOL_HEIGHT, out.clone()));
                        }
                    }
                    node.chain.coin(o).ok().flatten().map(|c| (c.height, c.output))
                })
                .collect();
            (node.chain.tip().height, node.chain.tip().hash, coins)
        })
        .await
        .map_err(|_| RestReply::text(StatusCode::INTERNAL_SERVER_ERROR, "Shutting down"))?;
    let bitmap: String = coins.iter().map(|c| if c.is_some() { '1' } else { '0' }).collect();
    if format == Format::Json {
        let utxos: Vec<Value> = coins
            .iter()
            .flatten()
            .map(|(h, out)| {
                json!({
                    "height": h,
                    "value": super::json::amount(out.value.to_sat()),
                    "scriptPubKey": super::json::script_pubkey_json(&out.script_pubkey, ctx.network),
                })
            })
            .collect();
        return Ok(json_reply(&json!({
            "chainHeight": height,
            "chaintipHash": tip.to_string(),
            "bitmap": bitmap,
            "utxos": utxos,
        })));
    }
    // Core's serialization: height, tip, the bitmap's bytes (bit i of byte
    // i/8), then each coin as (0u32, height, txout).
    let mut bytes = Vec::new();
    bytes.extend_from_slice(&(height as i32).to_le_bytes());
    bytes.extend_from_slice(bitcoin::hashes::Hash::as_byte_array(&tip));
    let mut bits = vec![0u8; coins.len().div_ceil(8)];
    for (i, coin) in coins.iter().enumerate() {
        if coin.is_some() {
            bits[i / 8] |= 1 << (i % 8);
        }
    }
    primitives::encode::write_compact_size(&mut bytes, bits.len() as u64);
    bytes.extend_from_slice(&bits);
    let found: Vec<&(u32, primitives::TxOut)> = coins.iter().flatten().collect();
    primitives::encode::write_compact_size(&mut bytes, found.len() as u64);
    for (h, out) in found {
        bytes.extend_from_slice(&0u32.to_le_bytes());
        bytes.extend_from_slice(&h.to_le_bytes());
        bytes.extend_from_slice(&bitcoin::consensus::serialize(out));
    }
    Ok(bytes_reply(bytes, format))
}

async fn serve(ctx: &RpcContext, path: &str) -> Result<RestReply, RestReply> {
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    let all = [Format::Json, Format::Bin, Format::Hex];
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        ["tx", last] => {
            let (txid, format) = split_format(last, &all)?;
            check_hash(&txid)?;
            if format == Format::Json {
                return Ok(json_reply(&call(ctx, "getrawtransaction", json!([txid, 1]), &txid).await?));
            }
            let raw = call(ctx, "getrawtransaction", json!([txid, 0]), &txid).await?;
            Ok(bytes_reply(hex_result(&raw)?, format))
        }
        ["block", "notxdetails", last] | ["block", last] => {
            let (hash, format) = split_format(last, &all)?;
            check_hash(&hash)?;
            let verbosity = if parts.len() == 3 { 1 } else { 2 };
            if format == Format::Json {
                return Ok(json_reply(&call(ctx, "getblock", json!([hash, verbosity]), &hash).await?));
            }
            let raw = call(ctx, "getblock", json!([hash, 0]), &hash).await?;
            Ok(bytes_reply(hex_result(&raw)?, format))
        }
        ["headers", count, last] => {
            let (hash, format) = split_format(last, &all)?;
            check_hash(&hash)?;
            let count = count.parse::<i64>().ok().filter(|c| (1..=MAX_HEADERS).contains(c)).ok_or_else(|| {
                bad_request(format!("Header count is invalid or out of acceptable range (1-{MAX_HEADERS}): {count}"))
            })?;
            let mut headers = Vec::new();
            let mut next = Some(hash.clone());
            while let Some(h) = next.take() {
                if headers.len() as i64 >= count {
                    break;
                }
                let header = call(ctx, "getblockheader", json!([h, true]), &hash).await?;
                next = header.get("nextblockhash").and_then(Value::as_str).map(str::to_string);
                headers.push(header);
            }
            if format == Format::Json {
                return Ok(json_reply(&Value::Array(headers)));
            }
            let mut bytes = Vec::with_capacity(headers.len() * 80);
            for header in &headers {
                let hash = header["hash"].as_str().unwrap_or_default().to_string();
                bytes.extend(hex_result(&call(ctx, "getblockheader", json!([hash, false]), &hash).await?)?);
            }
            Ok(bytes_reply(bytes, format))
        }
        ["blockhashbyheight", last] => {
            let (height, format) = split_format(last, &all)?;
            let height: i64 = height.parse().map_err(|_| bad_request(format!("Invalid height: {height}")))?;
            let hash = call(ctx, "getblockhash", json!([height]), "Block height").await.map_err(|reply| {
                if reply.status == StatusCode::BAD_REQUEST {
                    not_found("Block height out of range")
                } else {
                    reply
                }
            })?;
            if format == Format::Json {
                return Ok(json_reply(&json!({ "blockhash": hash })));
            }
            // The hash as serialized: its bytes in internal order.
            let mut bytes = hex_result(&hash)?;
            bytes.reverse();
            Ok(bytes_reply(bytes, format))
        }
        ["getutxos", rest @ ..] if !rest.is_empty() => getutxos(ctx, rest).await,
        ["chaininfo.json"] => Ok(json_reply(&call(ctx, "getblockchaininfo", json!([]), "chain").await?)),
        ["mempool", "info.json"] => Ok(json_reply(&call(ctx, "getmempoolinfo", json!([]), "mempool").await?)),
        ["mempool", "contents.json"] => Ok(json_reply(&call(ctx, "getrawmempool", json!([true]), "mempool").await?)),
        ["chaininfo" | "chaininfo.bin" | "chaininfo.hex"] | ["mempool", _] => {
            Err(not_found("output format not found (available: json)"))
        }
        _ => Err(not_found("Not found")),
    }
}
