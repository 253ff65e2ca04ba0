//! Method arguments: positional or named (mapped to positions by the method
//! table, as Core does), read with Core's type errors.

use serde_json::{Map, Value};

use crate::error::{json_type_name, RpcError};
use crate::methods::MethodSpec;

/// A method's arguments in positional order; absent ones are `Null`.
#[derive(Debug, Clone)]
pub struct Args {
    values: Vec<Value>,
}

impl Args {
    /// From the raw `params` member: an array, an object of named
    /// arguments, or nothing.
    pub fn from_params(spec: &MethodSpec, params: Option<Value>) -> Result<Args, RpcError> {
        let values = match params {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(values)) => values,
            Some(Value::Object(named)) => Self::named_to_positional(spec, named)?,
            Some(other) => {
                return Err(RpcError::new(
                    crate::codes::INVALID_REQUEST,
                    format!("Params must be an array or object, not {}", json_type_name(&other)),
                ))
            }
        };
        if values.len() > spec.args.len() || values.len() < spec.required_args() {
            let given = values.iter().rposition(|v| !v.is_null()).map_or(0, |i| i + 1);
            if given > spec.args.len() || given < spec.required_args() {
                return Err(RpcError::misc(format!("{}\n\n{}", spec.usage(), spec.summary)));
            }
        }
        Ok(Args { values })
    }

    /// Core's transformNamedArguments: named values in their positions, and
    /// positional ones given in an `args` array (bitcoin-cli's `-named` with
    /// arguments without '=') before them.
    fn named_to_positional(spec: &MethodSpec, mut named: Map<String, Value>) -> Result<Vec<Value>, RpcError> {
        let names: Vec<&str> = spec.arg_names().collect();
        let positional = match named.get("args") {
            Some(Value::Array(_)) if !names.contains(&"args") => match named.remove("args") {
                Some(Value::Array(list)) => list,
                _ => Vec::new(),
            },
            _ => Vec::new(),
        };
        if let Some(unknown) = named.keys().find(|k| !names.contains(&k.as_str())) {
            return Err(RpcError::invalid_parameter(format!("Unknown named parameter {unknown}")));
        }
        let mut values = Vec::new();
        for name in &names {
            values.push(named.remove(*name).unwrap_or(Value::Null));
        }
        while values.last().is_some_and(Value::is_null) {
            values.pop();
        }
        if positional.is_empty() {
            return Ok(values);
        }
        let first_named = values.iter().position(|v| !v.is_null()).unwrap_or(values.len());
        if positional.len() > first_named && first_named < values.len() {
            return Err(RpcError::invalid_parameter(format!(
                "Parameter {} specified twice both as positional and named argument",
                names[first_named]
            )));
        }
        let mut merged = positional;
        if values.len() > merged.len() {
            merged.extend(values.into_iter().skip(merged.len()));
        }
        Ok(merged)
    }

    pub fn len(&self) -> usize {
        self.values.len()
    }

    /// Every argument in positional order (absent ones `Null`), as `echo` returns them.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    pub fn is_empty(&self) -> bool {
        self.values.is_empty()
    }

    /// The raw value at `index`, `None` when absent or null.
    pub fn get(&self, index: usize) -> Option<&Value> {
        self.values.get(index).filter(|v| !v.is_null())
    }

    fn required(&self, index: usize, name: &str) -> Result<&Value, RpcError> {
        self.get(index).ok_or_else(|| RpcError::invalid_parameter(format!("Missing required argument {name}")))
    }

    pub fn str(&self, index: usize, name: &str) -> Result<&str, RpcError> {
        let v = self.required(index, name)?;
        v.as_str().ok_or_else(|| RpcError::wrong_type(v, "string"))
    }

    pub fn opt_str(&self, index: usize) -> Result<Option<&str>, RpcError> {
        self.get(index).map(|v| v.as_str().ok_or_else(|| RpcError::wrong_type(v, "string"))).transpose()
    }

    pub fn i64(&self, index: usize, name: &str) -> Result<i64, RpcError> {
        to_i64(self.required(index, name)?)
    }

    pub fn opt_i64(&self, index: usize) -> Result<Option<i64>, RpcError> {
        self.get(index).map(to_i64).transpose()
    }

    pub fn opt_bool(&self, index: usize) -> Result<Option<bool>, RpcError> {
        self.get(index).map(|v| v.as_bool().ok_or_else(|| RpcError::wrong_type(v, "bool"))).transpose()
    }
}

fn to_i64(v: &Value) -> Result<i64, RpcError> {
    match v {
        Value::Number(n) => n.as_i64().ok_or_else(|| RpcError::type_error("JSON integer out of range")),
        other => Err(RpcError::wrong_type(other, "number")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::methods::find;
    use serde_json::json;

    #[test]
    fn positional_args_inside_named_params_come_first() {
        let spec = find("generatetoaddress").unwrap();
        let mixed = Args::from_params(spec, Some(json!({"args": [3, "addr"], "algo": "scrypt"}))).unwrap();
        assert_eq!(mixed.values(), &[json!(3), json!("addr"), json!(null), json!("scrypt")]);
        let twice = Args::from_params(spec, Some(json!({"args": [3, "addr"], "address": "other"}))).unwrap_err();
        assert_eq!(twice.message, "Parameter address specified twice both as positional and named argument");
    }

    #[test]
    fn named_and_positional_agree() {
        let spec = find("generatetoaddress").unwrap();
        let pos = Args::from_params(spec, Some(json!([3, "addr", null, "scrypt"]))).unwrap();
        let named = Args::from_params(spec, Some(json!({"nblocks": 3, "address": "addr", "algo": "scrypt"}))).unwrap();
        for args in [pos, named] {
            assert_eq!(args.i64(0, "nblocks").unwrap(), 3);
            assert_eq!(args.str(1, "address").unwrap(), "addr");
            assert_eq!(args.opt_i64(2).unwrap(), None);
            assert_eq!(args.opt_str(3).unwrap(), Some("scrypt"));
        }
    }

    #[test]
    fn core_errors() {
        let spec = find("generatetoaddress").unwrap();
        let args = Args::from_params(spec, Some(json!(["ten", "addr"]))).unwrap();
        let err = args.i64(0, "nblocks").unwrap_err();
        assert_eq!(err.code, -3);
        assert_eq!(err.message, "JSON value of type string is not of expected type number");
        let err = Args::from_params(spec, Some(json!({"nblocks": 1, "bogus": 2}))).unwrap_err();
        assert_eq!(err.code, -8);
        let err = Args::from_params(spec, Some(json!([1]))).unwrap_err();
        assert_eq!(err.code, -1);
    }
}
