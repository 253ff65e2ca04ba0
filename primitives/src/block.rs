//! A block: Bitcoin's 80-byte header and Zennet transactions.

use bitcoin::block::{Header, Version};
use bitcoin::hashes::{sha256d, Hash};
use bitcoin::{BlockHash, CompactTarget, TxMerkleNode, Wtxid};

use crate::encode::{compact_size_len, write_compact_size, DecodeError, Reader};
use crate::hashed_tx::HashedTx;
use crate::merkle;
use crate::transaction::Transaction;
use crate::WITNESS_SCALE_FACTOR;

/// Serialized header size.
pub const HEADER_SIZE: usize = 80;
/// The smallest transaction encoding (version, two empty counts, lock_time).
const MIN_TX_SIZE: usize = 10;
/// `OP_RETURN OP_PUSHBYTES_36 0xaa21a9ed`: the start of a witness commitment output.
pub const WITNESS_COMMITMENT_PREFIX: [u8; 6] =
    [bitcoin::opcodes::all::OP_RETURN.to_u8(), bitcoin::opcodes::all::OP_PUSHBYTES_36.to_u8(), 0xaa, 0x21, 0xa9, 0xed];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    pub header: Header,
    /// Each transaction with its hashes, computed when it was decoded or
    /// put in the block.
    pub txdata: Vec<HashedTx>,
}

pub fn encode_header(header: &Header, out: &mut Vec<u8>) {
    out.extend_from_slice(&header.version.to_consensus().to_le_bytes());
    out.extend_from_slice(header.prev_blockhash.as_byte_array());
    out.extend_from_slice(header.merkle_root.as_byte_array());
    out.extend_from_slice(&header.time.to_le_bytes());
    out.extend_from_slice(&header.bits.to_consensus().to_le_bytes());
    out.extend_from_slice(&header.nonce.to_le_bytes());
}

pub fn header_bytes(header: &Header) -> [u8; HEADER_SIZE] {
    let mut out = Vec::with_capacity(HEADER_SIZE);
    encode_header(header, &mut out);
    out.try_into().expect("a header encodes to 80 bytes")
}

pub fn decode_header(r: &mut Reader<'_>) -> Result<Header, DecodeError> {
    Ok(Header {
        version: Version::from_consensus(r.i32("header version")?),
        prev_blockhash: BlockHash::from_byte_array(r.array("previous block hash")?),
        merkle_root: TxMerkleNode::from_byte_array(r.array("merkle root")?),
        time: r.u32("header time")?,
        bits: CompactTarget::from_consensus(r.u32("header bits")?),
        nonce: r.u32("header nonce")?,
    })
}

/// Decodes exactly one 80-byte header.
pub fn header_from_bytes(bytes: &[u8]) -> Result<Header, DecodeError> {
    let mut r = Reader::new(bytes);
    let header = decode_header(&mut r)?;
    r.finish()?;
    Ok(header)
}

impl Block {
    /// A block of built transactions, each hashed once here.
    pub fn new(header: Header, txdata: Vec<Transaction>) -> Self {
        Block { header, txdata: txdata.into_iter().map(HashedTx::new).collect() }
    }

    /// Decodes exactly one block from `bytes`, refusing trailing data.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, DecodeError> {
        let mut r = Reader::new(bytes);
        let header = decode_header(&mut r)?;
        let count = r.count("transactions", MIN_TX_SIZE)?;
        let mut txdata = Vec::with_capacity(count);
        let mut hasher = crate::hashed_tx::TxHasher::new(bytes);
        for _ in 0..count {
            hasher.push(Transaction::decode_with_layout(&mut r)?, &mut txdata);
        }
        hasher.finish(&mut txdata);
        r.finish()?;
        Ok(Block { header, txdata })
    }

    pub fn serialize(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.total_size());
        encode_header(&self.header, &mut out);
        write_compact_size(&mut out, self.txdata.len() as u64);
        for tx in &self.txdata {
            tx.encode_to(&mut out);
        }
        out
    }

    /// Every transaction without witnesses (the `MSG_BLOCK` form).
    pub fn serialize_without_witness(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.total_size());
        encode_header(&self.header, &mut out);
        write_compact_size(&mut out, self.txdata.len() as u64);
        for tx in &self.txdata {
            tx.encode_without_witness(&mut out);
        }
        out
    }

    pub fn block_hash(&self) -> BlockHash {
        self.header.block_hash()
    }

    pub fn total_size(&self) -> usize {
        HEADER_SIZE
            + compact_size_len(self.txdata.len() as u64)
            + self.txdata.iter().map(|tx| tx.total_size()).sum::<usize>()
    }

    pub fn weight(&self) -> u64 {
        let fixed = (HEADER_SIZE + compact_size_len(self.txdata.len() as u64)) as u64;
        fixed * WITNESS_SCALE_FACTOR + self.txdata.iter().map(|tx| tx.weight()).sum::<u64>()
    }

    /// Merkle root over txids, and whether the tree is mutated (CVE-2012-2459).
    pub fn compute_merkle_root(&self) -> (TxMerkleNode, bool) {
        let leaves = self.txdata.iter().map(|tx| tx.txid().to_byte_array()).collect();
        let (root, mutated) = merkle::compute_root(leaves);
        (TxMerkleNode::from_byte_array(root), mutated)
    }

    /// Merkle root over wtxids with the coinbase's taken as zero (BIP141).
    pub fn witness_merkle_root(&self) -> [u8; 32] {
        witness_merkle_root(self.txdata.iter().skip(1).map(|tx| tx.wtxid()))
    }

    /// Index of the coinbase output holding the witness commitment: the last
    /// one that starts with [`WITNESS_COMMITMENT_PREFIX`].
    pub fn witness_commitment_index(&self) -> Option<usize> {
        let coinbase = self.txdata.first()?;
        coinbase.output.iter().rposition(|out| {
            let script = out.script_pubkey.as_bytes();
            script.len() >= 38 && script[..6] == WITNESS_COMMITMENT_PREFIX
        })
    }

    /// The commitment for a given witness reserved value:
    /// SHA256d(witness merkle root ‖ reserved value).
    pub fn compute_witness_commitment(&self, reserved_value: &[u8]) -> [u8; 32] {
        witness_commitment(self.witness_merkle_root(), reserved_value)
    }
}

/// BIP141's witness merkle root of a block whose transactions after the
/// coinbase have `wtxids` (the coinbase's counts as zero): what a template
/// needs before its coinbase exists.
pub fn witness_merkle_root(wtxids: impl Iterator<Item = Wtxid>) -> [u8; 32] {
    let leaves = std::iter::once([0; 32]).chain(wtxids.map(|w| w.to_byte_array())).collect();
    merkle::compute_root(leaves).0
}

/// SHA256d(witness merkle root ‖ reserved value).
pub fn witness_commitment(witness_root: [u8; 32], reserved_value: &[u8]) -> [u8; 32] {
    let mut preimage = Vec::with_capacity(64);
    preimage.extend_from_slice(&witness_root);
    preimage.extend_from_slice(reserved_value);
    sha256d::Hash::hash(&preimage).to_byte_array()
}

/// The scriptPubKey of a witness commitment output.
pub fn witness_commitment_script(commitment: &[u8; 32]) -> bitcoin::ScriptBuf {
    let mut script = WITNESS_COMMITMENT_PREFIX.to_vec();
    script.extend_from_slice(commitment);
    bitcoin::ScriptBuf::from_bytes(script)
}
