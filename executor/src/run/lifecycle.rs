//! One test from prepare to post-process (see the parent module).

use super::console;
use super::shellexec::ShellExec;
use super::{Outcome, Progress, RunOptions};
use stampede_config::{self as config, ExecutionPlan, Plan};
use stampede_engine::{self as engine, Execution, LoadState, Profile, SampleBatch};
use stampede_http::{Client, ClientConfig};
use stampede_log::{ConsoleLog, Log};
use stampede_report::{ConsoleLines, Finished, Pipeline, Reporter, Verdict};
use stampede_scenario::{CompiledScenario, Hooks, IterationEnd, Script, UserState};
use stampede_stats::{Aggregator, Datapoint};
use std::io::IsTerminal;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

/// The executor name whose executions replay a JTL instead of sending requests.
pub const EXTERNAL_RESULTS: &str = "external-results-loader";

/// Key of an execution's `raw` item that orders it in phases: 0 (a JMeter setUp thread group) runs
/// before 1 (the default), then 2 (a tearDown group); the executions of one phase run in parallel.
/// An execution with a phase is a JMeter thread group: with iterations and no `hold-for`, its loops
/// alone end it and the ramp-up only spreads the starts (a ThreadGroup without scheduler).
pub const PHASE: &str = "stampede-phase";

/// How scenarios are compiled and reporters built: the Taurus ones in [`run`], others in tests.
pub struct Parts<S, C, R>
where
    S: Script,
    C: Fn(&Plan, &ExecutionPlan) -> Result<S, String>,
    R: FnOnce(&Plan) -> Result<Vec<Box<dyn Reporter>>, String>,
{
    pub compile: C,
    pub reporters: R,
}

/// Runs the plan with its scenarios compiled beforehand, each used once (by its execution).
pub async fn run(
    plan: Plan,
    scenarios: Vec<Option<CompiledScenario>>,
    opts: RunOptions,
) -> Outcome {
    run_with_reporters(plan, scenarios, opts, Vec::new()).await
}

/// [`run`] with `extra` reporters after the configured ones (the hub worker's live frames).
pub async fn run_with_reporters(
    plan: Plan,
    scenarios: Vec<Option<CompiledScenario>>,
    opts: RunOptions,
    extra: Vec<Box<dyn Reporter>>,
) -> Outcome {
    let scenarios = std::sync::Mutex::new(scenarios);
    let parts = Parts {
        compile: |_: &Plan, e: &ExecutionPlan| take_compiled(&scenarios, e),
        reporters: move |p: &Plan| {
            let mut built = crate::reporters::build(p).map_err(|e| format!("Config Error: {e}"))?;
            built.extend(extra);
            Ok(built)
        },
    };
    run_with(plan, opts, parts).await
}

/// [`run`] with given scenario compilation and reporters.
pub async fn run_with<S, C, R>(plan: Plan, opts: RunOptions, parts: Parts<S, C, R>) -> Outcome
where
    S: Script,
    C: Fn(&Plan, &ExecutionPlan) -> Result<S, String>,
    R: FnOnce(&Plan) -> Result<Vec<Box<dyn Reporter>>, String>,
{
    let mut log = ConsoleLog::new(opts.verbose, opts.quiet, opts.line_prefix.clone());
    // The artifacts dir with Taurus's effective/merged configs (secrets masked) and config copies.
    if let Err(e) = config::prepare(&plan) {
        log.error(&e.to_string());
        return Outcome::Error;
    }
    log.file = std::fs::File::create(plan.artifacts_dir.join("bzt.log")).ok();
    log.info(&format!("Artifacts dir: {}", plan.artifacts_dir.display()));
    for w in &plan.warnings {
        log.warn(w);
    }
    let ending = stages(&plan, &opts, parts, &mut log).await;
    let outcome = ending.outcome;
    if ending.reason == AUTOMATED_SHUTDOWN {
        // Taurus logs its AutomatedShutdown (a passfail criterion that stopped or failed the test)
        // as the last word before the artifacts dir.
        log.warn(AUTOMATED_SHUTDOWN);
    }
    log.info(&format!("Artifacts dir: {}", plan.artifacts_dir.display()));
    let msg = format!("Done performing with code: {}", outcome.exit_code());
    if outcome == Outcome::Ok {
        log.info(&msg);
    } else {
        log.warn(&msg);
    }
    outcome
}

/// The reason of a test that a passfail criterion stopped or failed, as Taurus words it.
const AUTOMATED_SHUTDOWN: &str = "Automated shutdown";

/// Why the load ended, for the outcome and `TAURUS_STOPPING_REASON`.
struct Ending {
    outcome: Outcome,
    reason: String,
}

