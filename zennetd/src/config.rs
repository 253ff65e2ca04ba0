//! Command line and `zennet.conf`, in Bitcoin Core's spelling: `-regtest`,
//! `-datadir=/x`, `-rpcport=1` work as well as `--regtest`; `-nofoo` and
//! `-foo=0` switch a flag off; the file's `[main]`/`[test]`/`[regtest]`
//! sections apply to their network; the command line wins over the file.

use std::ffi::OsString;
use std::path::PathBuf;

use clap::{CommandFactory, Parser};
use primitives::Network;
use rpc::conffile;

#[derive(Debug, Clone, Parser)]
#[command(name = "zennetd", version, about = "Zennet full node", args_override_self = true)]
pub struct Cli {
    /// Base data directory (default ~/.zennet); each network uses a subdirectory.
    #[arg(long, help_heading = "General options")]
    pub datadir: Option<PathBuf>,
    /// Configuration file (default <datadir>/zennet.conf).
    #[arg(long, help_heading = "General options")]
    pub conf: Option<PathBuf>,
    /// Use the test network.
    #[arg(long, help_heading = "Chain selection options")]
    pub testnet: bool,
    /// Use the regression-test network (easy targets, local mining).
    #[arg(long, help_heading = "Chain selection options")]
    pub regtest: bool,
    /// Network by name: main, test or regtest.
    #[arg(long, help_heading = "Chain selection options")]
    pub chain: Option<String>,
    /// Regtest only: switch MultiShield retargeting and the consecutive-algorithm limit on.
    #[arg(long, help_heading = "Chain selection options")]
    pub regtestmultialgo: bool,
    /// JSON-RPC port (default 7878, testnet 17878, regtest 27878).
    #[arg(long, help_heading = "RPC server options")]
    pub rpcport: Option<u16>,
    /// P2P port (default 7877, testnet 17877, regtest 27877).
    #[arg(long, help_heading = "Connection options")]
    pub port: Option<u16>,
    /// Accept connections from peers (default 1; 0 with -connect).
    #[arg(long, help_heading = "Connection options")]
    pub listen: Option<u8>,
    /// Listen on this address (host:port or host; repeatable). Default: all interfaces.
    #[arg(long, help_heading = "Connection options")]
    pub bind: Vec<String>,
    /// Connect only to this node (repeatable); -connect=0 makes no automatic connections.
    #[arg(long, help_heading = "Connection options")]
    pub connect: Vec<String>,
    /// Keep a connection to this node (repeatable).
    #[arg(long, help_heading = "Connection options")]
    pub addnode: Vec<String>,
    /// Connect to this node to learn addresses, then disconnect (repeatable).
    #[arg(long, help_heading = "Connection options")]
    pub seednode: Vec<String>,
    /// Maximum peer connections, inbound and outbound (default 125).
    #[arg(long, help_heading = "Connection options")]
    pub maxconnections: Option<usize>,
    /// Give peers from this network permissions: [perm,…@]<ip|net/cidr> (bloomfilter, noban, forcerelay, relay, mempool, download, addr, in, out; default noban,relay,mempool,download). Repeatable.
    #[arg(long, help_heading = "Connection options")]
    pub whitelist: Vec<String>,
    /// Listen on this address too, giving its peers permissions: [perm,…@]<addr:port>. Repeatable.
    #[arg(long, help_heading = "Connection options")]
    pub whitebind: Vec<String>,
    /// Script verification threads (0 = one per core, <0 = leave that many cores free; default 0).
    #[arg(long, allow_negative_numbers = true, help_heading = "General options")]
    pub par: Option<i64>,
    /// Command run when the node has started (its RPC answers).
    #[arg(long, help_heading = "General options")]
    pub startupnotify: Option<String>,
    /// Command run just before the node shuts down.
    #[arg(long, help_heading = "General options")]
    pub shutdownnotify: Option<String>,
    /// Seconds a `setban` without a time lasts (default 86400).
    #[arg(long, help_heading = "Connection options")]
    pub bantime: Option<i64>,
    /// Milliseconds an outbound connection attempt may take (default 5000).
    #[arg(long, help_heading = "Connection options")]
    pub timeout: Option<u64>,
    /// Directory of the wallets (default <network datadir>/wallets).
    #[arg(long, help_heading = "Wallet options")]
    pub walletdir: Option<PathBuf>,
    /// Confirmation target (blocks) of the wallet's fee estimates (default 6).
    #[arg(long, help_heading = "Wallet options")]
    pub txconfirmtarget: Option<u32>,
    /// Mempool ancestors and descendants a transaction may have, and their size in kvB (defaults 25, 101, 25, 101).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub limitancestorcount: Option<usize>,
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub limitancestorsize: Option<u64>,
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub limitdescendantcount: Option<usize>,
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub limitdescendantsize: Option<u64>,
    /// Relay and mine non-standard transactions (test networks only; default 0).
    #[arg(long, help_heading = "Node relay options")]
    pub acceptnonstdtxn: Option<u8>,
    /// Feerate (ZEN/kvB) below which the wallet treats a fee as zero when it creates transactions (default 0.00001).
    #[arg(long, help_heading = "Wallet options")]
    pub mintxfee: Option<f64>,
    /// Refuse to create transactions the mempool would refuse for its chain limits (default 1).
    #[arg(long, help_heading = "Wallet options")]
    pub walletrejectlongchains: Option<u8>,
    /// Include peers' IP addresses in the log (default 0).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub logips: Option<u8>,
    /// Seconds a new connection has to finish the version handshake (default 60, minimum 1).
    #[arg(long, help_heading = "Connection options")]
    pub peertimeout: Option<i64>,
    /// Keep traffic sent under this many MiB per 24 hours by not serving blocks older than a week once it is near (0: no limit; peers with the download permission are exempt).
    #[arg(long, help_heading = "Connection options")]
    pub maxuploadtarget: Option<String>,
    /// Chain work (hex) a header chain must have before its blocks are downloaded.
    #[arg(long, help_heading = "Connection options")]
    pub minimumchainwork: Option<String>,
    /// Serve announcement bodies in pruned form once expired + 100 blocks (default 1; 0: archive).
    #[arg(long, help_heading = "General options")]
    pub pruneannouncements: Option<u8>,
    /// JSON-RPC user name (with -rpcpassword; otherwise a cookie file is used).
    #[arg(long, help_heading = "RPC server options")]
    pub rpcuser: Option<String>,
    /// JSON-RPC password.
    #[arg(long, help_heading = "RPC server options")]
    pub rpcpassword: Option<String>,
    /// A user as `<user>:<salt>$<hmac-sha256>` (share/rpcauth/rpcauth.py's output); may be given several times.
    #[arg(long, help_heading = "RPC server options")]
    pub rpcauth: Vec<String>,
    /// Methods a user may call, as `<user>:<method>,<method>…`; may be given several times.
    #[arg(long, help_heading = "RPC server options")]
    pub rpcwhitelist: Vec<String>,
    /// 1: users without a -rpcwhitelist may call nothing (default 1 when any -rpcwhitelist is set).
    #[arg(long, help_heading = "RPC server options")]
    pub rpcwhitelistdefault: Option<u8>,
    /// Seconds an HTTP request's body may take to arrive (default 30).
    #[arg(long, help_heading = "RPC server options")]
    pub rpcservertimeout: Option<u64>,
    /// Threads that serve RPC calls (default 16).
    #[arg(long, help_heading = "RPC server options")]
    pub rpcthreads: Option<usize>,
    /// Calls that may wait for a thread before "Work queue depth exceeded" (default 64).
    #[arg(long, help_heading = "RPC server options")]
    pub rpcworkqueue: Option<usize>,
    /// Who may read the cookie: owner (default), group or all.
    #[arg(long, help_heading = "RPC server options")]
    pub rpccookieperms: Option<String>,
    /// MiB of coin changes kept in memory before they are written (default 450).
    #[arg(long, help_heading = "General options")]
    pub dbcache: Option<usize>,
    /// Mempool size limit in megabytes (default 300).
    #[arg(long, help_heading = "Node relay options")]
    pub maxmempool: Option<u64>,
    /// Hours a transaction may wait in the mempool (default 336).
    #[arg(long, help_heading = "Node relay options")]
    pub mempoolexpiry: Option<i64>,
    /// Minimum relay feerate in ZEN per 1,000 virtual bytes (default 0.00001).
    #[arg(long, help_heading = "Node relay options")]
    pub minrelaytxfee: Option<f64>,
    /// Compact target (hex, e.g. 1f00ffff) tasks must meet to enter this node's mempool.
    #[arg(long, help_heading = "Node relay options")]
    pub mintaskpow: Option<String>,
    /// Keep the mempool across restarts in mempool.dat (default 1).
    #[arg(long, help_heading = "General options")]
    pub persistmempool: Option<u8>,
    /// Mine with the built-in CPU miner from start-up.
    #[arg(long, help_heading = "Block creation options")]
    pub gen: bool,
    /// Mining threads for -gen and setgenerate (-1: one per core).
    #[arg(long, allow_negative_numbers = true, help_heading = "Block creation options")]
    pub genproclimit: Option<i64>,
    /// Algorithm for the built-in miner: sha256d, scrypt, groestl, skein, argon2d.
    #[arg(long, help_heading = "Block creation options")]
    pub algo: Option<String>,
    /// Address the built-in miner pays.
    #[arg(long, help_heading = "Block creation options")]
    pub mineraddress: Option<String>,
    /// Command run when the best block changes (%s becomes its hash).
    #[arg(long, help_heading = "General options")]
    pub blocknotify: Option<String>,
    /// Command run when a wallet transaction changes (%s: txid, %w: wallet name, %b: block hash or 'unconfirmed', %h: block height or -1).
    #[arg(long, help_heading = "Wallet options")]
    pub walletnotify: Option<String>,
    /// Command run when an alert is raised, e.g. the node stopping on a fatal error (%s becomes the message).
    #[arg(long, help_heading = "General options")]
    pub alertnotify: Option<String>,
    /// Command run for every task that enters the market index from a block (%s becomes its task id).
    #[arg(long, help_heading = "General options")]
    pub tasknotify: Option<String>,
    /// Keep an index of every transaction by txid (for getrawtransaction).
    #[arg(long, help_heading = "General options")]
    pub txindex: bool,
    /// Rebuild the chainstate from the stored blocks.
    #[arg(long, help_heading = "General options")]
    pub reindex: bool,
    /// Reduce storage by deleting old blocks: 0 off (default), 1 only on pruneblockchain, >=550 keep block and undo data under this many MiB. Incompatible with -txindex.
    #[arg(long, allow_negative_numbers = true, help_heading = "General options")]
    pub prune: Option<i64>,
    /// Count -prune in KiB instead of MiB, and on regtest prune after height 100 (for tests).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub fastprune: bool,
    /// The same as -reindex here: the block index is rebuilt with the chainstate from the stored blocks.
    #[arg(long = "reindex-chainstate", help_heading = "General options")]
    pub reindex_chainstate: bool,
    /// Accepted as Core; Zennet has no DNS seeds yet (said once in the log).
    #[arg(long, help_heading = "Connection options")]
    pub dnsseed: Option<u8>,
    /// Accepted as Core; own addresses are not discovered (said once in the log).
    #[arg(long, help_heading = "Connection options")]
    pub discover: Option<u8>,
    /// Accepted as Core; no port mapping is done (said once in the log).
    #[arg(long, help_heading = "Connection options")]
    pub upnp: Option<u8>,
    /// Accepted as Core; no port mapping is done (said once in the log).
    #[arg(long, help_heading = "Connection options")]
    pub natpmp: Option<u8>,
    /// Load this wallet (wallets/<name>) at start-up; may be given several times.
    #[arg(long, help_heading = "Wallet options")]
    pub wallet: Vec<String>,
    /// Run without the wallet (wallet RPCs answer "Method not found").
    #[arg(long, help_heading = "Wallet options")]
    pub disablewallet: bool,
    /// Create new files with the system's default permissions, not owner-only (umask 077).
    #[arg(long, help_heading = "General options")]
    pub sysperms: bool,
    /// Feerate in ZEN/kvB the wallet uses when there is no fee estimate (default 0: refuse to guess).
    #[arg(long, help_heading = "Wallet options")]
    pub fallbackfee: Option<f64>,
    /// Publish block hashes on this ZeroMQ address (e.g. tcp://127.0.0.1:28332).
    #[arg(long, help_heading = "ZeroMQ notification options")]
    pub zmqpubhashblock: Vec<String>,
    /// Publish transaction hashes on this ZeroMQ address.
    #[arg(long, help_heading = "ZeroMQ notification options")]
    pub zmqpubhashtx: Vec<String>,
    /// Publish raw blocks on this ZeroMQ address.
    #[arg(long, help_heading = "ZeroMQ notification options")]
    pub zmqpubrawblock: Vec<String>,
    /// Publish raw transactions on this ZeroMQ address.
    #[arg(long, help_heading = "ZeroMQ notification options")]
    pub zmqpubrawtx: Vec<String>,
    /// Publish block connects and disconnects and mempool additions and removals on this ZeroMQ address.
    #[arg(long, help_heading = "ZeroMQ notification options")]
    pub zmqpubsequence: Vec<String>,
    /// Outbound message high water marks (default 1000), per publisher, as Core.
    #[arg(long, help_heading = "ZeroMQ notification options")]
    pub zmqpubhashblockhwm: Option<u32>,
    #[arg(long, help_heading = "ZeroMQ notification options")]
    pub zmqpubhashtxhwm: Option<u32>,
    #[arg(long, help_heading = "ZeroMQ notification options")]
    pub zmqpubrawblockhwm: Option<u32>,
    #[arg(long, help_heading = "ZeroMQ notification options")]
    pub zmqpubrawtxhwm: Option<u32>,
    #[arg(long, help_heading = "ZeroMQ notification options")]
    pub zmqpubsequencehwm: Option<u32>,
    /// Most weight of the blocks this node assembles (default 3996000).
    #[arg(long, help_heading = "Block creation options")]
    pub blockmaxweight: Option<u64>,
    /// Lowest feerate (ZEN/kvB) of transactions in the blocks this node assembles (default 0.00001).
    #[arg(long, help_heading = "Block creation options")]
    pub blockmintxfee: Option<f64>,
    /// Take no transactions from peers (blocks only); transactions of this node's RPC and wallets are still relayed.
    #[arg(long, help_heading = "Connection options")]
    pub blocksonly: bool,
    /// Connect to peers through this SOCKS5 proxy (<ip>:<port>).
    #[arg(long, help_heading = "Connection options")]
    pub proxy: Option<String>,
    /// Reach Tor onion services through this SOCKS5 proxy (<ip>:<port>; default: -proxy; 0: none).
    #[arg(long, help_heading = "Connection options")]
    pub onion: Option<String>,
    /// Make automatic outbound connections only to this network (ipv4, ipv6, onion, i2p, cjdns); repeatable. Inbound and manual connections are not affected.
    #[arg(long, help_heading = "Connection options")]
    pub onlynet: Vec<String>,
    /// Relay and mine OP_RETURN data outputs (default 1).
    #[arg(long, help_heading = "Node relay options")]
    pub datacarrier: Option<u8>,
    /// Largest OP_RETURN output script relayed and mined, in bytes (default 83).
    #[arg(long, help_heading = "Node relay options")]
    pub datacarriersize: Option<usize>,
    /// Relay bare multisig outputs (default 1).
    #[arg(long, help_heading = "Node relay options")]
    pub permitbaremultisig: Option<u8>,
    /// Feerate (ZEN/kvB) below which an output is dust (default 0.00003).
    #[arg(long, help_heading = "Node relay options")]
    pub dustrelayfee: Option<f64>,
    /// Bind the RPC server to this address (with -rpcallowip; repeatable; default localhost).
    #[arg(long, help_heading = "RPC server options")]
    pub rpcbind: Vec<String>,
    /// Allow RPC clients from this address or network (1.2.3.4, 1.2.3.0/24, 1.2.3.0/255.255.255.0; repeatable).
    #[arg(long, help_heading = "RPC server options")]
    pub rpcallowip: Vec<String>,
    /// Run in the background as a daemon and accept commands.
    #[arg(long, help_heading = "General options")]
    pub daemon: bool,
    /// As -daemon, and wait until the node has started (its RPC answers) before returning.
    #[arg(long, help_heading = "General options")]
    pub daemonwait: bool,
    /// Process ID file (default zennetd.pid; a relative path is in the network datadir).
    #[arg(long, help_heading = "General options")]
    pub pid: Option<PathBuf>,
    /// A comment in the user agent peers see (BIP14), repeatable.
    #[arg(long, help_heading = "Connection options")]
    pub uacomment: Vec<String>,
    /// Debug output for a category (net, mempool, rpc, validation, wallet, market, …; 1 or all: every one).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub debug: Vec<String>,
    /// No debug output for a category (after -debug).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub debugexclude: Vec<String>,
    /// Accept public REST requests (GET /rest/…, no authentication, as Core).
    #[arg(long, help_heading = "RPC server options")]
    pub rest: bool,
    /// What type of addresses to use: bech32 (P2WPKH) or bech32m (taproot) (default bech32).
    #[arg(long, help_heading = "Wallet options")]
    pub addresstype: Option<String>,
    /// What type of change to use: bech32 or bech32m (default: taproot when paying a taproot address, else bech32).
    #[arg(long, help_heading = "Wallet options")]
    pub changetype: Option<String>,
    /// Blocks before a payment channel's expiry at which the payee closes it by itself (default 144; regtest 6).
    #[arg(long, help_heading = "Wallet options")]
    pub channelclosemargin: Option<u32>,
    /// Accepted for Bitcoin Core compatibility; the RPC server always runs.
    #[arg(long, help_heading = "RPC server options")]
    pub server: bool,
    /// Log to the console too (default 1; a -daemon has no console).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub printtoconsole: Option<u8>,
    /// Prefix log lines with the time (default 1).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub logtimestamps: Option<u8>,
    /// Prefix log lines with the thread's name (default 0).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub logthreadnames: Option<u8>,
    /// Shrink debug.log to its last 10 MB at start when it is larger than 11 MB (default 1 unless -debug).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub shrinkdebugfile: Option<u8>,
    /// Regtest only: the node's clock, in seconds since 1970 (as setmocktime).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub mocktime: Option<i64>,
}

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

