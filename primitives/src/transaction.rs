//! Zennet's transaction: Bitcoin's, plus an optional announcement.
//!
//! ```text
//! tx = version:i32 [marker:0x00 flags:u8] vin vout [witness*] [announcement] lock_time:u32
//! ```
//! flags: bit 0 witness, bit 1 announcement (full body), bit 2 announcement
//! (pruned body). A transaction with neither announcement nor witness uses
//! Bitcoin's legacy form, so it is byte-identical to Bitcoin's.

use bitcoin::hashes::{sha256, sha256d, Hash};
use bitcoin::{Amount, OutPoint, ScriptBuf, Sequence, TxIn, TxOut, Txid, Witness, Wtxid};

use crate::announcement::{Announcement, AnnouncementBody};
use crate::encode::{compact_size_len, write_compact_size, write_var_bytes, DecodeError, Reader};
use crate::WITNESS_SCALE_FACTOR;

const FLAG_WITNESS: u8 = 1;
const FLAG_ANNOUNCEMENT: u8 = 2;
const FLAG_ANNOUNCEMENT_PRUNED: u8 = 4;

/// Smallest encodings, used to refuse impossible counts before allocating.
const MIN_TXIN_SIZE: usize = 41;
const MIN_TXOUT_SIZE: usize = 9;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Transaction {
    pub version: i32,
    pub input: Vec<TxIn>,
    pub output: Vec<TxOut>,
    pub announcement: Option<Announcement>,
    pub lock_time: u32,
}

/// Where a decoded transaction's parts lie in the reader's bytes.
pub(crate) struct Layout {
    pub start: usize,
    /// The input count's first byte (after the marker and flags, if any).
    pub io_start: usize,
    /// Just after the last output.
    pub io_end: usize,
    /// Just after the lock_time.
    pub end: usize,
    /// The flags byte; 0 for the legacy form.
    pub flags: u8,
}

impl Layout {
    /// Whether the bytes are Bitcoin's legacy form, whose double SHA256 is
    /// the txid.
    pub fn is_legacy(&self) -> bool {
        self.flags == 0
    }

    /// Whether the only extension is witnesses, so that the txid is the
    /// bytes with marker, flags and witnesses left out.
    pub fn is_witness_only(&self) -> bool {
        self.flags == FLAG_WITNESS
    }
}

/// How the announcement body is written.
#[derive(Clone, Copy, PartialEq, Eq)]
enum BodyForm {
    AsHeld,
    Pruned,
}

impl Transaction {
    /// The same transaction as rust-bitcoin's type (for PSBT and
    /// descriptors); `None` for an announcement, which has no such form.
    pub fn to_bitcoin(&self) -> Option<bitcoin::Transaction> {
        if self.announcement.is_some() {
            return None;
        }
        Some(bitcoin::Transaction {
            version: bitcoin::transaction::Version(self.version),
            lock_time: bitcoin::absolute::LockTime::from_consensus(self.lock_time),
            input: self.input.clone(),
            output: self.output.clone(),
        })
    }

    /// A rust-bitcoin transaction as ours (never an announcement).
    pub fn from_bitcoin(tx: bitcoin::Transaction) -> Transaction {
        Transaction {
            version: tx.version.0,
            input: tx.input,
            output: tx.output,
            announcement: None,
            lock_time: tx.lock_time.to_consensus_u32(),
        }
    }

