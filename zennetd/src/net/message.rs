//! The messages Zennet speaks: Bitcoin's, with Zennet's transactions and
//! blocks. Payload types that are the same as Bitcoin's use the `bitcoin`
//! crate's encodings; limits are checked on counts before items are decoded.

use bitcoin::consensus::encode::{deserialize_partial, serialize, Decodable};
use bitcoin::p2p::address::{AddrV2Message, Address};
use bitcoin::p2p::message_blockdata::Inventory;
use bitcoin::p2p::ServiceFlags;
use primitives::encode::{write_compact_size, Reader};
use primitives::{Block, BlockHash, HashedTx, Header};

/// BIP339 and everything before it.
pub const PROTOCOL_VERSION: i32 = 70016;
/// Core's MIN_PEER_PROTO_VERSION.
pub const MIN_PEER_PROTOCOL_VERSION: i32 = 31800;
pub const MAX_HEADERS: usize = 2_000;
pub const MAX_INV: usize = 50_000;
pub const MAX_ADDR: usize = 1_000;
pub const MAX_LOCATOR: usize = 101;

/// Commands counted by name in `getpeerinfo` (others go under "*other*").
pub const KNOWN_COMMANDS: &[&str] = &[
    "version",
    "verack",
    "ping",
    "pong",
    "getaddr",
    "addr",
    "addrv2",
    "sendaddrv2",
    "sendheaders",
    "getheaders",
    "headers",
    "inv",
    "getdata",
    "notfound",
    "block",
    "tx",
    "wtxidrelay",
    "mempool",
    "feefilter",
    "sendcmpct",
];

#[derive(Debug, Clone)]
pub struct Version {
    /// Signed, as Core reads it: 0xffffffff is -1, an obsolete version.
    pub version: i32,
    pub services: ServiceFlags,
    pub timestamp: i64,
    pub receiver: Address,
    pub sender: Address,
    pub nonce: u64,
    pub user_agent: String,
    pub start_height: i32,
    pub relay: bool,
}

#[derive(Debug, Clone)]
pub struct Locator {
    pub version: u32,
    pub hashes: Vec<BlockHash>,
    pub stop: BlockHash,
}

#[derive(Debug, Clone)]
pub enum NetMessage {
    Version(Version),
    Verack,
    Ping(u64),
    Pong(u64),
    GetAddr,
    Addr(Vec<(u32, Address)>),
    AddrV2(Vec<AddrV2Message>),
    SendAddrV2,
    SendHeaders,
    GetHeaders(Locator),
    Headers(Vec<Header>),
    Inv(Vec<Inventory>),
    GetData(Vec<Inventory>),
    NotFound(Vec<Inventory>),
    Block(Box<Block>),
    /// A block already serialized (served from the store as is).
    RawBlock(Vec<u8>),
    Tx(Box<HashedTx>),
    /// A transaction already serialized (without witnesses, for MSG_TX).
    RawTx(Vec<u8>),
    WtxidRelay,
    Mempool,
    FeeFilter(i64),
    /// Any other command: ignored, as Core ignores unknown messages.
    Other(String),
}

/// Why a payload could not be decoded, or broke a protocol limit.
#[derive(Debug, thiserror::Error)]
pub enum PayloadError {
    #[error("{command}: {detail}")]
    Malformed { command: String, detail: String },
    #[error("{command} message size = {count}")]
    TooMany { command: &'static str, count: usize },
}

impl PayloadError {
    /// Limits broken on purpose are misbehaviour; garbled payloads are dropped.
    pub fn is_misbehaviour(&self) -> bool {
        matches!(self, PayloadError::TooMany { .. })
    }
}

impl NetMessage {
    pub fn command(&self) -> &str {
        match self {
            NetMessage::Version(_) => "version",
            NetMessage::Verack => "verack",
            NetMessage::Ping(_) => "ping",
            NetMessage::Pong(_) => "pong",
            NetMessage::GetAddr => "getaddr",
            NetMessage::Addr(_) => "addr",
            NetMessage::AddrV2(_) => "addrv2",
            NetMessage::SendAddrV2 => "sendaddrv2",
            NetMessage::SendHeaders => "sendheaders",
            NetMessage::GetHeaders(_) => "getheaders",
            NetMessage::Headers(_) => "headers",
            NetMessage::Inv(_) => "inv",
            NetMessage::GetData(_) => "getdata",
            NetMessage::NotFound(_) => "notfound",
            NetMessage::Block(_) | NetMessage::RawBlock(_) => "block",
            NetMessage::Tx(_) | NetMessage::RawTx(_) => "tx",
            NetMessage::WtxidRelay => "wtxidrelay",
            NetMessage::Mempool => "mempool",
            NetMessage::FeeFilter(_) => "feefilter",
            NetMessage::Other(command) => command,
        }
    }

