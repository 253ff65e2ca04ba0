//! Core's peer permissions (`-whitelist`, `-whitebind`): what a peer from
//! a trusted network or on a trusted listening socket may do beyond others.

use std::net::SocketAddr;

use super::banman::Subnet;

/// A set of permissions; `noban` includes `download` and `forcerelay`
/// includes `relay`, as Core's flags do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Permissions(u8);

impl Permissions {
    pub const BLOOMFILTER: Permissions = Permissions(1);
    pub const RELAY: Permissions = Permissions(2);
    pub const FORCERELAY: Permissions = Permissions(4 | 2);
    pub const DOWNLOAD: Permissions = Permissions(8);
    pub const NOBAN: Permissions = Permissions(16 | 8);
    pub const MEMPOOL: Permissions = Permissions(32);
    pub const ADDR: Permissions = Permissions(64);

    /// Core's names, in its order (`getpeerinfo.permissions`).
    const NAMES: [(&'static str, Permissions); 7] = [
        ("bloomfilter", Self::BLOOMFILTER),
        ("noban", Self::NOBAN),
        ("forcerelay", Self::FORCERELAY),
        ("relay", Self::RELAY),
        ("mempool", Self::MEMPOOL),
        ("download", Self::DOWNLOAD),
        ("addr", Self::ADDR),
    ];

    /// What a whitelisted peer gets when no permission is named (Core's
    /// implicit set with -whitelistrelay=1, -whitelistforcerelay=0).
    const IMPLICIT: Permissions = Permissions(Self::RELAY.0 | Self::MEMPOOL.0 | Self::NOBAN.0);

    pub fn has(self, other: Permissions) -> bool {
        self.0 & other.0 == other.0
    }

    pub fn union(self, other: Permissions) -> Permissions {
        Permissions(self.0 | other.0)
    }

    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES.iter().filter(|(_, p)| self.has(*p)).map(|(name, _)| *name).collect()
    }
}

/// Which connections a `-whitelist` entry applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Direction {
    pub inbound: bool,
    pub outbound: bool,
}

/// `-whitelist=[perms@]<subnet>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhitelistEntry {
    pub permissions: Permissions,
    pub direction: Direction,
    pub subnet: Subnet,
}

/// `-whitebind=[perms@]<addr:port>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WhitebindEntry {
    pub permissions: Permissions,
    pub address: SocketAddr,
}

/// Splits `perm,perm@rest` into the permissions (implicit when none is
/// named), the direction qualifiers, and `rest`.
fn split_permissions(text: &str) -> Result<(Permissions, Direction, &str), String> {
    let Some((list, rest)) = text.split_once('@') else {
        return Ok((Permissions::IMPLICIT, Direction { inbound: true, outbound: false }, text));
    };
    let mut permissions = Permissions::default();
    let mut direction = Direction { inbound: false, outbound: false };
    for name in list.split(',').map(str::trim) {
        match name {
            "in" => direction.inbound = true,
            "out" => direction.outbound = true,
            "all" => permissions = Permissions::NAMES.iter().fold(permissions, |acc, (_, p)| acc.union(*p)),
            _ => match Permissions::NAMES.iter().find(|(n, _)| *n == name) {
                Some((_, p)) => permissions = permissions.union(*p),
                None => return Err(format!("Invalid P2P permission: '{name}'")),
            },
        }
    }
    if !direction.inbound && !direction.outbound {
        direction.inbound = true;
    }
    Ok((permissions, direction, rest))
}

impl std::str::FromStr for WhitelistEntry {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (permissions, direction, rest) = split_permissions(text)?;
        let subnet =
            rest.parse::<Subnet>().map_err(|_| format!("Invalid netmask specified in -whitelist: '{rest}'"))?;
        Ok(WhitelistEntry { permissions, direction, subnet })
    }
}

impl std::str::FromStr for WhitebindEntry {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (permissions, _, rest) = split_permissions(text)?;
        let address = rest.parse::<SocketAddr>().map_err(|_| {
            if rest.parse::<std::net::IpAddr>().is_ok() {
                format!("Need to specify a port with -whitebind: '{rest}'")
            } else {
                format!("Cannot resolve -whitebind address: '{rest}'")
            }
        })?;
        Ok(WhitebindEntry { permissions, address })
    }
}

/// The permissions `-whitelist` gives a peer at `addr`.
pub fn whitelisted(entries: &[WhitelistEntry], addr: &SocketAddr, inbound: bool) -> Permissions {
    entries
        .iter()
        .filter(|e| if inbound { e.direction.inbound } else { e.direction.outbound })
        .filter(|e| e.subnet.contains(&addr.ip()))
        .fold(Permissions::default(), |acc, e| acc.union(e.permissions))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_parse_as_cores() {
        let entry: WhitelistEntry = "noban,relay@127.0.0.1".parse().unwrap();
        assert_eq!(entry.permissions.names(), vec!["noban", "relay", "download"]);
        assert!(entry.direction.inbound && !entry.direction.outbound);
        let implicit: WhitelistEntry = "10.0.0.0/8".parse().unwrap();
        assert_eq!(implicit.permissions.names(), vec!["noban", "relay", "mempool", "download"]);
        let out: WhitelistEntry = "out,download@10.0.0.0/8".parse().unwrap();
        assert!(out.direction.outbound && !out.direction.inbound);
        assert_eq!("nobna@1.2.3.4".parse::<WhitelistEntry>().unwrap_err(), "Invalid P2P permission: 'nobna'");
        assert!("noban@1.2.3.4/99".parse::<WhitelistEntry>().unwrap_err().starts_with("Invalid netmask"));
        let bind: WhitebindEntry = "forcerelay@127.0.0.1:9000".parse().unwrap();
        assert_eq!(bind.permissions.names(), vec!["forcerelay", "relay"]);
        assert_eq!(
            "noban@127.0.0.1".parse::<WhitebindEntry>().unwrap_err(),
            "Need to specify a port with -whitebind: '127.0.0.1'"
        );
        let addr: SocketAddr = "127.0.0.1:5".parse().unwrap();
        assert!(whitelisted(std::slice::from_ref(&entry), &addr, true).has(Permissions::NOBAN));
        assert_eq!(whitelisted(&[entry], &addr, false), Permissions::default());
    }
}
