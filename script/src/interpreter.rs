//! Core's `EvalScript` and `VerifyScript`, for legacy, P2SH and segwit v0.

use bitcoin::hashes::{hash160, ripemd160, sha1, sha256, sha256d, Hash};

use crate::checker::SignatureChecker;
use crate::error::ScriptError;
use crate::flags::VerifyFlags;
use crate::num::{cast_to_bool, decode, encode, to_i32};
use crate::opcodes::*;
use crate::{MAX_OPS_PER_SCRIPT, MAX_PUBKEYS_PER_MULTISIG, MAX_SCRIPT_ELEMENT_SIZE, MAX_SCRIPT_SIZE, MAX_STACK_SIZE};

/// Which rules a script runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigVersion {
    Base,
    WitnessV0,
    /// BIP342 (taproot script path, leaf version 0xc0).
    Tapscript,
}

/// What a taproot spend carries into its signature checks (Core's
/// `ScriptExecutionData`).
#[derive(Debug, Clone, Default)]
pub struct TaprootExec {
    pub annex: Option<Vec<u8>>,
    /// The leaf and the last executed OP_CODESEPARATOR; `None` on the key path.
    pub script_path: Option<crate::taproot::ScriptPath>,
    /// Tapscript's signature budget: 50 + the witness size, 50 per signature checked.
    pub validation_weight_left: i64,
}

/// Weight of each non-empty signature a tapscript checks (BIP342).
const VALIDATION_WEIGHT_PER_SIGOP: i64 = 50;
const VALIDATION_WEIGHT_OFFSET: i64 = 50;

type Stack = Vec<Vec<u8>>;

const SEQUENCE_LOCKTIME_DISABLE_FLAG: i64 = 1 << 31;

fn top(stack: &Stack, depth: usize) -> Result<&Vec<u8>, ScriptError> {
    stack.len().checked_sub(depth).and_then(|i| stack.get(i)).ok_or(ScriptError::InvalidStackOperation)
}

fn pop(stack: &mut Stack) -> Result<Vec<u8>, ScriptError> {
    stack.pop().ok_or(ScriptError::InvalidStackOperation)
}

fn need(stack: &Stack, n: usize) -> Result<(), ScriptError> {
    if stack.len() < n {
        Err(ScriptError::InvalidStackOperation)
    } else {
        Ok(())
    }
}

fn boolean(value: bool) -> Vec<u8> {
    if value {
        vec![1]
    } else {
        Vec::new()
    }
}

/// Core's `CheckMinimalPush`.
fn is_minimal_push(data: &[u8], opcode: u8) -> bool {
    match data.len() {
        0 => opcode == OP_0,
        1 if (1..=16).contains(&data[0]) => opcode == OP_1 + data[0] - 1,
        1 if data[0] == 0x81 => opcode == OP_1NEGATE,
        n if n <= 75 => usize::from(opcode) == n,
        n if n <= 255 => opcode == OP_PUSHDATA1,
        n if n <= 65535 => opcode == OP_PUSHDATA2,
        _ => true,
    }
}

fn is_disabled(opcode: u8) -> bool {
    matches!(
        opcode,
        OP_CAT
            | OP_SUBSTR
            | OP_LEFT
            | OP_RIGHT
            | OP_INVERT
            | OP_AND
            | OP_OR
            | OP_XOR
            | OP_2MUL
            | OP_2DIV
            | OP_MUL
            | OP_DIV
            | OP_MOD
            | OP_LSHIFT
            | OP_RSHIFT
    )
}

/// BIP66 strict DER (with the hash type byte at the end).
pub fn is_valid_signature_encoding(sig: &[u8]) -> bool {
    let len = sig.len();
    if !(9..=73).contains(&len) || sig[0] != 0x30 || usize::from(sig[1]) != len - 3 {
        return false;
    }
    let len_r = usize::from(sig[3]);
    if 5 + len_r >= len {
        return false;
    }
    let len_s = usize::from(sig[5 + len_r]);
    if len_r + len_s + 7 != len {
        return false;
    }
    if sig[2] != 0x02 || len_r == 0 || sig[4] & 0x80 != 0 {
        return false;
    }
    if len_r > 1 && sig[4] == 0 && sig[5] & 0x80 == 0 {
        return false;
    }
    if sig[len_r + 4] != 0x02 || len_s == 0 || sig[len_r + 6] & 0x80 != 0 {
        return false;
    }
    if len_s > 1 && sig[len_r + 6] == 0 && sig[len_r + 7] & 0x80 == 0 {
        return false;
    }
    true
}

