//! JSON-RPC throughput of `getblockcount`, `getblockheader` and
//! `getblock` at verbosity 2 (a block of 2,000 payments, about 1 MB of JSON)
//! over keep-alive HTTP/1.1: one connection calling back to back, and 8
//! connections at once. Each `zennetd` binary named in `ZENNETD_BASELINE`
//! (a previous build) runs beside this workspace's release build on a
//! 200-block regtest chain, and the two are measured in alternating rounds,
//! so that the ratio compares like with like.
//!
//! `cargo bench -p zennet-tests --bench rpc`; `ROUNDS` (default 5) and
//! `SECONDS` per measurement (default 1) tune it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::json;
use zennet_tests::{Node, REGTEST_ADDRESS};

const CLIENTS: usize = 8;

/// One keep-alive connection writing requests and reading
/// `Content-Length` framed replies.
struct Connection {
    reader: BufReader<TcpStream>,
    request: Vec<u8>,
}

impl Connection {
    fn open(node: &Node, body: &str) -> Connection {
        let stream = TcpStream::connect(("127.0.0.1", node.rpc_port)).expect("RPC port accepts");
        stream.set_nodelay(true).expect("TCP_NODELAY");
        let auth = rpc::auth::read_cookie(&node.network_dir()).expect("cookie").basic_header();
        let request = format!(
            "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: {auth}\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        Connection { reader: BufReader::new(stream), request: request.into_bytes() }
    }

    /// Sends the request once and checks that the reply carries a result.
    fn call(&mut self, body: &mut Vec<u8>) {
        self.reader.get_mut().write_all(&self.request).expect("request written");
        let mut length = None;
        let mut line = String::new();
        loop {
            line.clear();
            self.reader.read_line(&mut line).expect("reply header");
            if line == "\r\n" || line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                if name.eq_ignore_ascii_case("content-length") {
                    length = value.trim().parse::<usize>().ok();
                }
            }
        }
        body.resize(length.expect("a Content-Length header"), 0);
        self.reader.read_exact(body).expect("reply body");
        assert!(body.starts_with(b"{\"result\"") || body.windows(9).any(|w| w == b"\"result\":"), "a result");
    }
}

/// Requests per second over `seconds`, from `clients` connections at once.
fn rate(node: &Node, body: &str, clients: usize, seconds: f64) -> f64 {
    let until = Instant::now() + Duration::from_secs_f64(seconds);
    let started = Instant::now();
    let done: usize = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                scope.spawn(|| {
                    let mut connection = Connection::open(node, body);
                    let mut reply = Vec::new();
                    let mut count = 0;
                    while Instant::now() < until {
                        connection.call(&mut reply);
                        count += 1;
                    }
                    count
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().expect("client thread")).sum()
    });
    done as f64 / started.elapsed().as_secs_f64()
}

/// Mines, on the first node, a block that pays 2,000 addresses (after the
/// 101 blocks that make its coins spendable) and hands every block to the
/// other nodes, so that all of them serve the same block. Returns its hash.
fn large_block(nodes: &[&Node]) -> serde_json::Value {
    const WALLET: &str = "bench";
    let miner = nodes[0];
    let first_new = miner.rpc("getblockcount", json!([])).as_u64().expect("a height") + 1;
    miner.rpc("createwallet", json!([WALLET]));
    let address = miner.wallet_rpc(WALLET, "getnewaddress", json!([]));
    miner.rpc("generatetoaddress", json!([101, address]));
    let amounts: serde_json::Map<String, serde_json::Value> = (0..2_000)
        .map(|_| {
            (
                miner.wallet_rpc(WALLET, "getnewaddress", json!([])).as_str().expect("an address").to_string(),
                json!(0.001),
            )
        })
        .collect();
    // An explicit feerate (sat/vB): a fresh regtest chain has no estimates.
    miner.wallet_rpc(WALLET, "sendmany", json!(["", amounts, null, null, null, null, null, null, 2]));
    miner.rpc("generatetoaddress", json!([1, address]));
    let tip = miner.rpc("getblockcount", json!([])).as_u64().expect("a height");
    for height in first_new..=tip {
        let hash = miner.rpc("getblockhash", json!([height]));
        let raw = miner.rpc("getblock", json!([hash, 0]));
        for other in &nodes[1..] {
            assert!(other.rpc("submitblock", json!([raw])).is_null(), "block {height} accepted");
        }
    }
    miner.rpc("getbestblockhash", json!([]))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn main() {
    let rounds: usize = std::env::var("ROUNDS").ok().and_then(|s| s.parse().ok()).unwrap_or(5);
    let seconds: f64 = std::env::var("SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(1.0);
    let mut nodes = vec![("this build".to_string(), Node::start(&[]))];
    if let Some(baseline) = std::env::var_os("ZENNETD_BASELINE") {
        let baseline = PathBuf::from(baseline);
        nodes.insert(0, (format!("baseline {}", baseline.display()), Node::start_binary(baseline, &[])));
    }
    for (_, node) in &nodes {
        node.rpc("generatetoaddress", json!([200, REGTEST_ADDRESS]));
    }
    let hash = nodes[0].1.rpc("getblockhash", json!([100]));
    let large = large_block(&nodes.iter().map(|(_, node)| node).collect::<Vec<_>>());
    let workloads = [
        ("getblockcount", json!({"jsonrpc": "1.0", "id": 1, "method": "getblockcount", "params": []}).to_string()),
        (
            "getblockheader",
            json!({"jsonrpc": "1.0", "id": 1, "method": "getblockheader", "params": [hash, true]}).to_string(),
        ),
        ("getblock 2", json!({"jsonrpc": "1.0", "id": 1, "method": "getblock", "params": [large, 2]}).to_string()),
    ];
    // rates[node][workload][clients] over the rounds
    let mut rates = vec![vec![[Vec::new(), Vec::new()]; workloads.len()]; nodes.len()];
    for _ in 0..rounds {
        for (w, (_, body)) in workloads.iter().enumerate() {
            for (c, clients) in [1, CLIENTS].into_iter().enumerate() {
                for (n, (_, node)) in nodes.iter().enumerate() {
                    rates[n][w][c].push(rate(node, body, clients, seconds));
                }
            }
        }
    }
    println!("requests per second, min / median of {rounds} rounds of {seconds} s");
    for (w, (method, _)) in workloads.iter().enumerate() {
        for (c, clients) in [1, CLIENTS].into_iter().enumerate() {
            let mut medians = Vec::new();
            for (n, (name, _)) in nodes.iter().enumerate() {
                let values = &mut rates[n][w][c];
                let min = values.iter().copied().fold(f64::INFINITY, f64::min);
                let med = median(values);
                medians.push(med);
                println!("{method:<15} clients={clients:<2} {min:>9.0} / {med:>9.0}  {name}");
            }
            if let [base, new] = medians[..] {
                println!("{method:<15} clients={clients:<2} ratio this build / baseline (medians): {:.2}", new / base);
            }
        }
    }
}
