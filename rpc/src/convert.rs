//! Which command-line arguments `zennet-cli` passes as JSON rather than as
//! strings (Core's `vRPCConvertParams`): everything else stays a string, so a
//! hash or an address is never mistaken for a number.

/// (method, argument index, argument name).
const CONVERT: &[(&str, usize, &str)] = &[
    ("getblock", 1, "verbosity"),
    ("getmempoolancestors", 1, "verbose"),
    ("getmempooldescendants", 1, "verbose"),
    ("prioritisetransaction", 1, "dummy"),
    ("prioritisetransaction", 2, "fee_delta"),
    ("estimatesmartfee", 0, "conf_target"),
    ("setgenerate", 0, "generate"),
    ("setgenerate", 1, "genproclimit"),
    ("getblocktemplate", 0, "template_request"),
    ("getnetworkhashps", 0, "nblocks"),
    ("getnetworkhashps", 1, "height"),
    ("sendrawtransaction", 1, "maxfeerate"),
    ("testmempoolaccept", 0, "rawtxs"),
    ("testmempoolaccept", 1, "maxfeerate"),
    ("getrawmempool", 0, "verbose"),
    ("gettxout", 1, "n"),
    ("gettxout", 2, "include_mempool"),
    ("getrawtransaction", 1, "verbose"),
    ("verifychain", 0, "checklevel"),
    ("verifychain", 1, "nblocks"),
    ("setmocktime", 0, "timestamp"),
    ("decoderawtransaction", 1, "iswitness"),
    ("getblockhash", 0, "height"),
    ("getblockheader", 1, "verbose"),
    ("generatetoaddress", 0, "nblocks"),
    ("generatetoaddress", 2, "maxtries"),
    ("createwallet", 1, "disable_private_keys"),
    ("createwallet", 2, "blank"),
    ("createwallet", 4, "avoid_reuse"),
    ("createwallet", 5, "descriptors"),
    ("createwallet", 6, "load_on_startup"),
    ("createwallet", 7, "external_signer"),
    ("loadwallet", 1, "load_on_startup"),
    ("unloadwallet", 1, "load_on_startup"),
    ("getbalance", 1, "minconf"),
    ("getbalance", 2, "include_watchonly"),
    ("getbalance", 3, "avoid_reuse"),
    ("getreceivedbyaddress", 1, "minconf"),
    ("getreceivedbyaddress", 2, "include_immature_coinbase"),
    ("listunspent", 0, "minconf"),
    ("listunspent", 1, "maxconf"),
    ("listunspent", 2, "addresses"),
    ("listunspent", 3, "include_unsafe"),
    ("listunspent", 4, "query_options"),
    ("listtransactions", 1, "count"),
    ("listtransactions", 2, "skip"),
    ("listtransactions", 3, "include_watchonly"),
    ("listsinceblock", 1, "target_confirmations"),
    ("listsinceblock", 2, "include_watchonly"),
    ("listsinceblock", 3, "include_removed"),
    ("listsinceblock", 4, "include_change"),
    ("gettransaction", 1, "include_watchonly"),
    ("gettransaction", 2, "verbose"),
    ("sendtoaddress", 1, "amount"),
    ("sendtoaddress", 4, "subtractfeefromamount"),
    ("sendtoaddress", 5, "replaceable"),
    ("sendtoaddress", 6, "conf_target"),
    ("sendtoaddress", 8, "avoid_reuse"),
    ("sendtoaddress", 9, "fee_rate"),
    ("sendtoaddress", 10, "verbose"),
    ("sendmany", 1, "amounts"),
    ("sendmany", 2, "minconf"),
    ("sendmany", 4, "subtractfeefrom"),
    ("sendmany", 5, "replaceable"),
    ("sendmany", 6, "conf_target"),
    ("sendmany", 8, "fee_rate"),
    ("sendmany", 9, "verbose"),
    ("bumpfee", 1, "options"),
    ("settxfee", 0, "amount"),
    ("lockunspent", 0, "unlock"),
    ("lockunspent", 1, "transactions"),
    ("lockunspent", 2, "persistent"),
    ("listdescriptors", 0, "private"),
    ("importdescriptors", 0, "requests"),
    ("rescanblockchain", 0, "start_height"),
    ("rescanblockchain", 1, "stop_height"),
    ("walletpassphrase", 1, "timeout"),
];

pub fn is_json_arg(method: &str, index: usize) -> bool {
    CONVERT.iter().any(|&(m, i, _)| m == method && i == index)
}

pub fn is_json_named(method: &str, name: &str) -> bool {
    CONVERT.iter().any(|&(m, _, n)| m == method && n == name)
}

/// Turns a command-line value into JSON: parsed for converted arguments
/// (falling back to the string so the server names the type error), else a string.
pub fn arg_value(convert: bool, text: &str) -> serde_json::Value {
    if convert {
        serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
    } else {
        serde_json::Value::String(text.to_string())
    }
}
