//! Where a wallet keeps its records. The daemon puts them in a sled tree
//! per wallet; tests use [`MemoryWalletStore`]. Every commit is atomic and
//! durable before it returns, because users rely on what it acknowledges.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

#[derive(Debug, thiserror::Error)]
#[error("wallet storage: {0}")]
pub struct StoreError(pub String);

pub type Write = (String, Option<Vec<u8>>);

pub trait WalletStore: Send {
    /// Every record, by key.
    fn load(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError>;
    /// Applies all writes (`None` deletes) atomically and durably.
    fn commit(&mut self, writes: Vec<Write>) -> Result<(), StoreError>;
    /// Copies the whole wallet to `path` (for `backupwallet`).
    fn backup(&self, path: &std::path::Path) -> Result<(), StoreError>;
    /// Rewrites the store so that no earlier version of any record is left
    /// in its files (after encryption, so the plaintext phrase is gone, as
    /// Core rewrites its database). Nothing to do in memory.
    fn rewrite(&mut self) -> Result<(), StoreError> {
        Ok(())
    }
}

/// Records in memory, shared so a test can "restart" on the same data.
#[derive(Clone, Default)]
pub struct MemoryWalletStore {
    records: Arc<Mutex<BTreeMap<String, Vec<u8>>>>,
    /// When set, commits fail (a full disk).
    pub fail: Arc<std::sync::atomic::AtomicBool>,
}

impl MemoryWalletStore {
    pub fn snapshot(&self) -> BTreeMap<String, Vec<u8>> {
        self.records.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

impl WalletStore for MemoryWalletStore {
    fn load(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        let records = self.records.lock().map_err(|_| StoreError("poisoned".into()))?;
        Ok(records.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
    }

    fn commit(&mut self, writes: Vec<Write>) -> Result<(), StoreError> {
        if self.fail.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(StoreError("No space left on device".into()));
        }
        let mut records = self.records.lock().map_err(|_| StoreError("poisoned".into()))?;
        for (key, value) in writes {
            match value {
                Some(v) => records.insert(key, v),
                None => records.remove(&key),
            };
        }
        Ok(())
    }

    fn backup(&self, path: &std::path::Path) -> Result<(), StoreError> {
        let records = self.load()?;
        let json: Vec<(String, String)> = records.into_iter().map(|(k, v)| (k, hex::encode(v))).collect();
        std::fs::write(path, serde_json::to_vec(&json).map_err(|e| StoreError(e.to_string()))?)
            .map_err(|e| StoreError(e.to_string()))
    }
}
