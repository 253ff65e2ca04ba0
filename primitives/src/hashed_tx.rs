//! A transaction with its txid and wtxid computed once, as Core's immutable
//! `CTransaction`: from the decoder's bytes when it was decoded, from its
//! fields when it was built. [`Transaction`] stays the mutable form; a
//! `HashedTx` can only be changed through [`HashedTx::modify`], which hashes
//! it again.

use std::ops::Deref;

use bitcoin::hashes::Hash;
use bitcoin::{Txid, Wtxid};
use sha2::{Digest, Sha256};

use crate::encode::{DecodeError, Reader};
use crate::transaction::{Layout, Transaction};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HashedTx {
    tx: Transaction,
    txid: Txid,
    wtxid: Wtxid,
}

impl HashedTx {
    /// Hashes a built transaction.
    pub fn new(tx: Transaction) -> Self {
        let txid = tx.txid();
        let wtxid = if tx.announcement.is_none() && !tx.has_witness() {
            Wtxid::from_raw_hash(txid.to_raw_hash())
        } else {
            tx.wtxid()
        };
        HashedTx { tx, txid, wtxid }
    }

    /// Decodes exactly one transaction from `bytes`, refusing trailing data,
    /// hashing the bytes just read rather than encoding it again.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let decoded = Transaction::decode_with_layout(&mut reader)?;
        reader.finish()?;
        let mut hashed = Vec::with_capacity(1);
        let mut hasher = TxHasher::new(bytes);
        hasher.push(decoded, &mut hashed);
        hasher.finish(&mut hashed);
        Ok(hashed.pop().expect("one transaction in, one out"))
    }

    pub fn txid(&self) -> Txid {
        self.txid
    }

    pub fn wtxid(&self) -> Wtxid {
        self.wtxid
    }

    pub fn transaction(&self) -> &Transaction {
        &self.tx
    }

    pub fn into_transaction(self) -> Transaction {
        self.tx
    }

    /// Changes the transaction and hashes it again.
    pub fn modify(&mut self, change: impl FnOnce(&mut Transaction)) {
        change(&mut self.tx);
        *self = HashedTx::new(std::mem::take(&mut self.tx));
    }

    /// The transaction with its announcement body pruned: the same txid and
    /// wtxid, by the announcement's design.
    pub fn to_pruned(&self) -> HashedTx {
        HashedTx { tx: self.tx.to_pruned(), txid: self.txid, wtxid: self.wtxid }
    }
}

impl Deref for HashedTx {
    type Target = Transaction;

    fn deref(&self) -> &Transaction {
        &self.tx
    }
}

impl From<Transaction> for HashedTx {
    fn from(tx: Transaction) -> Self {
        HashedTx::new(tx)
    }
}

/// Hashes transactions from the bytes they were decoded from (`layout`
/// positions index `bytes`), two messages at a time where the CPU has the
/// SHA extensions, each pair just after it is decoded (while its bytes are
/// in the cache): the txid of the legacy form is its bytes', a witness
/// transaction's leaves out marker, flags and witnesses, and its wtxid is
/// its bytes'. An announcement commits to its body's hash, not its bytes:
/// it is hashed from its fields.
pub(crate) struct TxHasher<'a> {
    bytes: &'a [u8],
    pending: Vec<(Transaction, Layout)>,
    /// Scratch, kept between pairs.
    messages: Vec<[&'a [u8]; 3]>,
    digests: Vec<[u8; 32]>,
}

