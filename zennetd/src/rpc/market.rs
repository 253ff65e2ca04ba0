//! The market's read side: `listtasks`, `gettask`, `getannouncement`,
//! `decodeannouncement`, `getidentityinfo` and `getmarketinfo`, over the
//! market index and the mempool. Views are taken inside the actor and
//! rendered here, outside it.

use bitcoin::hashes::Hash;
use consensus::check::announcement::{identity_pow_hash, identity_target, tx_pow_hash};
use consensus::params::ChainParams;
use consensus::target::{from_compact, hash_to_number, BigUint};
use primitives::market::{Identity, MachineOffer, MarketBody, Role, SignedBody, Task};
use primitives::{AnnouncementBody, Network, Transaction, Txid};
use rpc::{codes, Args, RpcError};
use serde_json::{json, Map, Value};

use super::json::amount;
use super::{RpcContext, RpcResult};
use crate::node_state::market::{PendingAnnouncement, TaskFilter, TaskState, TaskView};
use crate::node_state::NodeState;

/// Tasks `listtasks` returns unless told otherwise (as listtransactions' 10).
const DEFAULT_COUNT: usize = 10;

pub fn role_name(role: u8) -> &'static str {
    match role {
        1 => "publisher",
        2 => "node",
        _ => "unknown",
    }
}

pub fn parse_role(text: &str) -> Result<Role, RpcError> {
    match text {
        "publisher" => Ok(Role::Publisher),
        "node" => Ok(Role::Node),
        other => Err(RpcError::invalid_parameter(format!("Unknown role '{other}': use \"publisher\" or \"node\""))),
    }
}

/// A 32-byte id in hex (task ids are SHA256 digests, shown as they are).
pub fn parse_id(text: &str, name: &str) -> Result<[u8; 32], RpcError> {
    let bytes = hex::decode(text)
        .map_err(|_| RpcError::invalid_parameter(format!("{name} must be hexadecimal string (not '{text}')")))?;
    bytes.try_into().map_err(|_| {
        RpcError::invalid_parameter(format!("{name} must be of length 64 (not {}, for '{text}')", text.len()))
    })
}

pub fn parse_identity(text: &str, network: Network) -> Result<Identity, RpcError> {
    Identity::from_bech32m(text, network)
        .map_err(|e| RpcError::new(codes::INVALID_ADDRESS_OR_KEY, format!("Invalid identity {text}: {e}")))
}

/// A hash shown as a number, most significant digit first (as block hashes are).
pub fn hash_number_hex(hash: &[u8; 32]) -> String {
    let mut bytes = *hash;
    bytes.reverse();
    hex::encode(bytes)
}

fn target_hex(target: &BigUint) -> String {
    format!("{target:064x}")
}

/// What an identity is worth: its hash, the target at the next block, and
/// the last height at which it stays valid (targets halve every interval).
pub struct IdentityFacts {
    pub pow_hash: [u8; 32],
    pub target: BigUint,
    pub valid: bool,
    pub valid_until: Option<u32>,
}

pub fn identity_facts(identity: &Identity, params: &ChainParams, next_height: u32) -> IdentityFacts {
    let pow_hash = identity_pow_hash(identity);
    let role = identity.known_role().unwrap_or(Role::Publisher);
    let target = identity_target(params, role, next_height);
    let number = hash_to_number(&pow_hash);
    let interval = params.market.identity_halving_interval;
    let start = identity_target(params, role, 0);
    let valid_until = (0u32..256)
        .take_while(|k| number <= (&start >> *k))
        .last()
        .map(|k| u32::try_from((u64::from(k) + 1) * u64::from(interval) - 1).unwrap_or(u32::MAX));
    IdentityFacts { valid: identity.known_role().is_some() && number <= target, pow_hash, target, valid_until }
}

pub fn identity_json(identity: &Identity, network: Network) -> Value {
    json!({"identity": identity.to_bech32m(network), "role": role_name(identity.role), "pubkey": hex::encode(identity.pubkey)})
}

