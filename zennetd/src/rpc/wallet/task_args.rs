//! Reading `publishtask`'s task object and `accepttask`'s offer: readable
//! names and units, defaults for what may be left out, and a -8 naming the
//! field for anything out of range.

use consensus::target::{to_compact, two_pow_256, BigUint};
use primitives::market::{
    CoreChoice, Identity, MachineOffer, MarketBody, Task, MAX_CORE_CHOICES, MAX_ENDPOINT, MAX_INFO, MAX_OS_CHOICES,
    MAX_OS_NAME,
};
use rpc::RpcError;
use serde_json::{Map, Value};

use super::parse_amount;

/// The largest body an announcement may carry (DESIGN.md §4).
pub const MAX_BODY: usize = 1000;
/// Signature bytes appended to every body.
const SIGNATURE: usize = 64;

fn bad(field: &str, what: impl std::fmt::Display) -> RpcError {
    RpcError::invalid_parameter(format!("{field}: {what}"))
}

fn whole<T: TryFrom<i128>>(
    obj: &Map<String, Value>,
    field: &str,
    default: T,
    min: i128,
    max: i128,
) -> Result<T, RpcError> {
    let Some(v) = obj.get(field).filter(|v| !v.is_null()) else { return Ok(default) };
    let n = match v {
        Value::Number(n) => n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from)),
        _ => None,
    };
    let n = n.ok_or_else(|| bad(field, format!("expected a whole number from {min} to {max}")))?;
    if n < min || n > max {
        return Err(bad(field, format!("{n} is out of range ({min} to {max})")));
    }
    T::try_from(n).map_err(|_| bad(field, "out of range"))
}

fn string(obj: &Map<String, Value>, field: &str, max: usize) -> Result<Option<String>, RpcError> {
    let Some(v) = obj.get(field).filter(|v| !v.is_null()) else { return Ok(None) };
    let text = v.as_str().ok_or_else(|| bad(field, "expected a string"))?;
    if text.len() > max {
        return Err(bad(field, format!("{} bytes is too long (at most {max})", text.len())));
    }
    Ok(Some(text.to_string()))
}

fn rate(obj: &Map<String, Value>, field: &str) -> Result<u64, RpcError> {
    match obj.get(field).filter(|v| !v.is_null()) {
        None => Ok(0),
        Some(v) => parse_amount(v).map_err(|e| bad(field, format!("{} (an amount in ZEN)", e.message))),
    }
}

/// `host:port`, a name or address and a port from 1 to 65535.
fn check_endpoint(text: &str) -> Result<(), RpcError> {
    let err = || bad("endpoint", format!("'{text}' is not host:port"));
    let (host, port) = text.rsplit_once(':').ok_or_else(err)?;
    let port: u16 = port.parse().map_err(|_| err())?;
    let host = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host);
    let host_ok = !host.is_empty()
        && (host.parse::<std::net::IpAddr>().is_ok()
            || host.split('.').all(|label| {
                !label.is_empty() && label.len() <= 63 && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            }));
    if port == 0 || !host_ok {
        return Err(err());
    }
    Ok(())
}

/// A proof-of-work demand: compact bits in hex ("1f00ffff"), or a number of
/// seconds of one core's double-SHA256 hashing.
pub fn parse_pow(v: &Value, field: &str) -> Result<u32, RpcError> {
    match v {
        Value::String(text) => {
            let bits = u32::from_str_radix(text.trim_start_matches("0x"), 16)
                .map_err(|_| bad(field, format!("'{text}' is not compact bits in hex (e.g. 1f00ffff)")))?;
            consensus::target::from_compact(bits)
                .filter(|t| *t > BigUint::from(0u32))
                .ok_or_else(|| bad(field, format!("{text} is not a valid positive compact target")))?;
            Ok(bits)
        }
        Value::Number(n) => {
            let seconds =
                n.as_f64().filter(|s| *s > 0.0 && *s <= 1e12).ok_or_else(|| bad(field, "seconds must be above 0"))?;
            let hashes = (seconds * consensus::params::TX_POW_PER_SECOND as f64).max(1.0);
            let hashes = BigUint::from(hashes as u128);
            Ok(to_compact(&(two_pow_256() / hashes - 1u32)))
        }
        _ => Err(bad(field, "expected compact bits in hex or a number of core-seconds")),
    }
}

const TASK_FIELDS: &[&str] = &[
    "os_choices",
    "min_bandwidth_kbps",
    "min_disk_mb",
    "min_disk_iops",
    "persistent_mb",
    "core_choices",
    "memory_mb_per_core",
    "min_memory_mhz",
    "min_vms",
    "endpoint",
    "lease_min_secs",
    "lease_max_secs",
    "payout_interval_secs",
    "rate_core_ghz_hour",
    "rate_memory_mb_hour",
    "rate_disk_gb_hour",
    "rate_transfer_gb",
    "accept_pow",
    "accept_within_blocks",
    "info",
];

