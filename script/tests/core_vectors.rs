//! Bitcoin Core's script, transaction and sighash vectors
//! (`../shared/vectors/bitcoin-core`, formats in the README there).

use std::collections::HashMap;

use bitcoin::hashes::Hash;
use primitives::shared::read_vector;
use primitives::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness};
use script::checker::TransactionChecker;
use script::opcodes::push_bytes;
use script::sighash::legacy_sighash;
use script::{verify_script, PrecomputedTransactionData, ScriptError, VerifyFlags};
use serde_json::Value;

fn vectors(name: &str) -> Vec<Value> {
    let bytes = read_vector(env!("CARGO_MANIFEST_DIR"), &format!("bitcoin-core/{name}"));
    serde_json::from_slice::<Value>(&bytes).unwrap().as_array().unwrap().clone()
}

/// Core's `ParseScript` (README section 1).
fn parse_asm(asm: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for token in asm.split([' ', '\t', '\n']).filter(|t| !t.is_empty()) {
        if let Ok(n) = token.parse::<i64>() {
            assert!((-0xffff_ffff..=0xffff_ffff).contains(&n), "number out of range: {token}");
            match n {
                0 => out.push(0x00),
                -1 => out.push(0x4f),
                1..=16 => out.push(0x50 + n as u8),
                _ => out.extend(push_bytes(&script::num::encode(n))),
            }
        } else if let Some(hex) = token.strip_prefix("0x") {
            out.extend(hex::decode(hex).unwrap_or_else(|_| panic!("bad hex {token}")));
        } else if token.len() >= 2 && token.starts_with('\'') && token.ends_with('\'') {
            out.extend(push_bytes(&token.as_bytes()[1..token.len() - 1]));
        } else {
            out.push(opcode_by_name(token.strip_prefix("OP_").unwrap_or(token)));
        }
    }
    out
}

fn opcode_by_name(name: &str) -> u8 {
    const NAMES: &[&str] = &[
        "NOP",
        "VER",
        "IF",
        "NOTIF",
        "VERIF",
        "VERNOTIF",
        "ELSE",
        "ENDIF",
        "VERIFY",
        "RETURN",
        "TOALTSTACK",
        "FROMALTSTACK",
        "2DROP",
        "2DUP",
        "3DUP",
        "2OVER",
        "2ROT",
        "2SWAP",
        "IFDUP",
        "DEPTH",
        "DROP",
        "DUP",
        "NIP",
        "OVER",
        "PICK",
        "ROLL",
        "ROT",
        "SWAP",
        "TUCK",
        "CAT",
        "SUBSTR",
        "LEFT",
        "RIGHT",
        "SIZE",
        "INVERT",
        "AND",
        "OR",
        "XOR",
        "EQUAL",
        "EQUALVERIFY",
        "RESERVED1",
        "RESERVED2",
        "1ADD",
        "1SUB",
        "2MUL",
        "2DIV",
        "NEGATE",
        "ABS",
        "NOT",
        "0NOTEQUAL",
        "ADD",
        "SUB",
        "MUL",
        "DIV",
        "MOD",
        "LSHIFT",
        "RSHIFT",
        "BOOLAND",
        "BOOLOR",
        "NUMEQUAL",
        "NUMEQUALVERIFY",
        "NUMNOTEQUAL",
        "LESSTHAN",
        "GREATERTHAN",
        "LESSTHANOREQUAL",
        "GREATERTHANOREQUAL",
        "MIN",
        "MAX",
        "WITHIN",
        "RIPEMD160",
        "SHA1",
        "SHA256",
        "HASH160",
        "HASH256",
        "CODESEPARATOR",
        "CHECKSIG",
        "CHECKSIGVERIFY",
        "CHECKMULTISIG",
        "CHECKMULTISIGVERIFY",
        "NOP1",
        "CHECKLOCKTIMEVERIFY",
        "CHECKSEQUENCEVERIFY",
        "NOP4",
        "NOP5",
        "NOP6",
        "NOP7",
        "NOP8",
        "NOP9",
        "NOP10",
    ];
    if name == "RESERVED" {
        return 0x50;
    }
    let index = NAMES.iter().position(|n| *n == name).unwrap_or_else(|| panic!("unknown opcode {name}"));
    0x61 + index as u8
}

fn credit_tx(script_pubkey: &[u8], amount: u64) -> Transaction {
    Transaction {
        version: 1,
        input: vec![TxIn {
            previous_output: OutPoint::null(),
            script_sig: ScriptBuf::from_bytes(vec![0, 0]),
            sequence: Sequence::MAX,
            witness: Witness::new(),
        }],
        output: vec![TxOut {
            value: Amount::from_sat(amount),
            script_pubkey: ScriptBuf::from_bytes(script_pubkey.to_vec()),
        }],
        announcement: None,
        lock_time: 0,
    }
}

