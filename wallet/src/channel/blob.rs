//! Channel messages: self-contained, versioned blobs (hex) the two parties
//! carry between them however they like.
//!
//! ```text
//! blob = "ZCH" version:u8 type:u8 body
//! open = payer_pk[33] payee_pk[33] funding_txid[32] vout:u32 capacity:u64 expiry:u32 fee_reserve:u64 has_task:u8 [task_id[32]]
//! pay  = channel_id[32] sequence:u64 amount:u64 payer_sig:varbytes     (DER + SIGHASH_ALL over the state)
//! ack  = channel_id[32] sequence:u64 amount:u64 payee_sig[64]           (compact ECDSA over TaggedHash("Zennet/channel-ack", id ‖ seq ‖ amount))
//! ```
//! Integers little-endian; nothing may trail.

use bitcoin::hashes::Hash;
use bitcoin::secp256k1::{ecdsa, Message, PublicKey, Secp256k1, SecretKey};
use primitives::encode::{write_var_bytes, Reader};
use primitives::{OutPoint, Txid};

use super::ChannelError;

const MAGIC: &[u8; 3] = b"ZCH";
const VERSION: u8 = 1;
const OPEN: u8 = 1;
const PAY: u8 = 2;
const ACK: u8 = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenMessage {
    pub payer: PublicKey,
    pub payee: PublicKey,
    pub funding: OutPoint,
    pub capacity: u64,
    pub expiry: u32,
    pub fee_reserve: u64,
    pub task_id: Option<[u8; 32]>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PayMessage {
    pub channel_id: [u8; 32],
    pub sequence: u64,
    pub amount: u64,
    pub payer_sig: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckMessage {
    pub channel_id: [u8; 32],
    pub sequence: u64,
    pub amount: u64,
    pub payee_sig: [u8; 64],
}

/// The id of the channel funded at `funding`: SHA256(txid ‖ vout).
pub fn channel_id(funding: &OutPoint) -> [u8; 32] {
    let mut bytes = funding.txid.as_byte_array().to_vec();
    bytes.extend_from_slice(&funding.vout.to_le_bytes());
    bitcoin::hashes::sha256::Hash::hash(&bytes).to_byte_array()
}

fn header(kind: u8) -> Vec<u8> {
    let mut out = MAGIC.to_vec();
    out.push(VERSION);
    out.push(kind);
    out
}

fn malformed(e: impl std::fmt::Display) -> ChannelError {
    ChannelError::Malformed(e.to_string())
}

/// Checks the header and returns a reader over the body of a `kind` blob.
fn open_blob(hex_text: &str, kind: u8, name: &str) -> Result<Vec<u8>, ChannelError> {
    let bytes = hex::decode(hex_text.trim()).map_err(|_| ChannelError::Malformed("not hex".into()))?;
    if bytes.len() < 5 || &bytes[..3] != MAGIC {
        return Err(ChannelError::Malformed("not a Zennet channel message".into()));
    }
    if bytes[3] != VERSION {
        return Err(ChannelError::Malformed(format!("unknown message version {}", bytes[3])));
    }
    if bytes[4] != kind {
        return Err(ChannelError::Malformed(format!("not a {name} message")));
    }
    Ok(bytes[5..].to_vec())
}

fn pubkey(r: &mut Reader<'_>, what: &'static str) -> Result<PublicKey, ChannelError> {
    let bytes: [u8; 33] = r.array(what).map_err(malformed)?;
    PublicKey::from_slice(&bytes).map_err(|_| ChannelError::Malformed(format!("{what} is not a public key")))
}

pub fn ack_message(channel_id: &[u8; 32], sequence: u64, amount: u64) -> Message {
    let mut bytes = channel_id.to_vec();
    bytes.extend_from_slice(&sequence.to_le_bytes());
    bytes.extend_from_slice(&amount.to_le_bytes());
    Message::from_digest(consensus::check::announcement::tagged_hash("Zennet/channel-ack", &bytes))
}

impl OpenMessage {
    pub fn encode(&self) -> String {
        let mut out = header(OPEN);
        out.extend_from_slice(&self.payer.serialize());
        out.extend_from_slice(&self.payee.serialize());
        out.extend_from_slice(self.funding.txid.as_byte_array());
        out.extend_from_slice(&self.funding.vout.to_le_bytes());
        out.extend_from_slice(&self.capacity.to_le_bytes());
        out.extend_from_slice(&self.expiry.to_le_bytes());
        out.extend_from_slice(&self.fee_reserve.to_le_bytes());
        match &self.task_id {
            Some(id) => {
                out.push(1);
                out.extend_from_slice(id);
            }
            None => out.push(0),
        }
        hex::encode(out)
    }

    pub fn decode(text: &str) -> Result<OpenMessage, ChannelError> {
        let body = open_blob(text, OPEN, "channel open")?;
        let mut r = Reader::new(&body);
        let payer = pubkey(&mut r, "payer key")?;
        let payee = pubkey(&mut r, "payee key")?;
        let txid = Txid::from_byte_array(r.array("funding txid").map_err(malformed)?);
        let funding = OutPoint { txid, vout: r.u32("funding vout").map_err(malformed)? };
        let capacity = r.u64("capacity").map_err(malformed)?;
        let expiry = r.u32("expiry").map_err(malformed)?;
        let fee_reserve = r.u64("fee reserve").map_err(malformed)?;
        let task_id = match r.u8("task flag").map_err(malformed)? {
            0 => None,
            1 => Some(r.array("task id").map_err(malformed)?),
            _ => return Err(ChannelError::Malformed("task flag must be 0 or 1".into())),
        };
        r.finish().map_err(malformed)?;
        Ok(OpenMessage { payer, payee, funding, capacity, expiry, fee_reserve, task_id })
    }
}

impl PayMessage {
    pub fn encode(&self) -> String {
        let mut out = header(PAY);
        out.extend_from_slice(&self.channel_id);
        out.extend_from_slice(&self.sequence.to_le_bytes());
        out.extend_from_slice(&self.amount.to_le_bytes());
        write_var_bytes(&mut out, &self.payer_sig);
        hex::encode(out)
    }

    pub fn decode(text: &str) -> Result<PayMessage, ChannelError> {
        let body = open_blob(text, PAY, "channel payment")?;
        let mut r = Reader::new(&body);
        let channel_id = r.array("channel id").map_err(malformed)?;
        let sequence = r.u64("sequence").map_err(malformed)?;
        let amount = r.u64("amount").map_err(malformed)?;
        let payer_sig = r.var_bytes("signature").map_err(malformed)?.to_vec();
        r.finish().map_err(malformed)?;
        if payer_sig.len() > 73 {
            return Err(ChannelError::Malformed("signature longer than 73 bytes".into()));
        }
        Ok(PayMessage { channel_id, sequence, amount, payer_sig })
    }
}

impl AckMessage {
    pub fn sign(channel_id: [u8; 32], sequence: u64, amount: u64, payee_key: &SecretKey) -> AckMessage {
        let sig = Secp256k1::signing_only().sign_ecdsa(&ack_message(&channel_id, sequence, amount), payee_key);
        AckMessage { channel_id, sequence, amount, payee_sig: sig.serialize_compact() }
    }

    pub fn verify(&self, payee: &PublicKey) -> bool {
        let Ok(sig) = ecdsa::Signature::from_compact(&self.payee_sig) else { return false };
        Secp256k1::verification_only()
            .verify_ecdsa(&ack_message(&self.channel_id, self.sequence, self.amount), &sig, payee)
            .is_ok()
    }

    pub fn encode(&self) -> String {
        let mut out = header(ACK);
        out.extend_from_slice(&self.channel_id);
        out.extend_from_slice(&self.sequence.to_le_bytes());
        out.extend_from_slice(&self.amount.to_le_bytes());
        out.extend_from_slice(&self.payee_sig);
        hex::encode(out)
    }

    pub fn decode(text: &str) -> Result<AckMessage, ChannelError> {
        let body = open_blob(text, ACK, "channel acknowledgement")?;
        let mut r = Reader::new(&body);
        let msg = AckMessage {
            channel_id: r.array("channel id").map_err(malformed)?,
            sequence: r.u64("sequence").map_err(malformed)?,
            amount: r.u64("amount").map_err(malformed)?,
            payee_sig: r.array("signature").map_err(malformed)?,
        };
        r.finish().map_err(malformed)?;
        Ok(msg)
    }
}
