//! Payment channels (DESIGN.md §5), the pure part: the script and its
//! transactions (`script`), the messages the parties exchange (`blob`),
//! and the channel record with its state transitions. Every transition
//! checks everything before it changes anything, and returns the new record
//! for the caller to persist (durably, before it answers anyone).

pub mod blob;
pub mod script;

#[cfg(test)]
mod tests;

use std::str::FromStr;

use bitcoin::secp256k1::{PublicKey, Secp256k1, SecretKey};
use primitives::{OutPoint, Txid};
use serde::{Deserialize, Serialize};

pub use blob::{channel_id, AckMessage, OpenMessage, PayMessage};
pub use script::{channel_script, fee_at, p2wsh, ChannelTerms, CHILD_VBYTES, CLOSE_VBYTES};

use crate::error::WalletError;
use crate::state::Wallet;

/// Wallet store key prefix of channel records.
pub const CHANNEL_PREFIX: &str = "channel/";

/// Why a channel message or action was refused. Nothing changes when one is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    #[error("Malformed channel message: {0}")]
    Malformed(String),
    #[error("The message is for channel {0}, not this one")]
    WrongChannel(String),
    #[error("Unknown channel {0}")]
    UnknownChannel(String),
    #[error("The payment does not increase the amount paid ({amount} zats after {paid} already paid)")]
    NotIncreasing { amount: u64, paid: u64 },
    #[error("The amount ({amount} zats) is above the channel's capacity less its fee reserve ({payable} zats)")]
    OverCapacity { amount: u64, payable: u64 },
    #[error("The payee's output ({amount} zats) would be dust (below {dust} zats): pay more at once")]
    BelowDust { amount: u64, dust: u64 },
    #[error("Bad signature on the channel state")]
    BadSignature,
    #[error("Wrong sequence number {got} (expected {expected})")]
    WrongSequence { got: u64, expected: u64 },
    #[error("The channel expired at height {0}")]
    Expired(u32),
    #[error("The channel is {0}")]
    NotOpen(&'static str),
    #[error("This wallet is the {0} of the channel")]
    WrongRole(&'static str),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelRole {
    Payer,
    Payee,
}

impl ChannelRole {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelRole::Payer => "payer",
            ChannelRole::Payee => "payee",
        }
    }
}

/// Where a channel stands. `Opening` until the funding confirms (and again
/// if a reorganisation takes it out of the chain).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelState {
    Opening,
    Open,
    /// A close is broadcast, not yet confirmed.
    Closing,
    Closed,
    Refunded,
}

impl ChannelState {
    pub fn as_str(self) -> &'static str {
        match self {
            ChannelState::Opening => "opening",
            ChannelState::Open => "open",
            ChannelState::Closing => "closing",
            ChannelState::Closed => "closed",
            ChannelState::Refunded => "refunded",
        }
    }

    pub fn is_final(self) -> bool {
        matches!(self, ChannelState::Closed | ChannelState::Refunded)
    }
}

/// One channel as the wallet keeps it (JSON under `channel/<id>`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelRecord {
    pub id: String,
    pub role: ChannelRole,
    pub payer_pubkey: String,
    pub payee_pubkey: String,
    pub funding_txid: String,
    pub funding_vout: u32,
    pub capacity: u64,
    pub expiry: u32,
    pub fee_reserve: u64,
    pub task_id: Option<String>,
    pub state: ChannelState,
    /// Last sequence signed (payer) or received (payee).
    pub sequence: u64,
    /// Cumulative amount of that state.
    pub paid: u64,
    /// Payer: the latest state the payee acknowledged.
    pub acked_sequence: u64,
    pub acked_paid: u64,
    /// Payee: the payer's signature of the latest state (hex).
    pub payer_sig: Option<String>,
    /// Payer: the signed refund and the funding transaction (hex), kept
    /// before the funding is broadcast.
    pub refund_hex: Option<String>,
    pub funding_hex: Option<String>,
    pub funding_height: Option<u32>,
    pub close_txid: Option<String>,
    pub refund_txid: Option<String>,
    pub cpfp_txid: Option<String>,
    /// Height the close was first broadcast at (payee), for fee bumping.
    pub close_broadcast_height: Option<u32>,
    /// What the confirmed close paid the payee.
    pub closed_paid: Option<u64>,
}

