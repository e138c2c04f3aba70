//! `stampede worker` (hidden): one task of a hub run, started by the hub's process launcher. It
//! reads the task from the environment (see `stampede_control::launcher`), waits at the start
//! barrier with the run's other tasks ([`barrier`]), runs the test with the same path as
//! `stampede run`, and leaves its results XML and histogram sidecar at `RESULTS_FILE`. Every
//! aggregated second goes to the hub as a live frame ([`live`]).
//!
//! SIGTERM (the hub's cancel) stops the load; the reports are still written, exit code 2, as
//! `stampede run`. The HTML report and `bzt.log` are in the artifacts directory next to the XML
//! (`…/<taskId>-<region>/`).

pub mod barrier;
pub mod live;

use stampede_scenario::CompiledScenario;
use std::path::{Path, PathBuf};
use std::time::Duration;

use stampede_config::{self as config, LoadOptions, Plan};

use crate::hub::{ALLOW_SHELL_ENV, HUB_URL_ENV};
use crate::run::{Outcome, Progress, RunOptions};

/// How long a task waits for the others at the start barrier before starting anyway.
pub const BARRIER_TIMEOUT_ENV: &str = "STAMPEDE_BARRIER_TIMEOUT_S";
const DEFAULT_BARRIER_TIMEOUT: Duration = Duration::from_secs(60);

/// One task, as the launcher describes it.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskEnv {
    pub test_id: String,
    pub run_id: String,
    pub task_index: u32,
    pub task_id: String,
    pub region: String,
    pub task_count: u32,
    pub concurrency: u32,
    pub blob_dir: PathBuf,
    pub scenario_file: PathBuf,
    pub results_file: PathBuf,
    /// Where live frames go; `None`: no live data.
    pub hub_url: Option<String>,
    pub token: Option<String>,
    pub allow_shell: bool,
    pub barrier_timeout: Duration,
}

impl TaskEnv {
    /// Reads the task from `get` (the process environment in [`main`]).
    pub fn from_env(get: impl Fn(&str) -> Option<String>) -> Result<Self, String> {
        let need = |k: &str| {
            get(k).filter(|v| !v.is_empty()).ok_or_else(|| {
                format!("{k} is not set: `stampede worker` is started by `stampede hub`")
            })
        };
        let number = |k: &str| {
            need(k)?
                .parse::<u32>()
                .map_err(|_| format!("{k} must be a whole number"))
        };
        let barrier_timeout = match get(BARRIER_TIMEOUT_ENV) {
            Some(v) => Duration::from_secs(
                v.parse()
                    .map_err(|_| format!("{BARRIER_TIMEOUT_ENV} must be whole seconds"))?,
            ),
            None => DEFAULT_BARRIER_TIMEOUT,
        };
        Ok(TaskEnv {
            test_id: need("TEST_ID")?,
            run_id: need("TEST_RUN_ID")?,
            task_index: number("TASK_INDEX")?,
            task_id: need("TASK_ID")?,
            region: need("TASK_REGION")?,
            task_count: number("TASK_COUNT")?,
            concurrency: number("CONCURRENCY")?,
            blob_dir: need("BLOB_DIR")?.into(),
            scenario_file: need("SCENARIO_FILE")?.into(),
            results_file: need("RESULTS_FILE")?.into(),
            hub_url: get(HUB_URL_ENV).filter(|v| !v.is_empty()),
            token: get(stampede_hub::TOKEN_ENV).filter(|v| !v.is_empty()),
            allow_shell: get(ALLOW_SHELL_ENV).as_deref() == Some("1"),
            barrier_timeout,
        })
    }

    /// The start-signal directory, DLT's `start-signal/<testId>/<runId>/<region>/` key prefix.
    pub fn signal_dir(&self) -> PathBuf {
        self.blob_dir
            .join("start-signal")
            .join(&self.test_id)
            .join(&self.run_id)
            .join(&self.region)
    }

    /// `…/<taskId>-<region>.xml` → `…/<taskId>-<region>/`: the task's artifacts.
    pub fn artifacts_dir(&self) -> PathBuf {
        self.results_file.with_extension("")
    }

    /// The `-o` overrides that turn the region's config into this task's run.
    pub fn overrides(&self) -> Vec<String> {
        let json = |p: &Path| serde_json::to_string(&p.display().to_string()).expect("a string");
        let reporting = serde_json::json!([{"module": "final-stats", "summary": true,
            "percentiles": true, "summary-labels": true, "test-duration": true,
            "dump-xml": self.results_file.display().to_string()}]);
        vec![
            format!("settings.artifacts-dir={}", json(&self.artifacts_dir())),
            "modules.console.disable=true".into(),
            format!("execution.0.concurrency={}", self.concurrency),
            format!("reporting={reporting}"),
        ]
    }
}

