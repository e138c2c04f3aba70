//! One [`Sample`] per request (or per transaction, or per JTL row): the only thing that crosses from the
//! engine (or the JTL loader) into the stats and the reporters.
//!
//! Times are whole microseconds so that both the engine's clock and JMeter's millisecond JTL columns are exact;
//! the aggregator turns them into Taurus's float seconds.

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

/// The response code as Taurus reports it: an HTTP status, a transport error (Taurus shows its
/// shortened exception name, `UnknownHostException`), or any text a JTL carried.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Rc {
    Http(u16),
    Transport(ErrorKind),
    Text(Arc<str>),
}

impl Rc {
    /// The text Taurus shows: `404`, `ConnectException`, or the JTL's text.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Rc::Http(code) => Cow::Owned(code.to_string()),
            Rc::Transport(kind) => Cow::Borrowed(kind.rc_name()),
            Rc::Text(t) => Cow::Borrowed(t),
        }
    }
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
    /// Too many redirects in a row.
    TooManyRedirects,
    /// Anything else on the socket (connection reset, broken pipe, protocol violations).
    Other,
}

impl ErrorKind {
    pub const ALL: [ErrorKind; 8] = [
        ErrorKind::UnknownHost,
        ErrorKind::ConnectRefused,
        ErrorKind::ConnectTimeout,
        ErrorKind::ResponseTimeout,
        ErrorKind::NoHttpResponse,
        ErrorKind::Tls,
        ErrorKind::TooManyRedirects,
        ErrorKind::Other,
    ];

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

    /// The rc as Taurus's JTL reader shortens it (last dotted segment of the class).
    pub fn rc_name(self) -> &'static str {
        let class = self.java_class();
        class.rsplit('.').next().unwrap_or(class)
    }

    /// JMeter's `responseCode` column for this error (`Non HTTP response code: java.net.ConnectException`).
    pub fn response_code(self) -> String {
        format!("Non HTTP response code: {}", self.java_class())
    }

    /// The kind whose [`ErrorKind::rc_name`] is `rc` (a replayed JTL's `ConnectException`).
    pub fn from_rc_name(rc: &str) -> Option<ErrorKind> {
        ErrorKind::ALL.into_iter().find(|k| k.rc_name() == rc)
    }
}

/// A short text that is a literal in the common case, so that recording it does not allocate.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Detail {
    Static(&'static str),
    Shared(Arc<str>),
}

impl std::ops::Deref for Detail {
    type Target = str;
    fn deref(&self) -> &str {
        match self {
            Detail::Static(s) => s,
            Detail::Shared(s) => s,
        }
    }
}

impl From<&'static str> for Detail {
    fn from(s: &'static str) -> Self {
        Detail::Static(s)
    }
}

impl From<String> for Detail {
    fn from(s: String) -> Self {
        Detail::Shared(s.into())
    }
}

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self)
    }
}

/// Why a sample failed; junit-xml writes assertion failures as `<failure>` and the rest as `<error>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// HTTP status >= 400, transport error, or an unsuccessful JTL row.
    Error,
    /// A failed assertion (JMeter `assertionResult`, type 1 in Taurus).
    Assertion,
    /// A failed sub-sample (transaction child), type 2 in Taurus.
    SubSample,
}

/// The error that made a sample fail; its message's text becomes Taurus's error key (e.g. `Not Found`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: Message,
}

/// A failure's message as data: the engine records what happened, and the text Taurus shows
/// (JMeter's `responseMessage`) is produced when a report asks for it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Message {
    /// The text itself: a JTL row's message, a server's own reason phrase, an assertion's message.
    Text(Arc<str>),
    /// The standard reason phrase of an HTTP status (`Not Found`); the number if it has none.
    Reason(u16),
    /// No usable response: `Non HTTP response message: <detail>`.
    Transport(Detail),
    /// A transaction whose children failed.
    SubSamples { calls: u32, failures: u32 },
}

