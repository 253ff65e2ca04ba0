//! Addresses, descriptors, imports, message signing and rescans.

use primitives::{Address, ScriptBuf};
use rpc::{codes, Args, RpcError};
use serde_json::{json, Value};
use wallet::descriptor;
use wallet::keys::{Chain, OutputType, OutputTypeError};
use wallet::Origin;

use super::{parse_address, werr, Call};
use crate::clock;
use crate::rpc::asm::script_type;
use crate::rpc::{RpcContext, RpcResult};

/// An `address_type` argument, by Core's names and with Core's errors.
fn address_type_arg(arg: Option<&str>) -> Result<Option<OutputType>, RpcError> {
    arg.map(|name| {
        OutputType::parse(name).map_err(|e| match e {
            OutputTypeError::Unknown(_) => RpcError::new(codes::INVALID_ADDRESS_OR_KEY, e.to_string()),
            OutputTypeError::Unavailable(_) => RpcError::new(codes::WALLET_KEYPOOL_RAN_OUT, e.to_string()),
        })
    })
    .transpose()
}

pub fn getnewaddress(call: &Call<'_>) -> RpcResult {
    let label = call.args.opt_str(0)?.unwrap_or("");
    if label == "*" {
        return Err(RpcError::new(codes::WALLET_INVALID_LABEL_NAME, "Invalid label name"));
    }
    let requested = address_type_arg(call.args.opt_str(1)?)?;
    let mut w = call.wallet()?;
    let output_type = requested.unwrap_or_else(|| w.default_address_type());
    let address = w.new_address(output_type, Chain::Receive, Some(label)).map_err(werr)?;
    Ok(Value::String(address.to_string()))
}

pub fn getrawchangeaddress(call: &Call<'_>) -> RpcResult {
    let requested = address_type_arg(call.args.opt_str(0)?)?;
    let mut w = call.wallet()?;
    let output_type = requested.unwrap_or_else(|| w.change_type_for([]));
    let address = w.new_address(output_type, Chain::Change, None).map_err(werr)?;
    Ok(Value::String(address.to_string()))
}

/// Core's address fields shared by validateaddress and getaddressinfo.
fn address_fields(address: &Address) -> Value {
    let script = address.script_pubkey().as_bytes();
    let mut v = json!({
        "address": address.to_string(),
        "scriptPubKey": hex::encode(script),
        "isscript": script.len() == 23 && script[0] == 0xa9,
        "iswitness": script.first().is_some_and(|&op| op == 0 || (0x51..=0x60).contains(&op)) && script.len() >= 4 && script[1] as usize == script.len() - 2,
    });
    // As Core's DescribeAddressVisitor: P2WSH and taproot are scripts; an
    // unknown witness program says nothing either way.
    match script_type(address.script_pubkey()) {
        "witness_v0_scripthash" | "witness_v1_taproot" => v["isscript"] = json!(true),
        "witness_unknown" => {
            if let Value::Object(o) = &mut v {
                o.remove("isscript");
            }
        }
        _ => {}
    }
    if v["iswitness"] == json!(true) {
        v["witness_version"] = json!(if script[0] == 0 { 0 } else { script[0] - 0x50 });
        v["witness_program"] = json!(hex::encode(&script[2..]));
    }
    v
}

pub fn getaddressinfo(call: &Call<'_>) -> RpcResult {
    let address = parse_address(call.args.str(0, "address")?, call.ctx)?;
    let w = call.wallet()?;
    let script = address.script_pubkey();
    let origin = w.origin(script);
    let mut info = json!({
        "address": address.to_string(),
        "scriptPubKey": hex::encode(script.as_bytes()),
        "ismine": origin.is_some(),
        "solvable": origin.is_some(),
    });
    let fields = address_fields(&address);
    if let Some(pubkey) = w.public_key_for(script) {
        if let Some((Origin::Hd { output_type, chain, index }, Some(account))) =
            origin.map(|o| (o, if let Origin::Hd { output_type, .. } = o { w.account(output_type) } else { None }))
        {
            if let Some((desc, parent)) = w.descriptors_of(script) {
                info["desc"] = json!(desc);
                info["parent_desc"] = json!(parent);
            }
            info["iswatchonly"] = json!(false);
            info["isscript"] = fields["isscript"].clone();
            info["iswitness"] = json!(true);
            info["witness_version"] = fields["witness_version"].clone();
            info["witness_program"] = fields["witness_program"].clone();
            // Core shows the key of a P2WPKH address; a taproot address's is in `desc`.
            if output_type == OutputType::Bech32 {
                info["pubkey"] = json!(pubkey.to_string());
                info["iscompressed"] = json!(true);
            }
            info["ischange"] = json!(chain == Chain::Change);
            info["timestamp"] = json!(w.birth_time());
            info["hdkeypath"] = json!(account.path_of(chain, index));
            info["hdmasterfingerprint"] = json!(account.master_fingerprint.to_string());
        }
    } else {
        info["desc"] = json!(descriptor::infer(script.as_bytes(), call.ctx.network));
        info["iswatchonly"] = json!(false);
        for key in ["isscript", "iswitness", "witness_version", "witness_program"] {
            if !fields[key].is_null() {
                info[key] = fields[key].clone();
            }
        }
        if let Some(Origin::Watch { .. }) = origin {
            if let Some((desc, parent)) = w.descriptors_of(script) {
                info["desc"] = json!(desc);
                info["parent_desc"] = json!(parent);
            }
        }
        info["ischange"] = json!(false);
    }
    info["labels"] = match w.label(script) {
        Some(label) => json!([label]),
        None => json!([]),
    };
    Ok(info)
}