async fn stages<S, C, R>(
    plan: &Plan,
    opts: &RunOptions,
    parts: Parts<S, C, R>,
    log: &mut dyn Log,
) -> Ending
where
    S: Script,
    C: Fn(&Plan, &ExecutionPlan) -> Result<S, String>,
    R: FnOnce(&Plan) -> Result<Vec<Box<dyn Reporter>>, String>,
{
    let mut shell = ShellExec::new(&plan.shellexec, &plan.artifacts_dir);
    for w in std::mem::take(&mut shell.warnings) {
        log.warn(&w);
    }
    let settings = plan.consolidator.clone();
    log.info("Preparing...");
    let prepared = prepare(plan, &mut shell, parts, log).await;
    let (work, mut reporters) = match prepared {
        Ok(p) => p,
        Err(msg) => {
            log.error(&msg);
            let _ = shell.run_stage("post-process", Some((1, &msg)), log).await;
            return Ending::error();
        }
    };
    let live = opts.progress == Progress::Auto && std::io::stderr().is_terminal();
    let lines = opts.progress == Progress::Lines || (opts.progress == Progress::Auto && !live);
    if lines {
        // Taurus's per-second line (what DLT's metric filters parse) is the console reporter's.
        reporters.insert(0, Box::new(ConsoleLines::new()));
    }
    log.info("Starting...");
    let mut agg = Aggregator::new(settings);
    agg.set_started(epoch_secs_f64());
    let mut sink = Sink {
        pipeline: Pipeline::new(agg, reporters),
        log: &mut *log,
        samples: 0,
    };
    let mut ending = match shell.run_stage("startup", None, sink.log).await {
        Err(e) => error_ending(sink.log, e.to_string()),
        Ok(()) => {
            sink.log.info("Waiting for results...");
            match work {
                Work::Load(execs, phases) => {
                    let batches = batches(plan.sequential, execs, phases);
                    load(batches, &mut sink, &mut shell, live).await
                }
                Work::Replay(sources) => replay(&sources, &mut sink),
            }
        }
    };
    let Sink {
        pipeline, samples, ..
    } = sink;
    if ending.outcome != Outcome::Interrupted {
        // Taurus says it whenever the wait for results ends; an interrupt has said it already.
        log.warn("Please wait for graceful shutdown...");
    }
    log.info("Shutting down...");
    let code = ending.outcome.exit_code();
    if let Err(e) = shell
        .run_stage("shutdown", Some((code, &ending.reason)), log)
        .await
    {
        merge(&mut ending, error_ending(log, e.to_string()));
    }
    if ending.outcome == Outcome::Interrupted {
        // Taurus logs the ManualShutdown once the tools are down.
        log.warn(&ending.reason);
    }
    log.info("Post-processing...");
    let finished: Finished = pipeline.finish(log);
    if (samples == 0 || finished.is_empty()) && ending.outcome == Outcome::Ok {
        let what = plan
            .executions
            .first()
            .map_or_else(|| "the test".to_string(), |e| e.executor.clone());
        let msg = stampede_jtl::empty_results_message(&what, &plan.artifacts_dir);
        merge(&mut ending, error_ending(log, msg));
    }
    if finished.failed {
        merge(
            &mut ending,
            Ending {
                outcome: Outcome::Failed,
                reason: AUTOMATED_SHUTDOWN.into(),
            },
        );
    }
    let code = ending.outcome.exit_code();
    if let Err(e) = shell
        .run_stage("post-process", Some((code, &ending.reason)), log)
        .await
    {
        merge(&mut ending, error_ending(log, e.to_string()));
    }
    ending
}

impl Ending {
    /// A config or tool error before the load, already logged.
    fn error() -> Ending {
        Ending {
            outcome: Outcome::Error,
            reason: String::new(),
        }
    }
}

/// The first reason to stop decides the outcome, as in Taurus.
fn merge(cur: &mut Ending, new: Ending) {
    if cur.outcome == Outcome::Ok {
        *cur = new;
    }
}

fn error_ending(log: &mut dyn Log, msg: String) -> Ending {
    log.error(&msg);
    Ending {
        outcome: Outcome::Error,
        reason: msg,
    }
}

/// What a test does between startup and shutdown: send load, or replay result files.
enum Work<S: Script> {
    /// The executions and the phase of each ([`PHASE`]).
    Load(Vec<Execution<S>>, Vec<u64>),
    Replay(Vec<stampede_jtl::ReplaySource>),
}

type Prepared<S> = (Work<S>, Vec<Box<dyn Reporter>>);

