//! Secrets on disk: an encrypted wallet leaves no plaintext phrase or
//! private key in its files, an unencrypted one says so at creation, and
//! the RPC cookie is never readable by others, not even for an instant.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use serde_json::json;
use zennet_tests::Node;

/// Whether any file under `dir` contains `needle`.
fn found_in_files(dir: &Path, needle: &[u8]) -> Vec<String> {
    let mut hits = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read_dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            hits.extend(found_in_files(&path, needle));
        } else if let Ok(bytes) = std::fs::read(&path) {
            if bytes.windows(needle.len()).any(|w| w == needle) {
                hits.push(path.display().to_string());
            }
        }
    }
    hits
}

#[test]
fn after_encryptwallet_no_plaintext_phrase_or_private_key_is_left_in_the_files() {
    let mut node = Node::start(&[]);
    let created = node.rpc("createwallet", json!(["w"]));
    let phrase = created["mnemonic"].as_str().expect("mnemonic").to_string();
    let warnings = created["warnings"].to_string();
    assert!(warnings.contains("stored unencrypted"), "{created}");
    let descriptors = node.wallet_rpc("w", "listdescriptors", json!([true]));
    let desc = descriptors["descriptors"][0]["desc"].as_str().unwrap();
    let start = desc.find("tprv").expect("a tprv in the private descriptor");
    let xprv: String = desc[start..].chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    let folder = node.network_dir().join("wallets").join("w");
    // The search works: before encryption the phrase is there.
    assert!(!found_in_files(&folder, phrase.as_bytes()).is_empty(), "the search should find the plaintext phrase");

    node.wallet_rpc("w", "encryptwallet", json!(["correct horse battery staple"]));
    assert!(found_in_files(&folder, phrase.as_bytes()).is_empty(), "phrase left after encryptwallet");
    assert!(found_in_files(&folder, xprv.as_bytes()).is_empty(), "xprv left after encryptwallet");
    // And after a restart, with the wallet loaded and used.
    assert!(node.stop().success());
    node.restart();
    node.rpc("loadwallet", json!(["w"]));
    node.wallet_rpc("w", "getnewaddress", json!([]));
    node.wallet_rpc("w", "walletpassphrase", json!(["correct horse battery staple", 10]));
    node.wallet_rpc("w", "walletpassphrasechange", json!(["correct horse battery staple", "another"]));
    let first_words: Vec<&str> = phrase.split(' ').take(3).collect();
    for needle in [phrase.clone(), xprv.clone(), first_words.join(" ")] {
        let hits = found_in_files(&folder, needle.as_bytes());
        assert!(hits.is_empty(), "{needle:?} found in {hits:?}");
    }
    // The wallet still works with its new passphrase.
    node.wallet_rpc("w", "walletpassphrase", json!(["another", 10]));
    let again = node.wallet_rpc("w", "listdescriptors", json!([true]));
    assert!(again.to_string().contains(&xprv));
    // A wallet created with a passphrase gets no such warning.
    let sealed = node.rpc("createwallet", json!({"wallet_name": "sealed", "passphrase": "p"}));
    assert!(sealed.get("warnings").is_none(), "{sealed}");
}

#[test]
fn the_cookie_is_never_readable_by_others_during_twenty_starts() {
    let mut node = Node::start(&[]);
    assert!(node.stop().success());
    let dir = node.network_dir();
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (dir, done) = (dir.clone(), done.clone());
        std::thread::spawn(move || {
            let (mut seen, mut open) = (0u32, Vec::new());
            while !done.load(Ordering::Relaxed) {
                for name in [".cookie", ".cookie.tmp"] {
                    if let Ok(meta) = std::fs::metadata(dir.join(name)) {
                        seen += 1;
                        let mode = meta.permissions().mode() & 0o777;
                        if mode & 0o077 != 0 {
                            open.push(format!("{name} {mode:o}"));
                        }
                    }
                }
            }
            (seen, open)
        })
    };
    for _ in 0..20 {
        node.restart();
        assert!(node.stop().success());
    }
    done.store(true, Ordering::Relaxed);
    let (seen, open) = watcher.join().unwrap();
    eprintln!("cookie files seen {seen} times during 20 starts");
    assert!(seen > 0, "the watcher never saw a cookie");
    assert!(open.is_empty(), "readable by others: {open:?}");
}

#[test]
fn rpccookieperms_widens_the_cookie_on_request() {
    let node = Node::start(&["-rpccookieperms=group"]);
    let mode = std::fs::metadata(node.network_dir().join(".cookie")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640);
}
