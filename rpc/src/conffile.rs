//! `zennet.conf`: Core's `bitcoin.conf` format. `key=value` lines, `#`
//! comments, `[main]`/`[test]`/`[regtest]` sections; settings before any
//! section apply to every network (except the network-only ones, as Core).

use std::path::Path;

/// Settings in file order as (key, value).
pub type Settings = Vec<(String, String)>;

#[derive(Debug, thiserror::Error)]
pub enum ConfError {
    #[error("cannot read {path}: {source}")]
    Io { path: String, source: std::io::Error },
    #[error("{path}:{line}: parse error: '{text}' (expected key=value or [section])")]
    Parse { path: String, line: usize, text: String },
    #[error("Failed to include configuration file {0}")]
    Include(String),
}

/// As [`read`], with Core's `includeconf=<file>` (relative to `datadir`):
/// the included files' settings come first, so the main file's win; an
/// `includeconf` inside an included file is ignored with a warning.
pub fn read_with_includes(path: &Path, network_section: &str, datadir: &Path) -> Result<Settings, ConfError> {
    let main = read(path, network_section)?;
    let mut out = Vec::new();
    for (_, file) in main.iter().filter(|(k, _)| k == "includeconf") {
        let included = if Path::new(file).is_relative() { datadir.join(file) } else { file.into() };
        let text =
            std::fs::read_to_string(&included).map_err(|_| ConfError::Include(included.display().to_string()))?;
        for (key, value) in parse(&text, network_section, &included.display().to_string())? {
            if key == "includeconf" {
                eprintln!("warning: -includeconf cannot be used from included files; ignoring -includeconf={value}");
                continue;
            }
            out.push((key, value));
        }
    }
    out.extend(main.into_iter().filter(|(k, _)| k != "includeconf"));
    Ok(out)
}

/// Reads the settings of `network_section` ("main", "test", "regtest") and
/// of the top of the file. A missing file is no settings.
pub fn read(path: &Path, network_section: &str) -> Result<Settings, ConfError> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => return Err(ConfError::Io { path: path.display().to_string(), source }),
    };
    parse(&text, network_section, &path.display().to_string())
}

pub fn parse(text: &str, network_section: &str, path: &str) -> Result<Settings, ConfError> {
    let mut section: Option<String> = None;
    let mut out = Vec::new();
    for (n, raw) in text.lines().enumerate() {
        let line = raw.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            section = Some(name.trim().to_string());
            continue;
        }
        let Some((key, value)) = line.split_once('=') else {
            return Err(ConfError::Parse { path: path.to_string(), line: n + 1, text: raw.to_string() });
        };
        let key = key.trim();
        // `regtest.rpcport=1` is the one-line spelling of a section entry.
        let (key_section, key) = match key.split_once('.') {
            Some((s, k)) => (Some(s.to_string()), k),
            None => (section.clone(), key),
        };
        match key_section.as_deref() {
            None => out.push((key.to_string(), value.trim().to_string())),
            Some(s) if s == network_section => out.push((key.to_string(), value.trim().to_string())),
            Some(_) => {}
        }
    }
    Ok(out)
}

/// The last value given for `key`.
pub fn last<'a>(settings: &'a Settings, key: &str) -> Option<&'a str> {
    settings.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}

/// `~/.zennet`, the base data directory.
pub fn default_datadir() -> std::path::PathBuf {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from).unwrap_or_else(|| ".".into());
    home.join(".zennet")
}

/// The data directory of one network under a base directory.
pub fn network_datadir(base: &Path, network: primitives::Network) -> std::path::PathBuf {
    match network.datadir_suffix() {
        "" => base.to_path_buf(),
        suffix => base.join(suffix),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_and_comments() {
        let text = "rpcuser=alice # top\n[regtest]\nrpcport=1234\n[main]\nrpcport=99\ntest.rpcport=5\n";
        let s = parse(text, "regtest", "zennet.conf").unwrap();
        assert_eq!(last(&s, "rpcuser"), Some("alice"));
        assert_eq!(last(&s, "rpcport"), Some("1234"));
        assert!(parse("oops\n", "main", "zennet.conf").is_err());
    }

    #[test]
    fn includeconf_is_read_from_the_datadir_and_the_main_file_wins() {
        let dir = std::env::temp_dir().join(format!("zennet-includeconf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("zennet.conf"), "includeconf=extra.conf\nrpcport=1\n").unwrap();
        std::fs::write(dir.join("extra.conf"), "rpcport=2\nrpcuser=bob\nincludeconf=more.conf\n").unwrap();
        let s = read_with_includes(&dir.join("zennet.conf"), "main", &dir).unwrap();
        assert_eq!((last(&s, "rpcport"), last(&s, "rpcuser")), (Some("1"), Some("bob")));
        assert!(last(&s, "includeconf").is_none());
        std::fs::write(dir.join("zennet.conf"), "includeconf=missing.conf\n").unwrap();
        let e = read_with_includes(&dir.join("zennet.conf"), "main", &dir).unwrap_err();
        assert!(e.to_string().starts_with("Failed to include configuration file"), "{e}");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
