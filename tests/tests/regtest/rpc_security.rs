//! The RPC server's defences, as Core's: -rpcauth users, whitelists, a
//! delay and a log line for failed logins, a time limit for request bodies,
//! bounded work and bounded parameters.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use rpc::auth::{rpcauth_hmac, Credentials};
use serde_json::json;
use zennet_tests::chain::{coinbase_of, spend};
use zennet_tests::wire::TestPeer;
use zennet_tests::{wait_for, Node, REGTEST_ADDRESS};

/// One HTTP POST on its own connection; returns (status, body).
fn post(node: &Node, authorization: Option<&str>, body: &str) -> (u16, String) {
    let mut stream = TcpStream::connect(("127.0.0.1", node.rpc_port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(120))).expect("timeout");
    let mut request = format!(
        "POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(auth) = authorization {
        request += &format!("Authorization: {auth}\r\n");
    }
    request += "\r\n";
    stream.write_all(request.as_bytes()).expect("write head");
    stream.write_all(body.as_bytes()).expect("write body");
    let mut reply = Vec::new();
    let _ = stream.read_to_end(&mut reply);
    let text = String::from_utf8_lossy(&reply).into_owned();
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = text.split_once("\r\n\r\n").map(|(_, b)| b.to_string()).unwrap_or_default();
    (status, body)
}

fn basic(user: &str, password: &str) -> String {
    Credentials { user: user.into(), password: password.into() }.basic_header()
}

const GETBLOCKCOUNT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"getblockcount","params":[]}"#;
const GETBESTBLOCKHASH: &str = r#"{"jsonrpc":"2.0","id":1,"method":"getbestblockhash","params":[]}"#;

#[test]
fn rpcauth_users_whitelists_and_failed_logins() {
    let alice = format!("-rpcauth=alice:5a1t${}", rpcauth_hmac("5a1t", "alice-pw"));
    let bob = format!("-rpcauth=bob:pepper${}", rpcauth_hmac("pepper", "bob-pw"));
    let node = Node::start(&[
        &alice,
        &bob,
        "-rpcwhitelist=alice:getblockcount,getbestblockhash",
        "-rpcwhitelist=bob:getblockcount",
        "-rpcwhitelistdefault=0",
    ]);

    // Both users log in; each may call only what its list allows.
    assert_eq!(post(&node, Some(&basic("alice", "alice-pw")), GETBLOCKCOUNT).0, 200);
    assert_eq!(post(&node, Some(&basic("alice", "alice-pw")), GETBESTBLOCKHASH).0, 200);
    assert_eq!(post(&node, Some(&basic("bob", "bob-pw")), GETBLOCKCOUNT).0, 200);
    assert_eq!(post(&node, Some(&basic("bob", "bob-pw")), GETBESTBLOCKHASH).0, 403);
    let batch = format!("[{GETBLOCKCOUNT},{GETBESTBLOCKHASH}]");
    assert_eq!(post(&node, Some(&basic("bob", "bob-pw")), &batch).0, 403, "a batch with one forbidden call");
    assert!(node.log().contains("RPC User bob not allowed to call method getbestblockhash"), "{}", node.log());
    // The cookie user has no list and -rpcwhitelistdefault=0: unrestricted.
    assert!(node.try_rpc("getblockcount", json!([])).is_ok());

    // A wrong password waits 250 ms for its 401 and is logged with the address.
    let started = Instant::now();
    let (status, _) = post(&node, Some(&basic("alice", "guess")), GETBLOCKCOUNT);
    let took = started.elapsed();
    eprintln!("failed login answered after {took:?}");
    assert_eq!(status, 401);
    assert!(took >= Duration::from_millis(250), "{took:?}");
    assert!(node.log().contains("incorrect password attempt from 127.0.0.1"), "{}", node.log());
    // Meanwhile others are not slowed: ten guesses in parallel with a good call.
    let guesses: Vec<_> = (0..10)
        .map(|_| {
            let port = node.rpc_port;
            std::thread::spawn(move || {
                let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
                let head = format!("POST / HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{GETBLOCKCOUNT}", basic("x", "y"), GETBLOCKCOUNT.len());
                s.write_all(head.as_bytes()).unwrap();
                let mut out = Vec::new();
                let _ = s.read_to_end(&mut out);
            })
        })
        .collect();
    let started = Instant::now();
    assert_eq!(post(&node, Some(&basic("alice", "alice-pw")), GETBLOCKCOUNT).0, 200);
    eprintln!("a good call during ten failing ones: {:?}", started.elapsed());
    for g in guesses {
        g.join().unwrap();
    }
}

