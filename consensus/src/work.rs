//! Chain work by the geometric mean of the five algorithms' difficulties.

use num_bigint::BigUint;
use primitives::PowAlgo;

use crate::difficulty::{next_bits, BlockSummary, HeaderChain};
use crate::params::ChainParams;
use crate::target::{from_compact, work_for_target};

/// Work of a block whose parent is `parent` (`None` for genesis):
/// floor(5th root of Π_a floor(2^256 / (T_a + 1))), T_a being the target the
/// difficulty rule assigns to algorithm a after the parent. It is the same
/// whichever algorithm mined the block, so one algorithm's hash power alone
/// cannot outweigh the others.
pub fn block_work(
    params: &ChainParams,
    chain: &(impl HeaderChain + ?Sized),
    parent: Option<&BlockSummary>,
    genesis_bits: u32,
) -> BigUint {
    let Some(parent) = parent else {
        return work_for_target(&from_compact(genesis_bits).unwrap_or_default());
    };
    let product = PowAlgo::ALL.iter().fold(BigUint::from(1u32), |acc, &algo| {
        let bits = next_bits(params, chain, parent, algo);
        acc * work_for_target(&from_compact(bits).unwrap_or_default())
    });
    product.nth_root(PowAlgo::COUNT as u32)
}
