//! Bans (`setban`, persisted to `banlist.json` as Core's) and
//! discouragement (misbehaving peers' addresses, in memory only).

use std::collections::{BTreeMap, HashSet};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use serde_json::{json, Value};

use super::addrman::canonical;

/// Core's rolling filter holds 50,000 discouraged addresses.
const MAX_DISCOURAGED: usize = 50_000;

/// An IP network: an address with a prefix length.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Subnet {
    pub network: IpAddr,
    pub prefix: u8,
}

impl Subnet {
    pub fn contains(&self, ip: &IpAddr) -> bool {
        match (self.network, canonical(ip)) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => mask(u32::from(ip) as u128, self.prefix, 32) == u32::from(net) as u128,
            (IpAddr::V6(net), IpAddr::V6(ip)) => mask(u128::from(ip), self.prefix, 128) == u128::from(net),
            _ => false,
        }
    }
}

fn mask(value: u128, prefix: u8, bits: u8) -> u128 {
    if prefix == 0 {
        return 0;
    }
    let shift = bits - prefix;
    (value >> shift) << shift
}

impl FromStr for Subnet {
    type Err = ();

    /// `1.2.3.4`, `1.2.3.0/24`, `1.2.3.0/255.255.255.0`, `2001:db8::/32`.
    fn from_str(s: &str) -> Result<Self, ()> {
        let (ip_part, mask_part) = match s.split_once('/') {
            Some((ip, m)) => (ip, Some(m)),
            None => (s, None),
        };
        let ip = canonical(&IpAddr::from_str(ip_part).map_err(|_| ())?);
        let bits = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = match mask_part {
            None => bits,
            Some(m) => match m.parse::<u8>() {
                Ok(p) if p <= bits => p,
                Ok(_) => return Err(()),
                Err(_) => match (IpAddr::from_str(m).map_err(|_| ())?, ip) {
                    (IpAddr::V4(m), IpAddr::V4(_)) => {
                        let m = u32::from(m);
                        if m.leading_ones() + m.trailing_zeros() != 32 {
                            return Err(());
                        }
                        m.leading_ones() as u8
                    }
                    _ => return Err(()),
                },
            },
        };
        let network = match ip {
            IpAddr::V4(v4) => IpAddr::V4((mask(u32::from(v4) as u128, prefix, 32) as u32).into()),
            IpAddr::V6(v6) => IpAddr::V6(mask(u128::from(v6), prefix, 128).into()),
        };
        Ok(Subnet { network, prefix })
    }
}

impl std::fmt::Display for Subnet {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[derive(Debug, Clone, Copy)]
pub struct Ban {
    pub created: i64,
    pub until: i64,
}

pub struct BanMan {
    path: PathBuf,
    bans: BTreeMap<Subnet, Ban>,
    discouraged: HashSet<IpAddr>,
}

impl BanMan {
    /// Loads `banlist.json` from the datadir (a missing or unreadable file is an empty list).
    pub fn load(datadir: &Path) -> BanMan {
        let path = datadir.join("banlist.json");
        let mut bans = BTreeMap::new();
        if let Ok(text) = std::fs::read_to_string(&path) {
            match serde_json::from_str::<Value>(&text) {
                Ok(value) => {
                    for entry in value["banned_nets"].as_array().into_iter().flatten() {
                        let subnet = entry["address"].as_str().and_then(|a| a.parse::<Subnet>().ok());
                        let (created, until) = (entry["ban_created"].as_i64(), entry["banned_until"].as_i64());
                        if let (Some(subnet), Some(created), Some(until)) = (subnet, created, until) {
                            bans.insert(subnet, Ban { created, until });
                        }
                    }
                }
                Err(e) => tracing::warn!("Ignoring {}: {e}", path.display()),
            }
        }
        BanMan { path, bans, discouraged: HashSet::new() }
    }

