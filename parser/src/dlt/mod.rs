//! DLT's results-parser semantics: per-file statistics, cross-task aggregation and the S3 key rules,
//! reproduced exactly (keys, key order, number-vs-string types, JS `toFixed` digits), plus exact merged
//! statistics from histogram sidecars as extra `exact` attributes.
//!
//! ```
//! use parser::dlt::{Era, task_result, final_results};
//! use parser::model::{FinalStatus, Group, Kpi, Num};
//! let g = |label: &str| Group {
//!     label: label.into(), throughput: Num::Int(10), concurrency: Num::Int(2), succ: Num::Int(9),
//!     fail: Num::Int(1), avg_rt: Num::Float(0.1), stdev_rt: Num::Float(0.01), avg_lt: Num::Float(0.09),
//!     avg_ct: Num::Float(0.01), bytes: Num::Int(1000),
//!     rc: vec![Kpi { param: "200".into(), value: Num::Int(9) }, Kpi { param: "503".into(), value: Num::Int(1) }],
//!     perc: vec![Kpi { param: "95.0".into(), value: Num::Float(0.2) }],
//! };
//! let fs = FinalStatus { test_duration: Some("60.0".into()), groups: vec![g("GET /"), g("")], ..Default::default() };
//! let task = task_result(&fs, Era::V4).unwrap();
//! let total = final_results(&[&task, &task], Era::V4).unwrap();
//! assert_eq!(total["throughput"], 20);            // sums are numbers
//! assert_eq!(total["avg_rt"], "0.10000");         // means are toFixed strings
//! assert_eq!(total["rc"][0]["count"], 2);         // 200 is accepted, 503 is not
//! assert_eq!(total["labels"][0]["testDuration"], "0");
//! ```

mod aggregate;
mod exact;
pub mod jsnum;
mod keys;
mod task;

pub use aggregate::{final_results, succ_percent};
pub use exact::attach_exact;
pub use keys::{KeyError, region_of_key, v1_key_parts};
pub use task::{GroupStats, PERCENTILES, StoredError, TaskResult, task_result};

use serde_json::{Map, Value};

/// Which DLT parser to match where the eras differ.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Era {
    /// v1.0.0–v1.1.0: only `200` is an accepted rc; labels are `endPoints[].endpoint`, not aggregated.
    V1,
    /// v3.2.3+ through v4 (and v1.2+ for shapes): the 13 accepted codes, `labels` aggregated.
    #[default]
    V4,
}

impl std::str::FromStr for Era {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "v1" => Ok(Era::V1),
            "v4" => Ok(Era::V4),
            other => Err(format!("unknown DLT era {other:?}: use v1 or v4")),
        }
    }
}

/// Why a results file cannot be turned into DLT statistics. Each case is one where DLT's own parser
/// throws (and marks the run failed), named so the message says what to fix.
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum DltError {
    #[error("results XML has no <TestDuration>: the file is incomplete (did the test run at all?)")]
    MissingTestDuration,
    #[error("results XML has no overall <Group label=\"\">: the file is incomplete")]
    MissingOverallGroup,
    #[error(
        "results XML group {label:?} has no <rc> element: DLT needs at least one response code"
    )]
    MissingRc { label: String },
    #[error(
        "results XML group {label:?} has percentile {param:?}: DLT only knows 0.0, 50.0, 90.0, 95.0, \
         99.0, 99.9, 100.0 (set final-stats percentiles back to the defaults)"
    )]
    UnknownPercentile { label: String, param: String },
    #[error("{what} is {text:?}, not a number")]
    BadNumber { what: String, text: String },
    #[error("no results files to aggregate")]
    NoTasks,
}

/// `{"tasks": [...], "final": ...}`: what `results-parser local` prints.
pub fn local_report(tasks: &[TaskResult], era: Era) -> Result<Value, DltError> {
    let refs: Vec<&TaskResult> = tasks.iter().collect();
    let mut m = Map::new();
    m.insert(
        "tasks".into(),
        Value::Array(tasks.iter().map(|t| t.to_json(era)).collect()),
    );
    m.insert("final".into(), Value::Object(final_results(&refs, era)?));
    Ok(Value::Object(m))
}
