//! Block subsidy: 4.75 ZEN halving every `subsidy_halving_interval` blocks.

use crate::params::ChainParams;

pub const INITIAL_SUBSIDY: u64 = 475_000_000;

pub fn block_subsidy(height: u32, params: &ChainParams) -> u64 {
    let halvings = height / params.subsidy_halving_interval;
    if halvings >= 64 {
        0
    } else {
        INITIAL_SUBSIDY >> halvings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use primitives::{COIN, MAX_MONEY};

    #[test]
    fn all_subsidies_plus_premine_stay_within_max_money() {
        let params = ChainParams::main();
        let interval = u64::from(params.subsidy_halving_interval);
        // Sum era by era; every height of an era pays the same.
        let mut total = 0u64;
        let mut era_start = 0u64;
        loop {
            let subsidy = block_subsidy(era_start as u32, &params);
            if subsidy == 0 {
                break;
            }
            total += subsidy * interval;
            era_start += interval;
        }
        // Spot-check the per-block schedule against the per-era sum.
        assert_eq!(block_subsidy(0, &params), 475_000_000);
        assert_eq!(block_subsidy(2_099_999, &params), 475_000_000);
        assert_eq!(block_subsidy(2_100_000, &params), 237_500_000);
        let premine = params.premine.as_ref().unwrap().amount;
        assert_eq!(premine, 1_050_000 * COIN);
        let issued = total + premine;
        assert!(issued <= MAX_MONEY);
        assert_eq!(issued, 2_099_999_968_500_000, "20,999,999.685 ZEN");
        // Short of 21M only by the rounding of integer halvings: at most one
        // zat per era for each of the 2.1M blocks of the era.
        assert!(MAX_MONEY - issued < 64 * interval);
    }

    #[test]
    fn regtest_halves_every_150_blocks() {
        let params = ChainParams::regtest();
        assert_eq!(block_subsidy(149, &params), 475_000_000);
        assert_eq!(block_subsidy(150, &params), 237_500_000);
        assert_eq!(block_subsidy(150 * 64, &params), 0);
    }
}
