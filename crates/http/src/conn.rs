//! Opening connections: TCP (IPv4/IPv6, every resolved address in turn), TLS with ALPN, then our
//! HTTP/1.1 codec or hyper's HTTP/2 handshake.

use super::h1::H1Conn;
use super::stream::Stream;
use super::target::{DnsCache, Target};
use super::timing::Timing;
use super::{Detail, ErrorKind, TransportError, error::io_kind};
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;

/// An open connection. HTTP/1.1 is our own codec driven by the user's task ([`H1Conn`]); HTTP/2
/// connections run in a spawned task, as hyper requires.
pub enum Conn {
    H1(H1Conn),
    H2 { sender: super::h2::Sender },
}

impl Conn {
    /// Whether the kept connection can take the next request.
    pub async fn usable(&mut self) -> bool {
        match self {
            Conn::H1(c) => c.usable().await,
            Conn::H2 { sender } => !sender.is_closed(),
        }
    }
}

/// Everything shared by the users of one run: DNS answers and the two TLS configurations.
#[derive(Clone)]
pub struct Connector {
    pub dns: DnsCache,
    tls_verify: Arc<rustls::ClientConfig>,
    tls_any: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for Connector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connector").finish_non_exhaustive()
    }
}

impl Default for Connector {
    fn default() -> Self {
        Self::new()
    }
}

impl Connector {
    pub fn new() -> Self {
        Connector {
            dns: DnsCache::default(),
            tls_verify: Arc::new(super::tls::config(true)),
            tls_any: Arc::new(super::tls::config(false)),
        }
    }

    /// Opens a connection to `t`'s origin. `started` is the sample's start (timings are relative to it).
    pub async fn connect(
        &self,
        t: &Target,
        verify_tls: bool,
        timeout: Duration,
        started: Instant,
    ) -> Result<(Conn, Duration), TransportError> {
        let fail = |kind, detail: Detail| {
            let elapsed = started.elapsed();
            let timing = Timing {
                connect: Duration::ZERO,
                latency: Duration::ZERO,
                elapsed,
            };
            TransportError::new(kind, detail, timing)
        };
        let addrs = self
            .dns
            .resolve(&t.origin.host, t.origin.port)
            .await
            .map_err(|m| fail(ErrorKind::UnknownHost, m.into()))?;
        let connect_start = Instant::now();
        // One deadline for TCP and TLS together.
        let connect_by = super::deadline(timeout);
        let tcp = tcp_connect(&addrs, connect_by, &t.authority).await;
        let tcp = tcp.map_err(|(k, m)| fail(k, m))?;
        let _ = tcp.set_nodelay(true);
        let stream = if t.origin.https {
            let cfg = if verify_tls {
                &self.tls_verify
            } else {
                &self.tls_any
            };
            let name = ServerName::try_from(t.origin.host.to_string())
                .map_err(|_| fail(ErrorKind::Tls, "invalid TLS server name".into()))?;
            let tls = tokio::time::timeout_at(
                connect_by,
                TlsConnector::from(cfg.clone()).connect(name, tcp),
            );
            match tls.await {
                Err(_) => return Err(fail(ErrorKind::ConnectTimeout, "connect timed out".into())),
                Ok(Err(e)) => return Err(fail(ErrorKind::Tls, e.to_string().into())),
                Ok(Ok(s)) => Stream::Tls(Box::new(s)),
            }
        } else {
            Stream::Plain(tcp)
        };
        let h2 = matches!(&stream, Stream::Tls(s) if s.get_ref().1.alpn_protocol() == Some(b"h2"));
        let conn = if h2 {
            let (sender, conn) = http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
                .await
                .map_err(|e| fail(ErrorKind::Other, e.to_string().into()))?;
            tokio::spawn(conn);
            Conn::H2 { sender }
        } else {
            Conn::H1(H1Conn::new(stream))
        };
        Ok((conn, connect_start.elapsed()))
    }
}

/// Tries every address in turn (IPv4 and IPv6 as resolved), within one overall connect timeout.
async fn tcp_connect(
    addrs: &[std::net::SocketAddr],
    deadline: tokio::time::Instant,
    authority: &str,
) -> Result<TcpStream, (ErrorKind, Detail)> {
    let mut last = (ErrorKind::Other, format!("{authority}: no address").into());
    for addr in addrs {
        match tokio::time::timeout_at(deadline, TcpStream::connect(addr)).await {
            Ok(Ok(s)) => return Ok(s),
            Ok(Err(e)) => last = io_kind(&e),
            Err(_) => {
                let ip = addr.ip();
                let msg = format!("Connect to {authority} [/{ip}] failed: connect timed out");
                return Err((ErrorKind::ConnectTimeout, msg.into()));
            }
        }
    }
    Err(last)
}