fn is_low_der_signature(sig: &[u8]) -> Result<bool, ScriptError> {
    if !is_valid_signature_encoding(sig) {
        return Err(ScriptError::SigDer);
    }
    let der = &sig[..sig.len() - 1];
    let Ok(parsed) = bitcoin::secp256k1::ecdsa::Signature::from_der_lax(der) else {
        return Ok(false);
    };
    let mut normalized = parsed;
    normalized.normalize_s();
    Ok(normalized == parsed)
}

fn is_defined_hashtype(sig: &[u8]) -> bool {
    match sig.last() {
        Some(b) => matches!(b & !0x80, 1..=3),
        None => false,
    }
}

/// Core's `CheckSignatureEncoding`.
fn check_signature_encoding(sig: &[u8], flags: VerifyFlags) -> Result<(), ScriptError> {
    if sig.is_empty() {
        return Ok(());
    }
    if flags.intersects(VerifyFlags::DERSIG | VerifyFlags::LOW_S | VerifyFlags::STRICTENC)
        && !is_valid_signature_encoding(sig)
    {
        return Err(ScriptError::SigDer);
    }
    if flags.contains(VerifyFlags::LOW_S) && !is_low_der_signature(sig)? {
        return Err(ScriptError::SigHighS);
    }
    if flags.contains(VerifyFlags::STRICTENC) && !is_defined_hashtype(sig) {
        return Err(ScriptError::SigHashtype);
    }
    Ok(())
}

fn is_compressed_or_uncompressed(key: &[u8]) -> bool {
    match key.first() {
        Some(0x04) => key.len() == 65,
        Some(0x02) | Some(0x03) => key.len() == 33,
        _ => false,
    }
}

fn is_compressed(key: &[u8]) -> bool {
    key.len() == 33 && matches!(key[0], 0x02 | 0x03)
}

/// Core's `CheckPubKeyEncoding`.
fn check_pubkey_encoding(key: &[u8], flags: VerifyFlags, sigversion: SigVersion) -> Result<(), ScriptError> {
    if flags.contains(VerifyFlags::STRICTENC) && !is_compressed_or_uncompressed(key) {
        return Err(ScriptError::PubkeyType);
    }
    if flags.contains(VerifyFlags::WITNESS_PUBKEYTYPE) && sigversion == SigVersion::WitnessV0 && !is_compressed(key) {
        return Err(ScriptError::WitnessPubkeyType);
    }
    Ok(())
}

/// Core's `FindAndDelete`: removes every push of exactly `pattern` that starts
/// on an opcode boundary. Returns how many were removed.
pub fn find_and_delete(script: &mut Vec<u8>, pattern: &[u8]) -> usize {
    if pattern.is_empty() {
        return 0;
    }
    let mut result = Vec::with_capacity(script.len());
    let mut found = 0;
    let mut pc = 0;
    let mut pc2 = 0;
    loop {
        result.extend_from_slice(&script[pc2..pc]);
        while script.len() - pc >= pattern.len() && script[pc..pc + pattern.len()] == *pattern {
            pc += pattern.len();
            found += 1;
        }
        pc2 = pc;
        if next_op(script, &mut pc).is_none() {
            break;
        }
    }
    if found > 0 {
        result.extend_from_slice(&script[pc2..]);
        *script = result;
    }
    found
}

/// The IF/ELSE execution state (Core's `ConditionStack`).
#[derive(Default)]
struct Conditions {
    stack: Vec<bool>,
    first_false: Option<usize>,
}

impl Conditions {
    fn all_true(&self) -> bool {
        self.first_false.is_none()
    }
    fn push(&mut self, value: bool) {
        if !value && self.first_false.is_none() {
            self.first_false = Some(self.stack.len());
        }
        self.stack.push(value);
    }
    fn pop(&mut self) -> Result<(), ScriptError> {
        self.stack.pop().ok_or(ScriptError::UnbalancedConditional)?;
        if self.first_false == Some(self.stack.len()) {
            self.first_false = None;
        }
        Ok(())
    }
    fn toggle(&mut self) -> Result<(), ScriptError> {
        let last = self.stack.len().checked_sub(1).ok_or(ScriptError::UnbalancedConditional)?;
        self.stack[last] = !self.stack[last];
        match self.first_false {
            Some(i) if i == last => self.first_false = None,
            None => self.first_false = Some(last),
            Some(_) => {}
        }
        Ok(())
    }
}

/// Runs `script` on `stack` (Core's `EvalScript`).
pub fn eval_script(
    stack: &mut Stack,
    script: &[u8],
    flags: VerifyFlags,
    checker: &dyn SignatureChecker,
    sigversion: SigVersion,
) -> Result<(), ScriptError> {
    let mut exec = TaprootExec::default();
    eval(stack, script, flags, checker, sigversion, &mut exec)
}

