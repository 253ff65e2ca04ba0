//! A wallet's records in its own sled database under `wallets/<name>/`.
//! Every commit is one batch, flushed before it returns.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::Path;

use wallet::store::{StoreError, WalletStore, Write};

pub struct SledWalletStore {
    db: sled::Db,
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

impl SledWalletStore {
    pub fn open(dir: &Path) -> Result<SledWalletStore, StoreError> {
        let db = sled::Config::new().path(dir).cache_capacity(8 << 20).open().map_err(err)?;
        Ok(SledWalletStore { db })
    }
}

impl WalletStore for SledWalletStore {
    fn load(&self) -> Result<Vec<(String, Vec<u8>)>, StoreError> {
        self.db
            .iter()
            .map(|item| {
                let (k, v) = item.map_err(err)?;
                Ok((String::from_utf8(k.to_vec()).map_err(err)?, v.to_vec()))
            })
            .collect()
    }

    fn commit(&mut self, writes: Vec<Write>) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (key, value) in writes {
            match value {
                Some(v) => batch.insert(key.as_bytes(), v),
                None => batch.remove(key.as_bytes()),
            }
        }
        self.db.apply_batch(batch).map_err(err)?;
        self.db.flush().map_err(err)?;
        Ok(())
    }

    /// A backup is a sled database of its own, loadable like any wallet.
    fn backup(&self, path: &Path) -> Result<(), StoreError> {
        if path.as_os_str().is_empty() {
            return Err(err("no destination given"));
        }
        // Created here, owner-only, and never an existing path: the copy
        // holds the keys and cannot land on anything (the live wallet included).
        std::fs::DirBuilder::new().mode(0o700).create(path).map_err(|e| match e.kind() {
            std::io::ErrorKind::AlreadyExists => err(format!("{} already exists", path.display())),
            _ => err(format!("{}: {e}", path.display())),
        })?;
        let copy = sled::Config::new().path(path).open().map_err(err)?;
        for item in self.db.iter() {
            let (k, v) = item.map_err(err)?;
            copy.insert(k, v).map_err(err)?;
        }
        copy.flush().map_err(err)?;
        drop(copy);
        restrict_to_owner(path).map_err(|e| err(format!("{}: {e}", path.display())))
    }
}

/// Makes every file under `dir` readable by its owner only.
fn restrict_to_owner(dir: &Path) -> std::io::Result<()> {
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let mode = if entry.file_type()?.is_dir() { 0o700 } else { 0o600 };
        std::fs::set_permissions(entry.path(), std::fs::Permissions::from_mode(mode))?;
        if entry.file_type()?.is_dir() {
            restrict_to_owner(&entry.path())?;
        }
    }
    Ok(())
}
