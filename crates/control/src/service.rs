//! The domain: tests, runs and their lifecycle, over the [`crate::ports`] traits. No HTTP, no SQL,
//! no AWS: a shell turns requests into these calls and [`ControlError`]s into responses.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use serde_json::{Value, json};

use crate::api;
use crate::blobs::{results_prefix, scenario_key, test_prefix};
use crate::clock::{Clock, Ids, dlt_time};
use crate::live::{FrameError, Timeline};
use crate::mask::unmask;
use crate::model::{RunItem, RunQuery, Status, TestItem};
use crate::ports::{BlobError, Blobs, ConfigValidator, LaunchSpec, Launcher, Store, StoreError};
use crate::validate::{FieldError, create_request};

/// What a shell gives the domain.
pub struct Deps {
    pub store: Arc<dyn Store>,
    pub blobs: Arc<dyn Blobs>,
    pub launcher: Arc<dyn Launcher>,
    pub clock: Arc<dyn Clock>,
    pub ids: Arc<dyn Ids>,
    /// The executor's config check; `None` accepts any config DLT's schema accepts.
    pub validator: Option<ConfigValidator>,
    /// How long past its planned duration a run may go before [`ControlPlane::tick`] stops its
    /// tasks ([`crate::deadline::DEFAULT_GRACE_MS`] is a good default).
    pub grace_ms: i64,
}

/// A finished run merged across its tasks.
#[derive(Debug)]
pub struct MergedRun {
    /// What one Taurus run with every task's samples would have written.
    pub status: parser::FinalStatus,
    /// Every label's exact KPIs over the whole run.
    pub histograms: parser::sidecar::Sidecar,
}

/// The files of a task a console can download.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskFile {
    /// `<taskId>-<region>.xml`, Taurus's final-stats XML.
    Results,
    /// `<taskId>-<region>/report.html`, the task's HTML report (the worker's artifacts).
    Report,
}

/// Why a call failed. Each case maps to one HTTP status and `code` in a shell.
#[derive(Debug, thiserror::Error)]
pub enum ControlError {
    #[error("invalid request: {}", .0.iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<FieldError>),
    #[error("test {test_id:?} does not exist")]
    TestNotFound { test_id: String },
    #[error("test {test_id:?} has no run {run_id:?}")]
    RunNotFound { test_id: String, run_id: String },
    #[error("test {test_id:?} is {status}: {what} (cancel it first, or wait until it ends)")]
    Active {
        test_id: String,
        status: &'static str,
        what: &'static str,
    },
    #[error("test {test_id:?} is not running, so there is nothing to {what}")]
    NotRunning { test_id: String, what: &'static str },
    #[error("run {run_id:?} has no stored histograms (its tasks wrote no .hist.json sidecars)")]
    NoHistograms { run_id: String },
    #[error("test {test_id:?} has no baseline run: PUT one, or compare with a named run")]
    NoBaseline { test_id: String },
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Blob(#[from] BlobError),
}

impl ControlError {
    /// A stable machine-readable code for the error body.
    pub fn code(&self) -> &'static str {
        match self {
            ControlError::Invalid(_) => "INVALID_REQUEST_BODY",
            ControlError::TestNotFound { .. } => "TEST_NOT_FOUND",
            ControlError::RunNotFound { .. } => "TEST_RUN_NOT_FOUND",
            ControlError::Active { .. } => "TEST_IS_ACTIVE",
            ControlError::NotRunning { .. } => "TEST_NOT_RUNNING",
            ControlError::NoHistograms { .. } => "NO_HISTOGRAMS",
            ControlError::NoBaseline { .. } => "NO_BASELINE",
            ControlError::Frame(_) => "INVALID_LIVE_FRAME",
            ControlError::Store(_) | ControlError::Blob(_) => "INTERNAL_ERROR",
        }
    }
}

/// A live update for subscribers: a merged second's summary, or the run's final status.
#[derive(Clone, Debug, PartialEq)]
pub enum LiveEvent {
    Second(Value),
    Status(Value),
}

/// Receives live events; returns `false` once it no longer wants them (then it is dropped).
pub type Subscriber = Box<dyn Fn(&LiveEvent) -> bool + Send>;

/// A run the domain is watching.
pub(crate) struct ActiveRun {
    pub test_id: String,
    pub specs: Vec<LaunchSpec>,
    /// Tasks whose exit ends the run; lowered when a launch fails part-way.
    pub expected: u32,
    pub launching: bool,
    pub started: BTreeMap<u32, i64>,
    pub exits: BTreeMap<u32, Option<i32>>,
    pub cancelled: bool,
    /// When [`ControlPlane::tick`] stops the tasks (`None`: the run's length is unknown).
    pub deadline_ms: Option<i64>,
    pub timed_out: bool,
    pub failure: Option<String>,
    pub timeline: Timeline,
    pub subscribers: Vec<Subscriber>,
}

/// The control plane. Create it with [`ControlPlane::new`]; share the `Arc`.
pub struct ControlPlane {
    pub(crate) deps: Deps,
    pub(crate) active: Mutex<HashMap<String, ActiveRun>>,
    /// Held from the active check to the run's start, so two creates of one test cannot both run.
    creating: Mutex<()>,
    pub(crate) me: Weak<ControlPlane>,
}

impl ControlPlane {
    pub fn new(deps: Deps) -> Arc<Self> {
        Arc::new_cyclic(|me| ControlPlane {
            deps,
            active: Mutex::new(HashMap::new()),
            creating: Mutex::new(()),
            me: me.clone(),
        })
    }

