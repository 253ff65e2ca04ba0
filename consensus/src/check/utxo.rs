//! Spending and creating coins: a block's effect on the UTXO set, computed
//! over a read-only view. The caller applies the returned changes (and keeps
//! the spent coins as undo data).

use std::collections::{HashMap, HashSet};

use primitives::{Block, OutPoint, TxOut, MAX_MONEY};
use script::cache::SignatureCache;
use script::sigops::transaction_sigop_cost;
use script::{verify_inputs, SpentOutputs, VerifyFlags};

use super::locks::sequence_locks_satisfied;
use super::MAX_BLOCK_SIGOPS_COST;
use crate::difficulty::HeaderChain;
use crate::error::{BlockError, TxError};
use crate::params::ChainParams;
use crate::subsidy::block_subsidy;

/// An unspent output and where it was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Coin {
    pub output: TxOut,
    pub height: u32,
    pub is_coinbase: bool,
}

/// Read access to the coins the block may spend.
pub trait UtxoView {
    fn coin(&self, outpoint: &OutPoint) -> Option<Coin>;
}

impl UtxoView for HashMap<OutPoint, Coin> {
    fn coin(&self, outpoint: &OutPoint) -> Option<Coin> {
        self.get(outpoint).cloned()
    }
}

/// A block's effect: coins it spent from the view (its undo data, in spend
/// order) and coins it leaves created (those not spent within the block).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UtxoChanges {
    pub spent: Vec<(OutPoint, Coin)>,
    pub created: Vec<(OutPoint, Coin)>,
    /// Sum of the fees of the block's transactions.
    pub fees: u64,
}

/// How to run the block's scripts.
pub struct ScriptValidation<'a> {
    pub flags: VerifyFlags,
    pub cache: Option<&'a SignatureCache>,
    /// Threads to verify inputs with (1 runs on the caller's thread).
    pub threads: usize,
}

fn is_native_segwit_v0(out: &TxOut) -> bool {
    matches!(script::opcodes::witness_program(out.script_pubkey.as_bytes()), Some((0, p)) if p.len() == 20 || p.len() == 32)
}

/// Outputs that can never be spent (OP_RETURN first, or longer than any
/// script may be) never enter the UTXO set (Core's `IsUnspendable`).
pub fn is_unspendable(out: &TxOut) -> bool {
    let script = out.script_pubkey.as_bytes();
    script.first() == Some(&script::opcodes::OP_RETURN) || script.len() > script::MAX_SCRIPT_SIZE
}

