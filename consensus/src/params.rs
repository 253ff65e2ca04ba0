//! Chain parameters: a value passed into every rule, so that tests can run
//! main's rules with easy targets.

use num_bigint::BigUint;
use primitives::{Block, BlockHash, Network, PowAlgo, ScriptBuf, COIN};

use crate::genesis;
use crate::target::{from_compact, two_pow_256};

/// The regtest target of every algorithm, as Bitcoin Core's regtest.
pub const REGTEST_BITS: u32 = 0x207f_ffff;

#[derive(Debug, Clone)]
pub struct ChainParams {
    pub network: Network,
    pub genesis: Block,
    pub genesis_hash: BlockHash,
    /// Easiest target each algorithm may reach.
    pub pow_limit: [BigUint; PowAlgo::COUNT],
    /// Target of each algorithm until the MultiShield window has filled.
    pub initial_target: [BigUint; PowAlgo::COUNT],
    /// Regtest: targets never change.
    pub no_retargeting: bool,
    /// Longest run of blocks of one algorithm ("algo-toomany"); `None` on regtest.
    pub max_consecutive_algo: Option<u32>,
    /// Seconds between blocks (all algorithms together).
    pub target_spacing: i64,
    /// MultiShield averaging window in blocks (5 algos × 10).
    pub averaging_window: u32,
    pub subsidy_halving_interval: u32,
    /// Block 1's coinbase must pay this to the foundation (main and test).
    pub premine: Option<Premine>,
    pub coinbase_maturity: u32,
    /// "time-too-new" beyond now + this many seconds.
    pub max_future_block_time: i64,
    /// The market's four difficulty parameters and the identity schedule.
    pub market: MarketParams,
}

/// Identity and transaction proof-of-work targets (DESIGN.md section 4).
#[derive(Debug, Clone)]
pub struct MarketParams {
    pub publisher_identity_target: BigUint,
    pub node_identity_target: BigUint,
    /// Identity targets halve every this many blocks (about two years).
    pub identity_halving_interval: u32,
    /// Compact targets every task / acceptance must meet (cancels need none).
    pub task_pow_bits: u32,
    pub accept_pow_bits: u32,
}

/// Argon2id (4 MiB) evaluations per second on one core, and SHA256d of
/// 40 bytes per second (DESIGN.md section 10 measurements, rounded).
pub const ARGON2ID_PER_SECOND: u64 = 667;
pub const TX_POW_PER_SECOND: u64 = 8_000_000;

impl MarketParams {
    /// Main: a publisher identity costs about one core-hour, a node's ten
    /// core-minutes, a task's or acceptance's transaction PoW one core-second.
    /// `ease` divides every cost (test: 100).
    fn public(ease: u64) -> MarketParams {
        let target = |hashes: u64| two_pow_256() / BigUint::from((hashes / ease).max(1)) - 1u32;
        let tx_pow_bits = crate::target::to_compact(&target(TX_POW_PER_SECOND));
        MarketParams {
            publisher_identity_target: target(ARGON2ID_PER_SECOND * 3600),
            node_identity_target: target(ARGON2ID_PER_SECOND * 600),
            identity_halving_interval: 1_051_200,
            task_pow_bits: tx_pow_bits,
            accept_pow_bits: tx_pow_bits,
        }
    }

