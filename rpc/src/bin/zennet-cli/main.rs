//! `zennet-cli`: to zennetd what bitcoin-cli is to bitcoind.
//!
//! `zennet-cli [options] <command> [params]`, options in Core's spelling
//! (`-regtest`, `-datadir=<dir>`, `-rpcport=<port>`, `-named`, ...).

mod netinfo;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use primitives::Network;
use rpc::auth::{read_cookie, Credentials};
use rpc::conffile;
use rpc::convert::{arg_value, is_json_arg, is_json_named};
use rpc::{ClientError, RpcClient};
use serde_json::{Map, Value};

const USAGE: &str = "Usage: zennet-cli [options] <command> [params]

Options:
  -regtest | -testnet | -chain=<main|test|regtest>
  -datadir=<dir>        data directory (default ~/.zennet)
  -conf=<file>          configuration file (default <datadir>/zennet.conf)
  -rpcconnect=<ip>      server address (default 127.0.0.1)
  -rpcport=<port>       server port (default 7878, testnet 17878, regtest 27878)
  -rpcuser=<user>       user name (default: the cookie in the datadir)
  -rpcpassword=<pw>     password
  -rpccookiefile=<file> cookie file
  -rpcwait              wait for the server to start
  -rpcwaittimeout=<n>   give up waiting after n seconds (default 0: no limit)
  -stdin                read extra arguments from standard input, one per line
  -stdinrpcpass         read the RPC password from the first line of standard input
  -stdinwalletpassphrase read the wallet passphrase from standard input (walletpassphrase and walletpassphrasechange)
  -getinfo              a summary of the node and the wallet
  -color=<when>         colour the -getinfo output: always, auto (a terminal; default) or never
  -netinfo [level]      a peer connections dashboard; levels 0-4, \"help\" for details
  -addrinfo             the number of addresses the node knows on each network
  -generate [n] [maxtries] mine n blocks (default 1) to a new address of the wallet
  -version              print the version and exit
  -rpcclienttimeout=<n> seconds to wait for a reply (default 900)
  -named                pass named parameters (name=value); arguments without '=' stay positional
  -rpcwallet=<name>     send wallet RPCs to this wallet (the /wallet/<name> endpoint)

Run 'zennet-cli help' for the server's command list.";

/// Options zennet-cli takes; anything else is refused rather than ignored
/// (a mistyped -rpcport must never send the command to another node).
#[rustfmt::skip]
const KNOWN_OPTIONS: &[&str] = &[
    "chain", "testnet", "regtest", "datadir", "conf", "rpcconnect", "rpcport", "rpcuser", "rpcpassword",
    "rpccookiefile", "rpcwait", "rpcwaittimeout", "rpcclienttimeout", "named", "rpcwallet", "stdin", "stdinrpcpass",
    "stdinwalletpassphrase", "getinfo", "generate", "netinfo", "addrinfo", "color",
];

#[derive(Default)]
struct Options {
    settings: Vec<(String, String)>,
    named: bool,
    wait: bool,
}

impl Options {
    fn get(&self, key: &str) -> Option<&str> {
        conffile::last(&self.settings, key)
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(1)
        }
    }
}

