//! Script errors, named as Bitcoin Core's `ScriptError` values.

use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Error)]
pub enum ScriptError {
    #[error("unknown error")]
    UnknownError,
    #[error("Script evaluated without error but finished with a false/empty top stack element")]
    EvalFalse,
    #[error("OP_RETURN was encountered")]
    OpReturn,
    #[error("Script is too big")]
    ScriptSize,
    #[error("Push value size limit exceeded")]
    PushSize,
    #[error("Operation limit exceeded")]
    OpCount,
    #[error("Stack size limit exceeded")]
    StackSize,
    #[error("Signature count negative or greater than pubkey count")]
    SigCount,
    #[error("Pubkey count negative or limit exceeded")]
    PubkeyCount,
    #[error("Script failed an OP_VERIFY operation")]
    Verify,
    #[error("Script failed an OP_EQUALVERIFY operation")]
    EqualVerify,
    #[error("Script failed an OP_CHECKMULTISIGVERIFY operation")]
    CheckMultisigVerify,
    #[error("Script failed an OP_CHECKSIGVERIFY operation")]
    CheckSigVerify,
    #[error("Script failed an OP_NUMEQUALVERIFY operation")]
    NumEqualVerify,
    #[error("Opcode missing or not understood")]
    BadOpcode,
    #[error("Attempted to use a disabled opcode")]
    DisabledOpcode,
    #[error("Operation not valid with the current stack size")]
    InvalidStackOperation,
    #[error("Operation not valid with the current altstack size")]
    InvalidAltstackOperation,
    #[error("Invalid OP_IF construction")]
    UnbalancedConditional,
    #[error("Negative locktime")]
    NegativeLocktime,
    #[error("Locktime requirement not satisfied")]
    UnsatisfiedLocktime,
    #[error("Signature hash type missing or not understood")]
    SigHashtype,
    #[error("Non-canonical DER signature")]
    SigDer,
    #[error("Data push larger than necessary")]
    MinimalData,
    #[error("Only push operators allowed in signatures")]
    SigPushOnly,
    #[error("Non-canonical signature: S value is unnecessarily high")]
    SigHighS,
    #[error("Dummy CHECKMULTISIG argument must be zero")]
    SigNullDummy,
    #[error("Public key is neither compressed or uncompressed")]
    PubkeyType,
    #[error("Stack size must be exactly one after execution")]
    CleanStack,
    #[error("OP_IF/NOTIF argument must be minimal")]
    MinimalIf,
    #[error("Signature must be zero for failed CHECK(MULTI)SIG operation")]
    NullFail,
    #[error("NOPx reserved for soft-fork upgrades")]
    DiscourageUpgradableNops,
    #[error("Witness version reserved for soft-fork upgrades")]
    DiscourageUpgradableWitnessProgram,
    #[error("Witness program has incorrect length")]
    WitnessProgramWrongLength,
    #[error("Witness program was passed an empty witness")]
    WitnessProgramWitnessEmpty,
    #[error("Witness program hash mismatch")]
    WitnessProgramMismatch,
    #[error("Witness requires empty scriptSig")]
    WitnessMalleated,
    #[error("Witness requires only-redeemscript scriptSig")]
    WitnessMalleatedP2sh,
    #[error("Witness provided for non-witness script")]
    WitnessUnexpected,
    #[error("Using non-compressed keys in segwit")]
    WitnessPubkeyType,
    #[error("Using OP_CODESEPARATOR in non-witness script")]
    OpCodeSeparator,
    #[error("Signature is found in scriptCode")]
    SigFindAndDelete,
    #[error("Script number overflowed or is non-minimally encoded")]
    ScriptNum,
    #[error("Invalid Schnorr signature size")]
    SchnorrSigSize,
    #[error("Invalid Schnorr signature hash type")]
    SchnorrSigHashtype,
    #[error("Invalid Schnorr signature")]
    SchnorrSig,
    #[error("Invalid Taproot control block size")]
    TaprootWrongControlSize,
    #[error("Too much signature validation relative to witness weight")]
    TapscriptValidationWeight,
    #[error("OP_CHECKMULTISIG(VERIFY) is not available in tapscript")]
    TapscriptCheckmultisig,
    #[error("OP_IF/NOTIF argument must be minimal in tapscript")]
    TapscriptMinimalif,
    #[error("Empty public key in tapscript")]
    TapscriptEmptyPubkey,
    #[error("OP_SUCCESSx reserved for soft-fork upgrades")]
    DiscourageOpSuccess,
    #[error("Taproot version reserved for soft-fork upgrades")]
    DiscourageUpgradableTaprootVersion,
    #[error("Public key version reserved for soft-fork upgrades")]
    DiscourageUpgradablePubkeytype,
    /// Zennet: an announcement's inputs sign with SIGHASH_ALL (optionally |ANYONECANPAY).
    #[error("Announcement signatures must use SIGHASH_ALL")]
    AnnouncementSighashType,
}

