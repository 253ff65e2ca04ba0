//! Strict consensus decoding over a byte slice, and the writers it mirrors.
//!
//! Decoding is stricter than "whatever parses": CompactSize integers must be
//! minimal, every length is checked against the bytes that remain before
//! anything is allocated, and whole messages must be consumed exactly.

use thiserror::Error;

/// Largest CompactSize any length may hold (Core's `MAX_SIZE`).
pub const MAX_COMPACT_SIZE: u64 = 0x0200_0000;

/// Why bytes are not a valid encoding.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("unexpected end of data reading {what}")]
    UnexpectedEnd { what: &'static str },
    #[error("non-canonical CompactSize")]
    NonMinimalCompactSize,
    #[error("CompactSize {0} exceeds the maximum size")]
    CompactSizeTooLarge(u64),
    #[error("{what} count {count} cannot fit in the {remaining} bytes that remain")]
    CountTooLarge { what: &'static str, count: u64, remaining: usize },
    #[error("{0} trailing bytes after the end of the data")]
    TrailingBytes(usize),
    #[error("witness flag set but all witnesses are empty")]
    SuperfluousWitness,
    #[error("announcement flags invalid: {0}")]
    AnnouncementFlags(&'static str),
    #[error("announcement body of {0} bytes does not fit body_len (u16)")]
    AnnouncementBodyTooLong(usize),
    #[error("{what}: {reason}")]
    Field { what: &'static str, reason: &'static str },
}

impl DecodeError {
    /// Bitcoin Core style reject reason for a transaction that fails to decode.
    pub fn reject_reason(&self) -> &'static str {
        match self {
            DecodeError::AnnouncementFlags(_) => "ann-flags",
            DecodeError::AnnouncementBodyTooLong(_) => "ann-body-size",
            _ => "bad-txns-decode",
        }
    }
}

/// A cursor over a byte slice.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0 }
    }

    pub fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    pub fn position(&self) -> usize {
        self.pos
    }

    /// Fails unless every byte was consumed.
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            n => Err(DecodeError::TrailingBytes(n)),
        }
    }

    pub fn bytes(&mut self, n: usize, what: &'static str) -> Result<&'a [u8], DecodeError> {
        if self.remaining() < n {
            return Err(DecodeError::UnexpectedEnd { what });
        }
        let out = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub fn array<const N: usize>(&mut self, what: &'static str) -> Result<[u8; N], DecodeError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.bytes(N, what)?);
        Ok(out)
    }

    pub fn peek_u8(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    pub fn u8(&mut self, what: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(what)?[0])
    }

    pub fn u16(&mut self, what: &'static str) -> Result<u16, DecodeError> {
        Ok(u16::from_le_bytes(self.array(what)?))
    }

    pub fn u32(&mut self, what: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array(what)?))
    }

    pub fn i32(&mut self, what: &'static str) -> Result<i32, DecodeError> {
        Ok(i32::from_le_bytes(self.array(what)?))
    }

    pub fn u64(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array(what)?))
    }

    /// A minimal CompactSize no larger than [`MAX_COMPACT_SIZE`].
    pub fn compact_size(&mut self, what: &'static str) -> Result<u64, DecodeError> {
        let first = self.u8(what)?;
        let (value, min) = match first {
            0xfd => (u64::from(self.u16(what)?), 0xfd),
            0xfe => (u64::from(self.u32(what)?), 0x1_0000),
            0xff => (self.u64(what)?, 0x1_0000_0000),
            n => return Ok(u64::from(n)),
        };
        if value < min {
            return Err(DecodeError::NonMinimalCompactSize);
        }
        if value > MAX_COMPACT_SIZE {
            return Err(DecodeError::CompactSizeTooLarge(value));
        }
        Ok(value)
    }

    /// A count of items each at least `min_item_size` bytes long, refused
    /// before allocation when the remaining bytes cannot hold that many.
    pub fn count(&mut self, what: &'static str, min_item_size: usize) -> Result<usize, DecodeError> {
        let count = self.compact_size(what)?;
        let remaining = self.remaining();
        if count.saturating_mul(min_item_size as u64) > remaining as u64 {
            return Err(DecodeError::CountTooLarge { what, count, remaining });
        }
        Ok(count as usize)
    }

    /// CompactSize length followed by that many bytes.
    pub fn var_bytes(&mut self, what: &'static str) -> Result<&'a [u8], DecodeError> {
        let len = self.count(what, 1)?;
        self.bytes(len, what)
    }
}

/// Appends a CompactSize.
pub fn write_compact_size(out: &mut Vec<u8>, n: u64) {
    match n {
        0..=0xfc => out.push(n as u8),
        0xfd..=0xffff => {
            out.push(0xfd);
            out.extend_from_slice(&(n as u16).to_le_bytes());
        }
        0x1_0000..=0xffff_ffff => {
            out.push(0xfe);
            out.extend_from_slice(&(n as u32).to_le_bytes());
        }
        _ => {
            out.push(0xff);
            out.extend_from_slice(&n.to_le_bytes());
        }
    }
}

/// Bytes a CompactSize of `n` takes.
pub fn compact_size_len(n: u64) -> usize {
    match n {
        0..=0xfc => 1,
        0xfd..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

/// Appends a CompactSize length and the bytes.
pub fn write_var_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    write_compact_size(out, bytes.len() as u64);
    out.extend_from_slice(bytes);
}

/// Hex of a byte-reversed 32-byte hash, as Core displays uint256.
pub fn display_hex(bytes: &[u8; 32]) -> String {
    let mut rev = *bytes;
    rev.reverse();
    hex::encode(rev)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_size_round_trip_and_minimality() {
        for n in [0u64, 1, 0xfc, 0xfd, 0xffff, 0x1_0000, 0x1ff_ffff, MAX_COMPACT_SIZE] {
            let mut buf = Vec::new();
            write_compact_size(&mut buf, n);
            assert_eq!(buf.len(), compact_size_len(n));
            let mut r = Reader::new(&buf);
            assert_eq!(r.compact_size("n").unwrap(), n);
            r.finish().unwrap();
        }
        // 0xfc written in three bytes is not minimal.
        let mut r = Reader::new(&[0xfd, 0xfc, 0x00]);
        assert_eq!(r.compact_size("n"), Err(DecodeError::NonMinimalCompactSize));
        let mut r = Reader::new(&[0xfe, 0x00, 0x00, 0x00, 0x04]);
        assert_eq!(r.compact_size("n"), Err(DecodeError::CompactSizeTooLarge(0x0400_0000)));
    }

    #[test]
    fn counts_are_checked_against_remaining_bytes() {
        let mut r = Reader::new(&[0xfe, 0x00, 0x00, 0x00, 0x01, 0, 0]);
        assert!(matches!(r.count("inputs", 41), Err(DecodeError::CountTooLarge { .. })));
    }
}