#[test]
fn unlisted_users_get_nothing_once_a_whitelist_exists() {
    let alice = format!("-rpcauth=alice:s${}", rpcauth_hmac("s", "pw"));
    let bob = format!("-rpcauth=bob:t${}", rpcauth_hmac("t", "pw2"));
    // The cookie user (the test harness) is listed so that it can see the node start.
    let node =
        Node::start(&[&alice, &bob, "-rpcwhitelist=alice:getblockcount", "-rpcwhitelist=__cookie__:getblockcount"]);
    assert_eq!(post(&node, Some(&basic("alice", "pw")), GETBLOCKCOUNT).0, 200);
    assert_eq!(post(&node, Some(&basic("alice", "pw")), GETBESTBLOCKHASH).0, 403);
    // Bob has no list: Core's default then denies everything.
    assert_eq!(post(&node, Some(&basic("bob", "pw2")), GETBLOCKCOUNT).0, 403);
}

#[test]
fn a_body_that_does_not_arrive_in_time_is_dropped() {
    let node = Node::start(&["-rpcservertimeout=2"]);
    let cookie = rpc::auth::read_cookie(&node.network_dir()).unwrap();
    let mut slow = TcpStream::connect(("127.0.0.1", node.rpc_port)).unwrap();
    slow.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nAuthorization: {}\r\nContent-Length: 1000\r\n\r\n",
        cookie.basic_header()
    );
    slow.write_all(head.as_bytes()).unwrap();
    let started = Instant::now();
    let mut reply = Vec::new();
    // One byte a second, until the server answers and closes.
    let closed = loop {
        if started.elapsed() > Duration::from_secs(20) {
            break false;
        }
        if slow.write_all(b" ").is_err() {
            break true;
        }
        let mut buf = [0u8; 512];
        match slow.read(&mut buf) {
            Ok(0) => break true,
            Ok(n) => reply.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut) => {
                std::thread::sleep(Duration::from_millis(800))
            }
            Err(_) => break true,
        }
    };
    let took = started.elapsed();
    eprintln!("slow body dropped after {took:?}: {:?}", String::from_utf8_lossy(&reply).lines().next());
    assert!(closed, "the slow client was still connected after 20 s");
    assert!(took < Duration::from_secs(10), "{took:?}");
    assert!(String::from_utf8_lossy(&reply).starts_with("HTTP/1.1 408"), "{}", String::from_utf8_lossy(&reply));
    assert!(node.try_rpc("getblockcount", json!([])).is_ok());
}

#[test]
fn oversized_parameters_are_refused_before_decoding_and_memory_stays_bounded() {
    let node = Node::start(&[]);
    let before = node.rss_bytes();
    let huge = "00".repeat(16_500_000); // a 33 MB request
    let started = Instant::now();
    match node.try_rpc("decodescript", json!([huge])) {
        Err(rpc::ClientError::Rpc(e)) => assert_eq!(e.code, -8, "{}", e.message),
        other => panic!("{other:?}"),
    }
    let after = node.rss_bytes();
    eprintln!(
        "33 MB decodescript refused in {:?}; RSS {} MB before, {} MB after",
        started.elapsed(),
        before >> 20,
        after >> 20
    );
    assert!(after < 300 << 20, "RSS {} MB", after >> 20);
    // Just over the largest valid values: refused without decoding.
    match node.try_rpc("decodescript", json!(["00".repeat(10_001)])) {
        Err(rpc::ClientError::Rpc(e)) => assert_eq!(e.code, -8),
        other => panic!("{other:?}"),
    }
    for method in ["decoderawtransaction", "sendrawtransaction"] {
        match node.try_rpc(method, json!(["00".repeat(4_000_001)])) {
            Err(rpc::ClientError::Rpc(e)) => assert_eq!(e.code, -22, "{method}: {}", e.message),
            other => panic!("{method}: {other:?}"),
        }
    }
    match node.try_rpc("testmempoolaccept", json!([["00".repeat(4_000_001)]])) {
        Err(rpc::ClientError::Rpc(e)) => assert_eq!(e.code, -22, "{}", e.message),
        other => panic!("{other:?}"),
    }
    // A valid script at the limit still decodes.
    let ok = node.rpc("decodescript", json!(["51".repeat(10_000)]));
    assert!(ok["asm"].as_str().unwrap().starts_with("1 1"));
}

