//! The market's wire forms (DESIGN.md section 4): identities and the three
//! announcement bodies. Integers are little-endian and fixed width, strings
//! and lists carry CompactSize prefixes, and nothing may trail.

use bitcoin::bech32::{self, Bech32m, Hrp};

use crate::encode::{write_compact_size, write_var_bytes, DecodeError, Reader};
use crate::network::Network;
use crate::AnnouncementKind;

pub const IDENTITY_SIZE: usize = 41;
pub const SIGNATURE_SIZE: usize = 64;

/// Who acts in the market.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Publisher = 1,
    Node = 2,
}

/// `role ‖ x-only public key ‖ nonce`, mined so that its Argon2id hash is
/// below the role's target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Identity {
    pub role: u8,
    pub pubkey: [u8; 32],
    pub nonce: u64,
}

impl Identity {
    pub fn known_role(&self) -> Option<Role> {
        match self.role {
            1 => Some(Role::Publisher),
            2 => Some(Role::Node),
            _ => None,
        }
    }

    pub fn to_bytes(&self) -> [u8; IDENTITY_SIZE] {
        let mut out = [0u8; IDENTITY_SIZE];
        out[0] = self.role;
        out[1..33].copy_from_slice(&self.pubkey);
        out[33..].copy_from_slice(&self.nonce.to_le_bytes());
        out
    }

    fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Ok(Identity { role: r.u8("identity role")?, pubkey: r.array("identity key")?, nonce: r.u64("identity nonce")? })
    }

    /// bech32m of the 41 bytes with the network's identity HRP.
    pub fn to_bech32m(&self, network: Network) -> String {
        let hrp = Hrp::parse(network.identity_hrp()).expect("valid identity HRP");
        bech32::encode::<Bech32m>(hrp, &self.to_bytes()).expect("41 bytes always encode")
    }

    pub fn from_bech32m(text: &str, network: Network) -> Result<Identity, String> {
        let (hrp, data) = bech32::decode(text).map_err(|e| e.to_string())?;
        if hrp.as_str() != network.identity_hrp() {
            return Err(format!("identity is not for {network} (prefix {})", network.identity_hrp()));
        }
        let mut r = Reader::new(&data);
        let identity = Identity::decode(&mut r).map_err(|e| e.to_string())?;
        r.finish().map_err(|e| e.to_string())?;
        Ok(identity)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CoreChoice {
    pub count: u16,
    pub min_mhz: u32,
}

/// Kind 1: a publisher hiring machines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Task {
    pub publisher: Identity,
    pub os_choices: Vec<String>,
    pub min_bandwidth_kbps: u32,
    pub min_disk_mb: u32,
    pub min_disk_iops: u32,
    pub persistent_mb: u32,
    pub core_choices: Vec<CoreChoice>,
    pub memory_mb_per_core: u32,
    pub min_memory_mhz: u32,
    pub min_vms: u32,
    pub endpoint: String,
    pub lease_min_secs: u32,
    pub lease_max_secs: u32,
    /// Negative: the publisher pre-pays.
    pub payout_interval_secs: i32,
    pub rate_core_ghz_hour: u64,
    pub rate_memory_mb_hour: u64,
    pub rate_disk_gb_hour: u64,
    pub rate_transfer_gb: u64,
    /// Compact target acceptances of this task must meet.
    pub accept_pow_bits: u32,
    pub accept_within_blocks: u32,
    pub info: String,
}

/// Kind 2: a node taking a task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Acceptance {
    pub task_id: [u8; 32],
    pub node: Identity,
    /// Compressed secp256k1 key the payment channel pays.
    pub payee_pubkey: [u8; 33],
    pub cores: u16,
    pub mhz: u32,
    pub memory_mb: u32,
    pub disk_mb: u32,
    pub bandwidth_kbps: u32,
}

/// Kind 3: a publisher withdrawing a task, or its storage for one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cancel {
    pub task_id: [u8; 32],
    pub publisher: Identity,
    /// `None`: the whole task (scope 0); `Some(key)`: one node (scope 1).
    pub node_pubkey: Option<[u8; 32]>,
}

/// A decoded body and its signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MarketBody {
    Task(Task),
    Acceptance(Acceptance),
    Cancel(Cancel),
}

/// A body split into what is signed and the signature over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedBody {
    pub body: MarketBody,
    pub signature: [u8; SIGNATURE_SIZE],
}

pub const MAX_OS_CHOICES: usize = 8;
pub const MAX_OS_NAME: usize = 32;
pub const MAX_CORE_CHOICES: usize = 8;
pub const MAX_ENDPOINT: usize = 64;
pub const MAX_INFO: usize = 128;

fn decode_string(r: &mut Reader<'_>, what: &'static str, max: usize) -> Result<String, DecodeError> {
    let bytes = r.var_bytes(what)?;
    if bytes.len() > max {
        return Err(DecodeError::Field { what, reason: "too long" });
    }
    String::from_utf8(bytes.to_vec()).map_err(|_| DecodeError::Field { what, reason: "not UTF-8" })
}

