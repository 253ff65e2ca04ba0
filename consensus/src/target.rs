//! Targets as exact big integers and Bitcoin Core's compact ("bits") encoding.

pub use num_bigint::BigUint;
use num_traits::{One, Zero};

/// Decodes compact bits as Core's `SetCompact`; `None` when the encoding is
/// negative or overflows 256 bits (never a valid target).
pub fn from_compact(bits: u32) -> Option<BigUint> {
    let size = bits >> 24;
    let mantissa = bits & 0x007f_ffff;
    let negative = mantissa != 0 && bits & 0x0080_0000 != 0;
    let overflow = mantissa != 0 && (size > 34 || (mantissa > 0xff && size > 33) || (mantissa > 0xffff && size > 32));
    if negative || overflow {
        return None;
    }
    let value = BigUint::from(mantissa);
    Some(if size <= 3 { value >> (8 * (3 - size)) } else { value << (8 * (size - 3)) })
}

/// Encodes as Core's `GetCompact` (rounding down to a 3-byte mantissa).
pub fn to_compact(target: &BigUint) -> u32 {
    let mut size = target.to_bytes_be().len() as u32;
    if target.is_zero() {
        size = 0;
    }
    let mut compact: u32 = if size <= 3 {
        let low = target.iter_u32_digits().next().unwrap_or(0);
        low << (8 * (3 - size))
    } else {
        let shifted: BigUint = target >> (8 * (size - 3));
        shifted.iter_u32_digits().next().unwrap_or(0)
    };
    // The sign bit is part of the mantissa: move it into the exponent instead.
    if compact & 0x0080_0000 != 0 {
        compact >>= 8;
        size += 1;
    }
    compact | (size << 24)
}

/// A 32-byte little-endian hash as a number.
pub fn hash_to_number(hash: &[u8; 32]) -> BigUint {
    BigUint::from_bytes_le(hash)
}

/// 2^256, the number of possible hashes.
pub fn two_pow_256() -> BigUint {
    BigUint::one() << 256
}

/// Expected hashes to meet `target`: floor(2^256 / (target + 1)).
pub fn work_for_target(target: &BigUint) -> BigUint {
    two_pow_256() / (target + BigUint::one())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_round_trips_match_core() {
        // Values from Core's arith_uint256 tests.
        for (bits, hex_target) in [
            (0x1d00ffffu32, "ffff0000000000000000000000000000000000000000000000000000"),
            (0x207fffff, "7fffff0000000000000000000000000000000000000000000000000000000000"),
            (0x1805_8436, "58436000000000000000000000000000000000000000000"),
            (0x0312_3456, "123456"),
            (0x0412_3456, "12345600"),
        ] {
            let target = from_compact(bits).unwrap();
            assert_eq!(target, BigUint::parse_bytes(hex_target.as_bytes(), 16).unwrap());
            assert_eq!(to_compact(&target), bits);
        }
        assert_eq!(from_compact(0x0180_0000), Some(BigUint::zero()), "zero mantissa is not negative");
        assert_eq!(from_compact(0x0492_3456), None, "negative");
        assert_eq!(from_compact(0xff12_3456), None, "overflow");
        assert_eq!(to_compact(&BigUint::from(0x80u32)), 0x0200_8000);
        assert_eq!(to_compact(&BigUint::zero()), 0);
    }

    #[test]
    fn agrees_with_rust_bitcoin_on_rounding() {
        for bits in [0x1d00ffffu32, 0x1b0404cb, 0x1a05db8b, 0x207fffff, 0x1e0fffff] {
            let ours = from_compact(bits).unwrap();
            let theirs = bitcoin::Target::from_compact(bitcoin::CompactTarget::from_consensus(bits));
            assert_eq!(ours.to_bytes_be(), BigUint::from_bytes_be(&theirs.to_be_bytes()).to_bytes_be());
            let odd = &ours + BigUint::from(12345u32);
            let theirs_odd = bitcoin::Target::from_be_bytes({
                let b = odd.to_bytes_be();
                let mut a = [0u8; 32];
                a[32 - b.len()..].copy_from_slice(&b);
                a
            });
            assert_eq!(to_compact(&odd), theirs_odd.to_compact_lossy().to_consensus());
        }
    }
}