/// `-prune` as Core: 0 off, 1 manual, else a target of at least 550 MiB
/// (KiB with `-fastprune`); refused with `-txindex` and `-reindex-chainstate`.
fn prune_options(cli: &Cli, network: Network) -> Result<Option<crate::chainstate::PruneOptions>, ConfigError> {
    const MIN_PRUNE_TARGET: i64 = 550;
    let target = match cli.prune.unwrap_or(0) {
        0 => return Ok(None),
        n if n < 0 => return Err(ConfigError::Invalid("Prune cannot be configured with a negative value.".into())),
        1 => None,
        n if n < MIN_PRUNE_TARGET => {
            return Err(ConfigError::Invalid(format!(
                "Prune configured below the minimum of {MIN_PRUNE_TARGET} MiB.  Please use a higher number."
            )))
        }
        n => Some((n as u64) << if cli.fastprune { 10 } else { 20 }),
    };
    if cli.txindex {
        return Err(ConfigError::Invalid("Prune mode is incompatible with -txindex.".into()));
    }
    if cli.reindex_chainstate {
        return Err(ConfigError::Invalid(
            "Prune mode is incompatible with -reindex-chainstate. Use full -reindex instead.".into(),
        ));
    }
    let after_height = match network {
        Network::Main => 100_000,
        Network::Regtest if cli.fastprune => 100,
        _ => 1_000,
    };
    Ok(Some(crate::chainstate::PruneOptions { target_bytes: target, after_height }))
}

