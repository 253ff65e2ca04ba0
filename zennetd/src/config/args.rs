//! Core's argument spellings rewritten into clap's (`-x`, `-flag=0`,
//! `-noflag`), unknown options refused, options that do not apply refused
//! with the reason, and `zennet.conf` settings turned into arguments.

use std::ffi::OsString;

use clap::CommandFactory;
use rpc::conffile;

use super::cli::Cli;

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
    ("keypool", "keys come from the HD seed as needed; there is no keypool to size"),
    ("spendzeroconfchange", "the wallet always may spend its own unconfirmed change"),
    ("walletbroadcast", "the wallet always broadcasts its transactions"),
    ("walletrbf", "the wallet always signals replaceability (BIP125), Core's default"),
    ("avoidpartialspends", "coins are selected one by one, not grouped by address"),
    ("maxtxfee", "the limit is per call (maxfeerate of sendrawtransaction)"),
    ("discardfee", "change below the dust threshold goes to the fee; there is no separate rate"),
    ("consolidatefeerate", "coin selection does not weigh future consolidation"),
    ("incrementalrelayfee", "the incremental relay feerate is -minrelaytxfee"),
    ("bytespersigop", "fixed at Core's default (20)"),
    ("blockversion", "blocks carry the version bits of their mining algorithm"),
    ("checkblocks", "blocks are not re-verified at start-up; use the verifychain RPC"),
    ("checklevel", "blocks are not re-verified at start-up; use the verifychain RPC"),
    ("capturemessages", "peer-to-peer message capture is not supported"),
    ("signer", "external signers are not supported"),
    ("rpcserialversion", "transactions are always serialized with their witnesses"),
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
pub(super) fn normalize(args: Vec<OsString>) -> Result<Vec<OsString>, String> {
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
pub(super) fn conf_args(settings: &conffile::Settings) -> Vec<String> {
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