fn run() -> Result<ExitCode, String> {
    let mut args = std::env::args().skip(1).peekable();
    let mut opts = Options::default();
    while let Some(arg) = args.peek() {
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        let arg = args.next().unwrap_or_default();
        let body = arg.trim_start_matches('-');
        let (key, value) = body.split_once('=').unwrap_or((body, "1"));
        match key {
            "h" | "help" | "?" => {
                println!("{USAGE}");
                return Ok(ExitCode::SUCCESS);
            }
            "version" => {
                println!("Zennet RPC client version v{}", env!("CARGO_PKG_VERSION"));
                return Ok(ExitCode::SUCCESS);
            }
            "named" => opts.named = value != "0",
            "rpcwait" => opts.wait = value != "0",
            "testnet" if value != "0" => opts.settings.push(("chain".into(), "test".into())),
            "regtest" if value != "0" => opts.settings.push(("chain".into(), "regtest".into())),
            _ if KNOWN_OPTIONS.contains(&key) => opts.settings.push((key.to_string(), value.to_string())),
            _ => return Err(format!("Error parsing command line arguments: Invalid parameter {arg}")),
        }
    }
    let network: Network = opts.get("chain").unwrap_or("main").parse()?;
    let base = opts.get("datadir").map(PathBuf::from).unwrap_or_else(conffile::default_datadir);
    let conf_path = match opts.get("conf").map(PathBuf::from) {
        Some(path) if path.is_relative() => base.join(path),
        Some(path) => path,
        None => base.join("zennet.conf"),
    };
    // As Core: a configuration file named explicitly must exist.
    if opts.get("conf").is_some() && !conf_path.exists() {
        return Err(format!(
            "Error reading configuration file: specified config file \"{}\" could not be opened.",
            conf_path.display()
        ));
    }
    let file = conffile::read_with_includes(&conf_path, network.chain_name(), &base).map_err(|e| e.to_string())?;
    // Command-line settings win over the file's.
    let mut settings = file;
    settings.append(&mut opts.settings);
    opts.settings = settings;

    let flag = |name: &str| opts.get(name).is_some_and(|v| v != "0");
    let mut rest: Vec<String> = args.collect();
    // Standard input: the RPC password, then the wallet passphrase, then arguments (Core's order).
    let mut stdin_lines = if flag("stdinrpcpass") || flag("stdinwalletpassphrase") || flag("stdin") {
        use std::io::BufRead;
        std::io::stdin().lock().lines().map_while(Result::ok).collect::<Vec<String>>().into_iter()
    } else {
        Vec::new().into_iter()
    };
    let stdin_password = if flag("stdinrpcpass") {
        Some(stdin_lines.next().ok_or("-stdinrpcpass specified but failed to read from standard input")?)
    } else {
        None
    };
    let passphrase = if flag("stdinwalletpassphrase") {
        Some(stdin_lines.next().ok_or("-stdinwalletpassphrase specified but failed to read from standard input")?)
    } else {
        None
    };
    if flag("stdin") {
        rest.extend(stdin_lines);
    }
    let color = match opts.get("color").unwrap_or("auto") {
        "always" => true,
        "never" => false,
        "auto" => std::io::stdout().is_terminal(),
        _ => return Err("Invalid value for -color option. Valid values: always, auto, never.".into()),
    };
    let (method, params) = if flag("getinfo") {
        ("-getinfo".to_string(), Value::Null)
    } else if flag("netinfo") {
        match netinfo::parse_level(rest.first().map(String::as_str))? {
            Some(level) => ("-netinfo".to_string(), Value::from(level)),
            None => {
                println!("{}", netinfo::HELP);
                return Ok(ExitCode::SUCCESS);
            }
        }
    } else if flag("addrinfo") {
        ("-addrinfo".to_string(), Value::Null)
    } else if flag("generate") {
        ("-generate".to_string(), Value::Array(rest.iter().map(|a| arg_value(true, a)).collect()))
    } else {
        let mut rest = rest.into_iter();
        let method = rest.next().ok_or_else(|| "too few parameters (need at least a command)".to_string())?;
        let mut args: Vec<String> = rest.collect();
        if let Some(passphrase) = passphrase {
            if !matches!(method.as_str(), "walletpassphrase" | "walletpassphrasechange") {
                return Err(format!(
                    "-stdinwalletpassphrase is only applicable for walletpassphrase(change), not {method}"
                ));
            }
            args.insert(0, passphrase);
        }
        let params = build_params(&method, args, opts.named)?;
        (method, params)
    };
    if let Some(password) = stdin_password {
        opts.settings.push(("rpcpassword".into(), password));
    }

    let host = opts.get("rpcconnect").unwrap_or("127.0.0.1").to_string();
    let port = match opts.get("rpcport") {
        Some(p) => p.parse::<u16>().map_err(|_| format!("invalid port in -rpcport={p}"))?,
        None => network.rpc_port(),
    };
    let datadir = conffile::network_datadir(&base, network);
    let timeout = opts.get("rpcclienttimeout").and_then(|t| t.parse().ok()).unwrap_or(900u64);
    let url = match opts.get("rpcwallet") {
        Some(name) => format!("http://{host}:{port}/wallet/{}", percent_encode(name)),
        None => format!("http://{host}:{port}/"),
    };

    let wait_limit = opts.get("rpcwaittimeout").and_then(|t| t.parse::<u64>().ok()).filter(|t| *t > 0);
    let deadline =
        Instant::now() + Duration::from_secs(if opts.wait { wait_limit.unwrap_or(10 * 365 * 86_400) } else { 0 });
    loop {
        let credentials = match (opts.get("rpcuser"), opts.get("rpcpassword")) {
            (Some(user), Some(password)) if !password.is_empty() => {
                Ok(Credentials { user: user.to_string(), password: password.to_string() })
            }
            _ => match opts.get("rpccookiefile") {
                Some(file) => read_cookie_file(&PathBuf::from(file)),
                None => read_cookie(&datadir).map_err(|e| {
                    format!("Could not locate RPC credentials. No authentication cookie could be found ({e}), and RPC password is not set. See -rpcpassword and -stdinrpcpass. Configuration file: ({})", conf_path.display())
                }),
            },
        };
        let outcome = credentials.map(|c| {
            let client = RpcClient::new(url.clone(), c, Duration::from_secs(timeout));
            match method.as_str() {
                "-getinfo" => getinfo(&client, opts.get("rpcwallet"), color),
                "-netinfo" => netinfo::netinfo(&client, params.as_u64().unwrap_or(0) as u8, network.chain_name()),
                "-addrinfo" => netinfo::addrinfo(&client),
                "-generate" => generate(&client, &params),
                _ => client.call(&method, params.clone()),
            }
        });
        let retry = matches!(&outcome, Err(_) | Ok(Err(ClientError::Transport { .. })))
            || matches!(&outcome, Ok(Err(ClientError::Rpc(e))) if e.code == rpc::codes::IN_WARMUP);
        if retry && opts.wait && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(250));
            continue;
        }
        return match outcome? {
            Ok(result) => {
                print_result(&result);
                Ok(ExitCode::SUCCESS)
            }
            Err(ClientError::Rpc(e)) => {
                eprintln!("error code: {}\nerror message:\n{}", e.code, e.message);
                // As bitcoin-cli: |code| as the process status, which keeps its low byte (-32601: 89).
                Ok(ExitCode::from((e.code.unsigned_abs() % 256) as u8))
            }
            Err(ClientError::Transport { .. }) => Err(format!("Could not connect to the server {host}:{port}\n\nMake sure the zennetd server is running and that you are connecting to the correct RPC port.")),
            Err(other) => Err(other.to_string()),
        };
    }
}

