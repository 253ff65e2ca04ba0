//! Blocks, headers and transactions as Bitcoin Core's JSON (with the
//! multi-algorithm fields `pow_algo`, `pow_algo_id`, `pow_hash`).

use bitcoin::hashes::Hash;
use primitives::encode::display_hex;
use primitives::{Address, AnnouncementBody, Block, Network, PowAlgo, Transaction, Txid, Wtxid, COIN};
use serde_json::{json, Map, Value};

use super::asm::{script_to_asm, script_type};
pub use crate::chainstate::HeaderFacts;
use crate::chainstate::IndexEntry;

/// Core's `GetDifficulty`: how many times harder than bits 0x1d00ffff.
pub fn difficulty(bits: u32) -> f64 {
    let mut shift = (bits >> 24) & 0xff;
    let mut diff = f64::from(0x0000_ffff) / f64::from((bits & 0x00ff_ffff).max(1));
    while shift < 29 {
        diff *= 256.0;
        shift += 1;
    }
    while shift > 29 {
        diff /= 256.0;
        shift -= 1;
    }
    diff
}

/// A real number as Core's `UniValue` prints a double (C++'s `%.16g`: 16
/// significant digits, trailing zeros dropped, an exponent below 1e-4 or
/// from 1e16 up): `4.656542373906925e-10` where the shortest round trip
/// would be `4.6565423739069247e-10`, `0` rather than `0.0`. Infinities and
/// NaN, which JSON cannot hold, are null.
pub fn real(value: f64) -> Value {
    if !value.is_finite() {
        return Value::Null;
    }
    if value == 0.0 {
        return if value.is_sign_negative() { "-0".parse().map_or(Value::Null, Value::Number) } else { json!(0) };
    }
    const PRECISION: i32 = 16;
    let scientific = format!("{:.*e}", (PRECISION - 1) as usize, value);
    let (mantissa, exponent) = scientific.split_once('e').expect("{:e} writes an exponent");
    let exponent: i32 = exponent.parse().expect("{:e} writes a decimal exponent");
    let trim = |digits: &str| -> String {
        if digits.contains('.') {
            digits.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            digits.to_string()
        }
    };
    let text = if !(-4..PRECISION).contains(&exponent) {
        let sign = if exponent < 0 { '-' } else { '+' };
        format!("{}e{sign}{:02}", trim(mantissa), exponent.abs())
    } else {
        trim(&format!("{:.*}", (PRECISION - 1 - exponent) as usize, value))
    };
    text.parse::<serde_json::Number>().map_or(Value::Null, Value::Number)
}

/// An amount of ZEN as Core's `ValueFromAmount` prints it: a JSON number
/// with eight decimals (`4.75000000`).
pub fn amount(zats: u64) -> Value {
    signed_amount(zats as i64)
}

/// A signed amount (wallet debits and fees) the same way (`-0.00001410`).
pub fn signed_amount(zats: i64) -> Value {
    let sign = if zats < 0 { "-" } else { "" };
    let magnitude = zats.unsigned_abs();
    let text = format!("{sign}{}.{:08}", magnitude / COIN, magnitude % COIN);
    Value::Number(serde_json::Number::from_string_unchecked(text))
}

fn work_hex(entry: &IndexEntry) -> String {
    format!("{:0>64}", entry.chain_work.to_str_radix(16))
}

/// The header fields shared by `getblockheader` and `getblock`, in Core's order
/// around `between` (the block-only fields Core puts after `merkleroot`).
fn header_fields(facts: &HeaderFacts, head: Map<String, Value>, between: Map<String, Value>) -> Value {
    let entry = &facts.entry;
    let header = &entry.header;
    let version = header.version.to_consensus();
    let algo = PowAlgo::from_version(version);
    let mut obj = Map::new();
    obj.insert("hash".into(), json!(entry.hash.to_string()));
    obj.insert("confirmations".into(), json!(facts.confirmations));
    obj.extend(head);
    obj.insert("height".into(), json!(entry.height));
    obj.insert("version".into(), json!(version));
    obj.insert("versionHex".into(), json!(format!("{:08x}", version as u32)));
    obj.insert("merkleroot".into(), json!(header.merkle_root.to_string()));
    obj.extend(between);
    obj.insert("time".into(), json!(header.time));
    obj.insert("mediantime".into(), json!(facts.median_time));
    obj.insert("nonce".into(), json!(header.nonce));
    obj.insert("bits".into(), json!(format!("{:08x}", header.bits.to_consensus())));
    obj.insert("difficulty".into(), real(difficulty(header.bits.to_consensus())));
    obj.insert("chainwork".into(), json!(work_hex(entry)));
    obj.insert("nTx".into(), json!(entry.tx_count));
    if entry.height > 0 {
        obj.insert("previousblockhash".into(), json!(header.prev_blockhash.to_string()));
    }
    if let Some(next) = facts.next {
        obj.insert("nextblockhash".into(), json!(next.to_string()));
    }
    if let Some(algo) = algo {
        obj.insert("pow_algo".into(), json!(algo.name()));
        obj.insert("pow_algo_id".into(), json!(algo.id()));
        if let Some(hash) = &facts.pow_hash {
            obj.insert("pow_hash".into(), json!(display_hex(hash)));
        }
    }
    Value::Object(obj)
}

