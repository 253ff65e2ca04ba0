//! Script-path spends of random tapscripts, checked against rust-bitcoin.
//!
//! rust-bitcoin has no script interpreter, so the target compares the
//! interpreter with it on everything rust-bitcoin does decide:
//! - the control block: whether it commits the leaf to the output key
//!   (`ControlBlock::verify_taproot_commitment`), with random corruption;
//! - the leaf version: unknown versions succeed, or fail with
//!   DISCOURAGE_UPGRADABLE_TAPROOT_VERSION under the policy flag;
//! - the OP_SUCCESSx scan: rust-bitcoin's instruction decoder and its
//!   tapscript opcode classes decide success, BAD_OPCODE or
//!   DISCOURAGE_OP_SUCCESS before anything executes;
//! - signatures: a `<key> OP_CHECKSIG` leaf signed over rust-bitcoin's
//!   BIP341 script-path message (any hash type, annex, transaction shape)
//!   must verify exactly when rust-bitcoin could compute that message;
//! and every other script must run to a result without panicking.
#![no_main]

use bitcoin::hashes::Hash;
use bitcoin::key::TapTweak;
use bitcoin::opcodes::{Class, ClassifyContext};
use bitcoin::script::Instruction;
use bitcoin::secp256k1::{Keypair, Message, Secp256k1, SecretKey};
use bitcoin::sighash::{Annex, Prevouts, SighashCache, TapSighashType};
use bitcoin::taproot::{ControlBlock, LeafVersion, TapLeafHash, TapNodeHash};
use libfuzzer_sys::fuzz_target;
use primitives::{Amount, OutPoint, ScriptBuf, Sequence, Transaction, TxIn, TxOut, Witness};
use script::checker::TransactionChecker;
use script::{verify_script, PrecomputedTransactionData, ScriptError, VerifyFlags};

/// Reads the fuzzer's bytes front to back, with zeros once they run out.
struct Bytes<'a>(&'a [u8]);

impl<'a> Bytes<'a> {
    fn byte(&mut self) -> u8 {
        let (first, rest) = self.0.split_first().map_or((0, &[][..]), |(f, r)| (*f, r));
        self.0 = rest;
        first
    }
    fn take(&mut self, n: usize) -> &'a [u8] {
        let (head, rest) = self.0.split_at(n.min(self.0.len()));
        self.0 = rest;
        head
    }
    fn array32(&mut self) -> [u8; 32] {
        let mut out = [0u8; 32];
        let head = self.take(32);
        out[..head.len()].copy_from_slice(head);
        out
    }
}

const TAPSCRIPT: u8 = 0xc0;

