//! The RPC method table: names, argument names (for named parameters and
//! `-named` in the CLI), categories and one-line help, as Core's.

/// One RPC method as clients see it.
#[derive(Debug, Clone, Copy)]
pub struct MethodSpec {
    pub name: &'static str,
    pub category: &'static str,
    /// Argument names in positional order; a trailing `?` marks optional ones.
    pub args: &'static [&'static str],
    pub summary: &'static str,
}

impl MethodSpec {
    pub fn arg_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.args.iter().map(|a| a.trim_end_matches('?'))
    }

    pub fn required_args(&self) -> usize {
        self.args.iter().filter(|a| !a.ends_with('?')).count()
    }

    /// `name arg1 ( optarg )`, the first line of Core's help.
    pub fn usage(&self) -> String {
        let mut out = self.name.to_string();
        for a in self.args {
            match a.strip_suffix('?') {
                Some(opt) => out.push_str(&format!(" ( {opt} )")),
                None => out.push_str(&format!(" {a}")),
            }
        }
        out
    }
}

pub const METHODS: &[MethodSpec] = &[
    MethodSpec { name: "getbestblockhash", category: "Blockchain", args: &[], summary: "Returns the hash of the best (tip) block in the most-work fully-validated chain." },
    MethodSpec { name: "getblock", category: "Blockchain", args: &["blockhash", "verbosity?"], summary: "Returns a block: hex (0), an object with txids (1, default) or with decoded transactions (2)." },
    MethodSpec { name: "getblockchaininfo", category: "Blockchain", args: &[], summary: "Returns an object containing various state info regarding blockchain processing." },
    MethodSpec { name: "getblockcount", category: "Blockchain", args: &[], summary: "Returns the height of the most-work fully-validated chain." },
    MethodSpec { name: "getblockhash", category: "Blockchain", args: &["height"], summary: "Returns hash of block in best-block-chain at height provided." },
    MethodSpec { name: "getblockheader", category: "Blockchain", args: &["blockhash", "verbose?"], summary: "Returns the block header as an object (verbose=true) or as hex (verbose=false)." },
    MethodSpec { name: "getchaintips", category: "Blockchain", args: &[], summary: "Return information about all known tips in the block tree, including the main chain as well as orphaned branches." },
    MethodSpec { name: "gettxout", category: "Blockchain", args: &["txid", "n", "include_mempool?"], summary: "Returns details about an unspent transaction output (null when spent or unknown)." },
    MethodSpec { name: "gettxoutsetinfo", category: "Blockchain", args: &["hash_type?"], summary: "Returns statistics about the unspent transaction output set, with its hash_serialized_3." },
    MethodSpec { name: "invalidateblock", category: "Blockchain", args: &["blockhash"], summary: "Permanently marks a block as invalid, as if it violated a consensus rule." },
    MethodSpec { name: "preciousblock", category: "Blockchain", args: &["blockhash"], summary: "Treats a block as if it were received before others with the same work." },
    MethodSpec { name: "reconsiderblock", category: "Blockchain", args: &["blockhash"], summary: "Removes invalidity status of a block, its ancestors and its descendants, reconsider them for activation." },
    MethodSpec { name: "verifychain", category: "Blockchain", args: &["checklevel?", "nblocks?"], summary: "Verifies blockchain database (levels 0-4, default 3; nblocks default 6, 0 = all)." },
    MethodSpec { name: "sendrawtransaction", category: "Rawtransactions", args: &["hexstring", "maxfeerate?", "maxburnamount?"], summary: "Submit a raw transaction to the mempool (and, once the network exists, to peers)." },
    MethodSpec { name: "testmempoolaccept", category: "Rawtransactions", args: &["rawtxs", "maxfeerate?"], summary: "Returns whether raw transactions would be accepted by the mempool, with the reject reason when not." },
    MethodSpec { name: "getrawmempool", category: "Blockchain", args: &["verbose?", "mempool_sequence?"], summary: "Returns all transaction ids in the memory pool (objects when verbose)." },
    MethodSpec { name: "getmempoolentry", category: "Blockchain", args: &["txid"], summary: "Returns mempool data for the given transaction." },
    MethodSpec { name: "getmempoolancestors", category: "Blockchain", args: &["txid", "verbose?"], summary: "If txid is in the mempool, returns all in-mempool ancestors." },
    MethodSpec { name: "getmempooldescendants", category: "Blockchain", args: &["txid", "verbose?"], summary: "If txid is in the mempool, returns all in-mempool descendants." },
    MethodSpec { name: "prioritisetransaction", category: "Mining", args: &["txid", "dummy?", "fee_delta"], summary: "Accepts the transaction into mined blocks at a higher (or lower) priority: fee_delta zats added to its fee for selection." },
    MethodSpec { name: "estimatesmartfee", category: "Util", args: &["conf_target", "estimate_mode?"], summary: "Estimates the fee per kvB needed to confirm within conf_target blocks, from the feerates recent blocks confirmed." },
    MethodSpec { name: "getmempoolinfo", category: "Blockchain", args: &[], summary: "Returns details on the active state of the transaction memory pool." },
    MethodSpec { name: "getrawtransaction", category: "Rawtransactions", args: &["txid", "verbose?", "blockhash?"], summary: "Return the raw transaction data (needs -txindex or the block hash)." },
    MethodSpec { name: "decoderawtransaction", category: "Rawtransactions", args: &["hexstring", "iswitness?"], summary: "Return a JSON object representing the serialized, hex-encoded transaction." },
    MethodSpec { name: "decodescript", category: "Rawtransactions", args: &["hexstring"], summary: "Decode a hex-encoded script." },
    MethodSpec { name: "submitheader", category: "Mining", args: &["hexdata"], summary: "Decode the given hexdata as a header and submit it as a candidate chain tip if valid." },
    MethodSpec { name: "setmocktime", category: "Control", args: &["timestamp"], summary: "Set the local time to given timestamp (-regtest only); 0 returns to the system clock." },
    MethodSpec { name: "getdifficulty", category: "Blockchain", args: &[], summary: "Returns the proof-of-work difficulty of the tip as a multiple of the minimum difficulty." },
    MethodSpec { name: "getmininginfo", category: "Mining", args: &[], summary: "Returns mining-related information, with the next block's difficulty per algorithm." },
    MethodSpec { name: "getblocktemplate", category: "Mining", args: &["template_request?", "algo?"], summary: "BIP22/23 block template for external miners (rules must contain segwit); the second argument names the algorithm." },
    MethodSpec { name: "getnetworkhashps", category: "Mining", args: &["nblocks?", "height?", "algo?"], summary: "Returns the estimated network hashes per second over the last nblocks (default 120), optionally for one algorithm." },
    MethodSpec { name: "setgenerate", category: "Generating", args: &["generate", "genproclimit?", "algo?"], summary: "Turn the built-in miner on or off (threads; -1 for one per core), paying -mineraddress." },
    MethodSpec { name: "submitblock", category: "Mining", args: &["hexdata", "dummy?"], summary: "Attempts to submit a new block to the network (BIP22): null when accepted, else the reason." },
    MethodSpec { name: "generatetoaddress", category: "Generating", args: &["nblocks", "address", "maxtries?", "algo?"], summary: "Mine blocks immediately to a specified address with an algorithm (sha256d, scrypt, groestl, skein, argon2d)." },
    MethodSpec { name: "abandontransaction", category: "Wallet", args: &["txid"], summary: "Mark in-wallet transaction <txid> as abandoned, so its inputs can be respent." },
    MethodSpec { name: "backupwallet", category: "Wallet", args: &["destination"], summary: "Safely copies the wallet database to destination (a new directory)." },
    MethodSpec { name: "bumpfee", category: "Wallet", args: &["txid", "options?"], summary: "Bumps the fee of an opt-in-RBF transaction T, replacing it with a new transaction B paying more." },
    MethodSpec { name: "createwallet", category: "Wallet", args: &["wallet_name", "disable_private_keys?", "blank?", "passphrase?", "avoid_reuse?", "descriptors?", "load_on_startup?", "external_signer?", "mnemonic?"], summary: "Creates and loads a new wallet; returns its 24-word recovery phrase once (field mnemonic), or restores one from the named parameter mnemonic." },
    MethodSpec { name: "encryptwallet", category: "Wallet", args: &["passphrase"], summary: "Encrypts the wallet with 'passphrase' (Argon2id + ChaCha20-Poly1305). The wallet is locked afterwards." },
    MethodSpec { name: "getaddressinfo", category: "Wallet", args: &["address"], summary: "Return information about the given address." },
    MethodSpec { name: "getbalance", category: "Wallet", args: &["dummy?", "minconf?", "include_watchonly?", "avoid_reuse?"], summary: "Returns the total available balance." },
    MethodSpec { name: "getbalances", category: "Wallet", args: &[], summary: "Returns an object with all balances in ZEN (trusted, untrusted_pending, immature)." },
    MethodSpec { name: "getnewaddress", category: "Wallet", args: &["label?", "address_type?"], summary: "Returns a new bech32 (P2WPKH) address for receiving payments." },
    MethodSpec { name: "getrawchangeaddress", category: "Wallet", args: &["address_type?"], summary: "Returns a new address for receiving change." },
    MethodSpec { name: "getreceivedbyaddress", category: "Wallet", args: &["address", "minconf?", "include_immature_coinbase?"], summary: "Returns the total amount received by the given address in transactions with at least minconf confirmations." },
    MethodSpec { name: "gettransaction", category: "Wallet", args: &["txid", "include_watchonly?", "verbose?"], summary: "Get detailed information about in-wallet transaction <txid>." },
    MethodSpec { name: "getwalletinfo", category: "Wallet", args: &[], summary: "Returns an object containing various wallet state info." },
    MethodSpec { name: "importdescriptors", category: "Wallet", args: &["requests"], summary: "Import watch-only descriptors: addr(...), wpkh(<pubkey>) and wpkh(<xpub>/.../*)." },
    MethodSpec { name: "listdescriptors", category: "Wallet", args: &["private?"], summary: "List the wallet's descriptors (private ones only when unlocked and asked for)." },
    MethodSpec { name: "listlockunspent", category: "Wallet", args: &[], summary: "Returns list of temporarily unspendable outputs." },
    MethodSpec { name: "listsinceblock", category: "Wallet", args: &["blockhash?", "target_confirmations?", "include_watchonly?", "include_removed?", "include_change?", "label?"], summary: "Get all transactions in blocks since block [blockhash], or all transactions if omitted." },
    MethodSpec { name: "listtransactions", category: "Wallet", args: &["label?", "count?", "skip?", "include_watchonly?"], summary: "Returns up to 'count' most recent transactions skipping the first 'skip' transactions." },
    MethodSpec { name: "listunspent", category: "Wallet", args: &["minconf?", "maxconf?", "addresses?", "include_unsafe?", "query_options?"], summary: "Returns array of unspent transaction outputs with between minconf and maxconf confirmations." },
    MethodSpec { name: "listwallets", category: "Wallet", args: &[], summary: "Returns a list of currently loaded wallets." },
    MethodSpec { name: "listwalletdir", category: "Wallet", args: &[], summary: "Returns a list of wallets in the wallet directory." },
    MethodSpec { name: "loadwallet", category: "Wallet", args: &["filename", "load_on_startup?"], summary: "Loads a wallet from a wallet directory." },
    MethodSpec { name: "lockunspent", category: "Wallet", args: &["unlock", "transactions?", "persistent?"], summary: "Updates list of temporarily unspendable outputs." },
    MethodSpec { name: "rescanblockchain", category: "Wallet", args: &["start_height?", "stop_height?"], summary: "Rescan the local blockchain for wallet related transactions." },
    MethodSpec { name: "sendmany", category: "Wallet", args: &["dummy", "amounts", "minconf?", "comment?", "subtractfeefrom?", "replaceable?", "conf_target?", "estimate_mode?", "fee_rate?", "verbose?"], summary: "Send multiple times. Amounts are double-precision floating point numbers." },
    MethodSpec { name: "sendtoaddress", category: "Wallet", args: &["address", "amount", "comment?", "comment_to?", "subtractfeefromamount?", "replaceable?", "conf_target?", "estimate_mode?", "avoid_reuse?", "fee_rate?", "verbose?"], summary: "Send an amount to a given address." },
    MethodSpec { name: "settxfee", category: "Wallet", args: &["amount"], summary: "Set the transaction fee rate in ZEN/kvB for this wallet (0 to estimate)." },
    MethodSpec { name: "signmessage", category: "Wallet", args: &["address", "message"], summary: "Sign a message with the private key of an address." },
    MethodSpec { name: "unloadwallet", category: "Wallet", args: &["wallet_name?", "load_on_startup?"], summary: "Unloads the wallet referenced by the request endpoint or the wallet_name argument." },
    MethodSpec { name: "walletlock", category: "Wallet", args: &[], summary: "Removes the wallet encryption key from memory, locking the wallet." },
    MethodSpec { name: "walletpassphrase", category: "Wallet", args: &["passphrase", "timeout"], summary: "Stores the wallet decryption key in memory for 'timeout' seconds." },
    MethodSpec { name: "walletpassphrasechange", category: "Wallet", args: &["oldpassphrase", "newpassphrase"], summary: "Changes the wallet passphrase from 'oldpassphrase' to 'newpassphrase'." },
    MethodSpec { name: "validateaddress", category: "Util", args: &["address"], summary: "Return information about the given Zennet address." },
    MethodSpec { name: "verifymessage", category: "Util", args: &["address", "signature", "message"], summary: "Verify a signed message." },
    MethodSpec { name: "getpeerinfo", category: "Network", args: &[], summary: "Returns data about each connected network peer as a json array of objects." },
    MethodSpec { name: "getnetworkinfo", category: "Network", args: &[], summary: "Returns an object containing various state info regarding P2P networking." },
    MethodSpec { name: "getconnectioncount", category: "Network", args: &[], summary: "Returns the number of connections to other nodes." },
    MethodSpec { name: "addnode", category: "Network", args: &["node", "command"], summary: "Attempts to add or remove a node from the addnode list, or to try a connection to a node once (add|remove|onetry)." },
    MethodSpec { name: "disconnectnode", category: "Network", args: &["address?", "nodeid?"], summary: "Immediately disconnects from the specified peer node (by address or by nodeid)." },
    MethodSpec { name: "getaddednodeinfo", category: "Network", args: &["node?"], summary: "Returns information about the given added node, or all added nodes." },
    MethodSpec { name: "setban", category: "Network", args: &["subnet", "command", "bantime?", "absolute?"], summary: "Attempts to add or remove an IP/Subnet from the banned list (add|remove); bans persist in banlist.json." },
    MethodSpec { name: "listbanned", category: "Network", args: &[], summary: "List all manually banned IPs/Subnets." },
    MethodSpec { name: "clearbanned", category: "Network", args: &[], summary: "Clear all banned IPs." },
    MethodSpec { name: "getnettotals", category: "Network", args: &[], summary: "Returns information about network traffic, including bytes in, bytes out, and current system time." },
    MethodSpec { name: "ping", category: "Network", args: &[], summary: "Requests that a ping be sent to all other nodes, to measure ping time (see pingtime in getpeerinfo)." },
    MethodSpec { name: "getnodeaddresses", category: "Network", args: &["count?", "network?"], summary: "Return known addresses, after filtering for quality and recency (count 0: all)." },
    MethodSpec { name: "setnetworkactive", category: "Network", args: &["state"], summary: "Disable/enable all p2p network activity." },
    MethodSpec { name: "help", category: "Control", args: &["command?"], summary: "List all commands, or get help for a specified command." },
    MethodSpec { name: "stop", category: "Control", args: &[], summary: "Request a graceful shutdown of Zennet server." },
    MethodSpec { name: "uptime", category: "Control", args: &[], summary: "Returns the total uptime of the server in seconds." },
];

pub fn find(name: &str) -> Option<&'static MethodSpec> {
    METHODS.iter().find(|m| m.name == name)
}

/// Core's `help` without arguments: commands grouped by category.
pub fn help_overview() -> String {
    let mut categories: Vec<&str> = METHODS.iter().map(|m| m.category).collect();
    categories.sort_unstable();
    categories.dedup();
    let mut out = Vec::new();
    for category in categories {
        out.push(format!("== {category} =="));
        let mut names: Vec<String> = METHODS.iter().filter(|m| m.category == category).map(|m| m.usage()).collect();
        names.sort();
        out.extend(names);
        out.push(String::new());
    }
    out.join("\n").trim_end().to_string()
}

/// Core's `help <command>`.
pub fn help_for(name: &str) -> Option<String> {
    find(name).map(|m| format!("{}\n\n{}", m.usage(), m.summary))
}
