//! The market from a wallet: mining identities (`mineidentity`,
//! `getidentityjob`, `abortidentityjob`, `listidentities`) and publishing,
//! accepting and cancelling tasks (`publishtask`, `accepttask`,
//! `canceltask`).

use std::sync::atomic::AtomicBool;
use std::sync::Arc;

use bitcoin::secp256k1::Keypair;
use consensus::check::announcement::identity_target;
use consensus::params::ChainParams;
use consensus::target::{from_compact, two_pow_256, BigUint};
use primitives::market::{task_id, Acceptance, Cancel, Identity, MarketBody, Role};
use rpc::{codes, Args, RpcError};
use serde_json::{json, Value};
use wallet::announcement::{mine_identity, BuildError};

use super::announce::{announce, Plan};
use super::pay::{choose_fee_rate, parse_fee_rate};
use super::task_args::{check_body_size, parse_offer, parse_pow, parse_task};
use super::{werr, Call};
use crate::jobs::{JobState, Jobs};
use crate::node_state::market::TaskState;
use crate::rpc::json::real;
use crate::rpc::market::{identity_facts, identity_json, known_task, parse_id, parse_identity, parse_role, role_name};
use crate::wallets::{lock, Wallets};

/// Blocks an announcement waits for inclusion by default (a day).
const DEFAULT_EXPIRY: u32 = 1440;
/// Bits of margin identities are mined with by default: a hash below half
/// the target stays valid across the next halving.
const DEFAULT_MARGIN_BITS: u32 = 1;

fn default_threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

fn threads_arg(v: Option<i64>) -> Result<usize, RpcError> {
    match v {
        None => Ok(default_threads()),
        Some(n) if (1..=1024).contains(&n) => Ok(n as usize),
        Some(n) => Err(RpcError::invalid_parameter(format!("threads: {n} is out of range (1 to 1024)"))),
    }
}

fn expected_hashes(target: &BigUint) -> f64 {
    (two_pow_256() / (target + 1u32)).to_string().parse().unwrap_or(f64::INFINITY)
}

async fn chain_facts(call: &Call<'_>) -> Result<(ChainParams, u32), RpcError> {
    Ok(call.ctx.chain.call(|node| (node.chain.params().clone(), node.chain.tip().height + 1)).await?)
}

pub async fn mineidentity(call: &Call<'_>) -> Result<Value, RpcError> {
    let role = parse_role(call.args.str(0, "role")?)?;
    let threads = threads_arg(call.args.opt_i64(1)?)?;
    let label = call.args.opt_str(2)?.unwrap_or_default().to_string();
    let margin = match call.args.opt_i64(3)? {
        None => DEFAULT_MARGIN_BITS,
        Some(m) if (0..=32).contains(&m) => m as u32,
        Some(m) => return Err(RpcError::invalid_parameter(format!("margin_bits: {m} is out of range (0 to 32)"))),
    };
    let (params, next_height) = chain_facts(call).await?;
    let target = identity_target(&params, role, next_height) >> margin;
    let reservation = (call.name.clone(), role as u8);
    let (index, key) = {
        let w = call.wallet()?;
        let reserved = call.wallets.reserved_identities(&reservation);
        w.next_identity_key(role, &reserved).map_err(werr)?
    };
    call.wallets.reserve_identity(&reservation, index);
    let (shared, wallets, network) = (call.shared.clone(), call.wallets.clone(), call.ctx.network);
    let target_text = format!("{target:064x}");
    let job = call
        .wallets
        .jobs
        .spawn("identity", threads, expected_hashes(&target), move |job| {
            let mined = mine_identity(role, &key, &target, threads, &|n| job.set_hashes(n), job.cancel_flag());
            let state = match mined {
                Ok(identity) => match lock(&shared)
                    .map_err(|e| e.to_string())
                    .and_then(|mut w| w.add_identity(&identity, index, &label).map_err(|e| e.to_string()))
                {
                    Ok(()) => {
                        let mut value = identity_json(&identity, network);
                        value["nonce"] = json!(identity.nonce);
                        value["label"] = json!(label);
                        JobState::Found(value)
                    }
                    Err(e) => JobState::Failed(format!("the identity was found but could not be stored: {e}")),
                },
                Err(BuildError::Cancelled) => JobState::Aborted,
                Err(e) => JobState::Failed(e.to_string()),
            };
            wallets.release_identity(&reservation, index);
            state
        })
        .map_err(RpcError::internal)?;
    Ok(json!({"job_id": job.id, "role": role_name(role as u8), "threads": threads, "target": target_text}))
}

