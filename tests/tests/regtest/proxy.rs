//! `-proxy`: every outbound connection goes through the SOCKS5 proxy, here a
//! tiny one written in the test that records each CONNECT and relays bytes.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;
use zennet_tests::{wait_for, Node};

/// A SOCKS5 proxy (no authentication, CONNECT only) on a free port; returns
/// its port and the destinations asked for.
fn socks5_proxy() -> (u16, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let asked = Arc::new(Mutex::new(Vec::new()));
    let record = asked.clone();
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let record = record.clone();
            std::thread::spawn(move || serve(client, &record));
        }
    });
    (port, asked)
}

fn serve(mut client: TcpStream, record: &Mutex<Vec<String>>) -> Option<()> {
    let mut greeting = [0u8; 3];
    client.read_exact(&mut greeting).ok()?;
    client.write_all(&[5, 0]).ok()?;
    let mut head = [0u8; 4];
    client.read_exact(&mut head).ok()?;
    let host = match head[3] {
        1 => {
            let mut ip = [0u8; 4];
            client.read_exact(&mut ip).ok()?;
            std::net::Ipv4Addr::from(ip).to_string()
        }
        3 => {
            let mut len = [0u8; 1];
            client.read_exact(&mut len).ok()?;
            let mut name = vec![0u8; usize::from(len[0])];
            client.read_exact(&mut name).ok()?;
            String::from_utf8(name).ok()?
        }
        _ => return None,
    };
    let mut port = [0u8; 2];
    client.read_exact(&mut port).ok()?;
    let target = format!("{host}:{}", u16::from_be_bytes(port));
    record.lock().unwrap().push(target.clone());
    let upstream = TcpStream::connect(&target).ok()?;
    client.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).ok()?;
    let (mut c2, mut u2) = (client.try_clone().ok()?, upstream.try_clone().ok()?);
    let (mut c1, mut u1) = (client, upstream);
    std::thread::spawn(move || std::io::copy(&mut c2, &mut u2));
    std::io::copy(&mut u1, &mut c1).ok()?;
    Some(())
}

#[test]
fn outbound_connections_go_through_the_proxy() {
    let target = Node::start(&[]);
    let (proxy_port, asked) = socks5_proxy();
    let connect = format!("-connect=127.0.0.1:{}", target.p2p_port);
    let node = Node::start(&[&format!("-proxy=127.0.0.1:{proxy_port}"), &connect]);
    target.mine(3);
    // The handshake and the blocks came through the proxy.
    node.wait_for_tip(&target.tip(), Duration::from_secs(60));
    let expected = format!("127.0.0.1:{}", target.p2p_port);
    assert!(asked.lock().unwrap().iter().all(|t| *t == expected), "{:?}", asked.lock().unwrap());
    assert!(!asked.lock().unwrap().is_empty());
    let peers = node.rpc("getpeerinfo", json!([]));
    assert_eq!(peers[0]["addr"], json!(expected), "the peer's address, not the proxy's");
    // A node added later is reached through the proxy too.
    let other = Node::start(&[]);
    node.rpc("addnode", json!([format!("127.0.0.1:{}", other.p2p_port), "onetry"]));
    let second = format!("127.0.0.1:{}", other.p2p_port);
    wait_for("the proxy to be asked for the second node", Duration::from_secs(30), || {
        asked.lock().unwrap().contains(&second).then_some(())
    });
}

/// `-onion`: onion services through their own proxy, other peers direct;
/// `-onlynet` leaves the other networks unreachable, as Core.
#[test]
fn onion_peers_go_through_the_onion_proxy_and_onlynet_limits_networks() {
    let (proxy_port, asked) = socks5_proxy();
    let node = Node::start(&[&format!("-onion=127.0.0.1:{proxy_port}")]);
    let other = Node::start(&[]);
    node.connect_to(&other);
    let onion = "zennetexampleaddressxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx.onion:7877";
    node.rpc("addnode", json!([onion, "onetry"]));
    wait_for("the onion proxy to be asked", Duration::from_secs(30), || {
        asked.lock().unwrap().iter().any(|t| t == onion).then_some(())
    });
    assert_eq!(asked.lock().unwrap().len(), 1, "only the onion peer is proxied: {:?}", asked.lock().unwrap());
    let networks = node.rpc("getnetworkinfo", json!([]))["networks"].clone();
    let onion_net = networks.as_array().unwrap().iter().find(|n| n["name"] == "onion").unwrap().clone();
    assert_eq!(onion_net["reachable"], true);
    assert_eq!(onion_net["proxy"], format!("127.0.0.1:{proxy_port}"));
    let (_, info, _) = node.cli(&["-getinfo"]);
    assert!(info.contains(&format!("Proxies: 127.0.0.1:{proxy_port} (onion)")), "{info}");

    let limited = Node::start(&["-onlynet=ipv6"]);
    let networks = limited.rpc("getnetworkinfo", json!([]))["networks"].clone();
    let reachable: Vec<&str> = networks
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["reachable"] == true)
        .map(|n| n["name"].as_str().unwrap())
        .collect();
    assert_eq!(reachable, vec!["ipv6"]);
    // Without a proxy, an onion service cannot be reached at all.
    limited.rpc("addnode", json!([onion, "onetry"]));
    wait_for("the refusal in the log", Duration::from_secs(30), || {
        limited.log().contains("onion services need -onion or -proxy").then_some(())
    });
    let output = std::process::Command::new(zennet_tests::bin_dir().join("zennetd"))
        .args(["-regtest", "-onlynet=ipx"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stderr).trim(), "Error: Unknown network specified in -onlynet: 'ipx'");
}