/// ANSI colours of bitcoin-cli's `-getinfo` (empty without `-color`).
struct Palette {
    reset: &'static str,
    blue: &'static str,
    green: &'static str,
    magenta: &'static str,
    cyan: &'static str,
    yellow: &'static str,
}

impl Palette {
    fn new(color: bool) -> Palette {
        if color {
            Palette {
                reset: "\x1b[0m",
                blue: "\x1b[34m",
                green: "\x1b[32m",
                magenta: "\x1b[35m",
                cyan: "\x1b[36m",
                yellow: "\x1b[33m",
            }
        } else {
            Palette { reset: "", blue: "", green: "", magenta: "", cyan: "", yellow: "" }
        }
    }
}

/// `-getinfo`: Core's summary of the chain, the network and the wallet.
fn getinfo(client: &RpcClient, wallet: Option<&str>, color: bool) -> Result<Value, ClientError> {
    let c = Palette::new(color);
    let chain = client.call("getblockchaininfo", Value::Array(vec![]))?;
    let net = client.call("getnetworkinfo", Value::Array(vec![]))?;
    let mut text = format!(
        "{}Chain: {}{}\nBlocks: {}\nHeaders: {}\nVerification progress: {:.4}%\nDifficulty: {}\n\n{}Network: in {}, out {}, total {}{}\nVersion: {}\nTime offset (s): {}\nProxies: {}\nMin tx relay fee rate (ZEN/kvB): {}\n",
        c.blue,
        chain["chain"].as_str().unwrap_or_default(),
        c.reset,
        chain["blocks"],
        chain["headers"],
        chain["verificationprogress"].as_f64().unwrap_or(0.0) * 100.0,
        chain["difficulty"],
        c.green,
        net["connections_in"],
        net["connections_out"],
        net["connections"],
        c.reset,
        net["version"],
        net["timeoffset"],
        proxies(&net),
        net["relayfee"],
    );
    match client.call("getwalletinfo", Value::Array(vec![])) {
        Ok(w) => {
            let name = w["walletname"].as_str().unwrap_or(wallet.unwrap_or_default()).to_string();
            text.push_str(&format!(
                "\n{}Wallet: \"{name}\"{}\nKeypool size: {}\n",
                c.magenta, c.reset, w["keypoolsize"]
            ));
            if !w["unlocked_until"].is_null() {
                text.push_str(&format!("Unlocked until: {}\n", w["unlocked_until"]));
            }
            text.push_str(&format!(
                "Transaction fee rate (-paytxfee) (ZEN/kvB): {}\n\n{}Balance:{} {}\n",
                w["paytxfee"], c.cyan, c.reset, w["balance"]
            ));
        }
        Err(ClientError::Rpc(_)) => {}
        Err(other) => return Err(other),
    }
    let warnings: Vec<&str> =
        chain["warnings"].as_array().map_or(Vec::new(), |w| w.iter().filter_map(Value::as_str).collect());
    text.push_str(&format!("\n{}Warnings:{} {}", c.yellow, c.reset, warnings.join(" ")));
    Ok(Value::String(text))
}

