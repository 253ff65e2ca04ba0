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

/// One way to log in: a plain user and password (`-rpcuser`/`-rpcpassword`,
/// the cookie), or Core's `-rpcauth=<user>:<salt>$<hmac>`, where
/// hmac = hex(HMAC-SHA256(key = salt, message = password)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Login {
    Plain(Credentials),
    Hashed { user: String, salt: String, hmac_hex: String },
}

impl Login {
    /// Parses an `-rpcauth` value ("Invalid -rpcauth argument." otherwise, as Core).
    pub fn from_rpcauth(value: &str) -> Result<Login, String> {
        let invalid = || "Invalid -rpcauth argument.".to_string();
        let (user, rest) = value.split_once(':').ok_or_else(invalid)?;
        let (salt, hmac_hex) = rest.split_once('$').ok_or_else(invalid)?;
        if user.is_empty() || rest.contains(':') || hmac_hex.contains('$') {
            return Err(invalid());
        }
        Ok(Login::Hashed { user: user.into(), salt: salt.into(), hmac_hex: hmac_hex.to_ascii_lowercase() })
    }

    fn user(&self) -> &str {
        match self {
            Login::Plain(c) => &c.user,
            Login::Hashed { user, .. } => user,
        }
    }

    fn accepts(&self, user: &str, password: &str) -> bool {
        match self {
            Login::Plain(c) => {
                ct_eq(c.user.as_bytes(), user.as_bytes()) & ct_eq(c.password.as_bytes(), password.as_bytes())
            }
            Login::Hashed { user: name, salt, hmac_hex } => {
                ct_eq(name.as_bytes(), user.as_bytes())
                    & ct_eq(rpcauth_hmac(salt, password).as_bytes(), hmac_hex.as_bytes())
            }
        }
    }
}

/// Core's `-rpcauth` hash: hex(HMAC-SHA256(key = salt, message = password)).
pub fn rpcauth_hmac(salt: &str, password: &str) -> String {
    use primitives::hashes::{hmac, sha256, Hash, HashEngine};
    let mut engine = hmac::HmacEngine::<sha256::Hash>::new(salt.as_bytes());
    engine.input(password.as_bytes());
    hex::encode(hmac::Hmac::<sha256::Hash>::from_engine(engine).to_byte_array())
}

/// Who may log in, and which methods each user may call.
#[derive(Debug, Clone, Default)]
pub struct Auth {
    logins: Vec<Login>,
    /// `-rpcwhitelist`: per user, the methods allowed (the intersection of
    /// every list given for that user, as Core).
    whitelists: std::collections::HashMap<String, std::collections::HashSet<String>>,
    /// `-rpcwhitelistdefault`: users without a list may call nothing.
    deny_unlisted: bool,
}

impl Auth {
    pub fn with_logins(logins: Vec<Login>) -> Self {
        Auth { logins, ..Auth::default() }
    }

    /// Adds `-rpcwhitelist=<user>:<method>,<method>…` values and the
    /// `-rpcwhitelistdefault` setting (None: Core's default, on when any
    /// list is given).
    pub fn with_whitelists(mut self, lists: &[String], default: Option<bool>) -> Result<Self, String> {
        for entry in lists {
            let (user, methods) = entry.split_once(':').unwrap_or((entry.as_str(), ""));
            let allowed: std::collections::HashSet<String> =
                methods.split(',').map(str::trim).filter(|m| !m.is_empty()).map(str::to_string).collect();
            match self.whitelists.get_mut(user) {
                Some(existing) => existing.retain(|m| allowed.contains(m)),
                None => {
                    self.whitelists.insert(user.to_string(), allowed);
                }
            }
        }
        self.deny_unlisted = default.unwrap_or(!lists.is_empty());
        Ok(self)
    }