/// BIP342's signature check: an empty signature is false; a non-empty one
/// must verify (or the script fails) and spends validation weight.
fn tapscript_checksig(
    sig: &[u8],
    pubkey: &[u8],
    flags: VerifyFlags,
    checker: &dyn SignatureChecker,
    exec: &mut TaprootExec,
) -> Result<bool, ScriptError> {
    let success = !sig.is_empty();
    if success {
        exec.validation_weight_left -= VALIDATION_WEIGHT_PER_SIGOP;
        if exec.validation_weight_left < 0 {
            return Err(ScriptError::TapscriptValidationWeight);
        }
    }
    match pubkey.len() {
        0 => return Err(ScriptError::TapscriptEmptyPubkey),
        32 => {
            let key: &[u8; 32] = pubkey.try_into().map_err(|_| ScriptError::TapscriptEmptyPubkey)?;
            if success && !checker.check_schnorr_signature(sig, key, exec)? {
                return Err(ScriptError::SchnorrSig);
            }
        }
        _ => {
            if flags.contains(VerifyFlags::DISCOURAGE_UPGRADABLE_PUBKEYTYPE) {
                return Err(ScriptError::DiscourageUpgradablePubkeytype);
            }
        }
    }
    Ok(success)
}

fn eval(
    stack: &mut Stack,
    script: &[u8],
    flags: VerifyFlags,
    checker: &dyn SignatureChecker,
    sigversion: SigVersion,
    exec: &mut TaprootExec,
) -> Result<(), ScriptError> {
    let tapscript = sigversion == SigVersion::Tapscript;
    if script.len() > MAX_SCRIPT_SIZE && !tapscript {
        return Err(ScriptError::ScriptSize);
    }
    let mut opcode_pos: u32 = 0;
    let require_minimal = flags.contains(VerifyFlags::MINIMALDATA);
    let mut pc = 0usize;
    let mut code_start = 0usize;
    let mut conditions = Conditions::default();
    let mut altstack: Stack = Vec::new();
    let mut op_count = 0usize;
    let num = |data: &[u8]| decode(data, require_minimal, 4);

    while pc < script.len() {
        let executing = conditions.all_true();
        let op = next_op(script, &mut pc).ok_or(ScriptError::BadOpcode)?;
        let opcode = op.opcode;
        let this_pos = opcode_pos;
        opcode_pos = opcode_pos.wrapping_add(1);
        if op.data.len() > MAX_SCRIPT_ELEMENT_SIZE {
            return Err(ScriptError::PushSize);
        }
        if opcode > OP_16 && !tapscript {
            op_count += 1;
            if op_count > MAX_OPS_PER_SCRIPT {
                return Err(ScriptError::OpCount);
            }
        }
        if is_disabled(opcode) {
            return Err(ScriptError::DisabledOpcode);
        }
        if opcode == OP_CODESEPARATOR && sigversion == SigVersion::Base && flags.contains(VerifyFlags::CONST_SCRIPTCODE)
        {
            return Err(ScriptError::OpCodeSeparator);
        }

        if executing && opcode <= OP_PUSHDATA4 {
            if require_minimal && !is_minimal_push(op.data, opcode) {
                return Err(ScriptError::MinimalData);
            }
            stack.push(op.data.to_vec());
        } else if executing || (OP_IF..=OP_ENDIF).contains(&opcode) {
            match opcode {
                OP_1NEGATE | OP_1..=OP_16 => {
                    let n = i64::from(opcode) - i64::from(OP_1 - 1);
                    stack.push(encode(n));
                }
                OP_NOP => {}
                OP_CHECKLOCKTIMEVERIFY => {
                    if !flags.contains(VerifyFlags::CHECKLOCKTIMEVERIFY) {
                        if flags.contains(VerifyFlags::DISCOURAGE_UPGRADABLE_NOPS) {
                            return Err(ScriptError::DiscourageUpgradableNops);
                        }
                    } else {
                        let lock_time = decode(top(stack, 1)?, require_minimal, 5)?;
                        if lock_time < 0 {
                            return Err(ScriptError::NegativeLocktime);
                        }
                        if !checker.check_lock_time(lock_time) {
                            return Err(ScriptError::UnsatisfiedLocktime);
                        }
                    }
                }
                OP_CHECKSEQUENCEVERIFY => {
                    if !flags.contains(VerifyFlags::CHECKSEQUENCEVERIFY) {
                        if flags.contains(VerifyFlags::DISCOURAGE_UPGRADABLE_NOPS) {
                            return Err(ScriptError::DiscourageUpgradableNops);
                        }
                    } else {
                        let sequence = decode(top(stack, 1)?, require_minimal, 5)?;
                        if sequence < 0 {
                            return Err(ScriptError::NegativeLocktime);
                        }
                        if sequence & SEQUENCE_LOCKTIME_DISABLE_FLAG == 0 && !checker.check_sequence(sequence) {
                            return Err(ScriptError::UnsatisfiedLocktime);
                        }
                    }
                }
                OP_NOP1 | OP_NOP4..=OP_NOP10 => {
                    if flags.contains(VerifyFlags::DISCOURAGE_UPGRADABLE_NOPS) {
                        return Err(ScriptError::DiscourageUpgradableNops);
                    }
                }
                OP_IF | OP_NOTIF => {
                    let mut value = false;
                    if executing {
                        let condition = stack.last().ok_or(ScriptError::InvalidStackOperation)?;
                        let not_minimal = condition.len() > 1 || (condition.len() == 1 && condition[0] != 1);
                        // Consensus in tapscript; policy (MINIMALIF) in segwit v0.
                        if tapscript && not_minimal {
                            return Err(ScriptError::TapscriptMinimalif);
                        }
                        let minimal_if = sigversion == SigVersion::WitnessV0 && flags.contains(VerifyFlags::MINIMALIF);
                        if minimal_if && not_minimal {
                            return Err(ScriptError::MinimalIf);
                        }
                        value = cast_to_bool(condition);
                        if opcode == OP_NOTIF {
                            value = !value;
                        }
                        stack.pop();
                    }
                    conditions.push(value);
                }
                OP_ELSE => conditions.toggle()?,
                OP_ENDIF => conditions.pop()?,
                OP_VERIFY => {
                    if cast_to_bool(top(stack, 1)?) {
                        stack.pop();
                    } else {
                        return Err(ScriptError::Verify);
                    }
                }
                OP_RETURN => return Err(ScriptError::OpReturn),
                OP_TOALTSTACK => altstack.push(pop(stack)?),
                OP_FROMALTSTACK => stack.push(altstack.pop().ok_or(ScriptError::InvalidAltstackOperation)?),
                OP_2DROP => {
                    need(stack, 2)?;
                    stack.truncate(stack.len() - 2);
                }
                OP_2DUP => {
                    need(stack, 2)?;
                    let (a, b) = (top(stack, 2)?.clone(), top(stack, 1)?.clone());
                    stack.push(a);
                    stack.push(b);
                }
                OP_3DUP => {
                    need(stack, 3)?;
                    let items = stack[stack.len() - 3..].to_vec();
                    stack.extend(items);
                }
                OP_2OVER => {
                    need(stack, 4)?;
                    let items = stack[stack.len() - 4..stack.len() - 2].to_vec();
                    stack.extend(items);
                }
                OP_2ROT => {
                    need(stack, 6)?;
                    let start = stack.len() - 6;
                    let items: Vec<Vec<u8>> = stack.drain(start..start + 2).collect();
                    stack.extend(items);
                }
                OP_2SWAP => {
                    need(stack, 4)?;
                    let n = stack.len();
                    stack.swap(n - 4, n - 2);
                    stack.swap(n - 3, n - 1);
                }
                OP_IFDUP => {
                    let item = top(stack, 1)?;
                    if cast_to_bool(item) {
                        let item = item.clone();
                        stack.push(item);
                    }
                }
                OP_DEPTH => stack.push(encode(stack.len() as i64)),
                OP_DROP => {
                    pop(stack)?;
                }
                OP_DUP => {
                    let item = top(stack, 1)?.clone();
                    stack.push(item);
                }
                OP_NIP => {
                    need(stack, 2)?;
                    let n = stack.len();
                    stack.remove(n - 2);
                }
                OP_OVER => {
                    let item = top(stack, 2)?.clone();
                    stack.push(item);
                }
                OP_PICK | OP_ROLL => {
                    need(stack, 2)?;
                    let n = to_i32(num(top(stack, 1)?)?);
                    stack.pop();
                    if n < 0 || n as usize >= stack.len() {
                        return Err(ScriptError::InvalidStackOperation);
                    }
                    let index = stack.len() - 1 - n as usize;
                    let item = if opcode == OP_ROLL { stack.remove(index) } else { stack[index].clone() };
                    stack.push(item);
                }
                OP_ROT => {
                    need(stack, 3)?;
                    let n = stack.len();
                    let item = stack.remove(n - 3);
                    stack.push(item);
                }
                OP_SWAP => {
                    need(stack, 2)?;
                    let n = stack.len();
                    stack.swap(n - 2, n - 1);
                }
                OP_TUCK => {
                    need(stack, 2)?;
                    let item = top(stack, 1)?.clone();
                    let n = stack.len();
                    stack.insert(n - 2, item);
                }
                OP_SIZE => {
                    let size = top(stack, 1)?.len();
                    stack.push(encode(size as i64));
                }
                OP_EQUAL | OP_EQUALVERIFY => {
                    need(stack, 2)?;
                    let b = pop(stack)?;
                    let a = pop(stack)?;
                    let equal = a == b;
                    if opcode == OP_EQUALVERIFY {
                        if !equal {
                            return Err(ScriptError::EqualVerify);
                        }
                    } else {
                        stack.push(boolean(equal));
                    }
                }
                OP_1ADD | OP_1SUB | OP_NEGATE | OP_ABS | OP_NOT | OP_0NOTEQUAL => {
                    let n = num(top(stack, 1)?)?;
                    let result = match opcode {
                        OP_1ADD => n + 1,
                        OP_1SUB => n - 1,
                        OP_NEGATE => -n,
                        OP_ABS => n.abs(),
                        OP_NOT => i64::from(n == 0),
                        _ => i64::from(n != 0),
                    };
                    stack.pop();
                    stack.push(encode(result));
                }
                OP_ADD
                | OP_SUB
                | OP_BOOLAND
                | OP_BOOLOR
                | OP_NUMEQUAL
                | OP_NUMEQUALVERIFY
                | OP_NUMNOTEQUAL
                | OP_LESSTHAN
                | OP_GREATERTHAN
                | OP_LESSTHANOREQUAL
                | OP_GREATERTHANOREQUAL
                | OP_MIN
                | OP_MAX => {
                    need(stack, 2)?;
                    let a = num(top(stack, 2)?)?;
                    let b = num(top(stack, 1)?)?;
                    let result = match opcode {
                        OP_ADD => a + b,
                        OP_SUB => a - b,
                        OP_BOOLAND => i64::from(a != 0 && b != 0),
                        OP_BOOLOR => i64::from(a != 0 || b != 0),
                        OP_NUMEQUAL | OP_NUMEQUALVERIFY => i64::from(a == b),
                        OP_NUMNOTEQUAL => i64::from(a != b),
                        OP_LESSTHAN => i64::from(a < b),
                        OP_GREATERTHAN => i64::from(a > b),
                        OP_LESSTHANOREQUAL => i64::from(a <= b),
                        OP_GREATERTHANOREQUAL => i64::from(a >= b),
                        OP_MIN => a.min(b),
                        _ => a.max(b),
                    };
                    stack.truncate(stack.len() - 2);
                    stack.push(encode(result));
                    if opcode == OP_NUMEQUALVERIFY {
                        if cast_to_bool(top(stack, 1)?) {
                            stack.pop();
                        } else {
                            return Err(ScriptError::NumEqualVerify);
                        }
                    }
                }
                OP_WITHIN => {
                    need(stack, 3)?;
                    let x = num(top(stack, 3)?)?;
                    let min = num(top(stack, 2)?)?;
                    let max = num(top(stack, 1)?)?;
                    stack.truncate(stack.len() - 3);
                    stack.push(boolean(min <= x && x < max));
                }
                OP_RIPEMD160 | OP_SHA1 | OP_SHA256 | OP_HASH160 | OP_HASH256 => {
                    let item = pop(stack)?;
                    let digest = match opcode {
                        OP_RIPEMD160 => ripemd160::Hash::hash(&item).to_byte_array().to_vec(),
                        OP_SHA1 => sha1::Hash::hash(&item).to_byte_array().to_vec(),
                        OP_SHA256 => sha256::Hash::hash(&item).to_byte_array().to_vec(),
                        OP_HASH160 => hash160::Hash::hash(&item).to_byte_array().to_vec(),
                        _ => sha256d::Hash::hash(&item).to_byte_array().to_vec(),
                    };
                    stack.push(digest);
                }
                OP_CODESEPARATOR => {
                    code_start = pc;
                    if let Some(path) = exec.script_path.as_mut() {
                        path.codesep_pos = this_pos;
                    }
                }
                OP_CHECKSIG | OP_CHECKSIGVERIFY if tapscript => {
                    need(stack, 2)?;
                    let sig = top(stack, 2)?.clone();
                    let pubkey = top(stack, 1)?.clone();
                    let success = tapscript_checksig(&sig, &pubkey, flags, checker, exec)?;
                    stack.truncate(stack.len() - 2);
                    if opcode == OP_CHECKSIGVERIFY {
                        if !success {
                            return Err(ScriptError::CheckSigVerify);
                        }
                    } else {
                        stack.push(boolean(success));
                    }
                }
                OP_CHECKSIGADD if tapscript => {
                    need(stack, 3)?;
                    let sig = top(stack, 3)?.clone();
                    let n = num(top(stack, 2)?)?;
                    let pubkey = top(stack, 1)?.clone();
                    let success = tapscript_checksig(&sig, &pubkey, flags, checker, exec)?;
                    stack.truncate(stack.len() - 3);
                    stack.push(encode(n + i64::from(success)));
                }
                OP_CHECKMULTISIG | OP_CHECKMULTISIGVERIFY if tapscript => {
                    return Err(ScriptError::TapscriptCheckmultisig);
                }
                OP_CHECKSIG | OP_CHECKSIGVERIFY => {
                    need(stack, 2)?;
                    let sig = top(stack, 2)?.clone();
                    let pubkey = top(stack, 1)?.clone();
                    let mut script_code = script[code_start..].to_vec();
                    if sigversion == SigVersion::Base {
                        let found = find_and_delete(&mut script_code, &push_bytes(&sig));
                        if found > 0 && flags.contains(VerifyFlags::CONST_SCRIPTCODE) {
                            return Err(ScriptError::SigFindAndDelete);
                        }
                    }
                    check_signature_encoding(&sig, flags)?;
                    check_pubkey_encoding(&pubkey, flags, sigversion)?;
                    let success = checker.check_ecdsa_signature(&sig, &pubkey, &script_code, sigversion)?;
                    if !success && flags.contains(VerifyFlags::NULLFAIL) && !sig.is_empty() {
                        return Err(ScriptError::NullFail);
                    }
                    stack.truncate(stack.len() - 2);
                    if opcode == OP_CHECKSIGVERIFY {
                        if !success {
                            return Err(ScriptError::CheckSigVerify);
                        }
                    } else {
                        stack.push(boolean(success));
                    }
                }
                OP_CHECKMULTISIG | OP_CHECKMULTISIGVERIFY => {
                    check_multisig(
                        stack,
                        script,
                        code_start,
                        &mut op_count,
                        flags,
                        checker,
                        sigversion,
                        opcode,
                        require_minimal,
                    )?;
                }
                _ => return Err(ScriptError::BadOpcode),
            }
        }
        if stack.len() + altstack.len() > MAX_STACK_SIZE {
            return Err(ScriptError::StackSize);
        }
    }
    if !conditions.stack.is_empty() {
        return Err(ScriptError::UnbalancedConditional);
    }
    Ok(())
}

