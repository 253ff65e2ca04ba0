//! Locating the shared test data (`../shared` beside the project root).

use std::path::PathBuf;

/// `$ZENNET_SHARED` if set, else `<crate>/../../shared`. Panics with the
/// places it looked if the directory is missing: tests never skip silently.
pub fn shared_dir(crate_manifest_dir: &str) -> PathBuf {
    let candidate = match std::env::var_os("ZENNET_SHARED") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(crate_manifest_dir).join("..").join("..").join("shared"),
    };
    assert!(
        candidate.join("vectors").is_dir(),
        "shared test data not found at {} (set ZENNET_SHARED to the directory holding vectors/)",
        candidate.display()
    );
    candidate
}

/// The bytes of `vectors/<relative>` under [`shared_dir`]; panics with the
/// path when it cannot be read.
pub fn read_vector(crate_manifest_dir: &str, relative: &str) -> Vec<u8> {
    let path = shared_dir(crate_manifest_dir).join("vectors").join(relative);
    std::fs::read(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}
