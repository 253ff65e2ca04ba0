//! `CScriptNum`: script integers, little-endian sign-magnitude.

use crate::error::ScriptError;

/// Decodes a stack element as a number of at most `max_size` bytes,
/// requiring minimal encoding when `require_minimal`.
pub fn decode(data: &[u8], require_minimal: bool, max_size: usize) -> Result<i64, ScriptError> {
    if data.len() > max_size {
        return Err(ScriptError::ScriptNum);
    }
    if require_minimal && !is_minimal(data) {
        return Err(ScriptError::ScriptNum);
    }
    if data.is_empty() {
        return Ok(0);
    }
    let mut value: i64 = 0;
    for (i, b) in data.iter().enumerate() {
        value |= i64::from(*b) << (8 * i);
    }
    let last = data[data.len() - 1];
    if last & 0x80 != 0 {
        Ok(-(value & !(0x80i64 << (8 * (data.len() - 1)))))
    } else {
        Ok(value)
    }
}

/// Whether `data` is the shortest encoding of its value.
pub fn is_minimal(data: &[u8]) -> bool {
    match data.last() {
        None => true,
        Some(last) if last & 0x7f == 0 => data.len() > 1 && data[data.len() - 2] & 0x80 != 0,
        Some(_) => true,
    }
}

/// Encodes a number minimally.
pub fn encode(value: i64) -> Vec<u8> {
    if value == 0 {
        return Vec::new();
    }
    let negative = value < 0;
    let mut abs = value.unsigned_abs();
    let mut out = Vec::with_capacity(9);
    while abs > 0 {
        out.push((abs & 0xff) as u8);
        abs >>= 8;
    }
    let last = out.len() - 1;
    if out[last] & 0x80 != 0 {
        out.push(if negative { 0x80 } else { 0 });
    } else if negative {
        out[last] |= 0x80;
    }
    out
}

/// Core's `CastToBool`: any non-zero byte, except a lone sign bit at the end.
pub fn cast_to_bool(data: &[u8]) -> bool {
    for (i, b) in data.iter().enumerate() {
        if *b != 0 {
            return !(i == data.len() - 1 && *b == 0x80);
        }
    }
    false
}

/// `CScriptNum::getint`: saturates to the i32 range.
pub fn to_i32(value: i64) -> i32 {
    value.clamp(i64::from(i32::MIN), i64::from(i32::MAX)) as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_minimality() {
        for v in [0i64, 1, -1, 127, 128, -128, 255, 256, 32767, -32768, 2147483647, -2147483647, 549755813887] {
            let enc = encode(v);
            assert!(is_minimal(&enc));
            assert_eq!(decode(&enc, true, 8).unwrap(), v);
        }
        assert_eq!(decode(&[0x00], true, 4), Err(ScriptError::ScriptNum));
        assert_eq!(decode(&[0x80], false, 4).unwrap(), 0);
        assert_eq!(decode(&[1, 2, 3, 4, 5], false, 4), Err(ScriptError::ScriptNum));
        assert!(!cast_to_bool(&[0, 0, 0x80]));
        assert!(cast_to_bool(&[0, 1, 0x80]));
    }
}