    /// Regtest: every identity qualifies; transaction PoW about two tries.
    fn regtest() -> MarketParams {
        MarketParams {
            publisher_identity_target: two_pow_256() - 1u32,
            node_identity_target: two_pow_256() - 1u32,
            identity_halving_interval: 1_051_200,
            task_pow_bits: REGTEST_BITS,
            accept_pow_bits: REGTEST_BITS,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Premine {
    pub amount: u64,
    pub foundation_script: ScriptBuf,
}

/// Expected hashes for one core to find a block in a day, at the measured
/// single-core rates of DESIGN.md section 10 (hashes per second × 86,400).
const ONE_CORE_DAY_HASHES: [u64; PowAlgo::COUNT] = [
    // sha256d: 7M/s, started 2^12 times harder than one core-day because
    // sha256d hardware is far ahead of CPUs.
    7_000_000 * 86_400 * 4096,
    4_600 * 86_400,   // scrypt
    660_000 * 86_400, // groestl
    940_000 * 86_400, // skein
    760 * 86_400,     // argon2d (4 MiB)
];

/// Main's sha256d limit is Bitcoin's (about 2^32 hashes): the genesis blocks
/// are mined at it. The other algorithms may fall to 1/256 of their launch
/// difficulty if miners leave.
const POW_LIMIT_HEADROOM_BITS: u32 = 8;
const SHA256D_POW_LIMIT_BITS: u32 = 0x1d00_ffff;

/// The foundation's premine script. A P2WSH placeholder whose witness script is
/// `OP_RETURN "zennet foundation"`, unspendable until the foundation's own
/// multisig replaces it before main launches.
fn foundation_script() -> ScriptBuf {
    use bitcoin::hashes::{sha256, Hash};
    let mut witness_script = vec![script::opcodes::OP_RETURN, 17];
    witness_script.extend_from_slice(b"zennet foundation");
    let mut script = vec![0x00, 32];
    script.extend_from_slice(sha256::Hash::hash(&witness_script).as_byte_array());
    ScriptBuf::from_bytes(script)
}

fn targets_for(hashes: [u64; PowAlgo::COUNT], divisor: u64) -> [BigUint; PowAlgo::COUNT] {
    hashes.map(|h| two_pow_256() / BigUint::from(h / divisor) - 1u32)
}

impl ChainParams {
    pub fn for_network(network: Network, regtest_multialgo: bool) -> ChainParams {
        match network {
            Network::Main => ChainParams::main(),
            Network::Test => ChainParams::test(),
            Network::Regtest if regtest_multialgo => ChainParams::regtest_multialgo(),
            Network::Regtest => ChainParams::regtest(),
        }
    }

    pub fn main() -> ChainParams {
        Self::public_network(Network::Main, 1)
    }

    /// Testnet: main's rules at 1/16 of main's difficulty.
    pub fn test() -> ChainParams {
        Self::public_network(Network::Test, 16)
    }

    fn public_network(network: Network, ease: u64) -> ChainParams {
        let initial_target = targets_for(ONE_CORE_DAY_HASHES, ease);
        let sha256d_limit = from_compact(SHA256D_POW_LIMIT_BITS).expect("valid bits");
        let pow_limit = std::array::from_fn(|i| {
            if i == PowAlgo::Sha256d as usize {
                sha256d_limit.clone()
            } else {
                (&initial_target[i] << POW_LIMIT_HEADROOM_BITS).min(two_pow_256() - 1u32)
            }
        });
        let genesis = genesis::genesis_block(network);
        ChainParams {
            network,
            genesis_hash: genesis.block_hash(),
            genesis,
            pow_limit,
            initial_target,
            no_retargeting: false,
            max_consecutive_algo: Some(6),
            target_spacing: 60,
            averaging_window: 50,
            subsidy_halving_interval: 2_100_000,
            premine: Some(Premine { amount: 1_050_000 * COIN, foundation_script: foundation_script() }),
            coinbase_maturity: 100,
            max_future_block_time: 10 * 60,
            market: MarketParams::public(if network == Network::Test { 100 } else { 1 }),
        }
    }

    /// Regtest as Bitcoin Core's: fixed easy targets, no algorithm limit,
    /// halving every 150 blocks, no premine.
    pub fn regtest() -> ChainParams {
        let easy = from_compact(REGTEST_BITS).expect("valid bits");
        let genesis = genesis::genesis_block(Network::Regtest);
        ChainParams {
            network: Network::Regtest,
            genesis_hash: genesis.block_hash(),
            genesis,
            pow_limit: std::array::from_fn(|_| easy.clone()),
            initial_target: std::array::from_fn(|_| easy.clone()),
            no_retargeting: true,
            max_consecutive_algo: None,
            target_spacing: 60,
            averaging_window: 50,
            subsidy_halving_interval: 150,
            premine: None,
            coinbase_maturity: 100,
            max_future_block_time: 10 * 60,
            market: MarketParams::regtest(),
        }
    }

    /// Regtest with MultiShield retargeting and the consecutive-algorithm
    /// limit switched on (`-regtestmultialgo`).
    pub fn regtest_multialgo() -> ChainParams {
        ChainParams { no_retargeting: false, max_consecutive_algo: Some(6), ..Self::regtest() }
    }

    pub fn pow_limit(&self, algo: PowAlgo) -> BigUint {
        self.pow_limit[algo as usize].clone()
    }

    pub fn initial_target(&self, algo: PowAlgo) -> BigUint {
        self.initial_target[algo as usize].clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::{to_compact, work_for_target};

    #[test]
    fn initial_targets_follow_the_stated_reasoning() {
        let main = ChainParams::main();
        let test = ChainParams::test();
        for algo in PowAlgo::ALL {
            let hashes = work_for_target(&main.initial_target(algo));
            let expected = BigUint::from(ONE_CORE_DAY_HASHES[algo as usize]);
            assert!(hashes >= &expected - 1u32 && hashes <= &expected + 1u32, "{algo}");
            let test_hashes = work_for_target(&test.initial_target(algo));
            assert!(&test_hashes * 16u32 >= &expected - 16u32 && &test_hashes * 16u32 <= &expected + 16u32);
            assert!(main.initial_target(algo) <= main.pow_limit(algo), "{algo}");
        }
        assert_eq!(to_compact(&main.pow_limit(PowAlgo::Sha256d)), 0x1d00ffff);
        // sha256d starts 2^12 times harder than a CPU core-day.
        assert!(work_for_target(&main.initial_target(PowAlgo::Sha256d)) > BigUint::from(1u64 << 50));
    }
}
