//! The address book (Core's addrman): addresses heard of go to "new"
//! buckets, addresses we connected to go to "tried" buckets. Bucket and slot
//! are keyed hashes of the address's network group and its source's group
//! under a secret, so a peer cannot choose where its addresses land nor
//! push out the ones we have. Persisted to `peers.dat`.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::path::Path;

use bitcoin::hashes::{sha256, Hash, HashEngine};
use rand::Rng;

const NEW_BUCKETS: u64 = 1024;
const TRIED_BUCKETS: u64 = 256;
const BUCKET_SIZE: u64 = 64;
const TRIED_BUCKETS_PER_GROUP: u64 = 8;
const NEW_BUCKETS_PER_SOURCE_GROUP: u64 = 64;
/// Addresses not heard of for this long are "terrible" (Core: 30 days).
const HORIZON_SECS: i64 = 30 * 24 * 3600;
const FILE_MAGIC: &[u8; 4] = b"ZNPD";
const FILE_VERSION: u8 = 1;

#[derive(Debug, Clone)]
pub struct AddrInfo {
    pub services: u64,
    /// When the address was last heard of.
    pub time: i64,
    pub source: IpAddr,
    pub attempts: u32,
    pub last_try: i64,
    pub last_success: i64,
    pub tried: bool,
}

impl AddrInfo {
    /// Core's IsTerrible: too old, or failed too often.
    fn is_terrible(&self, now: i64) -> bool {
        if self.last_try >= now - 60 {
            return false;
        }
        self.time > now + 600
            || now - self.time > HORIZON_SECS
            || (self.last_success == 0 && self.attempts >= 3)
            || (now - self.last_success > 7 * 24 * 3600 && self.attempts >= 10)
    }

    /// Core's GetChance: recently tried and often failed addresses are picked less.
    fn chance(&self, now: i64) -> f64 {
        let mut chance = 1.0;
        if now - self.last_try < 600 {
            chance *= 0.01;
        }
        chance * 0.66f64.powi(self.attempts.min(8) as i32)
    }
}

pub struct AddrMan {
    secret: [u8; 32],
    entries: HashMap<SocketAddr, AddrInfo>,
    /// (bucket, slot) → address, for the new and the tried tables.
    new_slots: HashMap<(u64, u64), SocketAddr>,
    tried_slots: HashMap<(u64, u64), SocketAddr>,
}

/// Core's network group: /16 for IPv4, /32 for IPv6, one group for local addresses.
pub fn group(ip: &IpAddr) -> Vec<u8> {
    match canonical(ip) {
        IpAddr::V4(v4) if v4.is_loopback() || v4.is_unspecified() => vec![255],
        IpAddr::V4(v4) => vec![1, v4.octets()[0], v4.octets()[1]],
        IpAddr::V6(v6) if v6.is_loopback() => vec![255],
        IpAddr::V6(v6) => {
            let o = v6.octets();
            vec![2, o[0], o[1], o[2], o[3]]
        }
    }
}

/// IPv4-mapped IPv6 addresses count as IPv4.
pub fn canonical(ip: &IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(*ip, IpAddr::V4),
        v4 => *v4,
    }
}