/// OP_CHECKMULTISIG(VERIFY), step for step as Core.
#[allow(clippy::too_many_arguments)]
fn check_multisig(
    stack: &mut Stack,
    script: &[u8],
    code_start: usize,
    op_count: &mut usize,
    flags: VerifyFlags,
    checker: &dyn SignatureChecker,
    sigversion: SigVersion,
    opcode: u8,
    require_minimal: bool,
) -> Result<(), ScriptError> {
    let mut i = 1usize;
    need(stack, i)?;
    let mut keys = i64::from(to_i32(decode(top(stack, i)?, require_minimal, 4)?));
    if !(0..=MAX_PUBKEYS_PER_MULTISIG).contains(&keys) {
        return Err(ScriptError::PubkeyCount);
    }
    *op_count += keys as usize;
    if *op_count > MAX_OPS_PER_SCRIPT {
        return Err(ScriptError::OpCount);
    }
    i += 1;
    let mut ikey = i;
    // Keys still to pop that NULLFAIL does not look at.
    let mut ikey2 = keys as usize + 2;
    i += keys as usize;
    need(stack, i)?;
    let mut sigs = i64::from(to_i32(decode(top(stack, i)?, require_minimal, 4)?));
    if sigs < 0 || sigs > keys {
        return Err(ScriptError::SigCount);
    }
    i += 1;
    let mut isig = i;
    i += sigs as usize;
    need(stack, i)?;

    let mut script_code = script[code_start..].to_vec();
    for k in 0..sigs as usize {
        let sig = top(stack, isig + k)?.clone();
        if sigversion == SigVersion::Base {
            let found = find_and_delete(&mut script_code, &push_bytes(&sig));
            if found > 0 && flags.contains(VerifyFlags::CONST_SCRIPTCODE) {
                return Err(ScriptError::SigFindAndDelete);
            }
        }
    }

    let mut success = true;
    while success && sigs > 0 {
        let sig = top(stack, isig)?;
        let pubkey = top(stack, ikey)?;
        check_signature_encoding(sig, flags)?;
        check_pubkey_encoding(pubkey, flags, sigversion)?;
        if checker.check_ecdsa_signature(sig, pubkey, &script_code, sigversion)? {
            isig += 1;
            sigs -= 1;
        }
        ikey += 1;
        keys -= 1;
        if sigs > keys {
            success = false;
        }
    }

    // Pop the keys, signatures and counts (i - 1 items), checking NULLFAIL
    // on the signatures.
    while i > 1 {
        i -= 1;
        if !success && flags.contains(VerifyFlags::NULLFAIL) && ikey2 == 0 && !top(stack, 1)?.is_empty() {
            return Err(ScriptError::NullFail);
        }
        ikey2 = ikey2.saturating_sub(1);
        stack.pop();
    }
    // The extra item CHECKMULTISIG has always consumed (BIP147: must be empty).
    let dummy = top(stack, 1)?;
    if flags.contains(VerifyFlags::NULLDUMMY) && !dummy.is_empty() {
        return Err(ScriptError::SigNullDummy);
    }
    stack.pop();
    if opcode == OP_CHECKMULTISIGVERIFY {
        if !success {
            return Err(ScriptError::CheckMultisigVerify);
        }
    } else {
        stack.push(boolean(success));
    }
    Ok(())
}

