//! The stored items, in DLT's shapes: a test is a Scenarios-table item, a run is a History-table item.
//! Both keep every field they were given (`extra`), so clients' additions pass through as DLT's do.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// DLT's status strings. `Created`, `Scheduled` and `Queued` exist in DLT's set; the hub only
/// writes `Running`, `Cancelling`, `Cancelled`, `Complete` and `Failed`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Created,
    Scheduled,
    Queued,
    Running,
    Cancelling,
    Cancelled,
    Complete,
    Failed,
}

impl Status {
    /// DLT lets a test be deleted only in these states; anything else is "active" (409).
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            Status::Complete
                | Status::Cancelled
                | Status::Failed
                | Status::Scheduled
                | Status::Created
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Created => "created",
            Status::Scheduled => "scheduled",
            Status::Queued => "queued",
            Status::Running => "running",
            Status::Cancelling => "cancelling",
            Status::Cancelled => "cancelled",
            Status::Complete => "complete",
            Status::Failed => "failed",
        }
    }
}

/// One entry of `testTaskConfigs`: `concurrency` is per task, as in DLT.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaskConfig {
    pub region: String,
    #[serde(rename = "taskCount")]
    pub task_count: u32,
    pub concurrency: u32,
}

/// A test (DLT's Scenarios item). `test_scenario` is the Taurus config as a JSON object, before the
/// per-region `taskCount`/`concurrency` injection; it holds secrets and is masked in responses.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TestItem {
    #[serde(rename = "testId")]
    pub test_id: String,
    #[serde(rename = "testName")]
    pub test_name: String,
    #[serde(rename = "testDescription")]
    pub test_description: String,
    #[serde(rename = "testType")]
    pub test_type: String,
    #[serde(rename = "fileType", skip_serializing_if = "Option::is_none")]
    pub file_type: Option<String>,
    #[serde(rename = "testTaskConfigs")]
    pub task_configs: Vec<TaskConfig>,
    #[serde(rename = "testScenario")]
    pub test_scenario: Value,
    pub status: Status,
    #[serde(rename = "startTime", skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(rename = "endTime", skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    /// The run started last (Stampede addition; DLT finds it through the History table).
    #[serde(rename = "testRunId", skip_serializing_if = "Option::is_none")]
    pub current_run: Option<String>,
    #[serde(rename = "errorReason", skip_serializing_if = "Option::is_none")]
    pub error_reason: Option<String>,
    /// The last run's `{<region>: R, total: R}` and `{<region>: n}`, as DLT keeps them on the test.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<Value>,
    #[serde(rename = "completeTasks", skip_serializing_if = "Option::is_none")]
    pub complete_tasks: Option<Value>,
    /// Fields the client sent that the hub does not interpret (`tags`, `showLive`, schedules …).
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// A run (DLT's History item). `results` is `{<region>: R, total: R}` as DLT's results parser writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunItem {
    #[serde(rename = "testId")]
    pub test_id: String,
    #[serde(rename = "testRunId")]
    pub run_id: String,
    #[serde(rename = "startTime")]
    pub start_time: String,
    #[serde(rename = "endTime", skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    pub status: Status,
    #[serde(rename = "testTaskConfigs")]
    pub task_configs: Vec<TaskConfig>,
    #[serde(rename = "testScenario")]
    pub test_scenario: Value,
    #[serde(rename = "testDescription")]
    pub test_description: String,
    #[serde(rename = "testType")]
    pub test_type: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub results: Option<Value>,
    #[serde(rename = "succPercent", skip_serializing_if = "Option::is_none")]
    pub succ_percent: Option<String>,
    #[serde(rename = "completeTasks", skip_serializing_if = "Option::is_none")]
    pub complete_tasks: Option<Value>,
    #[serde(rename = "errorReason", skip_serializing_if = "Option::is_none")]
    pub error_reason: Option<String>,
    /// Planned vs achieved load, skew, lost tasks, CPU (Stampede addition, see [`crate::validity`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub validity: Option<Value>,
}

impl RunItem {
    pub fn total_tasks(&self) -> u32 {
        self.task_configs.iter().map(|c| c.task_count).sum()
    }
}

/// `GET …/testruns` filters, already validated.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunQuery {
    /// 1..=100.
    pub limit: u32,
    /// Inclusive bounds on `startTime`, in its `YYYY-MM-DD HH:mm:ss` form.
    pub start: Option<String>,
    pub end: Option<String>,
    /// Index of the first run to return, newest first (the decoded `next_token`).
    pub offset: u64,
}

/// One page of runs, newest first, and how many runs match the filter in all.
#[derive(Clone, Debug, PartialEq)]
pub struct RunPage {
    pub runs: Vec<RunItem>,
    pub total: u64,
}
