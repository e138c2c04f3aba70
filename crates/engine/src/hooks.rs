//! What a virtual user's iteration calls: pacing, recording, think time, all cancellable.

use super::profile::{Profile, Step};
use stampede_kpi::Sample;
use stampede_scenario::Hooks;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

/// Samples go to the aggregator in batches: one channel operation per `BATCH` samples or per
/// `BATCH_AGE`, whichever comes first, instead of one per request. Small, because every user holds
/// one batch (1,000 users × 16 samples × ~120 B ≈ 2 MB).
pub const BATCH: usize = 16;
pub const BATCH_AGE: Duration = Duration::from_millis(100);

/// One execution's open-loop state: one ticket counter shared by all its users.
#[derive(Debug)]
pub struct Pacer {
    pub profile: Arc<Profile>,
    pub start: Instant,
    pub sent: AtomicU64,
}

impl Pacer {
    /// Takes the next request ticket and waits for its turn, as [`Profile::pace`] says. Returns the
    /// ticket's scheduled instant and how late it was sent; `None` when the schedule or the
    /// execution is over, or on `stop`.
    pub async fn ticket(&self, stop: &CancellationToken) -> Option<(Instant, Duration)> {
        let n = self.sent.fetch_add(1, Ordering::Relaxed);
        loop {
            let elapsed = self.start.elapsed();
            match self.profile.pace(elapsed, n) {
                Step::Go { late } => return Some((self.start + elapsed - late, late)),
                Step::Wait(d) => {
                    // Until the scheduled instant itself, so the time spent here adds no drift.
                    let at = self.start + elapsed + d;
                    tokio::select! {
                        _ = tokio::time::sleep_until(at.into()) => {}
                        _ = stop.cancelled() => return None,
                    }
                }
                Step::Stop => return None,
            }
        }
    }
}

/// The per-user [`Hooks`] the engine gives a script.
///
/// Coordinated omission: in throughput runs each request has a scheduled send time. When a request
/// leaves later than scheduled (all users were busy), the lateness `L = gate return − scheduled time`
/// is added to the next recorded sample's `elapsed_us` and `latency_us`, and its `start_ms` is moved
/// back by `L`, so samples are measured from the scheduled send time as wrk2 and JMeter users expect.
/// `connect_us` is left as measured.
pub struct UserHooks {
    pub(super) tx: UnboundedSender<Vec<Sample>>,
    pub(super) batch: Vec<Sample>,
    pub(super) batch_started: Instant,
    pub(super) stop: CancellationToken,
    pub(super) active: Arc<AtomicU32>,
    pub(super) source: u16,
    pub(super) thread: u32,
    pub(super) pacer: Option<Arc<Pacer>>,
    pub(super) lateness: Option<Duration>,
    /// Gate calls, so that the engine can tell an iteration that sent nothing.
    pub(super) gates: u64,
}

impl UserHooks {
    pub(super) fn flush(&mut self) {
        if !self.batch.is_empty() {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            // The receiver only goes away after every user ended; nothing to do if it has.
            let _ = self.tx.send(full);
        }
        self.batch_started = Instant::now();
    }

    pub(super) fn stopped(&self) -> bool {
        self.stop.is_cancelled()
    }
}

impl Drop for UserHooks {
    fn drop(&mut self) {
        self.flush();
    }
}

impl Hooks for UserHooks {
    async fn gate(&mut self) -> Option<Instant> {
        self.gates += 1;
        if self.stop.is_cancelled() {
            return None;
        }
        if self.batch.len() >= BATCH || self.batch_started.elapsed() >= BATCH_AGE {
            self.flush();
        }
        let Some(p) = &self.pacer else {
            return Some(Instant::now());
        };
        let (at, late) = p.ticket(&self.stop).await?;
        self.lateness = Some(late);
        Some(at)
    }

    fn record(&mut self, mut sample: Sample) {
        if let Some(late) = self.lateness.take() {
            let us = late.as_micros() as u64;
            sample.elapsed_us += us;
            sample.latency_us += us;
            sample.start_ms = sample.start_ms.saturating_sub(us / 1000);
        }
        sample.concurrency = self.active.load(Ordering::Relaxed);
        sample.source = self.source;
        sample.thread = self.thread;
        if self.batch.is_empty() {
            self.batch_started = Instant::now();
        }
        self.batch.push(sample);
    }

    async fn sleep(&mut self, d: Duration) -> bool {
        if self.batch_started.elapsed() >= BATCH_AGE {
            self.flush();
        }
        tokio::select! {
            _ = tokio::time::sleep(d) => !self.stop.is_cancelled(),
            _ = self.stop.cancelled() => false,
        }
    }
}
