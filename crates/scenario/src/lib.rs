//! The scenario program (compiled requests and logic blocks): compile a scenario once, run it per
//! virtual user.
//!
//! A front end describes a scenario to a [`ProgramBuilder`]: requests ([`RequestSpec`], with
//! [`ExtractorSpec`]s, [`AssertionSpec`]s, think time, timeouts, [`AuthEntry`]s), transactions,
//! `loop`/`while`/`foreach`/`once`/`if`-`else` blocks (JavaScript conditions), CSV
//! sources ([`CsvSpec`]) and variables. The builder does every compile-time job once (templates parsed
//! into segments, requests without templates prebuilt, blocks flattened into ops with jumps, CSV files
//! loaded, every expression validated) and [`ProgramBuilder::finish`] gives the [`CompiledScenario`].
//! The Taurus YAML front end is [`CompiledScenario::compile`]; a JMX front end targets the same
//! builder. [`CompiledScenario::run_iteration`] then runs one iteration of one user: pace, render,
//! send, extract, assert, record.
//!
//! Errors are [`ScenarioError`]s: the file ([`CompileContext::file`]), the scenario, the include
//! chain, the [`KeyPath`] (`requests[3].extract-jsonpath.token`), the [`Problem`] and its fix.
//!
//! Choices where Taurus, JMeter and a native executor could differ (what a Taurus+JMeter user sees wins):
//! - think time runs *before* the request it belongs to (JMeter timers), and is never part of a
//!   transaction's time (`include-timers: true` is refused);
//! - a transaction emits its own sample (sum of its children's times, 200 when all passed, else no code and
//!   `Number of samples in transaction : N, number of failing samples : M`) after its children, which are
//!   still reported unless `force-parent-sample`;
//! - labels default to the URL as written; `${...}` in labels is rendered per sample, as JMeter does;
//! - the failure message for HTTP >= 400 is the canonical reason phrase (JMeter reports the server's own);
//! - `authorization` supports the Basic mechanism, sent preemptively as JMeter's HttpClient4 does;
//! - `retrieve-resources: true`, `cookies`, `jsr223`, `keystore-config`,
//!   `random-source-ip` and non-http `protocol` are refused: they would change what is measured;
//! - `__P`/`__property`/`__env` are resolved at compile time; other unknown functions are errors;
//! - `${__javaScript(script[,var])}` and `if`/`while` conditions are JavaScript evaluated by
//!   `stampede-js` as JMeter 2.13's Rhino does, compiled with the scenario (a form it cannot
//!   evaluate is a compile error); a condition holds only when its value prints `true`, so an
//!   unquoted `${name} == 'x'` is skipped as in JMeter (quote it: `'${name}' == 'x'`);
//! - relative data files (`data-sources`, `upload-files`, `body-file`) are looked up as Taurus does:
//!   the working directory, then each config file's directory ([`CompileContext::search_path`]),
//!   then the defining config's directory; `body-file` too, although Taurus+JMeter opens it from
//!   the working directory only (a warning says so when it is found elsewhere);
//! - `default-address: //host:port` is http; a bare `host:port` is run as `http://host:port` with a
//!   warning (Taurus's JMeter fails every such sample);
//! - a scenario's default-address and headers reach included scenarios (JMeter config elements at
//!   test-plan scope); its timeout, keepalive, think-time and redirects do not.
//!
//! ```
//! use stampede_scenario::{CompileContext, CompiledScenario};
//! let scenario = serde_json::json!({
//!     "default-address": "http://127.0.0.1:8080",
//!     "requests": [{"url": "/login", "extract-jsonpath": {"token": "$.token"}},
//!                  {"url": "/private", "headers": {"Authorization": "Bearer ${token}"}}]
//! });
//! let config = serde_json::json!({});
//! let ctx = CompileContext { file: None, base_dir: std::path::Path::new("."), search_path: &[], config: &config, source: 0 };
//! let compiled = CompiledScenario::compile("demo", &scenario, &ctx).unwrap();
//! assert_eq!(compiled.labels(), vec!["/login", "/private"]);
//! ```
//!
//! The same kind of program without YAML:
//!
//! ```
//! use stampede_scenario::{Count, ProgramBuilder, RequestSpec};
//! let mut b = ProgramBuilder::new(Default::default());
//! let tx = b.begin_transaction("browse", false);
//! let times = b.begin_loop(Count::Times(3)).unwrap();
//! b.request(RequestSpec::get("http://127.0.0.1:8080/item/${__counter(TRUE)}")).unwrap();
//! b.end(times);
//! b.end(tx);
//! let compiled = b.finish("built", Default::default(), 0).unwrap();
//! assert_eq!(compiled.labels(), vec!["browse", "http://127.0.0.1:8080/item/${__counter(TRUE)}"]);
//! ```

mod assert;
mod auth;
mod blocks;
mod builder;
mod choice;
mod compile;
mod cond;
mod data;
mod error;
mod exec;
mod extract;
mod files;
mod jsonpath;
mod raw;
mod request;
mod template;
mod timefmt;
mod vars;
mod yaml;
mod yaml_post;
mod yaml_request;

#[cfg(test)]
mod tests;

pub use assert::{Assertion, AssertionSpec, SizeCmp, SizeField};
pub use auth::AuthEntry;
pub use builder::{Block, BodySpec, ChoiceSpec, Count, ProgramBuilder, RequestSpec};
pub use choice::ThroughputRule;
pub use compile::Action;
pub use data::{CsvSpec, DataSource};
pub use error::{ErrorDetails, Include, KeyPath, Lang, Problem, ScenarioError};
pub use extract::{ExtractExpr, ExtractFrom, Extractor, ExtractorSpec, Subject};
pub use template::{TemplateError, TemplateProblem};
pub use timefmt::{ThinkTime, dehumanize};
pub use vars::Vars;

