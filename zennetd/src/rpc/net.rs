//! Network RPCs, with Core's fields and error codes: getpeerinfo,
//! getnetworkinfo, getconnectioncount, addnode, disconnectnode,
//! getaddednodeinfo, setban, listbanned, clearbanned, getnettotals, ping,
//! setnetworkactive.

use std::sync::atomic::Ordering;

use rpc::{codes, Args, RpcError};
use serde_json::{json, Value};

use super::{RpcContext, RpcResult};
use crate::net::banman::Subnet;
use crate::net::{Manager, NetHandle, NetStopped};

impl From<NetStopped> for RpcError {
    fn from(_: NetStopped) -> Self {
        RpcError::misc("Shutting down")
    }
}

fn net(ctx: &RpcContext) -> Result<&NetHandle, RpcError> {
    ctx.net.as_ref().ok_or_else(|| {
        RpcError::new(codes::CLIENT_P2P_DISABLED, "Error: Peer-to-peer functionality missing or disabled")
    })
}

fn per_msg(map: &std::sync::Mutex<std::collections::BTreeMap<String, u64>>) -> Value {
    map.lock().map(|m| json!(*m)).unwrap_or(json!({}))
}

/// Core's names of the service bits we know.
fn service_names(services: u64) -> Vec<&'static str> {
    [(1u64, "NETWORK"), (8, "WITNESS"), (1024, "NETWORK_LIMITED")]
        .into_iter()
        .filter(|(bit, _)| services & bit != 0)
        .map(|(_, name)| name)
        .collect()
}

fn peer_json(m: &Manager, p: &crate::net::peer::Peer) -> Value {
    let stats = &p.link.stats;
    let version = p.version.as_ref();
    let services = version.map_or(0, |v| v.services.to_u64());
    let names = service_names(services);
    let best_height = p.best_known.as_ref().map_or(-1, |b| i64::from(b.height));
    let in_flight: Vec<u32> = m.in_flight_heights(p.id);
    let secs = |d: Option<std::time::Duration>| d.map(|d| d.as_secs_f64());
    let mut info = json!({
        "id": p.id,
        "addr": p.link.addr.to_string(),
        "addrbind": p.link.local.map(|a| a.to_string()),
        "network": if p.link.addr.is_ipv4() { "ipv4" } else { "ipv6" },
        "services": format!("{services:016x}"),
        "servicesnames": names,
        "relaytxes": p.relays_transactions(),
        "lastsend": stats.last_send.load(Ordering::Relaxed),
        "lastrecv": stats.last_recv.load(Ordering::Relaxed),
        "last_transaction": p.last_tx_time,
        "last_block": p.last_block_time,
        "bytessent": stats.traffic.bytes_sent.load(Ordering::Relaxed),
        "bytesrecv": stats.traffic.bytes_recv.load(Ordering::Relaxed),
        "conntime": p.conn_time,
        "timeoffset": p.time_offset,
        "version": version.map_or(0, |v| v.version),
        "subver": version.map_or(String::new(), |v| v.user_agent.clone()),
        "inbound": p.is_inbound(),
        "bip152_hb_to": false,
        "bip152_hb_from": false,
        "startingheight": version.map_or(-1, |v| v.start_height),
        "presynced_headers": -1,
        "synced_headers": best_height,
        "synced_blocks": best_height,
        "inflight": in_flight,
        "addr_relay_enabled": true,
        "addr_processed": p.addr_processed,
        "addr_rate_limited": p.addr_rate_limited,
        "permissions": p.permissions.names(),
        "minfeefilter": crate::rpc::json::amount(p.fee_filter),
        "bytessent_per_msg": per_msg(&stats.sent_per_msg),
        "bytesrecv_per_msg": per_msg(&stats.recv_per_msg),
        "connection_type": p.kind.name(),
        "transport_protocol_type": "v1",
        "session_id": "",
    });
    // Present only once measured, as Core.
    if let Some(map) = info.as_object_mut() {
        if let Some(t) = secs(p.ping_time) {
            map.insert("pingtime".into(), super::json::real(t));
        }
        if let Some(t) = secs(p.min_ping) {
            map.insert("minping".into(), super::json::real(t));
        }
        if let Some((_, sent)) = p.ping_nonce {
            map.insert("pingwait".into(), super::json::real(sent.elapsed().as_secs_f64()));
        }
    }
    info
}

pub async fn getpeerinfo(ctx: &RpcContext) -> RpcResult {
    let peers = net(ctx)?
        .call(|m| {
            let mut peers: Vec<&crate::net::peer::Peer> = m.peers().collect();
            peers.sort_by_key(|p| p.id);
            peers.into_iter().map(|p| peer_json(m, p)).collect::<Vec<Value>>()
        })
        .await?;
    Ok(json!(peers))
}

pub async fn getconnectioncount(ctx: &RpcContext) -> RpcResult {
    Ok(json!(net(ctx)?.call(|m| m.peers().filter(|p| p.is_ready()).count()).await?))
}