async fn prepare<S, C, R>(
    plan: &Plan,
    shell: &mut ShellExec,
    parts: Parts<S, C, R>,
    log: &mut dyn Log,
) -> Result<Prepared<S>, String>
where
    S: Script,
    C: Fn(&Plan, &ExecutionPlan) -> Result<S, String>,
    R: FnOnce(&Plan) -> Result<Vec<Box<dyn Reporter>>, String>,
{
    shell
        .run_stage("prepare", None, log)
        .await
        .map_err(|e| e.to_string())?;
    let external = plan
        .executions
        .iter()
        .filter(|e| e.executor == EXTERNAL_RESULTS)
        .count();
    let work = if external == 0 {
        let mut execs = Vec::new();
        let mut phases = Vec::new();
        for e in &plan.executions {
            let phase = e.raw.get(PHASE).and_then(serde_json::Value::as_u64);
            phases.push(phase.unwrap_or(1));
            let mut profile = Profile::from_load(&e.load);
            if phase.is_some() && e.load.iterations.is_some() && e.load.hold_for.is_none() {
                profile.duration = None;
            }
            execs.push(Execution {
                profile: Arc::new(profile),
                script: Arc::new((parts.compile)(plan, e)?),
                source: e.index as u16,
                delay: e.delay.unwrap_or_default(),
            });
        }
        Work::Load(execs, phases)
    } else if external == plan.executions.len() {
        let sources =
            stampede_jtl::sources_from_plan(plan).map_err(|e| format!("Config Error: {e}"))?;
        for s in &sources {
            // Taurus's external-results-loader says which file it reads.
            let file = s.data_file.display();
            log.info(&format!("Will load external results from file: {file}"));
        }
        Work::Replay(sources)
    } else {
        return Err(format!(
            "Config Error: not supported yet: mixing '{EXTERNAL_RESULTS}' executions with load-generating \
             ones in one test; run them as separate tests"
        ));
    };
    let reporters = (parts.reporters)(plan)?;
    Ok((work, reporters))
}

fn take_compiled(
    scenarios: &std::sync::Mutex<Vec<Option<CompiledScenario>>>,
    e: &ExecutionPlan,
) -> Result<Compiled, String> {
    let mut scenarios = scenarios.lock().unwrap_or_else(|p| p.into_inner());
    scenarios
        .get_mut(e.index)
        .and_then(Option::take)
        .map(Compiled)
        .ok_or_else(|| {
            format!(
                "Config Error: execution.{}: scenario '{}' was not compiled before the run",
                e.index, e.scenario_name
            )
        })
}

/// The compiled Taurus scenario as the engine's [`Script`].
struct Compiled(CompiledScenario);

impl Script for Compiled {
    type User = UserState;
    fn client_config(&self) -> ClientConfig {
        self.0.client_config()
    }
    fn new_user(&self, user: u32) -> UserState {
        self.0.new_user(user)
    }
    async fn run_iteration<H: Hooks>(
        &self,
        user: &mut UserState,
        client: &mut Client,
        hooks: &mut H,
    ) -> IterationEnd {
        self.0.run_iteration(user, client, hooks).await
    }
}

/// Where samples and datapoints go: the aggregator and reporters, and the log for their messages.
struct Sink<'a> {
    pipeline: Pipeline,
    log: &'a mut dyn Log,
    samples: u64,
}

impl Sink<'_> {
    fn samples(&mut self, batch: SampleBatch) {
        for s in batch.iter() {
            self.pipeline.sample(s);
        }
        self.samples += batch.len() as u64;
        batch.recycle();
    }

    /// Emits the complete seconds to the reporters (and their lines to the log); returns a pass/fail
    /// stop if one asked for it.
    fn tick(&mut self, now_sec: u64) -> (Vec<Datapoint>, Option<bool>) {
        let dps = self.pipeline.tick(now_sec);
        self.pipeline.log_messages(self.log);
        let stop = match self.pipeline.stop_verdict() {
            Some(Verdict::Stop { failed }) => Some(failed),
            _ => None,
        };
        (dps, stop)
    }
}

/// `external-results-loader`: every row of the result files through the same pipeline.
fn replay(sources: &[stampede_jtl::ReplaySource], sink: &mut Sink<'_>) -> Ending {
    match stampede_jtl::feed(sources, &mut sink.pipeline, sink.log) {
        Ok(n) => {
            sink.samples += n;
            sink.pipeline.log_messages(sink.log);
            Ending {
                outcome: Outcome::Ok,
                reason: String::new(),
            }
        }
        Err(e) => error_ending(sink.log, e.to_string()),
    }
}