    /// The user an `Authorization` header logs in, if it is valid.
    pub fn check(&self, header: Option<&str>) -> Option<String> {
        let encoded = header.and_then(|h| h.strip_prefix("Basic "))?;
        let decoded = base64::engine::general_purpose::STANDARD.decode(encoded.trim()).ok()?;
        let text = String::from_utf8(decoded).ok()?;
        let (user, password) = text.split_once(':')?;
        // Every login is tried, so the time taken does not tell which matched.
        let matched = self.logins.iter().fold(None, |found, login| {
            let ok = login.accepts(user, password);
            found.or(ok.then(|| login.user().to_string()))
        });
        matched
    }

    /// Whether `user` may call `method`.
    pub fn allowed(&self, user: &str, method: &str) -> bool {
        match self.whitelists.get(user) {
            Some(methods) => methods.contains(method),
            None => !self.deny_unlisted,
        }
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

/// Who may read the cookie (`-rpccookieperms`, as Core).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CookiePerms {
    #[default]
    Owner,
    Group,
    All,
}

impl CookiePerms {
    pub fn parse(text: &str) -> Result<CookiePerms, String> {
        match text {
            "owner" => Ok(CookiePerms::Owner),
            "group" => Ok(CookiePerms::Group),
            "all" => Ok(CookiePerms::All),
            other => Err(format!("Invalid -rpccookieperms value '{other}': use owner, group or all")),
        }
    }

    pub fn mode(self) -> u32 {
        match self {
            CookiePerms::Owner => 0o600,
            CookiePerms::Group => 0o640,
            CookiePerms::All => 0o644,
        }
    }
}

/// Writes a fresh cookie (via a temporary file and rename, as Core),
/// readable as `perms` says, and returns its credentials.
pub fn write_cookie(network_datadir: &Path, perms: CookiePerms) -> std::io::Result<Credentials> {
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
    #[cfg(unix)]
    if perms != CookiePerms::Owner {
        // Widened on purpose, after the secret is written (the umask may not allow it at creation).
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(perms.mode()))?;
    }
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
        let auth = Auth::with_logins(vec![Login::Plain(good.clone())]);
        assert_eq!(auth.check(Some(&good.basic_header())).as_deref(), Some("u"));
        let bad = Credentials { user: "u".into(), password: "nope".into() };
        assert!(auth.check(Some(&bad.basic_header())).is_none());
        assert!(auth.check(None).is_none());
        assert!(auth.check(Some("Basic !!!")).is_none());
    }

    #[test]
    fn rpcauth_as_core_computes_it() {
        // share/rpcauth/rpcauth.py's scheme: HMAC-SHA256 keyed with the salt.
        let hmac = rpcauth_hmac("salt", "password");
        assert_eq!(hmac, "84ec44c7d6fc41917953a1dafca3c7d7856f7a9d0328b991b76f0d36be1224b9");
        let login = Login::from_rpcauth(&format!("alice:salt${hmac}")).unwrap();
        let auth = Auth::with_logins(vec![login]);
        let alice = Credentials { user: "alice".into(), password: "password".into() };
        assert_eq!(auth.check(Some(&alice.basic_header())).as_deref(), Some("alice"));
        let wrong = Credentials { user: "alice".into(), password: "Password".into() };
        assert!(auth.check(Some(&wrong.basic_header())).is_none());
        for bad in ["alice", "alice:salt", "alice:a$b$c", ":salt$00"] {
            assert_eq!(Login::from_rpcauth(bad).unwrap_err(), "Invalid -rpcauth argument.", "{bad}");
        }
    }

    #[test]
    fn whitelists_intersect_and_default_to_deny_once_any_is_given() {
        let lists = vec!["alice:getblockcount,getbestblockhash".to_string(), "alice:getblockcount".to_string()];
        let auth = Auth::default().with_whitelists(&lists, None).unwrap();
        assert!(auth.allowed("alice", "getblockcount"));
        assert!(!auth.allowed("alice", "getbestblockhash"));
        assert!(!auth.allowed("bob", "getblockcount"), "unlisted users get an empty list");
        let open = Auth::default().with_whitelists(&lists, Some(false)).unwrap();
        assert!(open.allowed("bob", "stop"));
        let closed = Auth::default().with_whitelists(&[], Some(true)).unwrap();
        assert!(!closed.allowed("bob", "getblockcount"));
    }
}
