//! What a virtual user's iteration calls: pacing, recording, think time, all cancellable.

use super::profile::{Profile, Step};
use stampede_kpi::Sample;
use stampede_scenario::Hooks;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;
use tokio_util::sync::CancellationToken;

pub use crate::batch::BATCH;
use crate::batch::{Batcher, SampleBatch};

/// A batch older than this leaves even when not full, so the aggregator's seconds stay complete.
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
    /// ticket's scheduled instant (earlier than now when it is sent late); `None` when the schedule
    /// or the execution is over, or on `stop`.
    pub async fn ticket(&self, stop: &CancellationToken) -> Option<Instant> {
        let n = self.sent.fetch_add(1, Ordering::Relaxed);
        let elapsed = self.start.elapsed();
        match self.profile.pace(elapsed, n) {
            Step::Go { late } => Some(self.start + elapsed - late),
            Step::Wait(d) => {
                // The ticket is due before the end: it goes when its time comes, even if a busy
                // runtime polls us after the end too (that lag is measured, from `at`).
                let at = self.start + elapsed + d;
                tokio::select! {
                    biased;
                    _ = tokio::time::sleep_until(at.into()) => Some(at),
                    _ = stop.cancelled() => None,
                }
            }
            Step::Stop => None,
        }
    }
}

/// The per-user [`Hooks`] the engine gives a script.
///
/// Coordinated omission: in throughput runs each request has a scheduled send time, which
/// [`Hooks::gate`] returns; the script measures its sample from it (a request that leaves late, all
/// users being busy, counts the wait), as wrk2 and JMeter users expect. The engine does not touch
/// the recorded times.
pub struct UserHooks {
    pub(super) tx: UnboundedSender<SampleBatch>,
    pub(super) batch: Batcher,
    pub(super) batch_started: Instant,
    pub(super) stop: CancellationToken,
    pub(super) active: Arc<AtomicU32>,
    pub(super) source: u16,
    pub(super) thread: u32,
    pub(super) pacer: Option<Arc<Pacer>>,
    /// Gate calls, so that the engine can tell an iteration that sent nothing.
    pub(super) gates: u64,
}

impl UserHooks {
    pub(super) fn flush(&mut self) {
        if !self.batch.is_empty() {
            // The receiver only goes away after every user ended; nothing to do if it has.
            let _ = self.tx.send(self.batch.take());
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
        p.ticket(&self.stop).await
    }

    fn record(&mut self, mut sample: Sample) {
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
