//! Transport errors named as JMeter names them, so Taurus's reports and DLT's dashboards read them as before.

use crate::timing::Timing;
pub use stampede_kpi::{Detail, ErrorKind, Message};

/// A request that got no usable HTTP response: its class and what happened (`Connection refused`),
/// kept as data; [`TransportError::message`] is JMeter's `responseMessage`.
#[derive(Debug, Clone)]
pub struct TransportError {
    pub kind: ErrorKind,
    pub detail: Detail,
    pub timing: Timing,
}

impl TransportError {
    pub(crate) fn new(kind: ErrorKind, detail: Detail, timing: Timing) -> Self {
        TransportError {
            kind,
            detail,
            timing,
        }
    }

    /// JMeter's `responseMessage` (`Non HTTP response message: Connection refused`), which Taurus
    /// uses as the error key.
    pub fn message(&self) -> Message {
        Message::Transport(self.detail.clone())
    }
}

impl std::fmt::Display for TransportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.kind.rc_name(), self.message())
    }
}

impl std::error::Error for TransportError {}

/// Classifies an I/O error from connect/read/write as JMeter would.
pub(crate) fn io_kind(e: &std::io::Error) -> (ErrorKind, Detail) {
    use std::io::ErrorKind as K;
    match e.kind() {
        K::ConnectionRefused => (ErrorKind::ConnectRefused, "Connection refused".into()),
        K::ConnectionReset => (ErrorKind::Other, "Connection reset".into()),
        K::BrokenPipe => (ErrorKind::Other, "Broken pipe".into()),
        K::TimedOut => (ErrorKind::ConnectTimeout, "connect timed out".into()),
        K::HostUnreachable | K::NetworkUnreachable => (ErrorKind::Other, "No route to host".into()),
        _ => (ErrorKind::Other, e.to_string().into()),
    }
}

/// Classifies a hyper error; `got_head` says whether the response head had arrived.
pub(crate) fn hyper_kind(e: &hyper::Error, got_head: bool, authority: &str) -> (ErrorKind, Detail) {
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
            format!("{authority} failed to respond").into(),
        );
    }
    if e.is_incomplete_message() {
        return (
            ErrorKind::Other,
            "Premature end of Content-Length delimited message body".into(),
        );
    }
    (ErrorKind::Other, e.to_string().into())
}