fn execute_witness_script(
    mut stack: Stack,
    script: &[u8],
    flags: VerifyFlags,
    checker: &dyn SignatureChecker,
) -> Result<(), ScriptError> {
    if stack.iter().any(|item| item.len() > MAX_SCRIPT_ELEMENT_SIZE) {
        return Err(ScriptError::PushSize);
    }
    eval_script(&mut stack, script, flags, checker, SigVersion::WitnessV0)?;
    if stack.len() != 1 {
        return Err(ScriptError::CleanStack);
    }
    if !cast_to_bool(&stack[0]) {
        return Err(ScriptError::EvalFalse);
    }
    Ok(())
}

fn verify_witness_program(
    witness: &[Vec<u8>],
    version: u8,
    program: &[u8],
    flags: VerifyFlags,
    checker: &dyn SignatureChecker,
    is_p2sh: bool,
) -> Result<(), ScriptError> {
    match (version, program.len()) {
        (0, 32) => {
            let (script, stack) = witness.split_last().ok_or(ScriptError::WitnessProgramWitnessEmpty)?;
            if sha256::Hash::hash(script).as_byte_array() != program {
                return Err(ScriptError::WitnessProgramMismatch);
            }
            execute_witness_script(stack.to_vec(), script, flags, checker)
        }
        (0, 20) => {
            if witness.len() != 2 {
                return Err(ScriptError::WitnessProgramMismatch);
            }
            let mut script = vec![OP_DUP, OP_HASH160, 20];
            script.extend_from_slice(program);
            script.extend_from_slice(&[OP_EQUALVERIFY, OP_CHECKSIG]);
            execute_witness_script(witness.to_vec(), &script, flags, checker)
        }
        (0, _) => Err(ScriptError::WitnessProgramWrongLength),
        (1, 32) if !is_p2sh && flags.contains(VerifyFlags::TAPROOT) => {
            let program: &[u8; 32] = program.try_into().map_err(|_| ScriptError::WitnessProgramMismatch)?;
            verify_taproot(witness, program, flags, checker)
        }
        // Without taproot rules a v1 program is anyone-can-spend, so policy's
        // discouragement applies to it as to every unenforced version (Core
        // reaches the same result because its policy flags include TAPROOT).
        _ => {
            if flags.contains(VerifyFlags::DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM) {
                Err(ScriptError::DiscourageUpgradableWitnessProgram)
            } else {
                Ok(())
            }
        }
    }
}