fn pow_json(bits: u32) -> Value {
    let seconds = from_compact(bits).filter(|t| *t > BigUint::from(0u32)).map(|t| {
        let hashes = consensus::target::two_pow_256() / (t + 1u32);
        let hashes: f64 = hashes.to_string().parse().unwrap_or(f64::INFINITY);
        hashes / consensus::params::TX_POW_PER_SECOND as f64
    });
    json!({"bits": format!("{bits:08x}"), "core_seconds": seconds.map_or(Value::Null, super::json::real)})
}

pub fn task_fields_json(task: &Task, network: Network) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("publisher".into(), json!(task.publisher.to_bech32m(network)));
    m.insert("os_choices".into(), json!(task.os_choices));
    m.insert("min_bandwidth_kbps".into(), json!(task.min_bandwidth_kbps));
    m.insert("min_disk_mb".into(), json!(task.min_disk_mb));
    m.insert("min_disk_iops".into(), json!(task.min_disk_iops));
    m.insert("persistent_mb".into(), json!(task.persistent_mb));
    let cores: Vec<Value> = task.core_choices.iter().map(|c| json!({"count": c.count, "min_mhz": c.min_mhz})).collect();
    m.insert("core_choices".into(), Value::Array(cores));
    m.insert("memory_mb_per_core".into(), json!(task.memory_mb_per_core));
    m.insert("min_memory_mhz".into(), json!(task.min_memory_mhz));
    m.insert("min_vms".into(), json!(task.min_vms));
    m.insert("endpoint".into(), json!(task.endpoint));
    m.insert("lease_min_secs".into(), json!(task.lease_min_secs));
    m.insert("lease_max_secs".into(), json!(task.lease_max_secs));
    m.insert("payout_interval_secs".into(), json!(task.payout_interval_secs));
    m.insert("prepaid".into(), json!(task.payout_interval_secs < 0));
    m.insert("rate_core_ghz_hour".into(), amount(task.rate_core_ghz_hour));
    m.insert("rate_memory_mb_hour".into(), amount(task.rate_memory_mb_hour));
    m.insert("rate_disk_gb_hour".into(), amount(task.rate_disk_gb_hour));
    m.insert("rate_transfer_gb".into(), amount(task.rate_transfer_gb));
    m.insert("accept_pow".into(), pow_json(task.accept_pow_bits));
    m.insert("accept_within_blocks".into(), json!(task.accept_within_blocks));
    m.insert("info".into(), json!(task.info));
    m
}

/// A decoded body, by kind, with its signer.
pub fn body_json(body: &SignedBody, network: Network) -> Value {
    let mut m = match &body.body {
        MarketBody::Task(t) => {
            let mut m = task_fields_json(t, network);
            m.insert("task_id".into(), json!(hex::encode(primitives::market::task_id(t))));
            m
        }
        MarketBody::Acceptance(a) => {
            let mut m = Map::new();
            m.insert("task_id".into(), json!(hex::encode(a.task_id)));
            m.insert("node".into(), json!(a.node.to_bech32m(network)));
            m.insert("payee_pubkey".into(), json!(hex::encode(a.payee_pubkey)));
            m.insert("cores".into(), json!(a.cores));
            m.insert("mhz".into(), json!(a.mhz));
            m.insert("memory_mb".into(), json!(a.memory_mb));
            m.insert("disk_mb".into(), json!(a.disk_mb));
            m.insert("bandwidth_kbps".into(), json!(a.bandwidth_kbps));
            m
        }
        MarketBody::Cancel(c) => {
            let mut m = Map::new();
            m.insert("task_id".into(), json!(hex::encode(c.task_id)));
            m.insert("publisher".into(), json!(c.publisher.to_bech32m(network)));
            m.insert("scope".into(), json!(if c.node_pubkey.is_some() { "node" } else { "task" }));
            if let Some(key) = c.node_pubkey {
                m.insert("node_pubkey".into(), json!(hex::encode(key)));
            }
            m
        }
    };
    m.insert("signer".into(), json!(body.body.signer().to_bech32m(network)));
    m.insert("signature".into(), json!(hex::encode(body.signature)));
    Value::Object(m)
}