fn key(text: &str) -> Result<PublicKey, WalletError> {
    PublicKey::from_str(text).map_err(|e| WalletError::Corrupt(format!("channel key {text}: {e}")))
}

impl ChannelRecord {
    /// A new channel of `role` on `terms`: nothing paid, waiting for its funding.
    pub fn new(role: ChannelRole, terms: &ChannelTerms, task_id: Option<[u8; 32]>) -> ChannelRecord {
        ChannelRecord {
            id: hex::encode(channel_id(&terms.funding)),
            role,
            payer_pubkey: terms.payer.to_string(),
            payee_pubkey: terms.payee.to_string(),
            funding_txid: terms.funding.txid.to_string(),
            funding_vout: terms.funding.vout,
            capacity: terms.capacity,
            expiry: terms.expiry,
            fee_reserve: terms.fee_reserve,
            task_id: task_id.map(hex::encode),
            state: ChannelState::Opening,
            sequence: 0,
            paid: 0,
            acked_sequence: 0,
            acked_paid: 0,
            payer_sig: None,
            refund_hex: None,
            funding_hex: None,
            funding_height: None,
            close_txid: None,
            refund_txid: None,
            cpfp_txid: None,
            close_broadcast_height: None,
            closed_paid: None,
        }
    }

    pub fn terms(&self) -> Result<ChannelTerms, WalletError> {
        Ok(ChannelTerms {
            funding: self.funding()?,
            capacity: self.capacity,
            expiry: self.expiry,
            fee_reserve: self.fee_reserve,
            payer: key(&self.payer_pubkey)?,
            payee: key(&self.payee_pubkey)?,
        })
    }

    pub fn funding(&self) -> Result<OutPoint, WalletError> {
        let txid = Txid::from_str(&self.funding_txid).map_err(|e| WalletError::Corrupt(e.to_string()))?;
        Ok(OutPoint { txid, vout: self.funding_vout })
    }

    fn id_bytes(&self) -> [u8; 32] {
        let mut out = [0u8; 32];
        if let Ok(bytes) = hex::decode(&self.id) {
            if bytes.len() == 32 {
                out.copy_from_slice(&bytes);
            }
        }
        out
    }

    /// The payee's balance not yet closed, or the payer's funds still in the channel.
    pub fn is_live(&self) -> bool {
        !self.state.is_final()
    }

    fn check_usable(&self, tip: u32) -> Result<(), ChannelError> {
        if self.state.is_final() || self.state == ChannelState::Closing {
            return Err(ChannelError::NotOpen(self.state.as_str()));
        }
        if tip >= self.expiry {
            return Err(ChannelError::Expired(self.expiry));
        }
        Ok(())
    }

    /// Payer: signs the state paying `increment` more. Returns the record to
    /// persist and the blob to send.
    pub fn pay(
        &self,
        increment: u64,
        payer_key: &SecretKey,
        dust: u64,
        tip: u32,
    ) -> Result<(ChannelRecord, PayMessage), ChannelError> {
        if self.role != ChannelRole::Payer {
            return Err(ChannelError::WrongRole("payee"));
        }
        self.check_usable(tip)?;
        let terms = self.terms().map_err(|e| ChannelError::Malformed(e.to_string()))?;
        let amount = self
            .paid
            .checked_add(increment)
            .ok_or(ChannelError::OverCapacity { amount: u64::MAX, payable: terms.payable() })?;
        if increment == 0 {
            return Err(ChannelError::NotIncreasing { amount, paid: self.paid });
        }
        if amount > terms.payable() {
            return Err(ChannelError::OverCapacity { amount, payable: terms.payable() });
        }
        if amount < dust {
            return Err(ChannelError::BelowDust { amount, dust });
        }
        let tx = terms.update_tx(amount, dust);
        let payer_sig = terms.sign(&tx, payer_key);
        let mut next = self.clone();
        next.sequence += 1;
        next.paid = amount;
        let msg = PayMessage { channel_id: self.id_bytes(), sequence: next.sequence, amount, payer_sig };
        Ok((next, msg))
    }

