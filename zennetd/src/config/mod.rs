//! Command line and `zennet.conf`, in Bitcoin Core's spelling: `-regtest`,
//! `-datadir=/x`, `-rpcport=1` work as well as `--regtest`; `-nofoo` and
//! `-foo=0` switch a flag off; the file's `[main]`/`[test]`/`[regtest]`
//! sections apply to their network; the command line wins over the file.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::Parser;
use primitives::Network;
use rpc::conffile;

mod args;
mod cli;
mod options;

pub use cli::Cli;

use args::{conf_args, normalize};
use options::{network_of, output_type_option, parse_byte_size, prune_options};

enum ConfigError {
    /// `--help` / `--version` output.
    Display(String),
    Invalid(String),
}

impl From<clap::Error> for ConfigError {
    fn from(e: clap::Error) -> Self {
        use clap::error::ErrorKind;
        match e.kind() {
            ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => ConfigError::Display(e.to_string()),
            _ => ConfigError::Invalid(e.to_string().trim_start_matches("error: ").to_string()),
        }
    }
}

impl From<String> for ConfigError {
    fn from(message: String) -> Self {
        ConfigError::Invalid(message)
    }
}

/// The resolved settings the node runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub network: Network,
    pub datadir: PathBuf,
    pub regtest_multialgo: bool,
    pub rpc_port: u16,
    pub p2p_port: u16,
    pub rpc_user: Option<String>,
    pub rpc_password: Option<String>,
    /// `-rpcauth` logins, parsed.
    pub rpc_auth: Vec<rpc::auth::Login>,
    pub rpc_whitelist: Vec<String>,
    pub rpc_whitelist_default: Option<bool>,
    pub rpc_server_timeout: std::time::Duration,
    pub rpc_threads: usize,
    pub rpc_work_queue: usize,
    pub rpc_cookie_perms: rpc::auth::CookiePerms,
    pub txindex: bool,
    pub reindex: bool,
    /// `-prune`.
    pub prune: Option<crate::chainstate::PruneOptions>,
    /// Options accepted as Core's that this node cannot act on, each with why.
    pub unsupported_notes: Vec<String>,
    pub dbcache_mib: usize,
    pub policy: mempool::Policy,
    pub persist_mempool: bool,
    pub gen: bool,
    pub genproclimit: i64,
    pub algo: primitives::PowAlgo,
    pub mineraddress: Option<primitives::Address>,
    pub blocknotify: Option<String>,
    pub tasknotify: Option<String>,
    pub walletnotify: Option<String>,
    pub alertnotify: Option<String>,
    pub wallets: Vec<String>,
    pub disable_wallet: bool,
    /// `-sysperms`: keep the process umask instead of 077.
    pub sysperms: bool,
    /// zats per kvB.
    pub fallback_fee: u64,
    pub channel_close_margin: u32,
    pub address_type: wallet::keys::OutputType,
    pub change_type: Option<wallet::keys::OutputType>,
    pub rest: bool,
    /// `-uacomment`.
    pub ua_comments: Vec<String>,
    /// `-proxy`.
    pub proxy: Option<std::net::SocketAddr>,
    /// `-onion`.
    pub onion_proxy: Option<std::net::SocketAddr>,
    /// `-onlynet`.
    pub onlynet: Vec<String>,
    /// `-blocksonly`.
    pub blocks_only: bool,
    /// `-whitelist` and `-whitebind`.
    pub whitelist: Vec<crate::net::permissions::WhitelistEntry>,
    pub whitebind: Vec<crate::net::permissions::WhitebindEntry>,
    /// `-peertimeout`.
    pub peer_timeout: std::time::Duration,
    /// `-mintxfee` in zats/kvB.
    pub min_tx_fee: u64,
    /// `-debuglogfile` (None: `-nodebuglogfile`).
    pub debug_log: Option<PathBuf>,
    /// `-stopatheight` (0: never).
    pub stop_at_height: u32,
    /// `-par`: script verification threads.
    pub script_threads: usize,
    pub startupnotify: Option<String>,
    pub shutdownnotify: Option<String>,
    /// `-bantime` in seconds.
    pub ban_time: i64,
    /// `-timeout`.
    pub connect_timeout: std::time::Duration,
    /// `-walletdir`.
    pub wallet_dir: PathBuf,
    /// `-txconfirmtarget`.
    pub conf_target: u32,
    /// `-walletrejectlongchains`.
    pub wallet_reject_long_chains: bool,
    /// `-logips`.
    pub log_ips: bool,
    /// `-maxuploadtarget` in bytes (0: none).
    pub max_upload_target: u64,
    /// Addresses the RPC server listens on, and `-rpcallowip` networks
    /// (loopback is always allowed).
    pub rpc_binds: Vec<std::net::SocketAddr>,
    pub rpc_allow: Vec<crate::net::banman::Subnet>,
    /// `-daemon` / `-daemonwait`.
    pub daemon: bool,
    pub daemon_wait: bool,
    /// Where the process ID is written.
    pub pid_file: PathBuf,
    /// How the log is written.
    pub log: crate::logging::LogOptions,
    /// `-mocktime`.
    pub mocktime: Option<i64>,
    /// `-debug` and `-debugexclude` categories.
    pub debug: Vec<String>,
    pub debug_exclude: Vec<String>,
    /// `-zmqpub*`.
    pub zmq: Vec<crate::zmq::ZmqEndpoint>,
    pub listen: bool,
    pub bind: Vec<std::net::SocketAddr>,
    pub connect: Option<Vec<String>>,
    pub addnode: Vec<String>,
    pub seednode: Vec<String>,
    pub max_connections: usize,
    pub minimum_chain_work: num_bigint::BigUint,
    pub prune_announcements: bool,
}