/// Spends every input (existing, mature, in range, covering the outputs;
/// native segwit v0 for announcements), checks the block's sigop cost, the
/// coinbase (no more than subsidy + fees, + the premine at height 1, which
/// must go to the foundation script) and, when `scripts` is given, every
/// input script; returns the changes.
pub fn connect_block(
    block: &Block,
    height: u32,
    params: &ChainParams,
    view: &impl UtxoView,
    chain: &dyn HeaderChain,
    scripts: Option<&ScriptValidation<'_>>,
) -> Result<UtxoChanges, BlockError> {
    let mut created: HashMap<OutPoint, Coin> = HashMap::new();
    // The coins spent from `view` (the undo data), as (outpoint, height,
    // coinbase, transaction, input): their outputs are moved out of
    // `spent_outputs` once the scripts have run, rather than cloned twice.
    let mut spent_from_before: Vec<(OutPoint, u32, bool, usize, usize)> = Vec::new();
    let mut spent_from_view: HashSet<OutPoint> = HashSet::new();
    let mut fees: u64 = 0;
    // The outputs each transaction's inputs spend, in input order.
    let mut spent_outputs: Vec<Vec<TxOut>> = Vec::with_capacity(block.txdata.len());
    for (index, tx) in block.txdata.iter().enumerate() {
        let txid = tx.txid();
        let fail = |error| BlockError::Transaction { index, txid, error };
        let mut spends = Vec::with_capacity(tx.input.len());
        let mut coin_heights = Vec::with_capacity(tx.input.len());
        if !tx.is_coinbase() {
            let mut value_in: u64 = 0;
            for (input, txin) in tx.input.iter().enumerate() {
                let outpoint = txin.previous_output;
                let coin = match created.remove(&outpoint) {
                    Some(coin) => coin,
                    None => {
                        let coin = view
                            .coin(&outpoint)
                            .filter(|_| spent_from_view.insert(outpoint))
                            .ok_or(fail(TxError::InputsMissingOrSpent { outpoint }))?;
                        spent_from_before.push((outpoint, coin.height, coin.is_coinbase, index, input));
                        coin
                    }
                };
                if coin.is_coinbase && height - coin.height < params.coinbase_maturity {
                    return Err(fail(TxError::PrematureCoinbaseSpend {
                        outpoint,
                        depth: height - coin.height,
                        maturity: params.coinbase_maturity,
                    }));
                }
                if tx.is_announcement() && !is_native_segwit_v0(&coin.output) {
                    return Err(fail(TxError::AnnouncementInputNotSegwit { input }));
                }
                coin_heights.push(coin.height);
                value_in = value_in
                    .checked_add(coin.output.value.to_sat())
                    .filter(|v| *v <= MAX_MONEY)
                    .ok_or(fail(TxError::InputValuesOutOfRange))?;
                spends.push(coin.output);
            }
            if !sequence_locks_satisfied(tx, &coin_heights, height, chain) {
                return Err(fail(TxError::NonFinal));
            }
            let value_out: u64 = tx.output.iter().map(|o| o.value.to_sat()).sum();
            if value_in < value_out {
                return Err(fail(TxError::InBelowOut { inputs: value_in, outputs: value_out }));
            }
            fees += value_in - value_out;
        }
        spent_outputs.push(spends);
        for (vout, output) in tx.output.iter().enumerate() {
            if !is_unspendable(output) {
                let coin = Coin { output: output.clone(), height, is_coinbase: tx.is_coinbase() };
                created.insert(OutPoint { txid, vout: vout as u32 }, coin);
            }
        }
    }

    let coinbase = &block.txdata[0];
    let mut limit = block_subsidy(height, params) + fees;
    if let (1, Some(premine)) = (height, &params.premine) {
        let pays = coinbase
            .output
            .iter()
            .any(|o| o.script_pubkey == premine.foundation_script && o.value.to_sat() == premine.amount);
        if !pays {
            return Err(BlockError::BadPremine);
        }
        limit += premine.amount;
    }
    let actual: u64 = coinbase.output.iter().map(|o| o.value.to_sat()).sum();
    if actual > limit {
        return Err(BlockError::CoinbaseOverpays { actual, limit });
    }

    let flags = scripts.map_or(VerifyFlags::consensus(), |s| s.flags);
    let sigop_cost: u64 =
        block.txdata.iter().zip(&spent_outputs).map(|(tx, spent)| transaction_sigop_cost(tx, spent, flags)).sum();
    if sigop_cost > MAX_BLOCK_SIGOPS_COST {
        return Err(BlockError::TooManySigops { count: sigop_cost });
    }
    if let Some(scripts) = scripts {
        let jobs: Vec<SpentOutputs<'_>> =
            block.txdata.iter().zip(&spent_outputs).skip(1).map(|(tx, spent)| SpentOutputs { tx, spent }).collect();
        verify_inputs(&jobs, scripts.flags, scripts.cache, scripts.threads).map_err(|failure| {
            let index = failure.tx_index + 1;
            BlockError::Transaction {
                index,
                txid: block.txdata[index].txid(),
                error: TxError::Script { input: failure.input, error: failure.error },
            }
        })?;
    }

    let spent = spent_from_before
        .into_iter()
        .map(|(outpoint, height, is_coinbase, tx, input)| {
            let output = std::mem::replace(&mut spent_outputs[tx][input], TxOut::NULL);
            (outpoint, Coin { output, height, is_coinbase })
        })
        .collect();
    // Keep creation order deterministic for storage and tests.
    let mut created: Vec<(OutPoint, Coin)> = created.into_iter().collect();
    created.sort_by_key(|(outpoint, coin)| (coin.height, outpoint.txid, outpoint.vout));
    Ok(UtxoChanges { spent, created, fees })
}

/// What disconnecting a block does to the UTXO set: the coins it created
/// leave, the coins it spent (its undo data) return.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Disconnection {
    pub removed: Vec<OutPoint>,
    pub restored: Vec<(OutPoint, Coin)>,
}

/// Why a block cannot be disconnected from a view: its undo data or the
/// view does not match the block (a corrupt store, never a peer's fault).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DisconnectError {
    #[error("undo data holds {found} coins, the block spends {expected} from before it")]
    UndoMismatch { expected: usize, found: usize },
    #[error("output {0} of the block is not in the UTXO set")]
    MissingOutput(OutPoint),
}

/// The inverse of [`connect_block`] over the same view: `undo` is the
/// `spent` list `connect_block` returned for this block. Every output the
/// block left in the UTXO set must be in `view` (Core's `DisconnectBlock`).
pub fn disconnect_block(
    block: &Block,
    undo: &[(OutPoint, Coin)],
    view: &impl UtxoView,
) -> Result<Disconnection, DisconnectError> {
    let spent_within: HashSet<OutPoint> = block
        .txdata
        .iter()
        .filter(|tx| !tx.is_coinbase())
        .flat_map(|tx| tx.input.iter().map(|i| i.previous_output))
        .collect();
    let created_within: HashSet<OutPoint> = block
        .txdata
        .iter()
        .flat_map(|tx| {
            let txid = tx.txid();
            (0..tx.output.len() as u32).map(move |vout| OutPoint { txid, vout })
        })
        .collect();
    let expected = spent_within.iter().filter(|o| !created_within.contains(o)).count();
    if undo.len() != expected {
        return Err(DisconnectError::UndoMismatch { expected, found: undo.len() });
    }
    let mut removed = Vec::new();
    for tx in &block.txdata {
        let txid = tx.txid();
        for (vout, output) in tx.output.iter().enumerate() {
            let outpoint = OutPoint { txid, vout: vout as u32 };
            if is_unspendable(output) || spent_within.contains(&outpoint) {
                continue;
            }
            if view.coin(&outpoint).is_none() {
                return Err(DisconnectError::MissingOutput(outpoint));
            }
            removed.push(outpoint);
        }
    }
    Ok(Disconnection { removed, restored: undo.to_vec() })
}

#[cfg(test)]
mod tests;
