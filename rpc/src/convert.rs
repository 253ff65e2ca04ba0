//! Which command-line arguments `zennet-cli` passes as JSON rather than as
//! strings (Core's `vRPCConvertParams`): everything else stays a string, so a
//! hash or an address is never mistaken for a number.

/// Whether `zennet-cli` passes positional argument `index` of `method` as JSON
/// (from the method table).
pub fn is_json_arg(method: &str, index: usize) -> bool {
    crate::methods::find(method).is_some_and(|m| m.is_json_arg(index))
}

/// The same for a named argument.
pub fn is_json_named(method: &str, name: &str) -> bool {
    crate::methods::find(method).is_some_and(|m| m.is_json_named(name))
}

/// Turns a command-line value into JSON: parsed for converted arguments
/// (falling back to the string so the server names the type error), else a string.
pub fn arg_value(convert: bool, text: &str) -> serde_json::Value {
    if convert {
        serde_json::from_str(text).unwrap_or_else(|_| serde_json::Value::String(text.to_string()))
    } else {
        serde_json::Value::String(text.to_string())
    }
}