impl Message {
    /// The text Taurus shows; borrowed unless it has to be put together.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            Message::Text(t) => Cow::Borrowed(t),
            Message::Reason(status) => match reason_phrase(*status) {
                Some(r) => Cow::Borrowed(r),
                None => Cow::Owned(status.to_string()),
            },
            other => Cow::Owned(other.to_string()),
        }
    }
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Text(t) => f.write_str(t),
            Message::Reason(status) => match reason_phrase(*status) {
                Some(r) => f.write_str(r),
                None => write!(f, "{status}"),
            },
            Message::Transport(detail) => write!(f, "Non HTTP response message: {detail}"),
            Message::SubSamples { calls, failures } => write!(
                f,
                "Number of samples in transaction : {calls}, number of failing samples : {failures}"
            ),
        }
    }
}

impl From<&str> for Message {
    fn from(s: &str) -> Self {
        Message::Text(s.into())
    }
}

impl From<String> for Message {
    fn from(s: String) -> Self {
        Message::Text(s.into())
    }
}

impl From<Arc<str>> for Message {
    fn from(s: Arc<str>) -> Self {
        Message::Text(s)
    }
}

/// The standard reason phrase of a status (JMeter's `responseMessage` when the server sent its own).
pub fn reason_phrase(status: u16) -> Option<&'static str> {
    http::StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
}

/// One measured request.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    /// Start of the sample, epoch milliseconds (JMeter `timeStamp`). In open-loop runs this is the
    /// scheduled send time, so that queueing delay is measured (coordinated omission).
    pub start_ms: u64,
    /// The label (default: the URL as written in the scenario).
    pub label: Arc<str>,
    /// Full response time (JMeter `elapsed`).
    pub elapsed_us: u64,
    /// Time to first byte (JMeter `Latency`).
    pub latency_us: u64,
    /// Connect time, 0 on a reused connection (JMeter `Connect`).
    pub connect_us: u64,
    /// Response code; `None` when the executor had none (Taurus skips such samples in the rc counter).
    pub rc: Option<Rc>,
    /// `None` for a successful sample.
    pub failure: Option<Failure>,
    /// Bytes received (headers and body, as JMeter counts them).
    pub bytes: u64,
    /// Bytes sent.
    pub sent_bytes: u64,
    /// Active users of the whole test when the sample was taken (JMeter `allThreads`).
    pub concurrency: u32,
    /// Which execution (or JMeter node) produced it; per-second concurrency is summed over sources.
    pub source: u16,
    /// Virtual user number within its execution (JMeter `threadName` suffix).
    pub thread: u32,
}

impl Sample {
    pub fn is_success(&self) -> bool {
        self.failure.is_none()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_read_as_jmeter_wrote_them() {
        let table = [
            (Message::Text("File not found".into()), "File not found"),
            (Message::Reason(404), "Not Found"),
            (Message::Reason(599), "599"),
            (
                Message::Transport("Connection refused".into()),
                "Non HTTP response message: Connection refused",
            ),
            (
                Message::Transport(String::from("h:1 failed to respond").into()),
                "Non HTTP response message: h:1 failed to respond",
            ),
            (
                Message::SubSamples {
                    calls: 3,
                    failures: 2,
                },
                "Number of samples in transaction : 3, number of failing samples : 2",
            ),
        ];
        for (m, want) in table {
            assert_eq!(m.text(), want);
            assert_eq!(m.to_string(), want);
        }
    }

    #[test]
    fn response_codes_read_as_taurus_shows_them() {
        assert_eq!(Rc::Http(503).text(), "503");
        assert_eq!(
            Rc::Transport(ErrorKind::ConnectRefused).text(),
            "ConnectException"
        );
        assert_eq!(Rc::Text("Non HTTP".into()).text(), "Non HTTP");
        for k in ErrorKind::ALL {
            assert_eq!(ErrorKind::from_rc_name(k.rc_name()), Some(k));
        }
        assert_eq!(ErrorKind::from_rc_name("200"), None);
        assert_eq!(
            ErrorKind::UnknownHost.response_code(),
            "Non HTTP response code: java.net.UnknownHostException"
        );
    }
}