fn job_arg(args: &Args) -> Result<u64, RpcError> {
    let id = args.i64(0, "job_id")?;
    u64::try_from(id).map_err(|_| RpcError::invalid_parameter("job_id: must not be negative"))
}

pub fn getidentityjob(jobs: &Jobs, args: &Args) -> Result<Value, RpcError> {
    let id = job_arg(args)?;
    let job = jobs.get(id).ok_or_else(|| RpcError::invalid_parameter(format!("Unknown job id {id}")))?;
    let state = job.state();
    let mut value = json!({
        "job_id": job.id,
        "kind": job.kind,
        "state": state.as_str(),
        "threads": job.threads,
        "hashes": job.hashes(),
        "hashrate": real(job.hash_rate()),
        "elapsed_secs": real(job.elapsed()),
        "expected_hashes": real(job.expected_hashes),
        "expected_secs": job.expected_seconds().map_or(Value::Null, real),
    });
    match state {
        JobState::Found(result) => value["result"] = result,
        JobState::Failed(error) => value["error"] = json!(error),
        JobState::Running | JobState::Aborted => {}
    }
    Ok(value)
}

pub async fn abortidentityjob(jobs: &Jobs, args: &Args) -> Result<Value, RpcError> {
    let id = job_arg(args)?;
    let job = jobs.get(id).ok_or_else(|| RpcError::invalid_parameter(format!("Unknown job id {id}")))?;
    job.abort();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while job.state() == JobState::Running && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    Ok(json!({"job_id": id, "state": job.state().as_str()}))
}

pub async fn listidentities(call: &Call<'_>) -> Result<Value, RpcError> {
    let (params, next_height) = chain_facts(call).await?;
    let network = call.ctx.network;
    call.blocking(move |w| {
        let list = w
            .identities()
            .into_iter()
            .map(|i| {
                let facts = identity_facts(&i.identity, &params, next_height);
                let mut value = identity_json(&i.identity, network);
                value["label"] = json!(i.label);
                value["index"] = json!(i.index);
                value["nonce"] = json!(i.identity.nonce);
                value["valid"] = json!(facts.valid);
                value["valid_until_height"] = json!(facts.valid_until);
                value["used"] = json!(w.identity_used(&i.identity));
                value
            })
            .collect();
        Ok(Value::Array(list))
    })
    .await
}

/// The identity to act under: the one named, or the wallet's first valid one of `role`.
async fn choose_identity(call: &Call<'_>, named: Option<&Value>, role: Role) -> Result<(Identity, Keypair), RpcError> {
    let (params, next_height) = chain_facts(call).await?;
    let network = call.ctx.network;
    let named = named
        .map(|v| v.as_str().ok_or_else(|| RpcError::invalid_parameter("identity: expected an identity string")))
        .transpose()?
        .map(|text| parse_identity(text, network))
        .transpose()?;
    call.blocking(move |w| {
        let identity = match named {
            Some(identity) => {
                if identity.role != role as u8 {
                    return Err(RpcError::invalid_parameter(format!(
                        "identity: {} is a {} identity, this needs a {} one",
                        identity.to_bech32m(network),
                        role_name(identity.role),
                        role_name(role as u8)
                    )));
                }
                identity
            }
            None => w
                .identities()
                .into_iter()
                .map(|i| i.identity)
                .find(|i| i.role == role as u8 && identity_facts(i, &params, next_height).valid)
                .ok_or_else(|| {
                    RpcError::new(
                        codes::WALLET_ERROR,
                        format!(
                            "This wallet has no valid {0} identity. Mine one first with: mineidentity \"{0}\"",
                            role_name(role as u8)
                        ),
                    )
                })?,
        };
        let key = w.identity_keypair(&identity).map_err(werr)?;
        Ok((identity, key))
    })
    .await
}

