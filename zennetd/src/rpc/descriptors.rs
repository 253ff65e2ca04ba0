//! Descriptor utilities, as Core's: `getdescriptorinfo`, `deriveaddresses`,
//! `createmultisig`. Script descriptors are miniscript's; `addr()` and
//! `raw()` are read here (miniscript has no form for them).

use std::str::FromStr;

use miniscript::descriptor::{Descriptor, DescriptorPublicKey};
use primitives::{Address, ScriptBuf};
use rpc::{codes, Args, RpcError};
use serde_json::{json, Value};

use super::{RpcContext, RpcResult};

fn invalid(message: impl Into<String>) -> RpcError {
    RpcError::new(codes::INVALID_ADDRESS_OR_KEY, message)
}

/// A parsed descriptor: a script descriptor, or one fixed script (`addr`, `raw`).
enum Parsed {
    Script(Box<Descriptor<DescriptorPublicKey>>, bool),
    Fixed(ScriptBuf, String),
}

fn parse(ctx: &RpcContext, text: &str, require_checksum: bool) -> Result<Parsed, RpcError> {
    let body = wallet::descriptor::split_checksum(text, require_checksum).map_err(|e| invalid(e.to_string()))?;
    if let Some(inner) = body.strip_prefix("addr(").and_then(|s| s.strip_suffix(')')) {
        let address =
            Address::parse(inner, ctx.network).map_err(|_| invalid(format!("Address {inner} is not valid")))?;
        return Ok(Parsed::Fixed(address.script_pubkey().clone(), body.to_string()));
    }
    if let Some(inner) = body.strip_prefix("raw(").and_then(|s| s.strip_suffix(')')) {
        let bytes = hex::decode(inner).map_err(|_| invalid("Raw script is not hex"))?;
        return Ok(Parsed::Fixed(ScriptBuf::from_bytes(bytes), body.to_string()));
    }
    let secp = bitcoin::secp256k1::Secp256k1::new();
    let (descriptor, keys) =
        Descriptor::<DescriptorPublicKey>::parse_descriptor(&secp, body).map_err(|e| invalid(e.to_string()))?;
    Ok(Parsed::Script(Box::new(descriptor), !keys.is_empty()))
}

/// `getdescriptorinfo "descriptor"`.
pub fn getdescriptorinfo(ctx: &RpcContext, args: &Args) -> RpcResult {
    let text = args.str(0, "descriptor")?;
    // As Core: `checksum` is the checksum of the descriptor as given.
    let given = wallet::descriptor::split_checksum(text, false).map_err(|e| invalid(e.to_string()))?;
    let checksum = wallet::descriptor::checksum(given).map_err(|e| invalid(e.to_string()))?;
    if let Some(key) = given.strip_prefix("combo(").and_then(|s| s.strip_suffix(')')) {
        let (public, private) = combo_key(key)?;
        let descriptor =
            wallet::descriptor::with_checksum(&format!("combo({public})")).map_err(|e| invalid(e.to_string()))?;
        return Ok(json!({
            "descriptor": descriptor,
            "checksum": checksum,
            "isrange": false,
            "issolvable": true,
            "hasprivatekeys": private,
        }));
    }
    let (descriptor, isrange, issolvable, hasprivatekeys) = match parse(ctx, text, false)? {
        Parsed::Script(d, private) => (format!("{d:#}"), d.has_wildcard(), true, private),
        Parsed::Fixed(_, body) => (body, false, false, false),
    };
    let descriptor = wallet::descriptor::with_checksum(&descriptor).map_err(|e| invalid(e.to_string()))?;
    Ok(json!({
        "descriptor": descriptor,
        "checksum": checksum,
        "isrange": isrange,
        "issolvable": issolvable,
        "hasprivatekeys": hasprivatekeys,
    }))
}

/// The public key of a `combo()` key (hex or WIF), and whether it was private.
fn combo_key(key: &str) -> Result<(String, bool), RpcError> {
    if let Ok(private) = bitcoin::PrivateKey::from_wif(key) {
        return Ok((private.public_key(&bitcoin::secp256k1::Secp256k1::new()).to_string(), true));
    }
    let public = hex::decode(key)
        .ok()
        .and_then(|b| bitcoin::PublicKey::from_slice(&b).ok())
        .ok_or_else(|| invalid(format!("key '{key}' is not valid")))?;
    Ok((public.to_string(), false))
}

/// Core's range argument: `end` or `[begin, end]`.
fn parse_range(value: &Value) -> Result<(u32, u32), RpcError> {
    let bad = || RpcError::invalid_parameter("Range must be specified as end or as [begin,end]");
    let (begin, end) = match value {
        Value::Number(n) => (0, n.as_i64().ok_or_else(bad)?),
        Value::Array(pair) if pair.len() == 2 => (pair[0].as_i64().ok_or_else(bad)?, pair[1].as_i64().ok_or_else(bad)?),
        _ => return Err(bad()),
    };
    if begin < 0 || end < 0 {
        return Err(RpcError::invalid_parameter("Range should be greater or equal than 0"));
    }
    if begin > end {
        return Err(RpcError::invalid_parameter("Range specified as [begin,end] must not have begin after end"));
    }
    if end >= 1 << 31 || end - begin >= 1_000_000 {
        return Err(RpcError::invalid_parameter("Range is too large"));
    }
    Ok((begin as u32, end as u32))
}