fn list_count(r: &mut Reader<'_>, what: &'static str, min: usize, max: usize) -> Result<usize, DecodeError> {
    let count = r.count(what, 1)?;
    if count < min || count > max {
        return Err(DecodeError::Field { what, reason: "count out of range" });
    }
    Ok(count)
}

impl MarketBody {
    pub fn kind(&self) -> AnnouncementKind {
        match self {
            MarketBody::Task(_) => AnnouncementKind::Task,
            MarketBody::Acceptance(_) => AnnouncementKind::Acceptance,
            MarketBody::Cancel(_) => AnnouncementKind::Cancel,
        }
    }

    /// The identity that signs this body.
    pub fn signer(&self) -> &Identity {
        match self {
            MarketBody::Task(t) => &t.publisher,
            MarketBody::Acceptance(a) => &a.node,
            MarketBody::Cancel(c) => &c.publisher,
        }
    }

    /// The BIP340 tag the signature uses.
    pub fn signature_tag(&self) -> &'static str {
        match self {
            MarketBody::Task(_) => "Zennet/task",
            MarketBody::Acceptance(_) => "Zennet/accept",
            MarketBody::Cancel(_) => "Zennet/cancel",
        }
    }

    /// The body without its signature (what is signed, and what a task id hashes).
    pub fn encode_unsigned(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(256);
        match self {
            MarketBody::Task(t) => {
                out.extend_from_slice(&t.publisher.to_bytes());
                write_compact_size(&mut out, t.os_choices.len() as u64);
                for os in &t.os_choices {
                    write_var_bytes(&mut out, os.as_bytes());
                }
                for v in [t.min_bandwidth_kbps, t.min_disk_mb, t.min_disk_iops, t.persistent_mb] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
                write_compact_size(&mut out, t.core_choices.len() as u64);
                for c in &t.core_choices {
                    out.extend_from_slice(&c.count.to_le_bytes());
                    out.extend_from_slice(&c.min_mhz.to_le_bytes());
                }
                for v in [t.memory_mb_per_core, t.min_memory_mhz, t.min_vms] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
                write_var_bytes(&mut out, t.endpoint.as_bytes());
                out.extend_from_slice(&t.lease_min_secs.to_le_bytes());
                out.extend_from_slice(&t.lease_max_secs.to_le_bytes());
                out.extend_from_slice(&t.payout_interval_secs.to_le_bytes());
                for v in [t.rate_core_ghz_hour, t.rate_memory_mb_hour, t.rate_disk_gb_hour, t.rate_transfer_gb] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
                out.extend_from_slice(&t.accept_pow_bits.to_le_bytes());
                out.extend_from_slice(&t.accept_within_blocks.to_le_bytes());
                write_var_bytes(&mut out, t.info.as_bytes());
            }
            MarketBody::Acceptance(a) => {
                out.extend_from_slice(&a.task_id);
                out.extend_from_slice(&a.node.to_bytes());
                out.extend_from_slice(&a.payee_pubkey);
                out.extend_from_slice(&a.cores.to_le_bytes());
                for v in [a.mhz, a.memory_mb, a.disk_mb, a.bandwidth_kbps] {
                    out.extend_from_slice(&v.to_le_bytes());
                }
            }
            MarketBody::Cancel(c) => {
                out.extend_from_slice(&c.task_id);
                out.extend_from_slice(&c.publisher.to_bytes());
                match &c.node_pubkey {
                    None => out.push(0),
                    Some(key) => {
                        out.push(1);
                        out.extend_from_slice(key);
                    }
                }
            }
        }
        out
    }

    fn decode_unsigned(kind: AnnouncementKind, r: &mut Reader<'_>) -> Result<MarketBody, DecodeError> {
        Ok(match kind {
            AnnouncementKind::Task => {
                let publisher = Identity::decode(r)?;
                let n = list_count(r, "os_choices", 0, MAX_OS_CHOICES)?;
                let os_choices =
                    (0..n).map(|_| decode_string(r, "os choice", MAX_OS_NAME)).collect::<Result<_, _>>()?;
                let (min_bandwidth_kbps, min_disk_mb) = (r.u32("min_bandwidth_kbps")?, r.u32("min_disk_mb")?);
                let (min_disk_iops, persistent_mb) = (r.u32("min_disk_iops")?, r.u32("persistent_mb")?);
                let n = list_count(r, "core_choices", 1, MAX_CORE_CHOICES)?;
                let core_choices = (0..n)
                    .map(|_| Ok(CoreChoice { count: r.u16("core count")?, min_mhz: r.u32("core min_mhz")? }))
                    .collect::<Result<_, DecodeError>>()?;
                Task {
                    publisher,
                    os_choices,
                    min_bandwidth_kbps,
                    min_disk_mb,
                    min_disk_iops,
                    persistent_mb,
                    core_choices,
                    memory_mb_per_core: r.u32("memory_mb_per_core")?,
                    min_memory_mhz: r.u32("min_memory_mhz")?,
                    min_vms: r.u32("min_vms")?,
                    endpoint: decode_string(r, "endpoint", MAX_ENDPOINT)?,
                    lease_min_secs: r.u32("lease_min_secs")?,
                    lease_max_secs: r.u32("lease_max_secs")?,
                    payout_interval_secs: r.i32("payout_interval_secs")?,
                    rate_core_ghz_hour: r.u64("rate_core_ghz_hour")?,
                    rate_memory_mb_hour: r.u64("rate_memory_mb_hour")?,
                    rate_disk_gb_hour: r.u64("rate_disk_gb_hour")?,
                    rate_transfer_gb: r.u64("rate_transfer_gb")?,
                    accept_pow_bits: r.u32("accept_pow_bits")?,
                    accept_within_blocks: r.u32("accept_within_blocks")?,
                    info: decode_string(r, "info", MAX_INFO)?,
                }
                .into()
            }
            AnnouncementKind::Acceptance => MarketBody::Acceptance(Acceptance {
                task_id: r.array("task_id")?,
                node: Identity::decode(r)?,
                payee_pubkey: r.array("payee_pubkey")?,
                cores: r.u16("cores")?,
                mhz: r.u32("mhz")?,
                memory_mb: r.u32("memory_mb")?,
                disk_mb: r.u32("disk_mb")?,
                bandwidth_kbps: r.u32("bandwidth_kbps")?,
            }),
            AnnouncementKind::Cancel => {
                let task_id = r.array("task_id")?;
                let publisher = Identity::decode(r)?;
                let node_pubkey = match r.u8("scope")? {
                    0 => None,
                    1 => Some(r.array("node_pubkey")?),
                    _ => return Err(DecodeError::Field { what: "scope", reason: "must be 0 or 1" }),
                };
                MarketBody::Cancel(Cancel { task_id, publisher, node_pubkey })
            }
        })
    }
}