/// Core's `-maxuploadtarget` value: MiB by default, or with a k/K, m/M,
/// g/G or t/T suffix (lower case powers of 1000, upper case of 1024).
fn parse_byte_size(text: &str) -> Option<u64> {
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], Some(c)),
        _ => (text, None),
    };
    let n: u64 = digits.parse().ok()?;
    let factor: u64 = match unit {
        None | Some('M') => 1 << 20,
        Some('k') => 1_000,
        Some('K') => 1 << 10,
        Some('m') => 1_000_000,
        Some('g') => 1_000_000_000,
        Some('G') => 1 << 30,
        Some('t') => 1_000_000_000_000,
        Some('T') => 1 << 40,
        Some(_) => return None,
    };
    n.checked_mul(factor)
}

/// `-addresstype` / `-changetype`: Core's names; the two kinds Zennet wallets
/// have no keys for are refused with the reason.
fn output_type_option(what: &str, name: &str) -> Result<wallet::keys::OutputType, ConfigError> {
    use wallet::keys::{OutputType, OutputTypeError};
    OutputType::parse(name).map_err(|e| match e {
        OutputTypeError::Unknown(_) => ConfigError::Invalid(format!("Unknown {what} type '{name}'")),
        OutputTypeError::Unavailable(_) => ConfigError::Invalid(format!(
            "-{what}type={name} is not available: Zennet wallets hold bech32 (P2WPKH) and bech32m (taproot) keys"
        )),
    })
}

