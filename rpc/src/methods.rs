//! The RPC method table: every method declared once, with its category,
//! its positional parameters (names for named parameters and `-named`, and
//! whether `zennet-cli` passes them as JSON) and one-line help, as Core's.
//! The server registers, the CLI converts and `help` lists from it alone;
//! a test in zennetd checks that every method it dispatches is here and
//! every method here is dispatched.

/// How a parameter is given on the command line (Core's `vRPCConvertParams`):
/// `Json` values (numbers, booleans, objects, arrays, amounts) are parsed,
/// `Str` ones (hashes, addresses, hex, names) stay strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgType {
    Str,
    Json,
}

/// One positional parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arg {
    pub name: &'static str,
    pub optional: bool,
    pub kind: ArgType,
}

const fn req(name: &'static str, kind: ArgType) -> Arg {
    Arg { name, optional: false, kind }
}

const fn opt(name: &'static str, kind: ArgType) -> Arg {
    Arg { name, optional: true, kind }
}

use ArgType::{Json, Str};

/// One RPC method as clients see it.
#[derive(Debug, Clone, Copy)]
pub struct MethodSpec {
    pub name: &'static str,
    pub category: &'static str,
    /// Parameters in positional order.
    pub args: &'static [Arg],
    pub summary: &'static str,
}

impl MethodSpec {
    pub fn arg_names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.args.iter().map(|a| a.name)
    }

    pub fn required_args(&self) -> usize {
        self.args.iter().filter(|a| !a.optional).count()
    }

    /// `name arg1 ( optarg )`, the first line of Core's help.
    pub fn usage(&self) -> String {
        let mut out = self.name.to_string();
        for a in self.args {
            // As Core: string arguments quoted.
            let shown = if a.kind == Str { format!("\"{}\"", a.name) } else { a.name.to_string() };
            if a.optional {
                out.push_str(&format!(" ( {shown} )"));
            } else {
                out.push_str(&format!(" {shown}"));
            }
        }
        out
    }

    /// Whether the CLI passes positional parameter `index` as JSON.
    pub fn is_json_arg(&self, index: usize) -> bool {
        self.args.get(index).is_some_and(|a| a.kind == Json)
    }

    /// Whether the CLI passes the named parameter `name` as JSON.
    pub fn is_json_named(&self, name: &str) -> bool {
        self.args.iter().any(|a| a.name == name && a.kind == Json)
    }
}

