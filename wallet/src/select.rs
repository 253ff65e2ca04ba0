//! Coin selection: branch-and-bound for a changeless spend (Core's
//! SelectCoinsBnB, waste = the excess given up to fees), else largest-first
//! with a change output unless the change would be dust.

/// A spendable coin as selection sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub value: u64,
    /// Virtual size the input adds when spent (68 for P2WPKH).
    pub input_vbytes: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SelectionParams {
    /// Sum paid to recipients.
    pub target: u64,
    /// zats per 1,000 virtual bytes.
    pub fee_rate: u64,
    /// Virtual size of the transaction without inputs or change.
    pub base_vbytes: u64,
    /// Virtual size of a change output (31 for P2WPKH).
    pub change_output_vbytes: u64,
    /// Virtual size of spending the change later (68 for P2WPKH).
    pub change_spend_vbytes: u64,
    /// Smallest change worth an output (the dust threshold).
    pub min_change: u64,
    /// The fee comes out of the recipients' amounts instead of the inputs.
    pub subtract_fee: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    /// Indices into the candidates, in the order given.
    pub inputs: Vec<usize>,
    /// Change output value; 0 means no change output.
    pub change: u64,
    /// Fee paid. With `subtract_fee`, the recipients pay it.
    pub fee: u64,
    /// Which algorithm found it ("bnb" or "largest-first").
    pub algorithm: &'static str,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelectError {
    #[error("Insufficient funds")]
    InsufficientFunds { available: u64, needed: u64 },
    #[error("The transaction amount is too small to pay the fee")]
    AmountTooSmallForFee,
}

/// Core's limit on the branch-and-bound search.
const BNB_TRIES: usize = 100_000;

/// Fee for `vbytes` at `rate` zats/kvB, rounded up.
pub fn fee_for(rate: u64, vbytes: u64) -> u64 {
    (rate * vbytes).div_ceil(1000)
}

pub fn select(candidates: &[Candidate], p: &SelectionParams) -> Result<Selection, SelectError> {
    // With the fee subtracted from the recipients, inputs only have to cover the target.
    let rate = if p.subtract_fee { 0 } else { p.fee_rate };
    let effective = |c: &Candidate| c.value as i64 - fee_for(rate, c.input_vbytes) as i64;
    let mut order: Vec<usize> = (0..candidates.len()).filter(|&i| effective(&candidates[i]) > 0).collect();
    order.sort_by_key(|&i| std::cmp::Reverse(effective(&candidates[i])));
    let available: u64 = order.iter().map(|&i| effective(&candidates[i]) as u64).sum();
    let needed = p.target + fee_for(rate, p.base_vbytes);
    if available < needed {
        return Err(SelectError::InsufficientFunds { available, needed });
    }
    let values: Vec<u64> = order.iter().map(|&i| effective(&candidates[i]) as u64).collect();
    let cost_of_change = fee_for(p.fee_rate, p.change_output_vbytes) + fee_for(p.fee_rate, p.change_spend_vbytes);
    let chosen = branch_and_bound(&values, needed, cost_of_change)
        .map(|picked| (picked.into_iter().map(|k| order[k]).collect::<Vec<_>>(), "bnb"));
    let (inputs, algorithm) = match chosen {
        Some(found) => found,
        None => (largest_first(candidates, &order, p)?, "largest-first"),
    };
    finish(candidates, inputs, p, algorithm)
}

/// Depth-first search over coins sorted by descending effective value for a
/// subset within `[target, target + window]`, keeping the least excess
/// (Core's SelectCoinsBnB, with inclusion explored first).
fn branch_and_bound(values: &[u64], target: u64, window: u64) -> Option<Vec<usize>> {
    let mut available: u64 = values.iter().sum();
    let mut current = 0u64;
    let mut selection: Vec<usize> = Vec::new();
    let mut best: Option<(u64, Vec<usize>)> = None;
    let mut index = 0usize;
    for _ in 0..BNB_TRIES {
        let mut backtrack = false;
        if current + available < target || current > target + window {
            backtrack = true;
        } else if current >= target {
            let excess = current - target;
            if best.as_ref().is_none_or(|(b, _)| excess < *b) {
                best = Some((excess, selection.clone()));
                if excess == 0 {
                    break;
                }
            }
            backtrack = true;
        }
        if backtrack {
            let Some(&last) = selection.last() else { break };
            // Put back the coins decided (left out) after the last inclusion,
            // then try that inclusion's omission branch.
            index -= 1;
            while index > last {
                available += values[index];
                index -= 1;
            }
            current -= values[last];
            selection.pop();
        } else {
            let value = values[index];
            available -= value;
            // Leaving out a coin equal to a left-out predecessor repeats a searched branch.
            let repeat = index > 0 && selection.last() != Some(&(index - 1)) && value == values[index - 1];
            if selection.is_empty() || !repeat {
                selection.push(index);
                current += value;
            }
        }
        index += 1;
    }
    best.map(|(_, s)| s)
}

/// Largest coins first until the target, the fee and a change output are covered.
fn largest_first(candidates: &[Candidate], order: &[usize], p: &SelectionParams) -> Result<Vec<usize>, SelectError> {
    let rate = if p.subtract_fee { 0 } else { p.fee_rate };
    let mut inputs = Vec::new();
    let (mut value, mut vbytes) = (0u64, p.base_vbytes);
    for &i in order {
        inputs.push(i);
        value += candidates[i].value;
        vbytes += candidates[i].input_vbytes;
        let with_change = p.target + fee_for(rate, vbytes + p.change_output_vbytes) + p.min_change;
        if value >= with_change {
            return Ok(inputs);
        }
    }
    // Not enough for change as well: a changeless spend that gives the rest to fees.
    if value >= p.target + fee_for(rate, vbytes) {
        return Ok(inputs);
    }
    Err(SelectError::InsufficientFunds { available: value, needed: p.target + fee_for(rate, vbytes) })
}

/// Works out change and fee for the chosen inputs; dust change goes to the fee.
fn finish(
    candidates: &[Candidate],
    mut inputs: Vec<usize>,
    p: &SelectionParams,
    algorithm: &'static str,
) -> Result<Selection, SelectError> {
    inputs.sort_unstable();
    let value: u64 = inputs.iter().map(|&i| candidates[i].value).sum();
    let vbytes = p.base_vbytes + inputs.iter().map(|&i| candidates[i].input_vbytes).sum::<u64>();
    let fee_without = fee_for(p.fee_rate, vbytes);
    let fee_with = fee_for(p.fee_rate, vbytes + p.change_output_vbytes);
    if p.subtract_fee {
        let extra = value - p.target;
        let (change, fee) = if extra >= p.min_change { (extra, fee_with) } else { (0, fee_without) };
        if fee >= p.target {
            return Err(SelectError::AmountTooSmallForFee);
        }
        // Dust leftovers go to the fee as well, on top of what the recipients pay.
        return Ok(Selection { inputs, change, fee: if change == 0 { fee + extra } else { fee }, algorithm });
    }
    let over = value
        .checked_sub(p.target + fee_without)
        .ok_or(SelectError::InsufficientFunds { available: value, needed: p.target + fee_without })?;
    let change = (value - p.target).saturating_sub(fee_with);
    if algorithm != "bnb" && change >= p.min_change {
        Ok(Selection { inputs, change, fee: fee_with, algorithm })
    } else {
        Ok(Selection { inputs, change: 0, fee: fee_without + over, algorithm })
    }
}

#[cfg(test)]
mod tests;