impl From<Task> for MarketBody {
    fn from(t: Task) -> Self {
        MarketBody::Task(t)
    }
}

impl SignedBody {
    /// Decodes a body of `kind` strictly: every field in range, the 64-byte
    /// signature last, nothing after it.
    pub fn decode(kind: AnnouncementKind, bytes: &[u8]) -> Result<SignedBody, DecodeError> {
        let unsigned_len =
            bytes.len().checked_sub(SIGNATURE_SIZE).ok_or(DecodeError::UnexpectedEnd { what: "signature" })?;
        let mut r = Reader::new(&bytes[..unsigned_len]);
        let body = MarketBody::decode_unsigned(kind, &mut r)?;
        r.finish()?;
        let signature = bytes[unsigned_len..].try_into().expect("64 bytes");
        Ok(SignedBody { body, signature })
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = self.body.encode_unsigned();
        out.extend_from_slice(&self.signature);
        out
    }
}

/// What a machine offers: the resources an acceptance commits to, and what
/// a machine owner filters tasks by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MachineOffer {
    pub cores: u16,
    pub mhz: u32,
    pub memory_mb: u32,
    pub disk_mb: u32,
    pub bandwidth_kbps: u32,
}

impl Task {
    /// Whether a machine offering `offer` meets this task's minimums; the
    /// error names the first one it falls short of.
    pub fn admits(&self, offer: &MachineOffer) -> Result<(), String> {
        let choice = self
            .core_choices
            .iter()
            .filter(|c| u32::from(c.count) <= u32::from(offer.cores) && c.min_mhz <= offer.mhz)
            .min_by_key(|c| c.count)
            .ok_or_else(|| {
                let asked: Vec<String> =
                    self.core_choices.iter().map(|c| format!("{} cores at {} MHz", c.count, c.min_mhz)).collect();
                format!("the task asks for one of: {}", asked.join(", "))
            })?;
        let memory = u64::from(self.memory_mb_per_core) * u64::from(choice.count);
        if u64::from(offer.memory_mb) < memory {
            return Err(format!("the task asks for {memory} MB of memory ({} MB per core)", self.memory_mb_per_core));
        }
        if offer.disk_mb < self.min_disk_mb {
            return Err(format!("the task asks for {} MB of disk", self.min_disk_mb));
        }
        if offer.bandwidth_kbps < self.min_bandwidth_kbps {
            return Err(format!("the task asks for {} kbps of bandwidth", self.min_bandwidth_kbps));
        }
        Ok(())
    }
}

impl Acceptance {
    pub fn offer(&self) -> MachineOffer {
        MachineOffer {
            cores: self.cores,
            mhz: self.mhz,
            memory_mb: self.memory_mb,
            disk_mb: self.disk_mb,
            bandwidth_kbps: self.bandwidth_kbps,
        }
    }
}

/// Task id: SHA256 of the task body without its signature.
pub fn task_id(task: &Task) -> [u8; 32] {
    use bitcoin::hashes::{sha256, Hash};
    sha256::Hash::hash(&MarketBody::Task(task.clone()).encode_unsigned()).to_byte_array()
}

#[cfg(test)]
mod tests;