impl AddrMan {
    pub fn new() -> AddrMan {
        AddrMan {
            secret: rand::thread_rng().gen(),
            entries: HashMap::new(),
            new_slots: HashMap::new(),
            tried_slots: HashMap::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    fn hash(&self, parts: &[&[u8]]) -> u64 {
        let mut engine = sha256::Hash::engine();
        engine.input(&self.secret);
        for part in parts {
            engine.input(&(part.len() as u32).to_le_bytes());
            engine.input(part);
        }
        let digest = sha256::Hash::from_engine(engine).to_byte_array();
        u64::from_le_bytes([digest[0], digest[1], digest[2], digest[3], digest[4], digest[5], digest[6], digest[7]])
    }

    fn key(addr: &SocketAddr) -> Vec<u8> {
        let mut key = match canonical(&addr.ip()) {
            IpAddr::V4(v4) => v4.to_ipv6_mapped().octets().to_vec(),
            IpAddr::V6(v6) => v6.octets().to_vec(),
        };
        key.extend_from_slice(&addr.port().to_be_bytes());
        key
    }

    fn new_position(&self, addr: &SocketAddr, source: &IpAddr) -> (u64, u64) {
        let (group, source_group) = (group(&addr.ip()), group(source));
        let h1 = self.hash(&[&group, &source_group]) % NEW_BUCKETS_PER_SOURCE_GROUP;
        let bucket = self.hash(&[&source_group, &h1.to_le_bytes()]) % NEW_BUCKETS;
        (bucket, self.hash(&[b"N", &bucket.to_le_bytes(), &Self::key(addr)]) % BUCKET_SIZE)
    }

    fn tried_position(&self, addr: &SocketAddr) -> (u64, u64) {
        let h1 = self.hash(&[&Self::key(addr)]) % TRIED_BUCKETS_PER_GROUP;
        let bucket = self.hash(&[&group(&addr.ip()), &h1.to_le_bytes()]) % TRIED_BUCKETS;
        (bucket, self.hash(&[b"K", &bucket.to_le_bytes(), &Self::key(addr)]) % BUCKET_SIZE)
    }

    /// Records an address heard of from `source`. Returns whether it is new.
    pub fn add(&mut self, addr: SocketAddr, services: u64, time: i64, source: IpAddr, now: i64) -> bool {
        if addr.port() == 0 || addr.ip().is_unspecified() || addr.ip().is_multicast() {
            return false;
        }
        if let Some(known) = self.entries.get_mut(&addr) {
            known.time = known.time.max(time.min(now));
            known.services |= services;
            return false;
        }
        let position = self.new_position(&addr, &source);
        if let Some(occupant) = self.new_slots.get(&position).copied() {
            // Only a terrible occupant gives way.
            if !self.entries.get(&occupant).is_some_and(|o| o.is_terrible(now)) {
                return false;
            }
            self.entries.remove(&occupant);
        }
        self.new_slots.insert(position, addr);
        let info =
            AddrInfo { services, time: time.min(now), source, attempts: 0, last_try: 0, last_success: 0, tried: false };
        self.entries.insert(addr, info);
        true
    }

    /// Every address with what is known of it.
    pub fn entries(&self) -> impl Iterator<Item = (&SocketAddr, &AddrInfo)> {
        self.entries.iter()
    }

    pub fn attempt(&mut self, addr: &SocketAddr, now: i64) {
        if let Some(info) = self.entries.get_mut(addr) {
            info.attempts += 1;
            info.last_try = now;
        }
    }

    /// A successful outbound connection: the address moves to the tried table;
    /// whoever held its slot goes back to the new table.
    pub fn good(&mut self, addr: &SocketAddr, now: i64) {
        let Some(info) = self.entries.get_mut(addr) else { return };
        info.last_success = now;
        info.last_try = now;
        info.time = now;
        info.attempts = 0;
        if info.tried {
            return;
        }
        let source = info.source;
        self.new_slots.retain(|_, a| a != addr);
        let position = self.tried_position(addr);
        if let Some(evicted) = self.tried_slots.insert(position, *addr) {
            let new_position = self.new_position(&evicted, &source);
            match self.new_slots.get(&new_position) {
                None => {
                    self.new_slots.insert(new_position, evicted);
                    if let Some(e) = self.entries.get_mut(&evicted) {
                        e.tried = false;
                    }
                }
                Some(_) => {
                    self.entries.remove(&evicted);
                }
            }
        }
        if let Some(info) = self.entries.get_mut(addr) {
            info.tried = true;
        }
    }

    /// A random address to connect to, tried and new with equal odds,
    /// weighted by Core's chance; `None` when the book is empty.
    pub fn select(&self, now: i64, exclude: &dyn Fn(&SocketAddr) -> bool) -> Option<SocketAddr> {
        let mut rng = rand::thread_rng();
        let candidates: Vec<(&SocketAddr, &AddrInfo)> = self.entries.iter().filter(|(a, _)| !exclude(a)).collect();
        if candidates.is_empty() {
            return None;
        }
        let tried: Vec<_> = candidates.iter().filter(|(_, i)| i.tried).collect();
        let new: Vec<_> = candidates.iter().filter(|(_, i)| !i.tried).collect();
        let mut factor = 1.0;
        for _ in 0..1_000 {
            let table = if !tried.is_empty() && (new.is_empty() || rng.gen_bool(0.5)) { &tried } else { &new };
            let (addr, info) = table[rng.gen_range(0..table.len())];
            if rng.gen::<f64>() < (factor * info.chance(now)).min(1.0) {
                return Some(**addr);
            }
            factor *= 1.2;
        }
        candidates.first().map(|(a, _)| **a)
    }

    /// Up to `max` addresses for a `getaddr` answer (Core: 23% of the book), terrible ones left out.
    pub fn sample(&self, max: usize, now: i64) -> Vec<(SocketAddr, AddrInfo)> {
        use rand::seq::SliceRandom;
        let mut all: Vec<_> =
            self.entries.iter().filter(|(_, i)| !i.is_terrible(now)).map(|(a, i)| (*a, i.clone())).collect();
        all.shuffle(&mut rand::thread_rng());
        // Small books give a few addresses rather than none.
        let limit = max.min((all.len() * 23 / 100).max(all.len().min(10)));
        all.truncate(limit);
        all
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let mut out = Vec::with_capacity(64 + self.entries.len() * 80);
        out.extend_from_slice(FILE_MAGIC);
        out.push(FILE_VERSION);
        out.extend_from_slice(&self.secret);
        out.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for (addr, info) in &self.entries {
            out.extend_from_slice(&Self::key(addr));
            out.extend_from_slice(&info.services.to_le_bytes());
            out.extend_from_slice(&info.time.to_le_bytes());
            out.extend_from_slice(&ip_bytes(&info.source));
            out.extend_from_slice(&info.attempts.to_le_bytes());
            out.extend_from_slice(&info.last_try.to_le_bytes());
            out.extend_from_slice(&info.last_success.to_le_bytes());
            out.push(u8::from(info.tried));
        }
        let tmp = path.with_extension("dat.new");
        std::fs::write(&tmp, out)?;
        std::fs::rename(tmp, path)
    }

    /// Reads `peers.dat`; entries are placed again under the stored secret.
    pub fn load(path: &Path, now: i64) -> Result<AddrMan, String> {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        let mut r = primitives::encode::Reader::new(&bytes);
        let e = |e: primitives::encode::DecodeError| e.to_string();
        if r.array::<4>("magic").map_err(e)? != *FILE_MAGIC || r.u8("version").map_err(e)? != FILE_VERSION {
            return Err("not a Zennet peers file".into());
        }
        let mut book = AddrMan::new();
        book.secret = r.array::<32>("secret").map_err(e)?;
        let count = r.u32("count").map_err(e)?;
        let mut tried = Vec::new();
        for _ in 0..count {
            let key = r.array::<18>("address").map_err(e)?;
            let services = r.u64("services").map_err(e)?;
            let time = r.u64("time").map_err(e)? as i64;
            let source = ip_from(r.array::<16>("source").map_err(e)?);
            let attempts = r.u32("attempts").map_err(e)?;
            let last_try = r.u64("last try").map_err(e)? as i64;
            let last_success = r.u64("last success").map_err(e)? as i64;
            let was_tried = r.u8("tried").map_err(e)? != 0;
            let mut ip = [0u8; 16];
            ip.copy_from_slice(&key[..16]);
            let addr = SocketAddr::new(ip_from(ip), u16::from_be_bytes([key[16], key[17]]));
            if book.add(addr, services, time, source, now.max(time)) {
                if let Some(info) = book.entries.get_mut(&addr) {
                    (info.attempts, info.last_try, info.last_success) = (attempts, last_try, last_success);
                }
                if was_tried {
                    tried.push((addr, last_success));
                }
            }
        }
        for (addr, last_success) in tried {
            let attempts = book.entries.get(&addr).map_or(0, |i| i.attempts);
            book.good(&addr, last_success);
            if let Some(info) = book.entries.get_mut(&addr) {
                info.attempts = attempts;
            }
        }
        Ok(book)
    }
}

impl Default for AddrMan {
    fn default() -> Self {
        AddrMan::new()
    }
}

fn ip_bytes(ip: &IpAddr) -> [u8; 16] {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_ipv6_mapped().octets(),
        IpAddr::V6(v6) => v6.octets(),
    }
}

fn ip_from(bytes: [u8; 16]) -> IpAddr {
    canonical(&IpAddr::V6(Ipv6Addr::from(bytes)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn one_source_cannot_fill_the_book() {
        let mut book = AddrMan::new();
        let source: IpAddr = "9.9.9.9".parse().unwrap();
        let now = 1_700_000_000;
        // 100,000 addresses from one source group land in at most 64 buckets of 64 slots.
        for i in 0..100_000u32 {
            let ip = std::net::Ipv4Addr::from(0x0a00_0000 + i * 7);
            book.add(SocketAddr::new(IpAddr::V4(ip), 7877), 1, now, source, now);
        }
        assert!(book.len() <= (NEW_BUCKETS_PER_SOURCE_GROUP * BUCKET_SIZE) as usize, "{}", book.len());
        // An address from another source still finds room.
        assert!(book.add(addr("1.2.3.4:7877"), 1, now, "8.8.8.8".parse().unwrap(), now));
    }

    #[test]
    fn good_moves_to_tried_and_the_file_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let now = 1_700_000_000;
        let mut book = AddrMan::new();
        book.add(addr("1.2.3.4:7877"), 9, now, "5.6.7.8".parse().unwrap(), now);
        book.add(addr("[2001:db8::1]:7877"), 1, now, "5.6.7.8".parse().unwrap(), now);
        book.good(&addr("1.2.3.4:7877"), now);
        let path = dir.path().join("peers.dat");
        book.save(&path).unwrap();
        let loaded = AddrMan::load(&path, now).unwrap();
        assert_eq!(loaded.len(), 2);
        assert!(loaded.entries[&addr("1.2.3.4:7877")].tried);
        assert!(!loaded.entries[&addr("[2001:db8::1]:7877")].tried);
        assert_eq!(loaded.tried_position(&addr("1.2.3.4:7877")), book.tried_position(&addr("1.2.3.4:7877")));
        assert!(loaded.select(now, &|_| false).is_some());
        assert!(loaded.select(now, &|_| true).is_none());
    }
}
