//! Outbound connections through a SOCKS5 proxy (`-proxy`, RFC 1928, no
//! authentication), the destination given by name or address as Core does.

use std::net::SocketAddr;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Opens `target` (`host:port`) through the proxy at `proxy`.
pub async fn connect(proxy: SocketAddr, target: &str) -> std::io::Result<TcpStream> {
    let invalid = |what: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, format!("SOCKS5: {what}"));
    let (host, port) = target.rsplit_once(':').ok_or_else(|| invalid("target without a port"))?;
    let port: u16 = port.parse().map_err(|_| invalid("bad target port"))?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let mut stream = TcpStream::connect(proxy).await?;
    // Greeting: version 5, one method, no authentication.
    stream.write_all(&[5, 1, 0]).await?;
    let mut reply = [0u8; 2];
    stream.read_exact(&mut reply).await?;
    if reply != [5, 0] {
        return Err(invalid("proxy refused the no-authentication method"));
    }
    // CONNECT to an IPv4 or IPv6 address, or to a domain name.
    let mut request = vec![5, 1, 0];
    match host.parse::<std::net::IpAddr>() {
        Ok(std::net::IpAddr::V4(ip)) => {
            request.push(1);
            request.extend_from_slice(&ip.octets());
        }
        Ok(std::net::IpAddr::V6(ip)) => {
            request.push(4);
            request.extend_from_slice(&ip.octets());
        }
        Err(_) => {
            let name = host.as_bytes();
            if name.len() > 255 {
                return Err(invalid("host name too long"));
            }
            request.push(3);
            request.push(name.len() as u8);
            request.extend_from_slice(name);
        }
    }
    request.extend_from_slice(&port.to_be_bytes());
    stream.write_all(&request).await?;
    let mut head = [0u8; 4];
    stream.read_exact(&mut head).await?;
    if head[0] != 5 || head[1] != 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionRefused,
            format!("SOCKS5: the proxy could not connect to {target} (reply {})", head[1]),
        ));
    }
    // The bound address, which is of no use here.
    let skip = match head[3] {
        1 => 4,
        4 => 16,
        3 => usize::from(stream.read_u8().await?),
        _ => return Err(invalid("bad address type in the reply")),
    };
    let mut rest = vec![0u8; skip + 2];
    stream.read_exact(&mut rest).await?;
    Ok(stream)
}
