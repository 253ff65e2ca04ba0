//! Control RPCs: help, stop, uptime, setmocktime, echo, getrpcinfo, logging,
//! syncwithvalidationinterfacequeue.

use rpc::methods::{help_for, help_overview};
use rpc::{Args, RpcError};
use serde_json::{json, Map, Value};

use super::{RpcContext, RpcResult};

pub fn help(args: &Args) -> RpcResult {
    match args.opt_str(0)? {
        None => Ok(json!(help_overview())),
        Some("dump_all_command_conversions") => Ok(rpc::methods::command_conversions()),
        Some(command) => Ok(json!(help_for(command).unwrap_or_else(|| format!("help: unknown command: {command}")))),
    }
}

/// Core's `stop ( wait )`: the hidden `wait` holds the answer back that many
/// milliseconds after shutdown has begun (Core's functional tests use it).
pub async fn stop(ctx: &RpcContext, args: &Args) -> RpcResult {
    let wait = args.opt_i64(0)?.unwrap_or(0);
    ctx.shutdown.send_replace(true);
    if wait > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(wait as u64)).await;
    }
    Ok(json!("Zennet server stopping"))
}

pub fn setmocktime(ctx: &RpcContext, args: &Args) -> RpcResult {
    if ctx.network != primitives::Network::Regtest {
        return Err(RpcError::misc("setmocktime is for regression testing (-regtest mode) only"));
    }
    let time = args.i64(0, "timestamp")?;
    if time < 0 {
        return Err(RpcError::invalid_parameter("Mocktime cannot be negative: ".to_string() + &time.to_string()));
    }
    crate::clock::set_mock_time(time);
    Ok(Value::Null)
}

pub fn uptime(ctx: &RpcContext) -> RpcResult {
    Ok(json!(ctx.started.elapsed().as_secs()))
}

/// `echo` / `echojson`: the arguments back, in positional order. As Core,
/// `arg9` = "throw" answers an error instead (to test clients' error paths).
pub fn echo(args: &Args) -> RpcResult {
    if args.get(9).and_then(Value::as_str) == Some("throw") {
        return Err(RpcError::misc("echo: arg9 = throw"));
    }
    Ok(Value::Array(args.values().to_vec()))
}

/// `getrpcinfo`: the calls being answered now and how long each has run (µs).
pub fn getrpcinfo(ctx: &RpcContext) -> RpcResult {
    let active: Vec<Value> = ctx
        .calls
        .active()
        .into_iter()
        .map(|(method, since)| json!({ "method": method, "duration": since.elapsed().as_micros() as u64 }))
        .collect();
    Ok(json!({ "active_commands": active, "logpath": ctx.datadir.join("debug.log").display().to_string() }))
}

/// Core's `logging ( ["include_category",...] ["exclude_category",...] )`.
pub fn logging(args: &Args) -> RpcResult {
    let list = |index: usize| -> Result<Vec<String>, RpcError> {
        match args.get(index) {
            None => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| v.as_str().map(str::to_string).ok_or_else(|| RpcError::type_error("Expected type string")))
                .collect(),
            Some(_) => Err(RpcError::type_error("Expected type array")),
        }
    };
    let (include, exclude) = (list(0)?, list(1)?);
    let states = crate::logging::update(&include, &exclude).map_err(|e| RpcError::invalid_parameter(e.to_string()))?;
    Ok(Value::Object(states.into_iter().map(|(name, on)| (name.to_string(), json!(on))).collect::<Map<_, _>>()))
}

/// `getzmqnotifications`: the active publishers, as Core lists them.
pub fn getzmqnotifications(ctx: &RpcContext) -> RpcResult {
    Ok(Value::Array(
        ctx.zmq
            .iter()
            .map(|e| json!({ "type": format!("pub{}", e.topic), "address": e.address, "hwm": e.hwm }))
            .collect(),
    ))
}

/// Returns once the chainstate has handled everything queued before the call
/// (and so has notified the wallets of it).
pub async fn syncwithvalidationinterfacequeue(ctx: &RpcContext) -> RpcResult {
    ctx.chain.call(|_| ()).await?;
    Ok(Value::Null)
}
