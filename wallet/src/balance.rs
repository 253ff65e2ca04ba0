//! What the wallet owns, as Core counts it: depth (negative when conflicted
//! by a mined transaction), trust, maturity, spent outputs, balances,
//! spendable coins and history entries.

use std::collections::HashSet;

use primitives::{OutPoint, ScriptBuf, Transaction, TxOut, Txid};

use crate::keys::Chain;
use crate::state::{Origin, Wallet, WalletTx};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Balances {
    pub trusted: u64,
    pub untrusted_pending: u64,
    pub immature: u64,
}

/// A coin the wallet can spend.
#[derive(Debug, Clone)]
pub struct Coin {
    pub outpoint: OutPoint,
    pub output: TxOut,
    pub depth: i64,
    /// Confirmed, or our own unconfirmed change in the mempool.
    pub safe: bool,
    pub coinbase: bool,
}

/// What Core's listtransactions shows for one output of a transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    Send,
    Receive,
    Generate,
    Immature,
    Orphan,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Send => "send",
            Category::Receive => "receive",
            Category::Generate => "generate",
            Category::Immature => "immature",
            Category::Orphan => "orphan",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub category: Category,
    pub script: ScriptBuf,
    /// Negative for sends.
    pub amount: i64,
    pub vout: u32,
    /// For sends: minus the fee.
    pub fee: Option<i64>,
}

impl Wallet {
    pub fn tip_height(&self) -> u32 {
        self.meta.best_height
    }

    pub fn maturity(&self) -> u32 {
        self.maturity
    }

    /// Confirmations: positive when mined in the active chain, negative
    /// when a mined transaction conflicts with it (or with a parent), else 0.
    pub fn depth(&self, wtx: &WalletTx) -> i64 {
        self.depth_bounded(wtx, 32)
    }

    fn depth_bounded(&self, wtx: &WalletTx, budget: u32) -> i64 {
        if let Some(b) = wtx.block {
            return i64::from(self.meta.best_height) - i64::from(b.height) + 1;
        }
        if wtx.tx.is_coinbase() || budget == 0 {
            return 0;
        }
        let mut worst = 0i64;
        for input in &wtx.tx.input {
            for spender in self.spends.get(&input.previous_output).into_iter().flatten() {
                if *spender == wtx.txid {
                    continue;
                }
                if let Some(other) = self.txs.get(spender).filter(|o| o.block.is_some()) {
                    worst = worst.min(-self.depth_bounded(other, budget - 1));
                }
            }
            if let Some(parent) = self.txs.get(&input.previous_output.txid) {
                let d = self.depth_bounded(parent, budget - 1);
                if d < 0 {
                    worst = worst.min(d);
                }
            }
        }
        worst
    }

    /// Blocks until a coinbase may be spent by the wallet (Core adds one for safety).
    pub fn blocks_to_maturity(&self, wtx: &WalletTx) -> u32 {
        if !wtx.tx.is_coinbase() {
            return 0;
        }
        (i64::from(self.maturity) + 1 - self.depth(wtx)).max(0) as u32
    }

    pub fn is_immature_coinbase(&self, wtx: &WalletTx) -> bool {
        self.blocks_to_maturity(wtx) > 0
    }

    /// Value of the inputs that spend the wallet's outputs.
    pub fn debit(&self, tx: &Transaction) -> u64 {
        if tx.is_coinbase() {
            return 0;
        }
        tx.input
            .iter()
            .filter_map(|i| {
                let parent = self.txs.get(&i.previous_output.txid)?;
                let out = parent.tx.output.get(i.previous_output.vout as usize)?;
                self.is_mine(&out.script_pubkey).then_some(out.value.to_sat())
            })
            .sum()
    }

    pub fn credit(&self, tx: &Transaction) -> u64 {
        tx.output.iter().filter(|o| self.is_mine(&o.script_pubkey)).map(|o| o.value.to_sat()).sum()
    }

    /// Every input spends one of the wallet's outputs.
    pub fn all_from_me(&self, tx: &Transaction) -> bool {
        !tx.is_coinbase() && tx.input.iter().all(|i| self.owns_output(&i.previous_output))
    }

