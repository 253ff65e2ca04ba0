use super::*;

fn params(target: u64) -> SelectionParams {
    SelectionParams {
        target,
        fee_rate: 1000,
        base_vbytes: 11 + 31,
        change_output_vbytes: 31,
        change_spend_vbytes: 68,
        min_change: 294,
        subtract_fee: false,
    }
}

fn coins(values: &[u64]) -> Vec<Candidate> {
    values.iter().map(|&value| Candidate { value, input_vbytes: 68 }).collect()
}

#[test]
fn exact_match_needs_no_change() {
    // 42 vB base + one 68 vB input = 110 vB → 110 zats at 1 zat/vB.
    let pool = coins(&[30_000, 50_110, 7_000, 100_000]);
    let s = select(&pool, &params(50_000)).unwrap();
    assert_eq!((s.algorithm, s.inputs.clone(), s.change, s.fee), ("bnb", vec![1], 0, 110));
}

#[test]
fn bnb_finds_a_two_coin_exact_sum() {
    let pool = coins(&[60_000, 10_089, 90_000, 20_089]);
    let s = select(&pool, &params(30_000)).unwrap();
    assert_eq!((s.algorithm, s.inputs.clone(), s.change, s.fee), ("bnb", vec![1, 3], 0, 178));
}

#[test]
fn insufficient_funds() {
    let pool = coins(&[1_000, 2_000]);
    match select(&pool, &params(5_000)) {
        Err(SelectError::InsufficientFunds { available, needed }) => {
            assert_eq!(available, 1_000 - 68 + 2_000 - 68);
            assert_eq!(needed, 5_042);
        }
        other => panic!("{other:?}"),
    }
    assert!(select(&[], &params(1)).is_err());
}

#[test]
fn coins_worth_less_than_their_fee_are_ignored() {
    let pool = coins(&[60, 10_000]);
    let s = select(&pool, &params(5_000)).unwrap();
    assert_eq!(s.inputs, vec![1]);
}

#[test]
fn dust_change_is_given_to_the_fee() {
    // One coin leaving 100 zats of change: too much for branch-and-bound's
    // window (cost of change = 99), too little for a change output (dust).
    let p = params(10_000);
    let pool = coins(&[10_000 + 42 + 68 + 31 + 100]);
    let s = select(&pool, &p).unwrap();
    assert_eq!(s.change, 0, "{s:?}");
    assert_eq!(s.fee, 42 + 68 + 31 + 100);
}

#[test]
fn change_when_worth_it() {
    let pool = coins(&[1_000_000]);
    let s = select(&pool, &params(10_000)).unwrap();
    assert_eq!(s.algorithm, "largest-first");
    assert_eq!(s.fee, 42 + 68 + 31);
    assert_eq!(s.change, 1_000_000 - 10_000 - s.fee);
}

#[test]
fn subtract_fee_from_amount() {
    let pool = coins(&[10_000]);
    let mut p = params(10_000);
    p.subtract_fee = true;
    let s = select(&pool, &p).unwrap();
    assert_eq!(s.change, 0);
    assert_eq!(s.fee, 42 + 68);
    p.target = 50;
    p.subtract_fee = true;
    assert_eq!(select(&coins(&[50]), &p), Err(SelectError::AmountTooSmallForFee));
}

#[test]
fn bnb_finds_an_exact_sum_among_many_equal_coins() {
    // Each coin is worth 1,000 after its fee; 100 of them cover 99,958 + 42 exactly.
    // Skipping equal coins keeps the search inside its try limit.
    let pool = coins(&vec![1_068; 5_000]);
    let s = select(&pool, &params(99_958)).unwrap();
    assert_eq!((s.algorithm, s.inputs.len(), s.change, s.fee), ("bnb", 100, 0, 42 + 100 * 68));
}
