//! help, stop, uptime.

use rpc::methods::{help_for, help_overview};
use rpc::Args;
use serde_json::json;

use super::{RpcContext, RpcResult};

pub fn help(args: &Args) -> RpcResult {
    match args.opt_str(0)? {
        None => Ok(json!(help_overview())),
        Some(command) => Ok(json!(help_for(command).unwrap_or_else(|| format!("help: unknown command: {command}")))),
    }
}

pub fn stop(ctx: &RpcContext) -> RpcResult {
    ctx.shutdown.send_replace(true);
    Ok(json!("Zennet server stopping"))
}

pub fn setmocktime(ctx: &RpcContext, args: &Args) -> RpcResult {
    if ctx.network != primitives::Network::Regtest {
        return Err(rpc::RpcError::misc("setmocktime is for regression testing (-regtest mode) only"));
    }
    let time = args.i64(0, "timestamp")?;
    if time < 0 {
        return Err(rpc::RpcError::invalid_parameter("Mocktime cannot be negative: ".to_string() + &time.to_string()));
    }
    crate::clock::set_mock_time(time);
    Ok(serde_json::Value::Null)
}

pub fn uptime(ctx: &RpcContext) -> RpcResult {
    Ok(json!(ctx.started.elapsed().as_secs()))
}