/// `wpkh([fp/84h/c'h/a'h]xpub/<chain>/*)#checksum` (or `tr(...)` for the
/// taproot account), with the xprv when given.
fn hd_descriptor(account: &wallet::keys::AccountKeys, chain: Chain, xpriv: Option<&str>) -> String {
    let key = xpriv.map(str::to_string).unwrap_or_else(|| account.xpub.to_string());
    let function = account.output_type.descriptor_function();
    descriptor::with_checksum(&format!("{function}({}{key}/{}/*)", account.origin(), chain.index())).unwrap_or_default()
}

pub fn listdescriptors(call: &Call<'_>) -> RpcResult {
    let private = call.args.opt_bool(0)?.unwrap_or(false);
    let w = call.wallet()?;
    if private && !w.private_keys_enabled() {
        return Err(RpcError::new(codes::WALLET_ERROR, "Can't get descriptor string."));
    }
    let mut list = Vec::new();
    for account in w.accounts() {
        let xpriv = if private { Some(w.account_xpriv(account.output_type).map_err(werr)?) } else { None };
        for chain in [Chain::Receive, Chain::Change] {
            let used = w.next_index(account.output_type, chain);
            list.push(json!({
                "desc": hd_descriptor(account, chain, xpriv.as_deref().map(|s| s.as_str())),
                "timestamp": w.birth_time(),
                "active": true,
                "internal": chain == Chain::Change,
                "range": [0, used + wallet::state::LOOKAHEAD - 1],
                "next": used,
                "next_index": used,
            }));
        }
    }
    for (index, record) in w.watch_records().iter().enumerate() {
        let text = match (private, record.secret.is_some()) {
            (true, true) => w.imported_private_text(index).ok_or_else(|| werr(wallet::WalletError::Locked))?,
            _ => record.descriptor.clone(),
        };
        let mut entry = json!({ "desc": text, "timestamp": record.timestamp, "active": false });
        if record.descriptor.contains("/*") {
            entry["range"] = json!([0, record.range_end]);
        }
        list.push(entry);
    }
    // Core lists descriptors sorted by their text.
    list.sort_by(|a, b| a["desc"].as_str().cmp(&b["desc"].as_str()));
    Ok(json!({ "wallet_name": call.name, "descriptors": list }))
}

pub async fn importdescriptors(call: &Call<'_>) -> RpcResult {
    let requests = call
        .args
        .get(0)
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| RpcError::type_error("Expected type array"))?;
    let mut results = Vec::new();
    let mut earliest: Option<i64> = None;
    for request in requests {
        let outcome = import_one(call, &request).await;
        match outcome {
            Ok(timestamp) => {
                earliest = Some(earliest.map_or(timestamp, |e| e.min(timestamp)));
                results.push(json!({ "success": true }));
            }
            Err(e) => results.push(json!({ "success": false, "error": { "code": e.code, "message": e.message } })),
        }
    }
    // Scan back to the earliest timestamp imported (0 = the whole chain).
    if let Some(since) = earliest {
        let start = call.ctx.chain.call(move |node| first_height_after(&node.chain, since)).await?;
        if let Some(start) = start {
            rescan(call, start, None).await?;
        }
    }
    Ok(Value::Array(results))
}

