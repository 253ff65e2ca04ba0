//! Log output and Core's debug categories: the console and `debug.log` in
//! the network datadir (reopened on SIGHUP, for logrotate), through a
//! reloadable filter, so the `logging` RPC turns categories on and off
//! while the node runs.

use std::collections::BTreeSet;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Registry};

/// Core's category names that mean something here, and the code they cover.
pub const CATEGORIES: &[(&str, &[&str])] = &[
    ("addrman", &["zennetd::net::addrman"]),
    ("bench", &["zennetd::chainstate::bench"]),
    ("coindb", &["zennetd::store", "zennetd::chainstate::store"]),
    ("estimatefee", &["mempool::estimate"]),
    ("http", &["rpc::http"]),
    ("leveldb", &["sled"]),
    ("market", &["zennetd::node_state::market", "zennetd::jobs", "zennetd::channels"]),
    ("mempool", &["zennetd::node_state", "mempool"]),
    ("net", &["zennetd::net"]),
    ("reindex", &["zennetd::chainstate::reindex"]),
    ("rpc", &["zennetd::rpc", "rpc"]),
    ("selectcoins", &["wallet::select"]),
    ("validation", &["zennetd::chainstate", "consensus", "script"]),
    ("wallet", &["zennetd::wallets", "zennetd::rpc::wallet", "wallet"]),
];

/// The filter without categories: info, sled quieter, and never the RPC
/// library's debug output (it holds request bodies, passphrases included).
const BASE: &str = "info,sled=warn";
const ALWAYS: &str = "jsonrpsee=warn";

static HANDLE: OnceLock<reload::Handle<EnvFilter, Registry>> = OnceLock::new();
static ENABLED: Mutex<BTreeSet<&'static str>> = Mutex::new(BTreeSet::new());

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum LoggingError {
    #[error("unknown logging category {0}")]
    UnknownCategory(String),
    #[error("logging is not reloadable in this process")]
    NotReloadable,
}

fn filter(base: &str, enabled: &BTreeSet<&'static str>) -> EnvFilter {
    let mut text = base.to_string();
    for (name, targets) in CATEGORIES {
        if enabled.contains(name) {
            for target in *targets {
                text.push_str(&format!(",{target}=debug"));
            }
        }
    }
    text.push(',');
    text.push_str(ALWAYS);
    EnvFilter::try_new(&text).unwrap_or_else(|_| EnvFilter::new(ALWAYS))
}

/// `debug.log`: appended to, and reopened by [`reopen`] after logrotate has
/// moved it. Writes are dropped while it cannot be opened (a full or
/// read-only disk must not stop the node; the console still has them).
struct DebugLog {
    path: PathBuf,
    file: Mutex<Option<File>>,
}

static DEBUG_LOG: OnceLock<DebugLog> = OnceLock::new();

fn open_log(path: &Path) -> Option<File> {
    OpenOptions::new().create(true).append(true).open(path).ok()
}

struct DebugLogWriter;