    /// Payee: checks a payment (channel, sequence, amount, the payer's
    /// signature) and returns the record to persist and the acknowledgement.
    pub fn receive(
        &self,
        msg: &PayMessage,
        payee_key: &SecretKey,
        dust: u64,
        tip: u32,
    ) -> Result<(ChannelRecord, AckMessage), ChannelError> {
        if self.role != ChannelRole::Payee {
            return Err(ChannelError::WrongRole("payer"));
        }
        if msg.channel_id != self.id_bytes() {
            return Err(ChannelError::WrongChannel(hex::encode(msg.channel_id)));
        }
        self.check_usable(tip)?;
        // Later than the last one taken; a gap is a blob lost on the way,
        // which the newer state (paying more) supersedes.
        if msg.sequence <= self.sequence {
            return Err(ChannelError::WrongSequence { got: msg.sequence, expected: self.sequence + 1 });
        }
        let terms = self.terms().map_err(|e| ChannelError::Malformed(e.to_string()))?;
        if msg.amount <= self.paid {
            return Err(ChannelError::NotIncreasing { amount: msg.amount, paid: self.paid });
        }
        if msg.amount > terms.payable() {
            return Err(ChannelError::OverCapacity { amount: msg.amount, payable: terms.payable() });
        }
        if msg.amount < dust {
            return Err(ChannelError::BelowDust { amount: msg.amount, dust });
        }
        let tx = terms.update_tx(msg.amount, dust);
        if !terms.verify(&Secp256k1::verification_only(), &tx, &terms.payer, &msg.payer_sig) {
            return Err(ChannelError::BadSignature);
        }
        let mut next = self.clone();
        next.sequence = msg.sequence;
        next.paid = msg.amount;
        next.payer_sig = Some(hex::encode(&msg.payer_sig));
        let ack = AckMessage::sign(msg.channel_id, msg.sequence, msg.amount, payee_key);
        Ok((next, ack))
    }

    /// Payer: records what the payee acknowledged.
    pub fn acknowledge(&self, msg: &AckMessage) -> Result<ChannelRecord, ChannelError> {
        if self.role != ChannelRole::Payer {
            return Err(ChannelError::WrongRole("payee"));
        }
        if msg.channel_id != self.id_bytes() {
            return Err(ChannelError::WrongChannel(hex::encode(msg.channel_id)));
        }
        if msg.sequence > self.sequence || msg.sequence <= self.acked_sequence {
            return Err(ChannelError::WrongSequence { got: msg.sequence, expected: self.sequence });
        }
        if msg.amount > self.paid || msg.amount <= self.acked_paid {
            return Err(ChannelError::NotIncreasing { amount: msg.amount, paid: self.acked_paid });
        }
        let payee = key(&self.payee_pubkey).map_err(|e| ChannelError::Malformed(e.to_string()))?;
        if !msg.verify(&payee) {
            return Err(ChannelError::BadSignature);
        }
        let mut next = self.clone();
        next.acked_sequence = msg.sequence;
        next.acked_paid = msg.amount;
        Ok(next)
    }

    /// Payee: the close transaction of the latest state, fully signed.
    pub fn close_tx(&self, payee_key: &SecretKey, dust: u64) -> Result<primitives::Transaction, ChannelError> {
        if self.role != ChannelRole::Payee {
            return Err(ChannelError::WrongRole("payer"));
        }
        let payer_sig = self.payer_sig.as_ref().ok_or(ChannelError::NotOpen("without payments"))?;
        let payer_sig = hex::decode(payer_sig).map_err(|e| ChannelError::Malformed(e.to_string()))?;
        let terms = self.terms().map_err(|e| ChannelError::Malformed(e.to_string()))?;
        let tx = terms.update_tx(self.paid, dust);
        let payee_sig = terms.sign(&tx, payee_key);
        Ok(terms.close(tx, payer_sig, payee_sig))
    }
}

