//! One rejected case (at least) for every consensus rule, each with Core's
//! exact reason, on a chain built under main's rules.

use primitives::{Amount, HeaderVersion, PowAlgo, ScriptBuf, Sequence, TxOut, Witness, COIN};

use crate::generator::{easy_main, Gen};

/// genesis -> b1 (premine) -> ... -> b100 (coinbase of b1 now mature)
fn matured() -> Gen {
    let mut g = Gen::new(easy_main());
    // Block 1 must pay the premine to the foundation script.
    //   genesis -> b1_nopremine  (rejected: bad-cb-premine)
    //           -> b1            (accepted)
    let mut no_premine = g.next("b1_nopremine", "genesis", Vec::new());
    no_premine.txdata[0].modify(|coinbase| _ = coinbase.output.remove(1));
    Gen::refresh(&mut no_premine);
    g.store("b1_nopremine", no_premine);
    g.rejected("b1_nopremine", "bad-cb-premine");
    g.next("b1", "genesis", Vec::new());
    g.accepted("b1");
    let last = g.extend("m", "b1", 99);
    g.store("b100", g.block(&last).clone());
    g
}

#[test]
fn coinbase_rules() {
    let mut g = matured();
    // b100 -> bad_height (BIP34 height 100 instead of 101)
    let mut bad_height = g.next("bad_height", "b100", Vec::new());
    let script = bad_height.txdata[0].input[0].script_sig.as_bytes().to_vec();
    let mut wrong = vec![0x01, 100];
    wrong.extend_from_slice(&script[2..]);
    bad_height.txdata[0].modify(|coinbase| coinbase.input[0].script_sig = ScriptBuf::from_bytes(wrong));
    Gen::refresh(&mut bad_height);
    g.store("bad_height", bad_height);
    g.rejected("bad_height", "bad-cb-height");

    // b100 -> overpay (coinbase claims one zat more than the subsidy)
    let mut overpay = g.next("overpay", "b100", Vec::new());
    overpay.txdata[0].modify(|coinbase| coinbase.output[0].value += Amount::from_sat(1));
    Gen::refresh(&mut overpay);
    g.store("overpay", overpay);
    g.rejected("overpay", "bad-cb-amount");

    // b100 -> premature (spends b100's own coinbase, 1 deep)
    let young = g.coinbase_out("b100");
    let tx = g.spend(std::slice::from_ref(&young), vec![g.pay(COIN)]);
    g.next("premature", "b100", vec![tx]);
    g.rejected("premature", "bad-txns-premature-spend-of-coinbase");

    // b100 -> mature (spends b1's coinbase, 100 deep): accepted
    let old = g.coinbase_out("b1");
    let tx = g.spend(&[old], vec![g.pay(4 * COIN)]);
    g.next("mature", "b100", vec![tx]);
    g.accepted("mature");
}

#[test]
fn spending_rules() {
    let mut g = matured();
    let coin = g.coinbase_out("b1");
    // Two transactions spending the same coin in one block.
    let a = g.spend(std::slice::from_ref(&coin), vec![g.pay(COIN)]);
    let b = g.spend(std::slice::from_ref(&coin), vec![g.pay(2 * COIN)]);
    g.next("double", "b100", vec![a.clone(), b]);
    g.rejected("double", "bad-txns-inputs-missingorspent");
    // One transaction naming the same input twice.
    let dup = g.spend(&[coin.clone(), coin.clone()], vec![g.pay(COIN)]);
    g.next("dup_inputs", "b100", vec![dup]);
    g.rejected("dup_inputs", "bad-txns-inputs-duplicate");
    // Outputs above inputs.
    let greedy = g.spend(std::slice::from_ref(&coin), vec![g.pay(5 * COIN)]);
    g.next("greedy", "b100", vec![greedy]);
    g.rejected("greedy", "bad-txns-in-belowout");
    // A missing input.
    let mut ghost = coin.clone();
    ghost.0.vout = 7;
    let missing = g.spend(&[ghost], vec![g.pay(COIN)]);
    g.next("missing", "b100", vec![missing]);
    g.rejected("missing", "bad-txns-inputs-missingorspent");
    // A bad signature names the script error.
    let mut forged = a.clone();
    forged.output[0].value = Amount::from_sat(COIN + 1);
    g.next("forged", "b100", vec![forged]);
    g.rejected(
        "forged",
        "mandatory-script-verify-flag-failed (Script evaluated without error but finished with a false/empty top stack element)",
    );
    // A chain of spends inside one block is fine.
    let first = g.spend(&[coin], vec![g.pay(4 * COIN)]);
    let child = g.spend(
        &[(primitives::OutPoint { txid: first.txid(), vout: 0 }, first.output[0].clone())],
        vec![g.pay(3 * COIN)],
    );
    g.next("chain", "b100", vec![first, child]);
    g.accepted("chain");
}

#[test]
fn locktime_rules() {
    let mut g = matured();
    let coin = g.coinbase_out("b1");
    // BIP68: a relative lock of 200 blocks on a coin 100 deep.
    let relative =
        g.spend_with(std::slice::from_ref(&coin), vec![g.pay(COIN)], |tx| tx.input[0].sequence = Sequence(200));
    g.next("relative", "b100", vec![relative]);
    g.rejected("relative", "bad-txns-nonfinal");
    // BIP68 by time: 512 s units, far beyond the coin's age.
    let timed = g.spend_with(std::slice::from_ref(&coin), vec![g.pay(COIN)], |tx| {
        tx.input[0].sequence = Sequence((1 << 22) | 1000)
    });
    g.next("relative_time", "b100", vec![timed]);
    g.rejected("relative_time", "bad-txns-nonfinal");
    // BIP113: an absolute time lock in the future of the median time past.
    let mtp = g.node.chain.median_time_past(100) as u32;
    let absolute = g.spend_with(std::slice::from_ref(&coin), vec![g.pay(COIN)], |tx| {
        tx.lock_time = mtp + 10_000;
        tx.input[0].sequence = Sequence(0xffff_fffe);
    });
    g.next("absolute", "b100", vec![absolute]);
    g.rejected("absolute", "bad-txns-nonfinal");
    // A relative lock that has passed (50 blocks on a coin 100 deep).
    let ok = g.spend_with(&[coin], vec![g.pay(COIN)], |tx| tx.input[0].sequence = Sequence(50));
    g.next("relative_ok", "b100", vec![ok]);
    g.accepted("relative_ok");
}

