//! Wires config → scenario → engine → stats → reporters for one test (the engine work fills it in).
//! INTERFACE STUB: the CLI and the ECS entrypoint call [`run`]; keep the names stable.

use crate::config::Plan;

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
pub async fn run(_plan: Plan, _opts: RunOptions) -> Outcome {
    todo!("engine work: run orchestration")
}
