//! Over-long address text is refused before it is decoded, and no RPC call
//! can hold up the peers: the RPC server has its own threads.

use std::time::{Duration, Instant};

use serde_json::json;
use zennet_tests::wire::TestPeer;
use zennet_tests::Node;

#[test]
fn an_over_long_address_is_refused_at_once_while_peers_are_served() {
    let node = Node::start(&[]);
    let mut peer = TestPeer::handshaken(node.p2p_port);
    let text = "zrt1q".to_string() + &"q".repeat(100_000 - 5);

    // Two calls at once, each from its own client, while the peer pings.
    let calls: Vec<_> = (0..2)
        .map(|_| {
            let client = node.client().expect("cookie");
            let text = text.clone();
            std::thread::spawn(move || {
                let started = Instant::now();
                let result = client.call("validateaddress", json!([text])).expect("validateaddress");
                (started.elapsed(), result)
            })
        })
        .collect();
    let started = Instant::now();
    peer.send("ping", &7u64.to_le_bytes());
    let pong = peer.expect("pong", Duration::from_secs(30));
    let ping = started.elapsed();
    assert_eq!(pong, 7u64.to_le_bytes());
    for call in calls {
        let (took, result) = call.join().expect("call thread");
        eprintln!("validateaddress of 100,000 characters answered in {took:?}");
        assert_eq!(result["isvalid"], false, "{result}");
        assert!(result["error"].as_str().unwrap().contains("longer than any address"), "{result}");
    }
    eprintln!("ping round trip meanwhile: {ping:?}");
    for method in ["getaddressinfo", "validateaddress"] {
        let started = Instant::now();
        let _ = node.try_rpc(method, json!([text]));
        eprintln!("{method} of 100,000 characters: {:?}", started.elapsed());
    }
}