pub const METHODS: &[MethodSpec] = &[
    MethodSpec { name: "getbestblockhash", category: "Blockchain", args: &[], summary: "Returns the hash of the best (tip) block in the most-work fully-validated chain." },
    MethodSpec { name: "getblock", category: "Blockchain", args: &[req("blockhash", Str), opt("verbosity", Json)], summary: "Returns a block: hex (0), an object with txids (1, default) or with decoded transactions (2)." },
    MethodSpec { name: "getblockchaininfo", category: "Blockchain", args: &[], summary: "Returns an object containing various state info regarding blockchain processing." },
    MethodSpec { name: "getdeploymentinfo", category: "Blockchain", args: &[opt("blockhash", Str)], summary: "Returns an object containing various state info regarding deployments of consensus changes (all buried: active from genesis)." },
    MethodSpec { name: "getblockcount", category: "Blockchain", args: &[], summary: "Returns the height of the most-work fully-validated chain." },
    MethodSpec { name: "getblockhash", category: "Blockchain", args: &[req("height", Json)], summary: "Returns hash of block in best-block-chain at height provided." },
    MethodSpec { name: "getblockheader", category: "Blockchain", args: &[req("blockhash", Str), opt("verbose", Json)], summary: "Returns the block header as an object (verbose=true) or as hex (verbose=false)." },
    MethodSpec { name: "getchaintips", category: "Blockchain", args: &[], summary: "Return information about all known tips in the block tree, including the main chain as well as orphaned branches." },
    MethodSpec { name: "gettxout", category: "Blockchain", args: &[req("txid", Str), req("n", Json), opt("include_mempool", Json)], summary: "Returns details about an unspent transaction output (null when spent or unknown)." },
    MethodSpec { name: "gettxoutsetinfo", category: "Blockchain", args: &[opt("hash_type", Str)], summary: "Returns statistics about the unspent transaction output set, with its hash_serialized_3." },
    MethodSpec { name: "invalidateblock", category: "Blockchain", args: &[req("blockhash", Str)], summary: "Permanently marks a block as invalid, as if it violated a consensus rule." },
    MethodSpec { name: "preciousblock", category: "Blockchain", args: &[req("blockhash", Str)], summary: "Treats a block as if it were received before others with the same work." },
    MethodSpec { name: "pruneblockchain", category: "Blockchain", args: &[req("height", Json)], summary: "Deletes the data of blocks up to a height or a block time (UNIX epoch); needs -prune. Returns the height of the last block pruned." },
    MethodSpec { name: "reconsiderblock", category: "Blockchain", args: &[req("blockhash", Str)], summary: "Removes invalidity status of a block, its ancestors and its descendants, reconsider them for activation." },
    MethodSpec { name: "verifychain", category: "Blockchain", args: &[opt("checklevel", Json), opt("nblocks", Json)], summary: "Verifies blockchain database (levels 0-4, default 3; nblocks default 6, 0 = all)." },
    MethodSpec { name: "sendrawtransaction", category: "Rawtransactions", args: &[req("hexstring", Str), opt("maxfeerate", Json), opt("maxburnamount", Str)], summary: "Submit a raw transaction to the mempool (and, once the network exists, to peers)." },
    MethodSpec { name: "testmempoolaccept", category: "Rawtransactions", args: &[req("rawtxs", Json), opt("maxfeerate", Json)], summary: "Returns whether raw transactions would be accepted by the mempool, with the reject reason when not." },
    MethodSpec { name: "getrawmempool", category: "Blockchain", args: &[opt("verbose", Json), opt("mempool_sequence", Str)], summary: "Returns all transaction ids in the memory pool (objects when verbose)." },
    MethodSpec { name: "getmempoolentry", category: "Blockchain", args: &[req("txid", Str)], summary: "Returns mempool data for the given transaction." },
    MethodSpec { name: "getmempoolancestors", category: "Blockchain", args: &[req("txid", Str), opt("verbose", Json)], summary: "If txid is in the mempool, returns all in-mempool ancestors." },
    MethodSpec { name: "getmempooldescendants", category: "Blockchain", args: &[req("txid", Str), opt("verbose", Json)], summary: "If txid is in the mempool, returns all in-mempool descendants." },
    MethodSpec { name: "prioritisetransaction", category: "Mining", args: &[req("txid", Str), opt("dummy", Json), req("fee_delta", Json)], summary: "Accepts the transaction into mined blocks at a higher (or lower) priority: fee_delta zats added to its fee for selection." },
    MethodSpec { name: "estimatesmartfee", category: "Util", args: &[req("conf_target", Json), opt("estimate_mode", Str)], summary: "Estimates the fee per kvB needed to confirm within conf_target blocks, from the feerates recent blocks confirmed." },
    MethodSpec { name: "getmempoolinfo", category: "Blockchain", args: &[], summary: "Returns details on the active state of the transaction memory pool." },
    MethodSpec { name: "getrawtransaction", category: "Rawtransactions", args: &[req("txid", Str), opt("verbose", Json), opt("blockhash", Str)], summary: "Return the raw transaction data (needs -txindex or the block hash)." },
    MethodSpec { name: "decoderawtransaction", category: "Rawtransactions", args: &[req("hexstring", Str), opt("iswitness", Json)], summary: "Return a JSON object representing the serialized, hex-encoded transaction." },
    MethodSpec { name: "decodescript", category: "Rawtransactions", args: &[req("hexstring", Str)], summary: "Decode a hex-encoded script." },
    MethodSpec { name: "submitheader", category: "Mining", args: &[req("hexdata", Str)], summary: "Decode the given hexdata as a header and submit it as a candidate chain tip if valid." },
    MethodSpec { name: "setmocktime", category: "Control", args: &[req("timestamp", Json)], summary: "Set the local time to given timestamp (-regtest only); 0 returns to the system clock." },
    MethodSpec { name: "getdifficulty", category: "Blockchain", args: &[], summary: "Returns the proof-of-work difficulty of the tip as a multiple of the minimum difficulty." },
    MethodSpec { name: "getmininginfo", category: "Mining", args: &[], summary: "Returns mining-related information, with the next block's difficulty per algorithm." },
    MethodSpec { name: "getblocktemplate", category: "Mining", args: &[opt("template_request", Json), opt("algo", Str)], summary: "BIP22/23 block template for external miners (rules must contain segwit); the second argument names the algorithm." },
    MethodSpec { name: "getnetworkhashps", category: "Mining", args: &[opt("nblocks", Json), opt("height", Json), opt("algo", Str)], summary: "Returns the estimated network hashes per second over the last nblocks (default 120), optionally for one algorithm." },
    MethodSpec { name: "setgenerate", category: "Generating", args: &[req("generate", Json), opt("genproclimit", Json), opt("algo", Str)], summary: "Turn the built-in miner on or off (threads; -1 for one per core), paying -mineraddress." },
    MethodSpec { name: "submitblock", category: "Mining", args: &[req("hexdata", Str), opt("dummy", Str)], summary: "Attempts to submit a new block to the network (BIP22): null when accepted, else the reason." },
    MethodSpec { name: "generatetoaddress", category: "Generating", args: &[req("nblocks", Json), req("address", Str), opt("maxtries", Json), opt("algo", Str)], summary: "Mine blocks immediately to a specified address with an algorithm (sha256d, scrypt, groestl, skein, argon2d)." },
    MethodSpec { name: "abandontransaction", category: "Wallet", args: &[req("txid", Str)], summary: "Mark in-wallet transaction <txid> as abandoned, so its inputs can be respent." },
    MethodSpec { name: "backupwallet", category: "Wallet", args: &[req("destination", Str)], summary: "Safely copies the wallet database to destination (a new directory)." },
    MethodSpec { name: "bumpfee", category: "Wallet", args: &[req("txid", Str), opt("options", Json)], summary: "Bumps the fee of an opt-in-RBF transaction T, replacing it with a new transaction B paying more." },
    MethodSpec { name: "createwallet", category: "Wallet", args: &[req("wallet_name", Str), opt("disable_private_keys", Json), opt("blank", Json), opt("passphrase", Str), opt("avoid_reuse", Json), opt("descriptors", Json), opt("load_on_startup", Json), opt("external_signer", Json), opt("mnemonic", Str)], summary: "Creates and loads a new wallet; returns its 24-word recovery phrase once (field mnemonic), or restores one from the named parameter mnemonic." },
    MethodSpec { name: "encryptwallet", category: "Wallet", args: &[req("passphrase", Str)], summary: "Encrypts the wallet with 'passphrase' (Argon2id + ChaCha20-Poly1305). The wallet is locked afterwards." },
    MethodSpec { name: "fundrawtransaction", category: "Wallet", args: &[req("hexstring", Str), opt("options", Json), opt("iswitness", Json)], summary: "Add inputs to a transaction until it has enough in value to meet its out value, and a change output if needed; returns {hex, fee, changepos}. Options as Core: add_inputs, changeAddress, changePosition, includeWatching, lockUnspents, fee_rate (sat/vB), feeRate (ZEN/kvB), subtractFeeFromOutputs, replaceable, conf_target." },
    MethodSpec { name: "walletcreatefundedpsbt", category: "Wallet", args: &[opt("inputs", Json), req("outputs", Json), opt("locktime", Json), opt("options", Json), opt("bip32derivs", Json)], summary: "Creates and funds a transaction in the Partially Signed Transaction format." },
    MethodSpec { name: "walletprocesspsbt", category: "Wallet", args: &[req("psbt", Str), opt("sign", Json), opt("sighashtype", Str), opt("bip32derivs", Json), opt("finalize", Json)], summary: "Update a PSBT with input information from our wallet and then sign inputs that we can sign for." },
    MethodSpec { name: "signrawtransactionwithwallet", category: "Wallet", args: &[req("hexstring", Str), opt("prevtxs", Json), opt("sighashtype", Str)], summary: "Sign inputs for raw transaction (serialized, hex-encoded) with the wallet's keys." },
    MethodSpec { name: "dumpprivkey", category: "Wallet", args: &[req("address", Str)], summary: "Reveals the private key of an address: legacy wallets only, as Core; descriptor wallets (every Zennet wallet) answer -4. Use listdescriptors true." },
    MethodSpec { name: "setlabel", category: "Wallet", args: &[req("address", Str), req("label", Str)], summary: "Sets the label associated with the given address." },
    MethodSpec { name: "listlabels", category: "Wallet", args: &[opt("purpose", Str)], summary: "Returns the list of all labels, or labels that are assigned to addresses with a specific purpose." },
    MethodSpec { name: "getaddressesbylabel", category: "Wallet", args: &[req("label", Str)], summary: "Returns the list of addresses assigned the specified label." },
    MethodSpec { name: "listreceivedbyaddress", category: "Wallet", args: &[opt("minconf", Json), opt("include_empty", Json), opt("include_watchonly", Json), opt("address_filter", Str), opt("include_immature_coinbase", Json)], summary: "List balances by receiving address." },
    MethodSpec { name: "listreceivedbylabel", category: "Wallet", args: &[opt("minconf", Json), opt("include_empty", Json), opt("include_watchonly", Json), opt("include_immature_coinbase", Json)], summary: "List received transactions by label." },
    MethodSpec { name: "getaddressinfo", category: "Wallet", args: &[req("address", Str)], summary: "Return information about the given address." },
    MethodSpec { name: "getbalance", category: "Wallet", args: &[opt("dummy", Str), opt("minconf", Json), opt("include_watchonly", Json), opt("avoid_reuse", Json)], summary: "Returns the total available balance." },
    MethodSpec { name: "getbalances", category: "Wallet", args: &[], summary: "Returns an object with all balances in ZEN (trusted, untrusted_pending, immature)." },
    MethodSpec { name: "getnewaddress", category: "Wallet", args: &[opt("label", Str), opt("address_type", Str)], summary: "Returns a new address for receiving payments: address_type bech32 (P2WPKH) or bech32m (taproot); default -addresstype." },
    MethodSpec { name: "getrawchangeaddress", category: "Wallet", args: &[opt("address_type", Str)], summary: "Returns a new address for receiving change." },
    MethodSpec { name: "getreceivedbyaddress", category: "Wallet", args: &[req("address", Str), opt("minconf", Json), opt("include_immature_coinbase", Json)], summary: "Returns the total amount received by the given address in transactions with at least minconf confirmations." },
    MethodSpec { name: "gettransaction", category: "Wallet", args: &[req("txid", Str), opt("include_watchonly", Json), opt("verbose", Json)], summary: "Get detailed information about in-wallet transaction <txid>." },
    MethodSpec { name: "getwalletinfo", category: "Wallet", args: &[], summary: "Returns an object containing various wallet state info." },
    MethodSpec { name: "importdescriptors", category: "Wallet", args: &[req("requests", Json)], summary: "Import watch-only descriptors: addr(...), wpkh(<pubkey>) and wpkh(<xpub>/.../*)." },
    MethodSpec { name: "listdescriptors", category: "Wallet", args: &[opt("private", Json)], summary: "List the wallet's descriptors (private ones only when unlocked and asked for)." },
    MethodSpec { name: "listlockunspent", category: "Wallet", args: &[], summary: "Returns list of temporarily unspendable outputs." },
    MethodSpec { name: "listsinceblock", category: "Wallet", args: &[opt("blockhash", Str), opt("target_confirmations", Json), opt("include_watchonly", Json), opt("include_removed", Json), opt("include_change", Json), opt("label", Str)], summary: "Get all transactions in blocks since block [blockhash], or all transactions if omitted." },
    MethodSpec { name: "listtransactions", category: "Wallet", args: &[opt("label", Str), opt("count", Json), opt("skip", Json), opt("include_watchonly", Json)], summary: "Returns up to 'count' most recent transactions skipping the first 'skip' transactions." },
    MethodSpec { name: "listunspent", category: "Wallet", args: &[opt("minconf", Json), opt("maxconf", Json), opt("addresses", Json), opt("include_unsafe", Json), opt("query_options", Json)], summary: "Returns array of unspent transaction outputs with between minconf and maxconf confirmations." },
    MethodSpec { name: "listwallets", category: "Wallet", args: &[], summary: "Returns a list of currently loaded wallets." },
    MethodSpec { name: "listwalletdir", category: "Wallet", args: &[], summary: "Returns a list of wallets in the wallet directory." },
    MethodSpec { name: "loadwallet", category: "Wallet", args: &[req("filename", Str), opt("load_on_startup", Json)], summary: "Loads a wallet from a wallet directory." },
    MethodSpec { name: "lockunspent", category: "Wallet", args: &[req("unlock", Json), opt("transactions", Json), opt("persistent", Json)], summary: "Updates list of temporarily unspendable outputs." },
    MethodSpec { name: "rescanblockchain", category: "Wallet", args: &[opt("start_height", Json), opt("stop_height", Json)], summary: "Rescan the local blockchain for wallet related transactions." },
    MethodSpec { name: "sendmany", category: "Wallet", args: &[req("dummy", Str), req("amounts", Json), opt("minconf", Json), opt("comment", Str), opt("subtractfeefrom", Json), opt("replaceable", Json), opt("conf_target", Json), opt("estimate_mode", Str), opt("fee_rate", Json), opt("verbose", Json)], summary: "Send multiple times. Amounts are double-precision floating point numbers." },
    MethodSpec { name: "sendtoaddress", category: "Wallet", args: &[req("address", Str), req("amount", Json), opt("comment", Str), opt("comment_to", Str), opt("subtractfeefromamount", Json), opt("replaceable", Json), opt("conf_target", Json), opt("estimate_mode", Str), opt("avoid_reuse", Json), opt("fee_rate", Json), opt("verbose", Json)], summary: "Send an amount to a given address." },
    MethodSpec { name: "settxfee", category: "Wallet", args: &[req("amount", Json)], summary: "Set the transaction fee rate in ZEN/kvB for this wallet (0 to estimate)." },
    MethodSpec { name: "signmessage", category: "Wallet", args: &[req("address", Str), req("message", Str)], summary: "Sign a message with the private key of an address." },
    MethodSpec { name: "unloadwallet", category: "Wallet", args: &[opt("wallet_name", Str), opt("load_on_startup", Json)], summary: "Unloads the wallet referenced by the request endpoint or the wallet_name argument." },
    MethodSpec { name: "walletlock", category: "Wallet", args: &[], summary: "Removes the wallet encryption key from memory, locking the wallet." },
    MethodSpec { name: "walletpassphrase", category: "Wallet", args: &[req("passphrase", Str), req("timeout", Json)], summary: "Stores the wallet decryption key in memory for 'timeout' seconds." },
    MethodSpec { name: "walletpassphrasechange", category: "Wallet", args: &[req("oldpassphrase", Str), req("newpassphrase", Str)], summary: "Changes the wallet passphrase from 'oldpassphrase' to 'newpassphrase'." },
    MethodSpec { name: "validateaddress", category: "Util", args: &[req("address", Str)], summary: "Return information about the given Zennet address." },
    MethodSpec { name: "verifymessage", category: "Util", args: &[req("address", Str), req("signature", Str), req("message", Str)], summary: "Verify a signed message." },
    MethodSpec { name: "getpeerinfo", category: "Network", args: &[], summary: "Returns data about each connected network peer as a json array of objects." },
    MethodSpec { name: "getnetworkinfo", category: "Network", args: &[], summary: "Returns an object containing various state info regarding P2P networking." },
    MethodSpec { name: "getconnectioncount", category: "Network", args: &[], summary: "Returns the number of connections to other nodes." },
    MethodSpec { name: "addnode", category: "Network", args: &[req("node", Str), req("command", Str)], summary: "Attempts to add or remove a node from the addnode list, or to try a connection to a node once (add|remove|onetry)." },
    MethodSpec { name: "disconnectnode", category: "Network", args: &[opt("address", Str), opt("nodeid", Str)], summary: "Immediately disconnects from the specified peer node (by address or by nodeid)." },
    MethodSpec { name: "getaddednodeinfo", category: "Network", args: &[opt("node", Str)], summary: "Returns information about the given added node, or all added nodes." },
    MethodSpec { name: "setban", category: "Network", args: &[req("subnet", Str), req("command", Str), opt("bantime", Str), opt("absolute", Str)], summary: "Attempts to add or remove an IP/Subnet from the banned list (add|remove); bans persist in banlist.json." },
    MethodSpec { name: "listbanned", category: "Network", args: &[], summary: "List all manually banned IPs/Subnets." },
    MethodSpec { name: "clearbanned", category: "Network", args: &[], summary: "Clear all banned IPs." },
    MethodSpec { name: "getnettotals", category: "Network", args: &[], summary: "Returns information about network traffic, including bytes in, bytes out, and current system time." },
    MethodSpec { name: "ping", category: "Network", args: &[], summary: "Requests that a ping be sent to all other nodes, to measure ping time (see pingtime in getpeerinfo)." },
    MethodSpec { name: "getnodeaddresses", category: "Network", args: &[opt("count", Str), opt("network", Str)], summary: "Return known addresses, after filtering for quality and recency (count 0: all)." },
    MethodSpec { name: "setnetworkactive", category: "Network", args: &[req("state", Str)], summary: "Disable/enable all p2p network activity." },
    MethodSpec { name: "help", category: "Control", args: &[opt("command", Str)], summary: "List all commands, or get help for a specified command." },
    MethodSpec { name: "stop", category: "Control", args: &[opt("wait", Json)], summary: "Request a graceful shutdown of Zennet server." },
    MethodSpec { name: "echo", category: "Hidden", args: &[opt("arg0", Str), opt("arg1", Str), opt("arg2", Str), opt("arg3", Str), opt("arg4", Str), opt("arg5", Str), opt("arg6", Str), opt("arg7", Str), opt("arg8", Str), opt("arg9", Str)], summary: "Simply echo back the input arguments. This command is for testing." },
    MethodSpec { name: "echojson", category: "Hidden", args: &[opt("arg0", Json), opt("arg1", Json), opt("arg2", Json), opt("arg3", Json), opt("arg4", Json), opt("arg5", Json), opt("arg6", Json), opt("arg7", Json), opt("arg8", Json), opt("arg9", Json)], summary: "Simply echo back the input arguments, parsed as JSON by the client. This command is for testing." },
    MethodSpec { name: "getzmqnotifications", category: "Zmq", args: &[], summary: "Returns information about the active ZeroMQ notifications." },
    MethodSpec { name: "getrpcinfo", category: "Control", args: &[], summary: "Returns details of the RPC server." },
    MethodSpec { name: "logging", category: "Control", args: &[opt("include", Json), opt("exclude", Json)], summary: "Gets and sets the logging configuration: with arguments, turns debug categories on (include) and off (exclude); returns every category and whether it is on." },
    MethodSpec { name: "syncwithvalidationinterfacequeue", category: "Hidden", args: &[], summary: "Waits for the validation interface queue to catch up on everything that was there when we entered this function." },
    MethodSpec { name: "waitfornewblock", category: "Hidden", args: &[opt("timeout", Json)], summary: "Waits for any new block and returns useful info about it (timeout in milliseconds, 0: no limit)." },
    MethodSpec { name: "waitforblock", category: "Hidden", args: &[req("blockhash", Str), opt("timeout", Json)], summary: "Waits for a specific new block and returns useful info about it (timeout in milliseconds, 0: no limit)." },
    MethodSpec { name: "waitforblockheight", category: "Hidden", args: &[req("height", Json), opt("timeout", Json)], summary: "Waits for (at least) block height and returns the height and hash of the current tip (timeout in milliseconds, 0: no limit)." },
    MethodSpec { name: "createrawtransaction", category: "Rawtransactions", args: &[req("inputs", Json), req("outputs", Json), opt("locktime", Json), opt("replaceable", Json)], summary: "Create a transaction spending the given inputs and creating new outputs. Returns hex-encoded raw transaction; it is not stored in the wallet or transmitted to the network." },
    MethodSpec { name: "signrawtransactionwithkey", category: "Rawtransactions", args: &[req("hexstring", Str), req("privkeys", Json), opt("prevtxs", Json), opt("sighashtype", Str)], summary: "Sign inputs for raw transaction (serialized, hex-encoded) with the base58-encoded private keys given; prevtxs supply outputs (and redeem or witness scripts) not in the UTXO set or mempool." },
    MethodSpec { name: "combinerawtransaction", category: "Rawtransactions", args: &[req("txs", Json)], summary: "Combine multiple partially signed transactions into one transaction." },
    MethodSpec { name: "createpsbt", category: "Rawtransactions", args: &[req("inputs", Json), req("outputs", Json), opt("locktime", Json), opt("replaceable", Json)], summary: "Creates a transaction in the Partially Signed Transaction format." },
    MethodSpec { name: "converttopsbt", category: "Rawtransactions", args: &[req("hexstring", Str), opt("permitsigdata", Json), opt("iswitness", Json)], summary: "Converts a network serialized transaction to a PSBT." },
    MethodSpec { name: "decodepsbt", category: "Rawtransactions", args: &[req("psbt", Str)], summary: "Return a JSON object representing the serialized, base64-encoded partially signed transaction." },
    MethodSpec { name: "combinepsbt", category: "Rawtransactions", args: &[req("txs", Json)], summary: "Combine multiple partially signed transactions into one transaction." },
    MethodSpec { name: "finalizepsbt", category: "Rawtransactions", args: &[req("psbt", Str), opt("extract", Json)], summary: "Finalize the inputs of a PSBT. If the transaction is fully signed, it will produce a network serialized transaction which can be broadcast with sendrawtransaction." },
    MethodSpec { name: "joinpsbts", category: "Rawtransactions", args: &[req("txs", Json)], summary: "Joins multiple distinct PSBTs with different inputs and outputs into one PSBT with inputs and outputs from all of the PSBTs." },
    MethodSpec { name: "analyzepsbt", category: "Rawtransactions", args: &[req("psbt", Str)], summary: "Analyzes and provides information about the current status of a PSBT and its inputs." },
    MethodSpec { name: "utxoupdatepsbt", category: "Rawtransactions", args: &[req("psbt", Str), opt("descriptors", Json)], summary: "Updates all segwit inputs and outputs in a PSBT with data from output descriptors, the UTXO set or the mempool." },
    MethodSpec { name: "descriptorprocesspsbt", category: "Rawtransactions", args: &[req("psbt", Str), req("descriptors", Json), opt("sighashtype", Str), opt("bip32derivs", Json), opt("finalize", Json)], summary: "Update all segwit inputs in a PSBT with information from output descriptors, the UTXO set or the mempool; then sign inputs with the private keys the descriptors carry." },
    MethodSpec { name: "getdescriptorinfo", category: "Util", args: &[req("descriptor", Str)], summary: "Analyses a descriptor." },
    MethodSpec { name: "deriveaddresses", category: "Util", args: &[req("descriptor", Str), opt("range", Json)], summary: "Derives one or more addresses corresponding to an output descriptor." },
    MethodSpec { name: "signmessagewithprivkey", category: "Util", args: &[req("privkey", Str), req("message", Str)], summary: "Sign a message with the private key of an address." },
    MethodSpec { name: "createmultisig", category: "Util", args: &[req("nrequired", Json), req("keys", Json), opt("address_type", Str)], summary: "Creates a multi-signature address with n signature of m keys required (address_type bech32 by default: P2WSH; p2sh-segwit and legacy as Core)." },
    MethodSpec { name: "generatetodescriptor", category: "Generating", args: &[req("num_blocks", Json), req("descriptor", Str), opt("maxtries", Json), opt("algo", Str)], summary: "Mine to a specified descriptor and return the block hashes." },
    MethodSpec { name: "generateblock", category: "Generating", args: &[req("output", Str), req("transactions", Json), opt("submit", Json)], summary: "Mine a set of ordered transactions to a specified address or descriptor and return the block hash." },
    MethodSpec { name: "savemempool", category: "Blockchain", args: &[], summary: "Dumps the mempool to disk." },
    MethodSpec { name: "getchaintxstats", category: "Blockchain", args: &[opt("nblocks", Json), opt("blockhash", Str)], summary: "Compute statistics about the total number and rate of transactions in the chain." },
    MethodSpec { name: "scantxoutset", category: "Blockchain", args: &[req("action", Str), opt("scanobjects", Json)], summary: "Scans the unspent transaction output set for entries that match certain output descriptors (actions: start, abort, status)." },
    MethodSpec { name: "getblockstats", category: "Blockchain", args: &[req("hash_or_height", Json), opt("stats", Json)], summary: "Compute per block statistics for a given window. All amounts are in zats. It won't work for some heights with pruning." },
    MethodSpec { name: "getindexinfo", category: "Util", args: &[opt("index_name", Str)], summary: "Returns the status of one or all available indices currently running in the node." },
    MethodSpec { name: "uptime", category: "Control", args: &[], summary: "Returns the total uptime of the server in seconds." },
    MethodSpec { name: "channelopen", category: "Channels", args: &[req("payee_pubkey", Str), req("amount", Json), req("expiry_blocks", Json), opt("task_id", Str), opt("fee_rate", Json)], summary: "Opens a payment channel paying payee_pubkey (or, with task_id and \"\", the task's acceptance): funds it, keeps the signed refund first, returns the open blob for the payee." },
    MethodSpec { name: "channelpay", category: "Channels", args: &[req("channel_id", Str), req("amount", Json)], summary: "Pays amount more over a channel; returns the pay blob for the payee." },
    MethodSpec { name: "channelack", category: "Channels", args: &[req("ack_blob", Str)], summary: "Records the payee's acknowledgement of a payment." },
    MethodSpec { name: "channelrefund", category: "Channels", args: &[req("channel_id", Str)], summary: "Broadcasts the payer's refund of an expired channel (also done automatically)." },
    MethodSpec { name: "channelaccept", category: "Channels", args: &[req("open_blob", Str)], summary: "Payee: checks a channel's funding output, script and key, and keeps the channel." },
    MethodSpec { name: "channelreceive", category: "Channels", args: &[req("pay_blob", Str)], summary: "Payee: checks and keeps a payment; returns the ack blob for the payer." },
    MethodSpec { name: "channelclose", category: "Channels", args: &[req("channel_id", Str)], summary: "Payee: broadcasts the close of the latest state (also done automatically before expiry)." },
    MethodSpec { name: "listchannels", category: "Channels", args: &[], summary: "Lists this wallet's payment channels." },
    MethodSpec { name: "getchannel", category: "Channels", args: &[req("channel_id", Str)], summary: "Returns a channel: role, state, capacity, paid, fee reserve, expiry, blocks left, sequence, funding/close/refund txids, task id." },
    MethodSpec { name: "listtasks", category: "Market", args: &[opt("filter", Json), opt("count", Json), opt("skip", Json)], summary: "Lists tasks of the market index and the mempool, newest first, filtered by state, publisher, os, what a machine offers (cores, mhz, memory_mb_per_core, disk_mb, bandwidth_kbps), maximum rates, min_lease_secs, prepaid or mine." },
    MethodSpec { name: "gettask", category: "Market", args: &[req("task_id", Str)], summary: "Returns every field of a task, its state, inclusion block, acceptances and cancels (by task id, or the txid of its announcement)." },
    MethodSpec { name: "getannouncement", category: "Market", args: &[req("txid", Str)], summary: "Decodes an announcement of the mempool or the active chain: kind, expiry, body, signer identity and proof of work." },
    MethodSpec { name: "decodeannouncement", category: "Market", args: &[req("hexstring", Str)], summary: "Decodes a serialized announcement transaction: kind, expiry, body, signer identity and proof of work." },
    MethodSpec { name: "getidentityinfo", category: "Market", args: &[req("identity", Str)], summary: "Returns an identity's role, public key, proof-of-work hash, the target at the next block, and whether and until which height it is valid." },
    MethodSpec { name: "getmarketinfo", category: "Market", args: &[], summary: "Returns the market index's counts by state, its best block, and the bytes of stored blocks and of pruned bodies." },
    MethodSpec { name: "mineidentity", category: "Market", args: &[req("role", Str), opt("threads", Json), opt("label", Str), opt("margin_bits", Json)], summary: "Starts mining an identity (role \"publisher\" or \"node\") for this wallet in the background and returns its job id." },
    MethodSpec { name: "getidentityjob", category: "Market", args: &[req("job_id", Json)], summary: "Reports a mining job: state (running, found, aborted, failed), hashes, hash rate, elapsed and expected seconds, and its result." },
    MethodSpec { name: "abortidentityjob", category: "Market", args: &[req("job_id", Json)], summary: "Stops a mining job." },
    MethodSpec { name: "listidentities", category: "Market", args: &[], summary: "Lists this wallet's identities: role, label, validity, the height until which each stays valid, and whether it was used on chain." },
    MethodSpec { name: "publishtask", category: "Market", args: &[req("task", Json), opt("options", Json)], summary: "Publishes a task from this wallet: funds, signs, grinds its proof of work and broadcasts the announcement." },
    MethodSpec { name: "accepttask", category: "Market", args: &[req("task_id", Str), req("offer", Json), opt("options", Json)], summary: "Accepts a task with this wallet's node identity, offering cores, mhz, memory_mb, disk_mb and bandwidth_kbps." },
    MethodSpec { name: "canceltask", category: "Market", args: &[req("task_id", Str), opt("node_pubkey", Str), opt("options", Json)], summary: "Cancels a task this wallet published, or (with node_pubkey) its persistent storage for one node." },
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

/// Core's `help dump_all_command_conversions`: `[method, index, name]` for
/// every parameter the CLI parses as JSON.
pub fn command_conversions() -> serde_json::Value {
    let rows: Vec<serde_json::Value> = METHODS
        .iter()
        .flat_map(|m| {
            m.args
                .iter()
                .enumerate()
                .filter(|(_, a)| a.kind == Json)
                .map(move |(i, a)| serde_json::json!([m.name, i, a.name]))
        })
        .collect();
    serde_json::Value::Array(rows)
}

pub use crate::help::help_for;
