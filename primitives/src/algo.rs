//! The five proof-of-work algorithms and where a header names them.

use std::fmt;
use std::str::FromStr;

/// Header version bits that hold the algorithm id (bits 9-11).
pub const ALGO_VERSION_MASK: i32 = 0x0E00;
const ALGO_VERSION_SHIFT: u32 = 9;
/// Version bits every Zennet block sets (BIP9's top bits).
pub const VERSION_TOP_BITS: i32 = 0x2000_0000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PowAlgo {
    Sha256d = 0,
    Scrypt = 1,
    Groestl = 2,
    Skein = 3,
    Argon2d = 4,
}

impl PowAlgo {
    pub const ALL: [PowAlgo; 5] =
        [PowAlgo::Sha256d, PowAlgo::Scrypt, PowAlgo::Groestl, PowAlgo::Skein, PowAlgo::Argon2d];
    pub const COUNT: usize = 5;

    pub fn id(self) -> u8 {
        self as u8
    }

    pub fn from_id(id: u8) -> Option<Self> {
        PowAlgo::ALL.get(usize::from(id)).copied()
    }

    pub fn name(self) -> &'static str {
        match self {
            PowAlgo::Sha256d => "sha256d",
            PowAlgo::Scrypt => "scrypt",
            PowAlgo::Groestl => "groestl",
            PowAlgo::Skein => "skein",
            PowAlgo::Argon2d => "argon2d",
        }
    }

    /// The algorithm a header version names; `None` for ids 5-7 ("bad-algo").
    pub fn from_version(version: i32) -> Option<Self> {
        Self::from_id(((version & ALGO_VERSION_MASK) >> ALGO_VERSION_SHIFT) as u8)
    }

    /// `0x20000000 | algo << 9`.
    pub fn block_version(self) -> i32 {
        VERSION_TOP_BITS | (i32::from(self.id()) << ALGO_VERSION_SHIFT)
    }
}

impl fmt::Display for PowAlgo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown algorithm '{0}' (expected sha256d, scrypt, groestl, skein or argon2d)")]
pub struct UnknownAlgo(pub String);

impl FromStr for PowAlgo {
    type Err = UnknownAlgo;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.to_ascii_lowercase();
        let name = match lower.as_str() {
            "sha256" => "sha256d",
            "argon2" => "argon2d",
            "groestl-512" | "groestlmyriad" => "groestl",
            other => other,
        };
        PowAlgo::ALL.into_iter().find(|a| a.name() == name).ok_or_else(|| UnknownAlgo(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn version_round_trip() {
        for algo in PowAlgo::ALL {
            assert_eq!(PowAlgo::from_version(algo.block_version()), Some(algo));
            assert_eq!(algo.name().parse::<PowAlgo>().unwrap(), algo);
        }
        assert_eq!(PowAlgo::Argon2d.block_version(), 0x2000_0800);
        assert_eq!(PowAlgo::from_version(0x2000_0000 | 5 << 9), None);
        assert!("x11".parse::<PowAlgo>().is_err());
    }
}
