//! The chainstate: block index, active chain and UTXO set over a
//! [`ChainStore`]. Owned by one thread (see [`crate::actor`]); everything
//! here is synchronous.

mod template;

use std::collections::HashMap;
use std::sync::Arc;

use consensus::check::announcement::{check_block_announcements, IdentityCache};
use consensus::check::{
    check_block, check_block_contextual, check_header_contextual, connect_block, Coin, ScriptValidation,
};
use consensus::difficulty::{median_time_past, next_bits, BlockSummary, HeaderChain};
use consensus::{BlockError, ChainParams};
use num_bigint::BigUint;
use primitives::{Block, BlockHash, Header, OutPoint, PowAlgo};
use script::cache::SignatureCache;
use script::VerifyFlags;

use crate::store::{encode_undo, ChainStore, ConnectBatch, IndexRecord, StoreError};

/// A known block header and where it sits.
#[derive(Debug, Clone)]
pub struct IndexEntry {
    pub hash: BlockHash,
    pub header: Header,
    pub height: u32,
    pub chain_work: BigUint,
    pub tx_count: u32,
}

impl IndexEntry {
    pub fn summary(&self) -> BlockSummary {
        BlockSummary {
            height: self.height,
            time: self.header.time,
            bits: self.header.bits.to_consensus(),
            algo: if self.height == 0 { None } else { PowAlgo::from_version(self.header.version.to_consensus()) },
        }
    }
}

/// Why a submitted block was not connected.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("block already known")]
    Duplicate,
    #[error("block does not extend the active tip (reorganisations are not supported yet)")]
    NotOnTip,
    #[error("{0}")]
    Invalid(#[from] BlockError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl SubmitError {
    /// BIP22's result string for `submitblock`.
    pub fn bip22_result(&self) -> String {
        match self {
            SubmitError::Duplicate => "duplicate".into(),
            SubmitError::NotOnTip => "inconclusive".into(),
            SubmitError::Invalid(e) => e.reason(),
            SubmitError::Store(_) => "rejected".into(),
        }
    }
}

/// Identities whose Argon2id hash is remembered.
const IDENTITY_CACHE_ENTRIES: usize = 100_000;

/// A tip older than this means the node is still in initial block download.
const MAX_TIP_AGE: i64 = 24 * 60 * 60;

pub struct Chainstate {
    params: Arc<ChainParams>,
    store: Box<dyn ChainStore>,
    /// Signatures already verified (shared with the mempool once it exists).
    signature_cache: Arc<SignatureCache>,
    /// Threads that verify a block's input scripts.
    script_threads: usize,
    /// Identity proof-of-work hashes already computed.
    identity_cache: IdentityCache,
    index: HashMap<BlockHash, IndexEntry>,
    active: Vec<BlockHash>,
}

impl HeaderChain for Chainstate {
    fn at_height(&self, height: u32) -> Option<BlockSummary> {
        self.active.get(height as usize).and_then(|h| self.index.get(h)).map(IndexEntry::summary)
    }
}

impl Chainstate {
    /// Loads the index and active chain, writing the genesis block on first start.
    pub fn open(
        params: Arc<ChainParams>,
        store: Box<dyn ChainStore>,
        signature_cache: Arc<SignatureCache>,
        script_threads: usize,
    ) -> Result<Chainstate, StoreError> {
        let mut cs = Chainstate {
            params,
            store,
            signature_cache,
            script_threads: script_threads.max(1),
            identity_cache: IdentityCache::new(IDENTITY_CACHE_ENTRIES),
            index: HashMap::new(),
            active: Vec::new(),
        };
        if cs.store.tip()?.is_none() {
            cs.write_genesis()?;
        }
        for record in cs.store.index_records()? {
            let hash = record.header.block_hash();
            let tx_count = cs.store.block(&hash)?.map_or(0, |b| read_tx_count(&b));
            let entry = IndexEntry {
                hash,
                header: record.header,
                height: record.height,
                chain_work: record.chain_work,
                tx_count,
            };
            cs.index.insert(hash, entry);
        }
        let tip = cs.store.tip()?.ok_or_else(|| StoreError::Corrupt("no best block".into()))?;
        let mut cursor = Some(tip);
        while let Some(hash) = cursor {
            let entry = cs
                .index
                .get(&hash)
                .ok_or_else(|| StoreError::Corrupt(format!("block {hash} missing from the index")))?;
            cs.active.push(hash);
            cursor = (entry.height > 0).then_some(entry.header.prev_blockhash);
        }
        cs.active.reverse();
        if cs.active.first() != Some(&cs.params.genesis_hash) {
            return Err(StoreError::Corrupt("the stored chain does not start at this network's genesis block".into()));
        }
        Ok(cs)
    }