pub fn header_json(facts: &HeaderFacts) -> Value {
    header_fields(facts, Map::new(), Map::new())
}

pub fn block_json(
    facts: &HeaderFacts,
    block: &Block,
    verbosity: u8,
    undo: Option<&[(primitives::OutPoint, consensus::check::utxo::Coin)]>,
    network: Network,
) -> Value {
    let stripped: usize = 80
        + primitives::encode::compact_size_len(block.txdata.len() as u64)
        + block.txdata.iter().map(|tx| tx.base_size()).sum::<usize>();
    let mut head = Map::new();
    head.insert("size".into(), json!(block.total_size()));
    head.insert("strippedsize".into(), json!(stripped));
    head.insert("weight".into(), json!(block.weight()));
    let txs: Vec<Value> = if verbosity >= 2 {
        let spent = undo.map(|u| spent_by_block(block, u));
        block
            .txdata
            .iter()
            .enumerate()
            .map(|(i, tx)| {
                let mut json = tx_json_with_hashes(tx, tx.txid(), tx.wtxid(), network);
                if let Some(spent) = &spent {
                    add_spent_details(&mut json, tx, &spent[i], verbosity >= 3, network);
                }
                json
            })
            .collect()
    } else {
        block.txdata.iter().map(|tx| json!(tx.txid().to_string())).collect()
    };
    let mut between = Map::new();
    between.insert("tx".into(), Value::Array(txs));
    header_fields(facts, head, between)
}

/// Core's `ScriptToUniv` for an output script: asm, hex, address (when it
/// has one) and type.
pub fn script_pubkey_json(script: &primitives::ScriptBuf, network: Network) -> Value {
    let address = Address::from_script(script, network).ok().map(|a| a.to_string());
    let mut spk = Map::new();
    spk.insert("asm".into(), json!(script_to_asm(script, false)));
    spk.insert("desc".into(), json!(wallet::descriptor::infer_with_address(script.as_bytes(), address.as_deref())));
    spk.insert("hex".into(), json!(hex::encode(script.as_bytes())));
    if let Some(address) = address {
        spk.insert("address".into(), json!(address));
    }
    spk.insert("type".into(), json!(script_type(script)));
    Value::Object(spk)
}

/// Core's `TxToUniv` (with `hex`), plus an `announcement` object.
pub fn tx_json(tx: &Transaction, network: Network) -> Value {
    tx_json_with_hashes(tx, tx.txid(), tx.wtxid(), network)
}

/// `tx_json` for a transaction whose txid and wtxid are known (a block's).
fn tx_json_with_hashes(tx: &Transaction, txid: Txid, wtxid: Wtxid, network: Network) -> Value {
    let mut obj = Map::new();
    obj.insert("txid".into(), json!(txid.to_string()));
    obj.insert("hash".into(), json!(wtxid.to_string()));
    obj.insert("version".into(), json!(tx.version));
    obj.insert("size".into(), json!(tx.total_size()));
    obj.insert("vsize".into(), json!(tx.vsize()));
    obj.insert("weight".into(), json!(tx.weight()));
    obj.insert("locktime".into(), json!(tx.lock_time));
    let vin: Vec<Value> = tx
        .input
        .iter()
        .map(|txin| {
            let mut i = Map::new();
            if tx.is_coinbase() {
                i.insert("coinbase".into(), json!(hex::encode(txin.script_sig.as_bytes())));
            } else {
                i.insert("txid".into(), json!(txin.previous_output.txid.to_string()));
                i.insert("vout".into(), json!(txin.previous_output.vout));
                i.insert(
                    "scriptSig".into(),
                    json!({"asm": script_to_asm(&txin.script_sig, true), "hex": hex::encode(txin.script_sig.as_bytes())}),
                );
            }
            if !txin.witness.is_empty() {
                i.insert("txinwitness".into(), json!(txin.witness.iter().map(hex::encode).collect::<Vec<_>>()));
            }
            i.insert("sequence".into(), json!(txin.sequence.0));
            Value::Object(i)
        })
        .collect();
    obj.insert("vin".into(), Value::Array(vin));
    let vout: Vec<Value> = tx
        .output
        .iter()
        .enumerate()
        .map(|(n, out)| {
            let spk = script_pubkey_json(&out.script_pubkey, network);
            json!({"value": amount(out.value.to_sat()), "n": n, "scriptPubKey": spk})
        })
        .collect();
    obj.insert("vout".into(), Value::Array(vout));
    if let Some(ann) = &tx.announcement {
        let kind = match ann.known_kind() {
            Some(primitives::AnnouncementKind::Task) => "task",
            Some(primitives::AnnouncementKind::Acceptance) => "acceptance",
            Some(primitives::AnnouncementKind::Cancel) => "cancel",
            None => "unknown",
        };
        let mut a = Map::new();
        a.insert("kind".into(), json!(kind));
        a.insert("kind_id".into(), json!(ann.kind));
        a.insert("expiry".into(), json!(ann.expiry));
        a.insert("body_size".into(), json!(ann.body.len()));
        a.insert("body_hash".into(), json!(hex::encode(ann.body.hash().to_byte_array())));
        a.insert("pruned".into(), json!(ann.body.is_pruned()));
        if let AnnouncementBody::Full(body) = &ann.body {
            a.insert("body".into(), json!(hex::encode(body)));
        }
        a.insert("nonce".into(), json!(ann.nonce));
        let pow = consensus::check::announcement::tx_pow_hash(tx, ann.nonce);
        a.insert("pow_hash".into(), json!(hex::encode(pow.iter().rev().copied().collect::<Vec<u8>>())));
        obj.insert("announcement".into(), Value::Object(a));
    }
    obj.insert("hex".into(), json!(hex::encode(tx.serialize())));
    Value::Object(obj)
}

