//! Script verification flags, with Core's bit positions and names.

use std::fmt;
use std::ops::{BitAnd, BitOr, BitOrAssign, Not};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct VerifyFlags(pub u32);

macro_rules! flags {
    ($($name:ident = $bit:expr, $text:expr;)*) => {
        impl VerifyFlags {
            $(pub const $name: VerifyFlags = VerifyFlags(1 << $bit);)*
            const NAMES: &'static [(&'static str, VerifyFlags)] = &[$(($text, VerifyFlags::$name)),*];
        }
    };
}

flags! {
    P2SH = 0, "P2SH";
    STRICTENC = 1, "STRICTENC";
    DERSIG = 2, "DERSIG";
    LOW_S = 3, "LOW_S";
    NULLDUMMY = 4, "NULLDUMMY";
    SIGPUSHONLY = 5, "SIGPUSHONLY";
    MINIMALDATA = 6, "MINIMALDATA";
    DISCOURAGE_UPGRADABLE_NOPS = 7, "DISCOURAGE_UPGRADABLE_NOPS";
    CLEANSTACK = 8, "CLEANSTACK";
    CHECKLOCKTIMEVERIFY = 9, "CHECKLOCKTIMEVERIFY";
    CHECKSEQUENCEVERIFY = 10, "CHECKSEQUENCEVERIFY";
    WITNESS = 11, "WITNESS";
    DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM = 12, "DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM";
    MINIMALIF = 13, "MINIMALIF";
    NULLFAIL = 14, "NULLFAIL";
    WITNESS_PUBKEYTYPE = 15, "WITNESS_PUBKEYTYPE";
    CONST_SCRIPTCODE = 16, "CONST_SCRIPTCODE";
    TAPROOT = 17, "TAPROOT";
    DISCOURAGE_UPGRADABLE_TAPROOT_VERSION = 18, "DISCOURAGE_UPGRADABLE_TAPROOT_VERSION";
    DISCOURAGE_OP_SUCCESS = 19, "DISCOURAGE_OP_SUCCESS";
    DISCOURAGE_UPGRADABLE_PUBKEYTYPE = 20, "DISCOURAGE_UPGRADABLE_PUBKEYTYPE";
}

impl VerifyFlags {
    pub const NONE: VerifyFlags = VerifyFlags(0);

    /// Every flag Core knows.
    pub fn all() -> VerifyFlags {
        Self::NAMES.iter().fold(Self::NONE, |acc, (_, f)| acc | *f)
    }

    /// Zennet's consensus flags (DESIGN.md section 3): BIP16, 65, 66, 68/112/113,
    /// 141/143/147 and taproot (BIP340/341/342), all from genesis.
    pub fn consensus() -> VerifyFlags {
        Self::P2SH
            | Self::DERSIG
            | Self::NULLDUMMY
            | Self::CHECKLOCKTIMEVERIFY
            | Self::CHECKSEQUENCEVERIFY
            | Self::WITNESS
            | Self::TAPROOT
    }

    pub fn contains(self, other: VerifyFlags) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn intersects(self, other: VerifyFlags) -> bool {
        self.0 & other.0 != 0
    }

    /// Parses Core's comma-separated names ("" and "NONE" are empty).
    pub fn parse(text: &str) -> Result<VerifyFlags, String> {
        let mut flags = Self::NONE;
        for name in text.split(',').filter(|n| !n.is_empty() && *n != "NONE") {
            let (_, f) = Self::NAMES.iter().find(|(n, _)| *n == name).ok_or_else(|| format!("unknown flag {name}"))?;
            flags |= *f;
        }
        Ok(flags)
    }
}

impl BitOr for VerifyFlags {
    type Output = VerifyFlags;
    fn bitor(self, rhs: VerifyFlags) -> VerifyFlags {
        VerifyFlags(self.0 | rhs.0)
    }
}

impl BitOrAssign for VerifyFlags {
    fn bitor_assign(&mut self, rhs: VerifyFlags) {
        self.0 |= rhs.0;
    }
}

impl BitAnd for VerifyFlags {
    type Output = VerifyFlags;
    fn bitand(self, rhs: VerifyFlags) -> VerifyFlags {
        VerifyFlags(self.0 & rhs.0)
    }
}

impl Not for VerifyFlags {
    type Output = VerifyFlags;
    fn not(self) -> VerifyFlags {
        VerifyFlags(!self.0)
    }
}

impl fmt::Display for VerifyFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = Self::NAMES.iter().filter(|(_, fl)| self.contains(*fl)).map(|(n, _)| *n).collect();
        f.write_str(&names.join(","))
    }
}