    /// The fee, when every input is the wallet's (otherwise it is unknown).
    pub fn fee_of(&self, tx: &Transaction) -> Option<u64> {
        if !self.all_from_me(tx) {
            return None;
        }
        let out: u64 = tx.output.iter().map(|o| o.value.to_sat()).sum();
        self.debit(tx).checked_sub(out)
    }

    /// Core's CachedTxIsTrusted.
    pub fn is_trusted(&self, wtx: &WalletTx) -> bool {
        self.trusted_bounded(wtx, 32)
    }

    fn trusted_bounded(&self, wtx: &WalletTx, budget: u32) -> bool {
        let depth = self.depth(wtx);
        if depth >= 1 {
            return true;
        }
        if depth < 0 || budget == 0 || wtx.abandoned || !self.in_mempool(&wtx.txid) {
            return false;
        }
        wtx.tx.input.iter().all(|i| {
            let Some(parent) = self.txs.get(&i.previous_output.txid) else { return false };
            let Some(out) = parent.tx.output.get(i.previous_output.vout as usize) else { return false };
            self.is_mine(&out.script_pubkey) && self.trusted_bounded(parent, budget - 1)
        })
    }

    /// An unconfirmed transaction that still counts: in the mempool, or the
    /// wallet's own payment waiting to be offered again (neither abandoned,
    /// replaced, nor beaten by a conflicting transaction that is mined or in
    /// the mempool). Its spends are spent, so its outputs must show too.
    pub fn is_pending(&self, wtx: &WalletTx) -> bool {
        if self.in_mempool(&wtx.txid) {
            return true;
        }
        if wtx.abandoned || wtx.replaced_by.is_some() || !self.all_from_me(&wtx.tx) {
            return false;
        }
        !self.conflicts(wtx).iter().any(|c| self.in_mempool(c) || self.txs.get(c).is_some_and(|o| o.block.is_some()))
    }

    /// How many unconfirmed wallet transactions a spend of `txid`'s outputs
    /// would have as ancestors: `txid` itself and its unconfirmed wallet
    /// ancestors (Core's coin eligibility counts the mempool's).
    pub fn unconfirmed_chain_len(&self, txid: &Txid) -> usize {
        let mut seen: HashSet<Txid> = HashSet::new();
        let mut stack = vec![*txid];
        while let Some(t) = stack.pop() {
            let Some(wtx) = self.txs.get(&t) else { continue };
            if wtx.block.is_some() || !seen.insert(t) {
                continue;
            }
            stack.extend(wtx.tx.input.iter().map(|i| i.previous_output.txid));
        }
        seen.len()
    }

    /// Spent by a wallet transaction that is mined or could still be.
    pub fn is_spent(&self, outpoint: &OutPoint) -> bool {
        self.spends.get(outpoint).into_iter().flatten().any(|t| {
            self.txs.get(t).is_some_and(|w| {
                let d = self.depth(w);
                d > 0 || (d == 0 && !w.abandoned)
            })
        })
    }

    fn unspent_credit(&self, wtx: &WalletTx) -> u64 {
        wtx.tx
            .output
            .iter()
            .enumerate()
            .filter(|(vout, o)| {
                self.is_mine(&o.script_pubkey) && !self.is_spent(&OutPoint { txid: wtx.txid, vout: *vout as u32 })
            })
            .map(|(_, o)| o.value.to_sat())
            .sum()
    }

    /// Core's GetBalance: trusted (at least `min_depth` deep), untrusted
    /// pending (others' unconfirmed payments in the mempool, and the wallet's
    /// own payments the mempool does not hold yet) and immature.
    pub fn balances(&self, min_depth: i64) -> Balances {
        let mut b = Balances::default();
        for wtx in self.txs.values() {
            let depth = self.depth(wtx);
            if wtx.tx.is_coinbase() {
                if depth > 0 && self.is_immature_coinbase(wtx) {
                    b.immature += self.unspent_credit(wtx);
                    continue;
                }
                if self.is_immature_coinbase(wtx) {
                    continue;
                }
            }
            let credit = self.unspent_credit(wtx);
            if credit == 0 {
                continue;
            }
            let trusted = self.is_trusted(wtx);
            if trusted && depth >= min_depth {
                b.trusted += credit;
            }
            if !trusted && depth == 0 && self.is_pending(wtx) {
                b.untrusted_pending += credit;
            }
        }
        b
    }

