//! The per-user HTTP client: one virtual user's connections and cookie jar.
//!
//! Not reqwest: JMeter (and so Taurus and DLT) reports connect time and time to first byte, which
//! reqwest hides. HTTP/1.1 is our own small codec driven by the user's own task ([`h1`]): hyper's
//! client connection cost ~29 KB per user and a dozen allocations per request, which kept us from the
//! memory and CPU targets. HTTP/2 goes through hyper (`h2.rs`).
//!
//! Behaviour, JMeter's defaults unless said otherwise:
//! - HTTP/1.1 keep-alive with one connection per origin per user; `keepalive: false` opens a new
//!   connection for every request and sends `Connection: close`. A reused connection that turns out to
//!   be closed by the server before any response byte is retried once on a fresh connection; one idle
//!   for 1.7 s or more is probed before reuse (HttpClient's `validate_after_inactivity`, as JMeter).
//! - Response bodies are framed as RFC 9112 says: `Content-Length`, chunked, or until close; none for
//!   HEAD, 1xx, 204 and 304. Bytes are counted as received, chunk framing included, as JMeter
//!   counts a connection's bytes. Only a request that got no response byte on a reused connection
//!   is retried, and only if it was not fully sent or its method is idempotent (RFC 9110 §9.2.2).
//! - HTTP/2 when the server picks `h2` by ALPN over TLS (never over clear text).
//! - TLS with rustls (aws-lc-rs); certificates are NOT checked by default, like JMeter
//!   ([`ClientConfig::verify_tls`], see [`tls`]).
//! - DNS answers are cached for the whole run ([`Connector`], shared by every user).
//! - Timeouts (0 means none, as in JMeter): `connect_timeout` covers TCP connect and the TLS
//!   handshake; the per-request `timeout` is the response (read) timeout, restarted by every read
//!   like a socket timeout.
//! - Redirects are followed up to [`MAX_REDIRECTS`]; 301/302/303 turn the method into GET without a
//!   body (what browsers and HttpClient do), 307/308 keep both. The sample covers the whole chain:
//!   `elapsed` ends with the last body, `latency` is the first byte of the final response, `connect` and
//!   `bytes` are summed.
//! - `gzip`/`deflate` response bodies are decoded when the scenario reads the body (extractors,
//!   assertions), as JMeter's HttpClient does; bytes are counted as received (`coding.rs`).
//! - Cookies are stored per user when `store_cookies` is on and sent on every matching request.
//! - Timings follow JMeter: latency and elapsed both start before the connect, so they include it;
//!   `connect` is 0 on a reused connection. Bytes received = status line + headers + body.

mod coding;
mod conn;
pub mod cookies;
mod error;
pub mod h1;
mod h2;
mod outgoing;
mod stream;
pub mod target;
mod timing;
pub mod tls;

pub use conn::Connector;
pub use cookies::{Cookie, Jar};
pub use error::{Detail, ErrorKind, Message, TransportError};
pub use timing::Timing;
use timing::{Failed, deadline};

use bytes::BytesMut;
use conn::Conn;
use http::{HeaderMap, Method, header};
use std::pin::Pin;
use std::time::{Duration, Instant};
use target::{Origin, Target};

/// The most redirects followed for one sample (JMeter's `httpsampler.max_redirects` default is 20).
pub const MAX_REDIRECTS: usize = 20;

/// Client settings shared by every user of one execution (built once, before the load starts).
#[derive(Clone, Debug)]
pub struct ClientConfig {
    pub keepalive: bool,
    pub connect_timeout: Duration,
    pub follow_redirects: bool,
    pub store_cookies: bool,
    /// JMeter accepts any certificate; so do we unless asked to verify (scenario `verify-ssl: true`).
    pub verify_tls: bool,
}

