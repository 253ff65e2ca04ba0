//! Amounts as integers of zats, parsed and shown exactly in the chosen
//! unit (never through floating point). The node's JSON amounts are read
//! from their decimal text.

use serde::{Deserialize, Serialize};
use serde_json::Value;

pub const ZAT_PER_ZEN: i64 = 100_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Unit {
    #[default]
    Zen,
    MilliZen,
    MicroZen,
    Zat,
}

impl Unit {
    pub const ALL: [Unit; 4] = [Unit::Zen, Unit::MilliZen, Unit::MicroZen, Unit::Zat];

    pub fn name(self) -> &'static str {
        match self {
            Unit::Zen => "ZEN",
            Unit::MilliZen => "mZEN",
            Unit::MicroZen => "µZEN",
            Unit::Zat => "zat",
        }
    }

    /// Decimal places of the unit.
    fn decimals(self) -> u32 {
        match self {
            Unit::Zen => 8,
            Unit::MilliZen => 5,
            Unit::MicroZen => 2,
            Unit::Zat => 0,
        }
    }
}

/// `zats` in `unit`, with every decimal the unit has (as Bitcoin-Qt shows).
pub fn format(zats: i64, unit: Unit) -> String {
    let decimals = unit.decimals();
    let sign = if zats < 0 { "-" } else { "" };
    let abs = zats.unsigned_abs();
    if decimals == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(decimals);
    format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = decimals as usize)
}

/// `format` with the unit's name.
pub fn show(zats: i64, unit: Unit) -> String {
    format!("{} {}", format(zats, unit), unit.name())
}

/// Parses a user's amount in `unit` exactly.
pub fn parse(text: &str, unit: Unit) -> Result<u64, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err("enter an amount".into());
    }
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    let decimals = unit.decimals() as usize;
    if frac.len() > decimals {
        return Err(format!("at most {decimals} decimals in {}", unit.name()));
    }
    if !whole.chars().chain(frac.chars()).all(|c| c.is_ascii_digit()) || (whole.is_empty() && frac.is_empty()) {
        return Err("not a number".into());
    }
    let whole: u64 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| "too large".to_string())? };
    let frac: u64 =
        if decimals == 0 { 0 } else { format!("{frac:0<decimals$}").parse().map_err(|_| "not a number")? };
    let scale = 10u64.pow(decimals as u32);
    whole.checked_mul(scale).and_then(|w| w.checked_add(frac)).ok_or_else(|| "too large".to_string())
}

/// The ZEN amount a node sent as JSON (a decimal number), in zats.
pub fn from_json(v: &Value) -> i64 {
    let text = match v {
        Value::Number(n) => n.to_string(),
        Value::String(s) => s.clone(),
        _ => return 0,
    };
    let negative = text.starts_with('-');
    let digits = text.trim_start_matches('-');
    // Exponent forms ("1e-05") are rare: fall back to rounding the float.
    if digits.contains(['e', 'E']) {
        return (v.as_f64().unwrap_or(0.0) * ZAT_PER_ZEN as f64).round() as i64;
    }
    let zats = parse(digits, Unit::Zen).unwrap_or(0) as i64;
    if negative {
        -zats
    } else {
        zats
    }
}

/// A JSON number for an RPC amount in ZEN (exact: built from text).
pub fn to_json(zats: u64) -> Value {
    serde_json::from_str(&format(zats as i64, Unit::Zen)).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn exact_in_every_unit() {
        assert_eq!(format(123_456_789, Unit::Zen), "1.23456789");
        assert_eq!(format(-5, Unit::Zen), "-0.00000005");
        assert_eq!(format(123_456_789, Unit::MilliZen), "1234.56789");
        assert_eq!(format(123_456_789, Unit::Zat), "123456789");
        assert_eq!(parse("1.23456789", Unit::Zen), Ok(123_456_789));
        assert_eq!(parse("0.1", Unit::Zen), Ok(10_000_000));
        assert_eq!(parse("2.5", Unit::MicroZen), Ok(250));
        assert!(parse("0.000000001", Unit::Zen).is_err());
        assert!(parse("1.5", Unit::Zat).is_err());
        assert!(parse("abc", Unit::Zen).is_err());
        assert_eq!(from_json(&json!(0.1)), 10_000_000);
        assert_eq!(from_json(&json!(-0.00001)), -1_000);
        assert_eq!(from_json(&json!(21000000)), 2_100_000_000_000_000);
        assert_eq!(to_json(10_000_000).as_f64(), Some(0.1));
        assert_eq!(from_json(&to_json(10_000_000)), 10_000_000);
    }
}
