//! Message framing: `magic ‖ command[12] ‖ length:u32 ‖ checksum[4] ‖ payload`,
//! as Bitcoin's, with Zennet's magic. The length is checked before the
//! payload is read, so a peer cannot make the node allocate what it claims.

use bitcoin::hashes::{sha256d, Hash};
use tokio::io::{AsyncRead, AsyncReadExt};

/// Core's MAX_PROTOCOL_MESSAGE_LENGTH.
pub const MAX_MESSAGE_LENGTH: u32 = 4_000_000;
pub const HEADER_LEN: usize = 24;

/// A frame whose header was sound; the payload may still be damaged.
#[derive(Debug)]
pub struct Frame {
    pub command: String,
    pub payload: Vec<u8>,
    /// Whether the payload matched its checksum.
    pub checksum_ok: bool,
    /// Bytes on the wire, header included.
    pub wire_len: usize,
}

/// Why reading stopped.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("wrong network magic {0}")]
    WrongMagic(String),
    #[error("message length {0} exceeds the maximum of {MAX_MESSAGE_LENGTH}")]
    Oversized(u32),
    #[error("malformed command name")]
    BadCommand,
    #[error("connection closed")]
    Closed,
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl FrameError {
    /// Protocol violations (as opposed to the connection simply ending).
    pub fn is_misbehaviour(&self) -> bool {
        matches!(self, FrameError::WrongMagic(_) | FrameError::Oversized(_) | FrameError::BadCommand)
    }
}

pub fn checksum(payload: &[u8]) -> [u8; 4] {
    let hash = sha256d::Hash::hash(payload).to_byte_array();
    [hash[0], hash[1], hash[2], hash[3]]
}

/// Frames `payload` under `command`.
pub fn encode_frame(magic: [u8; 4], command: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&magic);
    let mut name = [0u8; 12];
    name[..command.len().min(12)].copy_from_slice(&command.as_bytes()[..command.len().min(12)]);
    out.extend_from_slice(&name);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(payload));
    out.extend_from_slice(payload);
    out
}

/// Reads one frame. A clean end of stream before a header is `Closed`; an
/// end inside a frame is an I/O error (the peer is simply gone).
pub async fn read_frame<R: AsyncRead + Unpin>(reader: &mut R, magic: [u8; 4]) -> Result<Frame, FrameError> {
    let mut header = [0u8; HEADER_LEN];
    match reader.read(&mut header[..1]).await? {
        0 => return Err(FrameError::Closed),
        _ => reader.read_exact(&mut header[1..]).await?,
    };
    if header[..4] != magic {
        return Err(FrameError::WrongMagic(hex::encode(&header[..4])));
    }
    let command = parse_command(&header[4..16]).ok_or(FrameError::BadCommand)?;
    let length = u32::from_le_bytes([header[16], header[17], header[18], header[19]]);
    if length > MAX_MESSAGE_LENGTH {
        return Err(FrameError::Oversized(length));
    }
    // Grown as bytes arrive: a peer claiming 4 MB and sending little costs little.
    let mut payload = Vec::with_capacity((length as usize).min(64 * 1024));
    reader.take(u64::from(length)).read_to_end(&mut payload).await?;
    if payload.len() < length as usize {
        return Err(FrameError::Io(std::io::ErrorKind::UnexpectedEof.into()));
    }
    let checksum_ok = checksum(&payload) == header[20..24];
    Ok(Frame { command, payload, checksum_ok, wire_len: HEADER_LEN + length as usize })
}

/// ASCII letters and digits, NUL-padded, as Core's `IsCommandValid`.
fn parse_command(raw: &[u8]) -> Option<String> {
    let end = raw.iter().position(|&b| b == 0).unwrap_or(raw.len());
    if raw[end..].iter().any(|&b| b != 0) || !raw[..end].iter().all(|b| b.is_ascii_graphic()) {
        return None;
    }
    Some(String::from_utf8_lossy(&raw[..end]).into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MAGIC: [u8; 4] = [0x5a, 0x4e, 0x54, 0x03];

    #[tokio::test]
    async fn frames_round_trip_and_refuse_bad_headers() {
        let bytes = encode_frame(MAGIC, "ping", &7u64.to_le_bytes());
        let frame = read_frame(&mut &bytes[..], MAGIC).await.unwrap();
        assert_eq!((frame.command.as_str(), frame.checksum_ok, frame.wire_len), ("ping", true, 32));

        let mut bad_sum = bytes.clone();
        bad_sum[30] ^= 1;
        assert!(!read_frame(&mut &bad_sum[..], MAGIC).await.unwrap().checksum_ok);

        let err = read_frame(&mut &bytes[..], [0xf9, 0xbe, 0xb4, 0xd9]).await.unwrap_err();
        assert!(matches!(err, FrameError::WrongMagic(_)));

        let mut huge = bytes.clone();
        huge[16..20].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(matches!(read_frame(&mut &huge[..], MAGIC).await.unwrap_err(), FrameError::Oversized(u32::MAX)));

        let cut = &bytes[..28];
        assert!(matches!(read_frame(&mut &cut[..], MAGIC).await.unwrap_err(), FrameError::Io(_)));
        assert!(matches!(read_frame(&mut &[][..], MAGIC).await.unwrap_err(), FrameError::Closed));
    }
}
