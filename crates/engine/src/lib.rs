//! The load engine: one load profile, one loop.
//!
//! Per execution, users are spawned at [`Profile::user_start`]; each is one sequential loop over its
//! [`Script`] (like a JMeter thread) with its own [`Client`] (connections, cookies) and [`UserHooks`]
//! (pacing, think time, recording). Samples leave in batches through one channel to whoever runs the
//! aggregator; the engine keeps no samples.
//!
//! Stopping: when the execution's `ramp-up + hold-for` is over (or the run's token is cancelled:
//! signal, pass/fail `stop`), no new request starts. Requests in flight may finish for up to
//! [`END_GRACE`] after the hold ends (JMeter's shutdown waits up to 5 s), or [`STOP_GRACE`] after a
//! cancellation; users still busy then are aborted and their in-flight request is not recorded.

pub mod batch;
pub mod hooks;
pub mod profile;
pub mod simple;

pub use batch::SampleBatch;
pub use hooks::{Pacer, UserHooks};
pub use profile::{Profile, Step};

use stampede_http::{Client, Connector};
use stampede_scenario::{IterationEnd, Script};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

/// How long requests in flight at the end of the hold may take to finish.
pub const END_GRACE: Duration = Duration::from_secs(5);
/// How long requests in flight may take to finish after a stop (signal, pass/fail).
pub const STOP_GRACE: Duration = Duration::from_millis(500);

/// One `execution` item ready to run.
pub struct Execution<S: Script> {
    pub profile: Arc<Profile>,
    pub script: Arc<S>,
    /// Index of the execution; every sample's `source`.
    pub source: u16,
    /// Taurus's execution `delay`: the execution starts that long after the test.
    pub delay: Duration,
}

/// Live numbers for the console while the engine runs.
#[derive(Debug, Default)]
pub struct LoadState {
    /// Users running now, all executions.
    pub active: AtomicU32,
    /// Executions not finished yet.
    pub running: AtomicU32,
}

/// Runs every execution at once until each has ended; `stop` cancels them all.
pub async fn run<S: Script>(
    execs: Vec<Execution<S>>,
    tx: UnboundedSender<SampleBatch>,
    stop: CancellationToken,
    state: Arc<LoadState>,
) {
    let connector = Connector::new();
    let mut all = JoinSet::new();
    state.running.store(execs.len() as u32, Ordering::Relaxed);
    for e in execs {
        let ctx = ExecCtx {
            tx: tx.clone(),
            stop: stop.clone(),
            state: state.clone(),
            connector: connector.clone(),
        };
        all.spawn(run_execution(e, ctx));
    }
    drop(tx);
    while all.join_next().await.is_some() {}
}

struct ExecCtx {
    tx: UnboundedSender<SampleBatch>,
    stop: CancellationToken,
    state: Arc<LoadState>,
    connector: Connector,
}

async fn run_execution<S: Script>(e: Execution<S>, ctx: ExecCtx) {
    if !e.delay.is_zero() {
        tokio::select! {
            _ = tokio::time::sleep(e.delay) => {}
            _ = ctx.stop.cancelled() => {
                ctx.state.running.fetch_sub(1, Ordering::Relaxed);
                return;
            }
        }
    }
    let start = Instant::now();
    let exec_stop = ctx.stop.child_token();
    if let Some(d) = e.profile.duration {
        let t = exec_stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = tokio::time::sleep_until((start + d).into()) => t.cancel(),
                _ = t.cancelled() => {}
            }
        });
    }
    let pacer = e.profile.is_open_loop().then(|| {
        Arc::new(Pacer {
            profile: e.profile.clone(),
            start,
            sent: AtomicU64::new(0),
        })
    });
    let active = Arc::new(AtomicU32::new(0));
    let mut users = JoinSet::new();
    let mut next = 0u32;
    let mut abort_at: Option<Instant> = None;
    loop {
        if abort_at.is_none() && exec_stop.is_cancelled() {
            let grace = if ctx.stop.is_cancelled() {
                STOP_GRACE
            } else {
                END_GRACE
            };
            abort_at = Some(Instant::now() + grace);
        }
        let launching = abort_at.is_none() && next < e.profile.concurrency;
        if !launching && users.is_empty() {
            break;
        }
        let launch_at = start + e.profile.user_start(next.min(e.profile.concurrency));
        let abort = abort_at.unwrap_or(start);
        tokio::select! {
            _ = tokio::time::sleep_until(launch_at.into()), if launching => {
                let user = new_user(&e, &ctx, &exec_stop, &pacer, &active, start, next);
                users.spawn(user);
                next += 1;
            }
            Some(_) = users.join_next(), if !users.is_empty() => {}
            _ = exec_stop.cancelled(), if abort_at.is_none() => {}
            _ = tokio::time::sleep_until(abort.into()), if abort_at.is_some() => {
                users.abort_all();
                while users.join_next().await.is_some() {}
                break;
            }
        }
    }
    exec_stop.cancel();
    ctx.state.running.fetch_sub(1, Ordering::Relaxed);
}