fn network_of(cli: &Cli) -> Result<Network, String> {
    let chosen: Vec<Network> = [
        cli.testnet.then_some(Network::Test),
        cli.regtest.then_some(Network::Regtest),
        cli.chain.as_deref().map(str::parse).transpose()?,
    ]
    .into_iter()
    .flatten()
    .collect();
    match chosen.as_slice() {
        [] => Ok(Network::Main),
        [n] => Ok(*n),
        [first, rest @ ..] if rest.iter().all(|n| n == first) => Ok(*first),
        _ => Err("Invalid combination of -regtest, -testnet and -chain. Can use at most one.".into()),
    }
}

/// Core options that do not apply to zennetd, each with why: refused with
/// the reason (set to 0, what they switch off is already off here).
const NOT_APPLICABLE: &[(&str, &str)] = &[
    ("assumevalid", "Zennet has no assumed-valid block: every block's scripts are checked"),
    ("blockfilterindex", "BIP158 block filters are not built"),
    ("peerblockfilters", "BIP157 block filters are not served"),
    ("coinstatsindex", "there is no coin statistics index; gettxoutsetinfo reads the coin database"),
    ("i2psam", "I2P is not supported"),
    ("i2pacceptincoming", "I2P is not supported"),
    ("cjdnsreachable", "CJDNS is not supported"),
    ("asmap", "peers are grouped by network prefix; there is no AS map"),
    ("v2transport", "BIP324 encrypted transport is not supported yet (v1 only)"),
    ("peerbloomfilters", "BIP37 bloom filters are not served"),
    ("blocksdir", "blocks live in the chain database under -datadir"),
    ("loadblock", "there are no blk*.dat files to import"),
    ("maxorphantx", "there is no orphan pool: an orphan comes again with its parents"),
    ("fixedseeds", "Zennet has no fixed seeds yet: use -seednode, -addnode or -connect"),
    ("forcednsseed", "Zennet has no DNS seeds yet: use -seednode, -addnode or -connect"),
    ("externalip", "the node does not advertise its own addresses"),
    ("maxtimeadjustment", "the node's clock is never adjusted by peers' times"),
    ("paytxfee", "set it per wallet with settxfee"),
    ("mempoolfullrbf", "full replace-by-fee is always on"),
    ("blockreconstructionextratxn", "compact blocks (BIP152) are not used"),
    ("maxreceivebuffer", "the receive buffer is fixed at Core's default (5,000 KB)"),
    ("maxsendbuffer", "the send buffer is fixed at Core's default (1,000 KB)"),
];

