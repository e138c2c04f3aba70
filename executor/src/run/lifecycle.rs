//! One test from prepare to post-process (see the parent module).

use super::console;
use super::shellexec::ShellExec;
use super::{Outcome, Progress, RunOptions};
use crate::config::{ExecutionPlan, Plan};
use crate::engine::{self, Execution, LoadState, Profile};
use crate::http::{Client, ClientConfig};
use crate::log::{ConsoleLog, Log};
use crate::report::{ReportError, Reporter, Verdict};
use crate::sample::Sample;
use crate::scenario::{CompileContext, CompiledScenario, Hooks, IterationEnd, Script, UserState};
use crate::stats::{Aggregator, AggregatorSettings, Datapoint};
use std::io::IsTerminal;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

/// The executor name whose executions replay a JTL instead of sending requests.
pub const EXTERNAL_RESULTS: &str = "external-results-loader";

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

pub async fn run(plan: Plan, opts: RunOptions) -> Outcome {
    let parts = Parts {
        compile: compile_taurus,
        reporters: |p: &Plan| reporters_for(p, &p.artifacts_dir).map_err(|e| e.to_string()),
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
    if let Err(e) = std::fs::create_dir_all(&plan.artifacts_dir) {
        log.error(&format!(
            "cannot create the artifacts dir {}: {e}",
            plan.artifacts_dir.display()
        ));
        return Outcome::Error;
    }
    log.file = std::fs::File::create(plan.artifacts_dir.join("bzt.log")).ok();
    log.info(&format!("Artifacts dir: {}", plan.artifacts_dir.display()));
    for w in &plan.warnings {
        log.warn(w);
    }
    if let Err(e) = write_effective(&plan) {
        log.warn(&format!("cannot write effective.json: {e}"));
    }
    let outcome = stages(&plan, &opts, parts, &mut log).await;
    log.info(&format!("Artifacts dir: {}", plan.artifacts_dir.display()));
    let msg = format!("Done performing with code: {}", outcome.exit_code());
    if outcome == Outcome::Ok {
        log.info(&msg);
    } else {
        log.warn(&msg);
    }
    outcome
}

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
) -> Outcome
where
    S: Script,
    C: Fn(&Plan, &ExecutionPlan) -> Result<S, String>,
    R: FnOnce(&Plan) -> Result<Vec<Box<dyn Reporter>>, String>,
{
    let mut shell = match ShellExec::from_config(&plan.effective, &plan.artifacts_dir) {
        Ok(s) => s,
        Err(e) => {
            log.error(&format!("Config Error: {e}"));
            return Outcome::Error;
        }
    };
    for w in std::mem::take(&mut shell.warnings) {
        log.warn(&w);
    }
    log.info("Preparing...");
    let prepared = prepare(plan, &mut shell, parts, log).await;
    let (execs, reporters) = match prepared {
        Ok(p) => p,
        Err(msg) => {
            log.error(&msg);
            let _ = shell.run_stage("post-process", Some((1, &msg)), log).await;
            return Outcome::Error;
        }
    };
    log.info("Starting...");
    let mut agg = Aggregator::new(AggregatorSettings::from_config(&plan.effective));
    let mut reporters = reporters;
    let mut sink = Sink {
        agg: &mut agg,
        reporters: &mut reporters,
        log: &mut *log,
        samples: 0,
    };
    let mut ending = match shell.run_stage("startup", None, sink.log).await {
        Err(e) => error_ending(sink.log, e.to_string()),
        Ok(()) => {
            sink.log.info("Waiting for results...");
            load(opts, execs, &mut sink, &mut shell).await
        }
    };
    let samples = sink.samples;
    log.info("Shutting down...");
    let code = ending.outcome.exit_code();
    if let Err(e) = shell
        .run_stage("shutdown", Some((code, &ending.reason)), log)
        .await
    {
        merge(&mut ending, error_ending(log, e.to_string()));
    }
    log.info("Post-processing...");
    if samples == 0 && ending.outcome == Outcome::Ok {
        let msg = format!(
            "Empty results, most likely requests failed. Actual reason for this can be found in logs under {}",
            plan.artifacts_dir.display()
        );
        merge(&mut ending, error_ending(log, msg));
    }
    if post_process(agg, &mut reporters, log) {
        merge(
            &mut ending,
            Ending {
                outcome: Outcome::Failed,
                reason: "Automated shutdown".into(),
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
    ending.outcome
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

type Prepared<S> = (Vec<Execution<S>>, Vec<Box<dyn Reporter>>);

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
    let mut execs = Vec::new();
    for e in &plan.executions {
        if e.executor == EXTERNAL_RESULTS {
            return Err(replay_external(e));
        }
        let (profile, warnings) = Profile::from_load(&e.load);
        for w in warnings {
            log.warn(&w);
        }
        execs.push(Execution {
            profile: Arc::new(profile),
            script: Arc::new((parts.compile)(plan, e)?),
            source: e.index as u16,
        });
    }
    let reporters = (parts.reporters)(plan)?;
    Ok((execs, reporters))
}

fn compile_taurus(plan: &Plan, e: &ExecutionPlan) -> Result<Compiled, String> {
    let ctx = CompileContext {
        base_dir: &e.base_dir,
        config: &plan.effective,
        source: e.index as u16,
    };
    CompiledScenario::compile(&e.scenario_name, &e.scenario, &ctx)
        .map(Compiled)
        .map_err(|err| format!("Config Error: {err}"))
}

/// INTEGRATION POINT: `external-results-loader` executions replay a JTL through the reports work's
/// JTL reader into the same sample channel as the engine. Until that reader is merged, such a config
/// fails clearly instead of running nothing.
fn replay_external(e: &ExecutionPlan) -> String {
    format!(
        "executor '{EXTERNAL_RESULTS}' (execution {}) needs the JTL reader, which this build does not have yet",
        e.index
    )
}

/// INTEGRATION POINT: the reports work provides `report::build(plan, artifacts_dir)`; call it here.
fn reporters_for(_plan: &Plan, _dir: &Path) -> Result<Vec<Box<dyn Reporter>>, ReportError> {
    Ok(Vec::new())
}

/// INTEGRATION POINT: the config work provides `config::dump_effective`; until then the effective
/// config is written as `effective.json` with secrets masked.
fn write_effective(plan: &Plan) -> std::io::Result<()> {
    let mut v = plan.effective.clone();
    mask_secrets(&mut v);
    let text = serde_json::to_string_pretty(&v).map_err(std::io::Error::other)?;
    std::fs::write(plan.artifacts_dir.join("effective.json"), text)
}

fn mask_secrets(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, val) in m.iter_mut() {
                let k = k.to_ascii_lowercase();
                let secret = ["password", "secret", "token"]
                    .iter()
                    .any(|s| k.ends_with(s));
                if secret && val.is_string() {
                    *val = "********".into();
                } else {
                    mask_secrets(val);
                }
            }
        }
        serde_json::Value::Array(a) => a.iter_mut().for_each(mask_secrets),
        _ => {}
    }
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

/// Where samples and datapoints go.
struct Sink<'a> {
    agg: &'a mut Aggregator,
    reporters: &'a mut Vec<Box<dyn Reporter>>,
    log: &'a mut dyn Log,
    samples: u64,
}

