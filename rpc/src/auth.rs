//! RPC authentication as Core's: a `.cookie` file holding `__cookie__:<random>`
//! written at start-up, and/or `-rpcuser`/`-rpcpassword`.

use std::path::{Path, PathBuf};

use base64::Engine;
use rand::RngCore;

pub const COOKIE_USER: &str = "__cookie__";
pub const COOKIE_FILE: &str = ".cookie";

/// A user name and password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub user: String,
    pub password: String,
}

impl Credentials {
    /// The `Authorization` header value.
    pub fn basic_header(&self) -> String {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{}:{}", self.user, self.password));
        format!("Basic {token}")
    }
}

/// Everything the server accepts.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    accepted: Vec<Credentials>,
}

impl Auth {
    pub fn new(accepted: Vec<Credentials>) -> Self {
        Auth { accepted }
    }

    /// Checks an `Authorization` header value.
    pub fn check(&self, header: Option<&str>) -> bool {
        let Some(encoded) = header.and_then(|h| h.strip_prefix("Basic ")) else {
            return false;
        };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return false;
        };
        let Ok(text) = String::from_utf8(decoded) else {
            return false;
        };
        let Some((user, password)) = text.split_once(':') else {
            return false;
        };
        self.accepted
            .iter()
            .any(|c| ct_eq(c.user.as_bytes(), user.as_bytes()) & ct_eq(c.password.as_bytes(), password.as_bytes()))
    }
}

/// Comparison whose time does not depend on where the inputs differ.
fn ct_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

pub fn cookie_path(network_datadir: &Path) -> PathBuf {
    network_datadir.join(COOKIE_FILE)
}

/// Writes a fresh cookie (via a temporary file and rename, as Core) and
/// returns its credentials.
pub fn write_cookie(network_datadir: &Path) -> std::io::Result<Credentials> {
    let mut secret = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut secret);
    let credentials = Credentials { user: COOKIE_USER.to_string(), password: hex::encode(secret) };
    let tmp = network_datadir.join(".cookie.tmp");
    // Owner-only from the first byte: created new (O_EXCL) with mode 0600,
    // never written world-readable and chmod'ed after. A leftover from a
    // crash is removed first.
    let _ = std::fs::remove_file(&tmp);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&tmp)?;
    std::io::Write::write_all(&mut file, format!("{}:{}", credentials.user, credentials.password).as_bytes())?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp, cookie_path(network_datadir))?;
    Ok(credentials)
}

pub fn read_cookie(network_datadir: &Path) -> std::io::Result<Credentials> {
    let path = cookie_path(network_datadir);
    let text = std::fs::read_to_string(&path)?;
    let (user, password) = text.trim().split_once(':').ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidData, format!("malformed cookie file {}", path.display()))
    })?;
    Ok(Credentials { user: user.to_string(), password: password.to_string() })
}

pub fn remove_cookie(network_datadir: &Path) {
    let _ = std::fs::remove_file(cookie_path(network_datadir));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_auth_round_trip() {
        let good = Credentials { user: "u".into(), password: "p:with:colons".into() };
        let auth = Auth::new(vec![good.clone()]);
        assert!(auth.check(Some(&good.basic_header())));
        let bad = Credentials { user: "u".into(), password: "nope".into() };
        assert!(!auth.check(Some(&bad.basic_header())));
        assert!(!auth.check(None));
        assert!(!auth.check(Some("Basic !!!")));
    }
}
