//! Transport errors named as JMeter names them, so Taurus's reports and DLT's dashboards read them as before.

use super::Timing;
use std::sync::Arc;

/// Transport failure classes, named as JMeter's exceptions so DLT dashboards read them as before.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    UnknownHost,
    ConnectRefused,
    ConnectTimeout,
    ResponseTimeout,
    NoHttpResponse,
    Tls,
    /// More than [`super::MAX_REDIRECTS`] redirects in a row.
    TooManyRedirects,
    /// Anything else on the socket (connection reset, broken pipe, protocol violations).
    Other,
}

impl ErrorKind {
    /// The Java exception class JMeter (2.13 with HttpClient 4.5, as Taurus 1.17 runs it) reports.
    ///
    /// A refused connection is `java.net.ConnectException` in the reference Taurus run
    /// (`taurus-generated/runs/err-closed-port`); JMeter 5's HC4 wraps it as
    /// `org.apache.http.conn.HttpHostConnectException`. We match the reference.
    pub fn java_class(self) -> &'static str {
        match self {
            ErrorKind::UnknownHost => "java.net.UnknownHostException",
            ErrorKind::ConnectRefused => "java.net.ConnectException",
            ErrorKind::ConnectTimeout => "org.apache.http.conn.ConnectTimeoutException",
            ErrorKind::ResponseTimeout => "java.net.SocketTimeoutException",
            ErrorKind::NoHttpResponse => "org.apache.http.NoHttpResponseException",
            ErrorKind::Tls => "javax.net.ssl.SSLHandshakeException",
            ErrorKind::TooManyRedirects => "java.io.IOException",
            ErrorKind::Other => "java.net.SocketException",
        }
    }

    /// The rc as Taurus's JTL reader shortens it (last dotted segment of the class): the `rc` of a sample.
    pub fn rc_name(self) -> &'static str {
        let class = self.java_class();
        class.rsplit('.').next().unwrap_or(class)
    }

    /// JMeter's `responseCode` column for this error (`Non HTTP response code: java.net.ConnectException`).
    pub fn response_code(self) -> String {
        format!("Non HTTP response code: {}", self.java_class())
    }
}

/// A request that got no usable HTTP response. `message` is JMeter's `responseMessage`
/// (`Non HTTP response message: Connection refused`), which Taurus uses as the error key.
#[derive(Debug, Clone)]
pub struct TransportError {
    pub kind: ErrorKind,
    pub message: Arc<str>,
    pub timing: Timing,
}

impl TransportError {
    pub(crate) fn new(kind: ErrorKind, detail: &str, timing: Timing) -> Self {
        TransportError {
            kind,
            message: format!("Non HTTP response message: {detail}").into(),
            timing,
        }
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.rc_name(), self.message)
    }
}

impl std::error::Error for TransportError {}

/// Classifies an I/O error from connect/read/write as JMeter would.
pub(crate) fn io_kind(e: &std::io::Error) -> (ErrorKind, String) {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => (ErrorKind::ConnectRefused, "Connection refused".into()),
        K::ConnectionReset => (ErrorKind::Other, "Connection reset".into()),
        K::BrokenPipe => (ErrorKind::Other, "Broken pipe".into()),
        K::TimedOut => (ErrorKind::ConnectTimeout, "connect timed out".into()),
        K::HostUnreachable | K::NetworkUnreachable => (ErrorKind::Other, "No route to host".into()),
        _ => (ErrorKind::Other, e.to_string()),
    }
}

/// Classifies a hyper error; `got_head` says whether the response head had arrived.
pub(crate) fn hyper_kind(e: &hyper::Error, got_head: bool, authority: &str) -> (ErrorKind, String) {
    let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = src {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            return io_kind(io);
        }
        src = s.source();
    }
    if !got_head && (e.is_incomplete_message() || e.is_closed() || e.is_canceled()) {
        return (
            ErrorKind::NoHttpResponse,
            format!("{authority} failed to respond"),
        );
    }
    if e.is_incomplete_message() {
        return (
            ErrorKind::Other,
            "Premature end of Content-Length delimited message body".into(),
        );
    }
    (ErrorKind::Other, e.to_string())
}