    /// Decodes exactly one transaction from `bytes`, refusing trailing data.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let tx = Self::decode(&mut reader)?;
        reader.finish()?;
        Ok(tx)
    }

    /// Decodes exactly one transaction in the legacy form (no segwit marker),
    /// the reading Core also tries for a transaction with no inputs, whose
    /// empty input count looks like the marker.
    pub fn from_bytes_no_witness(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let version = r.i32("version")?;
        let input = decode_inputs(&mut r)?;
        let output = decode_outputs(&mut r)?;
        let lock_time = r.u32("lock_time")?;
        r.finish()?;
        Ok(Transaction { version, input, output, announcement: None, lock_time })
    }

    /// Decodes one transaction from the reader's position.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        Self::decode_with_layout(r).map(|(tx, _)| tx)
    }

    /// Decodes one transaction and says where its inputs and outputs were
    /// (reader positions), so that its txid can be hashed from those bytes.
    pub(crate) fn decode_with_layout(r: &mut Reader<'_>) -> Result<(Self, Layout), DecodeError> {
        let start = r.position();
        let version = r.i32("version")?;
        let mut io_start = r.position();
        let mut input = decode_inputs(r)?;
        let mut flags = 0u8;
        let output;
        if input.is_empty() {
            // Either a legacy transaction with no inputs, or the segwit marker.
            flags = r.u8("flags")?;
            if flags != 0 {
                io_start = r.position();
                input = decode_inputs(r)?;
                output = decode_outputs(r)?;
            } else {
                output = Vec::new();
            }
        } else {
            output = decode_outputs(r)?;
        }
        let io_end = r.position();
        if flags & !(FLAG_WITNESS | FLAG_ANNOUNCEMENT | FLAG_ANNOUNCEMENT_PRUNED) != 0 {
            return Err(DecodeError::AnnouncementFlags("unknown flag bits set"));
        }
        let announcement_bits = flags & (FLAG_ANNOUNCEMENT | FLAG_ANNOUNCEMENT_PRUNED);
        if announcement_bits == FLAG_ANNOUNCEMENT | FLAG_ANNOUNCEMENT_PRUNED {
            return Err(DecodeError::AnnouncementFlags("both full and pruned announcement set"));
        }
        if flags != 0 && (announcement_bits != 0) != output.is_empty() {
            return Err(DecodeError::AnnouncementFlags(
                "an announcement requires, and only it allows, an empty output list",
            ));
        }
        if flags & FLAG_WITNESS != 0 {
            for txin in input.iter_mut() {
                txin.witness = decode_witness(r)?;
            }
            if input.iter().all(|txin| txin.witness.is_empty()) {
                return Err(DecodeError::SuperfluousWitness);
            }
        }
        let announcement = match announcement_bits {
            FLAG_ANNOUNCEMENT => Some(decode_announcement(r, false)?),
            FLAG_ANNOUNCEMENT_PRUNED => Some(decode_announcement(r, true)?),
            _ => None,
        };
        let lock_time = r.u32("lock_time")?;
        let layout = Layout { start, io_start, io_end, end: r.position(), flags };
        Ok((Transaction { version, input, output, announcement, lock_time }, layout))
    }

    /// The transaction as held (full or pruned body, with witnesses).
    pub fn serialize(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.total_size());
        self.encode_to(&mut out);
        out
    }

    pub fn encode_to(&self, out: &mut Vec<u8>) {
        self.encode_with(out, true, BodyForm::AsHeld);
    }

    /// Without witnesses (what a peer gets for MSG_TX/MSG_BLOCK, as Core's
    /// non-witness serialization); announcements keep their flag byte.
    pub fn encode_without_witness(&self, out: &mut Vec<u8>) {
        self.encode_with(out, false, BodyForm::AsHeld);
    }

    pub fn serialize_without_witness(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.total_size());
        self.encode_without_witness(&mut out);
        out
    }

    /// The transaction with its announcement body pruned (same txid and wtxid).
    pub fn to_pruned(&self) -> Transaction {
        let mut tx = self.clone();
        tx.announcement = self.announcement.as_ref().map(Announcement::pruned);
        tx
    }

    fn flags(&self, with_witness: bool, body: BodyForm) -> u8 {
        let mut flags = 0;
        if with_witness && self.has_witness() {
            flags |= FLAG_WITNESS;
        }
        if let Some(ann) = &self.announcement {
            flags |= if body == BodyForm::Pruned || ann.body.is_pruned() {
                FLAG_ANNOUNCEMENT_PRUNED
            } else {
                FLAG_ANNOUNCEMENT
            };
        }
        flags
    }

    fn encode_with(&self, out: &mut Vec<u8>, with_witness: bool, body: BodyForm) {
        let flags = self.flags(with_witness, body);
        out.extend_from_slice(&self.version.to_le_bytes());
        if flags != 0 {
            out.push(0);
            out.push(flags);
        }
        self.encode_inputs_outputs(out);
        if flags & FLAG_WITNESS != 0 {
            for txin in &self.input {
                write_compact_size(out, txin.witness.len() as u64);
                for element in txin.witness.iter() {
                    write_var_bytes(out, element);
                }
            }
        }
        if let Some(ann) = &self.announcement {
            out.push(ann.kind);
            out.extend_from_slice(&ann.expiry.to_le_bytes());
            match (&ann.body, flags & FLAG_ANNOUNCEMENT != 0) {
                (AnnouncementBody::Full(bytes), true) => write_var_bytes(out, bytes),
                (b, _) => {
                    out.extend_from_slice(&b.len().to_le_bytes());
                    out.extend_from_slice(b.hash().as_byte_array());
                }
            }
            out.extend_from_slice(&ann.nonce.to_le_bytes());
        }
        out.extend_from_slice(&self.lock_time.to_le_bytes());
    }

    fn encode_inputs_outputs(&self, out: &mut Vec<u8>) {
        write_compact_size(out, self.input.len() as u64);
        for txin in &self.input {
            out.extend_from_slice(txin.previous_output.txid.as_byte_array());
            out.extend_from_slice(&txin.previous_output.vout.to_le_bytes());
            write_var_bytes(out, txin.script_sig.as_bytes());
            out.extend_from_slice(&txin.sequence.0.to_le_bytes());
        }
        write_compact_size(out, self.output.len() as u64);
        for txout in &self.output {
            out.extend_from_slice(&txout.value.to_sat().to_le_bytes());
            write_var_bytes(out, txout.script_pubkey.as_bytes());
        }
    }

    /// SHA256d(version ‖ vin ‖ vout ‖ [kind ‖ expiry ‖ body_len ‖ SHA256(body)] ‖ lock_time).
    pub fn txid(&self) -> Txid {
        let mut buf = Vec::with_capacity(self.base_size());
        buf.extend_from_slice(&self.version.to_le_bytes());
        self.encode_inputs_outputs(&mut buf);
        if let Some(ann) = &self.announcement {
            buf.extend_from_slice(&ann.commitment_preimage());
        }
        buf.extend_from_slice(&self.lock_time.to_le_bytes());
        Txid::from_raw_hash(sha256d::Hash::hash(&buf))
    }

    /// Bitcoin's wtxid; for an announcement, SHA256d of the pruned form, so
    /// that it is the same before and after the body is pruned.
    pub fn wtxid(&self) -> Wtxid {
        if self.announcement.is_none() && !self.has_witness() {
            return Wtxid::from_raw_hash(self.txid().to_raw_hash());
        }
        let mut buf = Vec::with_capacity(self.total_size());
        self.encode_with(&mut buf, true, BodyForm::Pruned);
        Wtxid::from_raw_hash(sha256d::Hash::hash(&buf))
    }

    pub fn has_witness(&self) -> bool {
        self.input.iter().any(|txin| !txin.witness.is_empty())
    }

    pub fn is_announcement(&self) -> bool {
        self.announcement.is_some()
    }

    /// One input spending the null outpoint.
    pub fn is_coinbase(&self) -> bool {
        self.input.len() == 1 && self.input[0].previous_output == OutPoint::null()
    }

    /// Bytes of the serialization as held.
    pub fn total_size(&self) -> usize {
        let mut size = self.legacy_size();
        if let Some(ann) = &self.announcement {
            size += 1 + 4 + 8;
            size += match &ann.body {
                AnnouncementBody::Full(b) => compact_size_len(b.len() as u64) + b.len(),
                AnnouncementBody::Pruned { .. } => 2 + 32,
            };
        }
        size + self.witness_part_size()
    }

    /// Bytes counted four times in the weight: everything but marker, flags
    /// and witnesses, with the announcement body counted by its length.
    pub fn base_size(&self) -> usize {
        let ann = self.announcement.as_ref().map_or(0, |a| 1 + 4 + 2 + a.body.len() as usize + 8);
        self.legacy_size() + ann
    }

    /// Marker, flags and witnesses: the bytes counted once in the weight.
    fn witness_part_size(&self) -> usize {
        let mut size = 0;
        if self.has_witness() {
            size += 2;
            for txin in &self.input {
                size += compact_size_len(txin.witness.len() as u64);
                for element in txin.witness.iter() {
                    size += compact_size_len(element.len() as u64) + element.len();
                }
            }
        } else if self.announcement.is_some() {
            size += 2;
        }
        size
    }

    /// version, vin, vout, lock_time: Bitcoin's stripped size.
    fn legacy_size(&self) -> usize {
        let mut size = 4 + 4 + compact_size_len(self.input.len() as u64);
        for txin in &self.input {
            let script = txin.script_sig.len();
            size += 32 + 4 + compact_size_len(script as u64) + script + 4;
        }
        size += compact_size_len(self.output.len() as u64);
        for txout in &self.output {
            let script = txout.script_pubkey.len();
            size += 8 + compact_size_len(script as u64) + script;
        }
        size
    }

    /// BIP141 weight, with announcement bytes given no witness discount.
    pub fn weight(&self) -> u64 {
        self.base_size() as u64 * WITNESS_SCALE_FACTOR + self.witness_part_size() as u64
    }

    /// Virtual size: weight / 4 rounded up.
    pub fn vsize(&self) -> u64 {
        self.weight().div_ceil(WITNESS_SCALE_FACTOR)
    }
}

