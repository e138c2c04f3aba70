//! One [`Sample`] per request (or per transaction, or per JTL row): the only thing that crosses from the
//! engine (or the JTL loader) into the stats and the reporters.
//!
//! Times are whole microseconds so that both the engine's clock and JMeter's millisecond JTL columns are exact;
//! the aggregator turns them into Taurus's float seconds.

use std::sync::Arc;

/// The response code as Taurus reports it: an HTTP status, or a transport error name such as
/// `UnknownHostException` (JMeter's exception class, shortened as Taurus does), or any text a JTL carried.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Rc {
    Http(u16),
    Text(Arc<str>),
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

/// The error that made a sample fail; `message` becomes Taurus's error key (e.g. `Not Found`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    pub kind: FailureKind,
    pub message: Arc<str>,
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