impl Default for ClientConfig {
    /// Taurus's defaults: keep-alive, 30 s timeout, follow redirects, store cookies, no certificate check.
    fn default() -> Self {
        ClientConfig {
            keepalive: true,
            connect_timeout: Duration::from_secs(30),
            follow_redirects: true,
            store_cookies: true,
            verify_tls: false,
        }
    }
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
    /// Fill [`Response::headers`] with every field (extractors/assertions need them). Otherwise, over
    /// HTTP/1.1, only a redirect's `Location` is kept: no header map is built on the hot path.
    pub want_headers: bool,
}

#[derive(Debug)]
pub struct Response {
    pub status: u16,
    /// Every field if [`RequestParts::want_headers`] (or HTTP/2); else only a redirect's `Location`.
    pub headers: http::HeaderMap,
    /// Empty unless `want_body`.
    pub body: bytes::Bytes,
    pub timing: Timing,
    /// Bytes received, headers + body.
    pub bytes: u64,
    pub sent_bytes: u64,
    /// HTTP/1.1 or HTTP/2 (ALPN).
    pub version: http::Version,
    /// The server's reason phrase when it is not the standard one (`File not found` for a 404):
    /// JMeter's `responseMessage`, which Taurus uses as the error message.
    pub custom_reason: Option<std::sync::Arc<str>>,
    /// JMeter's response-headers text, when [`RequestParts::want_headers`] over HTTP/1: the status
    /// line and the fields with the names as the server wrote them (`Content-Type`), each line
    /// ending in `\n`. `None` over HTTP/2, whose names are lower case on the wire.
    pub headers_text: Option<Box<str>>,
}

impl Response {
    /// JMeter's `responseMessage`: the server's reason phrase, else the standard one for the status.
    pub fn reason(&self) -> &str {
        match &self.custom_reason {
            Some(r) => r,
            None => http::StatusCode::from_u16(self.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or(""),
        }
    }
}

/// One virtual user's client: its own connection(s) and cookie jar.
pub struct Client {
    config: ClientConfig,
    connector: Connector,
    /// Parsed URLs, most recent last; a user's scenario has few distinct URLs.
    targets: Vec<(Box<str>, Target)>,
    conns: Vec<(Origin, Conn)>,
    jar: Jar,
    /// One timer re-armed per wait, instead of a new timer per request.
    timer: Option<Pin<Box<tokio::time::Sleep>>>,
    body_buf: BytesMut,
    /// The HTTP/1.1 request being sent, encoded in place (reused, so no allocation per request).
    wire: Vec<u8>,
}

/// One hop's outcome, whatever the protocol.
struct Hop {
    status: u16,
    version: http::Version,
    headers: HeaderMap,
    reason: Option<std::sync::Arc<str>>,
    latency: Duration,
    bytes: u64,
    sent: u64,
    close: bool,
    coding: coding::Coding,
    headers_text: Option<Box<str>>,
}

/// Running totals over a redirect chain.
#[derive(Default)]
struct Totals {
    connect: Duration,
    bytes: u64,
    sent: u64,
}

const TARGET_CACHE: usize = 32;

impl Client {
    /// A client with its own DNS cache and TLS setup (tests, single users).
    pub fn new(config: ClientConfig) -> Self {
        Self::with_connector(config, Connector::new())
    }

    /// A client sharing the run's DNS cache and TLS configurations (what the engine uses).
    pub fn with_connector(config: ClientConfig, connector: Connector) -> Self {
        Client {
            config,
            connector,
            targets: Vec::new(),
            conns: Vec::new(),
            jar: Jar::default(),
            timer: None,
            body_buf: BytesMut::new(),
            wire: Vec::new(),
        }
    }

    pub fn config(&self) -> &ClientConfig {
        &self.config
    }

    /// The user's cookie jar (the scenario pre-seeds `cookies:` here).
    pub fn cookies_mut(&mut self) -> &mut Jar {
        &mut self.jar
    }

    /// Closes every connection (the next request connects again).
    pub fn close_connections(&mut self) {
        self.conns.clear();
    }