use compile::{Op, Program};
use rand::SeedableRng;
use stampede_http::{Client, ClientConfig};
use stampede_kpi::Sample;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};
use template::{RenderEnv, Template};

/// What compilation may need besides the scenario itself.
pub struct CompileContext<'a> {
    /// The config file that defined the scenario, named in errors (`None`: errors name no file).
    pub file: Option<&'a Path>,
    /// Directory of the config file that defined the scenario: the last place a relative data
    /// file (`data-sources`, `body-file`, `upload-files`) is looked for.
    pub base_dir: &'a Path,
    /// Where a relative data file is looked for first, in order: the working directory, then each
    /// loaded config file's directory (`stampede_config::Plan::search_path`). Empty: `base_dir` only.
    pub search_path: &'a [std::path::PathBuf],
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
    /// This user must stop (CSV end of file with `loop: false`, or an `action: stop`).
    StopUser,
    /// The test is stopping.
    Stopped,
}

/// A scenario compiled once, before the load; shared by every user of the execution.
#[derive(Debug)]
pub struct CompiledScenario {
    name: Arc<str>,
    prog: Program,
    /// Scenario `variables`, rendered for each new user in order (JMeter User Defined Variables).
    variables: Vec<(Box<str>, Template)>,
    client: ClientConfig,
    user_counters: usize,
    source: u16,
    texts: exec::Texts,
    /// Maps the engine's `Instant`s to epoch milliseconds for `Sample::start_ms`.
    anchor: (Instant, u64),
}

/// Per-user state: variables, counters, loop slots, open transactions and reusable buffers.
#[derive(Debug)]
pub struct UserState {
    vars: Vars,
    rng: rand::rngs::StdRng,
    counters: Vec<u64>,
    slots: Vec<u64>,
    thread: u32,
    iteration: u64,
    txs: Vec<exec::TxAcc>,
    scratch: request::Scratch,
    /// Requests sent and pauses made so far: a choice block passes the turn of an arm that did
    /// neither.
    sent: u64,
    choices: Vec<choice::ChoiceState>,
    /// Per-user Throughput Controller counters `(executions, passes)`.
    gates: Vec<(u64, u64)>,
    /// Runtime Controller clocks.
    clocks: Vec<Option<Instant>>,
    /// The user's own cursor in each per-user CSV source.
    source_cursors: Vec<u64>,
}

impl UserState {
    /// The user's variables (for tests and diagnostics).
    pub fn vars(&self) -> &Vars {
        &self.vars
    }
}

impl CompiledScenario {
    /// Compiles a Taurus scenario mapping (the YAML front end over [`ProgramBuilder`]).
    pub fn compile(
        name: &str,
        scenario: &serde_json::Value,
        ctx: &CompileContext<'_>,
    ) -> Result<Self, ScenarioError> {
        yaml::compile(name, scenario, ctx)
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Keys we accepted but do not use, for the log (Taurus keeps and reports unknown keys).
    pub fn warnings(&self) -> &[String] {
        &self.prog.warnings
    }

    /// The request and transaction labels in program order, as written (templated labels are
    /// rendered per sample at run time).
    pub fn labels(&self) -> Vec<String> {
        let mut out = Vec::new();
        for op in &self.prog.ops {
            match op {
                Op::Request(i) => match &self.prog.requests[*i].label {
                    request::Label::Fixed(l) | request::Label::Tpl(_, l) => out.push(l.to_string()),
                },
                Op::TxBegin(t) => out.push(self.prog.txs[*t].label.to_string()),
                _ => {}
            }
        }
        out
    }

    pub fn client_config(&self) -> ClientConfig {
        self.client.clone()
    }

    /// `user` is the virtual user's number within the execution (JMeter's thread number, 1-based);
    /// it becomes `${__threadNum}` and `Sample::thread`.
    pub fn new_user(&self, user: u32) -> UserState {
        let mut u = UserState {
            vars: Vars::default(),
            rng: rand::rngs::StdRng::from_os_rng(),
            counters: vec![0; self.user_counters],
            slots: vec![0; self.prog.slots],
            thread: user,
            iteration: 0,
            txs: Vec::new(),
            scratch: request::Scratch::default(),
            sent: 0,
            choices: vec![choice::ChoiceState::default(); self.prog.choices.len()],
            gates: vec![(0, 0); self.prog.gates.len()],
            clocks: vec![None; self.prog.clocks],
            source_cursors: vec![0; self.prog.sources.len()],
        };
        for (k, t) in &self.variables {
            let mut env = RenderEnv {
                vars: &mut u.vars,
                rng: &mut u.rng,
                counters: &mut u.counters,
                thread: u.thread,
                iteration: u.iteration + 1,
            };
            let v = t.render(&mut env);
            u.vars.set(k, &v);
        }
        u
    }

    pub async fn run_iteration<H: Hooks>(
        &self,
        user: &mut UserState,
        client: &mut Client,
        hooks: &mut H,
    ) -> IterationEnd {
        exec::run(self, user, client, hooks).await
    }
}

impl Script for CompiledScenario {
    type User = UserState;

    fn client_config(&self) -> ClientConfig {
        CompiledScenario::client_config(self)
    }

    fn new_user(&self, user: u32) -> UserState {
        CompiledScenario::new_user(self, user)
    }

    fn run_iteration<H: Hooks>(
        &self,
        user: &mut UserState,
        client: &mut Client,
        hooks: &mut H,
    ) -> impl Future<Output = IterationEnd> + Send {
        CompiledScenario::run_iteration(self, user, client, hooks)
    }
}
