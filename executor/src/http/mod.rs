//! The per-user HTTP client (owned by the engine work; see issue 3).
//!
//! INTERFACE STUB: the scenario interpreter codes against these names. The engine work fills in the
//! implementation and may add fields; keep the names stable.

use std::sync::Arc;
use std::time::Duration;

/// Client settings shared by every user of one execution (built once, before the load starts).
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub keepalive: bool,
    pub connect_timeout: Duration,
    pub follow_redirects: bool,
    pub store_cookies: bool,
    /// JMeter accepts any certificate; so do we unless asked to verify.
    pub verify_tls: bool,
}

/// One request, already rendered (no templates left).
#[derive(Debug)]
pub struct RequestParts<'a> {
    pub method: &'a http::Method,
    pub url: &'a str,
    pub headers: &'a [(http::HeaderName, http::HeaderValue)],
    pub body: &'a [u8],
    /// Response timeout (JMeter's response timeout; 30 s default).
    pub timeout: Duration,
    pub follow_redirects: bool,
    /// Keep the body in [`Response::body`] (extractors/assertions need it); otherwise it is only counted.
    pub want_body: bool,
}

/// Timings of one exchange, JMeter's definitions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    pub connect: Duration,
    pub latency: Duration,
    pub elapsed: Duration,
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    pub headers: http::HeaderMap,
    /// Empty unless `want_body`.
    pub body: bytes::Bytes,
    pub timing: Timing,
    /// Bytes received, headers + body.
    pub bytes: u64,
    pub sent_bytes: u64,
}

/// Transport failure classes, named as JMeter's exceptions so DLT dashboards read them as before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    UnknownHost,
    ConnectRefused,
    ConnectTimeout,
    ResponseTimeout,
    NoHttpResponse,
    Tls,
    Other,
}

#[derive(Debug, Clone)]
pub struct TransportError {
    pub kind: ErrorKind,
    pub message: Arc<str>,
    pub timing: Timing,
}

/// One virtual user's client: its own connection(s) and cookie jar.
pub struct Client {
    _config: ClientConfig,
}

impl Client {
    pub fn new(config: ClientConfig) -> Self {
        Self { _config: config }
    }

    pub async fn send(&mut self, _req: &RequestParts<'_>) -> Result<Response, TransportError> {
        todo!("engine work: the HTTP client")
    }
}