/// The reason an option does not apply, or None when it does (or is off).
fn not_applicable(name: &str, value: Option<&str>) -> Option<&'static str> {
    let (_, why) = NOT_APPLICABLE.iter().find(|(n, _)| *n == name)?;
    (value != Some("0")).then_some(*why)
}

/// Names of the options that take no value.
fn flag_names() -> Vec<String> {
    Cli::command()
        .get_arguments()
        .filter(|a| !a.get_action().takes_values())
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect()
}

/// Rewrites Core's spellings into clap's: `-x` → `--x`, `-flag=1` → `--flag`,
/// `-flag=0` and `-noflag` → nothing.
fn normalize(args: Vec<OsString>) -> Result<Vec<OsString>, String> {
    let flags = flag_names();
    let valued: Vec<String> = Cli::command()
        .get_arguments()
        .filter(|a| a.get_action().takes_values())
        .filter_map(|a| a.get_long().map(str::to_string))
        .collect();
    let mut out = Vec::with_capacity(args.len());
    for (i, arg) in args.into_iter().enumerate() {
        let Some(text) = arg.to_str().filter(|_| i > 0) else {
            out.push(arg);
            continue;
        };
        let Some(body) = text.strip_prefix("--").or_else(|| text.strip_prefix('-')).filter(|b| !b.is_empty()) else {
            return Err(format!("Error parsing command line arguments: unexpected argument '{text}'"));
        };
        let (name, value) = match body.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (body, None),
        };
        if let Some(why) = not_applicable(name, value) {
            return Err(format!("-{name} is not supported: {why}"));
        }
        let negated = name.strip_prefix("no").filter(|n| NOT_APPLICABLE.iter().any(|(na, _)| na == n));
        if negated.is_some() || NOT_APPLICABLE.iter().any(|(n, _)| *n == name) {
            continue; // set to 0: already so
        }
        if name == "includeconf" {
            return Err(format!("-includeconf cannot be used from commandline; -includeconf={}", value.unwrap_or("")));
        }
        if !matches!(name, "h" | "help" | "?" | "V" | "version")
            && !name.strip_prefix("no").is_some_and(|n| Cli::command().get_arguments().any(|a| a.get_long() == Some(n)))
            && !Cli::command().get_arguments().any(|a| a.get_long() == Some(name))
        {
            // As Core: a clear refusal, never a guess at another option.
            return Err(format!("Error parsing command line arguments: Invalid parameter {text}"));
        }
        if matches!(name, "h" | "help" | "?" | "V" | "version") {
            out.push(OsString::from(if name == "V" || name == "version" { "--version" } else { "--help" }));
            continue;
        }
        if let Some(negated) = name.strip_prefix("no").filter(|n| flags.iter().any(|f| f == n)) {
            let _ = negated; // -noflag: the flag stays off
            continue;
        }
        // -nolisten, -noconnect: a valued option set to 0.
        if let Some(option) = name.strip_prefix("no").filter(|n| value.is_none() && valued.iter().any(|v| v == n)) {
            out.push(OsString::from(format!("--{option}=0")));
            continue;
        }
        // A bare -debug is every category, and a bare 0/1 option is 1, as Core.
        if matches!(
            name,
            "debug"
                | "printtoconsole"
                | "logtimestamps"
                | "logthreadnames"
                | "shrinkdebugfile"
                | "datacarrier"
                | "permitbaremultisig"
                | "dnsseed"
                | "discover"
                | "upnp"
                | "natpmp"
                | "acceptnonstdtxn"
                | "walletrejectlongchains"
                | "logips"
        ) && value.is_none()
        {
            out.push(OsString::from(format!("--{name}=1")));
            continue;
        }
        if flags.iter().any(|f| f == name) {
            match value {
                None | Some("1") | Some("") => out.push(OsString::from(format!("--{name}"))),
                Some("0") => {}
                Some(v) => return Err(format!("Invalid value '{v}' for -{name} (use 0 or 1)")),
            }
            continue;
        }
        out.push(OsString::from(match value {
            Some(v) => format!("--{name}={v}"),
            None => format!("--{name}"),
        }));
    }
    Ok(out)
}

/// `key=value` settings from the file as arguments; unknown keys are
/// skipped with a warning (as Core ignores them).
fn conf_args(settings: &conffile::Settings) -> Vec<String> {
    let flags = flag_names();
    let known: Vec<String> = Cli::command().get_arguments().filter_map(|a| a.get_long().map(str::to_string)).collect();
    let mut out = Vec::new();
    for (key, value) in settings {
        if matches!(key.as_str(), "datadir" | "conf") {
            continue;
        }
        if let Some(why) = not_applicable(key, Some(value)) {
            eprintln!("Warning: ignoring configuration setting '{key}': {why}");
            continue;
        }
        if !known.contains(key) {
            if !NOT_APPLICABLE.iter().any(|(n, _)| n == key) {
                eprintln!("Warning: ignoring unknown configuration setting '{key}'");
            }
            continue;
        }
        if flags.contains(key) {
            if value != "0" {
                out.push(format!("--{key}"));
            }
        } else {
            out.push(format!("--{key}={value}"));
        }
    }
    out
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
