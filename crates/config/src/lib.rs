//! Taurus config loading: files → merged tree → `included-configs` → `-o` → `${VAR}`
//! substitution → validated [`Plan`].
//!
//! The order and rules are Taurus's (`docs/taurus-config.md#loading`, `#execution`): base defaults, then the files in order
//! (every YAML document merged, lists concatenated, `^`/`~`/`$` key prefixes), included configs,
//! overrides, env substitution; then `execution` is unified to a list and each item becomes an
//! [`ExecutionPlan`] with real durations. Everything after the plan reads [`Plan::effective`] (a
//! `serde_json::Value` in config order) or the typed fields, never a string that should be a number.
//!
//! ```
//! let dir = tempfile::tempdir().unwrap();
//! let file = dir.path().join("test.yml");
//! std::fs::write(&file, "execution:\n- concurrency: 5\n  hold-for: 1m\n  scenario: s\n\
//!     scenarios:\n  s:\n    requests:\n    - http://127.0.0.1:8080/\n").unwrap();
//! let plan = stampede_config::load(&[file], &["execution.0.concurrency=7".into()]).unwrap();
//! assert_eq!(plan.executions[0].load.concurrency, 7);
//! assert_eq!(plan.executions[0].load.hold_for, Some(std::time::Duration::from_secs(60)));
//! assert_eq!(plan.executions[0].load.iterations, None);
//! ```

mod artifacts;
mod consolidator;
pub mod criteria;
mod duration;
mod env;
mod error;
mod execution;
mod files;
mod lint;
mod load;
mod merge;
mod modules;
mod origin;
mod overrides;
pub mod reporting;
mod services;
mod urls;
mod yaml;

use std::path::PathBuf;
use std::time::Duration;

pub use artifacts::{MASK, dump_effective, is_secret_key, masked, prepare, unique_name};
pub use consolidator::AggregatorSettings;
pub use duration::{TimeError, dehumanize, dehumanize_seconds};
pub use env::Envs;
pub use error::{ConfigError, Typo};
pub use execution::RawExecution;
pub use files::base_config;
pub use load::{LoadKeys, LoadSpec, LoadWarning};
pub use merge::merge;
pub use overrides::apply as apply_override;
pub use reporting::{ReportModule, Reporting};
pub use services::{STAGES, ShellExecSpec, ShellTask, shellexec as shellexec_spec};
pub use yaml::to_yaml;

/// The validated plan. Everything after this sees real numbers and durations, never strings.
#[derive(Debug)]
pub struct Plan {
    /// The effective config (merged, overridden, env-substituted) as a tree, in Taurus key order.
    /// Not masked: use [`masked`] or [`dump_effective`] before showing it.
    pub effective: serde_json::Value,
    pub executions: Vec<ExecutionPlan>,
    pub artifacts_dir: PathBuf,
    /// The config files given on the command line, in order.
    pub config_files: Vec<PathBuf>,
    pub warnings: Vec<String>,
    /// The user config files merged alone (Taurus's `merged.yml`).
    pub merged: serde_json::Value,
    /// `settings.env` (values expanded) plus `TAURUS_ARTIFACTS_DIR`, for [`export_env`].
    pub env: Envs,
    /// `modules.local.sequential`: executions run one after another instead of in parallel.
    pub sequential: bool,
    /// Where a relative data file (`data-sources`, `upload-files`, `body-file`) is looked for, in
    /// order, as Taurus's file search does: the working directory, then the directory of every
    /// loaded config file in load order.
    pub search_path: Vec<PathBuf>,
    /// The `shellexec` services' tasks, by stage.
    pub shellexec: ShellExecSpec,
    /// The reporting modules with their settings and criteria.
    pub reporting: Reporting,
    /// `modules.consolidator`: how samples are aggregated.
    pub consolidator: AggregatorSettings,
}

#[derive(Debug, Clone)]
pub struct ExecutionPlan {
    pub index: usize,
    pub executor: String,
    pub load: LoadSpec,
    /// Empty for an `external-results-loader` execution without a scenario.
    pub scenario_name: String,
    /// The resolved scenario mapping (the scenario work compiles it); `Null` when there is none.
    pub scenario: serde_json::Value,
    /// Directory of the config file that defined the scenario.
    pub base_dir: PathBuf,
    /// `delay`: start this execution that long after the test starts.
    pub delay: Option<Duration>,
    /// `data-file` of `external-results-loader` (as written; relative to the current directory).
    pub data_file: Option<PathBuf>,
    /// `errors-file` of `external-results-loader`.
    pub errors_file: Option<PathBuf>,
    /// The execution item as in the effective config (for `criteria`, `env`, executor extras).
    pub raw: serde_json::Value,
}