impl Config {
    /// Resolves the command line and configuration file. `Err(Ok(text))` is
    /// help or version text to print; `Err(Err(message))` an invalid setting.
    pub fn from_args(args: Vec<OsString>) -> Result<Config, Result<String, String>> {
        Self::resolve(args).map_err(|e| match e {
            ConfigError::Display(text) => Ok(text),
            ConfigError::Invalid(message) => Err(message),
        })
    }

    fn resolve(args: Vec<OsString>) -> Result<Config, ConfigError> {
        let argv = normalize(args)?;
        let first = Cli::try_parse_from(&argv)?;
        let network = network_of(&first)?;
        let base = first.datadir.clone().unwrap_or_else(conffile::default_datadir);
        if first.datadir.is_some() && !base.is_dir() {
            return Err(ConfigError::Invalid(format!(
                "Specified data directory \"{}\" does not exist.",
                base.display()
            )));
        }
        // As Core: a relative -conf is in the datadir, and a file named
        // explicitly must exist.
        let conf = match &first.conf {
            Some(path) if path.is_relative() => base.join(path),
            Some(path) => path.clone(),
            None => base.join("zennet.conf"),
        };
        if first.conf.is_some() && !conf.is_file() {
            return Err(ConfigError::Invalid(format!(
                "Error reading configuration file: specified config file \"{}\" could not be opened.",
                conf.display()
            )));
        }

        // The file may itself choose the network (`regtest=1` at the top), so
        // read it for the command line's network, then again if that changed.
        let mut network = network;
        let mut cli = first;
        for _ in 0..2 {
            let settings = conffile::read_with_includes(&conf, network.chain_name(), &base)
                .map_err(|e| ConfigError::Invalid(e.to_string()))?;
            // File settings first, so the command line overrides them.
            let mut merged: Vec<OsString> = vec![argv[0].clone()];
            merged.extend(conf_args(&settings).into_iter().map(OsString::from));
            merged.extend(argv.iter().skip(1).cloned());
            cli = Cli::try_parse_from(merged)?;
            let chosen = network_of(&cli)?;
            if chosen == network {
                break;
            }
            network = chosen;
        }
        let p2p_port = cli.port.unwrap_or(network.p2p_port());
        let connect = match cli.connect.as_slice() {
            [] => None,
            list if list.iter().all(|c| c == "0") => Some(Vec::new()),
            list => Some(list.iter().filter(|c| *c != "0").cloned().collect()),
        };
        let bind = cli
            .bind
            .iter()
            .map(|b| {
                crate::net::connect_target(b, p2p_port)
                    .parse::<std::net::SocketAddr>()
                    .map_err(|_| ConfigError::Invalid(format!("Cannot resolve -bind address: '{b}'")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let minimum_chain_work = match &cli.minimumchainwork {
            Some(hex) => {
                num_bigint::BigUint::parse_bytes(hex.trim_start_matches("0x").as_bytes(), 16).ok_or_else(|| {
                    ConfigError::Invalid(format!("Invalid non-hex ({hex}) minimum chain work value specified"))
                })?
            }
            None => num_bigint::BigUint::default(),
        };
        let prune = prune_options(&cli, network)?;
        if cli.regtestmultialgo && network != Network::Regtest {
            return Err(ConfigError::Invalid("-regtestmultialgo is only available on regtest".into()));
        }
        Ok(Config {
            network,
            datadir: conffile::network_datadir(&base, network),
            regtest_multialgo: cli.regtestmultialgo,
            rpc_port: cli.rpcport.unwrap_or(network.rpc_port()),
            p2p_port,
            rpc_user: cli.rpcuser,
            rpc_password: cli.rpcpassword.filter(|p| !p.is_empty()),
            rpc_auth: cli
                .rpcauth
                .iter()
                .map(|a| rpc::auth::Login::from_rpcauth(a))
                .collect::<Result<_, _>>()
                .map_err(ConfigError::Invalid)?,
            rpc_whitelist: cli.rpcwhitelist,
            rpc_whitelist_default: cli.rpcwhitelistdefault.map(|v| v != 0),
            rpc_server_timeout: std::time::Duration::from_secs(cli.rpcservertimeout.unwrap_or(30).max(1)),
            rpc_threads: cli.rpcthreads.unwrap_or(16).clamp(1, 256),
            rpc_work_queue: cli.rpcworkqueue.unwrap_or(64).max(1),
            rpc_cookie_perms: match &cli.rpccookieperms {
                Some(text) => rpc::auth::CookiePerms::parse(text).map_err(ConfigError::Invalid)?,
                None => rpc::auth::CookiePerms::Owner,
            },
            txindex: cli.txindex,
            dbcache_mib: cli.dbcache.unwrap_or(450).max(1),
            policy: mempool::Policy {
                max_mempool_vbytes: cli.maxmempool.unwrap_or(300) * 1_000_000,
                expiry_secs: cli.mempoolexpiry.unwrap_or(336) * 3600,
                min_relay_feerate: cli.minrelaytxfee.map_or(1_000, |zen| (zen * 1e8).round() as u64),
                max_datacarrier_bytes: match cli.datacarrier {
                    Some(0) => None,
                    _ => Some(cli.datacarriersize.unwrap_or(script::standard::MAX_OP_RETURN_RELAY)),
                },
                permit_bare_multisig: cli.permitbaremultisig.is_none_or(|v| v != 0),
                block_max_weight: cli.blockmaxweight.unwrap_or(primitives::MAX_BLOCK_WEIGHT - 4_000),
                block_min_feerate: cli.blockmintxfee.map_or(1_000, |zen| (zen * 1e8).round() as u64),
                dust_relay_feerate: cli.dustrelayfee.map_or(3_000, |zen| (zen * 1e8).round() as u64),
                ancestor_limit: cli.limitancestorcount.unwrap_or(25).max(1),
                ancestor_size_limit_vbytes: cli.limitancestorsize.unwrap_or(101) * 1000,
                descendant_limit: cli.limitdescendantcount.unwrap_or(25).max(1),
                descendant_size_limit_vbytes: cli.limitdescendantsize.unwrap_or(101) * 1000,
                require_standard: match cli.acceptnonstdtxn {
                    Some(v) if v != 0 && network == Network::Main => {
                        return Err(ConfigError::Invalid(
                            "acceptnonstdtxn is not currently supported for main chain".into(),
                        ))
                    }
                    Some(v) => v == 0,
                    None => true,
                },
                min_task_pow_bits: cli
                    .mintaskpow
                    .as_deref()
                    .map(|hex| u32::from_str_radix(hex.trim_start_matches("0x"), 16))
                    .transpose()
                    .map_err(|_| ConfigError::Invalid("-mintaskpow takes compact bits in hex, e.g. 1f00ffff".into()))?,
                ..mempool::Policy::default()
            },
            persist_mempool: cli.persistmempool.unwrap_or(1) != 0,
            gen: cli.gen,
            genproclimit: cli.genproclimit.unwrap_or(1),
            algo: cli
                .algo
                .as_deref()
                .unwrap_or("sha256d")
                .parse()
                .map_err(|e: primitives::algo::UnknownAlgo| ConfigError::Invalid(e.to_string()))?,
            mineraddress: cli
                .mineraddress
                .as_deref()
                .map(|a| {
                    primitives::Address::parse(a, network)
                        .map_err(|e| ConfigError::Invalid(format!("-mineraddress: {e}")))
                })
                .transpose()?,
            blocknotify: cli.blocknotify,
            tasknotify: cli.tasknotify,
            walletnotify: cli.walletnotify,
            alertnotify: cli.alertnotify,
            reindex: cli.reindex || cli.reindex_chainstate,
            prune,
            unsupported_notes: [
                ("dnsseed", cli.dnsseed, "Zennet has no DNS seeds yet: use -seednode, -addnode or -connect"),
                ("discover", cli.discover, "this node does not discover its own addresses: peers learn them from its connections"),
                ("upnp", cli.upnp, "no UPnP port mapping is done: forward the P2P port by hand"),
                ("natpmp", cli.natpmp, "no NAT-PMP port mapping is done: forward the P2P port by hand"),
            ]
            .into_iter()
            .filter(|(_, v, _)| v.is_some_and(|v| v != 0))
            .map(|(name, _, why)| format!("-{name}: {why}"))
            .collect(),
            wallets: cli.wallet,
            disable_wallet: cli.disablewallet,
            sysperms: cli.sysperms,
            address_type: match cli.addresstype.as_deref() {
                Some(name) => output_type_option("address", name)?,
                None => wallet::keys::OutputType::Bech32,
            },
            change_type: cli.changetype.as_deref().map(|name| output_type_option("change", name)).transpose()?,
            rest: cli.rest,
            ua_comments: {
                // Core's SAFE_CHARS_UA_COMMENT.
                let safe = |c: char| c.is_ascii_alphanumeric() || " .,;-_?@".contains(c);
                if let Some(bad) = cli.uacomment.iter().find(|c| !c.chars().all(safe)) {
                    return Err(ConfigError::Invalid(format!(
                        "User Agent comment ({bad}) contains unsafe characters."
                    )));
                }
                cli.uacomment
            },
            rpc_allow: cli
                .rpcallowip
                .iter()
                .map(|s| s.parse::<crate::net::banman::Subnet>().map_err(|_| ConfigError::Invalid(format!(
                    "Invalid -rpcallowip subnet specification: {s}. Valid are a single IP (e.g. 1.2.3.4), a network/netmask (e.g. 1.2.3.4/255.255.255.0) or a network/CIDR (e.g. 1.2.3.4/24)."
                ))))
                .collect::<Result<_, _>>()?,
            rpc_binds: {
                let port = cli.rpcport.unwrap_or(network.rpc_port());
                let parse = |text: &str| -> Result<std::net::SocketAddr, ConfigError> {
                    text.parse::<std::net::SocketAddr>()
                        .or_else(|_| text.parse::<std::net::IpAddr>().map(|ip| std::net::SocketAddr::new(ip, port)))
                        .map_err(|_| ConfigError::Invalid(format!("Invalid -rpcbind address: {text}")))
                };
                match (cli.rpcallowip.is_empty(), cli.rpcbind.is_empty()) {
                    // As Core: without -rpcallowip the server stays on loopback.
                    (true, binds) => {
                        if !binds {
                            eprintln!("Warning: option -rpcbind was ignored because -rpcallowip was not specified, refusing to allow everyone to connect");
                        }
                        vec![std::net::SocketAddr::from((std::net::Ipv4Addr::LOCALHOST, port))]
                    }
                    (false, true) => vec![std::net::SocketAddr::from((std::net::Ipv4Addr::UNSPECIFIED, port))],
                    (false, false) => cli.rpcbind.iter().map(|b| parse(b)).collect::<Result<_, _>>()?,
                }
            },
            proxy: match cli.proxy.as_deref() {
                None | Some("0") | Some("") => None,
                Some(text) => Some(text.parse().map_err(|_| ConfigError::Invalid(format!("Invalid -proxy address or hostname: '{text}'")))?),
            },
            onion_proxy: match cli.onion.as_deref() {
                None | Some("0") | Some("") => None,
                Some(text) => Some(text.parse().map_err(|_| {
                    ConfigError::Invalid(format!("Invalid -onion address or hostname: '{text}'"))
                })?),
            },
            onlynet: {
                if let Some(bad) = cli.onlynet.iter().find(|n| !crate::net::NETWORKS.contains(&n.as_str())) {
                    return Err(ConfigError::Invalid(format!("Unknown network specified in -onlynet: '{bad}'")));
                }
                cli.onlynet.clone()
            },
            blocks_only: cli.blocksonly,
            whitelist: cli.whitelist.iter().map(|w| w.parse()).collect::<Result<_, String>>()?,
            whitebind: cli.whitebind.iter().map(|w| w.parse()).collect::<Result<_, String>>()?,
            debug_log: match cli.debuglogfile.as_deref() {
                Some("0") => None,
                Some(path) if std::path::Path::new(path).is_relative() => {
                    Some(conffile::network_datadir(&base, network).join(path))
                }
                Some(path) => Some(PathBuf::from(path)),
                None => Some(conffile::network_datadir(&base, network).join("debug.log")),
            },
            stop_at_height: cli.stopatheight.unwrap_or(0),
            script_threads: {
                let cores = std::thread::available_parallelism().map_or(1, |n| n.get()) as i64;
                let par = cli.par.unwrap_or(0);
                (if par <= 0 { par + cores } else { par }).clamp(1, 16) as usize
            },
            startupnotify: cli.startupnotify.clone(),
            shutdownnotify: cli.shutdownnotify.clone(),
            ban_time: cli.bantime.filter(|t| *t > 0).unwrap_or(24 * 3600),
            connect_timeout: std::time::Duration::from_millis(cli.timeout.filter(|t| *t > 0).unwrap_or(5000)),
            wallet_dir: match &cli.walletdir {
                Some(dir) if !dir.is_dir() => {
                    return Err(ConfigError::Invalid(format!("Specified -walletdir \"{}\" does not exist", dir.display())))
                }
                Some(dir) => dir.clone(),
                None => conffile::network_datadir(&base, network).join("wallets"),
            },
            conf_target: cli.txconfirmtarget.unwrap_or(6).clamp(1, 1008),
            min_tx_fee: match cli.mintxfee {
                Some(zen) if !(0.0..=1.0).contains(&zen) => {
                    return Err(ConfigError::Invalid(format!("Invalid amount for -mintxfee=<amount>: '{zen}'")))
                }
                Some(zen) => (zen * 1e8).round() as u64,
                None => 1_000,
            },
            wallet_reject_long_chains: cli.walletrejectlongchains.is_none_or(|v| v != 0),
            log_ips: cli.logips.is_some_and(|v| v != 0),
            peer_timeout: match cli.peertimeout {
                Some(s) if s < 1 => return Err(ConfigError::Invalid("peertimeout must be a positive integer.".into())),
                Some(s) => std::time::Duration::from_secs(s as u64),
                None => std::time::Duration::from_secs(60),
            },
            max_upload_target: match cli.maxuploadtarget.as_deref() {
                None => 0,
                Some(text) => parse_byte_size(text).ok_or_else(|| {
                    ConfigError::Invalid(format!("Unable to parse -maxuploadtarget: '{text}'"))
                })?,
            },
            daemon: cli.daemon || cli.daemonwait,
            daemon_wait: cli.daemonwait,
            pid_file: match &cli.pid {
                Some(path) if path.is_relative() => conffile::network_datadir(&base, network).join(path),
                Some(path) => path.clone(),
                None => conffile::network_datadir(&base, network).join("zennetd.pid"),
            },
            log: crate::logging::LogOptions {
                console: cli.printtoconsole.is_none_or(|v| v != 0),
                timestamps: cli.logtimestamps.is_none_or(|v| v != 0),
                thread_names: cli.logthreadnames.is_some_and(|v| v != 0),
                shrink: cli.shrinkdebugfile.map_or(cli.debug.is_empty(), |v| v != 0),
            },
            mocktime: match cli.mocktime {
                Some(_) if network != Network::Regtest => {
                    return Err(ConfigError::Invalid("-mocktime is for regression testing (-regtest) only".into()))
                }
                Some(t) if t < 0 => return Err(ConfigError::Invalid("-mocktime cannot be negative".into())),
                other => other,
            },
            debug: cli.debug,
            debug_exclude: cli.debugexclude,
            zmq: [
                ("hashblock", &cli.zmqpubhashblock, cli.zmqpubhashblockhwm),
                ("hashtx", &cli.zmqpubhashtx, cli.zmqpubhashtxhwm),
                ("rawblock", &cli.zmqpubrawblock, cli.zmqpubrawblockhwm),
                ("rawtx", &cli.zmqpubrawtx, cli.zmqpubrawtxhwm),
                ("sequence", &cli.zmqpubsequence, cli.zmqpubsequencehwm),
            ]
            .into_iter()
            .flat_map(|(topic, addresses, hwm)| {
                addresses.iter().map(move |address| crate::zmq::ZmqEndpoint {
                    topic,
                    address: address.clone(),
                    hwm: hwm.unwrap_or(1000),
                })
            })
            .collect(),
            channel_close_margin: cli.channelclosemargin.unwrap_or(if network == Network::Regtest { 6 } else { 144 }),
            fallback_fee: match cli.fallbackfee {
                Some(zen) if !(0.0..=1.0).contains(&zen) => {
                    return Err(ConfigError::Invalid(format!("Invalid amount for -fallbackfee=<amount>: '{zen}'")))
                }
                Some(zen) => (zen * 1e8).round() as u64,
                None => 0,
            },
            // Core: -connect turns listening off unless asked for.
            listen: cli.listen.map_or(connect.as_ref().is_none_or(|c| c.is_empty()), |l| l != 0),
            bind,
            connect,
            addnode: cli.addnode,
            seednode: cli.seednode,
            max_connections: cli.maxconnections.unwrap_or(crate::net::DEFAULT_MAX_CONNECTIONS),
            minimum_chain_work,
            prune_announcements: cli.pruneannouncements.unwrap_or(1) != 0,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Config, Result<String, String>> {
        let dir = std::env::temp_dir();
        let mut v: Vec<OsString> = vec!["zennetd".into(), format!("-datadir={}", dir.display()).into()];
        v.extend(args.iter().map(OsString::from));
        Config::from_args(v)
    }

    #[test]
    fn core_spelling_is_accepted() {
        let c = parse(&["-regtest", "-rpcport=27999", "-port=27998"]).unwrap();
        assert_eq!(c.network, Network::Regtest);
        assert_eq!(c.rpc_port, 27999);
        assert_eq!(c.p2p_port, 27998);
        assert!(c.datadir.ends_with("regtest"));
        let c = parse(&["--chain=test", "-noregtest"]).unwrap();
        assert_eq!(c.network, Network::Test);
        assert_eq!(c.rpc_port, 17878);
        assert!(parse(&["-regtest", "-testnet"]).is_err());
        assert!(parse(&["-regtest=0"]).unwrap().network == Network::Main);
        assert!(parse(&["-bogus=1"]).is_err());
        match parse(&["-assumevalid=00"]) {
            Err(Err(message)) => assert!(message.starts_with("-assumevalid is not supported: "), "{message}"),
            _ => panic!("-assumevalid accepted"),
        }
        assert!(parse(&["-v2transport=0"]).is_ok());
        assert!(parse(&["-par=2", "-timeout=100", "-bantime=60", "-limitancestorcount=5"]).is_ok());
    }

    #[test]
    fn file_sections_apply_and_command_line_wins() {
        let dir = std::env::temp_dir().join(format!("zennet-conf-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("zennet.conf"),
            "regtest=1\n[regtest]\nrpcport=30001\nrpcuser=alice\n[main]\nrpcport=1\n",
        )
        .unwrap();
        let base = format!("-datadir={}", dir.display());
        let c = Config::from_args(vec!["zennetd".into(), base.clone().into()]).unwrap();
        assert_eq!(c.network, Network::Regtest);
        assert_eq!(c.rpc_port, 30001);
        assert_eq!(c.rpc_user.as_deref(), Some("alice"));
        let c = Config::from_args(vec!["zennetd".into(), base.into(), "-rpcport=30002".into()]).unwrap();
        assert_eq!(c.rpc_port, 30002);
        std::fs::remove_dir_all(dir).unwrap();
    }
}