/// The entry point of `stampede worker`; returns the exit code (Taurus's codes).
pub fn main() -> u8 {
    let task = match TaskEnv::from_env(|k| std::env::var(k).ok()) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("Error: {e}");
            return Outcome::Error.exit_code();
        }
    };
    let plan = match load(&task) {
        Ok(plan) => plan,
        Err(e) => {
            eprintln!("Config Error: {e}");
            return Outcome::Error.exit_code();
        }
    };
    // SAFETY: no other thread exists yet: the runtime (and the live poster) start below.
    // Exported before compiling: `${__env(..)}` is read at compile time and must see settings.env.
    #[allow(unsafe_code)]
    unsafe {
        config::export_env(&plan)
    };
    // Compiled once, before the barrier: a bad scenario fails this task before the others wait.
    let mut plan = plan;
    let compiled = crate::plan::compile_plan(&plan);
    if let Some(problem) = compiled.problems.first() {
        eprintln!("Config Error: {problem}");
        return Outcome::Error.exit_code();
    }
    let scenarios = compiled.apply(&mut plan);
    match barrier::wait(
        &task.signal_dir(),
        &task.task_id,
        task.task_count,
        task.barrier_timeout,
    ) {
        Ok(barrier::End::Started) => {}
        Ok(barrier::End::TimedOut) => eprintln!(
            "WARNING: not every task reached the start barrier in {}s; starting anyway",
            task.barrier_timeout.as_secs()
        ),
        Err(e) => eprintln!("WARNING: start barrier unusable ({e}); starting now"),
    }
    run(task, plan, scenarios)
}

/// Loads the task's config and applies the hub's rules again: the hub validated it, but an
/// `included-configs` file may have changed since.
fn load(task: &TaskEnv) -> Result<Plan, String> {
    let plan = config::load_with(
        std::slice::from_ref(&task.scenario_file),
        &LoadOptions::new(&task.overrides()),
    )
    .map_err(|e| e.to_string())?;
    if !task.allow_shell
        && let Some(first) = crate::hub::shell_uses(&plan.effective).into_iter().next()
    {
        return Err(first);
    }
    Ok(plan)
}

fn run(task: TaskEnv, plan: Plan, scenarios: Vec<Option<CompiledScenario>>) -> u8 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("Error: cannot start the async runtime: {e}");
            return Outcome::Error.exit_code();
        }
    };
    let mut extra: Vec<Box<dyn stampede_report::Reporter>> = Vec::new();
    if let Some(url) = &task.hub_url {
        match live::LiveReporter::start(url, &task) {
            Ok(r) => extra.push(Box::new(r)),
            Err(e) => eprintln!("WARNING: no live data for the hub: {e}"),
        }
    }
    let opts = RunOptions {
        progress: Progress::Lines,
        quiet: false,
        verbose: false,
        line_prefix: None,
    };
    runtime
        .block_on(crate::run::run_with_reporters(plan, scenarios, opts, extra))
        .exit_code()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env() -> HashMap<&'static str, String> {
        [
            ("TEST_ID", "t1"),
            ("TEST_RUN_ID", "r1"),
            ("TASK_INDEX", "2"),
            ("TASK_ID", "task2"),
            ("TASK_REGION", "local"),
            ("TASK_COUNT", "3"),
            ("CONCURRENCY", "4"),
            ("BLOB_DIR", "/b"),
            ("SCENARIO_FILE", "/b/test-scenarios/t1-local.json"),
            ("RESULTS_FILE", "/b/results/t1/r1/task2-local.xml"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect()
    }

    #[test]
    fn task_from_the_launchers_variables() {
        let vars = env();
        let t = TaskEnv::from_env(|k| vars.get(k).cloned()).unwrap();
        assert_eq!((t.task_index, t.task_count, t.concurrency), (2, 3, 4));
        assert_eq!(t.signal_dir(), PathBuf::from("/b/start-signal/t1/r1/local"));
        assert_eq!(
            t.artifacts_dir(),
            PathBuf::from("/b/results/t1/r1/task2-local")
        );
        assert!(!t.allow_shell && t.hub_url.is_none());
        let o = t.overrides();
        assert!(
            o.contains(&"execution.0.concurrency=4".to_string()),
            "{o:?}"
        );
        assert!(
            o[3].contains(r#""dump-xml":"/b/results/t1/r1/task2-local.xml""#),
            "{o:?}"
        );
    }

    #[test]
    fn missing_or_bad_variables_are_named() {
        let mut vars = env();
        vars.remove("TASK_COUNT");
        let err = TaskEnv::from_env(|k| vars.get(k).cloned()).unwrap_err();
        assert!(err.starts_with("TASK_COUNT is not set"), "{err}");
        let mut vars = env();
        vars.insert("CONCURRENCY", "many".into());
        let err = TaskEnv::from_env(|k| vars.get(k).cloned()).unwrap_err();
        assert_eq!(err, "CONCURRENCY must be a whole number");
    }
}
