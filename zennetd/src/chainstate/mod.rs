//! The chain: block index, active chain, UTXO set and block storage over a
//! [`ChainStore`]. It validates and connects blocks, chooses the best chain,
//! and reports every block it connects or disconnects as a [`ChainEvent`].
//! It owns nothing else: the mempool and the market index are
//! `node_state`'s, block download is `net::download`'s, and it reads no
//! clock ("now" is an argument). Owned by the actor thread (see
//! [`crate::actor`]); everything here is synchronous.

mod activate;
mod coins;
mod feed;
mod header_view;
mod index;
mod prune;
mod serve;
mod template;

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use consensus::check::announcement::{check_block_announcements, IdentityCache};
use consensus::check::{check_block, check_block_contextual, check_header_contextual, Coin};
use consensus::difficulty::{median_time_past, next_bits, BlockSummary, HeaderChain};
use consensus::{BlockError, ChainParams, RejectKind};
use primitives::{Block, BlockHash, Header, OutPoint, PowAlgo, Txid};
use script::cache::SignatureCache;

pub use header_view::{HeaderFacts, HeaderView};
pub use index::{BlockIndex, BlockStatus, Branch, BranchView, CandidateKey, IndexEntry};
pub use prune::{PruneOptions, MIN_BLOCKS_TO_KEEP};
pub use serve::ANNOUNCEMENT_KEEP_BLOCKS;

use crate::store::{ChainStore, ConnectBatch, IndexRecord, StoreError};

/// Why a chain operation failed: the store failed or holds something
/// inconsistent, or the request itself is one the chain will not carry out
/// (nothing is wrong with the data then). The RPC edge maps both to Core's
/// codes; the log tells them apart.
#[derive(Debug, thiserror::Error)]
pub enum ChainError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Refused(&'static str),
}

/// A change of the active chain, in the order it happened. The owner of
/// the chain (`NodeState`) hands these to the mempool and the market index.
#[derive(Debug, Clone)]
pub enum ChainEvent {
    BlockConnected { block: Arc<Block>, height: u32 },
    BlockDisconnected { block: Arc<Block>, height: u32 },
}