pub fn task_view_json(view: &TaskView, network: Network, full: bool) -> Value {
    let mut m = Map::new();
    m.insert("task_id".into(), json!(view.task_id.map(hex::encode)));
    m.insert("txid".into(), json!(view.txid.to_string()));
    m.insert("kind".into(), json!("task"));
    m.insert("state".into(), json!(view.state.as_str()));
    m.insert("height".into(), json!(view.height));
    if full {
        m.insert("blockhash".into(), json!(view.block.map(|b| b.to_string())));
    }
    m.insert("expiry".into(), json!(view.expiry));
    m.insert("expiry_height".into(), json!(view.expiry_height()));
    m.insert("accept_until_height".into(), json!(view.accept_until()));
    if let Some(task) = &view.task {
        for (k, v) in task_fields_json(task, network) {
            m.insert(k, v);
        }
    } else {
        m.insert("body_size".into(), json!(view.body_len));
        m.insert("body_hash".into(), json!(hex::encode(view.body_hash)));
        m.insert("pruned".into(), json!(true));
    }
    m.insert("acceptances_count".into(), json!(view.acceptances.len()));
    if full {
        let acceptances: Vec<Value> = view
            .acceptances
            .iter()
            .map(|a| {
                let mut o = Map::new();
                o.insert("txid".into(), json!(a.txid.to_string()));
                o.insert("state".into(), json!(a.state.as_str()));
                o.insert("height".into(), json!(a.height));
                if let Some(acc) = &a.acceptance {
                    o.insert("node".into(), json!(acc.node.to_bech32m(network)));
                    o.insert("payee_pubkey".into(), json!(hex::encode(acc.payee_pubkey)));
                    let offer = json!({"cores": acc.cores, "mhz": acc.mhz, "memory_mb": acc.memory_mb, "disk_mb": acc.disk_mb, "bandwidth_kbps": acc.bandwidth_kbps});
                    o.insert("offer".into(), offer);
                }
                Value::Object(o)
            })
            .collect();
        m.insert("acceptances".into(), Value::Array(acceptances));
        let cancels: Vec<Value> = view
            .cancels
            .iter()
            .map(|c| {
                let mut o = Map::new();
                o.insert("txid".into(), json!(c.txid.to_string()));
                o.insert("height".into(), json!(c.height));
                if let Some(cancel) = &c.cancel {
                    o.insert("scope".into(), json!(if cancel.node_pubkey.is_some() { "node" } else { "task" }));
                    o.insert("node_pubkey".into(), json!(cancel.node_pubkey.map(hex::encode)));
                }
                Value::Object(o)
            })
            .collect();
        m.insert("cancels".into(), Value::Array(cancels));
        m.insert("nonce".into(), json!(view.nonce));
    }
    Value::Object(m)
}

/// The mempool's announcements, decoded.
pub fn pending(node: &NodeState) -> Vec<PendingAnnouncement> {
    node.mempool.pool().entries().filter_map(|e| PendingAnnouncement::from_tx(&e.tx)).collect()
}

fn u32_field(v: &Value, name: &str) -> Result<u32, RpcError> {
    v.as_u64()
        .and_then(|n| u32::try_from(n).ok())
        .ok_or_else(|| RpcError::invalid_parameter(format!("{name}: expected a whole number from 0 to {}", u32::MAX)))
}