    /// Payload size without encoding it (exact for blocks and transactions).
    pub fn approximate_size(&self) -> usize {
        match self {
            NetMessage::RawBlock(bytes) | NetMessage::RawTx(bytes) => bytes.len(),
            NetMessage::Block(block) => block.total_size(),
            NetMessage::Tx(tx) => tx.total_size(),
            NetMessage::Headers(h) => 3 + h.len() * 81,
            NetMessage::Inv(i) | NetMessage::GetData(i) | NetMessage::NotFound(i) => 3 + i.len() * 36,
            NetMessage::Addr(a) => 3 + a.len() * 30,
            NetMessage::AddrV2(a) => 3 + a.len() * 30,
            _ => 128,
        }
    }

    pub fn payload(&self) -> Vec<u8> {
        match self {
            NetMessage::Version(v) => {
                let mut out = Vec::new();
                out.extend_from_slice(&v.version.to_le_bytes());
                out.extend_from_slice(&serialize(&v.services));
                out.extend_from_slice(&v.timestamp.to_le_bytes());
                out.extend_from_slice(&serialize(&v.receiver));
                out.extend_from_slice(&serialize(&v.sender));
                out.extend_from_slice(&v.nonce.to_le_bytes());
                out.extend_from_slice(&serialize(&v.user_agent));
                out.extend_from_slice(&v.start_height.to_le_bytes());
                out.push(u8::from(v.relay));
                out
            }
            NetMessage::Ping(nonce) | NetMessage::Pong(nonce) => nonce.to_le_bytes().to_vec(),
            NetMessage::Addr(list) => serialize(list),
            NetMessage::AddrV2(list) => serialize(list),
            NetMessage::GetHeaders(locator) => {
                let mut out = locator.version.to_le_bytes().to_vec();
                out.extend_from_slice(&serialize(&locator.hashes));
                out.extend_from_slice(&serialize(&locator.stop));
                out
            }
            NetMessage::Headers(headers) => {
                let mut out = Vec::with_capacity(3 + headers.len() * 81);
                write_compact_size(&mut out, headers.len() as u64);
                for header in headers {
                    primitives::block::encode_header(header, &mut out);
                    out.push(0);
                }
                out
            }
            NetMessage::Inv(items) | NetMessage::GetData(items) | NetMessage::NotFound(items) => serialize(items),
            NetMessage::Block(block) => block.serialize(),
            NetMessage::RawBlock(bytes) | NetMessage::RawTx(bytes) => bytes.clone(),
            NetMessage::Tx(tx) => tx.serialize(),
            NetMessage::FeeFilter(rate) => rate.to_le_bytes().to_vec(),
            NetMessage::Verack
            | NetMessage::GetAddr
            | NetMessage::SendAddrV2
            | NetMessage::SendHeaders
            | NetMessage::WtxidRelay
            | NetMessage::Mempool
            | NetMessage::Other(_) => Vec::new(),
        }
    }

