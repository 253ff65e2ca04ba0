use super::*;
use crate::target::from_compact;
use crate::work::block_work;

const T0: u32 = 1_700_000_000;

/// Main's rules with easy, distinct targets per algorithm.
fn easy_main() -> ChainParams {
    let base = from_compact(0x1f00ffff).unwrap();
    let initial_target: [BigUint; 5] = std::array::from_fn(|a| &base >> a);
    let pow_limit = std::array::from_fn(|a| &initial_target[a] << 4);
    ChainParams { initial_target, pow_limit, ..ChainParams::main() }
}

/// The algorithm pattern of the vector chain: sha256d in bursts, argon2d
/// vanishing after height 30, the others rotating.
fn vector_algo(h: u32) -> PowAlgo {
    if h % 13 < 3 {
        PowAlgo::Sha256d
    } else if h < 30 && h.is_multiple_of(4) {
        PowAlgo::Argon2d
    } else {
        [PowAlgo::Scrypt, PowAlgo::Groestl, PowAlgo::Skein][(h % 3) as usize]
    }
}

fn vector_time(h: u32) -> u32 {
    // Irregular spacing, slower than target on average after height 60.
    let jitter = ((h * 7919) % 97) as i64 - 48;
    let slow = if h > 60 { (h - 60) as i64 * 9 } else { 0 };
    (i64::from(T0) + 60 * i64::from(h) + jitter + slow) as u32
}

/// Builds a chain by the rule itself: each block carries the bits the rule
/// assigns; returns the chain and the cumulative work.
fn build_chain(params: &ChainParams, len: u32) -> (Vec<BlockSummary>, BigUint) {
    let genesis = BlockSummary { height: 0, time: T0, bits: 0x1d00ffff, algo: None };
    let mut chain = vec![genesis];
    let mut total = block_work(params, &chain, None, genesis.bits);
    for h in 1..len {
        let tip = *chain.last().unwrap();
        let algo = vector_algo(h);
        let bits = next_bits(params, &chain, &tip, algo);
        total += block_work(params, &chain, Some(&tip), genesis.bits);
        chain.push(BlockSummary { height: h, time: vector_time(h), bits, algo: Some(algo) });
    }
    (chain, total)
}

/// Vectors computed independently by a Python transcription of DESIGN.md's
/// pseudo-code (big integers, truncating division, integer 5th root by
/// bisection) over the same chain: `python3 consensus/testdata/multishield.py`.
#[test]
fn multishield_and_chain_work_match_the_second_implementation() {
    let params = easy_main();
    let (chain, total_work) = build_chain(&params, 140);
    let expected_bits: &[(u32, u32)] = &[
        (1, 0x1f00ffff),
        (49, 0x1e3fffc0),
        (50, 0x1e1fffe0),
        (51, 0x1e73a8b3),
        (75, 0x1e5b1f8a),
        (100, 0x1e28a49d),
        (139, 0x1e254992),
    ];
    for &(h, bits) in expected_bits {
        assert_eq!(chain[h as usize].bits, bits, "bits at height {h} ({:?})", chain[h as usize].algo);
    }
    assert_eq!(format!("{total_work:x}"), "101f816c1");
}

#[test]
fn regtest_targets_never_change_and_work_uses_the_fixed_target() {
    let params = ChainParams::regtest();
    let mut chain = vec![BlockSummary { height: 0, time: T0, bits: 0x207fffff, algo: None }];
    for h in 1..120 {
        let tip = *chain.last().unwrap();
        for algo in PowAlgo::ALL {
            assert_eq!(next_bits(&params, &chain, &tip, algo), 0x207fffff);
        }
        chain.push(BlockSummary { height: h, time: T0 + h * 600, bits: 0x207fffff, algo: Some(PowAlgo::Scrypt) });
    }
    let tip = *chain.last().unwrap();
    // floor(2^256 / (0x7fffff << 232 + 1)) = 2, and the 5th root of 2^5 is 2.
    assert_eq!(block_work(&params, &chain, Some(&tip), 0x207fffff), BigUint::from(2u32));
}

#[test]
fn initial_target_until_the_window_fills() {
    let params = easy_main();
    let (chain, _) = build_chain(&params, 50);
    for b in &chain[1..] {
        let initial = crate::target::to_compact(&params.initial_target(b.algo.unwrap()));
        assert_eq!(b.bits, initial, "height {}", b.height);
    }
}

/// An attacker holding one algorithm (groestl) writes timestamps as far
/// ahead as they like. The damped span is clamped to 116% of the target
/// span, so each of its blocks can make its target at most 16% easier than
/// its previous block's, and mining its algorithm often (k > 0) only makes
/// it harder.
#[test]
fn timestamp_manipulation_cannot_beat_the_clamp() {
    let params = easy_main();
    let (mut chain, _) = build_chain(&params, 80);
    let mut fake_time = chain.last().unwrap().time;
    let mut last_attacker_target: Option<BigUint> = None;
    for h in 80..400u32 {
        let tip = *chain.last().unwrap();
        let attacker = h % 5 == 0;
        let algo = if attacker {
            PowAlgo::Groestl
        } else {
            [PowAlgo::Sha256d, PowAlgo::Scrypt, PowAlgo::Skein, PowAlgo::Argon2d][(h % 5 - 1).min(3) as usize]
        };
        let bits = next_bits(&params, &chain, &tip, algo);
        let target = from_compact(bits).unwrap();
        let time = if attacker {
            // Ten minutes ahead of a clock the attacker also controls.
            fake_time += 3_600;
            fake_time
        } else {
            tip.time + 1
        };
        if attacker {
            let prev = params_prev_target(&chain, PowAlgo::Groestl);
            assert!(target <= &prev * 116u32 / 100u32 + 1u32, "height {h}: target rose more than 16%");
            if let Some(last) = &last_attacker_target {
                assert!(target <= last * 116u32 / 100u32 + 1u32);
            }
            last_attacker_target = Some(target);
        }
        chain.push(BlockSummary { height: h, time, bits, algo: Some(algo) });
    }
    // Over 64 attacker blocks the target grew by at most the clamp compounded.
    let first = from_compact(chain[80].bits).unwrap();
    let last = last_attacker_target.unwrap();
    assert!(last <= params.pow_limit(PowAlgo::Groestl));
    assert!(last > first, "the attack does ease the target, but only at the clamped rate");
}

fn params_prev_target(chain: &[BlockSummary], algo: PowAlgo) -> BigUint {
    let last = chain.iter().rev().find(|b| b.algo == Some(algo)).unwrap();
    from_compact(last.bits).unwrap()
}

#[test]
fn consecutive_runs_are_counted() {
    let mut chain = vec![BlockSummary { height: 0, time: T0, bits: 0, algo: None }];
    for h in 1..=7 {
        chain.push(BlockSummary { height: h, time: T0 + h, bits: 0, algo: Some(PowAlgo::Skein) });
    }
    let tip = *chain.last().unwrap();
    assert_eq!(consecutive_algo_run(&chain, &tip, PowAlgo::Skein), 7);
    assert_eq!(consecutive_algo_run(&chain, &tip, PowAlgo::Scrypt), 0);
}