    fn write_genesis(&mut self) -> Result<(), StoreError> {
        let genesis = &self.params.genesis;
        let hash = genesis.block_hash();
        let work =
            consensus::block_work(&self.params, &Vec::<BlockSummary>::new(), None, genesis.header.bits.to_consensus());
        self.store.write_block(&hash, &genesis.serialize(), &encode_undo(&[]))?;
        // The genesis coinbase never enters the UTXO set (as Bitcoin's).
        let record = IndexRecord { header: genesis.header, height: 0, chain_work: work };
        self.store.commit(ConnectBatch { spent: Vec::new(), created: Vec::new(), index: vec![record], tip: hash })
    }

    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    pub fn tip(&self) -> &IndexEntry {
        let hash = self.active.last().expect("the active chain holds at least genesis");
        &self.index[hash]
    }

    pub fn entry(&self, hash: &BlockHash) -> Option<&IndexEntry> {
        self.index.get(hash)
    }

    pub fn hash_at(&self, height: u32) -> Option<BlockHash> {
        self.active.get(height as usize).copied()
    }

    pub fn is_active(&self, hash: &BlockHash) -> bool {
        self.index.get(hash).is_some_and(|e| self.hash_at(e.height) == Some(*hash))
    }

    pub fn block(&self, hash: &BlockHash) -> Result<Option<Block>, StoreError> {
        match self.store.block(hash)? {
            Some(bytes) => {
                Block::from_bytes(&bytes).map(Some).map_err(|e| StoreError::Corrupt(format!("block {hash}: {e}")))
            }
            None => Ok(None),
        }
    }

    pub fn raw_block(&self, hash: &BlockHash) -> Result<Option<Vec<u8>>, StoreError> {
        self.store.block(hash)
    }

    pub fn median_time_past(&self, height: u32) -> i64 {
        median_time_past(self, height)
    }

    /// Bits the next block of `algo` must carry.
    pub fn next_bits(&self, algo: PowAlgo) -> u32 {
        next_bits(&self.params, self, &self.tip().summary(), algo)
    }

    /// Core's rule: still catching up while the tip is more than a day old.
    pub fn is_initial_block_download(&self, now: i64) -> bool {
        i64::from(self.tip().header.time) < now - MAX_TIP_AGE
    }

    pub fn size_on_disk(&self) -> u64 {
        self.store.size_on_disk()
    }

    /// Validates `block` against the active tip and connects it: the block and
    /// its undo data are stored durably first, then coins, index and tip
    /// change in one atomic batch.
    pub fn submit_block(&mut self, block: Block, now: i64) -> Result<BlockHash, SubmitError> {
        let hash = block.block_hash();
        if self.index.contains_key(&hash) {
            return Err(SubmitError::Duplicate);
        }
        let prev_hash = block.header.prev_blockhash;
        let Some(prev) = self.index.get(&prev_hash).map(IndexEntry::summary) else {
            return Err(BlockError::PrevBlockNotFound(prev_hash).into());
        };
        if prev_hash != self.tip().hash {
            return Err(SubmitError::NotOnTip);
        }
        check_block(&block, &self.params)?;
        check_header_contextual(&block.header, &self.params, self, &prev, now)?;
        check_block_contextual(&block, self, &prev)?;

        let height = prev.height + 1;
        // Without a separate header chain the block itself is the best header.
        check_block_announcements(&block, height, height, &self.params, Some(&self.identity_cache))?;
        let view = self.input_coins(&block)?;
        let scripts = ScriptValidation {
            flags: VerifyFlags::consensus(),
            cache: Some(&self.signature_cache),
            threads: self.script_threads,
        };
        let changes = connect_block(&block, height, &self.params, &view, Some(&scripts))?;
        let work =
            consensus::block_work(&self.params, self, Some(&prev), self.params.genesis.header.bits.to_consensus());
        let chain_work = &self.tip().chain_work + work;

        self.store.write_block(&hash, &block.serialize(), &encode_undo(&changes.spent))?;
        let record = IndexRecord { header: block.header, height, chain_work: chain_work.clone() };
        self.store.commit(ConnectBatch {
            spent: changes.spent.iter().map(|(o, _)| *o).collect(),
            created: changes.created,
            index: vec![record],
            tip: hash,
        })?;
        let tx_count = block.txdata.len() as u32;
        self.index.insert(hash, IndexEntry { hash, header: block.header, height, chain_work, tx_count });
        self.active.push(hash);
        Ok(hash)
    }

    /// The stored coins the block's inputs name (read errors surface here,
    /// not as "missing inputs").
    fn input_coins(&self, block: &Block) -> Result<HashMap<OutPoint, Coin>, StoreError> {
        let mut view = HashMap::new();
        for tx in block.txdata.iter().filter(|tx| !tx.is_coinbase()) {
            for txin in &tx.input {
                if let Some(coin) = self.store.coin(&txin.previous_output)? {
                    view.insert(txin.previous_output, coin);
                }
            }
        }
        Ok(view)
    }
}

/// The transaction count of a stored block, read without decoding it.
fn read_tx_count(block: &[u8]) -> u32 {
    let mut r = primitives::encode::Reader::new(block.get(80..).unwrap_or_default());
    r.compact_size("tx count").map_or(0, |n| n as u32)
}

#[cfg(test)]
mod tests;