impl Write for DebugLogWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if let Some(log) = DEBUG_LOG.get() {
            if let Some(file) = log.file.lock().unwrap_or_else(|p| p.into_inner()).as_mut() {
                // One event is one write of one line: appends never interleave.
                let _ = file.write_all(buf);
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// How the log is written: `-printtoconsole`, `-logtimestamps`,
/// `-logthreadnames`, `-shrinkdebugfile`.
#[derive(Debug, Clone, Copy)]
pub struct LogOptions {
    pub console: bool,
    pub timestamps: bool,
    pub thread_names: bool,
    pub shrink: bool,
}

impl Default for LogOptions {
    fn default() -> Self {
        LogOptions { console: true, timestamps: true, thread_names: false, shrink: true }
    }
}

/// The time at the start of a line, or nothing (`-logtimestamps=0`).
#[derive(Debug, Clone, Copy)]
struct Timer(bool);

impl tracing_subscriber::fmt::time::FormatTime for Timer {
    fn format_time(&self, w: &mut tracing_subscriber::fmt::format::Writer<'_>) -> std::fmt::Result {
        if self.0 {
            tracing_subscriber::fmt::time::SystemTime.format_time(w)
        } else {
            Ok(())
        }
    }
}

/// Core's `ShrinkDebugFile`: past 11 MB, keep the last 10 MB (from a line start).
fn shrink(path: &Path) {
    const KEEP: u64 = 10 << 20;
    let Ok(meta) = std::fs::metadata(path) else { return };
    if meta.len() <= KEEP + (1 << 20) {
        return;
    }
    let Ok(bytes) = std::fs::read(path) else { return };
    let tail = &bytes[bytes.len() - KEEP as usize..];
    let start = tail.iter().position(|b| *b == b'\n').map_or(0, |i| i + 1);
    let _ = std::fs::write(path, &tail[start..]);
}

/// Starts logging: to standard error when asked, and to `debug_log` when
/// given. `RUST_LOG`, when set, replaces the base filter (the RPC library
/// stays at warnings whatever it says).
pub fn init(debug_log: Option<&Path>, options: LogOptions) {
    use tracing_subscriber::fmt::format::{Format, Full};
    let base = std::env::var("RUST_LOG").unwrap_or_else(|_| BASE.to_string());
    let (layer, handle) = reload::Layer::new(filter(&base, &BTreeSet::new()));
    let format = || -> Format<Full, Timer> {
        Format::default().with_timer(Timer(options.timestamps)).with_thread_names(options.thread_names)
    };
    let console_layer = options.console.then(|| {
        tracing_subscriber::fmt::layer()
            .event_format(format().with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())))
            .with_writer(std::io::stderr)
    });
    let file_layer = debug_log.map(|path| {
        if options.shrink {
            shrink(path);
        }
        let _ = DEBUG_LOG.set(DebugLog { path: path.to_path_buf(), file: Mutex::new(open_log(path)) });
        tracing_subscriber::fmt::layer().event_format(format().with_ansi(false)).with_writer(|| DebugLogWriter)
    });
    if tracing_subscriber::registry().with(layer).with(console_layer).with(file_layer).try_init().is_ok() {
        let _ = HANDLE.set(handle);
    }
}

/// Reopens `debug.log` at its path (SIGHUP, after logrotate moved the old one).
pub fn reopen() {
    if let Some(log) = DEBUG_LOG.get() {
        *log.file.lock().unwrap_or_else(|p| p.into_inner()) = open_log(&log.path);
    }
}

/// Resolves a category name: a known one, or Core's "all"/"1" (every one)
/// and "none"/"0" (none).
fn resolve(name: &str) -> Result<Vec<&'static str>, LoggingError> {
    match name {
        "all" | "1" => Ok(CATEGORIES.iter().map(|(n, _)| *n).collect()),
        "none" | "0" => Ok(Vec::new()),
        _ => CATEGORIES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(n, _)| vec![*n])
            .ok_or_else(|| LoggingError::UnknownCategory(name.to_string())),
    }
}

/// Whether `name` is a category (or Core's all/none spellings).
pub fn is_category(name: &str) -> bool {
    resolve(name).is_ok()
}

/// Core's `logging include exclude`: turns categories on, then off, and
/// returns every category with its state.
pub fn update(include: &[String], exclude: &[String]) -> Result<Vec<(&'static str, bool)>, LoggingError> {
    let mut add = Vec::new();
    for name in include {
        add.extend(resolve(name)?);
    }
    let mut remove = Vec::new();
    for name in exclude {
        remove.extend(resolve(name)?);
    }
    let mut enabled = ENABLED.lock().unwrap_or_else(|p| p.into_inner());
    let before = enabled.clone();
    enabled.extend(add);
    for name in remove {
        enabled.remove(name);
    }
    if *enabled != before {
        let handle = HANDLE.get().ok_or(LoggingError::NotReloadable)?;
        let base = std::env::var("RUST_LOG").unwrap_or_else(|_| BASE.to_string());
        handle.reload(filter(&base, &enabled)).map_err(|_| LoggingError::NotReloadable)?;
    }
    Ok(CATEGORIES.iter().map(|(n, _)| (*n, enabled.contains(n))).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_resolve_as_core() {
        assert_eq!(resolve("net"), Ok(vec!["net"]));
        assert_eq!(resolve("all").unwrap().len(), CATEGORIES.len());
        assert_eq!(resolve("none"), Ok(vec![]));
        assert_eq!(resolve("nett"), Err(LoggingError::UnknownCategory("nett".into())));
        let text = filter(BASE, &["net"].into_iter().collect()).to_string();
        assert!(text.contains("zennetd::net=debug") && text.contains("jsonrpsee=warn"), "{text}");
    }
}
