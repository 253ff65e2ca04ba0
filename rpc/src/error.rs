//! Bitcoin Core's RPC error codes and the error type every method returns.

use jsonrpsee::types::ErrorObjectOwned;
use serde_json::Value;

/// Bitcoin Core's `RPCErrorCode` values (src/rpc/protocol.h).
pub mod codes {
    pub const INVALID_REQUEST: i32 = -32600;
    pub const METHOD_NOT_FOUND: i32 = -32601;
    pub const INVALID_PARAMS: i32 = -32602;
    pub const INTERNAL_ERROR: i32 = -32603;
    pub const PARSE_ERROR: i32 = -32700;
    pub const MISC_ERROR: i32 = -1;
    pub const TYPE_ERROR: i32 = -3;
    pub const INVALID_ADDRESS_OR_KEY: i32 = -5;
    pub const OUT_OF_MEMORY: i32 = -7;
    pub const INVALID_PARAMETER: i32 = -8;
    pub const DATABASE_ERROR: i32 = -20;
    pub const DESERIALIZATION_ERROR: i32 = -22;
    pub const VERIFY_ERROR: i32 = -25;
    pub const VERIFY_REJECTED: i32 = -26;
    pub const VERIFY_ALREADY_IN_CHAIN: i32 = -27;
    pub const IN_WARMUP: i32 = -28;
    pub const CLIENT_IN_INITIAL_DOWNLOAD: i32 = -10;
    pub const CLIENT_NOT_CONNECTED: i32 = -9;
    pub const CLIENT_NODE_ALREADY_ADDED: i32 = -23;
    pub const CLIENT_NODE_NOT_ADDED: i32 = -24;
    pub const CLIENT_NODE_NOT_CONNECTED: i32 = -29;
    pub const CLIENT_INVALID_IP_OR_SUBNET: i32 = -30;
    pub const CLIENT_P2P_DISABLED: i32 = -31;
    pub const WALLET_ERROR: i32 = -4;
    pub const WALLET_INSUFFICIENT_FUNDS: i32 = -6;
    pub const WALLET_UNLOCK_NEEDED: i32 = -13;
    pub const WALLET_PASSPHRASE_INCORRECT: i32 = -14;
    pub const WALLET_INVALID_LABEL_NAME: i32 = -11;
    pub const WALLET_KEYPOOL_RAN_OUT: i32 = -12;
    pub const WALLET_WRONG_ENC_STATE: i32 = -15;
    pub const WALLET_ENCRYPTION_FAILED: i32 = -16;
    pub const WALLET_ALREADY_UNLOCKED: i32 = -17;
    pub const WALLET_NOT_FOUND: i32 = -18;
    pub const WALLET_NOT_SPECIFIED: i32 = -19;
    pub const WALLET_ALREADY_LOADED: i32 = -35;
    pub const WALLET_ALREADY_EXISTS: i32 = -36;
}

/// A JSON-RPC error: Core's code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (code {code})")]
pub struct RpcError {
    pub code: i32,
    pub message: String,
}

impl RpcError {
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        RpcError { code, message: message.into() }
    }

    pub fn invalid_parameter(message: impl Into<String>) -> Self {
        Self::new(codes::INVALID_PARAMETER, message)
    }

    pub fn type_error(message: impl Into<String>) -> Self {
        Self::new(codes::TYPE_ERROR, message)
    }

    pub fn misc(message: impl Into<String>) -> Self {
        Self::new(codes::MISC_ERROR, message)
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(codes::INTERNAL_ERROR, message)
    }

    /// Core's wording for a value of the wrong JSON type.
    pub fn wrong_type(value: &Value, expected: &str) -> Self {
        Self::type_error(format!("JSON value of type {} is not of expected type {expected}", json_type_name(value)))
    }
}

/// Core's names for JSON types (UniValue's `uvTypeName`).
pub fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

impl From<RpcError> for ErrorObjectOwned {
    fn from(e: RpcError) -> Self {
        ErrorObjectOwned::owned(e.code, e.message, None::<()>)
    }
}
