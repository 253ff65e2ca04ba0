//! The RPC method implementations and the server that carries them.

mod asm;
mod blockchain;
mod chainstats;
mod chaintips;
mod control;
mod descriptors;
pub mod json;
mod market;
mod mempool;
mod mining;
mod net;
mod psbt;
mod rawbuild;
mod rawtx;
mod rest;
pub mod scan;
mod template;
mod utxo;
mod waits;
mod wallet;

use std::net::SocketAddr;
use std::sync::atomic::AtomicU32;
use std::time::Instant;

use jsonrpsee::server::{
    serve_with_graceful_shutdown, stop_channel, HttpBody, Methods, Server, ServerConfig, ServerHandle,
};
use jsonrpsee::RpcModule;
use primitives::{BlockHash, Network};
use rpc::http::{CoreHttpLayer, HttpSettings, RemoteAddr};
use rpc::methods::METHODS;
use rpc::{Args, RpcError};
use serde_json::Value;
use tower::Service;

use crate::actor::{ChainHandle, ChainStopped};

/// Largest request body: a 4 MB block in hex with room to spare.
pub const MAX_REQUEST_BODY: u32 = 32 << 20;
const MAX_RESPONSE_BODY: u32 = 64 << 20;

/// What every method can reach.
pub struct RpcContext {
    pub chain: ChainHandle,
    pub network: Network,
    pub started: Instant,
    pub shutdown: tokio::sync::watch::Sender<bool>,
    pub extra_nonce: AtomicU32,
    /// The built-in miner (its lock is only taken on blocking threads).
    pub miner: std::sync::Arc<std::sync::Mutex<crate::miner::Miner>>,
    pub miner_counters: std::sync::Arc<crate::miner::HashCounters>,
    /// `-algo` and `-mineraddress`.
    pub mining_algo: primitives::PowAlgo,
    pub mining_address: Option<primitives::Address>,
    /// None with `-disablewallet`.
    pub wallets: Option<std::sync::Arc<crate::wallets::Wallets>>,
    /// The peer manager (None where a caller runs without networking).
    pub net: Option<crate::net::NetHandle>,
    /// Calls being answered (`getrpcinfo`).
    pub calls: CallTracker,
    /// The network datadir (`debug.log`, `mempool.dat`).
    pub datadir: std::path::PathBuf,
    /// The `scantxoutset` in progress.
    pub scan: scan::ScanState,
    /// `-rest`: serve the REST interface.
    pub rest: bool,
    /// `-blocksonly` (`getnetworkinfo.localrelay` is its opposite).
    pub blocks_only: bool,
    /// `-zmqpub*` (for `getzmqnotifications`).
    pub zmq: Vec<crate::zmq::ZmqEndpoint>,
}

/// The calls in flight, each from its start until its answer is ready.
#[derive(Default)]
pub struct CallTracker {
    next: std::sync::atomic::AtomicU64,
    active: std::sync::Mutex<std::collections::BTreeMap<u64, (&'static str, Instant)>>,
}

/// Removes its call from the tracker when dropped (answered, failed or cancelled).
pub struct CallGuard<'a> {
    tracker: &'a CallTracker,
    id: u64,
}

impl CallTracker {
    pub fn start(&self, method: &'static str) -> CallGuard<'_> {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.active.lock().unwrap_or_else(|p| p.into_inner()).insert(id, (method, Instant::now()));
        CallGuard { tracker: self, id }
    }

    pub fn active(&self) -> Vec<(&'static str, Instant)> {
        self.active.lock().unwrap_or_else(|p| p.into_inner()).values().copied().collect()
    }
}

impl Drop for CallGuard<'_> {
    fn drop(&mut self) {
        self.tracker.active.lock().unwrap_or_else(|p| p.into_inner()).remove(&self.id);
    }
}

impl From<ChainStopped> for RpcError {
    fn from(_: ChainStopped) -> Self {
        RpcError::misc("Shutting down")
    }
}

pub type RpcResult = Result<Value, RpcError>;