pub async fn getnetworkinfo(ctx: &RpcContext) -> RpcResult {
    let policy_fee = ctx.chain.call(|node| node.mempool.pool().policy().min_relay_feerate).await?;
    let (connections, inbound, active, locals, networks) = match &ctx.net {
        Some(net) => {
            net.call(|m| {
                let ready: Vec<_> = m.peers().filter(|p| p.is_ready()).collect();
                let inbound = ready.iter().filter(|p| p.is_inbound()).count();
                let networks: Vec<Value> = m
                    .networks()
                    .iter()
                    .map(|n| {
                        json!({
                            "name": n.name,
                            "limited": !n.reachable,
                            "reachable": n.reachable,
                            "proxy": n.proxy.map(|p| p.to_string()).unwrap_or_default(),
                            "proxy_randomize_credentials": false,
                        })
                    })
                    .collect();
                (ready.len(), inbound, m.network_active(), m.local_addresses().to_vec(), networks)
            })
            .await?
        }
        None => (0, 0, false, Vec::new(), Vec::new()),
    };
    let version = env!("CARGO_PKG_VERSION").split('.').map(|p| p.parse::<u64>().unwrap_or(0)).collect::<Vec<_>>();
    let numeric =
        version.first().unwrap_or(&0) * 10_000 + version.get(1).unwrap_or(&0) * 100 + version.get(2).unwrap_or(&0);
    Ok(json!({
        "version": numeric,
        "subversion": crate::net::user_agent(),
        "protocolversion": crate::net::message::PROTOCOL_VERSION,
        "localservices": format!("{:016x}", crate::net::connect::local_services().to_u64()),
        "localservicesnames": service_names(crate::net::connect::local_services().to_u64()),
        "localrelay": !ctx.blocks_only,
        "timeoffset": 0,
        "networkactive": active,
        "connections": connections,
        "connections_in": inbound,
        "connections_out": connections - inbound,
        "networks": networks,
        "relayfee": crate::rpc::json::amount(policy_fee),
        "incrementalfee": crate::rpc::json::amount(policy_fee),
        "localaddresses": locals.iter().filter(|a| !a.ip().is_unspecified()).map(|a| json!({"address": a.ip().to_string(), "port": a.port(), "score": 1})).collect::<Vec<_>>(),
        "warnings": [],
    }))
}

pub async fn addnode(ctx: &RpcContext, args: &Args) -> RpcResult {
    let node = args.str(0, "node")?.to_string();
    let command = args.str(1, "command")?.to_string();
    if !matches!(command.as_str(), "add" | "remove" | "onetry") {
        return Err(RpcError::misc("addnode \"node\" \"command\"\n\ncommand must be one of: add, remove, onetry"));
    }
    net(ctx)?
        .call(move |m| m.add_node(&node, &command))
        .await?
        .map_err(|(code, message)| RpcError::new(code, message))?;
    Ok(Value::Null)
}

pub async fn disconnectnode(ctx: &RpcContext, args: &Args) -> RpcResult {
    let address = args.opt_str(0)?.filter(|a| !a.is_empty()).map(str::to_string);
    let id = args.opt_i64(1)?;
    if address.is_some() == id.is_some() {
        return Err(RpcError::invalid_parameter("Only one of address and nodeid should be provided."));
    }
    let found = net(ctx)?.call(move |m| m.disconnect_node(address.as_deref(), id.map(|i| i as u64))).await?;
    if !found {
        return Err(RpcError::new(codes::CLIENT_NODE_NOT_CONNECTED, "Node not found in connected nodes"));
    }
    Ok(Value::Null)
}

pub async fn getaddednodeinfo(ctx: &RpcContext, args: &Args) -> RpcResult {
    let filter = args.opt_str(0)?.map(str::to_string);
    let added = net(ctx)?.call(|m| m.added_node_info()).await?;
    let mut out = Vec::new();
    for (name, connection) in added {
        if filter.as_ref().is_some_and(|f| *f != name) {
            continue;
        }
        let addresses = connection
            .map(|(addr, inbound)| {
                vec![json!({"address": addr.to_string(), "connected": if inbound { "inbound" } else { "outbound" }})]
            })
            .unwrap_or_default();
        out.push(json!({"addednode": name, "connected": connection.is_some(), "addresses": addresses}));
    }
    if filter.is_some() && out.is_empty() {
        return Err(RpcError::new(codes::CLIENT_NODE_NOT_ADDED, "Error: Node has not been added."));
    }
    Ok(json!(out))
}