#[test]
fn work_beyond_the_queue_is_answered_503() {
    let node = Node::start(&["-rpcthreads=1", "-rpcworkqueue=1"]);
    node.rpc("generatetoaddress", json!([101, REGTEST_ADDRESS]));
    let (coinbase, value) = coinbase_of(&node, 1);
    let template = node.rpc("getblocktemplate", json!([{"rules": ["segwit"]}]));
    let longpollid = template["longpollid"].as_str().unwrap().to_string();
    // Two long polls fill the thread and the queue. A probe can take a slot
    // for a moment and make a poll the one refused: such a poll starts again.
    let start_poll = || {
        let client = node.client().unwrap();
        let id = longpollid.clone();
        std::thread::spawn(move || client.call("getblocktemplate", json!([{"rules": ["segwit"], "longpollid": id}])))
    };
    let mut polls: Vec<_> = (0..2).map(|_| start_poll()).collect();
    let cookie = rpc::auth::read_cookie(&node.network_dir()).unwrap();
    let body = wait_for("a call refused with 503", Duration::from_secs(30), || {
        for poll in polls.iter_mut().filter(|p| p.is_finished()) {
            let refused = std::mem::replace(poll, start_poll()).join().unwrap();
            assert!(matches!(refused, Err(rpc::ClientError::Http { status: 503, .. })), "{refused:?}");
        }
        let (status, body) = post(&node, Some(&cookie.basic_header()), GETBLOCKCOUNT);
        (status == 503).then_some(body)
    });
    assert_eq!(body, "Work queue depth exceeded");
    assert!(node.log().contains("work queue depth exceeded"), "{}", node.log());
    // A transaction from a peer changes the mempool and ends the long polls.
    let mut peer = TestPeer::handshaken(node.p2p_port);
    peer.send("tx", &spend(coinbase, value, false).serialize());
    for poll in polls {
        poll.join().unwrap().expect("long poll answered");
    }
    assert_eq!(post(&node, Some(&cookie.basic_header()), GETBLOCKCOUNT).0, 200);
}

/// -rpcallowip opens the server beyond loopback to those networks only:
/// loopback still answers; another local address, not allowed, gets 403.
#[test]
fn rpcallowip_refuses_other_networks() {
    let node = Node::start(&["-rpcallowip=10.123.0.0/16"]);
    assert_eq!(node.rpc("getblockcount", serde_json::json!([])), 0, "loopback is always allowed");
    // An address of this machine that is not loopback, if it has one.
    let probe = std::net::UdpSocket::bind("0.0.0.0:0").and_then(|s| s.connect("192.0.2.254:9").map(|_| s));
    let local =
        probe.and_then(|s| s.local_addr()).map(|a| a.ip()).ok().filter(|ip| !ip.is_loopback() && !ip.is_unspecified());
    let Some(ip) = local else {
        eprintln!("no non-loopback address on this machine: the refusal is covered by rpc's unit test");
        return;
    };
    let mut stream = TcpStream::connect((ip, node.rpc_port)).unwrap();
    write!(stream, "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 403"), "{response}");
    // Without -rpcallowip, -rpcbind is ignored with Core's warning and the server stays on loopback.
    let warned = Node::start(&["-rpcbind=0.0.0.0"]);
    assert!(warned.log().contains("-rpcbind was ignored because -rpcallowip was not specified"), "{}", warned.log());
    assert!(TcpStream::connect((ip, warned.rpc_port)).is_err(), "not listening beyond loopback");
}

/// zennet-rpcauth writes an rpcauth= line the node accepts, as Core's
/// share/rpcauth script does.
#[test]
fn rpcauth_generator_lines_log_in() {
    let run = |args: &[&str]| {
        let output =
            std::process::Command::new(zennet_tests::bin_dir().join("zennet-rpcauth")).args(args).output().unwrap();
        assert!(output.status.success());
        let text = String::from_utf8(output.stdout).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        (lines[1].trim_start_matches("rpcauth=").to_string(), lines[3].to_string())
    };
    let (given, given_password) = run(&["alice", "correct horse"]);
    assert_eq!(given_password, "correct horse");
    let (made, made_password) = run(&["bob"]);
    assert!(made_password.len() >= 40, "a generated password: {made_password}");
    let node = Node::start(&[&format!("-rpcauth={given}"), &format!("-rpcauth={made}")]);
    for (user, password) in [("alice", given_password.as_str()), ("bob", made_password.as_str())] {
        let client = rpc::RpcClient::new(
            node.url(),
            Credentials { user: user.into(), password: password.into() },
            Duration::from_secs(30),
        );
        assert_eq!(client.call("getblockcount", json!([])).unwrap(), json!(0), "{user}");
    }
    let wrong = rpc::RpcClient::new(
        node.url(),
        Credentials { user: "alice".into(), password: "wrong".into() },
        Duration::from_secs(30),
    );
    assert!(wrong.call("getblockcount", json!([])).is_err());
}