/// The `listtasks` filter object.
pub fn parse_filter(v: Option<&Value>, network: Network) -> Result<(TaskFilter, bool), RpcError> {
    let mut filter = TaskFilter::default();
    let mut mine = false;
    let Some(v) = v else { return Ok((filter, mine)) };
    let obj = v.as_object().ok_or_else(|| RpcError::wrong_type(v, "object"))?;
    let mut machine = MachineOffer::default();
    let mut has_machine = false;
    for (key, value) in obj {
        match key.as_str() {
            "state" | "states" => {
                let names: Vec<&Value> = match value {
                    Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                for n in names {
                    let text = n.as_str().unwrap_or_default();
                    filter.states.push(TaskState::parse(text).ok_or_else(|| {
                        RpcError::invalid_parameter(format!(
                            "state: unknown state '{text}' (pending, open, closed, cancelled, expired, pruned)"
                        ))
                    })?);
                }
            }
            "publisher" => {
                let text =
                    value.as_str().ok_or_else(|| RpcError::invalid_parameter("publisher: expected an identity"))?;
                filter.publisher = Some(parse_identity(text, network)?);
            }
            "os" => {
                let list: Vec<&Value> = match value {
                    Value::Array(a) => a.iter().collect(),
                    other => vec![other],
                };
                filter.os = list.iter().filter_map(|v| v.as_str().map(str::to_string)).collect();
            }
            "cores" => {
                machine.cores = u16::try_from(u32_field(value, key)?)
                    .map_err(|_| RpcError::invalid_parameter("cores: at most 65535"))?;
                has_machine = true;
            }
            "mhz" => (machine.mhz, has_machine) = (u32_field(value, key)?, true),
            "disk_mb" => (machine.disk_mb, has_machine) = (u32_field(value, key)?, true),
            "bandwidth_kbps" => (machine.bandwidth_kbps, has_machine) = (u32_field(value, key)?, true),
            "memory_mb_per_core" => filter.memory_mb_per_core = Some(u32_field(value, key)?),
            "max_rate_core_ghz_hour" => filter.max_rate_core_ghz_hour = Some(super::wallet::parse_amount(value)?),
            "max_rate_memory_mb_hour" => filter.max_rate_memory_mb_hour = Some(super::wallet::parse_amount(value)?),
            "max_rate_disk_gb_hour" => filter.max_rate_disk_gb_hour = Some(super::wallet::parse_amount(value)?),
            "max_rate_transfer_gb" => filter.max_rate_transfer_gb = Some(super::wallet::parse_amount(value)?),
            "min_lease_secs" => filter.min_lease_secs = Some(u32_field(value, key)?),
            "prepaid" => filter.prepaid_only = value.as_bool().unwrap_or(false),
            "mine" => mine = value.as_bool().unwrap_or(false),
            other => return Err(RpcError::invalid_parameter(format!("Unknown filter: {other}"))),
        }
    }
    if has_machine {
        // Figures not given do not limit: a machine "with any" of them.
        if !obj.contains_key("cores") {
            machine.cores = u16::MAX;
        }
        for (name, slot) in [
            ("mhz", &mut machine.mhz),
            ("disk_mb", &mut machine.disk_mb),
            ("bandwidth_kbps", &mut machine.bandwidth_kbps),
        ] {
            if !obj.contains_key(name) {
                *slot = u32::MAX;
            }
        }
        filter.machine = Some(machine);
    }
    Ok((filter, mine))
}

pub async fn listtasks(ctx: &RpcContext, args: &Args, endpoint: Option<&str>) -> RpcResult {
    let (mut filter, mine) = parse_filter(args.get(0), ctx.network)?;
    let count = args.opt_i64(1)?.unwrap_or(DEFAULT_COUNT as i64);
    let skip = args.opt_i64(2)?.unwrap_or(0);
    if count < 0 {
        return Err(RpcError::invalid_parameter("Negative count"));
    }
    if skip < 0 {
        return Err(RpcError::invalid_parameter("Negative from"));
    }
    if mine {
        let wallets = ctx.wallets.clone().ok_or_else(|| {
            RpcError::new(codes::WALLET_NOT_FOUND, "\"mine\" needs a wallet, and the wallet is disabled")
        })?;
        let (_, shared) = wallets.resolve(endpoint)?;
        wallets.catch_up(&shared).await?;
        let keys: Vec<[u8; 32]> =
            crate::wallets::lock(&shared)?.identities().iter().map(|i| i.identity.pubkey).collect();
        filter.identity_keys = Some(keys);
    }
    let views = ctx
        .chain
        .call(move |node| {
            let pending = pending(node);
            node.market.list(&filter, count as usize, skip as usize, node.chain.tip().height, &pending)
        })
        .await?;
    Ok(Value::Array(views.iter().map(|v| task_view_json(v, ctx.network, false)).collect()))
}

/// The channels of the wallet at `endpoint` (if any is loaded) that pay an
/// acceptance of task `id`: (payee key, channel id).
fn channels_by_payee(ctx: &RpcContext, endpoint: Option<&str>, id: &[u8; 32]) -> Vec<(String, String)> {
    let Some(wallets) = ctx.wallets.as_ref() else { return Vec::new() };
    let Ok((_, shared)) = wallets.resolve(endpoint) else { return Vec::new() };
    let Ok(w) = crate::wallets::lock(&shared) else { return Vec::new() };
    let task = hex::encode(id);
    w.channels()
        .into_iter()
        .filter(|c| c.task_id.as_deref() == Some(task.as_str()))
        .map(|c| (c.payee_pubkey, c.id))
        .collect()
}

/// A task of the market index or the mempool, by id (or its announcement's txid).
pub async fn find_task(ctx: &RpcContext, id: [u8; 32]) -> Result<Option<TaskView>, RpcError> {
    Ok(ctx.chain.call(move |node| node.market.task_view(&id, node.chain.tip().height, &pending(node))).await?)
}

/// [`find_task`] for a wallet acting on the task: an unknown one is -8.
pub async fn known_task(ctx: &RpcContext, id: [u8; 32]) -> Result<TaskView, RpcError> {
    find_task(ctx, id).await?.ok_or_else(|| {
        RpcError::invalid_parameter(format!("Unknown task {}: not in the market index or the mempool", hex::encode(id)))
    })
}

pub async fn gettask(ctx: &RpcContext, args: &Args, endpoint: Option<&str>) -> RpcResult {
    let id = parse_id(args.str(0, "task_id")?, "task_id")?;
    let view = find_task(ctx, id).await?.ok_or_else(|| {
        RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "No such task in the market index or the mempool")
    })?;
    let mut value = task_view_json(&view, ctx.network, true);
    let channels = view.task_id.map(|id| channels_by_payee(ctx, endpoint, &id)).unwrap_or_default();
    if let Some(list) = value["acceptances"].as_array_mut() {
        for acceptance in list {
            let payee = acceptance["payee_pubkey"].as_str().unwrap_or_default().to_string();
            let ids: Vec<&String> = channels.iter().filter(|(key, _)| *key == payee).map(|(_, id)| id).collect();
            acceptance["channels"] = json!(ids);
        }
    }
    Ok(value)
}