impl Plan {
    /// `modules.console.disable` (DLT passes `-o modules.console.disable=true`).
    pub fn console_disabled(&self) -> bool {
        truthy(self.effective.pointer("/modules/console/disable"))
    }
}

/// Taurus reads boolean settings leniently: `true`, `"true"`, `1`.
pub(crate) fn truthy(v: Option<&serde_json::Value>) -> bool {
    match v {
        Some(serde_json::Value::Bool(b)) => *b,
        Some(serde_json::Value::String(s)) => {
            matches!(s.to_ascii_lowercase().as_str(), "true" | "yes" | "on" | "1")
        }
        Some(serde_json::Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => false,
    }
}

/// [`truthy`], with `default` when the setting is absent or not a boolean-like value.
pub(crate) fn truthy_or(v: Option<&serde_json::Value>, default: bool) -> bool {
    match v {
        Some(
            serde_json::Value::Bool(_)
            | serde_json::Value::String(_)
            | serde_json::Value::Number(_),
        ) => truthy(v),
        _ => default,
    }
}

/// Reads one process environment variable.
pub type EnvLookup = Box<dyn Fn(&str) -> Option<String>>;

/// How to load: injectable clock, directory and environment so results are reproducible in tests.
pub struct LoadOptions {
    pub overrides: Vec<String>,
    /// bzt `-name` aliases: each merges `cli-aliases.<name>` of the config, before the overrides.
    pub aliases: Vec<String>,
    /// For the artifacts-dir strftime template.
    pub now: chrono::DateTime<chrono::Local>,
    /// Relative paths (config files, artifacts dir) are resolved against this.
    pub cwd: PathBuf,
    /// The process environment, read for `$X` expansion in `settings.env` and `artifacts-dir`.
    pub lookup_env: EnvLookup,
}

impl LoadOptions {
    /// The real clock, current directory and process environment.
    pub fn new(overrides: &[String]) -> Self {
        LoadOptions {
            overrides: overrides.to_vec(),
            aliases: Vec::new(),
            now: chrono::Local::now(),
            cwd: std::env::current_dir().unwrap_or_else(|_| PathBuf::from(".")),
            lookup_env: Box::new(|name| std::env::var(name).ok()),
        }
    }
}

/// Loads config files with `-o` overrides into a validated plan (nothing is written or exported).
pub fn load(files: &[PathBuf], overrides: &[String]) -> Result<Plan, ConfigError> {
    load_with(files, &LoadOptions::new(overrides))
}

/// [`load`] with explicit options.
pub fn load_with(files: &[PathBuf], opts: &LoadOptions) -> Result<Plan, ConfigError> {
    files::load(files, opts)
}

/// Loads one config given as text; `name` is used in messages and for relative paths.
pub fn load_text(
    name: &std::path::Path,
    text: &str,
    opts: &LoadOptions,
) -> Result<Plan, ConfigError> {
    files::load_text(name, text, opts)
}

/// A plan from config text with default options (other modules' tests build plans with this rather
/// than with struct literals, so new plan fields don't break them). Relative paths resolve against the
/// current directory.
pub fn plan_from_str(text: &str) -> Result<Plan, ConfigError> {
    load_text(
        std::path::Path::new("config.yml"),
        text,
        &LoadOptions::new(&[]),
    )
}

/// Exports `settings.env` to the process environment (`null` unsets), so child processes and
/// `${__env(..)}`-style lookups see it, as Taurus does.
///
/// # Safety
/// Edition 2024 makes `std::env::set_var` unsafe because another thread may read the environment at
/// the same time (glibc's `getenv` is not synchronised). Call this from `main` before any thread —
/// notably the tokio runtime — is started.
#[allow(unsafe_code)]
pub unsafe fn export_env(plan: &Plan) {
    for (name, value) in &plan.env {
        if name.is_empty() || name.contains(['=', '\0']) {
            continue;
        }
        match value {
            // SAFETY: the caller guarantees no other thread is running (see the doc above).
            Some(v) if !v.contains('\0') => unsafe { std::env::set_var(name, v) },
            Some(_) => {}
            // SAFETY: as above.
            None => unsafe { std::env::remove_var(name) },
        }
    }
}