/// Starts the JSON-RPC server on `addr` with Core's HTTP conventions. Each
/// connection's requests carry the client's address (for the log of failed
/// logins).
pub async fn start(
    addrs: Vec<SocketAddr>,
    mut settings: HttpSettings,
    ctx: RpcContext,
) -> anyhow::Result<(ServerHandle, SocketAddr)> {
    let ctx = std::sync::Arc::new(ctx);
    if ctx.rest {
        settings.rest = Some(std::sync::Arc::new(rest::Rest { ctx: ctx.clone() }));
    }
    let config = ServerConfig::builder()
        .max_request_body_size(MAX_REQUEST_BODY)
        .max_response_body_size(MAX_RESPONSE_BODY)
        .http_only()
        .build();
    let middleware = tower::ServiceBuilder::new().layer(CoreHttpLayer::with_settings(settings));
    let mut listeners = Vec::with_capacity(addrs.len());
    for addr in &addrs {
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .map_err(|e| anyhow::anyhow!("Unable to bind the RPC server to {addr}: {e}"))?;
        listeners.push(listener);
    }
    let bound = listeners.first().ok_or_else(|| anyhow::anyhow!("no RPC address to bind"))?.local_addr()?;
    let mut module = RpcModule::from_arc(ctx);
    for spec in METHODS {
        let name = spec.name;
        module.register_async_method(name, move |params, ctx, extensions| async move {
            let raw: Option<Value> = match params.as_str() {
                Some(text) => Some(
                    serde_json::from_str(text).map_err(|e| RpcError::new(rpc::codes::PARSE_ERROR, e.to_string()))?,
                ),
                None => None,
            };
            let args = Args::from_params(spec, raw)?;
            let _call = ctx.calls.start(name);
            let endpoint = extensions.get::<rpc::http::WalletEndpoint>().and_then(|e| e.0.clone());
            let result = if wallet::is_wallet_method(name) {
                wallet::dispatch(name, args, &ctx, endpoint.as_deref()).await
            } else {
                dispatch(name, args, &ctx, endpoint.as_deref()).await
            };
            result.map_err(jsonrpsee::types::ErrorObjectOwned::from)
        })?;
    }
    let methods: Methods = module.into();
    let builder = Server::builder().set_config(config).set_http_middleware(middleware).to_service_builder();
    let (stop_handle, server_handle) = stop_channel();
    for listener in listeners {
        let (builder, methods, stop_handle) = (builder.clone(), methods.clone(), stop_handle.clone());
        tokio::spawn(async move {
            loop {
                let (socket, remote) = tokio::select! {
                    accepted = listener.accept() => match accepted {
                        Ok(pair) => pair,
                        Err(e) => {
                            tracing::warn!("RPC accept failed: {e}");
                            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                            continue;
                        }
                    },
                    _ = stop_handle.clone().shutdown() => break,
                };
                let (builder, methods, stop) = (builder.clone(), methods.clone(), stop_handle.clone());
                let service = tower::service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let mut req = req.map(HttpBody::new);
                    req.extensions_mut().insert(RemoteAddr(remote));
                    let mut service = builder.clone().build(methods.clone(), stop.clone());
                    async move { service.call(req).await }
                });
                tokio::spawn(serve_with_graceful_shutdown(socket, service, stop_handle.clone().shutdown()));
            }
        });
    }
    Ok((server_handle, bound))
}

/// Declares a dispatch once: the `match` that calls each method and the
/// list of the names it calls (compared with the method table by a test).
macro_rules! dispatch_table {
    ($list:ident, $vis:vis async fn $dispatch:ident($($param:ident: $ty:ty),*) { $($method:literal => $call:expr,)* }) => {
        /// The methods this dispatch calls.
        $vis const $list: &[&str] = &[$($method),*];

        $vis async fn $dispatch(name: &str, $($param: $ty),*) -> RpcResult {
            match name {
                $($method => $call,)*
                other => Err(RpcError::new(rpc::codes::METHOD_NOT_FOUND, format!("Method not found: {other}"))),
            }
        }
    };
}
pub(crate) use dispatch_table;

