//! `-netinfo [level]` and `-addrinfo`: bitcoin-cli's peer dashboards, built
//! from `getnetworkinfo`, `getpeerinfo` and `getnodeaddresses`.

use rpc::{ClientError, RpcClient};
use serde_json::Value;

pub const HELP: &str = "-netinfo level|\"help\"

Returns a network peer connections dashboard with information from the remote server.
This human-readable interface will change regularly and is not intended to be a stable API.
Under the hood, -netinfo fetches the data by calling getpeerinfo and getnetworkinfo.
An optional integer argument from 0 to 4 can be passed for different peers listings; 4 to 255 are parsed as 4.
Pass \"help\" to see this detailed help documentation.
If more than one argument is passed, only the first one is read and parsed.

Arguments:
1. level (integer 0-4, optional)  Specify the info level of the peers dashboard (default 0):
                                  0 - Peer counts for each reachable network as well as for block relay peers
                                      and manual peers, and the list of local addresses
                                  1 - Like 0 but preceded by a peers listing (without address and version columns)
                                  2 - Like 1 but with an address column
                                  3 - Like 1 but with a version column
                                  4 - Like 1 but with both address and version columns
2. help (string \"help\", optional) Print this help documentation instead of the dashboard.

Result:

* The peers listing in levels 1-4 displays all of the peers sorted by direction and minimum ping time:

  Column   Description
  ------   -----------
  <->      Direction
           \"in\"  - inbound connections are those initiated by the peer
           \"out\" - outbound connections are those initiated by us
  type     Type of peer connection
           \"full\"   - full relay, the default
           \"block\"  - block relay; like full relay but does not relay transactions or addresses
           \"manual\" - peer we manually added using RPC addnode or the -addnode/-connect config options
           \"feeler\" - short-lived connection for testing addresses
  net      Network the peer connected through (\"ipv4\", \"ipv6\", \"onion\", \"i2p\" or \"cjdns\")
  mping    Minimum observed ping time, in milliseconds (ms)
  ping     Last observed ping time, in milliseconds (ms)
  send     Time since last message sent to the peer, in seconds
  recv     Time since last message received from the peer, in seconds
  txn      Time since last novel transaction received from the peer and accepted into our mempool, in minutes
  blk      Time since last novel block passing initial validity checks received from the peer, in minutes
  addrp    Total number of addresses processed, excluding those dropped due to rate limiting
  addrl    Total number of addresses dropped due to rate limiting
  age      Duration of connection to the peer, in minutes
  id       Peer index, in increasing order of peer connections since node startup
  address  IP address and port of the peer
  version  Peer version and subversion concatenated, e.g. \"70016/Zennet:0.1.0/\"

* The peer counts table displays the number of peers for each reachable network as well as
  the number of block relay peers and manual peers.

* The local addresses table lists each local address broadcast by the node, the port, and the score.

Examples:

Peer counts table of reachable networks and list of local addresses
> zennet-cli -netinfo

The same, preceded by a peers listing without address and version columns
> zennet-cli -netinfo 1

Full dashboard
> zennet-cli -netinfo 4

Full live dashboard, adjust --interval or --no-title as needed (Linux)
> watch --interval 1 --no-title zennet-cli -netinfo 4

See this help
> zennet-cli -netinfo help";

const NETWORKS: [&str; 5] = ["ipv4", "ipv6", "onion", "i2p", "cjdns"];

/// The level `-netinfo` was given: 0 by default, 4 for anything above.
pub fn parse_level(arg: Option<&str>) -> Result<Option<u8>, String> {
    match arg {
        None => Ok(Some(0)),
        Some("help") => Ok(None),
        Some(text) => match text.parse::<i64>() {
            Ok(n) if n >= 0 => Ok(Some(n.min(4) as u8)),
            _ => Err(format!("invalid -netinfo argument: {text}\nFor more information, run: zennet-cli -netinfo help")),
        },
    }
}

fn minutes(now: i64, then: i64) -> String {
    if then == 0 {
        String::new()
    } else {
        ((now - then) / 60).to_string()
    }
}

fn millis(seconds: Option<f64>) -> String {
    seconds.map_or(String::new(), |s| format!("{}", (s * 1000.0).round() as i64))
}

pub fn netinfo(client: &RpcClient, level: u8, chain: &str) -> Result<Value, ClientError> {
    let net = client.call("getnetworkinfo", Value::Array(vec![]))?;
    let peers = client.call("getpeerinfo", Value::Array(vec![]))?;
    let peers = peers.as_array().cloned().unwrap_or_default();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64);
    let chain = if chain == "main" { String::new() } else { format!(" {chain}") };
    let mut out = format!(
        "Zennet client v{}{chain} - server {}{}\n",
        env!("CARGO_PKG_VERSION"),
        net["protocolversion"],
        net["subversion"].as_str().unwrap_or_default()
    );

    if level > 0 {
        let mut rows: Vec<&Value> = peers.iter().collect();
        rows.sort_by(|a, b| {
            let key = |p: &Value| (p["inbound"].as_bool().unwrap_or(false), p["minping"].as_f64().unwrap_or(f64::MAX));
            let (ka, kb) = (key(a), key(b));
            ka.0.cmp(&kb.0).then(ka.1.total_cmp(&kb.1))
        });
        let width = rows.iter().map(|p| p["addr"].as_str().unwrap_or_default().len()).max().unwrap_or(7).max(7);
        let (show_address, show_version) = (level == 2 || level == 4, level == 3 || level == 4);
        out.push_str("\nPeer connections sorted by direction and min ping\n");
        out.push_str("<->   type   net  mping   ping send recv  txn  blk  hb addrp addrl  age id");
        if show_address {
            out.push_str(&format!(" {:<width$}", "address"));
        }
        if show_version {
            out.push_str(" version");
        }
        out.push('\n');
        for p in &rows {
            let kind = match p["connection_type"].as_str().unwrap_or_default() {
                "outbound-full-relay" | "inbound" => "full",
                "block-relay-only" => "block",
                "manual" => "manual",
                "feeler" => "feeler",
                "addr-fetch" => "addr",
                other => other,
            };
            let since = |field: &str| {
                let t = p[field].as_i64().unwrap_or(0);
                if t == 0 {
                    String::new()
                } else {
                    (now - t).to_string()
                }
            };
            out.push_str(&format!(
                "{:>3} {:>6} {:>5} {:>6} {:>6} {:>4} {:>4} {:>4} {:>4} {:>3} {:>5} {:>5} {:>4} {:>2}",
                if p["inbound"].as_bool().unwrap_or(false) { "in" } else { "out" },
                kind,
                p["network"].as_str().unwrap_or_default(),
                millis(p["minping"].as_f64()),
                millis(p["pingtime"].as_f64()),
                since("lastsend"),
                since("lastrecv"),
                minutes(now, p["last_transaction"].as_i64().unwrap_or(0)),
                minutes(now, p["last_block"].as_i64().unwrap_or(0)),
                "",
                p["addr_processed"].as_u64().unwrap_or(0),
                p["addr_rate_limited"].as_u64().unwrap_or(0),
                minutes(now, p["conntime"].as_i64().unwrap_or(now)),
                p["id"],
            ));
            if show_address {
                out.push_str(&format!(" {:<width$}", p["addr"].as_str().unwrap_or_default()));
            }
            if show_version {
                out.push_str(&format!(" {}{}", p["version"], p["subver"].as_str().unwrap_or_default()));
            }
            out.push('\n');
        }
        out.push_str("                     ms     ms  sec  sec  min  min                min\n");
    }

    // Peer counts per network, as bitcoin-cli's table.
    let count = |inbound: bool, network: Option<&str>, block_only: bool| {
        peers
            .iter()
            .filter(|p| p["inbound"].as_bool() == Some(inbound))
            .filter(|p| network.is_none_or(|n| p["network"] == n))
            .filter(|p| !block_only || p["connection_type"] == "block-relay-only")
            .count()
    };
    let reachable: Vec<&str> = NETWORKS
        .iter()
        .copied()
        .filter(|n| {
            net["networks"]
                .as_array()
                .is_some_and(|list| list.iter().any(|x| x["name"] == *n && x["reachable"] == true))
                || peers.iter().any(|p| p["network"] == *n)
        })
        .collect();
    let manual = peers.iter().filter(|p| p["connection_type"] == "manual").count();
    out.push_str(&format!("\n{:<5}", ""));
    for n in &reachable {
        out.push_str(&format!("{n:>8}"));
    }
    out.push_str(&format!("{:>8}{:>8}", "total", "block"));
    if manual > 0 {
        out.push_str(&format!("{:>8}", "manual"));
    }
    out.push('\n');
    for (label, inbound) in [("in", Some(true)), ("out", Some(false)), ("total", None)] {
        out.push_str(&format!("{label:<5}"));
        let tally = |network: Option<&str>, block_only: bool| match inbound {
            Some(inbound) => count(inbound, network, block_only),
            None => count(true, network, block_only) + count(false, network, block_only),
        };
        for n in &reachable {
            out.push_str(&format!("{:>8}", tally(Some(n), false)));
        }
        out.push_str(&format!("{:>8}", tally(None, false)));
        if inbound == Some(false) {
            out.push_str(&format!("{:>8}", tally(None, true)));
            if manual > 0 {
                out.push_str(&format!("{manual:>8}"));
            }
        }
        out.push('\n');
    }

    let locals = net["localaddresses"].as_array().cloned().unwrap_or_default();
    if locals.is_empty() {
        out.push_str("\nLocal addresses: n/a");
    } else {
        let width = locals.iter().map(|a| a["address"].as_str().unwrap_or_default().len()).max().unwrap_or(0);
        out.push_str(&format!("\nLocal addresses{:>w$}  port  score", "", w = width.saturating_sub(13)));
        for a in &locals {
            out.push_str(&format!(
                "\n{:<width$}  {:>6}  {:>5}",
                a["address"].as_str().unwrap_or_default(),
                a["port"],
                a["score"]
            ));
        }
    }
    Ok(Value::String(out))
}

/// `-addrinfo`: how many addresses the node knows on each network.
pub fn addrinfo(client: &RpcClient) -> Result<Value, ClientError> {
    let addresses = client.call("getnodeaddresses", Value::Array(vec![Value::from(0)]))?;
    let list = addresses.as_array().cloned().unwrap_or_default();
    let mut known = serde_json::Map::new();
    for n in NETWORKS {
        known.insert(n.into(), Value::from(list.iter().filter(|a| a["network"] == n).count()));
    }
    known.insert("total".into(), Value::from(list.len()));
    Ok(serde_json::json!({ "addresses_known": known }))
}