/// The task of `publishtask`, for `publisher`. `default_accept_pow` is the
/// network minimum for acceptances.
pub fn parse_task(v: &Value, publisher: Identity, default_accept_pow: u32) -> Result<Task, RpcError> {
    let obj = v.as_object().ok_or_else(|| RpcError::wrong_type(v, "object"))?;
    if let Some(unknown) = obj.keys().find(|k| !TASK_FIELDS.contains(&k.as_str())) {
        return Err(RpcError::invalid_parameter(format!("Unknown task field: {unknown}")));
    }
    let os_choices = match obj.get("os_choices").filter(|v| !v.is_null()) {
        None => Vec::new(),
        Some(Value::Array(list)) => {
            if list.len() > MAX_OS_CHOICES {
                return Err(bad(
                    "os_choices",
                    format!("{} choices is too many (at most {MAX_OS_CHOICES})", list.len()),
                ));
            }
            list.iter()
                .enumerate()
                .map(|(i, os)| {
                    let name = format!("os_choices[{i}]");
                    let text = os.as_str().ok_or_else(|| bad(&name, "expected a string"))?;
                    if text.is_empty() || text.len() > MAX_OS_NAME {
                        return Err(bad(&name, format!("must be 1 to {MAX_OS_NAME} bytes")));
                    }
                    Ok(text.to_string())
                })
                .collect::<Result<_, _>>()?
        }
        Some(_) => return Err(bad("os_choices", "expected a list of strings")),
    };
    let core_choices = match obj.get("core_choices").filter(|v| !v.is_null()) {
        None => vec![CoreChoice { count: 1, min_mhz: 0 }],
        Some(Value::Array(list)) => {
            if list.is_empty() || list.len() > MAX_CORE_CHOICES {
                return Err(bad("core_choices", format!("{} choices (1 to {MAX_CORE_CHOICES} allowed)", list.len())));
            }
            list.iter()
                .enumerate()
                .map(|(i, c)| {
                    let name = format!("core_choices[{i}]");
                    let c = c.as_object().ok_or_else(|| bad(&name, "expected {\"count\": n, \"min_mhz\": n}"))?;
                    Ok(CoreChoice {
                        count: whole(c, "count", 1u16, 1, i128::from(u16::MAX)).map_err(|e| bad(&name, e.message))?,
                        min_mhz: whole(c, "min_mhz", 0u32, 0, i128::from(u32::MAX))
                            .map_err(|e| bad(&name, e.message))?,
                    })
                })
                .collect::<Result<_, RpcError>>()?
        }
        Some(_) => return Err(bad("core_choices", "expected a list")),
    };
    let endpoint = string(obj, "endpoint", MAX_ENDPOINT)?
        .ok_or_else(|| bad("endpoint", "required (host:port nodes connect to)"))?;
    check_endpoint(&endpoint)?;
    let u32_max = i128::from(u32::MAX);
    let lease_min_secs = whole(obj, "lease_min_secs", 3600u32, 1, u32_max)?;
    let lease_max_secs = whole(obj, "lease_max_secs", lease_min_secs.max(86_400), 1, u32_max)?;
    if lease_min_secs > lease_max_secs {
        return Err(bad("lease_min_secs", format!("{lease_min_secs} is more than lease_max_secs {lease_max_secs}")));
    }
    let payout_interval_secs = whole(obj, "payout_interval_secs", 60i32, i128::from(i32::MIN), i128::from(i32::MAX))?;
    if payout_interval_secs == 0 {
        return Err(bad("payout_interval_secs", "must not be 0 (negative: the publisher pre-pays)"));
    }
    let accept_pow_bits = match obj.get("accept_pow").filter(|v| !v.is_null()) {
        None => default_accept_pow,
        Some(v) => parse_pow(v, "accept_pow")?,
    };
    let task = Task {
        publisher,
        os_choices,
        min_bandwidth_kbps: whole(obj, "min_bandwidth_kbps", 0u32, 0, u32_max)?,
        min_disk_mb: whole(obj, "min_disk_mb", 0u32, 0, u32_max)?,
        min_disk_iops: whole(obj, "min_disk_iops", 0u32, 0, u32_max)?,
        persistent_mb: whole(obj, "persistent_mb", 0u32, 0, u32_max)?,
        core_choices,
        memory_mb_per_core: whole(obj, "memory_mb_per_core", 0u32, 0, u32_max)?,
        min_memory_mhz: whole(obj, "min_memory_mhz", 0u32, 0, u32_max)?,
        min_vms: whole(obj, "min_vms", 1u32, 1, u32_max)?,
        endpoint,
        lease_min_secs,
        lease_max_secs,
        payout_interval_secs,
        rate_core_ghz_hour: rate(obj, "rate_core_ghz_hour")?,
        rate_memory_mb_hour: rate(obj, "rate_memory_mb_hour")?,
        rate_disk_gb_hour: rate(obj, "rate_disk_gb_hour")?,
        rate_transfer_gb: rate(obj, "rate_transfer_gb")?,
        accept_pow_bits,
        accept_within_blocks: whole(obj, "accept_within_blocks", 144u32, 1, 43_200)?,
        info: string(obj, "info", MAX_INFO)?.unwrap_or_default(),
    };
    check_body_size(&MarketBody::Task(task.clone()))?;
    Ok(task)
}

