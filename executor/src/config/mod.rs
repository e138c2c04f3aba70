//! Taurus config loading (issue 2): files → merged tree → `-o` → env substitution → validated [`Plan`].
//! INTERFACE STUB, filled by the config work.

use std::path::PathBuf;
use std::time::Duration;

/// The validated plan. Everything after this sees real numbers and durations, never strings.
#[derive(Debug)]
pub struct Plan {
    /// The effective config (merged, overridden, env-substituted) as a tree, in Taurus key order.
    pub effective: serde_json::Value,
    pub executions: Vec<ExecutionPlan>,
    pub artifacts_dir: PathBuf,
    /// The config files given on the command line, in order.
    pub config_files: Vec<PathBuf>,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct ExecutionPlan {
    pub index: usize,
    pub executor: String,
    pub load: LoadSpec,
    pub scenario_name: String,
    /// The resolved scenario mapping (the scenario work compiles it).
    pub scenario: serde_json::Value,
    /// Directory of the config file that defined the scenario.
    pub base_dir: PathBuf,
}

/// Taurus's derived load (spec §2.2).
#[derive(Debug, Clone, PartialEq)]
pub struct LoadSpec {
    pub concurrency: u32,
    pub ramp_up: Option<Duration>,
    pub hold_for: Option<Duration>,
    /// Per user; `None` = unlimited (a duration is set).
    pub iterations: Option<u64>,
    /// Total requests per second for the execution; `None` = no limit.
    pub throughput: Option<f64>,
    pub steps: Option<u32>,
}
