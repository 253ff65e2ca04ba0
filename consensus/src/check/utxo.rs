//! Spending and creating coins: a block's effect on the UTXO set, computed
//! over a read-only view. The caller applies the returned changes (and keeps
//! the spent coins as undo data).

use std::collections::{HashMap, HashSet};

use primitives::{Block, OutPoint, TxOut, MAX_MONEY};

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

/// Outputs that can never be spent never enter the UTXO set (as Core).
fn is_unspendable(out: &TxOut) -> bool {
    let script = out.script_pubkey.as_bytes();
    script.first() == Some(&0x6a) || script.len() > 10_000
}

/// Spends every input (existing, mature, in range, covering the outputs),
/// checks the coinbase pays no more than subsidy + fees (+ the premine at
/// height 1, which must go to the foundation script), and returns the changes.
pub fn connect_block(
    block: &Block,
    height: u32,
    params: &ChainParams,
    view: &impl UtxoView,
) -> Result<UtxoChanges, BlockError> {
    let mut created: HashMap<OutPoint, Coin> = HashMap::new();
    let mut spent = Vec::new();
    let mut spent_from_view: HashSet<OutPoint> = HashSet::new();
    let mut fees: u64 = 0;
    for (index, tx) in block.txdata.iter().enumerate() {
        let txid = tx.txid();
        let fail = |error| BlockError::Transaction { index, txid, error };
        if !tx.is_coinbase() {
            let mut value_in: u64 = 0;
            for txin in &tx.input {
                let outpoint = txin.previous_output;
                let coin = match created.remove(&outpoint) {
                    Some(coin) => coin,
                    None => {
                        let coin = view
                            .coin(&outpoint)
                            .filter(|_| spent_from_view.insert(outpoint))
                            .ok_or(fail(TxError::InputsMissingOrSpent { outpoint }))?;
                        spent.push((outpoint, coin.clone()));
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
                value_in = value_in
                    .checked_add(coin.output.value.to_sat())
                    .filter(|v| *v <= MAX_MONEY)
                    .ok_or(fail(TxError::InputValuesOutOfRange))?;
            }
            let value_out: u64 = tx.output.iter().map(|o| o.value.to_sat()).sum();
            if value_in < value_out {
                return Err(fail(TxError::InBelowOut {
                    inputs: value_in,
                    outputs: value_out,
                }));
            }
            fees += value_in - value_out;
        }
        for (vout, output) in tx.output.iter().enumerate() {
            if !is_unspendable(output) {
                let coin = Coin {
                    output: output.clone(),
                    height,
                    is_coinbase: tx.is_coinbase(),
                };
                created.insert(
                    OutPoint {
                        txid,
                        vout: vout as u32,
                    },
                    coin,
                );
            }
        }
    }

    let coinbase = &block.txdata[0];
    let mut limit = block_subsidy(height, params) + fees;
    if let (1, Some(premine)) = (height, &params.premine) {
        let pays = coinbase.output.iter().any(|o| {
            o.script_pubkey == premine.foundation_script && o.value.to_sat() == premine.amount
        });
        if !pays {
            return Err(BlockError::BadPremine);
        }
        limit += premine.amount;
    }
    let actual: u64 = coinbase.output.iter().map(|o| o.value.to_sat()).sum();
    if actual > limit {
        return Err(BlockError::CoinbaseOverpays { actual, limit });
    }

    // Keep creation order deterministic for storage and tests.
    let mut created: Vec<(OutPoint, Coin)> = created.into_iter().collect();
    created.sort_by_key(|(outpoint, coin)| (coin.height, outpoint.txid, outpoint.vout));
    Ok(UtxoChanges {
        spent,
        created,
        fees,
    })
}
