//! The per-user HTTP client: one virtual user's connections and cookie jar.
//!
//! Built on hyper 1 directly rather than reqwest: JMeter (and so Taurus and DLT) reports connect time
//! and time to first byte, which reqwest hides, and driving hyper's HTTP/1.1 connection from the
//! user's own task avoids a second task and a cross-task wake-up per request (see [`conn::Conn`]).
//!
//! Behaviour, JMeter's defaults unless said otherwise:
//! - HTTP/1.1 keep-alive with one connection per origin per user; `keepalive: false` opens a new
//!   connection for every request and sends `Connection: close`. A reused connection that turns out to
//!   be closed by the server before any response byte is retried once on a fresh connection.
//! - HTTP/2 when the server picks `h2` by ALPN over TLS (never over clear text).
//! - TLS with rustls (aws-lc-rs); certificates are NOT checked by default, like JMeter
//!   ([`ClientConfig::verify_tls`], see [`tls`]).
//! - DNS answers are cached for the whole run ([`Connector`], shared by every user).
//! - Timeouts: `connect_timeout` covers TCP connect and the TLS handshake; the per-request `timeout`
//!   is the response (read) timeout, restarted by every received body chunk like a socket timeout.
//! - Redirects are followed up to [`MAX_REDIRECTS`]; 301/302/303 turn the method into GET without a
//!   body (what browsers and HttpClient do), 307/308 keep both. The sample covers the whole chain:
//!   `elapsed` ends with the last body, `latency` is the first byte of the final response, `connect` and
//!   `bytes` are summed.
//! - Cookies are stored per user when `store_cookies` is on and sent on every matching request.
//! - Timings follow JMeter: latency and elapsed both start before the connect, so they include it;
//!   `connect` is 0 on a reused connection. Bytes received = status line + headers + body.

mod conn;
pub mod cookies;
mod error;
pub mod target;
pub mod tls;

pub use conn::Connector;
pub use cookies::{Cookie, Jar};
pub use error::{ErrorKind, TransportError};

