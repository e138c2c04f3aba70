//! Wires config → scenario → engine → stats → reporters for one test, in Taurus's stages:
//! prepare (shellexec `prepare`, compile scenarios, build reporters) → startup (shellexec `startup`)
//! → the load, with the aggregator and the per-second console → shutdown (shellexec `shutdown`,
//! startup background tasks killed) → post-process (last datapoints, reporters' `finish`, shellexec
//! `post-process`, every background task killed).
//!
//! The CLI and the ECS entrypoint call [`run`]. It logs through [`stampede_log::ConsoleLog`], which also
//! writes `bzt.log` in the artifacts dir. SIGINT/SIGTERM stop the load (in-flight requests get
//! [`stampede_engine::STOP_GRACE`]), every report is still written, and the outcome is
//! [`Outcome::Interrupted`] (exit 2).

mod console;
mod lifecycle;
pub mod shellexec;

pub use console::timedelta;
pub use lifecycle::{EXTERNAL_RESULTS, PHASE, Parts, run_with, run_with_reporters};

use stampede_config::Plan;

/// How the console behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// A live display on a terminal, the Taurus per-second line otherwise.
    Auto,
    /// Always the Taurus per-second line (`modules.console.disable=true`, as DLT runs it).
    Lines,
    /// Nothing per second.
    Off,
}

#[derive(Clone, Debug)]
pub struct RunOptions {
    pub progress: Progress,
    pub quiet: bool,
    pub verbose: bool,
    /// Prefix for every console line (DLT's `TEST_ID live=true` sed prefix), `None` for plain output.
    pub line_prefix: Option<String>,
}

/// How a run ended; maps to Taurus's exit codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// 0: ran to the end (even with failed samples), or passfail `stop as non-failed`.
    Ok,
    /// 1: config, tool or runtime error (including empty results).
    Error,
    /// 2: Ctrl-C / SIGTERM.
    Interrupted,
    /// 3: a pass/fail criterion failed the test.
    Failed,
}

impl Outcome {
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Ok => 0,
            Outcome::Error => 1,
            Outcome::Interrupted => 2,
            Outcome::Failed => 3,
        }
    }
}

/// Runs one test to the end, writing every report. Never panics on bad input; errors are logged and
/// turned into [`Outcome::Error`].
/// `scenarios` are the plan's scenarios compiled once (`plan::compile_plan`), indexed by
/// `ExecutionPlan::index`.
pub async fn run(
    plan: Plan,
    scenarios: Vec<Option<stampede_scenario::CompiledScenario>>,
    opts: RunOptions,
) -> Outcome {
    lifecycle::run(plan, scenarios, opts).await
}
