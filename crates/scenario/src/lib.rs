//! The Taurus scenario language (issue 4): compile a scenario once, run it per virtual user.
//!
//! [`CompiledScenario::compile`] turns a scenario mapping (Taurus names, spec §3) into a program:
//! templates parsed into segments, requests without templates prebuilt, logic blocks flattened into
//! ops with jumps, CSV files loaded, every expression validated. [`CompiledScenario::run_iteration`]
//! then runs one iteration of one user: pace, render, send, extract, assert, record.
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
//! let ctx = CompileContext { base_dir: std::path::Path::new("."), config: &config, source: 0 };
//! let compiled = CompiledScenario::compile("demo", &scenario, &ctx).unwrap();
//! assert_eq!(compiled.labels(), vec!["/login", "/private"]);
//! ```

mod assert;
mod auth;
mod blocks;
mod compile;
mod compile_request;
mod cond;
mod data;
mod exec;
mod extract;
mod jsonpath;
mod raw;
mod request;
mod template;
mod timefmt;
mod vars;

#[cfg(test)]
mod tests;

pub use timefmt::dehumanize;
pub use vars::Vars;

use compile::{Compiler, Op, Program};
use rand::SeedableRng;
use stampede_http::{Client, ClientConfig};
use stampede_kpi::Sample;
use std::future::Future;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use template::{RenderEnv, Template, TemplateCompiler};

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
}

impl UserState {
    /// The user's variables (for tests and diagnostics).
    pub fn vars(&self) -> &Vars {
        &self.vars
    }
}

impl CompiledScenario {
    pub fn compile(
        name: &str,
        scenario: &serde_json::Value,
        ctx: &CompileContext<'_>,
    ) -> Result<Self, ScenarioError> {
        let err = |message: String| ScenarioError {
            scenario: name.to_string(),
            message,
        };
        let raw: raw::RawScenario = serde_json::from_value(scenario.clone()).map_err(|e| {
            err(format!(
                "{e} (see Taurus scenario keys: requests, default-address, headers, ...)"
            ))
        })?;
        let tc = TemplateCompiler {
            props: properties(ctx.config, raw.properties.as_ref()),
            ..TemplateCompiler::default()
        };
        let mut compiler = Compiler::new(ctx.config, ctx.base_dir, tc);
        compiler
            .scenario(name, &raw, ctx.base_dir, None)
            .map_err(err)?;
        if compiler.prog.requests.is_empty() {
            // An iteration that sends nothing would spin the user's loop without measuring anything.
            return Err(err(
                "has no requests, so there is nothing to measure; add at least one request".into(),
            ));
        }
        let mut variables = Vec::new();
        for (k, v) in raw.variables.iter().flatten() {
            let text = raw::scalar_text(v)
                .ok_or_else(|| err(format!("variables: {k} must be a scalar")))?;
            let t = compiler
                .tc
                .parse(&text)
                .map_err(|e| err(format!("variables: {k}: {e}")))?;
            variables.push((k.as_str().into(), t));
        }
        let timeout = match &raw.timeout {
            Some(v) => compiler.duration(Some(v), "timeout").map_err(err)?,
            None => None,
        };
        let client = ClientConfig {
            keepalive: raw.keepalive.unwrap_or(true),
            connect_timeout: timeout.unwrap_or(compile::DEFAULT_TIMEOUT),
            follow_redirects: raw.follow_redirects.unwrap_or(true),
            store_cookies: raw.store_cookie.unwrap_or(true),
            // JMeter accepts any certificate, so existing tests against staging hosts keep working;
            // `verify-tls: true` (scenario) or `settings.verify-tls: true` turns checking on.
            verify_tls: raw.verify_tls.unwrap_or_else(|| {
                ctx.config
                    .pointer("/settings/verify-tls")
                    .and_then(serde_json::Value::as_bool)
                    .unwrap_or(false)
            }),
        };
        let epoch_ms = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as u64)
            .unwrap_or(0);
        Ok(CompiledScenario {
            name: name.into(),
            user_counters: compiler.tc.user_counters,
            prog: compiler.prog,
            variables,
            client,
            source: ctx.source,
            texts: exec::Texts::new(),
            anchor: (Instant::now(), epoch_ms),
        })
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
        };
        for (k, t) in &self.variables {
            let mut env = RenderEnv {
                vars: &mut u.vars,
                rng: &mut u.rng,
                counters: &mut u.counters,
                thread: u.thread,
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

/// JMeter properties: `modules.jmeter.properties`, overridden by the scenario's `properties`.
fn properties(
    config: &serde_json::Value,
    scenario: Option<&indexmap::IndexMap<String, serde_json::Value>>,
) -> std::collections::HashMap<String, String> {
    let mut props = std::collections::HashMap::new();
    let global = config
        .pointer("/modules/jmeter/properties")
        .and_then(serde_json::Value::as_object);
    for (k, v) in global.into_iter().flatten() {
        if let Some(s) = raw::scalar_text(v) {
            props.insert(k.clone(), s);
        }
    }
    for (k, v) in scenario.into_iter().flatten() {
        if let Some(s) = raw::scalar_text(v) {
            props.insert(k.clone(), s);
        }
    }
    props
}