/// What `getannouncement` and `decodeannouncement` show of one transaction.
fn announcement_json(tx: &Transaction, params: &ChainParams, network: Network) -> Result<Value, RpcError> {
    let ann = tx.announcement.as_ref().ok_or_else(|| {
        RpcError::new(codes::DESERIALIZATION_ERROR, "Not an announcement: the transaction has outputs")
    })?;
    let mut m = Map::new();
    m.insert("txid".into(), json!(tx.txid().to_string()));
    let kind = ann.known_kind().map(|k| match k {
        primitives::AnnouncementKind::Task => "task",
        primitives::AnnouncementKind::Acceptance => "acceptance",
        primitives::AnnouncementKind::Cancel => "cancel",
    });
    m.insert("kind".into(), json!(kind.unwrap_or("unknown")));
    m.insert("expiry".into(), json!(ann.expiry));
    m.insert("body_size".into(), json!(ann.body.len()));
    m.insert("body_hash".into(), json!(hex::encode(ann.body.hash().to_byte_array())));
    m.insert("nonce".into(), json!(ann.nonce));
    let pow = tx_pow_hash(tx, ann.nonce);
    m.insert("pow_hash".into(), json!(hash_number_hex(&pow)));
    let minimum = match ann.known_kind() {
        Some(primitives::AnnouncementKind::Task) => Some(params.market.task_pow_bits),
        Some(primitives::AnnouncementKind::Acceptance) => Some(params.market.accept_pow_bits),
        _ => None,
    };
    if let Some(bits) = minimum {
        m.insert("network_minimum_pow".into(), pow_json(bits));
        m.insert(
            "meets_network_minimum".into(),
            json!(consensus::check::announcement::meets_tx_pow(tx, ann.nonce, bits)),
        );
    }
    match &ann.body {
        AnnouncementBody::Pruned { .. } => {
            m.insert("pruned".into(), json!(true));
        }
        AnnouncementBody::Full(bytes) => {
            m.insert("pruned".into(), json!(false));
            match ann.known_kind().map(|k| SignedBody::decode(k, bytes)) {
                Some(Ok(body)) => {
                    m.insert("body".into(), body_json(&body, network));
                }
                Some(Err(e)) => {
                    m.insert("body_error".into(), json!(e.to_string()));
                }
                None => {}
            }
        }
    }
    let _ = params;
    Ok(Value::Object(m))
}