async fn import_one(call: &Call<'_>, request: &Value) -> Result<i64, RpcError> {
    let desc =
        request.get("desc").and_then(Value::as_str).ok_or_else(|| RpcError::type_error("Descriptor not found."))?;
    let timestamp = match request.get("timestamp") {
        Some(Value::String(s)) if s == "now" => clock::now(),
        Some(Value::Number(n)) => n.as_i64().unwrap_or(0).max(0),
        _ => return Err(RpcError::type_error("Missing required timestamp field for key")),
    };
    let body = descriptor::split_checksum(desc, true)
        .map_err(|e| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, e.to_string()))?;
    // combo(KEY) is the descriptors of each of its scripts, as Core expands it.
    if let Some(forms) = wallet::imported::expand_combo(body) {
        for form in forms {
            import_body(call, &form, request, timestamp).await?;
        }
        return Ok(timestamp);
    }
    import_body(call, body, request, timestamp).await?;
    Ok(timestamp)
}

/// Imports one descriptor body (no checksum): with private keys into a
/// wallet with keys, else watch-only.
async fn import_body(call: &Call<'_>, body: &str, request: &Value, timestamp: i64) -> Result<(), RpcError> {
    let desc =
        descriptor::with_checksum(body).map_err(|e| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, e.to_string()))?;
    let secp = bitcoin::secp256k1::Secp256k1::new();
    let private = miniscript::Descriptor::<miniscript::DescriptorPublicKey>::parse_descriptor(&secp, body)
        .ok()
        .filter(|(_, keys)| !keys.is_empty());
    if let Some((public, _)) = private {
        let range_end = match request.get("range") {
            None if public.has_wildcard() => 999,
            None => 0,
            Some(_) if !public.has_wildcard() => {
                return Err(RpcError::invalid_parameter("Range should not be specified for an un-ranged descriptor"))
            }
            Some(range) => parse_range(range)?,
        };
        call.blocking(move |w| w.import_private(&desc, range_end, timestamp).map_err(werr)).await?;
        return Ok(());
    }
    let parsed = descriptor::parse_watch(body, call.ctx.network)
        .map_err(|e| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, e.to_string()))?;
    let range_end = match request.get("range") {
        None if parsed.is_range() => 999,
        None => 0,
        Some(_) if !parsed.is_range() => {
            return Err(RpcError::new(
                codes::INVALID_PARAMETER,
                "Range should not be specified for an un-ranged descriptor",
            ))
        }
        Some(range) => parse_range(range)?,
    };
    let label = request.get("label").and_then(Value::as_str).map(str::to_string);
    // Deriving up to a million scripts is CPU work: on a blocking thread,
    // holding only this wallet's lock.
    call.blocking(move |w| {
        w.import_watch(&desc, range_end, timestamp).map_err(werr)?;
        if let Some(label) = label {
            if !parsed.is_range() {
                let script = parsed.script_at(0).map_err(|e| RpcError::invalid_parameter(e.to_string()))?;
                w.set_label(&script, &label).map_err(werr)?;
            }
        }
        Ok(())
    })
    .await?;
    Ok(())
}

/// Most entries one ranged descriptor may cover (Core's limit).
const MAX_DESCRIPTOR_RANGE: i64 = 1_000_000;

/// Core's `ParseDescriptorRange` and `ParseRange`: `end` or `[begin, end]`,
/// checked before anything is derived. Returns the end; the wallet derives
/// from index 0, so the end itself must stay under Core's range size.
fn parse_range(range: &Value) -> Result<u32, RpcError> {
    let int = |v: &Value| v.as_i64().ok_or_else(|| RpcError::wrong_type(v, "number"));
    let (low, high) = match range {
        Value::Number(_) => (0, int(range)?),
        Value::Array(a) if a.len() == 2 => (int(&a[0])?, int(&a[1])?),
        _ => return Err(RpcError::invalid_parameter("Range must be specified as end or as [begin,end]")),
    };
    if low > high {
        return Err(RpcError::invalid_parameter("Range specified as [begin,end] must not have begin after end"));
    }
    if low < 0 {
        return Err(RpcError::invalid_parameter("Range should be greater or equal than 0"));
    }
    if high >> 31 != 0 {
        return Err(RpcError::invalid_parameter("End of range is too high"));
    }
    if high >= MAX_DESCRIPTOR_RANGE {
        return Err(RpcError::invalid_parameter("Range is too large"));
    }
    Ok(high as u32)
}