    pub(crate) fn active(&self) -> MutexGuard<'_, HashMap<String, ActiveRun>> {
        self.active.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn test(&self, test_id: &str) -> Result<TestItem, ControlError> {
        self.deps
            .store
            .get_test(test_id)?
            .ok_or_else(|| ControlError::TestNotFound {
                test_id: test_id.into(),
            })
    }

    pub(crate) fn run(&self, test_id: &str, run_id: &str) -> Result<RunItem, ControlError> {
        self.deps
            .store
            .get_run(test_id, run_id)?
            .ok_or_else(|| ControlError::RunNotFound {
                test_id: test_id.into(),
                run_id: run_id.into(),
            })
    }

    /// `POST /scenarios`: validates, stores the test (new, or updated when `testId` names one) and
    /// starts a run, unless `saveOnly` is true (then the test is `created`). Returns the stored
    /// item, masked.
    pub fn create_and_run(&self, body: &Value) -> Result<Value, ControlError> {
        let launcher = &self.deps.launcher;
        let region_ok = |r: &str| launcher.check_region(r).map_err(|e| e.to_string());
        let mut req = create_request(body, &region_ok, self.deps.validator.as_ref())
            .map_err(ControlError::Invalid)?;
        let _one_at_a_time = self.creating.lock().unwrap_or_else(|p| p.into_inner());
        let existing = match &req.test_id {
            Some(id) => self.deps.store.get_test(id)?,
            None => None,
        };
        if let Some(old) = &existing {
            if !old.status.is_settled() {
                return Err(ControlError::Active {
                    test_id: old.test_id.clone(),
                    status: old.status.as_str(),
                    what: "it cannot be changed or started again while active",
                });
            }
            unmask(&mut req.scenario, &old.test_scenario);
        }
        let now = dlt_time(self.deps.clock.now_ms());
        let save_only = req.extra.get("saveOnly") == Some(&Value::Bool(true));
        let test = TestItem {
            test_id: req.test_id.unwrap_or_else(|| self.deps.ids.next_id()),
            test_name: req.test_name,
            test_description: req.test_description,
            test_type: req.test_type,
            file_type: req.file_type,
            task_configs: req.task_configs,
            test_scenario: req.scenario,
            status: if save_only {
                Status::Created
            } else {
                Status::Running
            },
            start_time: Some(now),
            end_time: None,
            current_run: (!save_only).then(|| self.deps.ids.next_id()),
            error_reason: None,
            results: None,
            complete_tasks: None,
            extra: req.extra,
        };
        if save_only {
            self.deps.store.put_test(&test)?;
        } else {
            self.start_run(&test)?;
        }
        let stored = self.test(&test.test_id)?;
        Ok(api::test_item(&stored))
    }