fn decode_inputs(r: &mut Reader<'_>) -> Result<Vec<TxIn>, DecodeError> {
    let count = r.count("inputs", MIN_TXIN_SIZE)?;
    let mut input = Vec::with_capacity(count);
    for _ in 0..count {
        let txid = Txid::from_byte_array(r.array("prevout txid")?);
        let vout = r.u32("prevout index")?;
        let script_sig = ScriptBuf::from_bytes(r.var_bytes("scriptSig")?.to_vec());
        let sequence = Sequence(r.u32("sequence")?);
        input.push(TxIn { previous_output: OutPoint { txid, vout }, script_sig, sequence, witness: Witness::new() });
    }
    Ok(input)
}

fn decode_outputs(r: &mut Reader<'_>) -> Result<Vec<TxOut>, DecodeError> {
    let count = r.count("outputs", MIN_TXOUT_SIZE)?;
    let mut output = Vec::with_capacity(count);
    for _ in 0..count {
        let value = Amount::from_sat(r.u64("value")?);
        let script_pubkey = ScriptBuf::from_bytes(r.var_bytes("scriptPubKey")?.to_vec());
        output.push(TxOut { value, script_pubkey });
    }
    Ok(output)
}

fn decode_witness(r: &mut Reader<'_>) -> Result<Witness, DecodeError> {
    let count = r.count("witness items", 1)?;
    let mut witness = Witness::new();
    for _ in 0..count {
        witness.push(r.var_bytes("witness item")?);
    }
    Ok(witness)
}

fn decode_announcement(r: &mut Reader<'_>, pruned: bool) -> Result<Announcement, DecodeError> {
    let kind = r.u8("announcement kind")?;
    let expiry = r.u32("announcement expiry")?;
    let body = if pruned {
        let len = r.u16("announcement body_len")?;
        let hash = sha256::Hash::from_byte_array(r.array("announcement body hash")?);
        AnnouncementBody::Pruned { len, hash }
    } else {
        let bytes = r.var_bytes("announcement body")?;
        if bytes.len() > usize::from(u16::MAX) {
            return Err(DecodeError::AnnouncementBodyTooLong(bytes.len()));
        }
        AnnouncementBody::Full(bytes.to_vec())
    };
    let nonce = r.u64("announcement nonce")?;
    Ok(Announcement { kind, expiry, body, nonce })
}

#[cfg(test)]
mod tests;