    pub fn decode(command: &str, payload: &[u8]) -> Result<NetMessage, PayloadError> {
        let malformed = |detail: String| PayloadError::Malformed { command: command.to_string(), detail };
        let message = match command {
            "version" => NetMessage::Version(decode_version(payload).map_err(malformed)?),
            "verack" => NetMessage::Verack,
            "ping" => NetMessage::Ping(decode_exact::<u64>(payload).map_err(malformed)?),
            "pong" => NetMessage::Pong(decode_exact::<u64>(payload).map_err(malformed)?),
            "getaddr" => NetMessage::GetAddr,
            "addr" => {
                check_count(payload, "addr", MAX_ADDR)?;
                NetMessage::Addr(decode_exact(payload).map_err(malformed)?)
            }
            "addrv2" => {
                check_count(payload, "addrv2", MAX_ADDR)?;
                NetMessage::AddrV2(decode_exact(payload).map_err(malformed)?)
            }
            "sendaddrv2" => NetMessage::SendAddrV2,
            "sendheaders" => NetMessage::SendHeaders,
            "getheaders" => {
                let version = payload.get(..4).ok_or_else(|| malformed("truncated".into()))?;
                let version = u32::from_le_bytes([version[0], version[1], version[2], version[3]]);
                check_count(&payload[4..], "getheaders", MAX_LOCATOR)?;
                let (hashes, used): (Vec<BlockHash>, usize) =
                    deserialize_partial(&payload[4..]).map_err(|e| malformed(e.to_string()))?;
                let stop = decode_exact::<BlockHash>(&payload[4 + used..]).map_err(malformed)?;
                NetMessage::GetHeaders(Locator { version, hashes, stop })
            }
            "headers" => NetMessage::Headers(decode_headers(payload).map_err(|e| match e {
                Ok(limit) => limit,
                Err(detail) => malformed(detail),
            })?),
            "inv" | "getdata" | "notfound" => {
                let name = match command {
                    "inv" => "inv",
                    "getdata" => "getdata",
                    _ => "notfound",
                };
                check_count(payload, name, MAX_INV)?;
                let items = decode_exact(payload).map_err(malformed)?;
                match command {
                    "inv" => NetMessage::Inv(items),
                    "getdata" => NetMessage::GetData(items),
                    _ => NetMessage::NotFound(items),
                }
            }
            "block" => NetMessage::Block(Box::new(Block::from_bytes(payload).map_err(|e| malformed(e.to_string()))?)),
            "tx" => NetMessage::Tx(Box::new(HashedTx::from_bytes(payload).map_err(|e| malformed(e.to_string()))?)),
            "wtxidrelay" => NetMessage::WtxidRelay,
            "mempool" => NetMessage::Mempool,
            "feefilter" => NetMessage::FeeFilter(decode_exact::<i64>(payload).map_err(malformed)?),
            other => NetMessage::Other(other.to_string()),
        };
        Ok(message)
    }
}

fn decode_exact<T: Decodable>(payload: &[u8]) -> Result<T, String> {
    match deserialize_partial::<T>(payload) {
        Ok((value, used)) if used == payload.len() => Ok(value),
        Ok(_) => Err("trailing data".into()),
        Err(e) => Err(e.to_string()),
    }
}

/// Refuses a list whose count is over `limit` before decoding any item.
fn check_count(payload: &[u8], command: &'static str, limit: usize) -> Result<(), PayloadError> {
    let mut reader = Reader::new(payload);
    match reader.compact_size("count") {
        Ok(count) if count > limit as u64 => Err(PayloadError::TooMany { command, count: count as usize }),
        _ => Ok(()),
    }
}

fn decode_headers(payload: &[u8]) -> Result<Vec<Header>, Result<PayloadError, String>> {
    let mut reader = Reader::new(payload);
    let count = reader.compact_size("count").map_err(|e| Err(e.to_string()))?;
    if count > MAX_HEADERS as u64 {
        return Err(Ok(PayloadError::TooMany { command: "headers", count: count as usize }));
    }
    let mut headers = Vec::with_capacity(count as usize);
    for _ in 0..count {
        headers.push(primitives::block::decode_header(&mut reader).map_err(|e| Err(e.to_string()))?);
        // Each header is followed by a transaction count, always zero.
        if reader.compact_size("tx count").map_err(|e| Err(e.to_string()))? != 0 {
            return Err(Err("header with a non-zero transaction count".into()));
        }
    }
    reader.finish().map_err(|e| Err(e.to_string()))?;
    Ok(headers)
}

/// The `relay` byte is optional (BIP37), and so is everything after the
/// sender address for very old peers; Core accepts those.
fn decode_version(payload: &[u8]) -> Result<Version, String> {
    let mut cursor = payload;
    let r = &mut cursor;
    let err = |e: bitcoin::consensus::encode::Error| e.to_string();
    let version = i32::consensus_decode(r).map_err(err)?;
    let services = ServiceFlags::consensus_decode(r).map_err(err)?;
    let timestamp = i64::consensus_decode(r).map_err(err)?;
    let receiver = Address::consensus_decode(r).map_err(err)?;
    let sender = Address::consensus_decode(r).map_err(err)?;
    let nonce = u64::consensus_decode(r).map_err(err)?;
    let user_agent = String::consensus_decode(r).map_err(err)?;
    if user_agent.len() > 256 {
        return Err("user agent too long".into());
    }
    let start_height = i32::consensus_decode(r).map_err(err)?;
    let relay = match r.first() {
        Some(&b) => b != 0,
        None => true,
    };
    Ok(Version { version, services, timestamp, receiver, sender, nonce, user_agent, start_height, relay })
}

#[cfg(test)]
mod tests {
    use super::*;
    use bitcoin::hashes::Hash;