/// Serialized size of a witness stack (what the tapscript budget is based on).
fn witness_size(witness: &[Vec<u8>]) -> i64 {
    let compact = |n: usize| primitives::encode::compact_size_len(n as u64) as i64;
    compact(witness.len()) + witness.iter().map(|item| compact(item.len()) + item.len() as i64).sum::<i64>()
}

/// BIP341: a witness v1 32-byte program, by key path or script path.
fn verify_taproot(
    witness: &[Vec<u8>],
    program: &[u8; 32],
    flags: VerifyFlags,
    checker: &dyn SignatureChecker,
) -> Result<(), ScriptError> {
    let mut stack: Stack = witness.to_vec();
    if stack.is_empty() {
        return Err(ScriptError::WitnessProgramWitnessEmpty);
    }
    let mut exec = TaprootExec::default();
    if stack.len() >= 2 && stack.last().is_some_and(|a| a.first() == Some(&0x50)) {
        exec.annex = stack.pop();
    }
    if stack.len() == 1 {
        // Key path: one Schnorr signature by the output key.
        if !checker.check_schnorr_signature(&stack[0], program, &exec)? {
            return Err(ScriptError::SchnorrSig);
        }
        return Ok(());
    }
    let control = pop(&mut stack)?;
    let script = pop(&mut stack)?;
    const NODE: usize = 32;
    const MAX_DEPTH: usize = 128;
    if control.len() < 33 || control.len() > 33 + NODE * MAX_DEPTH || (control.len() - 33) % NODE != 0 {
        return Err(ScriptError::TaprootWrongControlSize);
    }
    let leaf_version = control[0] & 0xfe;
    let leaf_hash = crate::taproot::tap_leaf_hash(leaf_version, &script);
    let mut node = leaf_hash;
    for step in control[33..].chunks(NODE) {
        let step: &[u8; 32] = step.try_into().map_err(|_| ScriptError::TaprootWrongControlSize)?;
        node = crate::taproot::tap_branch_hash(&node, step);
    }
    let internal = bitcoin::secp256k1::XOnlyPublicKey::from_slice(&control[1..33])
        .map_err(|_| ScriptError::WitnessProgramMismatch)?;
    let committed = crate::taproot::output_key(crate::checker::secp(), &internal, Some(&node));
    match committed {
        Some((key, parity)) if key.serialize() == *program && parity.to_u8() == control[0] & 1 => {}
        _ => return Err(ScriptError::WitnessProgramMismatch),
    }
    if leaf_version != crate::taproot::TAPSCRIPT_LEAF_VERSION {
        // Unknown leaf versions are left for soft forks: valid, not standard.
        if flags.contains(VerifyFlags::DISCOURAGE_UPGRADABLE_TAPROOT_VERSION) {
            return Err(ScriptError::DiscourageUpgradableTaprootVersion);
        }
        return Ok(());
    }
    // BIP342: an OP_SUCCESSx anywhere makes the script succeed unexecuted;
    // a script that does not parse fails.
    let mut pc = 0;
    while pc < script.len() {
        let op = next_op(&script, &mut pc).ok_or(ScriptError::BadOpcode)?;
        if is_op_success(op.opcode) {
            if flags.contains(VerifyFlags::DISCOURAGE_OP_SUCCESS) {
                return Err(ScriptError::DiscourageOpSuccess);
            }
            return Ok(());
        }
    }
    if stack.len() > MAX_STACK_SIZE {
        return Err(ScriptError::StackSize);
    }
    if stack.iter().any(|item| item.len() > MAX_SCRIPT_ELEMENT_SIZE) {
        return Err(ScriptError::PushSize);
    }
    exec.script_path = Some(crate::taproot::ScriptPath { leaf_hash, codesep_pos: 0xffff_ffff });
    exec.validation_weight_left = witness_size(witness) + VALIDATION_WEIGHT_OFFSET;
    eval(&mut stack, &script, flags, checker, SigVersion::Tapscript, &mut exec)?;
    if stack.len() != 1 {
        return Err(ScriptError::CleanStack);
    }
    if !cast_to_bool(&stack[0]) {
        return Err(ScriptError::EvalFalse);
    }
    Ok(())
}