pub fn check_body_size(body: &MarketBody) -> Result<(), RpcError> {
    let size = body.encode_unsigned().len() + SIGNATURE;
    if size > MAX_BODY {
        return Err(RpcError::invalid_parameter(format!(
            "The task body would be {size} bytes, more than the {MAX_BODY} an announcement may carry: shorten info, endpoint or the choices"
        )));
    }
    Ok(())
}

/// `accepttask`'s offer.
pub fn parse_offer(v: &Value) -> Result<MachineOffer, RpcError> {
    let obj = v.as_object().ok_or_else(|| RpcError::wrong_type(v, "object"))?;
    const FIELDS: &[&str] = &["cores", "mhz", "memory_mb", "disk_mb", "bandwidth_kbps"];
    if let Some(unknown) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(RpcError::invalid_parameter(format!("Unknown offer field: {unknown}")));
    }
    let u32_max = i128::from(u32::MAX);
    Ok(MachineOffer {
        cores: whole(obj, "cores", 1u16, 1, i128::from(u16::MAX))?,
        mhz: whole(obj, "mhz", 0u32, 0, u32_max)?,
        memory_mb: whole(obj, "memory_mb", 0u32, 0, u32_max)?,
        disk_mb: whole(obj, "disk_mb", 0u32, 0, u32_max)?,
        bandwidth_kbps: whole(obj, "bandwidth_kbps", 0u32, 0, u32_max)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn publisher() -> Identity {
        Identity { role: 1, pubkey: [2; 32], nonce: 0 }
    }

    fn err(task: Value) -> String {
        parse_task(&task, publisher(), 0x207fffff).unwrap_err().message
    }

    #[test]
    fn defaults_and_every_field_checked() {
        let task = parse_task(&json!({"endpoint": "example.org:7000"}), publisher(), 0x207fffff).unwrap();
        assert_eq!(task.core_choices, vec![CoreChoice { count: 1, min_mhz: 0 }]);
        assert_eq!(task.accept_pow_bits, 0x207fffff);
        assert!(err(json!({})).starts_with("endpoint:"));
        assert!(err(json!({"endpoint": "nohost"})).starts_with("endpoint:"));
        assert!(err(json!({"endpoint": "h:0"})).starts_with("endpoint:"));
        assert!(
            err(json!({"endpoint": "h:1", "lease_min_secs": 10, "lease_max_secs": 5})).starts_with("lease_min_secs")
        );
        assert!(err(json!({"endpoint": "h:1", "os_choices": vec!["a"; 9]})).starts_with("os_choices"));
        assert!(err(json!({"endpoint": "h:1", "os_choices": ["x".repeat(33)]})).starts_with("os_choices[0]"));
        assert!(err(json!({"endpoint": "h:1", "core_choices": []})).starts_with("core_choices"));
        assert!(err(json!({"endpoint": "h:1", "min_disk_mb": -1})).starts_with("min_disk_mb"));
        assert!(err(json!({"endpoint": "h:1", "min_disk_mb": 5_000_000_000u64})).starts_with("min_disk_mb"));
        assert!(err(json!({"endpoint": "h:1", "rate_core_ghz_hour": "x"})).starts_with("rate_core_ghz_hour"));
        assert!(err(json!({"endpoint": "h:1", "accept_pow": "zz"})).starts_with("accept_pow"));
        assert!(err(json!({"endpoint": "h:1", "info": "i".repeat(129)})).starts_with("info"));
        assert!(err(json!({"endpoint": "h:1", "colour": 1})).starts_with("Unknown task field"));
        assert!(err(json!({"endpoint": "h:1", "accept_within_blocks": 0})).starts_with("accept_within_blocks"));
        assert!(err(json!({"endpoint": "h:1", "payout_interval_secs": 0})).starts_with("payout_interval_secs"));
    }

    #[test]
    fn pow_as_bits_or_core_seconds() {
        assert_eq!(parse_pow(&json!("1f00ffff"), "p").unwrap(), 0x1f00ffff);
        let one = parse_pow(&json!(1), "p").unwrap();
        let ten = parse_pow(&json!(10), "p").unwrap();
        let t1 = consensus::target::from_compact(one).unwrap();
        let t10 = consensus::target::from_compact(ten).unwrap();
        assert!(t10 < t1, "more seconds, lower target");
        assert!(parse_pow(&json!(0), "p").is_err());
    }
}