/// `deriveaddresses "descriptor" ( range )`.
pub fn deriveaddresses(ctx: &RpcContext, args: &Args) -> RpcResult {
    let text = args.str(0, "descriptor")?;
    let parsed = parse(ctx, text, true)?;
    let ranged = matches!(&parsed, Parsed::Script(d, _) if d.has_wildcard());
    let (begin, end) = match (args.get(1), ranged) {
        (None, true) => return Err(RpcError::invalid_parameter("Range must be specified for a ranged descriptor")),
        (Some(_), false) => {
            return Err(RpcError::invalid_parameter("Range should not be specified for an un-ranged descriptor"))
        }
        (Some(range), true) => parse_range(range)?,
        (None, false) => (0, 0),
    };
    let mut addresses = Vec::new();
    for index in begin..=end {
        let script = match &parsed {
            Parsed::Fixed(script, _) => script.clone(),
            Parsed::Script(d, _) => d.at_derivation_index(index).map_err(|e| invalid(e.to_string()))?.script_pubkey(),
        };
        let address = Address::from_script(&script, ctx.network)
            .map_err(|_| invalid("Descriptor does not have a corresponding address"))?;
        addresses.push(json!(address.to_string()));
    }
    Ok(Value::Array(addresses))
}

/// `signmessagewithprivkey "privkey" "message"`.
pub fn signmessagewithprivkey(ctx: &RpcContext, args: &Args) -> RpcResult {
    let key =
        super::rawbuild::parse_wif(args.str(0, "privkey")?, ctx.network).map_err(|_| invalid("Invalid private key"))?;
    let message = args.str(1, "message")?;
    let secp = bitcoin::secp256k1::Secp256k1::signing_only();
    Ok(json!(wallet::message::sign_message_legacy(&secp, &key.inner, key.compressed, message)))
}

/// `createmultisig nrequired ["key",...] ( "address_type" )`: bech32
/// (P2WSH) by default here, `p2sh-segwit` and `legacy` as Core.
pub fn createmultisig(ctx: &RpcContext, args: &Args) -> RpcResult {
    let required = args.i64(0, "nrequired")?;
    let keys_value = args.get(1).ok_or_else(|| RpcError::invalid_parameter("Missing required argument keys"))?;
    let keys_list = keys_value.as_array().ok_or_else(|| RpcError::wrong_type(keys_value, "array"))?;
    let mut keys = Vec::with_capacity(keys_list.len());
    for key in keys_list {
        let text = key.as_str().ok_or_else(|| RpcError::wrong_type(key, "string"))?;
        let parsed = hex::decode(text)
            .ok()
            .and_then(|b| bitcoin::PublicKey::from_slice(&b).ok())
            .ok_or_else(|| invalid(format!("Invalid public key: {text}")))?;
        keys.push(parsed);
    }
    if required < 1 {
        return Err(RpcError::invalid_parameter("a multisignature address must require at least one key to redeem"));
    }
    if (keys.len() as i64) < required {
        return Err(RpcError::invalid_parameter(format!(
            "not enough keys supplied (got {} keys, but need at least {required} to redeem)",
            keys.len()
        )));
    }
    if keys.len() > 20 {
        return Err(RpcError::invalid_parameter(
            "Number of keys involved in the multisignature address creation > 20\nReduce the number",
        ));
    }
    let kind = args.opt_str(2)?.unwrap_or("bech32");
    let key_list: Vec<String> = keys.iter().map(|k| k.to_string()).collect();
    let multi = format!("multi({required},{})", key_list.join(","));
    let body = match kind {
        "bech32" => format!("wsh({multi})"),
        "p2sh-segwit" => format!("sh(wsh({multi}))"),
        "legacy" => format!("sh({multi})"),
        "bech32m" => return Err(invalid("createmultisig cannot create bech32m multisig addresses")),
        other => return Err(invalid(format!("Unknown address type '{other}'"))),
    };
    let descriptor = Descriptor::<DescriptorPublicKey>::from_str(&body).map_err(|e| invalid(e.to_string()))?;
    let definite = descriptor.at_derivation_index(0).map_err(|e| invalid(e.to_string()))?;
    let script = definite.script_pubkey();
    let redeem = definite.explicit_script().map_err(|e| invalid(e.to_string()))?;
    let address = Address::from_script(&script, ctx.network).map_err(|e| invalid(e.to_string()))?;
    if kind == "legacy" && redeem.len() > 520 {
        return Err(RpcError::invalid_parameter("redeemScript exceeds size limit: 520 > 520"));
    }
    Ok(json!({
        "address": address.to_string(),
        "redeemScript": hex::encode(redeem.as_bytes()),
        "descriptor": wallet::descriptor::with_checksum(&body).map_err(|e| invalid(e.to_string()))?,
    }))
}