    /// Unspent, unlocked outputs the wallet could spend with at least
    /// `min_depth` confirmations (0 admits trusted unconfirmed change).
    pub fn available_coins(&self, min_depth: i64, include_unsafe: bool) -> Vec<Coin> {
        let mut coins = Vec::new();
        for wtx in self.txs.values() {
            if wtx.abandoned || self.is_immature_coinbase(wtx) {
                continue;
            }
            let depth = self.depth(wtx);
            if depth < 0 || depth < min_depth {
                continue;
            }
            if depth == 0 && !self.is_pending(wtx) {
                continue;
            }
            let safe = self.is_trusted(wtx);
            if !safe && !include_unsafe {
                continue;
            }
            for (vout, output) in wtx.tx.output.iter().enumerate() {
                let outpoint = OutPoint { txid: wtx.txid, vout: vout as u32 };
                if !self.is_mine(&output.script_pubkey)
                    || self.is_spent(&outpoint)
                    || self.locked_coins.contains(&outpoint)
                {
                    continue;
                }
                coins.push(Coin { outpoint, output: output.clone(), depth, safe, coinbase: wtx.tx.is_coinbase() });
            }
        }
        coins.sort_by_key(|c| (c.outpoint.txid, c.outpoint.vout));
        coins
    }

    /// An output to one of the wallet's change keys.
    pub fn is_change(&self, script: &ScriptBuf) -> bool {
        matches!(self.origin(script), Some(Origin::Hd { chain: Chain::Change, .. }))
    }

    /// Core's ListTransactions entries of one transaction.
    pub fn entries(&self, wtx: &WalletTx) -> Vec<Entry> {
        let debit = self.debit(&wtx.tx);
        let fee = self.fee_of(&wtx.tx).map(|f| -(f as i64));
        let mut out = Vec::new();
        for (vout, o) in wtx.tx.output.iter().enumerate() {
            let mine = self.is_mine(&o.script_pubkey);
            if debit > 0 && mine && self.is_change(&o.script_pubkey) {
                continue;
            }
            let value = o.value.to_sat() as i64;
            if debit > 0 {
                out.push(Entry {
                    category: Category::Send,
                    script: o.script_pubkey.clone(),
                    amount: -value,
                    vout: vout as u32,
                    fee,
                });
            }
            if mine {
                let category = if wtx.tx.is_coinbase() {
                    match self.depth(wtx) {
                        d if d < 1 => Category::Orphan,
                        _ if self.is_immature_coinbase(wtx) => Category::Immature,
                        _ => Category::Generate,
                    }
                } else {
                    Category::Receive
                };
                out.push(Entry {
                    category,
                    script: o.script_pubkey.clone(),
                    amount: value,
                    vout: vout as u32,
                    fee: None,
                });
            }
        }
        out
    }

    /// Other wallet transactions spending the same outputs (Core's walletconflicts).
    pub fn conflicts(&self, wtx: &WalletTx) -> Vec<Txid> {
        let mut found: Vec<Txid> = wtx
            .tx
            .input
            .iter()
            .flat_map(|i| self.spends.get(&i.previous_output).into_iter().flatten())
            .filter(|t| **t != wtx.txid)
            .copied()
            .collect();
        found.sort();
        found.dedup();
        found
    }

    // --- locked coins (in memory, as Core's lockunspent without persistent) ---

    pub fn lock_coin(&mut self, outpoint: OutPoint) {
        self.locked_coins.insert(outpoint);
    }

    pub fn unlock_coin(&mut self, outpoint: &OutPoint) -> bool {
        self.locked_coins.remove(outpoint)
    }

    pub fn unlock_all_coins(&mut self) {
        self.locked_coins.clear();
    }

    pub fn locked_coins(&self) -> Vec<OutPoint> {
        let mut v: Vec<OutPoint> = self.locked_coins.iter().copied().collect();
        v.sort_by_key(|o| (o.txid, o.vout));
        v
    }

    /// The wallet's output at `outpoint`, if it has the transaction.
    pub fn output(&self, outpoint: &OutPoint) -> Option<&TxOut> {
        self.txs.get(&outpoint.txid)?.tx.output.get(outpoint.vout as usize)
    }
}