impl ScriptError {
    /// The name Core's test vectors use (`SCRIPT_ERR_` removed).
    pub fn name(self) -> &'static str {
        use ScriptError::*;
        match self {
            UnknownError => "UNKNOWN_ERROR",
            EvalFalse => "EVAL_FALSE",
            OpReturn => "OP_RETURN",
            ScriptSize => "SCRIPT_SIZE",
            PushSize => "PUSH_SIZE",
            OpCount => "OP_COUNT",
            StackSize => "STACK_SIZE",
            SigCount => "SIG_COUNT",
            PubkeyCount => "PUBKEY_COUNT",
            Verify => "VERIFY",
            EqualVerify => "EQUALVERIFY",
            CheckMultisigVerify => "CHECKMULTISIGVERIFY",
            CheckSigVerify => "CHECKSIGVERIFY",
            NumEqualVerify => "NUMEQUALVERIFY",
            BadOpcode => "BAD_OPCODE",
            DisabledOpcode => "DISABLED_OPCODE",
            InvalidStackOperation => "INVALID_STACK_OPERATION",
            InvalidAltstackOperation => "INVALID_ALTSTACK_OPERATION",
            UnbalancedConditional => "UNBALANCED_CONDITIONAL",
            NegativeLocktime => "NEGATIVE_LOCKTIME",
            UnsatisfiedLocktime => "UNSATISFIED_LOCKTIME",
            SigHashtype => "SIG_HASHTYPE",
            SigDer => "SIG_DER",
            MinimalData => "MINIMALDATA",
            SigPushOnly => "SIG_PUSHONLY",
            SigHighS => "SIG_HIGH_S",
            SigNullDummy => "SIG_NULLDUMMY",
            PubkeyType => "PUBKEYTYPE",
            CleanStack => "CLEANSTACK",
            MinimalIf => "MINIMALIF",
            NullFail => "NULLFAIL",
            DiscourageUpgradableNops => "DISCOURAGE_UPGRADABLE_NOPS",
            DiscourageUpgradableWitnessProgram => "DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM",
            WitnessProgramWrongLength => "WITNESS_PROGRAM_WRONG_LENGTH",
            WitnessProgramWitnessEmpty => "WITNESS_PROGRAM_WITNESS_EMPTY",
            WitnessProgramMismatch => "WITNESS_PROGRAM_MISMATCH",
            WitnessMalleated => "WITNESS_MALLEATED",
            WitnessMalleatedP2sh => "WITNESS_MALLEATED_P2SH",
            WitnessUnexpected => "WITNESS_UNEXPECTED",
            WitnessPubkeyType => "WITNESS_PUBKEYTYPE",
            OpCodeSeparator => "OP_CODESEPARATOR",
            SigFindAndDelete => "SIG_FINDANDDELETE",
            ScriptNum => "SCRIPTNUM",
            SchnorrSigSize => "SCHNORR_SIG_SIZE",
            SchnorrSigHashtype => "SCHNORR_SIG_HASHTYPE",
            SchnorrSig => "SCHNORR_SIG",
            TaprootWrongControlSize => "TAPROOT_WRONG_CONTROL_SIZE",
            TapscriptValidationWeight => "TAPSCRIPT_VALIDATION_WEIGHT",
            TapscriptCheckmultisig => "TAPSCRIPT_CHECKMULTISIG",
            TapscriptMinimalif => "TAPSCRIPT_MINIMALIF",
            TapscriptEmptyPubkey => "TAPSCRIPT_EMPTY_PUBKEY",
            DiscourageOpSuccess => "DISCOURAGE_OP_SUCCESS",
            DiscourageUpgradableTaprootVersion => "DISCOURAGE_UPGRADABLE_TAPROOT_VERSION",
            DiscourageUpgradablePubkeytype => "DISCOURAGE_UPGRADABLE_PUBKEYTYPE",
            AnnouncementSighashType => "ANN_SIGHASH_TYPE",
        }
    }
}