/// Core's `TxToUniv` details from undo data: the transaction's `fee` (after
/// `vout`) and, with `prevout`, each input's spent output (before its
/// `sequence`). `spent[i]` is the coin input `i` spends; a coinbase gets none.
pub fn add_spent_details(
    json: &mut Value,
    tx: &Transaction,
    spent: &[consensus::check::utxo::Coin],
    prevout: bool,
    network: Network,
) {
    if tx.is_coinbase() || spent.len() != tx.input.len() {
        return;
    }
    let Value::Object(obj) = json else { return };
    if prevout {
        if let Some(Value::Array(vin)) = obj.get_mut("vin") {
            for (entry, coin) in vin.iter_mut().zip(spent) {
                let Value::Object(i) = entry else { continue };
                let sequence = i.remove("sequence");
                i.insert(
                    "prevout".into(),
                    json!({
                        "generated": coin.is_coinbase,
                        "height": coin.height,
                        "value": amount(coin.output.value.to_sat()),
                        "scriptPubKey": script_pubkey_json(&coin.output.script_pubkey, network),
                    }),
                );
                if let Some(sequence) = sequence {
                    i.insert("sequence".into(), sequence);
                }
            }
        }
    }
    let paid_in: u64 = spent.iter().map(|c| c.output.value.to_sat()).sum();
    let paid_out: u64 = tx.output.iter().map(|o| o.value.to_sat()).sum();
    let announcement = obj.remove("announcement");
    let hex = obj.remove("hex");
    obj.insert("fee".into(), amount(paid_in.saturating_sub(paid_out)));
    if let Some(a) = announcement {
        obj.insert("announcement".into(), a);
    }
    if let Some(h) = hex {
        obj.insert("hex".into(), h);
    }
}

/// The coins a block's transactions spend, in the block's input order, from its undo data.
pub fn spent_by_block(
    block: &Block,
    undo: &[(primitives::OutPoint, consensus::check::utxo::Coin)],
) -> Vec<Vec<consensus::check::utxo::Coin>> {
    let by_outpoint: std::collections::HashMap<&primitives::OutPoint, &consensus::check::utxo::Coin> =
        undo.iter().map(|(o, c)| (o, c)).collect();
    block
        .txdata
        .iter()
        .map(|tx| {
            if tx.is_coinbase() {
                return Vec::new();
            }
            tx.input.iter().filter_map(|i| by_outpoint.get(&i.previous_output).map(|c| (*c).clone())).collect()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn difficulty_matches_core() {
        assert_eq!(difficulty(0x1d00ffff), 1.0);
        assert!((difficulty(0x1b0404cb) - 16307.420938523983).abs() < 1e-6);
        assert!((difficulty(0x207fffff) - 4.656542373906925e-10).abs() < 1e-20);
    }

    /// The text C++'s `std::setprecision(16)` writes (Core's `UniValue`).
    #[test]
    fn reals_print_as_core_prints_doubles() {
        let cases: [(f64, &str); 16] = [
            (difficulty(0x207fffff), "4.656542373906925e-10"),
            (0.00010257378132090413, "0.0001025737813209041"),
            (0.0, "0"),
            (-0.0, "-0"),
            (1.0, "1"),
            (123.5, "123.5"),
            (-2.25, "-2.25"),
            (2.5e16, "2.5e+16"),
            (1e16, "1e+16"),
            (1e15, "1000000000000000"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (1.0 / 3.0, "0.3333333333333333"),
            (16307.420938523983, "16307.42093852398"),
            (123_456_789_012_345_680.0, "1.234567890123457e+17"),
            (1.5e-300, "1.5e-300"),
        ];
        for (value, text) in cases {
            assert_eq!(real(value).to_string(), text, "{value:e}");
        }
        assert_eq!(real(f64::NAN), Value::Null);
        assert_eq!(real(f64::INFINITY), Value::Null);
    }
}