/// Why a submitted block was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("block already known")]
    Duplicate,
    #[error("block already known to be invalid")]
    DuplicateInvalid,
    #[error("{0}")]
    Invalid(#[from] BlockError),
    #[error("{0}")]
    Store(#[from] StoreError),
    #[error("{0}")]
    Refused(&'static str),
}

impl From<ChainError> for SubmitError {
    fn from(e: ChainError) -> Self {
        match e {
            ChainError::Store(e) => SubmitError::Store(e),
            ChainError::Refused(why) => SubmitError::Refused(why),
        }
    }
}

impl SubmitError {
    /// BIP22's result string for `submitblock`.
    pub fn bip22_result(&self) -> String {
        match self {
            SubmitError::Duplicate => "duplicate".into(),
            SubmitError::DuplicateInvalid => "duplicate-invalid".into(),
            SubmitError::Invalid(e) => e.reason(),
            SubmitError::Store(_) | SubmitError::Refused(_) => "rejected".into(),
        }
    }
}

/// Why a BIP23 block proposal would not be accepted on the tip.
#[derive(Debug, thiserror::Error)]
pub enum ProposalError {
    #[error("the proposal does not build on the tip")]
    NotOnTip,
    #[error("block already known")]
    Duplicate,
    #[error("{0}")]
    Invalid(#[from] BlockError),
    #[error("{0}")]
    Store(#[from] StoreError),
}

impl ProposalError {
    /// BIP22's result string.
    pub fn bip22_result(&self) -> String {
        match self {
            ProposalError::NotOnTip => "inconclusive-not-best-prevblk".into(),
            ProposalError::Duplicate => "duplicate".into(),
            ProposalError::Invalid(e) => e.reason(),
            ProposalError::Store(e) => e.to_string(),
        }
    }
}

/// What became of an accepted block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Accepted {
    /// On the active chain now.
    Active,
    /// Stored on a branch with less work than the active chain.
    SideBranch,
}

/// Node settings the chainstate needs.
#[derive(Debug, Clone)]
pub struct ChainOptions {
    /// Threads that verify a block's input scripts.
    pub script_threads: usize,
    /// Keep a txid → block index (`-txindex`).
    pub txindex: bool,
    /// Bytes of coin changes held in memory before they are flushed (`-dbcache`).
    pub cache_bytes: usize,
    /// `-prune`: delete old blocks' data.
    pub prune: Option<PruneOptions>,
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
    identity_cache: IdentityCache,
    options: ChainOptions,
    index: BlockIndex,
    /// Hashes of the active chain by height.
    active: Vec<BlockHash>,
    /// Blocks that could become the tip, best last.
    candidates: BTreeSet<CandidateKey>,
    /// Connected changes not yet in the store.
    cache: coins::CoinCache,
    /// Blocks connected and disconnected since the owner last looked.
    events: Vec<ChainEvent>,
    /// Bytes of stored block and undo data (counted with `-prune` only).
    stored_bytes: u64,
    /// The lowest height from which every active block has its data.
    prune_height: u32,
    /// The large-work invalid fork alert was raised (once, as Core).
    fork_warned: bool,
    /// The index and active chain as other threads read them.
    headers: HeaderView,
}

impl HeaderChain for Chainstate {
    fn at_height(&self, height: u32) -> Option<BlockSummary> {
        self.active.get(height as usize).and_then(|h| self.index.get(h)).map(IndexEntry::summary)
    }
}

impl Chainstate {
    /// Loads the index and active chain (writing the genesis block on first
    /// start), then connects any stored blocks with more work than the
    /// best-block marker: what a crash between storing and connecting left.
    pub fn open(
        params: Arc<ChainParams>,
        store: Box<dyn ChainStore>,
        signature_cache: Arc<SignatureCache>,
        options: ChainOptions,
    ) -> Result<Chainstate, ChainError> {
        let mut cs = Chainstate {
            params,
            store,
            signature_cache,
            identity_cache: IdentityCache::new(IDENTITY_CACHE_ENTRIES),
            options: options.clone(),
            index: BlockIndex::default(),
            active: Vec::new(),
            candidates: BTreeSet::new(),
            cache: coins::CoinCache::new(options.cache_bytes),
            events: Vec::new(),
            stored_bytes: 0,
            prune_height: 0,
            fork_warned: false,
            headers: HeaderView::default(),
        };
        if cs.store.tip()?.is_none() {
            cs.write_genesis()?;
        }
        cs.load_index()?;
        cs.load_prune_state()?;
        cs.rebuild_candidates();
        cs.activate_best_chain(None)?;
        cs.publish_headers();
        Ok(cs)
    }

    /// A handle on the copy of the index that [`Self::publish_headers`] updates.
    pub fn header_view(&self) -> HeaderView {
        self.headers.clone()
    }

    /// Brings the header view up to date with the index and active chain.
    pub fn publish_headers(&mut self) {
        let changed = self.index.take_changed();
        self.headers.update(&self.index, changed, &self.active);
    }

    fn write_genesis(&mut self) -> Result<(), StoreError> {
        let genesis = &self.params.genesis;
        let hash = genesis.block_hash();
        let work =
            consensus::block_work(&self.params, &Vec::<BlockSummary>::new(), None, genesis.header.bits.to_consensus());
        self.store.write_block(&hash, &genesis.serialize())?;
        let status = BlockStatus { has_data: true, validated: true, ..BlockStatus::default() };
        // The genesis coinbase never enters the UTXO set (as Bitcoin's).
        let record =
            IndexRecord { header: genesis.header, height: 0, chain_work: work, tx_count: 1, status: status.to_byte() };
        self.store.commit(ConnectBatch {
            undo: vec![(hash, crate::store::encode_undo(&[]))],
            index: vec![record],
            tip: Some(hash),
            ..ConnectBatch::default()
        })
    }

    fn load_index(&mut self) -> Result<(), StoreError> {
        let tip = self.store.tip()?.ok_or_else(|| StoreError::Corrupt("no best block".into()))?;
        let mut records = self.store.index_records()?;
        let by_hash: HashMap<BlockHash, usize> =
            records.iter().enumerate().map(|(i, r)| (r.header.block_hash(), i)).collect();
        // The active chain first, so it keeps priority among equal-work tips.
        let mut active = Vec::new();
        let mut cursor = Some(tip);
        while let Some(hash) = cursor {
            let record = by_hash.get(&hash).map(|i| &records[*i]);
            let record = record.ok_or_else(|| StoreError::Corrupt(format!("block {hash} missing from the index")))?;
            active.push(hash);
            cursor = (record.height > 0).then_some(record.header.prev_blockhash);
        }
        active.reverse();
        if active.first() != Some(&self.params.genesis_hash) {
            return Err(StoreError::Corrupt("the stored chain does not start at this network's genesis block".into()));
        }
        let on_active: std::collections::HashSet<&BlockHash> = active.iter().collect();
        records.sort_by_cached_key(|r| (r.height, !on_active.contains(&r.header.block_hash())));
        for record in records {
            self.index.insert(IndexEntry {
                hash: record.header.block_hash(),
                header: record.header,
                height: record.height,
                chain_work: record.chain_work,
                tx_count: record.tx_count,
                status: BlockStatus::from_byte(record.status),
                sequence: 0,
            });
        }
        self.active = active;
        Ok(())
    }

    fn record(entry: &IndexEntry) -> IndexRecord {
        IndexRecord {
            header: entry.header,
            height: entry.height,
            chain_work: entry.chain_work.clone(),
            tx_count: entry.tx_count,
            status: entry.status.to_byte(),
        }
    }

    /// The blocks connected and disconnected since the last call, in order.
    pub fn take_events(&mut self) -> Vec<ChainEvent> {
        std::mem::take(&mut self.events)
    }

    pub fn params(&self) -> &ChainParams {
        &self.params
    }

    pub fn tip(&self) -> &IndexEntry {
        let hash = self.active.last().expect("the active chain holds at least genesis");
        self.index.get(hash).expect("active blocks are indexed")
    }

    pub fn entry(&self, hash: &BlockHash) -> Option<&IndexEntry> {
        self.index.get(hash)
    }

    pub fn index(&self) -> &BlockIndex {
        &self.index
    }

    pub fn hash_at(&self, height: u32) -> Option<BlockHash> {
        self.active.get(height as usize).copied()
    }

    /// Where `hash`'s chain leaves the active chain (see [`Branch`]).
    pub fn branch_off(&self, hash: &BlockHash) -> Option<Branch> {
        self.index.branch_off(&self.active, hash)
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

    /// The coins a connected block spent (its undo data).
    pub fn undo(&self, hash: &BlockHash) -> Result<Vec<(OutPoint, Coin)>, StoreError> {
        let bytes = self
            .cache
            .undo(&*self.store, hash)?
            .ok_or_else(|| StoreError::Corrupt(format!("no undo data for {hash}")))?;
        crate::store::decode_undo(&bytes)
    }

    pub fn coin(&self, outpoint: &OutPoint) -> Result<Option<Coin>, StoreError> {
        self.cache.coin(&*self.store, outpoint)
    }

    /// Every coin in outpoint order (flushes the cache first).
    pub fn for_each_coin(&mut self, f: &mut dyn FnMut(OutPoint, Coin)) -> Result<(), StoreError> {
        self.flush()?;
        self.store.for_each_coin(f)
    }

    /// Every coin, read from the store after flushing the cache; drained on
    /// another thread (`scantxoutset`), so blocks connected meanwhile may or
    /// may not show.
    pub fn coins_snapshot(&mut self) -> Result<crate::store::CoinIter, StoreError> {
        self.flush()?;
        Ok(self.store.coins())
    }

    /// Writes the cached coins, undo data and best-block marker to the store.
    pub fn flush(&mut self) -> Result<(), StoreError> {
        self.cache.flush(&*self.store)
    }

    /// Writes index records straight to the store (durable at once).
    fn write_index(&mut self, records: Vec<IndexRecord>) -> Result<(), StoreError> {
        for record in &records {
            self.cache.forget_index(&record.header.block_hash());
        }
        self.store.commit(ConnectBatch { index: records, ..ConnectBatch::default() })
    }

    /// The block holding `txid`, when `-txindex` is on.
    pub fn txindex(&self, txid: &Txid) -> Result<Option<BlockHash>, StoreError> {
        self.cache.txindex(&*self.store, txid)
    }

    pub fn txindex_enabled(&self) -> bool {
        self.options.txindex
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

    /// Checks a new block against its parent's branch, stores it, and moves
    /// the active chain to the valid branch with the most work.
    pub fn submit_block(&mut self, block: Block, now: i64) -> Result<Accepted, SubmitError> {
        let hash = block.block_hash();
        if let Some(existing) = self.index.get(&hash) {
            if existing.status.is_invalid() {
                return Err(SubmitError::DuplicateInvalid);
            }
            if existing.status.has_data {
                return Err(SubmitError::Duplicate);
            }
        }
        let prev_hash = block.header.prev_blockhash;
        let prev = self.index.get(&prev_hash).ok_or(BlockError::PrevBlockNotFound(prev_hash))?;
        if prev.status.is_invalid() {
            return Err(BlockError::BadPrevBlock(prev_hash).into());
        }
        let prev_summary = prev.summary();
        let prev_work = prev.chain_work.clone();
        let height = prev_summary.height + 1;
        check_block(&block, &self.params)?;

        let view = BranchView::new(&self.index, &self.active, &prev_hash)
            .ok_or_else(|| StoreError::Corrupt(format!("block {prev_hash} is not linked to genesis")))?;
        check_header_contextual(&block.header, &self.params, &view, &prev_summary, now)?;
        let work = consensus::block_work(
            &self.params,
            &view,
            Some(&prev_summary),
            self.params.genesis.header.bits.to_consensus(),
        );
        let contextual = self.check_block_body(&block, &view, &prev_summary);
        let mut entry = IndexEntry {
            hash,
            header: block.header,
            height,
            chain_work: prev_work + work,
            tx_count: block.txdata.len() as u32,
            status: BlockStatus::default(),
            sequence: 0,
        };
        if let Err(error) = contextual {
            if error.kind() == RejectKind::Invalid {
                // Remember the header as invalid so that its descendants are refused.
                entry.status.failed = true;
                self.write_index(vec![Self::record(&entry)])?;
                self.index.insert(entry);
            }
            return Err(error.into());
        }

        let bytes = block.serialize();
        self.store.write_block(&hash, &bytes)?;
        self.count_stored(bytes.len());
        entry.status.has_data = true;
        self.write_index(vec![Self::record(&entry)])?;
        match self.index.get_mut(&hash) {
            // Known from `submitheader`: now with its data.
            Some(known) => known.status.has_data = true,
            None => self.index.insert(entry),
        }
        if let Some(key) = self.index.candidate_key(&hash) {
            self.candidates.insert(key);
        }
        if let Some(error) = self.activate_best_chain(Some(hash))? {
            return Err(error.into());
        }
        Ok(if self.is_active(&hash) { Accepted::Active } else { Accepted::SideBranch })
    }

    /// The block rules that need its parent (`prev`, on the branch `view`):
    /// finality, BIP34, witness commitment, weight, and the announcements
    /// (pruned bodies judged against the best known header chain).
    fn check_block_body(&self, block: &Block, view: &dyn HeaderChain, prev: &BlockSummary) -> Result<(), BlockError> {
        check_block_contextual(block, view, prev)?;
        let height = prev.height + 1;
        let best_header = height.max(self.index.best_header_height());
        check_block_announcements(block, height, best_header, &self.params, Some(&self.identity_cache))
    }

    /// BIP23 proposal: whether `block` would be valid on the current tip.
    /// Nothing is stored. `Err` holds the BIP22 reason.
    pub fn test_block_validity(&self, block: &Block, now: i64) -> Result<(), ProposalError> {
        if block.header.prev_blockhash != self.tip().hash {
            return Err(ProposalError::NotOnTip);
        }
        if self.entry(&block.block_hash()).is_some_and(|e| e.status.has_data) {
            return Err(ProposalError::Duplicate);
        }
        let prev = self.tip().summary();
        check_block(block, &self.params)?;
        check_header_contextual(&block.header, &self.params, self, &prev, now)?;
        self.check_block_body(block, self, &prev)?;
        let view = self.input_coins(block)?;
        consensus::check::connect_block(
            block,
            prev.height + 1,
            &self.params,
            &view,
            self,
            Some(&self.script_validation()),
        )?;
        Ok(())
    }

    /// `submitheader`: checks a header against its parent's branch and
    /// indexes it without data.
    pub fn accept_header(&mut self, header: Header, now: i64) -> Result<(), SubmitError> {
        if let Some(record) = self.index_header(header, now)? {
            self.write_index(vec![record])?;
        }
        Ok(())
    }

    /// Headers from a peer, in order: each is checked and indexed, and all
    /// are written in one batch. Returns the last header's entry, or the
    /// first error with the headers before it kept.
    pub fn accept_headers(&mut self, headers: &[Header], now: i64) -> Result<Option<IndexEntry>, SubmitError> {
        let mut records = Vec::new();
        let mut result = Ok(());
        for header in headers {
            match self.index_header(*header, now) {
                Ok(record) => records.extend(record),
                Err(e) => {
                    result = Err(e);
                    break;
                }
            }
        }
        if !records.is_empty() {
            // New headers only: nothing cached to supersede.
            self.store.commit(ConnectBatch { index: records, ..ConnectBatch::default() })?;
        }
        result?;
        Ok(headers.last().and_then(|h| self.index.get(&h.block_hash())).cloned())
    }

    /// Checks a header and adds it to the in-memory index; the record to
    /// store is returned (None when the header was already known).
    fn index_header(&mut self, header: Header, now: i64) -> Result<Option<IndexRecord>, SubmitError> {
        let hash = header.block_hash();
        if let Some(existing) = self.index.get(&hash) {
            return if existing.status.is_invalid() { Err(SubmitError::DuplicateInvalid) } else { Ok(None) };
        }
        let prev =
            self.index.get(&header.prev_blockhash).ok_or(BlockError::PrevBlockNotFound(header.prev_blockhash))?;
        if prev.status.is_invalid() {
            return Err(BlockError::BadPrevBlock(header.prev_blockhash).into());
        }
        let (prev_summary, prev_work) = (prev.summary(), prev.chain_work.clone());
        consensus::check_proof_of_work(&header, &self.params)?;
        let view = BranchView::new(&self.index, &self.active, &header.prev_blockhash)
            .ok_or_else(|| StoreError::Corrupt("parent not linked to genesis".into()))?;
        check_header_contextual(&header, &self.params, &view, &prev_summary, now)?;
        let work = consensus::block_work(
            &self.params,
            &view,
            Some(&prev_summary),
            self.params.genesis.header.bits.to_consensus(),
        );
        let entry = IndexEntry {
            hash,
            header,
            height: prev_summary.height + 1,
            chain_work: prev_work + work,
            tx_count: 0,
            status: BlockStatus::default(),
            sequence: 0,
        };
        let record = Self::record(&entry);
        self.index.insert(entry);
        Ok(Some(record))
    }

    /// The coins the block's outputs are now (before it is disconnected).
    pub(super) fn output_coins(&self, block: &Block) -> Result<HashMap<OutPoint, Coin>, StoreError> {
        let mut view = HashMap::new();
        for tx in &block.txdata {
            let txid = tx.txid();
            for vout in 0..tx.output.len() as u32 {
                let outpoint = OutPoint { txid, vout };
                if let Some(coin) = self.cache.coin(&*self.store, &outpoint)? {
                    view.insert(outpoint, coin);
                }
            }
        }
        Ok(view)
    }

    /// The stored coins the block's inputs name (read errors surface here,
    /// not as "missing inputs").
    pub(super) fn input_coins(&self, block: &Block) -> Result<HashMap<OutPoint, Coin>, StoreError> {
        let mut view = HashMap::new();
        for tx in block.txdata.iter().filter(|tx| !tx.is_coinbase()) {
            for txin in &tx.input {
                if let Some(coin) = self.cache.coin(&*self.store, &txin.previous_output)? {
                    view.insert(txin.previous_output, coin);
                }
            }
        }
        Ok(view)
    }
}

impl Drop for Chainstate {
    fn drop(&mut self) {
        if let Err(e) = self.flush() {
            tracing::error!("could not flush the chainstate: {e}");
        }
    }
}

#[cfg(test)]
mod tests;