dispatch_table!(NODE_METHODS, pub async fn dispatch(args: Args, ctx: &RpcContext, endpoint: Option<&str>) {
        "getbestblockhash" => blockchain::getbestblockhash(ctx).await,
        "getblock" => blockchain::getblock(ctx, &args).await,
        "getblockchaininfo" => blockchain::getblockchaininfo(ctx).await,
        "getdeploymentinfo" => blockchain::getdeploymentinfo(ctx, &args).await,
        "getblockcount" => blockchain::getblockcount(ctx).await,
        "getblockhash" => blockchain::getblockhash(ctx, &args).await,
        "getblockheader" => blockchain::getblockheader(ctx, &args).await,
        "getdifficulty" => blockchain::getdifficulty(ctx).await,
        "getmininginfo" => mining::getmininginfo(ctx).await,
        "generatetoaddress" => mining::generatetoaddress(ctx, &args).await,
        "generatetodescriptor" => mining::generatetodescriptor(ctx, &args).await,
        "generateblock" => mining::generateblock(ctx, &args).await,
        "submitblock" => mining::submitblock(ctx, &args).await,
        "getchaintips" => chaintips::getchaintips(ctx).await,
        "invalidateblock" => chaintips::invalidateblock(ctx, &args).await,
        "reconsiderblock" => chaintips::reconsiderblock(ctx, &args).await,
        "preciousblock" => chaintips::preciousblock(ctx, &args).await,
        "pruneblockchain" => blockchain::pruneblockchain(ctx, &args).await,
        "verifychain" => chaintips::verifychain(ctx, &args).await,
        "gettxout" => utxo::gettxout(ctx, &args).await,
        "gettxoutsetinfo" => utxo::gettxoutsetinfo(ctx).await,
        "getrawtransaction" => rawtx::getrawtransaction(ctx, &args).await,
        "decoderawtransaction" => rawtx::decoderawtransaction(ctx, &args),
        "decodescript" => rawtx::decodescript(ctx, &args),
        "submitheader" => mining::submitheader(ctx, &args).await,
        "setmocktime" => control::setmocktime(ctx, &args),
        "sendrawtransaction" => mempool::sendrawtransaction(ctx, &args).await,
        "testmempoolaccept" => mempool::testmempoolaccept(ctx, &args).await,
        "getrawmempool" => mempool::getrawmempool(ctx, &args).await,
        "getmempoolentry" => mempool::getmempoolentry(ctx, &args).await,
        "getmempoolinfo" => mempool::getmempoolinfo(ctx).await,
        "getmempoolancestors" => mempool::getmempoolancestors(ctx, &args).await,
        "getmempooldescendants" => mempool::getmempooldescendants(ctx, &args).await,
        "prioritisetransaction" => mempool::prioritisetransaction(ctx, &args).await,
        "estimatesmartfee" => mempool::estimatesmartfee(ctx, &args).await,
        "getblocktemplate" => template::getblocktemplate(ctx, &args).await,
        "setgenerate" => mining::setgenerate(ctx, &args).await,
        "getnetworkhashps" => template::getnetworkhashps(ctx, &args).await,
        "validateaddress" => wallet::validateaddress(ctx, &args),
        "verifymessage" => wallet::verifymessage(ctx, &args),
        "getpeerinfo" => net::getpeerinfo(ctx).await,
        "getnetworkinfo" => net::getnetworkinfo(ctx).await,
        "getconnectioncount" => net::getconnectioncount(ctx).await,
        "addnode" => net::addnode(ctx, &args).await,
        "disconnectnode" => net::disconnectnode(ctx, &args).await,
        "getaddednodeinfo" => net::getaddednodeinfo(ctx, &args).await,
        "setban" => net::setban(ctx, &args).await,
        "listbanned" => net::listbanned(ctx).await,
        "clearbanned" => net::clearbanned(ctx).await,
        "getnettotals" => net::getnettotals(ctx).await,
        "ping" => net::ping(ctx).await,
        "setnetworkactive" => net::setnetworkactive(ctx, &args).await,
        "getnodeaddresses" => net::getnodeaddresses(ctx, &args).await,
        "listtasks" => market::listtasks(ctx, &args, endpoint).await,
        "gettask" => market::gettask(ctx, &args, endpoint).await,
        "getannouncement" => market::getannouncement(ctx, &args).await,
        "decodeannouncement" => market::decodeannouncement(ctx, &args).await,
        "getidentityinfo" => market::getidentityinfo(ctx, &args).await,
        "getmarketinfo" => market::getmarketinfo(ctx).await,
        "help" => control::help(&args),
        "stop" => control::stop(ctx, &args).await,
        "uptime" => control::uptime(ctx),
        "getzmqnotifications" => control::getzmqnotifications(ctx),
        "echo" => control::echo(&args),
        "echojson" => control::echo(&args),
        "getrpcinfo" => control::getrpcinfo(ctx),
        "logging" => control::logging(&args),
        "syncwithvalidationinterfacequeue" => control::syncwithvalidationinterfacequeue(ctx).await,
        "waitfornewblock" => waits::waitfornewblock(ctx, &args).await,
        "waitforblock" => waits::waitforblock(ctx, &args).await,
        "waitforblockheight" => waits::waitforblockheight(ctx, &args).await,
        "savemempool" => mempool::savemempool(ctx).await,
        "getchaintxstats" => chainstats::getchaintxstats(ctx, &args).await,
        "getindexinfo" => chainstats::getindexinfo(ctx, &args).await,
        "getblockstats" => chainstats::getblockstats(ctx, &args).await,
        "scantxoutset" => scan::scantxoutset(ctx, &args).await,
        "createrawtransaction" => rawbuild::createrawtransaction(ctx, &args),
        "signrawtransactionwithkey" => rawbuild::signrawtransactionwithkey(ctx, &args).await,
        "combinerawtransaction" => rawbuild::combinerawtransaction(ctx, &args).await,
        "createpsbt" => psbt::createpsbt(ctx, &args),
        "converttopsbt" => psbt::converttopsbt(ctx, &args),
        "decodepsbt" => psbt::decodepsbt(ctx, &args),
        "combinepsbt" => psbt::combinepsbt(ctx, &args),
        "finalizepsbt" => psbt::finalizepsbt(ctx, &args),
        "joinpsbts" => psbt::joinpsbts(ctx, &args),
        "analyzepsbt" => psbt::analyzepsbt(ctx, &args),
        "utxoupdatepsbt" => psbt::utxoupdatepsbt(ctx, &args).await,
        "descriptorprocesspsbt" => psbt::descriptorprocesspsbt(ctx, &args).await,
        "getdescriptorinfo" => descriptors::getdescriptorinfo(ctx, &args),
        "deriveaddresses" => descriptors::deriveaddresses(ctx, &args),
        "createmultisig" => descriptors::createmultisig(ctx, &args),
        "signmessagewithprivkey" => descriptors::signmessagewithprivkey(ctx, &args),
});