impl<'a> TxHasher<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        TxHasher { bytes, pending: Vec::with_capacity(2), messages: Vec::new(), digests: Vec::new() }
    }

    /// Takes a decoded transaction; once two wait, hashes them into `out`.
    pub fn push(&mut self, decoded: (Transaction, Layout), out: &mut Vec<HashedTx>) {
        self.pending.push(decoded);
        if self.pending.len() == 2 {
            self.finish(out);
        }
    }

    /// Hashes what is waiting into `out`.
    pub fn finish(&mut self, out: &mut Vec<HashedTx>) {
        let bytes = self.bytes;
        // Each transaction's txid message, then (witness only) its wtxid message.
        self.messages.clear();
        for (_, layout) in &self.pending {
            let whole = &bytes[layout.start..layout.end];
            if layout.is_legacy() {
                self.messages.push([whole, &[], &[]]);
            } else if layout.is_witness_only() {
                let version = &bytes[layout.start..layout.start + 4];
                let lock_time = &bytes[layout.end - 4..layout.end];
                self.messages.push([version, &bytes[layout.io_start..layout.io_end], lock_time]);
                self.messages.push([whole, &[], &[]]);
            }
        }
        self.digests.clear();
        sha256d_each(&self.messages, &mut self.digests);
        let mut digests = self.digests.iter().copied();
        let mut next = || digests.next().expect("a digest per message");
        for (tx, layout) in self.pending.drain(..) {
            out.push(if layout.is_legacy() {
                let txid = next();
                HashedTx { tx, txid: Txid::from_byte_array(txid), wtxid: Wtxid::from_byte_array(txid) }
            } else if layout.is_witness_only() {
                let (txid, wtxid) = (next(), next());
                HashedTx { tx, txid: Txid::from_byte_array(txid), wtxid: Wtxid::from_byte_array(wtxid) }
            } else {
                HashedTx::new(tx)
            });
        }
    }
}

/// Double SHA256 of each message (its parts concatenated), into `digests`.
fn sha256d_each(messages: &[[&[u8]; 3]], digests: &mut Vec<[u8; 32]>) {
    let mut pairs = messages.chunks_exact(2);
    #[cfg(target_arch = "x86_64")]
    if crate::sha_ni::available() {
        for pair in pairs.by_ref() {
            digests.extend(crate::sha_ni::sha256d_x2([&pair[0], &pair[1]]));
        }
    }
    let remainder = pairs.remainder();
    for message in pairs.flatten().chain(remainder) {
        digests.push(sha256d(message));
    }
}

/// Double SHA256 of the concatenated parts.
fn sha256d(parts: &[&[u8]]) -> [u8; 32] {
    let mut engine = Sha256::new();
    for part in parts {
        engine.update(part);
    }
    Sha256::digest(engine.finalize()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_txs() -> Vec<Vec<u8>> {
        let bytes = crate::shared::read_vector(env!("CARGO_MANIFEST_DIR"), "bitcoin-core/block413567.raw");
        let block = crate::Block::from_bytes(&bytes).expect("decodes");
        block.txdata.iter().map(|tx| tx.serialize()).collect()
    }

    #[test]
    fn hashes_from_bytes_equal_hashes_from_fields() {
        let txs = block_txs();
        assert!(txs.len() > 1000);
        // The block predates segwit: each transaction also gets a witness.
        let with_witness = txs.iter().map(|bytes| {
            let mut tx = Transaction::from_bytes(bytes).expect("decodes");
            for (i, txin) in tx.input.iter_mut().enumerate() {
                txin.witness.push(vec![i as u8; i % 3 + 1]);
            }
            tx.serialize()
        });
        for bytes in txs.iter().cloned().chain(with_witness) {
            let decoded = HashedTx::from_bytes(&bytes).expect("decodes");
            let built = HashedTx::new(decoded.transaction().clone());
            assert_eq!(decoded.txid(), built.txid());
            assert_eq!(decoded.wtxid(), built.wtxid());
            assert_eq!(decoded.txid(), Transaction::txid(&decoded));
            assert_eq!(decoded.wtxid(), Transaction::wtxid(&decoded));
        }
    }

    #[test]
    fn modify_hashes_again() {
        let txs = block_txs();
        let mut tx = HashedTx::from_bytes(&txs[1]).expect("decodes");
        let before = tx.txid();
        tx.modify(|tx| tx.lock_time += 1);
        assert_ne!(tx.txid(), before);
        assert_eq!(tx.txid(), Transaction::txid(&tx));
    }
}