impl Sink<'_> {
    fn samples(&mut self, batch: Vec<Sample>) {
        for s in &batch {
            self.agg.add(s);
            for r in self.reporters.iter_mut() {
                r.sample(s);
            }
        }
        self.samples += batch.len() as u64;
    }

    /// Feeds datapoints to the reporters; returns a pass/fail stop if one asked for it.
    fn datapoints(&mut self, dps: &[Datapoint], lines: bool) -> Option<bool> {
        let mut stop = None;
        for dp in dps {
            for r in self.reporters.iter_mut() {
                if let Verdict::Stop { failed } = r.datapoint(dp) {
                    stop = Some(stop.unwrap_or(false) || failed);
                }
            }
            if lines {
                let line = console::taurus_line(dp.overall(), self.agg.cumulative_overall());
                self.log.info(&line);
            }
        }
        stop
    }
}

async fn load<S: Script>(
    opts: &RunOptions,
    execs: Vec<Execution<S>>,
    sink: &mut Sink<'_>,
    shell: &mut ShellExec,
) -> Ending {
    let total = execs.iter().filter_map(|e| e.profile.duration).max();
    let stop = CancellationToken::new();
    let state = Arc::new(LoadState::default());
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    let engine = tokio::spawn(engine::run(execs, tx, stop.clone(), state.clone()));
    let live = opts.progress == Progress::Auto && std::io::stderr().is_terminal();
    let lines = opts.progress == Progress::Lines || (opts.progress == Progress::Auto && !live);
    let view = View {
        live,
        lines,
        total,
        state,
    };
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
    lines: bool,
    total: Option<Duration>,
    state: Arc<LoadState>,
}

fn epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Receives samples until the engine ends; every second (half a second after the wall-clock second
/// turns, so that batched samples of the finished second have arrived) emits datapoints.
async fn consume(
    mut rx: UnboundedReceiver<Vec<Sample>>,
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
                let dps = sink.agg.flush_until(epoch_secs());
                if let Some(failed) = sink.datapoints(&dps, view.lines) {
                    let outcome = if failed { Outcome::Failed } else { Outcome::Ok };
                    merge(&mut ending, Ending { outcome, reason: "Automated shutdown".into() });
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
        sink.agg.cumulative_overall(),
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

/// Last datapoints, then every reporter's `finish`. Returns whether a reporter failed the test.
fn post_process(agg: Aggregator, reporters: &mut [Box<dyn Reporter>], log: &mut dyn Log) -> bool {
    let (dps, summary) = agg.finish();
    let mut failed = false;
    for dp in &dps {
        for r in reporters.iter_mut() {
            failed |= matches!(r.datapoint(dp), Verdict::Stop { failed: true });
        }
    }
    for r in reporters.iter_mut() {
        match r.finish(&summary, log) {
            Ok(f) => failed |= f,
            Err(e) => log.error(&format!("{}: {e}", r.name())),
        }
    }
    failed
}
