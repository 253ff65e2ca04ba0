//! What distinguishes the three networks on the wire and on disk (DESIGN.md section 2).

use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Network {
    Main,
    Test,
    Regtest,
}

impl Network {
    pub const ALL: [Network; 3] = [Network::Main, Network::Test, Network::Regtest];

    /// The chain name Bitcoin Core reports (`getblockchaininfo.chain`).
    pub fn chain_name(self) -> &'static str {
        match self {
            Network::Main => "main",
            Network::Test => "test",
            Network::Regtest => "regtest",
        }
    }

    pub fn magic(self) -> [u8; 4] {
        match self {
            Network::Main => [0x5a, 0x4e, 0x54, 0x01],
            Network::Test => [0x5a, 0x4e, 0x54, 0x02],
            Network::Regtest => [0x5a, 0x4e, 0x54, 0x03],
        }
    }

    pub fn p2p_port(self) -> u16 {
        match self {
            Network::Main => 7877,
            Network::Test => 17877,
            Network::Regtest => 27877,
        }
    }

    pub fn rpc_port(self) -> u16 {
        match self {
            Network::Main => 7878,
            Network::Test => 17878,
            Network::Regtest => 27878,
        }
    }

    /// Sub-directory of the base datadir ("" for main), as Core's `testnet3`/`regtest`.
    pub fn datadir_suffix(self) -> &'static str {
        match self {
            Network::Main => "",
            Network::Test => "testnet",
            Network::Regtest => "regtest",
        }
    }

    /// Human-readable part of segwit addresses.
    pub fn bech32_hrp(self) -> &'static str {
        match self {
            Network::Main => "zn",
            Network::Test => "tz",
            Network::Regtest => "zrt",
        }
    }

    /// Human-readable part of identities (bech32m of the 41-byte identity).
    pub fn identity_hrp(self) -> &'static str {
        match self {
            Network::Main => "zid",
            Network::Test => "tzid",
            Network::Regtest => "rzid",
        }
    }

    /// Base58 version byte of P2PKH addresses; each network has its own set
    /// (DESIGN.md section 2). Main's 80 gives addresses starting with 'Z'.
    pub fn p2pkh_prefix(self) -> u8 {
        match self {
            Network::Main => 80,
            Network::Test => 142,
            Network::Regtest => 122,
        }
    }

    /// Base58 version byte of P2SH addresses.
    pub fn p2sh_prefix(self) -> u8 {
        match self {
            Network::Main => 83,
            Network::Test => 145,
            Network::Regtest => 124,
        }
    }

    /// Base58 version byte of WIF private keys.
    pub fn wif_prefix(self) -> u8 {
        match self {
            Network::Main => 208,
            Network::Test => 238,
            Network::Regtest => 250,
        }
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.chain_name())
    }
}

impl FromStr for Network {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "main" | "mainnet" => Ok(Network::Main),
            "test" | "testnet" => Ok(Network::Test),
            "regtest" => Ok(Network::Regtest),
            other => Err(format!("unknown chain '{other}' (main, test or regtest)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_network_has_its_own_prefixes() {
        let mut seen = std::collections::HashSet::new();
        for n in Network::ALL {
            for prefix in [n.p2pkh_prefix(), n.p2sh_prefix(), n.wif_prefix()] {
                assert!(seen.insert(prefix), "{n}: prefix {prefix} reused");
            }
        }
        let hrps: std::collections::HashSet<_> = Network::ALL.iter().map(|n| n.bech32_hrp()).collect();
        assert_eq!(hrps.len(), 3);
    }
}