struct Options<'a> {
    obj: serde_json::Map<String, Value>,
    allowed: &'a [&'a str],
}

impl<'a> Options<'a> {
    fn parse(v: Option<&Value>, allowed: &'a [&'a str]) -> Result<Options<'a>, RpcError> {
        let obj = match v {
            None => serde_json::Map::new(),
            Some(Value::Object(o)) => o.clone(),
            Some(other) => return Err(RpcError::wrong_type(other, "object")),
        };
        if let Some(unknown) = obj.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(RpcError::invalid_parameter(format!("Unknown option: {unknown}")));
        }
        Ok(Options { obj, allowed })
    }

    fn get(&self, key: &str) -> Option<&Value> {
        debug_assert!(self.allowed.contains(&key));
        self.obj.get(key).filter(|v| !v.is_null())
    }

    fn expiry(&self) -> Result<u32, RpcError> {
        match self.get("expiry") {
            None => Ok(DEFAULT_EXPIRY),
            Some(v) => v
                .as_u64()
                .filter(|e| (1..=43_200).contains(e))
                .map(|e| e as u32)
                .ok_or_else(|| RpcError::invalid_parameter("expiry: blocks from 1 to 43200")),
        }
    }

    fn wait(&self) -> Result<bool, RpcError> {
        match self.get("wait") {
            None => Ok(true),
            Some(v) => v.as_bool().ok_or_else(|| RpcError::invalid_parameter("wait: expected true or false")),
        }
    }
}

/// Whether compact target `bits` is at least as hard as `required`.
fn at_least_as_hard(bits: u32, required: u32) -> bool {
    match (from_compact(bits), from_compact(required)) {
        (Some(a), Some(b)) => a <= b,
        _ => false,
    }
}

fn harder(a: u32, b: u32) -> u32 {
    if at_least_as_hard(a, b) {
        a
    } else {
        b
    }
}

/// Runs the announcement now (waiting) or as a job (`"wait": false`).
async fn run(call: &Call<'_>, plan: Plan, wait: bool, extra: Value) -> Result<Value, RpcError> {
    let (shared, chain) = (call.shared.clone(), call.ctx.chain.clone());
    let policy = call.wallets.settings.policy.clone();
    let expected = plan.pow_bits.and_then(from_compact).map_or(0.0, |t| expected_hashes(&t));
    let merge = move |mut value: Value| {
        if let (Value::Object(m), Value::Object(e)) = (&mut value, &extra) {
            m.extend(e.clone());
        }
        value
    };
    let threads = plan.threads;
    let result = if !wait {
        let jobs = call.wallets.clone();
        let job = jobs
            .jobs
            .spawn("announcement", threads, expected, move |job| {
                match announce(&shared, &chain, &policy, plan, Some(job), job.cancel_flag()) {
                    Ok(value) => JobState::Found(merge(value)),
                    Err(e) if e.message == "Aborted" => JobState::Aborted,
                    Err(e) => JobState::Failed(format!("{} ({})", e.message, e.code)),
                }
            })
            .map_err(RpcError::internal)?;
        return Ok(json!({"job_id": job.id}));
    } else {
        let cancel = Arc::new(AtomicBool::new(false));
        let value = tokio::task::spawn_blocking(move || announce(&shared, &chain, &policy, plan, None, &cancel))
            .await
            .map_err(|e| RpcError::internal(e.to_string()))??;
        merge(value)
    };
    call.wallets.catch_up(&call.shared).await?;
    Ok(result)
}