/// The executions in batches run one after another, each batch in parallel:
/// `modules.local.sequential` makes one batch per execution, else one batch per [`PHASE`].
fn batches<S: Script>(
    sequential: bool,
    execs: Vec<Execution<S>>,
    phases: Vec<u64>,
) -> Vec<Vec<Execution<S>>> {
    if sequential {
        return execs.into_iter().map(|e| vec![e]).collect();
    }
    let mut by_phase: std::collections::BTreeMap<u64, Vec<Execution<S>>> = Default::default();
    for (e, phase) in execs.into_iter().zip(phases) {
        by_phase.entry(phase).or_default().push(e);
    }
    by_phase.into_values().collect()
}

async fn load<S: Script>(
    batches: Vec<Vec<Execution<S>>>,
    sink: &mut Sink<'_>,
    shell: &mut ShellExec,
    live: bool,
) -> Ending {
    let total = batches
        .iter()
        .map(|batch| {
            batch
                .iter()
                .filter_map(|e| e.profile.duration.map(|d| d + e.delay))
                .max()
        })
        .sum();
    let stop = CancellationToken::new();
    let state = Arc::new(LoadState::default());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let engine = if batches.len() > 1 {
        let (stop, state) = (stop.clone(), state.clone());
        tokio::spawn(async move {
            for batch in batches {
                if stop.is_cancelled() {
                    break;
                }
                engine::run(batch, tx.clone(), stop.clone(), state.clone()).await;
            }
        })
    } else {
        let execs = batches.into_iter().flatten().collect();
        tokio::spawn(engine::run(execs, tx, stop.clone(), state.clone()))
    };
    let view = View { live, total, state };
    let ending = consume(rx, sink, shell, &stop, &view).await;
    stop.cancel();
    let _ = engine.await;
    if live {
        console::end_live();
    }
    ending
}

struct View {
    live: bool,
    total: Option<Duration>,
    state: Arc<LoadState>,
}

fn epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

fn epoch_secs_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Receives samples until the engine ends; every second (half a second after the wall-clock second
/// turns, so that batched samples of the finished second have arrived) emits datapoints.
async fn consume(
    mut rx: UnboundedReceiver<SampleBatch>,
    sink: &mut Sink<'_>,
    shell: &mut ShellExec,
    stop: &CancellationToken,
    view: &View,
) -> Ending {
    use tokio::signal::unix::{SignalKind, signal};
    let mut sigint = signal(SignalKind::interrupt()).ok();
    let mut sigterm = signal(SignalKind::terminate()).ok();
    let started = Instant::now();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let to_half = Duration::from_millis((1500 - u64::from(now.subsec_millis())) % 1000);
    let mut tick = tokio::time::interval_at(
        tokio::time::Instant::now() + to_half,
        Duration::from_secs(1),
    );
    let mut ending = Ending {
        outcome: Outcome::Ok,
        reason: String::new(),
    };
    loop {
        tokio::select! {
            b = rx.recv() => match b {
                Some(batch) => sink.samples(batch),
                None => break,
            },
            _ = tick.tick() => {
                let (dps, verdict) = sink.tick(epoch_secs());
                if let Some(failed) = verdict
                    && !stop.is_cancelled()
                {
                    let outcome = if failed { Outcome::Failed } else { Outcome::Ok };
                    merge(&mut ending, Ending { outcome, reason: AUTOMATED_SHUTDOWN.into() });
                    stop.cancel();
                }
                if let Err(e) = shell.check_background() {
                    merge(&mut ending, error_ending(sink.log, e.to_string()));
                    stop.cancel();
                }
                if view.live {
                    redraw(view, sink, started, dps.last());
                }
            }
            _ = recv(&mut sigint) => interrupted(&mut ending, sink.log, stop),
            _ = recv(&mut sigterm) => interrupted(&mut ending, sink.log, stop),
        }
    }
    ending
}

fn redraw(view: &View, sink: &Sink<'_>, started: Instant, last: Option<&Datapoint>) {
    let empty = Datapoint::default();
    let current = last.unwrap_or(&empty).overall();
    let users = view.state.active.load(Ordering::Relaxed);
    let line = console::live_line(
        started.elapsed(),
        view.total,
        users,
        current,
        sink.pipeline.aggregator().cumulative_overall(),
    );
    console::redraw(&line);
}

async fn recv(s: &mut Option<tokio::signal::unix::Signal>) {
    match s {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending().await,
    }
}

fn interrupted(ending: &mut Ending, log: &mut dyn Log, stop: &CancellationToken) {
    if !stop.is_cancelled() || ending.outcome != Outcome::Interrupted {
        log.warn("Please wait for graceful shutdown...");
    }
    *ending = Ending {
        outcome: Outcome::Interrupted,
        reason: "Interrupted by user".into(),
    };
    stop.cancel();
}