fn spend_tx(credit: &Transaction, script_sig: &[u8], witness: &[Vec<u8>], amount: u64) -> Transaction {
    Transaction {
        version: 1,
        input: vec![TxIn {
            previous_output: OutPoint { txid: credit.txid(), vout: 0 },
            script_sig: ScriptBuf::from_bytes(script_sig.to_vec()),
            sequence: Sequence::MAX,
            witness: Witness::from_slice(witness),
        }],
        output: vec![TxOut { value: Amount::from_sat(amount), script_pubkey: ScriptBuf::new() }],
        announcement: None,
        lock_time: 0,
    }
}

fn run(
    script_sig: &[u8],
    script_pubkey: &[u8],
    witness: &[Vec<u8>],
    amount: u64,
    flags: VerifyFlags,
) -> Result<(), ScriptError> {
    let credit = credit_tx(script_pubkey, amount);
    let spend = spend_tx(&credit, script_sig, witness, amount);
    let pre = PrecomputedTransactionData::with_spent(&spend, &credit.output);
    let checker = TransactionChecker { tx: &spend, input: 0, amount, precomputed: &pre, cache: None };
    verify_script(script_sig, script_pubkey, witness, flags, &checker)
}

/// The control block and output key of a one-leaf tapscript tree with
/// internal key x-only(G) (the vectors' README).
fn taproot_leaf(script: &[u8]) -> (Vec<u8>, [u8; 32]) {
    use bitcoin::secp256k1::{Secp256k1, XOnlyPublicKey};
    let internal = XOnlyPublicKey::from_slice(
        &hex::decode("79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798").unwrap(),
    )
    .unwrap();
    let leaf = script::taproot::tap_leaf_hash(0xc0, script);
    let (output, parity) =
        script::taproot::output_key(&Secp256k1::verification_only(), &internal, Some(&leaf)).unwrap();
    let mut control = vec![0xc0 | parity.to_u8()];
    control.extend_from_slice(&internal.serialize());
    (control, output.serialize())
}

#[test]
fn script_tests_json() {
    let (mut passed, mut failed, skipped) = (0, 0, 0);
    let mut failures = Vec::new();
    for row in vectors("script_tests.json") {
        let row = row.as_array().unwrap();
        if row.len() == 1 {
            continue; // comment
        }
        // Taproot rows: a one-leaf tree (leaf version 0xc0) under the internal
        // key x-only(G); "#CONTROLBLOCK#" and "#TAPROOTOUTPUT#" name its parts.
        let mut tapleaf_output: Option<[u8; 32]> = None;
        let (witness, amount, rest) = match &row[0] {
            Value::Array(items) => {
                let (amount, items) = items.split_last().unwrap();
                let sats = (amount.as_f64().unwrap() * 1e8).round() as u64;
                let mut witness: Vec<Vec<u8>> = Vec::new();
                for item in items {
                    let s = item.as_str().unwrap();
                    let bytes = if let Some(asm) = s.strip_prefix("#SCRIPT# ") {
                        parse_asm(asm)
                    } else if s == "#CONTROLBLOCK#" {
                        let (control, output) = taproot_leaf(witness.last().unwrap());
                        tapleaf_output = Some(output);
                        control
                    } else {
                        hex::decode(s).unwrap_or_default()
                    };
                    witness.push(bytes);
                }
                (witness, sats, &row[1..])
            }
            _ => (Vec::new(), 0, &row[..]),
        };
        let flags_text = rest[2].as_str().unwrap();
        let mut flags = VerifyFlags::parse(flags_text).unwrap();
        if flags.contains(VerifyFlags::CLEANSTACK) {
            flags |= VerifyFlags::P2SH | VerifyFlags::WITNESS;
        }
        let script_sig = parse_asm(rest[0].as_str().unwrap());
        let script_pubkey = match rest[1].as_str().unwrap() {
            "0x51 0x20 #TAPROOTOUTPUT#" => [&[0x51, 0x20][..], &tapleaf_output.expect("a control block row")].concat(),
            asm => parse_asm(asm),
        };
        let expected = rest[3].as_str().unwrap();
        let result = run(&script_sig, &script_pubkey, &witness, amount, flags);
        let got = match result {
            Ok(()) => "OK",
            Err(e) => e.name(),
        };
        if got == expected {
            passed += 1;
        } else {
            failed += 1;
            failures.push(format!("expected {expected}, got {got}: {row:?}"));
        }
    }
    for f in failures.iter().take(20) {
        eprintln!("{f}");
    }
    println!("script_tests.json: {passed} passed, {failed} failed, {skipped} skipped");
    assert_eq!(failed, 0, "{} script_tests rows failed", failures.len());
    assert_eq!((passed, skipped), (1233, 0));
}