async fn fee_rate(call: &Call<'_>, options: &Options<'_>) -> Result<u64, RpcError> {
    let explicit = options.get("fee_rate").map(parse_fee_rate).transpose()?;
    choose_fee_rate(call, explicit, None).await
}

pub async fn publishtask(call: &Call<'_>) -> Result<Value, RpcError> {
    let task_arg =
        call.args.get(0).ok_or_else(|| RpcError::invalid_parameter("Missing required argument task"))?.clone();
    let options = Options::parse(call.args.get(1), &["identity", "expiry", "fee_rate", "tx_pow", "wait", "threads"])?;
    let (params, _) = chain_facts(call).await?;
    let probe = Identity { role: Role::Publisher as u8, pubkey: [0; 32], nonce: 0 };
    // Field errors before anything else: they need no wallet.
    parse_task(&task_arg, probe, params.market.accept_pow_bits)?;
    let (expiry, wait) = (options.expiry()?, options.wait()?);
    let threads = threads_arg(options.get("threads").and_then(Value::as_i64))?;
    let minimum = match call.wallets.settings.policy.min_task_pow_bits {
        Some(policy) => harder(policy, params.market.task_pow_bits),
        None => params.market.task_pow_bits,
    };
    let pow_bits = match options.get("tx_pow") {
        None => minimum,
        Some(v) => {
            let bits = parse_pow(v, "tx_pow")?;
            if !at_least_as_hard(bits, params.market.task_pow_bits) {
                return Err(RpcError::invalid_parameter(format!(
                    "tx_pow: {bits:08x} is easier than the network minimum {:08x}",
                    params.market.task_pow_bits
                )));
            }
            bits
        }
    };
    let (identity, key) = choose_identity(call, options.get("identity"), Role::Publisher).await?;
    let task = parse_task(&task_arg, identity, params.market.accept_pow_bits)?;
    let id = task_id(&task);
    let fee_rate = fee_rate(call, &options).await?;
    let plan =
        Plan { body: MarketBody::Task(task), identity_key: key, expiry, pow_bits: Some(pow_bits), fee_rate, threads };
    run(call, plan, wait, json!({"task_id": hex::encode(id)})).await
}