/// Core's "Proxies:" line: each proxy with the networks it serves.
fn proxies(net: &Value) -> String {
    let mut by_proxy: Vec<(String, Vec<String>)> = Vec::new();
    for n in net["networks"].as_array().into_iter().flatten() {
        let (Some(proxy), Some(name)) = (n["proxy"].as_str().filter(|p| !p.is_empty()), n["name"].as_str()) else {
            continue;
        };
        match by_proxy.iter_mut().find(|(p, _)| p == proxy) {
            Some((_, names)) => names.push(name.to_string()),
            None => by_proxy.push((proxy.to_string(), vec![name.to_string()])),
        }
    }
    if by_proxy.is_empty() {
        return "n/a".into();
    }
    by_proxy.iter().map(|(p, names)| format!("{p} ({})", names.join(", "))).collect::<Vec<_>>().join(", ")
}

/// `-generate [nblocks] [maxtries]`: a new address of the wallet, then
/// generatetoaddress; `{address, blocks}` as bitcoin-cli prints it.
fn generate(client: &RpcClient, params: &Value) -> Result<Value, ClientError> {
    let nblocks = params.get(0).cloned().unwrap_or(Value::from(1));
    let address = client.call("getnewaddress", Value::Array(vec![]))?;
    let mut args = vec![nblocks, address.clone()];
    if let Some(tries) = params.get(1) {
        args.push(tries.clone());
    }
    let blocks = client.call("generatetoaddress", Value::Array(args))?;
    Ok(serde_json::json!({ "address": address, "blocks": blocks }))
}

fn read_cookie_file(path: &PathBuf) -> Result<Credentials, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read cookie file {}: {e}", path.display()))?;
    let (user, password) = text.trim().split_once(':').ok_or("malformed cookie file")?;
    Ok(Credentials { user: user.into(), password: password.into() })
}

fn build_params(method: &str, args: Vec<String>, named: bool) -> Result<Value, String> {
    if !named {
        let values = args.iter().enumerate().map(|(i, a)| arg_value(is_json_arg(method, i), a)).collect();
        return Ok(Value::Array(values));
    }
    // As bitcoin-cli (Core 25+): an argument without '=' is positional,
    // sent in "args" for the server to place before the named ones.
    let mut map = Map::new();
    let mut positional = Vec::new();
    for arg in args {
        let Some((name, value)) = arg.split_once('=') else {
            positional.push(arg_value(is_json_arg(method, positional.len()), &arg));
            continue;
        };
        if map.contains_key(name) {
            return Err(format!("Parameter {name} specified multiple times"));
        }
        map.insert(name.to_string(), arg_value(is_json_named(method, name), value));
    }
    if !positional.is_empty() {
        map.insert("args".into(), Value::Array(positional));
    }
    Ok(Value::Object(map))
}

/// Prints the result; a closed stdout (`| head`) ends quietly, as bitcoin-cli.
fn print_result(result: &Value) {
    use std::io::Write;
    let text = match result {
        Value::Null => return,
        Value::String(s) => s.clone(),
        other => serde_json::to_string_pretty(other).unwrap_or_default(),
    };
    let _ = writeln!(std::io::stdout(), "{text}");
}

/// Wallet names in the URL path: everything but unreserved characters escaped, as Core's client does.
fn percent_encode(name: &str) -> String {
    name.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