    fn round_trip(message: NetMessage) -> NetMessage {
        NetMessage::decode(message.command(), &message.payload()).unwrap()
    }

    #[test]
    fn messages_round_trip() {
        let addr = Address::new(&"127.0.0.1:27877".parse().unwrap(), ServiceFlags::NETWORK);
        let version = Version {
            version: PROTOCOL_VERSION,
            services: ServiceFlags::NETWORK | ServiceFlags::WITNESS,
            timestamp: 1_700_000_000,
            receiver: addr.clone(),
            sender: addr,
            nonce: 42,
            user_agent: "/Zennet:0.1.0/".into(),
            start_height: 7,
            relay: true,
        };
        match round_trip(NetMessage::Version(version)) {
            NetMessage::Version(v) => {
                assert_eq!((v.nonce, v.start_height, v.user_agent.as_str()), (42, 7, "/Zennet:0.1.0/"))
            }
            other => panic!("{other:?}"),
        }
        let locator = Locator {
            version: PROTOCOL_VERSION as u32,
            hashes: vec![BlockHash::all_zeros(); 3],
            stop: BlockHash::all_zeros(),
        };
        assert!(
            matches!(round_trip(NetMessage::GetHeaders(locator)), NetMessage::GetHeaders(l) if l.hashes.len() == 3)
        );
        assert!(matches!(round_trip(NetMessage::Ping(9)), NetMessage::Ping(9)));
        assert!(matches!(round_trip(NetMessage::FeeFilter(1000)), NetMessage::FeeFilter(1000)));
    }

    #[test]
    fn limits_are_checked_on_the_count() {
        let mut payload = Vec::new();
        write_compact_size(&mut payload, 2_001);
        let err = NetMessage::decode("headers", &payload).unwrap_err();
        assert!(err.is_misbehaviour(), "{err}");
        let mut payload = Vec::new();
        write_compact_size(&mut payload, 50_001);
        assert!(NetMessage::decode("inv", &payload).unwrap_err().is_misbehaviour());
        assert!(!NetMessage::decode("ping", &[1, 2]).unwrap_err().is_misbehaviour());
    }

    proptest::proptest! {
        #[test]
        fn any_payload_decodes_or_is_refused_and_decoded_ones_round_trip(
            selector in 0usize..KNOWN_COMMANDS.len(),
            payload in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..300),
        ) {
            let command = KNOWN_COMMANDS[selector];
            if let Ok(message) = NetMessage::decode(command, &payload) {
                let encoded = message.payload();
                let again = NetMessage::decode(message.command(), &encoded).unwrap();
                proptest::prop_assert_eq!(again.payload(), encoded);
            }
        }

        #[test]
        fn inventories_round_trip(hashes in proptest::collection::vec(proptest::prelude::any::<[u8; 32]>(), 0..60)) {
            let items: Vec<Inventory> =
                hashes.iter().map(|h| Inventory::WitnessBlock(BlockHash::from_byte_array(*h))).collect();
            let message = round_trip(NetMessage::GetData(items.clone()));
            proptest::prop_assert!(matches!(message, NetMessage::GetData(got) if got == items));
        }
    }
}
