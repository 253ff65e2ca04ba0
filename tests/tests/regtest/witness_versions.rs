//! Witness programs the node does not enforce are anyone-can-spend: their
//! spends are refused by policy and the wallet will not pay to them.

use primitives::{Address, Amount, Network, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};
use serde_json::json;
use zennet_tests::chain::{coinbase_of, resign, spend};
use zennet_tests::{Node, REGTEST_ADDRESS};

/// `OP_n <program>`.
fn witness_script(version: u8, program: &[u8]) -> ScriptBuf {
    let mut bytes = vec![0x50 + version, program.len() as u8];
    bytes.extend_from_slice(program);
    ScriptBuf::from_bytes(bytes)
}

#[test]
fn taproot_is_enforced_and_spends_of_unenforced_witness_versions_are_refused() {
    let node = Node::start(&["-fallbackfee=0.0002"]);
    node.rpc("generatetoaddress", json!([101, REGTEST_ADDRESS]));
    let (coinbase, value) = coinbase_of(&node, 1);

    // One transaction creates a witness v1 (taproot-shaped) and a v2 output.
    let programs = [(1u8, witness_script(1, &[0x11; 32])), (2u8, witness_script(2, &[0x22; 20]))];
    let mut funding = spend(coinbase, value, false);
    let each = funding.output[0].value.to_sat() / 2;
    funding.output = programs
        .iter()
        .map(|(_, script)| TxOut { value: Amount::from_sat(each), script_pubkey: script.clone() })
        .collect();
    let funding = resign(funding, value);
    let hex = hex::encode(funding.serialize());
    node.rpc("sendrawtransaction", json!([hex]));
    node.rpc("generatetoaddress", json!([1, REGTEST_ADDRESS]));

    for (vout, (version, script)) in programs.iter().enumerate() {
        // v1 (taproot) is enforced: a garbage witness fails consensus. v2
        // is not: anyone could spend it with any witness, so policy refuses.
        let garbage = Transaction {
            version: 2,
            input: vec![TxIn {
                previous_output: OutPoint { txid: funding.txid(), vout: vout as u32 },
                script_sig: ScriptBuf::new(),
                sequence: Sequence::MAX,
                witness: Witness::from_slice(&[b"garbage".to_vec()]),
            }],
            output: vec![TxOut {
                value: Amount::from_sat(each - 100_000),
                script_pubkey: ScriptBuf::from_bytes(zennet_tests::chain::p2wpkh_script()),
            }],
            announcement: None,
            lock_time: 0,
        };
        let result = node.rpc("testmempoolaccept", json!([[hex::encode(garbage.serialize())]]));
        assert_eq!(result[0]["allowed"], false, "witness v{version}: {result}");
        let expected = if *version == 1 {
            "mandatory-script-verify-flag-failed (Invalid Schnorr signature size)"
        } else {
            "non-mandatory-script-verify-flag (Witness version reserved for soft-fork upgrades)"
        };
        assert_eq!(result[0]["reject-reason"], expected, "witness v{version}");

        // The wallet pays a taproot address, and refuses an unenforced one
        // before anything is built (this wallet has no coins: -6 means the
        // address was taken).
        let address = Address::from_script(script, Network::Regtest).expect("address").to_string();
        node.rpc("createwallet", json!([format!("w{version}")]));
        match node.try_wallet_rpc(&format!("w{version}"), "sendtoaddress", json!([address, 1])) {
            Err(rpc::ClientError::Rpc(e)) if *version == 1 => assert_eq!(e.code, -6, "{}", e.message),
            Err(rpc::ClientError::Rpc(e)) => {
                assert_eq!(e.code, -5, "{}", e.message);
                assert!(e.message.contains(&format!("witness version {version}")), "{}", e.message);
            }
            other => panic!("sendtoaddress to {address}: {other:?}"),
        }
    }
}
