//! The small traits the domain talks to. Each has a local implementation in this crate (SQLite file,
//! directory, local processes) and is shaped so an AWS one fits (DynamoDB, S3, ECS RunTask).

use std::sync::Arc;

use crate::model::{RunItem, RunPage, RunQuery, TestItem};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("store back end failed: {0}")]
    Backend(String),
    #[error("stored {what} is unreadable: {reason}")]
    Corrupt { what: String, reason: String },
}

/// Tests, runs, each run's exact histograms and per-second timeline, and the baseline per test.
pub trait Store: Send + Sync {
    fn put_test(&self, test: &TestItem) -> Result<(), StoreError>;
    fn get_test(&self, test_id: &str) -> Result<Option<TestItem>, StoreError>;
    /// Newest `startTime` first.
    fn list_tests(&self) -> Result<Vec<TestItem>, StoreError>;
    /// Deletes the test, its runs, their histograms and timelines, and its baseline.
    fn delete_test(&self, test_id: &str) -> Result<(), StoreError>;

    fn put_run(&self, run: &RunItem) -> Result<(), StoreError>;
    fn get_run(&self, test_id: &str, run_id: &str) -> Result<Option<RunItem>, StoreError>;
    fn list_runs(&self, test_id: &str, query: &RunQuery) -> Result<RunPage, StoreError>;
    fn count_runs(&self, test_id: &str) -> Result<u64, StoreError>;
    /// Deletes the named runs of `test_id` (unknown ids are ignored); returns how many went.
    fn delete_runs(&self, test_id: &str, run_ids: &[String]) -> Result<u64, StoreError>;

    /// The run's merged histograms, in the `parser::sidecar` text format.
    fn put_histograms(&self, run_id: &str, sidecar: &str) -> Result<(), StoreError>;
    fn get_histograms(&self, run_id: &str) -> Result<Option<String>, StoreError>;
    /// Per-second rows `(epoch second, JSON)`, replacing any the run had.
    fn put_timeline(&self, run_id: &str, seconds: &[(i64, String)]) -> Result<(), StoreError>;
    fn get_timeline(&self, run_id: &str) -> Result<Vec<(i64, String)>, StoreError>;

    fn get_baseline(&self, test_id: &str) -> Result<Option<String>, StoreError>;
    fn set_baseline(&self, test_id: &str, run_id: Option<&str>) -> Result<(), StoreError>;
}

#[derive(Debug, thiserror::Error)]
pub enum BlobError {
    #[error("blob key {key:?} is not a relative path of plain segments")]
    BadKey { key: String },
    #[error("blob {key:?}: {source}")]
    Io { key: String, source: std::io::Error },
}

/// Objects under DLT's S3 key layout (see [`crate::blobs`]).
pub trait Blobs: Send + Sync {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError>;
    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError>;
    /// Keys starting with `prefix`, sorted.
    fn list(&self, prefix: &str) -> Result<Vec<String>, BlobError>;
    fn delete_prefix(&self, prefix: &str) -> Result<(), BlobError>;
}

/// What one run's tasks need: where the config is and where results go.
#[derive(Clone, Debug, PartialEq)]
pub struct LaunchSpec {
    pub test_id: String,
    pub run_id: String,
    pub region: String,
    /// Tasks of this region; task indexes are `first_task .. first_task + task_count`, unique in the run.
    pub first_task: u32,
    pub task_count: u32,
    pub concurrency: u32,
    /// Blob key of the Taurus config written for this region.
    pub scenario_key: String,
    /// Blob key prefix each task writes `<taskId>-<region>.xml` (and `.hist.json`) under.
    pub results_prefix: String,
}

/// A task's life as the launcher sees it. The domain stamps the time when it receives one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TaskEvent {
    Started {
        run_id: String,
        task: u32,
    },
    /// `code` is `None` when the task was killed by a signal or could not be waited on.
    Exited {
        run_id: String,
        task: u32,
        code: Option<i32>,
    },
}

/// Where a launcher reports task events; called from any thread.
pub type EventSink = Arc<dyn Fn(TaskEvent) + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum LaunchError {
    #[error("launcher cannot run region {region:?}: {hint}")]
    Region { region: String, hint: String },
    #[error("task {task} of run {run_id} did not start: {reason}")]
    Start {
        run_id: String,
        task: u32,
        reason: String,
    },
}

/// Starts a run's tasks and stops them. ECS: RunTask in batches of 10 / StopTask; locally: processes.
pub trait Launcher: Send + Sync {
    /// Whether tasks can run in `region` (`Err` says which regions can).
    fn check_region(&self, region: &str) -> Result<(), LaunchError>;
    /// Starts every task of `spec`; each reports `Started` then, eventually, `Exited` to `events`.
    /// Tasks started before an error keep running and still report; the caller cancels the run.
    fn start(&self, spec: &LaunchSpec, events: EventSink) -> Result<(), LaunchError>;
    /// Signals every task of the run to stop; their `Exited` events follow.
    fn cancel(&self, run_id: &str);
    /// Whether this launcher reports its tasks' `Exited` events. One that hands a run to another
    /// system (ECS through a queue) returns `false`: the domain then keeps no state for the run once
    /// it is handed off, something else records its end (the results parser), and cancel stops the
    /// tasks with [`Launcher::stop_test`] and settles the run at once.
    fn reports_exits(&self) -> bool {
        true
    }
    /// Stops every task of `test_id`'s run `run_id`; only called when [`Launcher::reports_exits`]
    /// is `false`. `Err` says why the tasks could not be stopped.
    fn stop_test(&self, test_id: &str, run_id: &str) -> Result<(), String> {
        let _ = test_id;
        self.cancel(run_id);
        Ok(())
    }
}

/// Validates a Taurus config with the executor's own loader: `Err` lists every problem found.
pub type ConfigValidator = Arc<dyn Fn(&serde_json::Value) -> Result<(), Vec<String>> + Send + Sync>;
