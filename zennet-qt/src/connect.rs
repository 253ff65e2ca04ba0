//! Where the node is and how to log in: the same options, `zennet.conf` and
//! cookie as `zennet-cli`, and the reasons a connection fails, in words.

use std::path::PathBuf;
use std::time::Duration;

use primitives::Network;
use rpc::auth::{read_cookie, Credentials};
use rpc::{conffile, ClientError, RpcClient};

#[derive(Debug, Clone)]
pub struct ConnectSettings {
    pub network: Network,
    /// Base data directory (the network's is beneath it).
    pub datadir: PathBuf,
    pub host: String,
    pub port: u16,
    pub user: Option<String>,
    pub password: Option<String>,
    /// Where this GUI keeps its own settings.
    pub gui_settings: PathBuf,
    /// A `zennet:` payment URI given on the command line (opened on the Send page).
    pub uri: Option<String>,
}

impl ConnectSettings {
    /// From command-line arguments in Core's spelling (`-regtest`,
    /// `-datadir=…`, `-rpcconnect=…`, `-rpcport=…`, `-rpcuser=…`,
    /// `-rpcpassword=…`, `-conf=…`), then `zennet.conf`.
    pub fn from_args(args: &[String]) -> Result<ConnectSettings, String> {
        let mut given: Vec<(String, String)> = Vec::new();
        let mut uri = None;
        for arg in args {
            if arg.starts_with("zennet:") {
                uri = Some(arg.clone());
                continue;
            }
            let body = arg.trim_start_matches('-');
            let (key, value) = body.split_once('=').unwrap_or((body, "1"));
            match key {
                "testnet" if value != "0" => given.push(("chain".into(), "test".into())),
                "regtest" if value != "0" => given.push(("chain".into(), "regtest".into())),
                "chain" | "datadir" | "conf" | "rpcconnect" | "rpcport" | "rpcuser" | "rpcpassword" => {
                    given.push((key.to_string(), value.to_string()))
                }
                other => return Err(format!("unknown option -{other}")),
            }
        }
        let network: Network = conffile::last(&given, "chain").unwrap_or("main").parse()?;
        let datadir = conffile::last(&given, "datadir").map(PathBuf::from).unwrap_or_else(conffile::default_datadir);
        let conf = conffile::last(&given, "conf").map(PathBuf::from).unwrap_or_else(|| datadir.join("zennet.conf"));
        let mut settings = conffile::read(&conf, network.chain_name()).map_err(|e| e.to_string())?;
        settings.extend(given);
        let port = match conffile::last(&settings, "rpcport") {
            Some(p) => p.parse().map_err(|_| format!("invalid -rpcport={p}"))?,
            None => network.rpc_port(),
        };
        Ok(ConnectSettings {
            network,
            gui_settings: datadir.join("zennet-qt.json"),
            host: conffile::last(&settings, "rpcconnect").unwrap_or("127.0.0.1").to_string(),
            port,
            user: conffile::last(&settings, "rpcuser").map(str::to_string),
            password: conffile::last(&settings, "rpcpassword").map(str::to_string),
            datadir,
            uri,
        })
    }

    pub fn network_datadir(&self) -> PathBuf {
        conffile::network_datadir(&self.datadir, self.network)
    }

    fn credentials(&self) -> Result<Credentials, String> {
        match (&self.user, &self.password) {
            (Some(user), Some(password)) => Ok(Credentials { user: user.clone(), password: password.clone() }),
            _ => read_cookie(&self.network_datadir()).map_err(|e| {
                format!(
                    "No RPC credentials: no cookie in {} ({e}) and no -rpcpassword. Is zennetd running for {}?",
                    self.network_datadir().display(),
                    self.network
                )
            }),
        }
    }

    /// A client for the node, or for one of its wallets.
    pub fn client(&self, wallet: Option<&str>, timeout: Duration) -> Result<RpcClient, String> {
        let url = match wallet {
            Some(name) => format!("http://{}:{}/wallet/{}", self.host, self.port, percent_encode(name)),
            None => format!("http://{}:{}/", self.host, self.port),
        };
        Ok(RpcClient::new(url, self.credentials()?, timeout))
    }
}

/// Percent-encoding of everything but RFC 3986's unreserved characters
/// (wallet names in URLs, `zennet:` URI parameters).
pub fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// Why the node could not be used, as the connection screen says it.
pub fn explain(error: &ClientError, settings: &ConnectSettings) -> String {
    match error {
        ClientError::Transport { message, .. } => format!(
            "Cannot reach zennetd at {}:{} ({message}). Start it, or use \"Start a local node\".",
            settings.host, settings.port
        ),
        ClientError::Unauthorized => {
            "The node refused the credentials (check -rpcuser/-rpcpassword or the cookie).".into()
        }
        other => other.to_string(),
    }
}
