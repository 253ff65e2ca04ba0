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
        ["chaininfo.json"] => Ok(json_reply(&call(ctx, "getblockchaininfo", json!([]), "chain").await?)),
        ["mempool", "info.json"] => Ok(json_reply(&call(ctx, "getmempoolinfo", json!([]), "mempool").await?)),
        ["mempool", "contents.json"] => Ok(json_reply(&call(ctx, "getrawmempool", json!([true]), "mempool").await?)),
        ["chaininfo" | "chaininfo.bin" | "chaininfo.hex"] | ["mempool", _] => {
            Err(not_found("output format not found (available: json)"))
        }
        _ => Err(not_found("Not found")),
    }
}