pub async fn accepttask(call: &Call<'_>) -> Result<Value, RpcError> {
    let id = parse_id(call.args.str(0, "task_id")?, "task_id")?;
    let offer_arg = call.args.get(1).ok_or_else(|| RpcError::invalid_parameter("Missing required argument offer"))?;
    let offer = parse_offer(offer_arg)?;
    let options = Options::parse(call.args.get(2), &["identity", "expiry", "fee_rate", "tx_pow", "wait", "threads"])?;
    let (expiry, wait) = (options.expiry()?, options.wait()?);
    let threads = threads_arg(options.get("threads").and_then(Value::as_i64))?;
    let (params, _) = chain_facts(call).await?;
    let view = known_task(call.ctx, id).await?;
    let refuse = |why: String| Err(RpcError::invalid_parameter(format!("Task {} {why}", hex::encode(id))));
    match view.state {
        TaskState::Pending | TaskState::Open => {}
        TaskState::Closed => {
            return refuse(format!(
                "is closed for acceptance (its window ended at height {})",
                view.accept_until().unwrap_or(0)
            ))
        }
        TaskState::Cancelled => return refuse("was cancelled by its publisher".into()),
        TaskState::Expired | TaskState::Pruned => return refuse("has expired".into()),
    }
    let Some(task) = view.task else { return refuse("has expired".into()) };
    if let Err(why) = task.admits(&offer) {
        return Err(RpcError::invalid_parameter(format!("The offer is below the task's minimums: {why}")));
    }
    let demanded = harder(task.accept_pow_bits, params.market.accept_pow_bits);
    let pow_bits = match options.get("tx_pow") {
        None => demanded,
        Some(v) => {
            let bits = parse_pow(v, "tx_pow")?;
            if !at_least_as_hard(bits, demanded) {
                return Err(RpcError::invalid_parameter(format!(
                    "tx_pow: {bits:08x} is easier than the {demanded:08x} this task demands of acceptances (ann-accept-pow)"
                )));
            }
            bits
        }
    };
    let (node, key) = choose_identity(call, options.get("identity"), Role::Node).await?;
    let label = format!("payee of task {}", hex::encode(id));
    let payee_pubkey = call
        .blocking(move |w| {
            let address = w
                .new_address(wallet::keys::OutputType::Bech32, wallet::keys::Chain::Receive, Some(&label))
                .map_err(werr)?;
            w.public_key_for(address.script_pubkey())
                .map(|k| k.serialize())
                .ok_or_else(|| RpcError::new(codes::WALLET_ERROR, "The wallet has no key for its new address"))
        })
        .await?;
    let acceptance = Acceptance {
        task_id: id,
        node,
        payee_pubkey,
        cores: offer.cores,
        mhz: offer.mhz,
        memory_mb: offer.memory_mb,
        disk_mb: offer.disk_mb,
        bandwidth_kbps: offer.bandwidth_kbps,
    };
    let body = MarketBody::Acceptance(acceptance);
    check_body_size(&body)?;
    let fee_rate = fee_rate(call, &options).await?;
    let plan = Plan { body, identity_key: key, expiry, pow_bits: Some(pow_bits), fee_rate, threads };
    run(call, plan, wait, json!({"task_id": hex::encode(id), "payee_pubkey": hex::encode(payee_pubkey)})).await
}

pub async fn canceltask(call: &Call<'_>) -> Result<Value, RpcError> {
    let id = parse_id(call.args.str(0, "task_id")?, "task_id")?;
    let node_pubkey = call.args.opt_str(1)?.map(|text| parse_id(text, "node_pubkey")).transpose()?;
    let options = Options::parse(call.args.get(2), &["expiry", "fee_rate"])?;
    let expiry = options.expiry()?;
    let view = known_task(call.ctx, id).await?;
    let Some(task) = view.task.filter(|_| view.state != TaskState::Expired) else {
        return Err(RpcError::invalid_parameter(format!("Task {} has expired", hex::encode(id))));
    };
    let publisher = task.publisher;
    let mine = call.wallet()?.identities().iter().any(|i| i.identity == publisher);
    if !mine {
        return Err(RpcError::invalid_parameter(format!(
            "Task {} was not published by this wallet (publisher {})",
            hex::encode(id),
            publisher.to_bech32m(call.ctx.network)
        )));
    }
    let key = call.blocking(move |w| w.identity_keypair(&publisher).map_err(werr)).await?;
    let body = MarketBody::Cancel(Cancel { task_id: id, publisher, node_pubkey });
    let fee_rate = fee_rate(call, &options).await?;
    let plan = Plan { body, identity_key: key, expiry, pow_bits: None, fee_rate, threads: 1 };
    run(call, plan, true, json!({"task_id": hex::encode(id)})).await
}

impl Wallets {
    pub fn reserved_identities(&self, key: &(String, u8)) -> std::collections::HashSet<(u8, u32)> {
        self.identity_reservations
            .lock()
            .map(|r| r.iter().filter(|(w, role, _)| (w, *role) == (&key.0, key.1)).map(|(_, r, i)| (*r, *i)).collect())
            .unwrap_or_default()
    }

    pub fn reserve_identity(&self, key: &(String, u8), index: u32) {
        if let Ok(mut r) = self.identity_reservations.lock() {
            r.insert((key.0.clone(), key.1, index));
        }
    }

    pub fn release_identity(&self, key: &(String, u8), index: u32) {
        if let Ok(mut r) = self.identity_reservations.lock() {
            r.remove(&(key.0.clone(), key.1, index));
        }
    }
}
