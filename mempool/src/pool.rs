//! The pool: entries linked to their in-pool parents and children, the
//! outpoints they spend, and acceptance under consensus and policy.

use std::collections::{HashMap, HashSet};

use consensus::check::locks::sequence_locks_satisfied;
use consensus::check::{check_transaction, is_final, Coin};
use consensus::difficulty::HeaderChain;
use consensus::{ChainParams, TxError};
use primitives::{HashedTx, OutPoint, Transaction, TxOut, Txid, Wtxid, MAX_MONEY};
use script::cache::SignatureCache;
use script::sigops::transaction_sigop_cost;
use script::{verify_inputs, SpentOutputs, VerifyFlags};

use crate::error::MempoolError;
use crate::market::{check_announcement_policy, referenced_task, TaskInfo};
use crate::policy::{check_witness_standard, standard_script_flags, Policy};

#[derive(Debug, Clone)]
pub struct MempoolEntry {
    /// With its txid and wtxid, hashed once when it arrived.
    pub tx: HashedTx,
    pub fee: u64,
    pub vsize: u64,
    pub sigop_cost: u64,
    /// When it entered (the caller's clock).
    pub time: i64,
    /// Chain height when it entered.
    pub height: u32,
    pub parents: HashSet<Txid>,
    pub children: HashSet<Txid>,
}

impl MempoolEntry {
    pub fn txid(&self) -> Txid {
        self.tx.txid()
    }

    pub fn wtxid(&self) -> Wtxid {
        self.tx.wtxid()
    }
}

/// What acceptance needs of the chain.
pub struct AcceptContext<'a> {
    pub params: &'a ChainParams,
    /// Height of the next block.
    pub height: u32,
    /// The chain ending at the tip (for median time past and BIP68).
    pub chain: &'a dyn HeaderChain,
    /// Coins of the chain's UTXO set.
    pub coins: &'a dyn Fn(&OutPoint) -> Option<Coin>,
    pub now: i64,
    pub cache: Option<&'a SignatureCache>,
    /// Tasks confirmed on the chain, by task id.
    pub tasks: &'a dyn Fn(&[u8; 32]) -> Option<TaskInfo>,
}

#[derive(Default)]
pub struct Mempool {
    entries: HashMap<Txid, MempoolEntry>,
    spenders: HashMap<OutPoint, Txid>,
    policy: Policy,
    total_vsize: u64,
    /// Counts every change (for `getblocktemplate`'s long polling).
    updates: u64,
    /// `prioritisetransaction` fee deltas, by txid (kept for transactions not yet seen).
    deltas: HashMap<Txid, i64>,
    /// Transactions removed since the owner last asked (whatever the reason:
    /// mined, conflicted, replaced, expired, evicted), for its notifications.
    removed: Vec<Txid>,
}

impl Mempool {
    pub fn new(policy: Policy) -> Self {
        Mempool { policy, ..Mempool::default() }
    }