pub async fn setban(ctx: &RpcContext, args: &Args) -> RpcResult {
    let text = args.str(0, "subnet")?.to_string();
    let command = args.str(1, "command")?.to_string();
    if !matches!(command.as_str(), "add" | "remove") {
        return Err(RpcError::misc(
            "setban \"subnet\" \"command\" ( bantime absolute )\n\ncommand must be add or remove",
        ));
    }
    let subnet: Subnet =
        text.parse().map_err(|_| RpcError::new(codes::CLIENT_INVALID_IP_OR_SUBNET, "Error: Invalid IP/Subnet"))?;
    let bantime = args.opt_i64(2)?.unwrap_or(0);
    let absolute = args.opt_bool(3)?.unwrap_or(false);
    let now = crate::clock::now();
    let default_ban = net(ctx)?.call(|m| m.default_ban_time()).await?;
    let until = match (absolute, bantime) {
        (true, t) if t <= now => {
            return Err(RpcError::invalid_parameter("Error: Absolute timestamp is in the past"));
        }
        (true, t) => t,
        (false, t) if t > 0 => now + t,
        // -bantime (Core's default: 24 hours).
        _ => now + default_ban,
    };
    net(ctx)?
        .call(move |m| {
            if command == "add" {
                if !m.bans().ban(subnet, until, now) {
                    return Err(RpcError::new(codes::CLIENT_NODE_ALREADY_ADDED, "Error: IP/Subnet already banned"));
                }
                m.disconnect_matching(|ip| subnet.contains(ip));
                Ok(Value::Null)
            } else if m.bans().unban(&subnet) {
                Ok(Value::Null)
            } else {
                Err(RpcError::new(
                    codes::CLIENT_INVALID_IP_OR_SUBNET,
                    "Error: Unban failed. Requested address/subnet was not previously manually banned.",
                ))
            }
        })
        .await?
}

pub async fn listbanned(ctx: &RpcContext) -> RpcResult {
    let now = crate::clock::now();
    let bans = net(ctx)?.call(move |m| m.bans().list(now)).await?;
    Ok(json!(bans
        .iter()
        .map(|(subnet, ban)| json!({
            "address": subnet.to_string(),
            "ban_created": ban.created,
            "banned_until": ban.until,
            "ban_duration": ban.until - ban.created,
            "time_remaining": ban.until - now,
        }))
        .collect::<Vec<_>>()))
}

pub async fn clearbanned(ctx: &RpcContext) -> RpcResult {
    net(ctx)?.call(|m| m.bans().clear()).await?;
    Ok(Value::Null)
}

pub async fn getnettotals(ctx: &RpcContext) -> RpcResult {
    let (recv, sent, upload) = net(ctx)?
        .call(|m| {
            let totals = (m.totals().bytes_recv.load(Ordering::Relaxed), m.totals().bytes_sent.load(Ordering::Relaxed));
            (totals.0, totals.1, m.upload_state())
        })
        .await?;
    let millis = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64);
    Ok(json!({
        "totalbytesrecv": recv,
        "totalbytessent": sent,
        "timemillis": millis,
        "uploadtarget": {
            "timeframe": crate::net::upload::CYCLE_SECS,
            "target": upload.target,
            "target_reached": upload.target_reached,
            "serve_historical_blocks": upload.serve_historical_blocks,
            "bytes_left_in_cycle": upload.bytes_left_in_cycle,
            "time_left_in_cycle": upload.time_left_in_cycle,
        },
    }))
}

pub async fn ping(ctx: &RpcContext) -> RpcResult {
    net(ctx)?.call(|m| m.request_pings()).await?;
    Ok(Value::Null)
}

pub async fn setnetworkactive(ctx: &RpcContext, args: &Args) -> RpcResult {
    let state = args.opt_bool(0)?.ok_or_else(|| RpcError::invalid_parameter("state must be a boolean"))?;
    Ok(json!(
        net(ctx)?
            .call(move |m| {
                m.set_network_active(state);
                m.network_active()
            })
            .await?
    ))
}

/// `getnodeaddresses ( count "network" )`: addresses from the address book (count 0: all).
pub async fn getnodeaddresses(ctx: &RpcContext, args: &Args) -> RpcResult {
    let count = args.opt_i64(0)?.unwrap_or(1);
    if count < 0 {
        return Err(RpcError::invalid_parameter("Address count out of range"));
    }
    let network = args.opt_str(1)?.map(str::to_string);
    if let Some(n) = &network {
        if !matches!(n.as_str(), "ipv4" | "ipv6" | "onion" | "i2p" | "cjdns") {
            return Err(RpcError::invalid_parameter(format!("Network not recognized: {n}")));
        }
    }
    let mut list = net(ctx)?
        .call(|m| m.addresses().entries().map(|(addr, info)| (*addr, info.time, info.services)).collect::<Vec<_>>())
        .await?;
    list.retain(|(addr, _, _)| match network.as_deref() {
        Some("ipv4") => addr.is_ipv4(),
        Some("ipv6") => addr.is_ipv6(),
        Some(_) => false,
        None => true,
    });
    list.sort_by_key(|(_, time, _)| std::cmp::Reverse(*time));
    if count > 0 {
        list.truncate(count as usize);
    }
    Ok(json!(list
        .into_iter()
        .map(|(addr, time, services)| json!({
            "time": time,
            "services": services,
            "address": addr.ip().to_string(),
            "port": addr.port(),
            "network": if addr.is_ipv4() { "ipv4" } else { "ipv6" },
        }))
        .collect::<Vec<_>>()))
}
