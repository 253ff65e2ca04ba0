//! Paying: select coins, add change, sign, and keep the transaction before
//! anyone else sees it; fee bumping by replacement (BIP125 rules 3 and 4).

use bitcoin::secp256k1::SecretKey;
use mempool::Policy;
use primitives::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Txid, Witness};
use rand::Rng;

use crate::balance::Coin;
use crate::error::WalletError;
use crate::select::{fee_for, select, Candidate, SelectionParams};
use crate::sign::{input_vbytes, sign_inputs, InputKey};
use crate::state::Wallet;

#[derive(Debug, Clone)]
pub struct Recipient {
    pub script: ScriptBuf,
    pub amount: u64,
    pub subtract_fee: bool,
}

#[derive(Debug, Clone)]
pub struct SendOptions {
    /// zats per kvB.
    pub fee_rate: u64,
    /// Signal BIP125 replaceability (Core's default).
    pub replaceable: bool,
    /// Coins that must be spent (bumpfee keeps the original inputs;
    /// fundrawtransaction the given ones).
    pub preselected: Vec<(OutPoint, TxOut)>,
    /// Outputs that may not be spent (those of the transaction being replaced).
    pub exclude: Vec<OutPoint>,
    /// `changeAddress`: change to this script instead of a new change key.
    pub change_script: Option<ScriptBuf>,
    /// `changePosition`: where the change output goes (else at random).
    pub change_position: Option<usize>,
    /// The lock time (else the tip's height, against fee sniping, as Core).
    pub lock_time: Option<u32>,
    /// `add_inputs`: whether coins beyond the preselected ones may be added.
    pub add_inputs: bool,
    /// Coins of watch-only descriptors may be spent (`includeWatching`).
    pub include_watching: bool,
    /// Leave out coins whose unconfirmed chain is at the mempool's ancestor
    /// limit (Core's `-walletrejectlongchains`, on by default).
    pub reject_long_chains: bool,
}

impl SendOptions {
    /// A payment at `fee_rate` with Core's defaults for everything else.
    pub fn at_rate(fee_rate: u64) -> SendOptions {
        SendOptions {
            fee_rate,
            replaceable: true,
            preselected: Vec::new(),
            exclude: Vec::new(),
            change_script: None,
            change_position: None,
            lock_time: None,
            add_inputs: true,
            include_watching: false,
            reject_long_chains: true,
        }
    }
}

/// A funded transaction not yet signed, with the outputs its inputs spend.
#[derive(Debug, Clone)]
pub struct Funded {
    pub tx: Transaction,
    pub spent: Vec<TxOut>,
    pub fee: u64,
    pub change_pos: Option<usize>,
}

/// A signed transaction ready to commit.
#[derive(Debug, Clone)]
pub struct Built {
    pub tx: Transaction,
    pub fee: u64,
    /// Position of the change output, if any.
    pub change_pos: Option<usize>,
}

/// Non-witness bytes of a transaction with no inputs or outputs (version,
/// counts, lock time) plus the segwit marker and flag in weight units /4.
const TX_OVERHEAD_VBYTES: u64 = 11;

fn output_vbytes(script: &ScriptBuf) -> u64 {
    8 + 1 + script.len() as u64
}

impl Wallet {
    /// Builds and signs a payment; nothing is kept until [`commit_transaction`](Self::commit_transaction).
    pub fn create_transaction(
        &mut self,
        recipients: &[Recipient],
        opts: &SendOptions,
        policy: &Policy,
    ) -> Result<Built, WalletError> {
        // Signing needs the keys: check before doing any work.
        self.ensure_can_sign()?;
        let funded = self.fund_transaction(recipients, opts, policy)?;
        let all_hd =
            funded.spent.iter().all(|o| matches!(self.origin(&o.script_pubkey), Some(crate::state::Origin::Hd { .. })));
        if !all_hd {
            // Coins of imported descriptors: the general signer.
            let tx = self.sign_funded_by_psbt(&funded)?;
            return Ok(Built { fee: funded.fee, tx, change_pos: funded.change_pos });
        }
        let keys: Vec<SecretKey> =
            funded.spent.iter().map(|out| self.secret_key_for(&out.script_pubkey)).collect::<Result<_, _>>()?;
        let inputs: Vec<InputKey<'_>> = funded
            .spent
            .iter()
            .zip(keys)
            .map(|(out, key)| InputKey { value: out.value.to_sat(), script_pubkey: out.script_pubkey.as_bytes(), key })
            .collect();
        let mut tx = funded.tx.clone();
        sign_inputs(&self.secp, &mut tx, &inputs).map_err(|e| WalletError::Create(e.to_string()))?;
        Ok(Built { fee: funded.fee, tx, change_pos: funded.change_pos })
    }

