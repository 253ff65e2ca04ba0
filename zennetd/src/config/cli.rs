//! Every option zennetd takes, as clap parses them (after [`super::args`]
//! has rewritten Core's spellings), with the `zennetd -help` text and
//! headings of `bitcoind -help`.

use std::path::PathBuf;

use clap::Parser;

#[derive(Debug, Clone, Parser)]
#[command(name = "zennetd", version, about = "Zennet full node", args_override_self = true)]
pub struct Cli {
    /// Base data directory (default ~/.zennet); each network uses a subdirectory.
    #[arg(long, help_heading = "General options")]
    pub datadir: Option<PathBuf>,
    /// Configuration file (default <datadir>/zennet.conf).
    #[arg(long, help_heading = "General options")]
    pub conf: Option<PathBuf>,
    /// Where the log is written (default debug.log; relative to the network datadir; -nodebuglogfile: none).
    #[arg(long, help_heading = "General options")]
    pub debuglogfile: Option<String>,
    /// Stop once the active chain reaches this height (default 0: never).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub stopatheight: Option<u32>,
    /// Script verification threads (0 = one per core, <0 = leave that many cores free; default 0).
    #[arg(long, allow_negative_numbers = true, help_heading = "General options")]
    pub par: Option<i64>,
    /// Command run when the node has started (its RPC answers).
    #[arg(long, help_heading = "General options")]
    pub startupnotify: Option<String>,
    /// Command run just before the node shuts down.
    #[arg(long, help_heading = "General options")]
    pub shutdownnotify: Option<String>,
    /// Serve announcement bodies in pruned form once expired + 100 blocks (default 1; 0: archive).
    #[arg(long, help_heading = "General options")]
    pub pruneannouncements: Option<u8>,
    /// MiB of memory for the databases: coin changes kept before they are written, and an eighth (at most 64 MiB) for the store's page cache (default 450).
    #[arg(long, help_heading = "General options")]
    pub dbcache: Option<usize>,
    /// Keep the mempool across restarts in mempool.dat (default 1).
    #[arg(long, help_heading = "General options")]
    pub persistmempool: Option<u8>,
    /// Command run when the best block changes (%s becomes its hash).
    #[arg(long, help_heading = "General options")]
    pub blocknotify: Option<String>,
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
    /// The same as -reindex here: the block index is rebuilt with the chainstate from the stored blocks.
    #[arg(long = "reindex-chainstate", help_heading = "General options")]
    pub reindex_chainstate: bool,
    /// Create new files with the system's default permissions, not owner-only (umask 077).
    #[arg(long, help_heading = "General options")]
    pub sysperms: bool,
    /// Run in the background as a daemon and accept commands.
    #[arg(long, help_heading = "General options")]
    pub daemon: bool,
    /// As -daemon, and wait until the node has started (its RPC answers) before returning.
    #[arg(long, help_heading = "General options")]
    pub daemonwait: bool,
    /// Process ID file (default zennetd.pid; a relative path is in the network datadir).
    #[arg(long, help_heading = "General options")]
    pub pid: Option<PathBuf>,
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
    /// Seconds a `setban` without a time lasts (default 86400).
    #[arg(long, help_heading = "Connection options")]
    pub bantime: Option<i64>,
    /// Milliseconds an outbound connection attempt may take (default 5000).
    #[arg(long, help_heading = "Connection options")]
    pub timeout: Option<u64>,
    /// Seconds a new connection has to finish the version handshake (default 60, minimum 1).
    #[arg(long, help_heading = "Connection options")]
    pub peertimeout: Option<i64>,
    /// Keep traffic sent under this many MiB per 24 hours by not serving blocks older than a week once it is near (0: no limit; peers with the download permission are exempt).
    #[arg(long, help_heading = "Connection options")]
    pub maxuploadtarget: Option<String>,
    /// Chain work (hex) a header chain must have before its blocks are downloaded.
    #[arg(long, help_heading = "Connection options")]
    pub minimumchainwork: Option<String>,
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
    /// A comment in the user agent peers see (BIP14), repeatable.
    #[arg(long, help_heading = "Connection options")]
    pub uacomment: Vec<String>,
    /// Directory of the wallets (default <network datadir>/wallets).
    #[arg(long, help_heading = "Wallet options")]
    pub walletdir: Option<PathBuf>,
    /// Confirmation target (blocks) of the wallet's fee estimates (default 6).
    #[arg(long, help_heading = "Wallet options")]
    pub txconfirmtarget: Option<u32>,
    /// Feerate (ZEN/kvB) below which the wallet treats a fee as zero when it creates transactions (default 0.00001).
    #[arg(long, help_heading = "Wallet options")]
    pub mintxfee: Option<f64>,
    /// Refuse to create transactions the mempool would refuse for its chain limits (default 1).
    #[arg(long, help_heading = "Wallet options")]
    pub walletrejectlongchains: Option<u8>,
    /// Command run when a wallet transaction changes (%s: txid, %w: wallet name, %b: block hash or 'unconfirmed', %h: block height or -1).
    #[arg(long, help_heading = "Wallet options")]
    pub walletnotify: Option<String>,
    /// Load this wallet (wallets/<name>) at start-up; may be given several times.
    #[arg(long, help_heading = "Wallet options")]
    pub wallet: Vec<String>,
    /// Run without the wallet (wallet RPCs answer "Method not found").
    #[arg(long, help_heading = "Wallet options")]
    pub disablewallet: bool,
    /// Feerate in ZEN/kvB the wallet uses when there is no fee estimate (default 0: refuse to guess).
    #[arg(long, help_heading = "Wallet options")]
    pub fallbackfee: Option<f64>,
    /// What type of addresses to use: bech32 (P2WPKH) or bech32m (taproot) (default bech32).
    #[arg(long, help_heading = "Wallet options")]
    pub addresstype: Option<String>,
    /// What type of change to use: bech32 or bech32m (default: taproot when paying a taproot address, else bech32).
    #[arg(long, help_heading = "Wallet options")]
    pub changetype: Option<String>,
    /// Blocks before a payment channel's expiry at which the payee closes it by itself (default 144; regtest 6).
    #[arg(long, help_heading = "Wallet options")]
    pub channelclosemargin: Option<u32>,
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
    /// Mempool ancestors and descendants a transaction may have, and their size in kvB (defaults 25, 101, 25, 101).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub limitancestorcount: Option<usize>,
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub limitancestorsize: Option<u64>,
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub limitdescendantcount: Option<usize>,
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub limitdescendantsize: Option<u64>,
    /// Include peers' IP addresses in the log (default 0).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub logips: Option<u8>,
    /// Count -prune in KiB instead of MiB, and on regtest prune after height 100 (for tests).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub fastprune: bool,
    /// Debug output for a category (net, mempool, rpc, validation, wallet, market, …; 1 or all: every one).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub debug: Vec<String>,
    /// No debug output for a category (after -debug).
    #[arg(long, help_heading = "Debugging/Testing options")]
    pub debugexclude: Vec<String>,
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
    /// Relay and mine non-standard transactions (test networks only; default 0).
    #[arg(long, help_heading = "Node relay options")]
    pub acceptnonstdtxn: Option<u8>,
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
    /// Most weight of the blocks this node assembles (default 3996000).
    #[arg(long, help_heading = "Block creation options")]
    pub blockmaxweight: Option<u64>,
    /// Lowest feerate (ZEN/kvB) of transactions in the blocks this node assembles (default 0.00001).
    #[arg(long, help_heading = "Block creation options")]
    pub blockmintxfee: Option<f64>,
    /// JSON-RPC port (default 7878, testnet 17878, regtest 27878).
    #[arg(long, help_heading = "RPC server options")]
    pub rpcport: Option<u16>,
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
    /// Bind the RPC server to this address (with -rpcallowip; repeatable; default localhost).
    #[arg(long, help_heading = "RPC server options")]
    pub rpcbind: Vec<String>,
    /// Allow RPC clients from this address or network (1.2.3.4, 1.2.3.0/24, 1.2.3.0/255.255.255.0; repeatable).
    #[arg(long, help_heading = "RPC server options")]
    pub rpcallowip: Vec<String>,
    /// Accept public REST requests (GET /rest/…, no authentication, as Core).
    #[arg(long, help_heading = "RPC server options")]
    pub rest: bool,
    /// Accepted for Bitcoin Core compatibility; the RPC server always runs.
    #[arg(long, help_heading = "RPC server options")]
    pub server: bool,
}
