//! The announcement extension of a transaction (DESIGN.md section 4).

use bitcoin::hashes::{sha256, Hash};

/// What an announcement says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AnnouncementKind {
    Task = 1,
    Acceptance = 2,
    Cancel = 3,
}

impl AnnouncementKind {
    pub fn from_u8(kind: u8) -> Option<Self> {
        match kind {
            1 => Some(AnnouncementKind::Task),
            2 => Some(AnnouncementKind::Acceptance),
            3 => Some(AnnouncementKind::Cancel),
            _ => None,
        }
    }
}

/// The body, either held in full or pruned down to its length and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnnouncementBody {
    Full(Vec<u8>),
    Pruned { len: u16, hash: sha256::Hash },
}

impl AnnouncementBody {
    /// Length of the body in bytes; a full body longer than `u16::MAX` cannot be
    /// built by decoding.
    pub fn len(&self) -> u16 {
        match self {
            AnnouncementBody::Full(body) => body.len() as u16,
            AnnouncementBody::Pruned { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// SHA256 of the body, the form in which the txid commits to it.
    pub fn hash(&self) -> sha256::Hash {
        match self {
            AnnouncementBody::Full(body) => sha256::Hash::hash(body),
            AnnouncementBody::Pruned { hash, .. } => *hash,
        }
    }

    pub fn is_pruned(&self) -> bool {
        matches!(self, AnnouncementBody::Pruned { .. })
    }
}

/// An announcement: a task, an acceptance or a cancellation carried by a
/// transaction with no outputs. `kind` is kept raw so that an unknown kind
/// decodes and the context-free check can name it ("ann-kind").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Announcement {
    pub kind: u8,
    pub expiry: u32,
    pub body: AnnouncementBody,
    pub nonce: u64,
}

impl Announcement {
    pub fn known_kind(&self) -> Option<AnnouncementKind> {
        AnnouncementKind::from_u8(self.kind)
    }

    /// `kind ‖ expiry ‖ body_len ‖ SHA256(body)`: what the txid and the
    /// announcement signature hash commit to.
    pub fn commitment_preimage(&self) -> [u8; 39] {
        let mut out = [0u8; 39];
        out[0] = self.kind;
        out[1..5].copy_from_slice(&self.expiry.to_le_bytes());
        out[5..7].copy_from_slice(&self.body.len().to_le_bytes());
        out[7..39].copy_from_slice(self.body.hash().as_byte_array());
        out
    }

    /// The same announcement with its body pruned.
    pub fn pruned(&self) -> Announcement {
        Announcement {
            kind: self.kind,
            expiry: self.expiry,
            body: AnnouncementBody::Pruned { len: self.body.len(), hash: self.body.hash() },
            nonce: self.nonce,
        }
    }
}