/// Height of the first block whose time is within two hours before `time` (Core's rescan window).
fn first_height_after(chain: &crate::chainstate::Chainstate, time: i64) -> Option<u32> {
    let tip = chain.tip().height;
    (0..=tip).find(|&h| {
        chain.hash_at(h).and_then(|hash| chain.entry(&hash)).is_some_and(|e| i64::from(e.header.time) >= time - 7200)
    })
}

pub fn signmessage(call: &Call<'_>) -> RpcResult {
    let address = Address::parse(call.args.str(0, "address")?, call.ctx.network)
        .map_err(|_| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Invalid address"))?;
    let message = call.args.str(1, "message")?;
    let w = call.wallet()?;
    let script: &ScriptBuf = address.script_pubkey();
    if !w.is_mine(script) {
        return Err(RpcError::new(codes::WALLET_ERROR, "Private key not available"));
    }
    Ok(Value::String(w.sign_message(script, message).map_err(werr)?))
}

pub fn verifymessage(ctx: &RpcContext, args: &Args) -> RpcResult {
    let address = args.str(0, "address")?;
    let signature = args.str(1, "signature")?;
    let message = args.str(2, "message")?;
    use wallet::message::MessageError;
    match wallet::message::verify_message(address, signature, message, ctx.network) {
        Ok(valid) => Ok(Value::Bool(valid)),
        Err(MessageError::InvalidAddress) => Err(RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Invalid address")),
        Err(MessageError::AddressNotKey) => Err(RpcError::type_error("Address does not refer to key")),
        Err(MessageError::MalformedBase64) => {
            Err(RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "Malformed base64 encoding"))
        }
    }
}

pub fn validateaddress(ctx: &RpcContext, args: &Args) -> RpcResult {
    let text = args.str(0, "address")?;
    match Address::parse(text, ctx.network) {
        Ok(address) => {
            let mut v = json!({ "isvalid": true });
            if let (Value::Object(out), Value::Object(fields)) = (&mut v, address_fields(&address)) {
                out.extend(fields);
            }
            Ok(v)
        }
        Err(e) => Ok(json!({ "isvalid": false, "error_locations": [], "error": e.to_string() })),
    }
}

pub async fn rescanblockchain(call: &Call<'_>) -> RpcResult {
    let tip = call.ctx.chain.current_tick().height;
    let start = call.args.opt_i64(0)?.unwrap_or(0);
    let stop = call.args.opt_i64(1)?;
    if start < 0 || start > i64::from(tip) {
        return Err(RpcError::invalid_parameter("Invalid start_height"));
    }
    if let Some(stop) = stop {
        if stop < start || stop > i64::from(tip) {
            return Err(RpcError::invalid_parameter("Invalid stop_height"));
        }
    }
    let (first, last) = rescan(call, start as u32, stop.map(|s| s as u32)).await?;
    Ok(json!({ "start_height": first, "stop_height": last }))
}

/// Scans active blocks `start..=stop` (tip when None) for wallet transactions.
async fn rescan(call: &Call<'_>, start: u32, stop: Option<u32>) -> Result<(u32, u32), RpcError> {
    let prune_height = call.ctx.chain.call(|node| node.chain.prune_height()).await?;
    if start < prune_height {
        return Err(RpcError::misc(
            "Can't rescan beyond pruned data. Use RPC call getblockchaininfo to determine your pruned height.",
        ));
    }
    tracing::info!("Wallet \"{}\": rescanning from height {start}", call.name);
    let mut height = start;
    let mut last = start;
    loop {
        let from =
            if height == 0 { None } else { call.ctx.chain.call(move |node| node.chain.hash_at(height - 1)).await? };
        let path = call
            .ctx
            .chain
            .call(move |node| node.chain.path_from(from, 100))
            .await?
            .map_err(|e| RpcError::new(codes::DATABASE_ERROR, e.to_string()))?;
        let blocks: Vec<_> = path.connect.into_iter().filter(|(_, h, _)| stop.is_none_or(|s| *h <= s)).collect();
        if blocks.is_empty() {
            break;
        }
        let count = blocks.len() as u32;
        last = blocks.last().map_or(last, |b| b.1);
        call.blocking(move |w| {
            let now = clock::now();
            for (hash, h, block) in &blocks {
                w.scan_block(block, *hash, *h, now).map_err(werr)?;
            }
            Ok(())
        })
        .await?;
        height += count;
        if stop.is_some_and(|s| height > s) || count < 100 {
            break;
        }
    }
    Ok((start, last))
}