    fn save(&self) {
        let nets: Vec<Value> = self
            .bans
            .iter()
            .map(|(s, b)| json!({"version": 1, "ban_created": b.created, "banned_until": b.until, "address": s.to_string()}))
            .collect();
        let tmp = self.path.with_extension("json.new");
        let text = serde_json::to_string_pretty(&json!({ "banned_nets": nets })).unwrap_or_default();
        let result = std::fs::write(&tmp, text)
            .and_then(|()| std::fs::File::open(&tmp)?.sync_all())
            .and_then(|()| std::fs::rename(&tmp, &self.path));
        if let Err(e) = result {
            tracing::warn!("Could not write {}: {e}", self.path.display());
        }
    }

    /// Adds a ban; false when that subnet is already banned.
    pub fn ban(&mut self, subnet: Subnet, until: i64, now: i64) -> bool {
        self.sweep(now);
        if self.bans.contains_key(&subnet) {
            return false;
        }
        self.bans.insert(subnet, Ban { created: now, until });
        self.save();
        true
    }

    pub fn unban(&mut self, subnet: &Subnet) -> bool {
        let removed = self.bans.remove(subnet).is_some();
        if removed {
            self.save();
        }
        removed
    }

    pub fn clear(&mut self) {
        self.bans.clear();
        self.discouraged.clear();
        self.save();
    }

    fn sweep(&mut self, now: i64) {
        let before = self.bans.len();
        self.bans.retain(|_, b| b.until > now);
        if self.bans.len() != before {
            self.save();
        }
    }

    pub fn list(&mut self, now: i64) -> Vec<(Subnet, Ban)> {
        self.sweep(now);
        self.bans.iter().map(|(s, b)| (*s, *b)).collect()
    }

    pub fn is_banned(&self, ip: &IpAddr, now: i64) -> bool {
        self.bans.iter().any(|(s, b)| b.until > now && s.contains(ip))
    }

    pub fn discourage(&mut self, ip: IpAddr) {
        if self.discouraged.len() >= MAX_DISCOURAGED {
            self.discouraged.clear();
        }
        self.discouraged.insert(canonical(&ip));
    }

    pub fn is_discouraged(&self, ip: &IpAddr) -> bool {
        self.discouraged.contains(&canonical(ip))
    }
}

/// Core's IsLocal: loopback and 0.0.0.0/8 peers are never discouraged.
pub fn is_local(ip: &IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.is_loopback() || v4.octets()[0] == 0,
        IpAddr::V6(v6) => v6.is_loopback(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subnets_parse_and_match() {
        let net: Subnet = "10.1.2.3/255.255.0.0".parse().unwrap();
        assert_eq!(net.to_string(), "10.1.0.0/16");
        assert!(net.contains(&"10.1.200.7".parse().unwrap()));
        assert!(!net.contains(&"10.2.0.1".parse().unwrap()));
        assert!(net.contains(&"::ffff:10.1.0.9".parse().unwrap()));
        assert_eq!("1.2.3.4".parse::<Subnet>().unwrap().to_string(), "1.2.3.4/32");
        assert_eq!("2001:db8::1/32".parse::<Subnet>().unwrap().to_string(), "2001:db8::/32");
        assert!("1.2.3.4/33".parse::<Subnet>().is_err());
        assert!("1.2.3.4/255.0.255.0".parse::<Subnet>().is_err());
        assert!("nonsense".parse::<Subnet>().is_err());
    }

    #[test]
    fn bans_persist_and_discouragement_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let now = 1_700_000_000;
        let mut bans = BanMan::load(dir.path());
        assert!(bans.ban("1.2.3.0/24".parse().unwrap(), now + 100, now));
        assert!(!bans.ban("1.2.3.0/24".parse().unwrap(), now + 100, now));
        bans.discourage("5.5.5.5".parse().unwrap());
        let mut again = BanMan::load(dir.path());
        assert!(again.is_banned(&"1.2.3.9".parse().unwrap(), now));
        assert!(!again.is_banned(&"1.2.3.9".parse().unwrap(), now + 100));
        assert!(!again.is_discouraged(&"5.5.5.5".parse().unwrap()));
        assert!(again.unban(&"1.2.3.0/24".parse().unwrap()));
        assert!(again.list(now).is_empty());
        assert!(is_local(&"127.0.0.1".parse().unwrap()) && !is_local(&"1.1.1.1".parse().unwrap()));
    }
}