use bytes::{Bytes, BytesMut};
use conn::Conn;
use error::hyper_kind;
use http::{HeaderValue, Method, header};
use http_body_util::{BodyExt, Full};
use std::future::{Future, poll_fn};
use std::pin::{Pin, pin};
use std::task::Poll;
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
    /// HTTP/1.1 or HTTP/2 (ALPN).
    pub version: http::Version,
    /// The server's reason phrase when it is not the standard one (`File not found` for a 404):
    /// JMeter's `responseMessage`, which Taurus uses as the error message.
    pub custom_reason: Option<std::sync::Arc<str>>,
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
        let mut body = if req.body.is_empty() {
            Bytes::new()
        } else {
            Bytes::copy_from_slice(req.body)
        };
        let mut totals = Totals::default();
        for _ in 0..=MAX_REDIRECTS {
            let ti = self.target_index(&url)?;
            let resp = self
                .exchange(ti, &method, req, body.clone(), started, &mut totals)
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
                body = Bytes::new();
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
            &msg,
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
        body: Bytes,
        started: Instant,
        totals: &mut Totals,
    ) -> Result<Response, TransportError> {
        let t = &self.targets[ti].1;
        let fail = |kind, detail: &str, totals: &Totals| {
            let timing = Timing {
                connect: totals.connect,
                latency: Duration::ZERO,
                elapsed: started.elapsed(),
            };
            TransportError::new(kind, detail, timing)
        };
        let cookie = if self.config.store_cookies && !self.jar.is_empty() {
            self.jar.header_for(t)
        } else {
            None
        };
        let timer = self
            .timer
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(Duration::ZERO)));
        let mut retried = false;
        let (ci, head) = loop {
            let (ci, reused) = checkout(
                &mut self.conns,
                &self.connector,
                &self.config,
                t,
                started,
                totals,
            )
            .await?;
            let conn = &mut self.conns[ci].1;
            let h2 = matches!(conn, Conn::H2 { .. });
            let (request, sent) = build_request(
                method,
                t,
                req.headers,
                cookie.as_ref(),
                body.clone(),
                h2,
                self.config.keepalive,
            );
            totals.sent += sent;
            let deadline = (Instant::now() + req.timeout).into();
            tokio::select! {
                r = round_trip(conn, request) => match r {
                    Ok(head) => break (ci, head),
                    Err(e) => {
                        let (kind, msg) = hyper_kind(&e, false, &t.authority);
                        self.conns.swap_remove(ci);
                        if reused && !retried && matches!(kind, ErrorKind::NoHttpResponse | ErrorKind::Other) {
                            retried = true;
                            continue;
                        }
                        return Err(fail(kind, &msg, totals));
                    }
                },
                _ = wait_until(timer, deadline) => {
                    self.conns.swap_remove(ci);
                    return Err(fail(ErrorKind::ResponseTimeout, "Read timed out", totals));
                }
            }
        };
        let latency = started.elapsed();
        let (parts, mut incoming) = head.into_parts();
        totals.bytes += head_size(&parts);
        if self.config.store_cookies {
            for v in parts.headers.get_all(header::SET_COOKIE) {
                self.jar.store(t, v);
            }
        }
        let conn = &mut self.conns[ci].1;
        self.body_buf.clear();
        let keep = req.want_body.then_some(&mut self.body_buf);
        match read_body(conn, &mut incoming, timer, req.timeout, keep).await {
            Ok(n) => totals.bytes += n,
            Err((kind, msg)) => {
                self.conns.swap_remove(ci);
                return Err(fail(kind, &msg, totals));
            }
        }
        if !self.config.keepalive || !conn.is_usable() {
            self.conns.swap_remove(ci);
        }
        Ok(Response {
            status: parts.status.as_u16(),
            headers: parts.headers,
            body: if req.want_body {
                self.body_buf.split().freeze()
            } else {
                Bytes::new()
            },
            timing: Timing {
                connect: totals.connect,
                latency,
                elapsed: started.elapsed(),
            },
            bytes: totals.bytes,
            sent_bytes: totals.sent,
            version: parts.version,
            custom_reason: parts
                .extensions
                .get::<hyper::ext::ReasonPhrase>()
                .map(|r| String::from_utf8_lossy(r.as_bytes()).into()),
        })
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
        if cfg.keepalive && usable(&mut conns[i].1).await {
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

/// Reads the body frame by frame with the response timeout restarted per frame; counts the bytes
/// and keeps them in `keep` if given.
async fn read_body(
    conn: &mut Conn,
    incoming: &mut hyper::body::Incoming,
    timer: &mut Pin<Box<tokio::time::Sleep>>,
    timeout: Duration,
    mut keep: Option<&mut BytesMut>,
) -> Result<u64, (ErrorKind, String)> {
    let mut n = 0;
    loop {
        let deadline = (Instant::now() + timeout).into();
        let frame = tokio::select! {
            f = next_frame(conn, incoming) => f,
            _ = wait_until(timer, deadline) => {
                return Err((ErrorKind::ResponseTimeout, "Read timed out".into()));
            }
        };
        match frame {
            None => return Ok(n),
            Some(Ok(f)) => {
                if let Some(d) = f.data_ref() {
                    n += d.len() as u64;
                    if let Some(buf) = keep.as_deref_mut() {
                        buf.extend_from_slice(d);
                    }
                }
            }
            Some(Err(e)) => return Err(hyper_kind(&e, true, "")),
        }
    }
}

/// Completes at `deadline`. The user's one timer is only re-armed when the deadline moves earlier or
/// when it fires before the deadline, so a request costs no timer registration in the common case
/// (deadlines only move forward while responses arrive in time).
async fn wait_until(timer: &mut Pin<Box<tokio::time::Sleep>>, deadline: tokio::time::Instant) {
    loop {
        if timer.deadline() > deadline {
            timer.as_mut().reset(deadline);
        }
        timer.as_mut().await;
        if tokio::time::Instant::now() >= deadline {
            return;
        }
        timer.as_mut().reset(deadline);
    }
}

/// Whether a kept connection can take the next request: polls it once so that a close by the server
/// while the user was idle is noticed before the request is written.
async fn usable(c: &mut Conn) -> bool {
    if let Conn::H1 { conn, done, .. } = c {
        poll_fn(|cx| {
            if !*done && conn.as_mut().poll(cx).is_ready() {
                *done = true;
            }
            Poll::Ready(())
        })
        .await;
    }
    c.is_usable()
}

/// Drives an HTTP/1.1 connection and `fut` together in the calling task, until `fut` is done.
async fn drive<F: Future>(conn: &mut Pin<Box<conn::H1Conn>>, done: &mut bool, fut: F) -> F::Output {
    let mut fut = pin!(fut);
    poll_fn(|cx| {
        if !*done && conn.as_mut().poll(cx).is_ready() {
            *done = true;
        }
        fut.as_mut().poll(cx)
    })
    .await
}

async fn round_trip(
    c: &mut Conn,
    req: http::Request<Full<Bytes>>,
) -> Result<http::Response<hyper::body::Incoming>, hyper::Error> {
    match c {
        Conn::H2 { sender } => {
            sender.ready().await?;
            sender.send_request(req).await
        }
        Conn::H1 { sender, conn, done } => {
            drive(conn, done, sender.ready()).await?;
            drive(conn, done, sender.send_request(req)).await
        }
    }
}

async fn next_frame(
    c: &mut Conn,
    body: &mut hyper::body::Incoming,
) -> Option<Result<hyper::body::Frame<Bytes>, hyper::Error>> {
    match c {
        Conn::H2 { .. } => body.frame().await,
        Conn::H1 { conn, done, .. } => drive(conn, done, body.frame()).await,
    }
}

/// Builds the request and counts the bytes it puts on the wire (request line + headers + body).
fn build_request(
    method: &Method,
    t: &Target,
    headers: &[(http::HeaderName, HeaderValue)],
    cookie: Option<&HeaderValue>,
    body: Bytes,
    h2: bool,
    keepalive: bool,
) -> (http::Request<Full<Bytes>>, u64) {
    let uri = if h2 { &t.absolute } else { &t.origin_form };
    let target_len = t
        .origin_form
        .path_and_query()
        .map_or(1, |p| p.as_str().len());
    let mut sent = (method.as_str().len() + target_len + 13) as u64;
    sent += body.len() as u64 + 2;
    let mut req = http::Request::new(Full::new(body));
    *req.method_mut() = method.clone();
    *req.uri_mut() = uri.clone();
    if h2 {
        *req.version_mut() = http::Version::HTTP_2;
    }
    let h = req.headers_mut();
    if !h2 && !headers.iter().any(|(n, _)| n == header::HOST) {
        h.insert(header::HOST, t.host_header.clone());
    }
    for (n, v) in headers {
        h.append(n.clone(), v.clone());
    }
    if let Some(c) = cookie {
        h.append(header::COOKIE, c.clone());
    }
    if !keepalive && !h2 {
        h.insert(header::CONNECTION, HeaderValue::from_static("close"));
    }
    sent += h
        .iter()
        .map(|(n, v)| (n.as_str().len() + v.len() + 4) as u64)
        .sum::<u64>();
    (req, sent)
}

/// Size of the status line and headers as they came over HTTP/1.1.
fn head_size(parts: &http::response::Parts) -> u64 {
    let reason = match parts.extensions.get::<hyper::ext::ReasonPhrase>() {
        Some(r) => r.as_bytes().len(),
        None => parts.status.canonical_reason().unwrap_or("").len(),
    };
    let headers = &parts.headers;
    let line = 9 + 3 + 1 + reason + 2;
    let fields: usize = headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum();
    (line + fields + 2) as u64
}
