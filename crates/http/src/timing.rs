//! Time on one exchange: JMeter's timings, deadlines, and a failed exchange's class, shared by the
//! client and both codecs (a leaf module, so the codecs never import the client).

use crate::{Detail, ErrorKind};
use std::pin::Pin;
use std::time::Duration;

/// Timings of one exchange, JMeter's definitions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timing {
    pub connect: Duration,
    pub latency: Duration,
    pub elapsed: Duration,
}

/// A failed exchange on one connection: JMeter's error class and message, and whether any response
/// byte had arrived (a request that got nothing back on a reused connection is retried once).
#[derive(Debug)]
pub(crate) struct Failed {
    pub(crate) kind: ErrorKind,
    pub(crate) detail: Detail,
    pub(crate) answered: bool,
    /// The request was not (fully) written: retrying cannot repeat a request the server acted on.
    pub(crate) unsent: bool,
}

impl Failed {
    pub(crate) fn new(kind: ErrorKind, detail: Detail, answered: bool) -> Self {
        Failed {
            kind,
            detail,
            answered,
            unsent: false,
        }
    }
}

/// The deadline `timeout` from now; a zero timeout means none, as in JMeter (`timeout: 0`), which
/// becomes tokio's own "far future" (30 years).
pub(crate) fn deadline(timeout: Duration) -> tokio::time::Instant {
    let limit = if timeout.is_zero() {
        Duration::from_secs(86_400 * 365 * 30)
    } else {
        timeout
    };
    tokio::time::Instant::now() + limit
}

/// Completes at `deadline`. The user's one timer is only re-armed when the deadline moves earlier or
/// when it fires before the deadline, so a request costs no timer registration in the common case
/// (deadlines only move forward while responses arrive in time).
pub(crate) async fn wait_until(
    timer: &mut Pin<Box<tokio::time::Sleep>>,
    deadline: tokio::time::Instant,
) {
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
