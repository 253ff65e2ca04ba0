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