/// Core's `VerifyScript` for one input.
pub fn verify_script(
    script_sig: &[u8],
    script_pubkey: &[u8],
    witness: &[Vec<u8>],
    flags: VerifyFlags,
    checker: &dyn SignatureChecker,
) -> Result<(), ScriptError> {
    if flags.contains(VerifyFlags::SIGPUSHONLY) && !is_push_only(script_sig) {
        return Err(ScriptError::SigPushOnly);
    }
    let mut stack: Stack = Vec::new();
    eval_script(&mut stack, script_sig, flags, checker, SigVersion::Base)?;
    let stack_copy = if flags.contains(VerifyFlags::P2SH) { Some(stack.clone()) } else { None };
    eval_script(&mut stack, script_pubkey, flags, checker, SigVersion::Base)?;
    match stack.last() {
        Some(top) if cast_to_bool(top) => {}
        _ => return Err(ScriptError::EvalFalse),
    }

    let mut had_witness = false;
    if flags.contains(VerifyFlags::WITNESS) {
        if let Some((version, program)) = witness_program(script_pubkey) {
            had_witness = true;
            if !script_sig.is_empty() {
                return Err(ScriptError::WitnessMalleated);
            }
            verify_witness_program(witness, version, program, flags, checker, false)?;
            stack.truncate(1);
        }
    }

    if let Some(mut p2sh_stack) = stack_copy.filter(|_| is_p2sh(script_pubkey)) {
        if !is_push_only(script_sig) {
            return Err(ScriptError::SigPushOnly);
        }
        let redeem_script = p2sh_stack.pop().ok_or(ScriptError::EvalFalse)?;
        eval_script(&mut p2sh_stack, &redeem_script, flags, checker, SigVersion::Base)?;
        match p2sh_stack.last() {
            Some(top) if cast_to_bool(top) => {}
            _ => return Err(ScriptError::EvalFalse),
        }
        if flags.contains(VerifyFlags::WITNESS) {
            if let Some((version, program)) = witness_program(&redeem_script) {
                had_witness = true;
                if script_sig != push_bytes(&redeem_script).as_slice() {
                    return Err(ScriptError::WitnessMalleatedP2sh);
                }
                verify_witness_program(witness, version, program, flags, checker, true)?;
                p2sh_stack.truncate(1);
            }
        }
        stack = p2sh_stack;
    }

    if flags.contains(VerifyFlags::CLEANSTACK) && stack.len() != 1 {
        return Err(ScriptError::CleanStack);
    }
    if flags.contains(VerifyFlags::WITNESS) && !had_witness && !witness.is_empty() {
        return Err(ScriptError::WitnessUnexpected);
    }
    Ok(())
}
