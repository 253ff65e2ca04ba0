//! One announcement of the active chain as the market index keeps it, and
//! its stored form (key: txid). The decoded body is dropped when the body
//! is pruned; what the chain still knows (kind, expiry, body length and
//! hash, nonce, where it was mined) stays, and so does the task id, learnt
//! while the body was there.

use bitcoin::hashes::{sha256, Hash};
use primitives::encode::{write_var_bytes, Reader};
use primitives::market::{task_id, MarketBody, SignedBody};
use primitives::{AnnouncementBody, AnnouncementKind, BlockHash, Transaction, Txid};

use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnnouncementRecord {
    pub txid: Txid,
    pub kind: u8,
    pub expiry: u32,
    pub height: u32,
    /// Position of the transaction in its block (orders tasks of one block).
    pub position: u32,
    pub block: BlockHash,
    pub body_len: u16,
    pub body_hash: sha256::Hash,
    pub nonce: u64,
    /// The task this is (kind 1) or refers to (kinds 2 and 3), when known.
    pub task_id: Option<[u8; 32]>,
    /// The decoded body; `None` once pruned.
    pub body: Option<SignedBody>,
}

impl AnnouncementRecord {
    /// The record of an announcement mined at `height`, position `position` of block `block`.
    pub fn from_tx(tx: &Transaction, block: BlockHash, height: u32, position: u32) -> Option<AnnouncementRecord> {
        let ann = tx.announcement.as_ref()?;
        let body = match (&ann.body, ann.known_kind()) {
            (AnnouncementBody::Full(bytes), Some(kind)) => SignedBody::decode(kind, bytes).ok(),
            _ => None,
        };
        let task = body.as_ref().map(|b| match &b.body {
            MarketBody::Task(t) => task_id(t),
            MarketBody::Acceptance(a) => a.task_id,
            MarketBody::Cancel(c) => c.task_id,
        });
        Some(AnnouncementRecord {
            txid: tx.txid(),
            kind: ann.kind,
            expiry: ann.expiry,
            height,
            position,
            block,
            body_len: ann.body.len(),
            body_hash: ann.body.hash(),
            nonce: ann.nonce,
            task_id: task,
            body,
        })
    }

    pub fn known_kind(&self) -> Option<AnnouncementKind> {
        AnnouncementKind::from_u8(self.kind)
    }

    /// The height from which the body may be dropped (inclusion + expiry + 100).
    pub fn prune_height(&self) -> u32 {
        self.height.saturating_add(self.expiry).saturating_add(crate::chainstate::ANNOUNCEMENT_KEEP_BLOCKS)
    }

    /// Past its expiry at `height`.
    pub fn expired_at(&self, height: u32) -> bool {
        u64::from(self.height) + u64::from(self.expiry) < u64::from(height)
    }

    pub fn is_pruned(&self) -> bool {
        self.body.is_none()
    }

    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(128 + usize::from(self.body_len));
        out.extend_from_slice(&self.height.to_le_bytes());
        out.extend_from_slice(&self.position.to_le_bytes());
        out.extend_from_slice(self.block.as_byte_array());
        out.push(self.kind);
        out.extend_from_slice(&self.expiry.to_le_bytes());
        out.extend_from_slice(&self.body_len.to_le_bytes());
        out.extend_from_slice(self.body_hash.as_byte_array());
        out.extend_from_slice(&self.nonce.to_le_bytes());
        match &self.task_id {
            Some(id) => {
                out.push(1);
                out.extend_from_slice(id);
            }
            None => out.push(0),
        }
        match &self.body {
            Some(body) => {
                out.push(1);
                write_var_bytes(&mut out, &body.encode());
            }
            None => out.push(0),
        }
        out
    }

    pub fn decode(txid: Txid, bytes: &[u8]) -> Result<AnnouncementRecord, StoreError> {
        let corrupt = |e: primitives::encode::DecodeError| StoreError::Corrupt(format!("market record {txid}: {e}"));
        let mut r = Reader::new(bytes);
        let height = r.u32("height").map_err(corrupt)?;
        let position = r.u32("position").map_err(corrupt)?;
        let block = BlockHash::from_byte_array(r.array("block").map_err(corrupt)?);
        let kind = r.u8("kind").map_err(corrupt)?;
        let expiry = r.u32("expiry").map_err(corrupt)?;
        let body_len = r.u16("body_len").map_err(corrupt)?;
        let body_hash = sha256::Hash::from_byte_array(r.array("body_hash").map_err(corrupt)?);
        let nonce = r.u64("nonce").map_err(corrupt)?;
        let task_id = match r.u8("task flag").map_err(corrupt)? {
            0 => None,
            _ => Some(r.array("task_id").map_err(corrupt)?),
        };
        let body = match r.u8("body flag").map_err(corrupt)? {
            0 => None,
            _ => {
                let raw = r.var_bytes("body").map_err(corrupt)?;
                let kind = AnnouncementKind::from_u8(kind)
                    .ok_or_else(|| StoreError::Corrupt(format!("market record {txid}: kind {kind}")))?;
                Some(SignedBody::decode(kind, raw).map_err(corrupt)?)
            }
        };
        r.finish().map_err(corrupt)?;
        Ok(AnnouncementRecord {
            txid,
            kind,
            expiry,
            height,
            position,
            block,
            body_len,
            body_hash,
            nonce,
            task_id,
            body,
        })
    }
}