/// A transaction and, when mined, its block and height.
type Located = (Transaction, Option<(primitives::BlockHash, u32)>);

pub async fn getannouncement(ctx: &RpcContext, args: &Args) -> RpcResult {
    let txid: Txid = super::parse_hash(args, 0, "txid")?;
    let found = ctx
        .chain
        .call(move |node| -> Result<Option<Located>, crate::chainstate::ChainError> {
            if let Some(entry) = node.mempool.pool().get(&txid) {
                return Ok(Some((entry.tx.transaction().clone(), None)));
            }
            let Some(record) = node.market.record(&txid) else { return Ok(None) };
            let (block, height) = (record.block, record.height);
            let tx = node.chain.block(&block)?.and_then(|b| b.txdata.into_iter().find(|t| t.txid() == txid));
            Ok(tx.map(|t| (t.into_transaction(), Some((block, height)))))
        })
        .await?
        .map_err(|e| RpcError::new(codes::DATABASE_ERROR, e.to_string()))?;
    let (tx, place) = found.ok_or_else(|| {
        RpcError::new(codes::INVALID_ADDRESS_OR_KEY, "No such announcement in the mempool or on the active chain")
    })?;
    let params = ctx.chain.call(|node| node.chain.params().clone()).await?;
    let mut value = announcement_json(&tx, &params, ctx.network)?;
    if let Value::Object(m) = &mut value {
        m.insert("blockhash".into(), json!(place.map(|p| p.0.to_string())));
        m.insert("height".into(), json!(place.map(|p| p.1)));
        m.insert("in_mempool".into(), json!(place.is_none()));
    }
    Ok(value)
}

pub async fn decodeannouncement(ctx: &RpcContext, args: &Args) -> RpcResult {
    let text = args.str(0, "hexstring")?;
    let bytes = hex::decode(text).map_err(|_| RpcError::new(codes::DESERIALIZATION_ERROR, "TX decode failed"))?;
    let tx = Transaction::from_bytes(&bytes)
        .map_err(|e| RpcError::new(codes::DESERIALIZATION_ERROR, format!("TX decode failed: {e}")))?;
    let params = ctx.chain.call(|node| node.chain.params().clone()).await?;
    announcement_json(&tx, &params, ctx.network)
}

pub async fn getidentityinfo(ctx: &RpcContext, args: &Args) -> RpcResult {
    let identity = parse_identity(args.str(0, "identity")?, ctx.network)?;
    let (params, next) = ctx.chain.call(|node| (node.chain.params().clone(), node.chain.tip().height + 1)).await?;
    let facts = tokio::task::spawn_blocking(move || identity_facts(&identity, &params, next))
        .await
        .map_err(|e| RpcError::internal(e.to_string()))?;
    let mut value = identity_json(&identity, ctx.network);
    if let Value::Object(m) = &mut value {
        m.insert("nonce".into(), json!(identity.nonce));
        m.insert("pow_hash".into(), json!(hash_number_hex(&facts.pow_hash)));
        m.insert("target".into(), json!(target_hex(&facts.target)));
        m.insert("valid".into(), json!(facts.valid));
        m.insert("valid_until_height".into(), json!(facts.valid_until));
    }
    Ok(value)
}

pub async fn getmarketinfo(ctx: &RpcContext) -> RpcResult {
    let (summary, bytes, height) = ctx
        .chain
        .call(|node| {
            let tip = node.chain.tip().height;
            (node.market.summary(tip), node.chain.block_bytes(), tip)
        })
        .await?;
    let bytes = bytes.map_err(|e| RpcError::new(codes::DATABASE_ERROR, e.to_string()))?;
    let mut tasks = Map::new();
    for (name, count) in summary.tasks_by_state {
        tasks.insert(name.into(), json!(count));
    }
    Ok(json!({
        "height": height,
        "announcements": summary.announcements,
        "tasks": tasks,
        "bestblock": summary.marker.map(|m| m.0.to_string()),
        "block_store_bytes": bytes,
        "pruned_body_bytes": summary.pruned_bytes,
    }))
}
