//! A wallet's records in its own sled database under `wallets/<name>/`.
//! Every commit is one batch, flushed before it returns.

use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
use std::path::{Path, PathBuf};

use wallet::store::{StoreError, WalletStore, Write};

pub struct SledWalletStore {
    dir: PathBuf,
    db: sled::Db,
}

/// Where a rewrite is built, and where the old files wait to be deleted.
fn rewrite_dirs(dir: &Path) -> (PathBuf, PathBuf) {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    (dir.with_file_name(format!("{name}.rewrite")), dir.with_file_name(format!("{name}.old")))
}

/// Finishes or discards a rewrite a crash interrupted: a complete copy is
/// only renamed into place once the old files are out of the way.
fn recover_rewrite(dir: &Path) -> std::io::Result<()> {
    let (fresh, old) = rewrite_dirs(dir);
    if !dir.exists() && fresh.exists() {
        std::fs::rename(&fresh, dir)?;
    }
    if fresh.exists() {
        std::fs::remove_dir_all(&fresh)?;
    }
    if old.exists() && dir.exists() {
        std::fs::remove_dir_all(&old)?;
    }
    Ok(())
}

fn err(e: impl std::fmt::Display) -> StoreError {
    StoreError(e.to_string())
}

impl SledWalletStore {
    pub fn open(dir: &Path) -> Result<SledWalletStore, StoreError> {
        recover_rewrite(dir).map_err(|e| err(format!("{}: {e}", dir.display())))?;
        Ok(SledWalletStore { dir: dir.to_path_buf(), db: Self::open_db(dir)? })
    }

    fn open_db(dir: &Path) -> Result<sled::Db, StoreError> {
        super::sled_store::open_sled(&sled::Config::new().path(dir).cache_capacity(8 << 20)).map_err(err)
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

    /// Copies the current records into a fresh database, swaps it in and
    /// deletes the old files, so earlier versions of records (a plaintext
    /// phrase before `encryptwallet`) are nowhere in the wallet's folder.
    fn rewrite(&mut self) -> Result<(), StoreError> {
        let (fresh, old) = rewrite_dirs(&self.dir);
        let io = |e: std::io::Error| err(format!("rewriting {}: {e}", self.dir.display()));
        if fresh.exists() {
            std::fs::remove_dir_all(&fresh).map_err(io)?;
        }
        {
            let copy = Self::open_db(&fresh)?;
            for item in self.db.iter() {
                let (k, v) = item.map_err(err)?;
                copy.insert(k, v).map_err(err)?;
            }
            copy.flush().map_err(err)?;
        }
        // Close the old database (this handle is its only owner) before moving its files.
        self.db.flush().map_err(err)?;
        self.db = sled::Config::new().temporary(true).open().map_err(err)?;
        std::fs::rename(&self.dir, &old).map_err(io)?;
        std::fs::rename(&fresh, &self.dir).map_err(io)?;
        std::fs::remove_dir_all(&old).map_err(io)?;
        self.db = Self::open_db(&self.dir)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    fn records(store: &SledWalletStore) -> Vec<(String, Vec<u8>)> {
        store.load().unwrap()
    }

    #[test]
    fn a_rewrite_keeps_every_record_and_drops_the_old_files() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("w");
        let mut store = SledWalletStore::open(&dir).unwrap();
        store.commit(vec![("meta".into(), Some(b"plaintext secret".to_vec()))]).unwrap();
        store.commit(vec![("meta".into(), Some(b"sealed".to_vec())), ("tx/1".into(), Some(vec![1]))]).unwrap();
        store.rewrite().unwrap();
        assert_eq!(records(&store), vec![("meta".into(), b"sealed".to_vec()), ("tx/1".into(), vec![1])]);
        let (fresh, old) = rewrite_dirs(&dir);
        assert!(!fresh.exists() && !old.exists());
        // Still usable, and reopens with the same records.
        store.commit(vec![("tx/2".into(), Some(vec![2]))]).unwrap();
        drop(store);
        let store = SledWalletStore::open(&dir).unwrap();
        assert_eq!(records(&store).len(), 3);
    }

    #[test]
    fn opening_waits_for_a_lock_this_process_is_letting_go_of() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("w");
        let mut holder = SledWalletStore::open(&dir).unwrap();
        holder.commit(vec![("tx/1".into(), Some(vec![1]))]).unwrap();
        // Held for good: the open gives up after its deadline, with sled's error.
        let started = std::time::Instant::now();
        let Err(held) = SledWalletStore::open(&dir) else { panic!("opened a locked store") };
        assert!(held.0.contains("could not acquire lock"), "{}", held.0);
        assert!(started.elapsed() >= std::time::Duration::from_secs(1), "gave up after {:?}", started.elapsed());
        // Let go of a moment later: the open waits for it.
        let release = std::thread::spawn(move || {
            std::thread::sleep(std::time::Duration::from_millis(300));
            drop(holder);
        });
        let store = SledWalletStore::open(&dir).unwrap();
        release.join().unwrap();
        assert_eq!(records(&store), vec![("tx/1".into(), vec![1])]);
    }

    #[test]
    fn an_interrupted_rewrite_is_finished_or_discarded_at_open() {
        let base = tempfile::tempdir().unwrap();
        let dir = base.path().join("w");
        let (fresh, old) = rewrite_dirs(&dir);
        // Crash after the old files moved away, before the new ones moved in.
        {
            let mut copy = SledWalletStore::open(&fresh).unwrap();
            copy.commit(vec![("meta".into(), Some(b"sealed".to_vec()))]).unwrap();
        }
        std::fs::create_dir(&old).unwrap();
        let store = SledWalletStore::open(&dir).unwrap();
        assert_eq!(records(&store), vec![("meta".into(), b"sealed".to_vec())]);
        assert!(!fresh.exists() && !old.exists());
        drop(store);
        // Crash while the copy was being written: the copy is discarded.
        std::fs::create_dir(&fresh).unwrap();
        let store = SledWalletStore::open(&dir).unwrap();
        assert_eq!(records(&store).len(), 1);
        assert!(!fresh.exists());
    }
}
