//! The sled implementation of [`ChainStore`]. Two trees: `blocks` (block
//! bytes, written before the index claims them and made durable by the
//! flush of that index commit, as sled's log keeps write order) and
//! `chainstate` (coins, undo data, index, tip, txindex), changed only by one
//! atomic batch per connect or disconnect.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use bitcoin::hashes::Hash;
use consensus::check::Coin;
use primitives::encode::Reader;
use primitives::{BlockHash, OutPoint, Txid};

use super::codec::{decode_coin, decode_outpoint_key, encode_coin, hash_from_slice, outpoint_key, IndexRecord};
use super::{ChainStore, ConnectBatch, StoreError};

const COIN_PREFIX: u8 = b'c';
const INDEX_PREFIX: u8 = b'i';
const UNDO_PREFIX: u8 = b'u';
const TXINDEX_PREFIX: u8 = b't';
const MARKET_PREFIX: u8 = b'a';
const TIP_KEY: &[u8] = b"mtip";
const MARKET_MARKER_KEY: &[u8] = b"mmkt";
const BLOCK_PREFIX: u8 = b'b';

pub struct SledStore {
    /// Where the database lives, for free-space checks.
    path: PathBuf,
    db: sled::Db,
    blocks: sled::Tree,
    chainstate: sled::Tree,
}

fn db_err(e: sled::Error) -> StoreError {
    StoreError::Database(e.to_string())
}

/// A failed write leaves the node unable to go on (Core's AbortNode).
fn write_err(e: sled::Error) -> StoreError {
    let error = db_err(e);
    crate::fatal::abort_node(format!("Failed to write to the chain database: {error}"));
    error
}

fn key(prefix: u8, body: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + body.len());
    k.push(prefix);
    k.extend_from_slice(body);
    k
}

/// How long opening waits for a lock that this process's dropped handle
/// still holds.
const LOCK_WAIT: Duration = Duration::from_secs(2);

/// Opens a sled database. A handle on it that this process has just dropped
/// (a wallet rewrite's copy, an unloaded wallet, a store closed and opened
/// again) can keep the file lock for a moment, because sled's background
/// threads let go of it after the drop returns: a held lock is retried until
/// a deadline, after which its error is returned as it is.
pub(super) fn open_sled(config: &sled::Config) -> sled::Result<sled::Db> {
    let deadline = Instant::now() + LOCK_WAIT;
    loop {
        match config.open() {
            Err(sled::Error::Io(e)) if is_lock_held(&e) && Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(10));
            }
            result => return result,
        }
    }
}

/// Whether opening failed on the file lock. sled 0.34 reports it as an
/// `Other` error whose text names it, wrapping the `WouldBlock` of the lock.
fn is_lock_held(error: &std::io::Error) -> bool {
    error.kind() == std::io::ErrorKind::WouldBlock || error.to_string().starts_with("could not acquire lock")
}

/// sled's page cache when no share of `-dbcache` is given.
const DEFAULT_PAGE_CACHE: u64 = 64 << 20;

impl SledStore {
    pub fn open(path: &Path) -> Result<SledStore, StoreError> {
        Self::open_with_cache(path, DEFAULT_PAGE_CACHE)
    }

    /// Opens with `cache_bytes` of page cache (its share of `-dbcache`).
    pub fn open_with_cache(path: &Path, cache_bytes: u64) -> Result<SledStore, StoreError> {
        let db = open_sled(&sled::Config::new().path(path).cache_capacity(cache_bytes)).map_err(db_err)?;
        let blocks = db.open_tree("blocks").map_err(db_err)?;
        let chainstate = db.open_tree("chainstate").map_err(db_err)?;
        Ok(SledStore { path: path.to_path_buf(), db, blocks, chainstate })
    }

    fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(write_err)
    }
}

impl ChainStore for SledStore {
    fn coin(&self, outpoint: &OutPoint) -> Result<Option<Coin>, StoreError> {
        let Some(bytes) = self.chainstate.get(key(COIN_PREFIX, &outpoint_key(outpoint))).map_err(db_err)? else {
            return Ok(None);
        };
        decode_coin(&mut Reader::new(&bytes)).map(Some)
    }