    /// Sends one request, following redirects if asked. A response with any status is `Ok`.
    pub async fn send(&mut self, req: &RequestParts<'_>) -> Result<Response, TransportError> {
        let started = Instant::now();
        let mut url: std::borrow::Cow<'_, str> = req.url.into();
        let mut method = req.method.clone();
        let mut body: &[u8] = req.body;
        let mut totals = Totals::default();
        for _ in 0..=MAX_REDIRECTS {
            let ti = self.target_index(&url)?;
            let resp = self
                .exchange(ti, &method, req, body, started, &mut totals)
                .await?;
            let next = match (req.follow_redirects, resp.status) {
                (true, 301 | 302 | 303 | 307 | 308) => resp
                    .headers
                    .get(header::LOCATION)
                    .and_then(|l| l.to_str().ok())
                    .and_then(|l| url::Url::parse(&url).ok()?.join(l).ok()),
                _ => None,
            };
            let Some(next) = next else {
                return Ok(resp);
            };
            if matches!(resp.status, 301..=303) && method != Method::HEAD {
                method = Method::GET;
                body = b"";
            }
            url = String::from(next).into();
        }
        let timing = Timing {
            connect: totals.connect,
            latency: Duration::ZERO,
            elapsed: started.elapsed(),
        };
        let msg = format!("Exceeded maximum number of redirects: {MAX_REDIRECTS}");
        Err(TransportError::new(
            ErrorKind::TooManyRedirects,
            msg.into(),
            timing,
        ))
    }

    fn target_index(&mut self, url: &str) -> Result<usize, TransportError> {
        if let Some(i) = self.targets.iter().position(|(u, _)| &**u == url) {
            return Ok(i);
        }
        let t = Target::parse(url)?;
        if self.targets.len() >= TARGET_CACHE {
            self.targets.remove(0);
        }
        self.targets.push((url.into(), t));
        Ok(self.targets.len() - 1)
    }

    /// One request/response on a connection to the target's origin (one hop of a redirect chain).
    async fn exchange(
        &mut self,
        ti: usize,
        method: &Method,
        req: &RequestParts<'_>,
        body: &[u8],
        started: Instant,
        totals: &mut Totals,
    ) -> Result<Response, TransportError> {
        let mut retried = false;
        loop {
            let t = &self.targets[ti].1;
            let (ci, reused) = checkout(
                &mut self.conns,
                &self.connector,
                &self.config,
                t,
                started,
                totals,
            )
            .await?;
            self.body_buf.clear();
            match self.hop(ti, ci, method, req, body, started).await {
                Ok(hop) => {
                    totals.bytes += hop.bytes;
                    totals.sent += hop.sent;
                    if !self.config.keepalive || hop.close {
                        self.conns.swap_remove(ci);
                    }
                    let timing = Timing {
                        connect: totals.connect,
                        latency: hop.latency,
                        elapsed: started.elapsed(),
                    };
                    let raw = if req.want_body {
                        self.body_buf.split().freeze()
                    } else {
                        bytes::Bytes::new()
                    };
                    // What extractors and assertions read is the decoded body, as in JMeter.
                    let body = match hop.coding {
                        coding::Coding::Identity => raw,
                        _ if raw.is_empty() => raw,
                        c => match c.decode(&raw) {
                            Ok(v) => v.into(),
                            Err(m) => {
                                return Err(TransportError::new(
                                    ErrorKind::Other,
                                    m.into(),
                                    timing,
                                ));
                            }
                        },
                    };
                    return Ok(Response {
                        status: hop.status,
                        headers: hop.headers,
                        body,
                        timing,
                        bytes: totals.bytes,
                        sent_bytes: totals.sent,
                        version: hop.version,
                        custom_reason: hop.reason,
                        headers_text: hop.headers_text,
                    });
                }
                Err(f) => {
                    self.conns.swap_remove(ci);
                    // Only a request that cannot have been acted on twice (RFC 9110 §9.2.2).
                    let retry = matches!(f.kind, ErrorKind::NoHttpResponse | ErrorKind::Other)
                        && (f.unsent || method.is_idempotent());
                    if reused && !retried && !f.answered && retry {
                        retried = true;
                        continue;
                    }
                    let timing = Timing {
                        connect: totals.connect,
                        latency: Duration::ZERO,
                        elapsed: started.elapsed(),
                    };
                    return Err(TransportError::new(f.kind, f.detail, timing));
                }
            }
        }
    }

