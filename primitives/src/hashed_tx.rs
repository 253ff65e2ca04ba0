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
use crate::transaction::Transaction;

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

    /// Decodes one transaction from the reader's position, hashing the bytes
    /// just read rather than encoding the transaction again.
    pub fn decode(r: &mut Reader<'_>) -> Result<Self, DecodeError> {
        let (tx, layout) = Transaction::decode_with_layout(r)?;
        let bytes = r.read_since(layout.start);
        if layout.is_legacy() {
            let txid = Txid::from_byte_array(sha256d(&[bytes]));
            return Ok(HashedTx { tx, txid, wtxid: Wtxid::from_byte_array(txid.to_byte_array()) });
        }
        if layout.is_witness_only() {
            let io = layout.io_start - layout.start..layout.io_end - layout.start;
            let txid = sha256d(&[&bytes[..4], &bytes[io], &bytes[bytes.len() - 4..]]);
            let wtxid = sha256d(&[bytes]);
            return Ok(HashedTx { tx, txid: Txid::from_byte_array(txid), wtxid: Wtxid::from_byte_array(wtxid) });
        }
        // An announcement commits to its body's hash, not its bytes.
        Ok(HashedTx::new(tx))
    }

    /// Decodes exactly one transaction from `bytes`, refusing trailing data.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut reader = Reader::new(bytes);
        let tx = Self::decode(&mut reader)?;
        reader.finish()?;
        Ok(tx)
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

impl From<HashedTx> for Transaction {
    fn from(tx: HashedTx) -> Self {
        tx.tx
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