    /// `GET /scenarios`.
    pub fn list_tests(&self) -> Result<Value, ControlError> {
        let store = &self.deps.store;
        let items = store
            .list_tests()?
            .iter()
            .map(|t| Ok(api::test_summary(t, store.count_runs(&t.test_id)?)))
            .collect::<Result<Vec<_>, ControlError>>()?;
        Ok(json!({ "Items": items }))
    }

    /// `GET /scenarios/{testId}`: the item, `totalTestRuns`, `history[]` (newest first) and, while a
    /// run is active, `tasksPerRegion`.
    pub fn get_test(&self, test_id: &str) -> Result<Value, ControlError> {
        self.get_test_with(test_id, true)
    }

    /// [`Self::get_test`], optionally without `history[]` (a console pages the runs instead: with
    /// a thousand runs the full item is megabytes).
    pub fn get_test_with(&self, test_id: &str, history: bool) -> Result<Value, ControlError> {
        let test = self.test(test_id)?;
        let store = &self.deps.store;
        let total = store.count_runs(test_id)?;
        let mut v = api::test_item(&test);
        v["totalTestRuns"] = json!(total);
        if history {
            let query = RunQuery {
                limit: u32::MAX,
                ..RunQuery::default()
            };
            let runs: Vec<Value> = store
                .list_runs(test_id, &query)?
                .runs
                .iter()
                .map(api::run_item)
                .collect();
            v["history"] = Value::Array(runs);
        }
        if let Some(tasks) = test
            .current_run
            .as_deref()
            .and_then(|r| self.tasks_per_region(r))
        {
            v["tasksPerRegion"] = tasks;
        }
        Ok(v)
    }

    fn tasks_per_region(&self, run_id: &str) -> Option<Value> {
        let active = self.active();
        let run = active.get(run_id)?;
        let rows = run
            .specs
            .iter()
            .map(|s| {
                let mine = |t: &u32| (s.first_task..s.first_task + s.task_count).contains(t);
                let started = run.started.keys().filter(|t| mine(t)).count();
                let exited = run.exits.keys().filter(|t| mine(t)).count();
                json!({"region": s.region, "running": started - exited,
                       "pending": s.task_count as usize - started, "desired": s.task_count})
            })
            .collect();
        Some(Value::Array(rows))
    }

    /// `DELETE /scenarios/{testId}`: the test, its runs and their files; 409 while active.
    pub fn delete_test(&self, test_id: &str) -> Result<Value, ControlError> {
        let test = self.test(test_id)?;
        if !test.status.is_settled() {
            return Err(ControlError::Active {
                test_id: test_id.into(),
                status: test.status.as_str(),
                what: "it cannot be deleted while active",
            });
        }
        self.deps.store.delete_test(test_id)?;
        self.deps.blobs.delete_prefix(&test_prefix(test_id))?;
        for c in &test.task_configs {
            self.deps
                .blobs
                .delete_prefix(&scenario_key(test_id, &c.region))?;
        }
        Ok(json!("success"))
    }

    /// `GET …/testruns`: `{testRuns, pagination: {limit, next_token, total_count}}`.
    pub fn list_runs(&self, test_id: &str, query: &RunQuery) -> Result<Value, ControlError> {
        self.test(test_id)?;
        let page = self.deps.store.list_runs(test_id, query)?;
        let next = query.offset + page.runs.len() as u64;
        let next_token = (next < page.total).then(|| next.to_string());
        let runs: Vec<Value> = page.runs.iter().map(api::run_summary).collect();
        Ok(json!({
            "testRuns": runs,
            "pagination": {"limit": query.limit, "next_token": next_token, "total_count": page.total},
        }))
    }

    pub fn get_run(&self, test_id: &str, run_id: &str) -> Result<Value, ControlError> {
        Ok(api::run_item(&self.run(test_id, run_id)?))
    }