    /// Signs a funded transaction through a PSBT: the wallet's updater adds
    /// the scripts and key origins, its keys sign, the finalizer completes.
    fn sign_funded_by_psbt(&self, funded: &Funded) -> Result<Transaction, WalletError> {
        use miniscript::psbt::PsbtExt;
        let unsigned =
            funded.tx.to_bitcoin().ok_or_else(|| WalletError::Create("an announcement has no PSBT form".into()))?;
        let mut psbt =
            bitcoin::psbt::Psbt::from_unsigned_tx(unsigned).map_err(|e| WalletError::Create(e.to_string()))?;
        for (input, spent) in psbt.inputs.iter_mut().zip(&funded.spent) {
            input.witness_utxo = Some(spent.clone());
        }
        self.update_psbt(&mut psbt, true);
        self.sign_psbt(&mut psbt, None)?;
        let failures = crate::psbt::finalize(&mut psbt, &self.secp);
        if let Some((index, why)) = failures.first() {
            return Err(WalletError::Create(format!("Signing transaction failed: input {index}: {why}")));
        }
        let tx =
            psbt.extract(&self.secp).map_err(|e| WalletError::Create(format!("Signing transaction failed: {e}")))?;
        Ok(Transaction::from_bitcoin(tx))
    }

    /// Virtual bytes of an input spending `script` once signed: by the
    /// wallet's own kinds, or the largest satisfaction of a watched descriptor.
    fn spend_vbytes(&self, script: &ScriptBuf) -> u64 {
        match self.origin(script) {
            Some(crate::state::Origin::Watch { descriptor, .. }) => self
                .watch
                .get(descriptor)
                .and_then(|d| d.input_vbytes())
                .unwrap_or_else(|| input_vbytes(script.as_bytes())),
            _ => input_vbytes(script.as_bytes()),
        }
    }

