//! Settings that need more than a default: the prune target, byte sizes,
//! address types and the network.

use primitives::Network;

use super::cli::Cli;
use super::ConfigError;

/// `-prune` as Core: 0 off, 1 manual, else a target of at least 550 MiB
/// (KiB with `-fastprune`); refused with `-txindex` and `-reindex-chainstate`.
pub(super) fn prune_options(
    cli: &Cli,
    network: Network,
) -> Result<Option<crate::chainstate::PruneOptions>, ConfigError> {
    const MIN_PRUNE_TARGET: i64 = 550;
    let target = match cli.prune.unwrap_or(0) {
        0 => return Ok(None),
        n if n < 0 => return Err(ConfigError::Invalid("Prune cannot be configured with a negative value.".into())),
        1 => None,
        n if n < MIN_PRUNE_TARGET => {
            return Err(ConfigError::Invalid(format!(
                "Prune configured below the minimum of {MIN_PRUNE_TARGET} MiB.  Please use a higher number."
            )))
        }
        n => Some((n as u64) << if cli.fastprune { 10 } else { 20 }),
    };
    if cli.txindex {
        return Err(ConfigError::Invalid("Prune mode is incompatible with -txindex.".into()));
    }
    if cli.reindex_chainstate {
        return Err(ConfigError::Invalid(
            "Prune mode is incompatible with -reindex-chainstate. Use full -reindex instead.".into(),
        ));
    }
    let after_height = match network {
        Network::Main => 100_000,
        Network::Regtest if cli.fastprune => 100,
        _ => 1_000,
    };
    Ok(Some(crate::chainstate::PruneOptions { target_bytes: target, after_height }))
}

/// Core's `-maxuploadtarget` value: MiB by default, or with a k/K, m/M,
/// g/G or t/T suffix (lower case powers of 1000, upper case of 1024).
pub(super) fn parse_byte_size(text: &str) -> Option<u64> {
    let (digits, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], Some(c)),
        _ => (text, None),
    };
    let n: u64 = digits.parse().ok()?;
    let factor: u64 = match unit {
        None | Some('M') => 1 << 20,
        Some('k') => 1_000,
        Some('K') => 1 << 10,
        Some('m') => 1_000_000,
        Some('g') => 1_000_000_000,
        Some('G') => 1 << 30,
        Some('t') => 1_000_000_000_000,
        Some('T') => 1 << 40,
        Some(_) => return None,
    };
    n.checked_mul(factor)
}

/// `-addresstype` / `-changetype`: Core's names; the two kinds Zennet wallets
/// have no keys for are refused with the reason.
pub(super) fn output_type_option(what: &str, name: &str) -> Result<wallet::keys::OutputType, ConfigError> {
    use wallet::keys::{OutputType, OutputTypeError};
    OutputType::parse(name).map_err(|e| match e {
        OutputTypeError::Unknown(_) => ConfigError::Invalid(format!("Unknown {what} type '{name}'")),
        OutputTypeError::Unavailable(_) => ConfigError::Invalid(format!(
            "-{what}type={name} is not available: Zennet wallets hold bech32 (P2WPKH) and bech32m (taproot) keys"
        )),
    })
}

pub(super) fn network_of(cli: &Cli) -> Result<Network, String> {
    let chosen: Vec<Network> = [
        cli.testnet.then_some(Network::Test),
        cli.regtest.then_some(Network::Regtest),
        cli.chain.as_deref().map(str::parse).transpose()?,
    ]
    .into_iter()
    .flatten()
    .collect();
    match chosen.as_slice() {
        [] => Ok(Network::Main),
        [n] => Ok(*n),
        [first, rest @ ..] if rest.iter().all(|n| n == first) => Ok(*first),
        _ => Err("Invalid combination of -regtest, -testnet and -chain. Can use at most one.".into()),
    }
}