    /// A file one task of a run left: its results XML (`TaskFile::Results`) or its HTML report.
    /// `Ok(None)` when the task left none (it was lost, or the report is turned off).
    pub fn task_file(
        &self,
        test_id: &str,
        run_id: &str,
        task: u32,
        file: TaskFile,
    ) -> Result<Option<Vec<u8>>, ControlError> {
        let run = self.run(test_id, run_id)?;
        // Task indexes run on across regions, in the order of the task configs.
        let mut first = 0;
        let Some(region) = run.task_configs.iter().find_map(|c| {
            let found = (task < first + c.task_count).then(|| c.region.clone());
            first += c.task_count;
            found
        }) else {
            return Ok(None);
        };
        let xml = crate::blobs::results_key(
            &crate::blobs::results_prefix(test_id, run_id),
            &crate::launcher::task_id(task),
            &region,
        );
        let key = match file {
            TaskFile::Results => xml,
            TaskFile::Report => format!("{}/report.html", xml.trim_end_matches(".xml")),
        };
        Ok(self.deps.blobs.get(&key)?)
    }

    /// The run's results merged from all its tasks, exactly (summed counts and codes, percentiles
    /// from the merged histograms), with those histograms. `Ok(None)`: no task left any.
    pub fn merged_results(
        &self,
        test_id: &str,
        run_id: &str,
    ) -> Result<Option<MergedRun>, ControlError> {
        let run = self.run(test_id, run_id)?;
        let mut tasks = Vec::new();
        for c in &run.task_configs {
            let first = tasks.len() as u32;
            tasks.extend((first..first + c.task_count).map(|i| (i, c.region.clone())));
        }
        let histograms = self.merged_histograms(test_id, run_id)?;
        let prefix = crate::blobs::results_prefix(test_id, run_id);
        let status = crate::finalise::merged_status(
            self.deps.blobs.as_ref(),
            &prefix,
            &tasks,
            histograms.as_ref(),
        )?
        .map_err(|e| ControlError::NoHistograms {
            run_id: format!("{run_id} ({e})"),
        })?;
        Ok(status
            .zip(histograms)
            .map(|(status, histograms)| MergedRun { status, histograms }))
    }

    /// `DELETE …/testruns` with a list of run ids; an active run cannot be deleted.
    pub fn delete_runs(&self, test_id: &str, run_ids: &[String]) -> Result<Value, ControlError> {
        let test = self.test(test_id)?;
        let active_run = test
            .current_run
            .as_deref()
            .filter(|_| !test.status.is_settled());
        if active_run.is_some_and(|r| run_ids.iter().any(|id| id == r)) {
            return Err(ControlError::Active {
                test_id: test_id.into(),
                status: test.status.as_str(),
                what: "its active run cannot be deleted",
            });
        }
        // Only ids of stored runs reach the blob keys: a client's string never names a path.
        let mut known = Vec::new();
        for id in run_ids {
            if self.deps.store.get_run(test_id, id)?.is_some() {
                known.push(id.clone());
            }
        }
        let deleted = self.deps.store.delete_runs(test_id, &known)?;
        for id in &known {
            self.deps
                .blobs
                .delete_prefix(&results_prefix(test_id, id))?;
        }
        Ok(json!({ "deletedCount": deleted }))
    }

    /// `GET …/baseline`: `{testId, testRunId}` (`null` when none is set).
    pub fn get_baseline(&self, test_id: &str) -> Result<Value, ControlError> {
        self.test(test_id)?;
        let run = self.deps.store.get_baseline(test_id)?;
        Ok(json!({"testId": test_id, "testRunId": run}))
    }

    /// `PUT …/baseline` with `{"testRunId"}`.
    pub fn put_baseline(&self, test_id: &str, body: &Value) -> Result<Value, ControlError> {
        self.test(test_id)?;
        let Some(run_id) = body.get("testRunId").and_then(Value::as_str) else {
            return Err(ControlError::Invalid(vec![FieldError {
                field: "testRunId".into(),
                message: "is required (a run id of this test)".into(),
            }]));
        };
        self.run(test_id, run_id)?;
        self.deps.store.set_baseline(test_id, Some(run_id))?;
        Ok(json!({"testId": test_id, "testRunId": run_id}))
    }

    pub fn delete_baseline(&self, test_id: &str) -> Result<Value, ControlError> {
        self.test(test_id)?;
        self.deps.store.set_baseline(test_id, None)?;
        Ok(json!("success"))
    }
}
