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

pub fn uptime(ctx: &RpcContext) -> RpcResult {
    Ok(json!(ctx.started.elapsed().as_secs()))
}
