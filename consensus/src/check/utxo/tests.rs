//! Connecting then disconnecting a block restores the UTXO view exactly.

use std::collections::HashMap;

use bitcoin::block::{Header, Version};
use bitcoin::hashes::Hash;
use primitives::{
    Amount, Block, BlockHash, CompactTarget, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxMerkleNode, TxOut,
    Txid, Witness,
};
use proptest::prelude::*;

use super::*;
use crate::difficulty::BlockSummary;

fn out(value: u64, kind: u8) -> TxOut {
    let script = match kind % 3 {
        0 => vec![0x00, 0x14].into_iter().chain([kind; 20]).collect(),
        1 => vec![script::opcodes::OP_RETURN, 0x01, kind],
        _ => vec![0x51],
    };
    TxOut { value: Amount::from_sat(value), script_pubkey: ScriptBuf::from_bytes(script) }
}

fn input(outpoint: OutPoint) -> TxIn {
    TxIn { previous_output: outpoint, script_sig: ScriptBuf::new(), sequence: Sequence::MAX, witness: Witness::new() }
}

/// A block at `height` spending coins of `view` (picked by `picks`) and,
/// with `chain`, an output of the transaction before it in the block.
fn block(view: &HashMap<OutPoint, Coin>, height: u32, picks: &[(usize, u8, bool)]) -> Block {
    let mut coins: Vec<(&OutPoint, &Coin)> = view.iter().collect();
    coins.sort_by_key(|(o, _)| (o.txid, o.vout));
    let mut script_sig = crate::check::coinbase_height_script(height);
    script_sig.push(0);
    let coinbase = Transaction {
        version: 1,
        input: vec![TxIn { script_sig: ScriptBuf::from_bytes(script_sig), ..input(OutPoint::null()) }],
        output: vec![out(0, 0)],
        announcement: None,
        lock_time: 0,
    };
    let mut txdata = vec![coinbase];
    let mut used = std::collections::HashSet::new();
    for &(pick, kind, chain) in picks {
        if coins.is_empty() {
            break;
        }
        let (outpoint, coin) = coins[pick % coins.len()];
        if !used.insert(*outpoint) {
            continue;
        }
        let value = coin.output.value.to_sat();
        let mut inputs = vec![input(*outpoint)];
        let mut total = value;
        // Spend the first output of the previous transaction too (a spend within the block).
        if let Some(prev) = txdata.last().filter(|t| chain && !t.is_coinbase()) {
            if !is_unspendable(&prev.output[0]) {
                inputs.push(input(OutPoint { txid: prev.txid(), vout: 0 }));
                total += prev.output[0].value.to_sat();
            }
        }
        let tx = Transaction {
            version: 1,
            input: inputs,
            output: vec![out(total / 2, kind), out(total / 4, kind.wrapping_add(1))],
            announcement: None,
            lock_time: 0,
        };
        txdata.push(tx);
    }
    Block {
        header: Header {
            version: Version::from_consensus(0x2000_0000),
            prev_blockhash: BlockHash::all_zeros(),
            merkle_root: TxMerkleNode::all_zeros(),
            time: 0,
            bits: CompactTarget::from_consensus(0x207f_ffff),
            nonce: 0,
        },
        txdata: txdata.into_iter().map(Into::into).collect(),
    }
}

fn apply_connect(view: &mut HashMap<OutPoint, Coin>, changes: &UtxoChanges) {
    for (outpoint, _) in &changes.spent {
        view.remove(outpoint);
    }
    view.extend(changes.created.iter().cloned());
}

fn apply_disconnect(view: &mut HashMap<OutPoint, Coin>, d: &Disconnection) {
    for outpoint in &d.removed {
        view.remove(outpoint);
    }
    view.extend(d.restored.iter().cloned());
}

proptest! {
    #[test]
    fn connect_then_disconnect_restores_the_view(
        coins in proptest::collection::vec((any::<[u8; 32]>(), 0u32..3, 1_000u64..1_000_000_000, 0u8..6, any::<bool>()), 1..30),
        picks in proptest::collection::vec((any::<usize>(), any::<u8>(), any::<bool>()), 0..20),
    ) {
        let params = ChainParams::regtest();
        let height = 500;
        let view: HashMap<OutPoint, Coin> = coins
            .iter()
            .map(|(txid, vout, value, kind, coinbase)| {
                let outpoint = OutPoint { txid: Txid::from_byte_array(*txid), vout: *vout };
                (outpoint, Coin { output: out(*value, kind * 3), height: 1, is_coinbase: *coinbase })
            })
            .collect();
        let block = block(&view, height, &picks);
        let chain: Vec<BlockSummary> = Vec::new();
        let changes = connect_block(&block, height, &params, &view, &chain, None).expect("a valid block");
        let mut after = view.clone();
        apply_connect(&mut after, &changes);
        let disconnection = disconnect_block(&block, &changes.spent, &after).expect("disconnects");
        apply_disconnect(&mut after, &disconnection);
        prop_assert_eq!(after, view);
    }
}

#[test]
fn undo_data_of_another_block_is_refused() {
    let params = ChainParams::regtest();
    let coin = Coin { output: out(5_000, 0), height: 1, is_coinbase: false };
    let view: HashMap<OutPoint, Coin> = [(OutPoint { txid: Txid::from_byte_array([1; 32]), vout: 0 }, coin)].into();
    let block = block(&view, 10, &[(0, 0, false)]);
    let changes = connect_block(&block, 10, &params, &view, &Vec::<BlockSummary>::new(), None).unwrap();
    let mut after = view.clone();
    apply_connect(&mut after, &changes);
    assert_eq!(disconnect_block(&block, &[], &after), Err(DisconnectError::UndoMismatch { expected: 1, found: 0 }));
    // Its outputs are gone from the view: the view does not match the block.
    assert!(matches!(disconnect_block(&block, &changes.spent, &view), Err(DisconnectError::MissingOutput(_))));
}