impl Wallet {
    /// Every channel of the wallet.
    pub fn channels(&self) -> Vec<ChannelRecord> {
        let mut list: Vec<ChannelRecord> = self.channels.values().cloned().collect();
        list.sort_by(|a, b| a.id.cmp(&b.id));
        list
    }

    pub fn channel(&self, id: &str) -> Result<ChannelRecord, ChannelError> {
        self.channels.get(id).cloned().ok_or_else(|| ChannelError::UnknownChannel(id.to_string()))
    }

    /// Keeps a channel record, durably, before anyone is told of the change.
    pub fn save_channel(&mut self, record: ChannelRecord) -> Result<(), WalletError> {
        let value = serde_json::to_vec(&record).map_err(|e| WalletError::Corrupt(e.to_string()))?;
        self.store.commit(vec![(format!("{CHANNEL_PREFIX}{}", record.id), Some(value))])?;
        if let Ok(funding) = record.funding() {
            self.watched.insert(funding);
        }
        self.channels.insert(record.id.clone(), record);
        Ok(())
    }

    /// The secret key of one of the wallet's public keys (a channel key).
    pub fn secret_for_pubkey(&self, pubkey: &PublicKey) -> Result<SecretKey, WalletError> {
        self.secret_key_for(&crate::keys::p2wpkh_script(pubkey))
    }

    /// Whether `pubkey` is one of the wallet's keys.
    pub fn has_pubkey(&self, pubkey: &PublicKey) -> bool {
        self.is_mine(&crate::keys::p2wpkh_script(pubkey))
    }
}

impl Wallet {
    /// The wallet's transactions spending `outpoint` that still count (not
    /// abandoned or replaced).
    pub fn spenders_of(&self, outpoint: &OutPoint) -> Vec<&crate::state::WalletTx> {
        self.spends
            .get(outpoint)
            .into_iter()
            .flatten()
            .filter_map(|txid| self.txs.get(txid))
            .filter(|w| !w.abandoned && w.replaced_by.is_none())
            .collect()
    }

    /// A child paying `fee` from one of the wallet's P2WPKH outputs back to
    /// a fresh change address of the wallet (to bump its parent, CPFP).
    /// Nothing is kept until the caller commits it.
    pub fn sweep(
        &mut self,
        outpoint: OutPoint,
        output: &primitives::TxOut,
        fee: u64,
        dust: u64,
    ) -> Result<primitives::Transaction, WalletError> {
        let value = output.value.to_sat().checked_sub(fee).filter(|v| *v >= dust).ok_or_else(|| {
            WalletError::Create(format!("The output ({} zats) cannot pay a fee of {fee} zats", output.value.to_sat()))
        })?;
        let key = self.secret_key_for(&output.script_pubkey)?;
        let script = self
            .new_address(crate::keys::OutputType::Bech32, crate::keys::Chain::Change, None)?
            .script_pubkey()
            .clone();
        let mut tx = primitives::Transaction {
            version: 2,
            input: vec![primitives::TxIn {
                previous_output: outpoint,
                script_sig: primitives::ScriptBuf::new(),
                sequence: primitives::Sequence::ENABLE_RBF_NO_LOCKTIME,
                witness: primitives::Witness::new(),
            }],
            output: vec![primitives::TxOut { value: primitives::Amount::from_sat(value), script_pubkey: script }],
            announcement: None,
            lock_time: 0,
        };
        let inputs = [crate::sign::InputKey {
            value: output.value.to_sat(),
            script_pubkey: output.script_pubkey.as_bytes(),
            key,
        }];
        crate::sign::sign_inputs(&self.secp, &mut tx, &inputs).map_err(|e| WalletError::Create(e.to_string()))?;
        Ok(tx)
    }

    /// Keeps a transaction the wallet made (a close, a refund, a child), durably.
    pub fn keep_transaction(&mut self, tx: &primitives::Transaction, now: i64) -> Result<(), WalletError> {
        let fee = self.fee_of(tx).unwrap_or(0);
        let built = crate::send::Built { tx: tx.clone(), fee, change_pos: None };
        self.commit_transaction(&built, None, None, None, now)
    }
}
