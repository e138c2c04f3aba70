//! The Taurus scenario language (issue 4): compile a scenario once, run it per virtual user.
//!
//! INTERFACE STUB: the engine codes against these names; the scenario work fills them in.

use crate::http::{Client, ClientConfig};
use crate::sample::Sample;
use std::future::Future;
use std::path::Path;
use std::time::{Duration, Instant};

#[derive(Debug, thiserror::Error)]
#[error("scenario {scenario:?}: {message}")]
pub struct ScenarioError {
    pub scenario: String,
    pub message: String,
}

/// What compilation may need besides the scenario itself.
pub struct CompileContext<'a> {
    /// Directory of the config file that defined the scenario (CSV and body-file paths are relative to it).
    pub base_dir: &'a Path,
    /// The whole effective config (for `modules.jmeter.properties`, `settings`).
    pub config: &'a serde_json::Value,
    /// Index of the execution; goes into every sample's `source`.
    pub source: u16,
}

/// What the engine gives a user's iteration: pacing, recording, sleeping — all cancellable.
pub trait Hooks: Send {
    /// Waits until the next request may be sent (throughput pacing). Returns the scheduled send time
    /// (latency is measured from it), or `None` when the test is stopping.
    fn gate(&mut self) -> impl Future<Output = Option<Instant>> + Send;
    /// Records a finished sample (the engine fills `concurrency`).
    fn record(&mut self, sample: Sample);
    /// Think time; returns false if the test stopped meanwhile.
    fn sleep(&mut self, d: Duration) -> impl Future<Output = bool> + Send;
}

/// What the engine runs for each virtual user: the compiled scenario implements it (and tests may
/// implement small ones). The engine is generic over it, so there is one loop.
pub trait Script: Send + Sync + 'static {
    type User: Send;
    fn client_config(&self) -> ClientConfig;
    fn new_user(&self, user: u32) -> Self::User;
    fn run_iteration<H: Hooks>(
        &self,
        user: &mut Self::User,
        client: &mut Client,
        hooks: &mut H,
    ) -> impl Future<Output = IterationEnd> + Send;
}

/// How an iteration ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IterationEnd {
    Completed,
    /// This user must stop (CSV end of file with `loop: false`).
    StopUser,
    /// The test is stopping.
    Stopped,
}

pub struct CompiledScenario {}

/// Per-user state: variables, CSV cursor, counters.
pub struct UserState {}

impl CompiledScenario {
    pub fn compile(
        _name: &str,
        _scenario: &serde_json::Value,
        _ctx: &CompileContext<'_>,
    ) -> Result<Self, ScenarioError> {
        todo!("scenario work")
    }

    pub fn client_config(&self) -> ClientConfig {
        todo!("scenario work")
    }

    pub fn new_user(&self, _user: u32) -> UserState {
        todo!("scenario work")
    }

    pub async fn run_iteration<H: Hooks>(
        &self,
        _user: &mut UserState,
        _client: &mut Client,
        _hooks: &mut H,
    ) -> IterationEnd {
        todo!("scenario work")
    }
}