    /// Selects coins, adds change and sets sequences and lock time, without
    /// signing (`fundrawtransaction`, `walletcreatefundedpsbt`, and
    /// [`create_transaction`](Self::create_transaction) before it signs).
    pub fn fund_transaction(
        &mut self,
        recipients: &[Recipient],
        opts: &SendOptions,
        policy: &Policy,
    ) -> Result<Funded, WalletError> {
        if recipients.is_empty() {
            return Err(WalletError::Create("Transaction must have at least one recipient".into()));
        }
        let target: u64 = recipients.iter().map(|r| r.amount).sum();
        for r in recipients {
            let out = TxOut { value: Amount::from_sat(r.amount), script_pubkey: r.script.clone() };
            // OP_RETURN data outputs may carry nothing.
            let data = r.script.is_op_return();
            if (r.amount == 0 && !data) || (!data && !r.subtract_fee && r.amount < policy.dust_threshold(&out)) {
                return Err(WalletError::Create("Transaction amount too small".into()));
            }
        }
        let subtract_fee = recipients.iter().any(|r| r.subtract_fee);

        // As Core with -walletrejectlongchains: a coin whose unconfirmed
        // chain is already at the mempool's ancestor limit is not eligible.
        let watch_only = !self.private_keys_enabled();
        let mut held_back = false;
        let coins: Vec<Coin> = if opts.add_inputs { self.available_coins(0, false) } else { Vec::new() }
            .into_iter()
            .filter(|c| !opts.exclude.contains(&c.outpoint) && !opts.preselected.iter().any(|(o, _)| *o == c.outpoint))
            .filter(|c| {
                let eligible = !opts.reject_long_chains
                    || c.depth > 0
                    || self.unconfirmed_chain_len(&c.outpoint.txid) < policy.ancestor_limit;
                held_back |= !eligible;
                eligible
            })
            // Coins of watched descriptors only when asked for (always in a
            // watch-only wallet); those imported with their keys are the wallet's.
            .filter(|c| match self.origin(&c.output.script_pubkey) {
                Some(crate::state::Origin::Watch { descriptor, .. }) => {
                    watch_only || opts.include_watching || self.can_spend_watched(descriptor)
                }
                _ => true,
            })
            .collect();
        let pre_value: u64 = opts.preselected.iter().map(|(_, o)| o.value.to_sat()).sum();
        let pre_vbytes: u64 = opts.preselected.iter().map(|(_, o)| self.spend_vbytes(&o.script_pubkey)).sum();
        let base_vbytes = TX_OVERHEAD_VBYTES + recipients.iter().map(|r| output_vbytes(&r.script)).sum::<u64>();
        // Preselected coins count as already paid for: the remaining target shrinks by their effective value.
        let pre_effective = pre_value.saturating_sub(fee_for(opts.fee_rate, pre_vbytes));
        let change_script = match &opts.change_script {
            Some(script) => script.clone(),
            None => self.peek_change_script(self.change_type_for(recipients.iter().map(|r| &r.script)))?,
        };
        let change_output_vbytes = output_vbytes(&change_script);
        let params = SelectionParams {
            target: target.saturating_sub(pre_effective),
            fee_rate: opts.fee_rate,
            base_vbytes: base_vbytes + pre_vbytes,
            change_output_vbytes,
            change_spend_vbytes: self.spend_vbytes(&change_script),
            min_change: 0,
            subtract_fee,
        };
        let change_dust = policy.dust_threshold(&TxOut { value: Amount::ZERO, script_pubkey: change_script.clone() });
        let params = SelectionParams { min_change: change_dust, ..params };
        let candidates: Vec<Candidate> = coins
            .iter()
            .map(|c| Candidate {
                value: c.output.value.to_sat(),
                input_vbytes: self.spend_vbytes(&c.output.script_pubkey),
            })
            .collect();
        let (chosen, fee, change) = if params.target == 0 && !opts.preselected.is_empty() {
            // The preselected coins alone pay: work out change directly.
            let vbytes = base_vbytes + pre_vbytes;
            let fee_without = fee_for(opts.fee_rate, vbytes);
            let fee_with = fee_for(opts.fee_rate, vbytes + change_output_vbytes);
            let extra = pre_value.checked_sub(target + fee_without).ok_or(WalletError::InsufficientFunds)?;
            match (pre_value - target).checked_sub(fee_with) {
                Some(change) if change >= change_dust => (Vec::new(), fee_with, change),
                _ => (Vec::new(), fee_without + extra, 0),
            }
        } else {
            let s = select(&candidates, &params).map_err(|e| match WalletError::from(e) {
                WalletError::InsufficientFunds if held_back => WalletError::Create(
                    "Unconfirmed UTXOs are available, but spending them creates a chain of transactions that will be rejected by the mempool".into(),
                ),
                other => other,
            })?;
            // Preselected value beyond the reduced target becomes change too.
            let surplus = pre_effective.saturating_sub(target);
            (s.inputs, s.fee, s.change + surplus)
        };
        let mut spend: Vec<(OutPoint, TxOut)> = opts.preselected.clone();
        for &i in &chosen {
            spend.push((coins[i].outpoint, coins[i].output.clone()));
        }
        let mut outputs: Vec<TxOut> = recipients
            .iter()
            .map(|r| TxOut { value: Amount::from_sat(r.amount), script_pubkey: r.script.clone() })
            .collect();
        if subtract_fee {
            let payers: Vec<usize> = (0..recipients.len()).filter(|&i| recipients[i].subtract_fee).collect();
            let share = fee / payers.len() as u64;
            for (n, &i) in payers.iter().enumerate() {
                let due = share + if n == 0 { fee % payers.len() as u64 } else { 0 };
                let value =
                    outputs[i].value.to_sat().checked_sub(due).ok_or_else(|| {
                        WalletError::Create("The transaction amount is too small to pay the fee".into())
                    })?;
                if value < policy.dust_threshold(&outputs[i]) {
                    return Err(WalletError::Create("The transaction amount is too small to pay the fee".into()));
                }
                outputs[i].value = Amount::from_sat(value);
            }
        }
        if let Some(pos) = opts.change_position.filter(|p| *p > outputs.len()) {
            return Err(WalletError::InvalidParameter(format!("changePosition out of bounds: {pos}")));
        }
        let change_pos = (change > 0)
            .then(|| opts.change_position.unwrap_or_else(|| rand::thread_rng().gen_range(0..=outputs.len())));
        if let Some(pos) = change_pos {
            outputs.insert(pos, TxOut { value: Amount::from_sat(change), script_pubkey: change_script });
        }
        let sequence =
            if opts.replaceable { Sequence::ENABLE_RBF_NO_LOCKTIME } else { Sequence::ENABLE_LOCKTIME_NO_RBF };
        let tx = Transaction {
            version: 2,
            input: spend
                .iter()
                .map(|(outpoint, _)| TxIn {
                    previous_output: *outpoint,
                    script_sig: ScriptBuf::new(),
                    sequence,
                    witness: Witness::new(),
                })
                .collect(),
            output: outputs,
            announcement: None,
            // Anti fee sniping, as Core: only valid from the next block on.
            lock_time: opts.lock_time.unwrap_or_else(|| self.tip_height()),
        };
        let paid_in: u64 = spend.iter().map(|(_, o)| o.value.to_sat()).sum();
        let paid_out: u64 = tx.output.iter().map(|o| o.value.to_sat()).sum();
        Ok(Funded { fee: paid_in - paid_out, spent: spend.into_iter().map(|(_, o)| o).collect(), tx, change_pos })
    }

