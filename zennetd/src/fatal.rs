//! Errors the node cannot run past (Core's `AbortNode`): a write to the
//! chain's store failed, or the disk is about to fill. The first one is
//! logged and kept; the node then shuts down cleanly and exits with a
//! non-zero status. The store's atomic batches mean nothing acknowledged is
//! lost, and a restart once space is freed carries on from the last commit.

use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

/// Free space the node needs beyond what it is about to write (Core's
/// `MIN_DISK_SPACE`, 50 MiB), checked at start and before each block is stored.
pub const MIN_DISK_SPACE: u64 = 50 << 20;

static FATAL: Mutex<Option<String>> = Mutex::new(None);

/// `-alertnotify`, set once at start-up.
pub static ALERT_NOTIFY: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// Core's AlertNotify: logs the alert and runs `-alertnotify` (through
/// `sh -c`, not waited for) with `%s` the message, sanitized and quoted.
pub fn alert(message: &str) {
    tracing::warn!("Alert: {message}");
    let Some(command) = ALERT_NOTIFY.get() else { return };
    // Core's SanitizeString: only characters safe in a shell word.
    let safe: String = message.chars().filter(|c| c.is_ascii_alphanumeric() || " .,;-_/:?@()".contains(*c)).collect();
    let line = command.replace("%s", &format!("'{safe}'"));
    if let Err(e) = std::process::Command::new("sh").arg("-c").arg(&line).spawn() {
        tracing::warn!("-alertnotify: cannot run '{line}': {e}");
    }
}

/// Records a fatal error (the first one wins) and asks the node to stop.
pub fn abort_node(message: impl Into<String>) {
    let message = message.into();
    tracing::error!("*** {message}");
    if let Ok(mut slot) = FATAL.lock() {
        if slot.is_none() {
            tracing::error!("A fatal internal error occurred, see the log for details; shutting down");
            alert(&message);
            *slot = Some(message);
        }
    }
}

/// The fatal error, if one happened.
pub fn error() -> Option<String> {
    FATAL.lock().ok().and_then(|slot| slot.clone())
}

/// Resolves once a fatal error has been recorded.
pub async fn occurred() {
    while error().is_none() {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Bytes available to this (unprivileged) process on the filesystem of `path`.
pub fn free_space(path: &Path) -> std::io::Result<u64> {
    let stats = rustix::fs::statvfs(path)?;
    Ok(stats.f_bavail.saturating_mul(stats.f_frsize))
}

/// Core's `CheckDiskSpace`: at least [`MIN_DISK_SPACE`] left after writing
/// `additional` bytes. An unreadable filesystem counts as enough (the write
/// itself will tell).
pub fn has_disk_space(path: &Path, additional: u64) -> bool {
    free_space(path).map_or(true, |free| free >= MIN_DISK_SPACE.saturating_add(additional))
}

/// A place where tests may kill the process (`ZENNET_FAULT=<name>` in its
/// environment) to check that what was written before is enough to
/// recover; with the variable unset it does nothing.
pub fn fault_point(name: &str) {
    if std::env::var_os("ZENNET_FAULT").is_some_and(|v| v == name) {
        tracing::error!("fault point {name}: aborting as asked by ZENNET_FAULT");
        std::process::abort();
    }
}