#[test]
fn structure_rules() {
    let mut g = matured();
    // Wrong merkle root.
    let mut bad_root = g.next("bad_root", "b100", Vec::new());
    bad_root.header.merkle_root = primitives::TxMerkleNode::from_raw_hash(bad_root.txdata[0].wtxid().to_raw_hash());
    Gen::solve(&mut bad_root);
    g.store("bad_root", bad_root);
    g.rejected("bad_root", "bad-txnmrklroot");
    // CVE-2012-2459: the last transaction repeated gives the same root.
    let coin = g.coinbase_out("b1");
    let a = g.spend(&[coin], vec![g.pay(COIN)]);
    let b = g.spend(&[g.coinbase_out("m0")], vec![g.pay(COIN)]);
    let mut mutated = g.next("mutated", "b100", vec![a, b.clone()]);
    mutated.txdata.push(b.into());
    Gen::solve(&mut mutated);
    g.store("mutated", mutated);
    g.rejected("mutated", "bad-txns-duplicate");
    // Witness commitment that does not match.
    let mut bad_commitment =
        g.next("bad_commitment", "b100", vec![g.spend(&[g.coinbase_out("m1")], vec![g.pay(COIN)])]);
    let index = bad_commitment.witness_commitment_index().unwrap();
    bad_commitment.txdata[0].modify(|coinbase| {
        coinbase.output[index].script_pubkey = primitives::block::witness_commitment_script(&[7; 32])
    });
    bad_commitment.header.merkle_root = bad_commitment.compute_merkle_root().0;
    Gen::solve(&mut bad_commitment);
    g.store("bad_commitment", bad_commitment);
    g.rejected("bad_commitment", "bad-witness-merkle-match");
    // Legacy sigops: 20,001 OP_CHECKSIG in an output script.
    let sigops = TxOut { value: Amount::ZERO, script_pubkey: ScriptBuf::from_bytes(vec![0xac; 20_001]) };
    let heavy = g.spend(&[g.coinbase_out("m2")], vec![g.pay(COIN), sigops]);
    g.next("sigops", "b100", vec![heavy]);
    g.rejected("sigops", "bad-blk-sigops");
    // Weight: 760 kB of base data and 1 MB of witness.
    let filler =
        TxOut { value: Amount::ZERO, script_pubkey: ScriptBuf::from_bytes([vec![0x6a], vec![0x51; 760_000]].concat()) };
    let mut fat = g.spend(&[g.coinbase_out("m3")], vec![g.pay(COIN), filler]);
    fat.input[0].witness = Witness::from_slice(&vec![vec![0u8; 500]; 2_100]);
    g.next("overweight", "b100", vec![fat]);
    g.rejected("overweight", "bad-blk-weight");
    // No transactions after the coinbase is fine.
    g.next("empty", "b100", Vec::new());
    g.accepted("empty");
}

#[test]
fn header_rules() {
    let mut g = matured();
    let mtp = g.node.chain.median_time_past(100) as u32;
    let mut old = g.next("too_old", "b100", Vec::new());
    old.header.time = mtp;
    Gen::solve(&mut old);
    g.store("too_old", old);
    g.rejected("too_old", "time-too-old");
    let mut new = g.next("too_new", "b100", Vec::new());
    new.header.time = (g.now + 601) as u32;
    Gen::solve(&mut new);
    g.store("too_new", new);
    g.rejected("too_new", "time-too-new");
    let mut bad_algo = g.next("bad_algo", "b100", Vec::new());
    bad_algo.header.version = HeaderVersion::from_consensus(0x2000_0000 | 5 << 9);
    bad_algo.header.nonce = 0;
    g.store("bad_algo", bad_algo);
    g.rejected("bad_algo", "bad-algo");
    let mut bad_bits = g.next("bad_bits", "b100", Vec::new());
    bad_bits.header.bits = primitives::CompactTarget::from_consensus(0x207ffffe);
    Gen::solve(&mut bad_bits);
    g.store("bad_bits", bad_bits);
    g.rejected("bad_bits", "bad-diffbits");
    let mut high = g.next("high_hash", "b100", Vec::new());
    while consensus::check_proof_of_work(&high.header, &g.params).is_ok() {
        high.header.nonce += 1;
    }
    g.store("high_hash", high);
    g.rejected("high_hash", "high-hash");
    // Six blocks of one algorithm in a row are allowed, the seventh is not.
    let mut parent = "b100".to_string();
    for i in 0..7 {
        let name = format!("run{i}");
        let mut block = g.next(&name, &parent, Vec::new());
        block.header.version = HeaderVersion::from_consensus(PowAlgo::Skein.block_version());
        block.header.bits = primitives::CompactTarget::from_consensus(g.node.chain.next_bits(PowAlgo::Skein));
        Gen::solve(&mut block);
        g.store(&name, block);
        if i < 6 {
            g.accepted(&name);
        } else {
            g.rejected(&name, "algo-toomany");
        }
        parent = name;
    }
}