    /// The transactions removed since the last call, in removal order.
    pub fn take_removed(&mut self) -> Vec<Txid> {
        std::mem::take(&mut self.removed)
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn total_vsize(&self) -> u64 {
        self.total_vsize
    }

    /// How many times the pool has changed.
    pub fn updates(&self) -> u64 {
        self.updates
    }

    pub fn get(&self, txid: &Txid) -> Option<&MempoolEntry> {
        self.entries.get(txid)
    }

    /// `prioritisetransaction`: adds `delta` zats to the fee used for
    /// selection and eviction (not to what the transaction pays).
    pub fn prioritise(&mut self, txid: Txid, delta: i64) {
        *self.deltas.entry(txid).or_default() += delta;
        self.updates += 1;
    }

    /// The fee with any `prioritisetransaction` delta (never below zero).
    pub fn modified_fee(&self, entry: &MempoolEntry) -> u64 {
        let delta = self.deltas.get(&entry.txid()).copied().unwrap_or(0);
        (entry.fee as i64).saturating_add(delta).max(0) as u64
    }

    pub fn entries(&self) -> impl Iterator<Item = &MempoolEntry> {
        self.entries.values()
    }

    /// Whether an in-pool transaction spends `outpoint`.
    pub fn spender(&self, outpoint: &OutPoint) -> Option<Txid> {
        self.spenders.get(outpoint).copied()
    }

    /// Every in-pool ancestor of `txid` (not including it).
    pub fn ancestors(&self, txid: &Txid) -> HashSet<Txid> {
        self.walk(txid, |e| &e.parents)
    }

    /// Every in-pool descendant of `txid` (not including it).
    pub fn descendants(&self, txid: &Txid) -> HashSet<Txid> {
        self.walk(txid, |e| &e.children)
    }

    fn walk(&self, txid: &Txid, next: impl Fn(&MempoolEntry) -> &HashSet<Txid>) -> HashSet<Txid> {
        let mut seen = HashSet::new();
        let mut stack: Vec<Txid> =
            self.entries.get(txid).map(|e| next(e).iter().copied().collect()).unwrap_or_default();
        while let Some(t) = stack.pop() {
            if seen.insert(t) {
                if let Some(e) = self.entries.get(&t) {
                    stack.extend(next(e).iter().copied());
                }
            }
        }
        seen
    }

    /// Checks `tx` against consensus and policy; adds it unless `test_only`.
    /// Returns its fee.
    pub fn accept(
        &mut self,
        tx: impl Into<HashedTx>,
        ctx: &AcceptContext<'_>,
        test_only: bool,
    ) -> Result<u64, MempoolError> {
        self.accept_checked(tx.into(), ctx, test_only, false)
    }

    /// A parent paying less than the relay floor with the one child that
    /// pays for both (CPFP, as Core's 1-parent-1-child package relay): both
    /// enter if the package's feerate meets the floor and each passes every
    /// other rule; otherwise neither does. Returns the two fees.
    pub fn accept_package(
        &mut self,
        parent: impl Into<HashedTx>,
        child: impl Into<HashedTx>,
        ctx: &AcceptContext<'_>,
    ) -> Result<(u64, u64), MempoolError> {
        let (parent, child) = (parent.into(), child.into());
        let parent_txid = parent.txid();
        if !child.input.iter().any(|i| i.previous_output.txid == parent_txid) {
            return Err(MempoolError::Package("the child does not spend the parent"));
        }
        let (parent_vsize, child_vsize) = (parent.vsize(), child.vsize());
        let already = self.entries.contains_key(&parent_txid);
        let parent_fee = match self.entries.get(&parent_txid) {
            Some(entry) => entry.fee,
            None => self.accept_checked(parent, ctx, false, true)?,
        };
        let undo = |pool: &mut Self| {
            if !already {
                pool.remove_with_descendants(&parent_txid);
            }
        };
        let child_fee = match self.accept_checked(child, ctx, false, false) {
            Ok(fee) => fee,
            Err(e) => {
                undo(self);
                return Err(e);
            }
        };
        let required = Policy::fee_for(self.policy.min_relay_feerate, parent_vsize + child_vsize);
        if parent_fee + child_fee < required {
            undo(self);
            return Err(MempoolError::MinRelayFee { fee: parent_fee + child_fee, required });
        }
        Ok((parent_fee, child_fee))
    }

    fn accept_checked(
        &mut self,
        tx: HashedTx,
        ctx: &AcceptContext<'_>,
        test_only: bool,
        package_parent: bool,
    ) -> Result<u64, MempoolError> {
        let txid = tx.txid();
        if self.entries.contains_key(&txid) {
            return Err(MempoolError::AlreadyKnown);
        }
        check_transaction(&tx).map_err(MempoolError::Consensus)?;
        if tx.is_coinbase() {
            return Err(MempoolError::Coinbase);
        }
        if self.policy.require_standard {
            self.policy.check_standard(&tx)?;
        }
        let mtp = consensus::median_time_past(ctx.chain, ctx.height.saturating_sub(1));
        if !is_final(&tx, ctx.height, mtp) {
            return Err(MempoolError::NonFinal);
        }

        // Direct conflicts and everything that would leave with them.
        let conflicts: HashSet<Txid> =
            tx.input.iter().filter_map(|i| self.spenders.get(&i.previous_output).copied()).collect();
        let mut evicted = conflicts.clone();
        for c in &conflicts {
            evicted.extend(self.descendants(c));
        }

        let mut spent: Vec<TxOut> = Vec::with_capacity(tx.input.len());
        let mut heights = Vec::with_capacity(tx.input.len());
        let mut parents = HashSet::new();
        let mut value_in: u64 = 0;
        for txin in &tx.input {
            let outpoint = txin.previous_output;
            let in_pool = self
                .entries
                .get(&outpoint.txid)
                .filter(|p| !evicted.contains(&p.txid()))
                .and_then(|p| p.tx.output.get(outpoint.vout as usize));
            let (out, height) = match in_pool {
                Some(out) => {
                    parents.insert(outpoint.txid);
                    (out.clone(), ctx.height)
                }
                None => {
                    let coin = (ctx.coins)(&outpoint).ok_or(MempoolError::MissingInputs { outpoint })?;
                    if coin.is_coinbase && ctx.height - coin.height < ctx.params.coinbase_maturity {
                        return Err(MempoolError::Consensus(TxError::PrematureCoinbaseSpend {
                            outpoint,
                            depth: ctx.height - coin.height,
                            maturity: ctx.params.coinbase_maturity,
                        }));
                    }
                    (coin.output, coin.height)
                }
            };
            value_in = value_in
                .checked_add(out.value.to_sat())
                .filter(|v| *v <= MAX_MONEY)
                .ok_or(MempoolError::Consensus(TxError::InputValuesOutOfRange))?;
            spent.push(out);
            heights.push(height);
        }
        if !sequence_locks_satisfied(&tx, &heights, ctx.height, ctx.chain) {
            return Err(MempoolError::NonBip68Final);
        }
        let value_out: u64 = tx.output.iter().map(|o| o.value.to_sat()).sum();
        if value_in < value_out {
            return Err(MempoolError::Consensus(TxError::InBelowOut { inputs: value_in, outputs: value_out }));
        }
        let fee = value_in - value_out;
        let vsize = tx.vsize();
        if self.policy.require_standard {
            check_witness_standard(&tx, &spent)?;
        }
        let sigop_cost = transaction_sigop_cost(&tx, &spent, standard_script_flags());
        if sigop_cost > self.policy.max_standard_sigops_cost {
            return Err(MempoolError::TooManySigops { cost: sigop_cost });
        }
        let min_fee = Policy::fee_for(self.policy.min_relay_feerate, vsize);
        // A package parent's shortfall is judged with its child.
        if fee < min_fee && !package_parent {
            return Err(MempoolError::MinRelayFee { fee, required: min_fee });
        }
        if !conflicts.is_empty() {
            self.check_replacement(&conflicts, &evicted, &parents, fee, vsize)?;
        }
        self.check_chain_limits(&parents, &evicted, vsize)?;

        if let Some(ann_result) = tx
            .announcement
            .as_ref()
            .map(|_| consensus::check::announcement::check_announcement(&tx, ctx.height, ctx.height, ctx.params, None))
        {
            ann_result.map_err(MempoolError::Consensus)?;
            let task = |id: &[u8; 32]| (ctx.tasks)(id).or_else(|| self.pool_task(id));
            check_announcement_policy(&tx, ctx.height, self.policy.min_task_pow_bits, &task)?;
        }

        let job = [SpentOutputs { tx: &tx, spent: &spent }];
        if let Err(failure) = verify_inputs(&job, standard_script_flags(), ctx.cache, 1) {
            // Policy-only failure, or a consensus one?
            return Err(match verify_inputs(&job, VerifyFlags::consensus(), None, 1) {
                Ok(()) => MempoolError::NonMandatoryScript(failure.error),
                Err(hard) => MempoolError::MandatoryScript(hard.error),
            });
        }
        if test_only {
            return Ok(fee);
        }

        for t in &evicted {
            self.remove_one(t);
        }
        for p in &parents {
            if let Some(parent) = self.entries.get_mut(p) {
                parent.children.insert(txid);
            }
        }
        for txin in &tx.input {
            self.spenders.insert(txin.previous_output, txid);
        }
        // Transactions already in the pool that spend this one: only after a
        // reorganisation returned it from a disconnected block (Core's
        // UpdateTransactionsFromBlock), and they must follow it in a block.
        let children = self.link_children(&tx, txid);
        self.total_vsize += vsize;
        self.updates += 1;
        let entry =
            MempoolEntry { tx, fee, vsize, sigop_cost, time: ctx.now, height: ctx.height - 1, parents, children };
        self.entries.insert(txid, entry);
        self.trim_to_size();
        if !self.entries.contains_key(&txid) {
            return Err(MempoolError::MempoolFull);
        }
        Ok(fee)
    }

    /// In-pool spenders of `tx`'s outputs, now linked to it as their parent.
    fn link_children(&mut self, tx: &Transaction, txid: Txid) -> HashSet<Txid> {
        let mut children = HashSet::new();
        for vout in 0..tx.output.len() as u32 {
            if let Some(child) = self.spenders.get(&OutPoint { txid, vout }).copied() {
                if let Some(entry) = self.entries.get_mut(&child) {
                    entry.parents.insert(txid);
                    children.insert(child);
                }
            }
        }
        children
    }

    /// After blocks were disconnected (Core's `removeForReorg`): removes,
    /// with their descendants, the transactions that can no longer be mined
    /// on the chain `ctx` describes: an input neither in the pool nor in the
    /// UTXO set, a coinbase input no longer mature, a lock time or BIP68
    /// sequence lock no longer satisfied. Returns what left.
    pub fn remove_for_reorg(&mut self, ctx: &AcceptContext<'_>) -> Vec<Txid> {
        let mtp = consensus::median_time_past(ctx.chain, ctx.height.saturating_sub(1));
        let stale: Vec<Txid> =
            self.entries.values().filter(|e| !self.still_minable(e, ctx, mtp)).map(|e| e.txid()).collect();
        let mut removed = Vec::new();
        for txid in stale {
            if self.entries.contains_key(&txid) {
                removed.extend(self.remove_with_descendants(&txid));
            }
        }
        removed
    }

    /// Whether `entry` could go into the next block on `ctx`'s chain, given
    /// its in-pool parents go first.
    fn still_minable(&self, entry: &MempoolEntry, ctx: &AcceptContext<'_>, mtp: i64) -> bool {
        if !is_final(&entry.tx, ctx.height, mtp) {
            return false;
        }
        let mut heights = Vec::with_capacity(entry.tx.input.len());
        for txin in &entry.tx.input {
            let outpoint = txin.previous_output;
            if let Some(parent) = self.entries.get(&outpoint.txid) {
                if parent.tx.output.get(outpoint.vout as usize).is_none() {
                    return false;
                }
                heights.push(ctx.height);
                continue;
            }
            match (ctx.coins)(&outpoint) {
                None => return false,
                Some(coin)
                    if coin.is_coinbase && ctx.height.saturating_sub(coin.height) < ctx.params.coinbase_maturity =>
                {
                    return false
                }
                Some(coin) => heights.push(coin.height),
            }
        }
        sequence_locks_satisfied(&entry.tx, &heights, ctx.height, ctx.chain)
    }

    /// Evicts the packages with the lowest descendant feerate until the pool
    /// fits `max_mempool_vbytes` (Core's `TrimToSize`).
    pub fn trim_to_size(&mut self) -> usize {
        let mut evicted = 0;
        while self.total_vsize > self.policy.max_mempool_vbytes {
            let worst = self
                .entries
                .keys()
                .map(|t| {
                    let (fee, size) = self
                        .descendants(t)
                        .iter()
                        .chain(std::iter::once(t))
                        .filter_map(|d| self.entries.get(d))
                        .fold((0u128, 0u128), |(f, s), e| {
                            (f + u128::from(self.modified_fee(e)), s + u128::from(e.vsize))
                        });
                    (fee, size, *t)
                })
                .min_by(|a, b| (a.0 * b.1).cmp(&(b.0 * a.1)));
            let Some((_, _, txid)) = worst else { break };
            let before = self.entries.len();
            self.remove_with_descendants(&txid);
            evicted += before - self.entries.len();
        }
        evicted
    }

    /// A task announced by a transaction in the pool.
    fn pool_task(&self, id: &[u8; 32]) -> Option<TaskInfo> {
        self.entries
            .values()
            .filter(|e| e.tx.is_announcement())
            .filter_map(|e| TaskInfo::from_tx(&e.tx, None))
            .find(|(task_id, _)| task_id == id)
            .map(|(_, info)| info)
    }

    /// After the chain reached `height`: announcements not mined within their
    /// expiry leave, as do acceptances and cancels whose task expired.
    pub fn expire_announcements(&mut self, height: u32, tasks: &dyn Fn(&[u8; 32]) -> Option<TaskInfo>) -> usize {
        let stale: Vec<Txid> = self
            .entries
            .values()
            .filter_map(|e| e.tx.announcement.as_ref().map(|ann| (e, ann)))
            .filter(|(e, ann)| {
                let unmined = u64::from(e.height) + u64::from(ann.expiry) < u64::from(height);
                let task_gone = referenced_task(&e.tx).and_then(|id| tasks(&id)).is_some_and(|t| t.expired_at(height));
                unmined || task_gone
            })
            .map(|(e, _)| e.txid())
            .collect();
        let before = self.entries.len();
        for txid in stale {
            self.remove_with_descendants(&txid);
        }
        before - self.entries.len()
    }

    /// Removes transactions (and their descendants) that entered before `now - expiry`.
    pub fn expire(&mut self, now: i64) -> usize {
        let cutoff = now - self.policy.expiry_secs;
        let old: Vec<Txid> = self.entries.values().filter(|e| e.time < cutoff).map(|e| e.txid()).collect();
        let before = self.entries.len();
        for txid in old {
            self.remove_with_descendants(&txid);
        }
        before - self.entries.len()
    }

    /// BIP125 as Core applies it under full RBF: pay for what is evicted plus
    /// the replacement's own relay, beat each conflict's feerate, evict at
    /// most 100, add no new unconfirmed inputs.
    fn check_replacement(
        &self,
        conflicts: &HashSet<Txid>,
        evicted: &HashSet<Txid>,
        parents: &HashSet<Txid>,
        fee: u64,
        vsize: u64,
    ) -> Result<(), MempoolError> {
        if evicted.len() > self.policy.max_replacement_evictions {
            return Err(MempoolError::TooManyReplacements { count: evicted.len() });
        }
        let conflict_parents: HashSet<Txid> =
            conflicts.iter().filter_map(|c| self.entries.get(c)).flat_map(|e| e.parents.iter().copied()).collect();
        if parents.iter().any(|p| !conflict_parents.contains(p)) {
            return Err(MempoolError::ReplacementAddsUnconfirmed);
        }
        for c in conflicts.iter().filter_map(|c| self.entries.get(c)) {
            // fee / vsize > c.fee / c.vsize, in integers.
            if u128::from(fee) * u128::from(c.vsize) <= u128::from(c.fee) * u128::from(vsize) {
                return Err(MempoolError::InsufficientFee {
                    reason: format!("rejecting replacement {}; new feerate not above that of {}", "tx", c.txid()),
                });
            }
        }
        let evicted_fees: u64 = evicted.iter().filter_map(|t| self.entries.get(t)).map(|e| e.fee).sum();
        if fee < evicted_fees {
            return Err(MempoolError::InsufficientFee {
                reason: format!("less fees than conflicting txs; {fee} < {evicted_fees}"),
            });
        }
        let relay = Policy::fee_for(self.policy.min_relay_feerate, vsize);
        if fee - evicted_fees < relay {
            return Err(MempoolError::InsufficientFee {
                reason: format!("not enough additional fees to relay; {} < {relay}", fee - evicted_fees),
            });
        }
        Ok(())
    }

    fn check_chain_limits(
        &self,
        parents: &HashSet<Txid>,
        evicted: &HashSet<Txid>,
        vsize: u64,
    ) -> Result<(), MempoolError> {
        let mut ancestors: HashSet<Txid> = parents.clone();
        for p in parents {
            ancestors.extend(self.ancestors(p));
        }
        ancestors.retain(|a| !evicted.contains(a));
        if ancestors.len() + 1 > self.policy.ancestor_limit {
            return Err(MempoolError::TooLongChain {
                reason: format!("too many unconfirmed ancestors [limit: {}]", self.policy.ancestor_limit),
            });
        }
        let ancestor_size: u64 =
            ancestors.iter().filter_map(|a| self.entries.get(a)).map(|e| e.vsize).sum::<u64>() + vsize;
        if ancestor_size > self.policy.ancestor_size_limit_vbytes {
            return Err(MempoolError::TooLongChain { reason: "exceeds ancestor size limit".into() });
        }
        for a in &ancestors {
            let descendants = self.descendants(a);
            if descendants.len() + 2 > self.policy.descendant_limit {
                return Err(MempoolError::TooLongChain { reason: format!("exceeds descendant limit for {a}") });
            }
            let size: u64 =
                descendants.iter().chain(std::iter::once(a)).filter_map(|d| self.entries.get(d)).map(|e| e.vsize).sum();
            if size + vsize > self.policy.descendant_size_limit_vbytes {
                return Err(MempoolError::TooLongChain { reason: format!("exceeds descendant size limit for {a}") });
            }
        }
        Ok(())
    }

    fn remove_one(&mut self, txid: &Txid) -> Option<MempoolEntry> {
        let entry = self.entries.remove(txid)?;
        self.updates += 1;
        self.removed.push(*txid);
        for txin in &entry.tx.input {
            if self.spenders.get(&txin.previous_output) == Some(txid) {
                self.spenders.remove(&txin.previous_output);
            }
        }
        for p in &entry.parents {
            if let Some(parent) = self.entries.get_mut(p) {
                parent.children.remove(txid);
            }
        }
        for c in &entry.children {
            if let Some(child) = self.entries.get_mut(c) {
                child.parents.remove(txid);
            }
        }
        self.total_vsize -= entry.vsize;
        Some(entry)
    }

    /// Removes `txid` and everything that spends it; returns what left.
    pub fn remove_with_descendants(&mut self, txid: &Txid) -> Vec<Txid> {
        let mut gone = self.descendants(txid);
        gone.insert(*txid);
        gone.into_iter().filter(|t| self.remove_one(t).is_some()).collect()
    }

    /// A block was connected: its transactions leave the pool (their children
    /// stay, now spending confirmed outputs), and anything that spent the same
    /// outputs leaves with its descendants.
    pub fn remove_for_block(&mut self, txs: &[HashedTx]) {
        for tx in txs {
            let txid = tx.txid();
            if self.entries.contains_key(&txid) {
                self.remove_one(&txid);
            }
            for txin in tx.input.iter().filter(|_| !tx.is_coinbase()) {
                if let Some(conflict) = self.spenders.get(&txin.previous_output).copied() {
                    self.remove_with_descendants(&conflict);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