    /// Keeps a transaction the wallet made, durably, before it is broadcast.
    pub fn commit_transaction(
        &mut self,
        built: &Built,
        comment: Option<String>,
        comment_to: Option<String>,
        replaces: Option<Txid>,
        now: i64,
    ) -> Result<(), WalletError> {
        let txid = built.tx.txid();
        let mut writes = vec![self.upsert(&built.tx, None, now)?];
        if let Some(wtx) = self.txs.get_mut(&txid) {
            wtx.comment = comment;
            wtx.comment_to = comment_to;
            wtx.replaces = replaces;
        }
        writes[0] = self.tx_write(&txid);
        if let Some(old) = replaces {
            if let Some(wtx) = self.txs.get_mut(&old) {
                wtx.replaced_by = Some(txid);
            }
            writes.push(self.tx_write(&old));
        }
        self.commit(writes)
    }

    /// `bumpfee`: a replacement paying `fee_rate` (zats/kvB) out of the
    /// change; an `explicit` rate below the minimum is an error, a suggested
    /// one is raised to it. `incremental` is the relay feerate every
    /// replacement adds.
    pub fn bump_fee(
        &mut self,
        txid: &Txid,
        fee_rate: Option<u64>,
        explicit: bool,
        incremental: u64,
        policy: &Policy,
    ) -> Result<(Built, u64), WalletError> {
        let wtx = self
            .txs
            .get(txid)
            .ok_or_else(|| WalletError::InvalidAddressOrKey("Invalid or non-wallet transaction id".into()))?
            .clone();
        if !self.all_from_me(&wtx.tx) {
            return Err(WalletError::Other("Transaction contains inputs that don't belong to this wallet".into()));
        }
        let has_children =
            (0..wtx.tx.output.len() as u32).any(|vout| {
                self.spends.get(&OutPoint { txid: *txid, vout }).into_iter().flatten().any(|c| {
                    self.txs.get(c).is_some_and(|w| !w.abandoned && self.depth(w) >= 0 && w.replaced_by.is_none())
                })
            });
        if has_children {
            return Err(WalletError::InvalidParameter("Transaction has descendants in the wallet".into()));
        }
        if self.depth(&wtx) != 0 {
            return Err(WalletError::Other(
                "Transaction has been mined, or is conflicted with a mined transaction".into(),
            ));
        }
        if let Some(by) = wtx.replaced_by {
            return Err(WalletError::Other(format!(
                "Cannot bump transaction {txid} which was already bumped by transaction {by}"
            )));
        }
        let old_fee = self.fee_of(&wtx.tx).unwrap_or(0);
        let old_vsize = wtx.tx.vsize();
        let old_rate = old_fee * 1000 / old_vsize.max(1);
        let min_rate = old_rate + incremental;
        let rate = fee_rate.unwrap_or(min_rate).max(min_rate);
        if let Some(asked) = fee_rate.filter(|_| explicit) {
            if asked < min_rate {
                return Err(WalletError::InvalidParameter(format!(
                    "Insufficient total fee rate, must be at least {} sat/vB",
                    format_rate(min_rate)
                )));
            }
        }
        let recipients: Vec<Recipient> = wtx
            .tx
            .output
            .iter()
            .filter(|o| !self.is_change(&o.script_pubkey))
            .map(|o| Recipient { script: o.script_pubkey.clone(), amount: o.value.to_sat(), subtract_fee: false })
            .collect();
        let preselected: Vec<(OutPoint, TxOut)> = wtx
            .tx
            .input
            .iter()
            .map(|i| {
                Ok((i.previous_output, self.output(&i.previous_output).cloned().ok_or(WalletError::InsufficientFunds)?))
            })
            .collect::<Result<_, WalletError>>()?;
        let exclude = (0..wtx.tx.output.len() as u32).map(|vout| OutPoint { txid: *txid, vout }).collect();
        let opts = SendOptions { preselected, exclude, ..SendOptions::at_rate(rate) };
        let built = self.create_transaction(&recipients, &opts, policy)?;
        // BIP125 rule 4: the replacement pays for its own relay on top of the old fee.
        let needed = old_fee + fee_for(incremental, built.tx.vsize());
        if built.fee < needed {
            return Err(WalletError::InvalidParameter(format!(
                "Insufficient total fee {}, must be at least {}",
                crate::amount_text(built.fee),
                crate::amount_text(needed)
            )));
        }
        Ok((built, old_fee))
    }
}

/// zats/kvB as sat/vB with three decimals, as Core prints feerates.
pub fn format_rate(rate: u64) -> String {
    format!("{}.{:03}", rate / 1000, rate % 1000)
}