/// Builds user `i`'s future: its client, its hooks and its loop.
fn new_user<S: Script>(
    e: &Execution<S>,
    ctx: &ExecCtx,
    exec_stop: &CancellationToken,
    pacer: &Option<Arc<Pacer>>,
    active: &Arc<AtomicU32>,
    start: Instant,
    i: u32,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let hooks = UserHooks {
        tx: ctx.tx.clone(),
        batch: batch::Batcher::default(),
        batch_started: Instant::now(),
        stop: exec_stop.clone(),
        active: active.clone(),
        source: e.source,
        thread: i + 1,
        pacer: pacer.clone(),
        gates: 0,
    };
    let client = Client::with_connector(e.script.client_config(), ctx.connector.clone());
    let user = User {
        script: e.script.clone(),
        profile: e.profile.clone(),
        state: ctx.state.clone(),
        start,
    };
    user.run(i, client, hooks)
}

struct User<S: Script> {
    script: Arc<S>,
    profile: Arc<Profile>,
    state: Arc<LoadState>,
    start: Instant,
}

impl<S: Script> User<S> {
    /// One virtual user: iterations of the script until its limit, the end, or a stop.
    async fn run(self, i: u32, mut client: Client, mut hooks: UserHooks) {
        let _active = ActiveGuard::new(&hooks.active, &self.state);
        // JMeter numbers threads from 1 (`${__threadNum}`, "Thread Group 1-1").
        let mut data = self.script.new_user(i + 1);
        let mut done = 0u64;
        while !hooks.stopped() && !self.profile.user_done(self.start.elapsed(), done) {
            let gates = hooks.gates;
            let end = self
                .script
                .run_iteration(&mut data, &mut client, &mut hooks)
                .await;
            match end {
                IterationEnd::Completed => done += 1,
                IterationEnd::StopUser | IterationEnd::Stopped => break,
            }
            if hooks.gates == gates {
                // An iteration that sends nothing would spin; yield so the runtime stays fair.
                tokio::task::yield_now().await;
            }
        }
        hooks.flush();
    }
}

/// Counts a user as active for as long as it lives, even if it is aborted.
struct ActiveGuard {
    exec: Arc<AtomicU32>,
    state: Arc<LoadState>,
}

impl ActiveGuard {
    fn new(exec: &Arc<AtomicU32>, state: &Arc<LoadState>) -> Self {
        exec.fetch_add(1, Ordering::Relaxed);
        state.active.fetch_add(1, Ordering::Relaxed);
        ActiveGuard {
            exec: exec.clone(),
            state: state.clone(),
        }
    }
}

impl Drop for ActiveGuard {
    fn drop(&mut self) {
        self.exec.fetch_sub(1, Ordering::Relaxed);
        self.state.active.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simple::{SimpleRequest, SimpleScript};

    /// Every user is one task; its future's size is memory per user (the RSS target at 1,000 users).
    #[tokio::test]
    async fn a_user_task_stays_small() {
        let (tx, _rx) = tokio::sync::mpsc::unbounded_channel();
        let e = Execution {
            profile: Arc::new(Profile::from_load(&stampede_config::LoadSpec {
                concurrency: 1,
                ramp_up: None,
                hold_for: None,
                iterations: Some(1),
                throughput: None,
                steps: None,
            })),
            script: Arc::new(SimpleScript::new(vec![SimpleRequest::get(
                "http://127.0.0.1:9/",
            )])),
            source: 0,
            delay: Duration::ZERO,
        };
        let ctx = ExecCtx {
            tx,
            stop: CancellationToken::new(),
            state: Arc::new(LoadState::default()),
            connector: Connector::new(),
        };
        let fut = new_user(
            &e,
            &ctx,
            &ctx.stop,
            &None,
            &Arc::new(AtomicU32::new(0)),
            Instant::now(),
            0,
        );
        let size = std::mem::size_of_val(&fut);
        eprintln!("user future: {size} bytes");
        assert!(size < 4096, "user future is {size} bytes");
    }
}