fuzz_target!(|data: &[u8]| {
    let secp = Secp256k1::new();
    let mut input = Bytes(data);
    let mode = input.byte();
    let (with_annex, corrupt, signature_mode, policy) = (mode & 1 != 0, mode & 2 != 0, mode & 4 != 0, mode & 8 != 0);
    let leaf_version = if mode & 16 != 0 { input.byte() & 0xfe } else { TAPSCRIPT };
    let depth = usize::from(input.byte() % 4);
    let hash_type = input.byte();
    let corrupt_bit = usize::from(input.byte()) | usize::from(input.byte()) << 8;
    let shape = input.byte();
    let mut seed = input.array32();
    seed[0] |= 1; // never zero: a valid secret key with overwhelming odds
    let Ok(secret) = SecretKey::from_slice(&seed) else { return };
    let keypair = Keypair::from_secret_key(&secp, &secret);
    let (xonly, _) = keypair.x_only_public_key();
    let siblings: Vec<[u8; 32]> = (0..depth).map(|_| input.array32()).collect();
    let leaf: Vec<u8> = if signature_mode {
        [&[0x20][..], &xonly.serialize(), &[0xac]].concat()
    } else {
        let len = usize::from(input.byte());
        input.take(len).to_vec()
    };
    let annex = with_annex.then(|| {
        let len = usize::from(input.byte() % 40);
        [&[0x50][..], input.take(len)].concat()
    });
    let extra_stack: Vec<Vec<u8>> = input.0.chunks(33).map(<[u8]>::to_vec).collect();

    // The output key and control block, built with rust-bitcoin.
    let Ok(version) = LeafVersion::from_consensus(leaf_version) else { return };
    let leaf_script = bitcoin::ScriptBuf::from_bytes(leaf.clone());
    let leaf_hash = TapLeafHash::from_script(&leaf_script, version);
    assert_eq!(
        script::taproot::tap_leaf_hash(leaf_version, &leaf),
        leaf_hash.to_byte_array(),
        "leaf hash of version {leaf_version:#x}"
    );
    let mut node = TapNodeHash::from(leaf_hash);
    for sibling in &siblings {
        node = TapNodeHash::from_node_hashes(node, TapNodeHash::from_byte_array(*sibling));
    }
    let (output_key, parity) = xonly.tap_tweak(&secp, Some(node));
    let mut control = vec![leaf_version | parity.to_u8()];
    control.extend_from_slice(&xonly.serialize());
    for sibling in &siblings {
        control.extend_from_slice(sibling);
    }
    if corrupt {
        let bit = corrupt_bit % (control.len() * 8);
        control[bit / 8] ^= 1 << (bit % 8);
    }
    let script_pubkey = [&[0x51, 0x20][..], &output_key.to_x_only_public_key().serialize()].concat();

    // A transaction of one to three inputs (ours first) and zero to two outputs.
    let inputs = 1 + usize::from(shape % 3);
    let outputs = usize::from((shape >> 2) % 3);
    let mut spent = vec![TxOut { value: Amount::from_sat(50_000), script_pubkey: ScriptBuf::from_bytes(script_pubkey.clone()) }];
    for i in 1..inputs {
        spent.push(TxOut {
            value: Amount::from_sat(1000 * i as u64),
            script_pubkey: ScriptBuf::from_bytes([&[0x00, 0x14][..], &[i as u8; 20]].concat()),
        });
    }
    let mut tx = Transaction {
        version: 2,
        input: (0..inputs)
            .map(|i| TxIn {
                previous_output: OutPoint { txid: Hash::from_byte_array([i as u8 + 1; 32]), vout: i as u32 },
                script_sig: ScriptBuf::new(),
                sequence: Sequence(0xffff_fffd - u32::from(shape >> 4)),
                witness: Witness::new(),
            })
            .collect(),
        output: (0..outputs)
            .map(|i| TxOut { value: Amount::from_sat(700 + i as u64), script_pubkey: ScriptBuf::from_bytes(vec![0x51]) })
            .collect(),
        announcement: None,
        lock_time: u32::from(shape),
    };

    // In signature mode the stack is one signature over rust-bitcoin's message.
    let mut expect_signature: Option<Result<(), ScriptError>> = None;
    let stack: Vec<Vec<u8>> = if signature_mode {
        let theirs: bitcoin::Transaction = bitcoin::consensus::deserialize(&tx.serialize()).expect("our encoding is Bitcoin's");
        let prevouts: Vec<bitcoin::TxOut> = spent
            .iter()
            .map(|o| bitcoin::TxOut { value: bitcoin::Amount::from_sat(o.value.to_sat()), script_pubkey: bitcoin::ScriptBuf::from_bytes(o.script_pubkey.to_bytes()) })
            .collect();
        let explicit_default = hash_type == 0 && mode & 32 != 0;
        let message = TapSighashType::from_consensus_u8(hash_type).ok().filter(|_| !explicit_default).and_then(|t| {
            let annex = annex.as_deref().map(|a| Annex::new(a).expect("starts with 0x50"));
            SighashCache::new(&theirs)
                .taproot_signature_hash(0, &Prevouts::All(&prevouts), annex, Some((leaf_hash, 0xffff_ffff)), t)
                .ok()
        });
        expect_signature = Some(if message.is_some() { Ok(()) } else { Err(ScriptError::SchnorrSigHashtype) });
        let digest = message.map_or([7u8; 32], |m| m.to_byte_array());
        let mut sig = secp.sign_schnorr_no_aux_rand(&Message::from_digest(digest), &keypair).serialize().to_vec();
        if hash_type != 0 || explicit_default {
            sig.push(hash_type);
        }
        vec![sig]
    } else {
        extra_stack
    };
    let mut witness = stack;
    witness.push(leaf.clone());
    witness.push(control.clone());
    if let Some(annex) = &annex {
        witness.push(annex.clone());
    }
    tx.input[0].witness = Witness::from_slice(&witness);

    let flags = if policy {
        VerifyFlags::consensus()
            | VerifyFlags::DISCOURAGE_UPGRADABLE_TAPROOT_VERSION
            | VerifyFlags::DISCOURAGE_OP_SUCCESS
            | VerifyFlags::DISCOURAGE_UPGRADABLE_PUBKEYTYPE
    } else {
        VerifyFlags::consensus()
    };
    let pre = PrecomputedTransactionData::with_spent(&tx, &spent);
    let checker = TransactionChecker { tx: &tx, input: 0, amount: 50_000, precomputed: &pre, cache: None };
    let ours = verify_script(&[], &script_pubkey, &witness, flags, &checker);

    // What rust-bitcoin decides. A control block corrupted into starting
    // with the annex tag is taken for an annex, as it must be: nothing to compare.
    if control.first().is_some_and(|b| b & 0xfe == 0x50) {
        return;
    }
    if control.len() < 33 || (control.len() - 33) % 32 != 0 || control.len() > 33 + 128 * 32 {
        assert_eq!(ours, Err(ScriptError::TaprootWrongControlSize));
        return;
    }
    let committed = match ControlBlock::decode(&control) {
        Ok(block) => block.verify_taproot_commitment(&secp, output_key.to_x_only_public_key(), &leaf_script),
        // An internal key off the curve (the only decoding failure left) never commits.
        Err(_) => false,
    };
    if !committed {
        assert_eq!(ours, Err(ScriptError::WitnessProgramMismatch), "control block does not commit");
        return;
    }
    if control[0] & 0xfe != TAPSCRIPT {
        let expected = if policy { Err(ScriptError::DiscourageUpgradableTaprootVersion) } else { Ok(()) };
        assert_eq!(ours, expected, "unknown leaf version {:#x}", control[0] & 0xfe);
        return;
    }
    for instruction in leaf_script.instructions() {
        match instruction {
            Err(_) => {
                assert_eq!(ours, Err(ScriptError::BadOpcode), "undecodable tapscript");
                return;
            }
            Ok(Instruction::Op(op)) if op.classify(ClassifyContext::TapScript) == Class::SuccessOp => {
                let expected = if policy { Err(ScriptError::DiscourageOpSuccess) } else { Ok(()) };
                assert_eq!(ours, expected, "OP_SUCCESS {op:?}");
                return;
            }
            Ok(_) => {}
        }
    }
    if let Some(expected) = expect_signature {
        assert_eq!(ours, expected, "CHECKSIG over rust-bitcoin's message, hash type {hash_type:#x}");
    }
});
