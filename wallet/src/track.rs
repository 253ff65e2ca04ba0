//! Following the chain: blocks connected and disconnected, transactions
//! seen in the mempool, rescans, abandonment. Each change is committed
//! with the wallet's best block in one atomic write.

use std::collections::HashSet;

use primitives::{Block, BlockHash, OutPoint, Transaction, Txid};

use crate::error::WalletError;
use crate::keys::{Chain, OutputType};
use crate::record::BlockRef;
use crate::state::{Origin, Wallet, WalletTx};
use crate::store::Write;

impl Wallet {
    /// Whether an output of a wallet transaction pays the wallet.
    pub fn owns_output(&self, outpoint: &OutPoint) -> bool {
        self.txs
            .get(&outpoint.txid)
            .and_then(|w| w.tx.output.get(outpoint.vout as usize))
            .is_some_and(|o| self.is_mine(&o.script_pubkey))
    }

    /// Pays one of the wallet's scripts or spends one of its coins.
    pub fn is_relevant(&self, tx: &Transaction) -> bool {
        tx.output.iter().any(|o| self.is_mine(&o.script_pubkey))
            || (!tx.is_coinbase()
                && tx
                    .input
                    .iter()
                    .any(|i| self.owns_output(&i.previous_output) || self.watched.contains(&i.previous_output)))
    }

    /// Adds `tx` (or records where it was mined) and returns its record write.
    pub(crate) fn upsert(&mut self, tx: &Transaction, block: Option<BlockRef>, now: i64) -> Result<Write, WalletError> {
        let txid = tx.txid();
        match self.txs.get_mut(&txid) {
            Some(wtx) => {
                if block.is_some() && wtx.block.map(|b| b.hash) != block.map(|b| b.hash) {
                    wtx.block = block;
                    self.changed.push(txid);
                }
            }
            None => {
                self.changed.push(txid);
                let order = self.next_order;
                self.next_order += 1;
                self.txs.insert(
                    txid,
                    WalletTx {
                        tx: tx.clone(),
                        txid,
                        time_received: now,
                        order,
                        block,
                        abandoned: false,
                        replaced_by: None,
                        replaces: None,
                        comment: None,
                        comment_to: None,
                    },
                );
                self.index_spends(tx);
                self.learn_identity(tx);
            }
        }
        // Keys seen on chain are used: hand out later ones and look further ahead.
        let used: Vec<(OutputType, Chain, u32)> = tx
            .output
            .iter()
            .filter_map(|o| match self.origin(&o.script_pubkey) {
                Some(Origin::Hd { output_type, chain, index }) => Some((output_type, chain, index)),
                _ => None,
            })
            .collect();
        for (output_type, chain, index) in used {
            self.mark_used(output_type, chain, index)?;
        }
        Ok(self.tx_write(&txid))
    }

    /// Records the wallet's transactions of a block without moving the best block (rescans).
    pub fn scan_block(&mut self, block: &Block, hash: BlockHash, height: u32, now: i64) -> Result<usize, WalletError> {
        let writes = self.scan(block, hash, height, now)?;
        let found = writes.len();
        self.commit(writes)?;
        Ok(found)
    }

    fn scan(&mut self, block: &Block, hash: BlockHash, height: u32, now: i64) -> Result<Vec<Write>, WalletError> {
        let mut writes = Vec::new();
        for (index, tx) in block.txdata.iter().enumerate() {
            if self.is_relevant(tx) {
                let at = BlockRef { hash, height, index: index as u32, time: block.header.time };
                writes.push(self.upsert(tx, Some(at), now)?);
                self.in_mempool.remove(&tx.txid());
            }
        }
        Ok(writes)
    }

    /// The block at `height` joined the active chain.
    pub fn block_connected(
        &mut self,
        block: &Block,
        hash: BlockHash,
        height: u32,
        now: i64,
    ) -> Result<(), WalletError> {
        let writes = self.scan(block, hash, height, now)?;
        self.meta.best_block = hash.to_string();
        self.meta.best_height = height;
        // Blocks without wallet transactions only move the best block: write
        // it now and then (a restart scans the few blocks since again).
        if writes.is_empty() && !height.is_multiple_of(100) {
            return Ok(());
        }
        self.commit(writes)
    }