    /// One request and its response on connection `ci`, by the connection's protocol.
    async fn hop(
        &mut self,
        ti: usize,
        ci: usize,
        method: &Method,
        req: &RequestParts<'_>,
        body: &[u8],
        started: Instant,
    ) -> Result<Hop, Failed> {
        let t = &self.targets[ti].1;
        let cookie = if self.config.store_cookies && !self.jar.is_empty() {
            self.jar.header_for(t)
        } else {
            None
        };
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::ZERO)));
        let keep_body = req.want_body.then_some(&mut self.body_buf);
        let out = h1::Outgoing {
            method,
            target: t,
            headers: req.headers,
            cookie: cookie.as_ref(),
            body,
            keepalive: self.config.keepalive,
        };
        match &mut self.conns[ci].1 {
            Conn::H1(conn) => {
                let close_after = h1::encode(&out, &mut self.wire);
                let mut headers = HeaderMap::new();
                let jar = &mut self.jar;
                let mut store = |v: &http::HeaderValue| jar.store(t, v);
                let mut sink = h1::Sink {
                    all: req.want_headers,
                    headers: &mut headers,
                    cookie: self.config.store_cookies.then_some(&mut store),
                };
                let reading = h1::Reading {
                    head_request: *method == Method::HEAD,
                    timeout: req.timeout,
                    started,
                    authority: &t.authority,
                    keep_body,
                };
                let x = conn.exchange(&self.wire, timer, reading, &mut sink).await?;
                Ok(Hop {
                    status: x.head.status,
                    version: if x.head.http10 {
                        http::Version::HTTP_10
                    } else {
                        http::Version::HTTP_11
                    },
                    headers,
                    reason: x.head.reason,
                    latency: x.latency,
                    bytes: x.bytes,
                    sent: self.wire.len() as u64,
                    close: x.head.close || close_after,
                    coding: x.head.coding,
                    headers_text: x.head.text,
                })
            }
            Conn::H2 { sender } => {
                let x = h2::exchange(sender, &out, timer, req.timeout, started, keep_body).await?;
                let coding = x
                    .headers
                    .get(header::CONTENT_ENCODING)
                    .map_or(coding::Coding::Identity, |v| {
                        coding::Coding::from_header(v.as_bytes())
                    });
                if self.config.store_cookies {
                    for v in x.headers.get_all(header::SET_COOKIE) {
                        self.jar.store(t, v);
                    }
                }
                Ok(Hop {
                    status: x.status,
                    version: http::Version::HTTP_2,
                    headers: x.headers,
                    reason: x.reason,
                    latency: x.latency,
                    bytes: x.bytes,
                    sent: x.sent,
                    close: false,
                    coding,
                    headers_text: None,
                })
            }
        }
    }
}

/// A connection to the target's origin: the kept one if it is still usable, else a new one.
/// Returns its index in `conns` and whether it was reused.
async fn checkout(
    conns: &mut Vec<(Origin, Conn)>,
    connector: &Connector,
    cfg: &ClientConfig,
    t: &Target,
    started: Instant,
    totals: &mut Totals,
) -> Result<(usize, bool), TransportError> {
    if let Some(i) = conns.iter().position(|(o, _)| *o == t.origin) {
        if cfg.keepalive && conns[i].1.usable().await {
            return Ok((i, true));
        }
        conns.swap_remove(i);
    }
    // Boxed: connecting (DNS, TCP, TLS, handshake) is a large future on a rare path; keeping it out
    // of the request's state machine keeps every user's task small.
    let opened = Box::pin(connector.connect(t, cfg.verify_tls, cfg.connect_timeout, started)).await;
    let (c, ct) = opened.map_err(|mut e| {
        e.timing.connect += totals.connect;
        e
    })?;
    totals.connect += ct;
    conns.push((t.origin.clone(), c));
    Ok((conns.len() - 1, false))
}