#[test]
fn sighash_json() {
    let mut checked = 0;
    for row in vectors("sighash.json").into_iter().skip(1) {
        let tx = Transaction::from_bytes(&hex::decode(row[0].as_str().unwrap()).unwrap()).unwrap();
        let script_code = hex::decode(row[1].as_str().unwrap()).unwrap();
        let input = row[2].as_u64().unwrap() as usize;
        let hash_type = row[3].as_i64().unwrap() as i32;
        let mut got = legacy_sighash(&tx, input, &script_code, hash_type);
        got.reverse();
        assert_eq!(hex::encode(got), row[4].as_str().unwrap(), "row {checked}: {row}");
        checked += 1;
    }
    println!("sighash.json: {checked} passed, 0 failed");
    assert_eq!(checked, 500);
}

/// (prevout → (scriptPubKey, amount)) of a tx_valid/tx_invalid row.
fn prevouts(row: &[Value]) -> HashMap<OutPoint, TxOut> {
    row[0]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            let mut txid = hex::decode(p[0].as_str().unwrap()).unwrap();
            txid.reverse();
            let vout = match p[1].as_i64().unwrap() {
                -1 => u32::MAX,
                v => v as u32,
            };
            let script = parse_asm(p[2].as_str().unwrap());
            let amount = p.get(3).and_then(Value::as_u64).unwrap_or(0);
            let outpoint = OutPoint { txid: Txid::from_byte_array(txid.try_into().unwrap()), vout };
            (outpoint, TxOut { value: Amount::from_sat(amount), script_pubkey: ScriptBuf::from_bytes(script) })
        })
        .collect()
}

fn verify_tx(
    tx: &Transaction,
    prev: &HashMap<OutPoint, TxOut>,
    flags: VerifyFlags,
) -> Result<(), (usize, ScriptError)> {
    let pre = PrecomputedTransactionData::new(tx);
    for (i, txin) in tx.input.iter().enumerate() {
        let spent = prev.get(&txin.previous_output).expect("prevout listed");
        let checker = TransactionChecker { tx, input: i, amount: spent.value.to_sat(), precomputed: &pre, cache: None };
        verify_script(
            txin.script_sig.as_bytes(),
            spent.script_pubkey.as_bytes(),
            &txin.witness.to_vec(),
            flags,
            &checker,
        )
        .map_err(|e| (i, e))?;
    }
    Ok(())
}

#[test]
fn tx_valid_json() {
    let mut passed = 0;
    for row in vectors("tx_valid.json") {
        let row = row.as_array().unwrap();
        if !row[0].is_array() {
            continue;
        }
        let tx = Transaction::from_bytes(&hex::decode(row[1].as_str().unwrap()).unwrap()).unwrap();
        let excluded = VerifyFlags::parse(row[2].as_str().unwrap()).unwrap();
        let flags = VerifyFlags::all() & !excluded;
        let prev = prevouts(row);
        verify_tx(&tx, &prev, flags).unwrap_or_else(|(i, e)| panic!("input {i}: {} for {row:?}", e.name()));
        // Fewer flags never turn a valid transaction invalid.
        verify_tx(&tx, &prev, VerifyFlags::NONE).unwrap();
        passed += 1;
    }
    println!("tx_valid.json: {passed} passed, 0 failed");
    assert_eq!(passed, 121);
}

#[test]
fn tx_invalid_json() {
    let (mut passed, mut badtx) = (0, 0);
    for row in vectors("tx_invalid.json") {
        let row = row.as_array().unwrap();
        if !row[0].is_array() {
            continue;
        }
        if row[2] == "BADTX" {
            badtx += 1; // checked against CheckTransaction in the consensus crate
            continue;
        }
        let tx = Transaction::from_bytes(&hex::decode(row[1].as_str().unwrap()).unwrap()).unwrap();
        let flags = VerifyFlags::parse(row[2].as_str().unwrap()).unwrap();
        let prev = prevouts(row);
        assert!(verify_tx(&tx, &prev, flags).is_err(), "expected failure: {row:?}");
        // More flags never make it valid.
        assert!(verify_tx(&tx, &prev, VerifyFlags::all()).is_err(), "valid with all flags: {row:?}");
        passed += 1;
    }
    println!("tx_invalid.json: {passed} passed, 0 failed ({badtx} BADTX rows belong to CheckTransaction)");
    assert_eq!(passed + badtx, 93);
}