    fn block(&self, hash: &BlockHash) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.blocks.get(key(BLOCK_PREFIX, hash.as_byte_array())).map_err(db_err)?.map(|v| v.to_vec()))
    }

    fn undo(&self, hash: &BlockHash) -> Result<Option<Vec<u8>>, StoreError> {
        Ok(self.chainstate.get(key(UNDO_PREFIX, hash.as_byte_array())).map_err(db_err)?.map(|v| v.to_vec()))
    }

    fn write_block(&self, hash: &BlockHash, block: &[u8]) -> Result<(), StoreError> {
        // No flush of its own: sled's one log keeps write order, so the
        // commit that records the block in the index makes both durable.
        if !crate::fatal::has_disk_space(&self.path, block.len() as u64) {
            crate::fatal::abort_node("Disk space is too low!");
            return Err(StoreError::Database("disk space is too low".into()));
        }
        self.blocks.insert(key(BLOCK_PREFIX, hash.as_byte_array()), block).map_err(write_err)?;
        Ok(())
    }

    fn commit(&self, connect: ConnectBatch) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for outpoint in &connect.spent {
            batch.remove(key(COIN_PREFIX, &outpoint_key(outpoint)));
        }
        for (outpoint, coin) in &connect.created {
            let mut value = Vec::with_capacity(48);
            encode_coin(coin, &mut value);
            batch.insert(key(COIN_PREFIX, &outpoint_key(outpoint)), value);
        }
        for (hash, undo) in &connect.undo {
            batch.insert(key(UNDO_PREFIX, hash.as_byte_array()), undo.as_slice());
        }
        for record in &connect.index {
            batch.insert(key(INDEX_PREFIX, record.header.block_hash().as_byte_array()), record.encode());
        }
        for (txid, block) in &connect.txindex_add {
            batch.insert(key(TXINDEX_PREFIX, txid.as_byte_array()), block.as_byte_array().as_slice());
        }
        for txid in &connect.txindex_remove {
            batch.remove(key(TXINDEX_PREFIX, txid.as_byte_array()));
        }
        if let Some(tip) = connect.tip {
            batch.insert(TIP_KEY, tip.as_byte_array().as_slice());
        }
        self.chainstate.apply_batch(batch).map_err(write_err)?;
        self.flush()
    }

    fn index_records(&self) -> Result<Vec<IndexRecord>, StoreError> {
        self.chainstate.scan_prefix([INDEX_PREFIX]).map(|item| IndexRecord::decode(&item.map_err(db_err)?.1)).collect()
    }

    fn tip(&self) -> Result<Option<BlockHash>, StoreError> {
        self.chainstate.get(TIP_KEY).map_err(db_err)?.map(|v| hash_from_slice(&v)).transpose()
    }

    fn for_each_coin(&self, f: &mut dyn FnMut(OutPoint, Coin)) -> Result<(), StoreError> {
        for item in self.chainstate.scan_prefix([COIN_PREFIX]) {
            let (k, v) = item.map_err(db_err)?;
            let key: [u8; 36] = k[1..].try_into().map_err(|_| StoreError::Corrupt("coin key length".into()))?;
            f(decode_outpoint_key(key), decode_coin(&mut Reader::new(&v))?);
        }
        Ok(())
    }

    fn coins(&self) -> super::CoinIter {
        Box::new(self.chainstate.scan_prefix([COIN_PREFIX]).map(|item| {
            let (k, v) = item.map_err(db_err)?;
            let key: [u8; 36] = k[1..].try_into().map_err(|_| StoreError::Corrupt("coin key length".into()))?;
            Ok((decode_outpoint_key(key), decode_coin(&mut Reader::new(&v))?))
        }))
    }

    fn txindex(&self, txid: &Txid) -> Result<Option<BlockHash>, StoreError> {
        self.chainstate
            .get(key(TXINDEX_PREFIX, txid.as_byte_array()))
            .map_err(db_err)?
            .map(|v| hash_from_slice(&v))
            .transpose()
    }

    fn wipe_chainstate(&self) -> Result<(), StoreError> {
        self.chainstate.clear().map_err(write_err)?;
        self.flush()
    }

    fn stored_blocks(&self) -> Result<Vec<BlockHash>, StoreError> {
        self.blocks.scan_prefix([BLOCK_PREFIX]).map(|item| hash_from_slice(&item.map_err(db_err)?.0[1..])).collect()
    }

    fn size_on_disk(&self) -> u64 {
        self.db.size_on_disk().unwrap_or(0)
    }

    fn block_bytes(&self) -> Result<u64, StoreError> {
        let mut total = 0u64;
        for item in self.blocks.iter() {
            total += item.map_err(db_err)?.1.len() as u64;
        }
        Ok(total)
    }

    fn pruneable_bytes(&self) -> Result<u64, StoreError> {
        let mut total = self.block_bytes()?;
        for item in self.chainstate.scan_prefix([UNDO_PREFIX]) {
            total += item.map_err(db_err)?.1.len() as u64;
        }
        Ok(total)
    }

    fn prune_blocks(&self, hashes: &[BlockHash], index: Vec<IndexRecord>) -> Result<u64, StoreError> {
        let mut freed = 0u64;
        let mut batch = sled::Batch::default();
        for hash in hashes {
            let undo_key = key(UNDO_PREFIX, hash.as_byte_array());
            freed += self.chainstate.get(&undo_key).map_err(db_err)?.map_or(0, |v| v.len() as u64);
            batch.remove(undo_key);
        }
        for record in &index {
            batch.insert(key(INDEX_PREFIX, record.header.block_hash().as_byte_array()), record.encode());
        }
        self.chainstate.apply_batch(batch).map_err(write_err)?;
        // The index says "no data" on disk before any block byte goes, so a
        // crash in between leaves unreferenced bytes, never a dangling claim.
        self.flush()?;
        for hash in hashes {
            if let Some(old) = self.blocks.remove(key(BLOCK_PREFIX, hash.as_byte_array())).map_err(write_err)? {
                freed += old.len() as u64;
            }
        }
        Ok(freed)
    }

    fn wipe_blocks(&self) -> Result<(), StoreError> {
        self.blocks.clear().map_err(write_err)?;
        self.flush()
    }

    fn market_records(&self) -> Result<super::MarketRecords, StoreError> {
        let mut records = Vec::new();
        for item in self.chainstate.scan_prefix([MARKET_PREFIX]) {
            let (k, v) = item.map_err(db_err)?;
            let txid = Txid::from_slice(&k[1..]).map_err(|_| StoreError::Corrupt("market key length".into()))?;
            records.push((txid, v.to_vec()));
        }
        let marker = self.chainstate.get(MARKET_MARKER_KEY).map_err(db_err)?.map(|v| v.to_vec());
        Ok((records, marker))
    }

    fn commit_market(&self, records: Vec<(Txid, Option<Vec<u8>>)>, marker: Vec<u8>) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (txid, value) in records {
            let k = key(MARKET_PREFIX, txid.as_byte_array());
            match value {
                Some(v) => batch.insert(k, v),
                None => batch.remove(k),
            }
        }
        batch.insert(MARKET_MARKER_KEY, marker);
        self.chainstate.apply_batch(batch).map_err(write_err)
    }
}