/// Core's `ParseHashV`: a 64-digit hex hash in display order.
pub fn parse_hash<T: std::str::FromStr>(args: &Args, index: usize, name: &str) -> Result<T, RpcError> {
    let text = args.str(index, name)?;
    if text.len() != 64 {
        return Err(RpcError::invalid_parameter(format!(
            "{name} must be of length 64 (not {}, for '{text}')",
            text.len()
        )));
    }
    text.parse::<T>()
        .map_err(|_| RpcError::invalid_parameter(format!("{name} must be hexadecimal string (not '{text}')")))
}

pub fn parse_block_hash(args: &Args, index: usize, name: &str) -> Result<BlockHash, RpcError> {
    parse_hash(args, index, name)
}

#[cfg(test)]
mod table_tests {
    use std::collections::BTreeSet;

    use super::*;

    #[test]
    fn every_dispatched_method_is_in_the_table_and_every_table_method_is_dispatched() {
        let dispatched: Vec<&str> =
            NODE_METHODS.iter().chain(wallet::SERVICE_METHODS).chain(wallet::CALL_METHODS).copied().collect();
        let unique: BTreeSet<&str> = dispatched.iter().copied().collect();
        assert_eq!(unique.len(), dispatched.len(), "a method is dispatched twice");
        let table: BTreeSet<&str> = METHODS.iter().map(|m| m.name).collect();
        let not_in_table: Vec<_> = unique.difference(&table).collect();
        let not_dispatched: Vec<_> = table.difference(&unique).collect();
        assert!(not_in_table.is_empty(), "dispatched but not in rpc::methods::METHODS: {not_in_table:?}");
        assert!(not_dispatched.is_empty(), "in the table but never dispatched: {not_dispatched:?}");
    }
}