    /// The block `hash` at `height` left the active chain; `parent` is the new best.
    pub fn block_disconnected(&mut self, hash: BlockHash, height: u32, parent: BlockHash) -> Result<(), WalletError> {
        let affected: Vec<Txid> =
            self.txs.values().filter(|w| w.block.is_some_and(|b| b.hash == hash)).map(|w| w.txid).collect();
        for txid in &affected {
            if let Some(wtx) = self.txs.get_mut(txid) {
                wtx.block = None;
            }
        }
        self.changed.extend(affected.iter().copied());
        let writes = affected.iter().map(|t| self.tx_write(t)).collect();
        self.meta.best_block = parent.to_string();
        self.meta.best_height = height.saturating_sub(1);
        self.commit(writes)
    }

    /// A transaction entered the mempool; kept when it concerns the wallet.
    pub fn transaction_seen(&mut self, tx: &Transaction, now: i64) -> Result<bool, WalletError> {
        if !self.is_relevant(tx) {
            return Ok(false);
        }
        let write = self.upsert(tx, None, now)?;
        self.in_mempool.insert(tx.txid());
        self.commit(vec![write])?;
        Ok(true)
    }

    /// Transactions added or whose block changed since the last call, with
    /// that block (hash and height) if any: what `-walletnotify` reports.
    pub fn take_changed(&mut self) -> Vec<(Txid, Option<(BlockHash, u32)>)> {
        let mut seen = HashSet::new();
        std::mem::take(&mut self.changed)
            .into_iter()
            .filter(|txid| seen.insert(*txid))
            .map(|txid| (txid, self.txs.get(&txid).and_then(|w| w.block).map(|b| (b.hash, b.height))))
            .collect()
    }

    /// Unconfirmed, unabandoned transactions (whose mempool presence the daemon checks).
    pub fn unconfirmed(&self) -> Vec<Txid> {
        self.txs.values().filter(|w| w.block.is_none() && !w.abandoned).map(|w| w.txid).collect()
    }

    /// Which of the wallet's unconfirmed transactions the mempool holds now.
    pub fn set_in_mempool(&mut self, present: HashSet<Txid>) {
        self.in_mempool = present;
    }

    pub fn in_mempool(&self, txid: &Txid) -> bool {
        self.in_mempool.contains(txid)
    }

    /// Transactions to offer the mempool again (after a restart or a reorg):
    /// unconfirmed, unabandoned, not conflicted, not replaced, parents first.
    pub fn to_rebroadcast(&self) -> Vec<Transaction> {
        let mut list: Vec<&WalletTx> = self
            .txs
            .values()
            .filter(|w| w.block.is_none() && !w.abandoned && w.replaced_by.is_none() && !w.tx.is_coinbase())
            .filter(|w| self.depth(w) == 0 && !self.in_mempool.contains(&w.txid))
            .collect();
        list.sort_by_key(|w| w.order);
        list.into_iter().map(|w| w.tx.clone()).collect()
    }

    /// `abandontransaction`: only for transactions neither mined nor in the
    /// mempool; their descendants in the wallet are abandoned with them.
    pub fn abandon(&mut self, txid: &Txid) -> Result<(), WalletError> {
        let wtx = self
            .txs
            .get(txid)
            .ok_or_else(|| WalletError::InvalidAddressOrKey("Invalid or non-wallet transaction id".into()))?;
        if self.depth(wtx) != 0 || self.in_mempool.contains(txid) || wtx.abandoned {
            return Err(WalletError::InvalidAddressOrKey("Transaction not eligible for abandonment".into()));
        }
        let mut todo = vec![*txid];
        let mut done = Vec::new();
        while let Some(t) = todo.pop() {
            let Some(w) = self.txs.get_mut(&t) else { continue };
            if w.abandoned || w.block.is_some() {
                continue;
            }
            w.abandoned = true;
            done.push(t);
            let outputs = w.tx.output.len() as u32;
            for vout in 0..outputs {
                if let Some(children) = self.spends.get(&OutPoint { txid: t, vout }) {
                    todo.extend(children.iter().copied());
                }
            }
        }
        let writes = done.iter().map(|t| self.tx_write(t)).collect();
        self.commit(writes)
    }
}
