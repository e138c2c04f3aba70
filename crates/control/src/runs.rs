//! The run lifecycle: running → complete | cancelled | failed. Tasks report through the launcher's
//! events; the last exit finalises the run (exact merge, validity, timeline) in that event's thread.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use crate::blobs::{results_prefix, scenario_key};
use crate::clock::dlt_time;
use crate::compare::{Side, compare};
use crate::finalise::finalise;
use crate::live::{LiveFrame, Second, Timeline};
use crate::model::{RunItem, Status, TestItem};
use crate::ports::{LaunchSpec, TaskEvent};
use crate::service::{ActiveRun, ControlError, ControlPlane, LiveEvent, Subscriber};
use crate::validity::{TaskFacts, assess};

/// DLT v1.2+'s reason when no task left a results file.
pub const NO_RESULTS: &str = "Test might be failed to run.";

/// DLT's `reporting` block, which the API always puts in the config it hands to tasks.
fn reporting() -> Value {
    json!([{"module": "final-stats", "summary": true, "percentiles": true, "summary-labels": true,
            "test-duration": true, "dump-xml": "/tmp/artifacts/results.xml"}])
}

/// The config a region's tasks run: DLT v3+ appends `taskCount`/`concurrency` to `execution[0]`.
fn region_config(scenario: &Value, task_count: u32, concurrency: u32) -> Value {
    let mut c = scenario.clone();
    c["reporting"] = reporting();
    if let Some(Value::Object(first)) = c.get_mut("execution").and_then(|e| e.get_mut(0)) {
        first.remove("taskCount");
        first.remove("concurrency");
        first.insert("taskCount".into(), json!(task_count));
        first.insert("concurrency".into(), json!(concurrency));
    }
    c
}

/// The History item of a run that is starting.
fn new_run(test: &TestItem, run_id: &str) -> RunItem {
    RunItem {
        test_id: test.test_id.clone(),
        run_id: run_id.to_owned(),
        start_time: test.start_time.clone().unwrap_or_default(),
        end_time: None,
        status: Status::Running,
        task_configs: test.task_configs.clone(),
        test_scenario: test.test_scenario.clone(),
        test_description: test.test_description.clone(),
        test_type: test.test_type.clone(),
        results: None,
        succ_percent: None,
        complete_tasks: None,
        error_reason: None,
        validity: None,
    }
}

/// Outcome of [`ControlPlane::subscribe`].
pub enum Subscription {
    /// Events will follow until the run ends.
    Live,
    /// The run is over: its final status.
    Ended(Value),
}

impl ControlPlane {
    /// Stores `test` and its new run, writes the region configs and starts the tasks.
    pub(crate) fn start_run(&self, test: &TestItem) -> Result<(), ControlError> {
        let run_id = test
            .current_run
            .clone()
            .expect("a started test has a run id");
        let specs = self.write_configs(test, &run_id)?;
        self.deps.store.put_test(test)?;
        self.deps.store.put_run(&new_run(test, &run_id))?;
        let expected = specs.iter().map(|s| s.task_count).sum();
        self.active().insert(
            run_id.clone(),
            ActiveRun {
                test_id: test.test_id.clone(),
                specs: specs.clone(),
                expected,
                launching: true,
                started: BTreeMap::new(),
                exits: BTreeMap::new(),
                cancelled: false,
                deadline_ms: crate::deadline::planned_ms(&test.test_scenario)
                    .map(|p| self.deps.clock.now_ms() + p + self.deps.grace_ms),
                timed_out: false,
                failure: None,
                timeline: Timeline::default(),
                subscribers: Vec::new(),
            },
        );
        self.launch(&run_id, &specs);
        Ok(())
    }

    /// One config per region at DLT's key, and the launch spec that points at it.
    fn write_configs(
        &self,
        test: &TestItem,
        run_id: &str,
    ) -> Result<Vec<LaunchSpec>, ControlError> {
        let (mut specs, mut first_task) = (Vec::new(), 0);
        for c in &test.task_configs {
            let key = scenario_key(&test.test_id, &c.region);
            let config = region_config(&test.test_scenario, c.task_count, c.concurrency);
            self.deps.blobs.put(&key, config.to_string().as_bytes())?;
            specs.push(LaunchSpec {
                test_id: test.test_id.clone(),
                run_id: run_id.to_owned(),
                region: c.region.clone(),
                first_task,
                task_count: c.task_count,
                concurrency: c.concurrency,
                scenario_key: key,
                results_prefix: results_prefix(&test.test_id, run_id),
            });
            first_task += c.task_count;
        }
        Ok(specs)
    }

    /// Starts every region's tasks. A launch error cancels what started and fails the run once
    /// those tasks have exited.
    fn launch(&self, run_id: &str, specs: &[LaunchSpec]) {
        // The launcher reports `Started` synchronously: no lock may be held across `start`.
        let me = self.me.clone();
        let sink: crate::ports::EventSink = Arc::new(move |ev| {
            if let Some(cp) = me.upgrade() {
                cp.on_task_event(ev);
            }
        });
        let mut failure = None;
        for spec in specs {
            if let Err(e) = self.deps.launcher.start(spec, Arc::clone(&sink)) {
                failure = Some(e.to_string());
                self.deps.launcher.cancel(run_id);
                break;
            }
        }
        let (done, cancelled) = {
            let mut active = self.active();
            if failure.is_none() && !self.deps.launcher.reports_exits() {
                // Handed off: no events will come, the run's end is recorded elsewhere.
                active.remove(run_id);
                return;
            }
            let run = active
                .get_mut(run_id)
                .expect("only the last exit removes a run");
            run.launching = false;
            if let Some(reason) = failure {
                run.failure = Some(reason);
                run.expected = run.started.len() as u32;
            }
            (run.exits.len() as u32 >= run.expected, run.cancelled)
        };
        // A cancel that raced the launch missed the tasks started after it: signal them too.
        if cancelled {
            self.deps.launcher.cancel(run_id);
        }
        if done {
            self.finish_if_done(run_id);
        }
    }

    /// Where the launcher's events arrive (any thread).
    pub fn on_task_event(&self, event: TaskEvent) {
        let now = self.deps.clock.now_ms();
        let run_id = match event {
            TaskEvent::Started { run_id, task } => {
                if let Some(run) = self.active().get_mut(&run_id) {
                    run.started.insert(task, now);
                }
                return;
            }
            TaskEvent::Exited { run_id, task, code } => {
                if let Some(run) = self.active().get_mut(&run_id) {
                    run.exits.insert(task, code);
                }
                run_id
            }
        };
        self.finish_if_done(&run_id);
    }

    fn finish_if_done(&self, run_id: &str) {
        let finished = {
            let mut active = self.active();
            let done = active
                .get(run_id)
                .is_some_and(|r| !r.launching && r.exits.len() as u32 >= r.expected);
            if done { active.remove(run_id) } else { None }
        };
        if let Some(run) = finished {
            if let Err(e) = self.finish(run_id, &run) {
                self.record_failure(&run, run_id, &format!("Failed to parse the results - {e}"));
            }
            let status = self.deps.store.get_run(&run.test_id, run_id).ok().flatten();
            let event = LiveEvent::Status(json!({
                "testRunId": run_id,
                "status": status.as_ref().map(|r| r.status),
                "errorReason": status.as_ref().and_then(|r| r.error_reason.clone()),
            }));
            for s in &run.subscribers {
                s(&event);
            }
        }
    }

    /// Reads the results, assesses validity, stores the run, its histograms and timeline.
    fn finish(&self, run_id: &str, active: &ActiveRun) -> Result<(), ControlError> {
        let fin = finalise(self.deps.blobs.as_ref(), &active.specs)?;
        let facts: Vec<TaskFacts<'_>> = fin
            .tasks
            .iter()
            .map(|o| TaskFacts {
                outcome: o,
                planned_vu: active
                    .specs
                    .iter()
                    .find(|s| s.region == o.region)
                    .map_or(0, |s| s.concurrency),
                started_ms: active.started.get(&o.task).copied(),
                exit_code: active.exits.get(&o.task).copied().flatten(),
                exited: active.exits.contains_key(&o.task),
                live: active.timeline.tasks.get(&o.task).copied(),
            })
            .collect();
        let mut run = self.run(&active.test_id, run_id)?;
        run.end_time = Some(dlt_time(self.deps.clock.now_ms()));
        let mut validity = assess(&facts);
        validity["timedOut"] = json!(active.timed_out);
        if active.timed_out {
            validity["warnings"].as_array_mut().expect("assess lists warnings").push(json!(
                "the run went past its planned duration plus grace: tasks still running were stopped"
            ));
        }
        run.validity = Some(validity);
        run.status = match (&fin.results, active.cancelled) {
            (_, true) => Status::Cancelled,
            (None, false) => Status::Failed,
            (Some(_), false) => Status::Complete,
        };
        if fin.results.is_none() && !active.cancelled {
            run.error_reason = Some(active.failure.clone().unwrap_or_else(|| NO_RESULTS.into()));
        }
        run.results = fin.results;
        run.succ_percent = fin.succ_percent;
        run.complete_tasks = Some(fin.complete_tasks);
        if let Some(h) = &fin.histograms {
            self.deps.store.put_histograms(run_id, h)?;
        }
        self.deps
            .store
            .put_timeline(run_id, &active.timeline.stored()?)?;
        self.deps.store.put_run(&run)?;
        self.settle_test(&run)
    }

    /// Copies a finished run's outcome onto its test, if it is still the test's current run.
    fn settle_test(&self, run: &RunItem) -> Result<(), ControlError> {
        let mut test = self.test(&run.test_id)?;
        if test.current_run.as_deref() != Some(&run.run_id) {
            return Ok(());
        }
        test.status = run.status;
        test.end_time = run.end_time.clone();
        test.error_reason = run.error_reason.clone();
        test.results = run.results.clone();
        test.complete_tasks = run.complete_tasks.clone();
        self.deps.store.put_test(&test)?;
        Ok(())
    }

    /// Last resort when finalisation itself failed: the run is failed with `reason`.
    fn record_failure(&self, active: &ActiveRun, run_id: &str, reason: &str) {
        if let Ok(mut run) = self.run(&active.test_id, run_id) {
            run.status = Status::Failed;
            run.end_time = Some(dlt_time(self.deps.clock.now_ms()));
            run.error_reason = Some(reason.into());
            // If the store is what failed, there is nowhere left to record it.
            if self.deps.store.put_run(&run).is_ok() {
                let _ = self.settle_test(&run);
            }
        }
    }

    /// `POST /scenarios/{testId}`: cancels the active run. Returns DLT's `"test cancelling"`.
    pub fn cancel(&self, test_id: &str) -> Result<Value, ControlError> {
        let mut test = self.test(test_id)?;
        let run_id = match (&test.current_run, test.status) {
            (Some(run), Status::Running | Status::Cancelling) => run.clone(),
            _ => {
                return Err(ControlError::NotRunning {
                    test_id: test_id.into(),
                    what: "cancel",
                });
            }
        };
        let known = match self.active().get_mut(&run_id) {
            Some(run) => {
                run.cancelled = true;
                true
            }
            None => false,
        };
        if !known && !self.deps.launcher.reports_exits() {
            return self.cancel_handed_off(test, &run_id);
        }
        if known {
            test.status = Status::Cancelling;
            self.deps.store.put_test(&test)?;
            let mut run = self.run(test_id, &run_id)?;
            if !run.status.is_settled() {
                run.status = Status::Cancelling;
                self.deps.store.put_run(&run)?;
            }
            self.deps.launcher.cancel(&run_id);
        }
        Ok(json!("test cancelling"))
    }

    /// Cancel for a launcher that reports no exits: stop the tasks, then settle the test and its
    /// run as `cancelled` now. Results the stopped tasks still upload are recorded by whatever
    /// records this launcher's runs (the results parser), under the settled status.
    fn cancel_handed_off(&self, mut test: TestItem, run_id: &str) -> Result<Value, ControlError> {
        self.deps
            .launcher
            .stop_test(&test.test_id, run_id)
            .map_err(|reason| {
                ControlError::Store(crate::ports::StoreError::Backend(format!(
                    "stopping the tasks of test {}: {reason}",
                    test.test_id
                )))
            })?;
        let now = dlt_time(self.deps.clock.now_ms());
        let mut run = self.run(&test.test_id, run_id)?;
        if !run.status.is_settled() {
            run.status = Status::Cancelled;
            run.end_time = Some(now.clone());
            self.deps.store.put_run(&run)?;
        }
        test.status = Status::Cancelled;
        test.end_time = Some(now);
        self.deps.store.put_test(&test)?;
        Ok(json!("test cancelling"))
    }

    /// Stops the tasks of every run past its deadline (planned duration + grace). Their exits
    /// finalise the run as usual: stopped tasks without results are lost, the run completes from
    /// the others. Shells call this every second or so.
    pub fn tick(&self) {
        let now = self.deps.clock.now_ms();
        let due: Vec<String> = self
            .active()
            .iter_mut()
            .filter(|(_, r)| !r.timed_out && r.deadline_ms.is_some_and(|d| now > d))
            .map(|(id, r)| {
                r.timed_out = true;
                id.clone()
            })
            .collect();
        for run_id in due {
            self.deps.launcher.cancel(&run_id);
        }
    }

    /// Merges one task's second into the run's live timeline and tells subscribers.
    pub fn live_frame(&self, test_id: &str, run_id: &str, body: &[u8]) -> Result<(), ControlError> {
        let frame = LiveFrame::from_json(body)?;
        let mut active = self.active();
        let Some(run) = active.get_mut(run_id).filter(|r| r.test_id == test_id) else {
            drop(active);
            self.run(test_id, run_id)?;
            return Err(ControlError::NotRunning {
                test_id: test_id.into(),
                what: "send live data to",
            });
        };
        if frame.task
            >= run
                .specs
                .iter()
                .map(|s| s.first_task + s.task_count)
                .max()
                .unwrap_or(0)
        {
            return Err(ControlError::Invalid(vec![crate::validate::FieldError {
                field: "task".into(),
                message: format!("run {run_id} has no task {}", frame.task),
            }]));
        }
        let summary = run.timeline.add(&frame)?;
        let event = LiveEvent::Second(summary);
        run.subscribers.retain(|s| s(&event));
        Ok(())
    }

    /// Registers `subscriber` for the run's live events.
    pub fn subscribe(
        &self,
        test_id: &str,
        run_id: &str,
        subscriber: Subscriber,
    ) -> Result<Subscription, ControlError> {
        if let Some(run) = self
            .active()
            .get_mut(run_id)
            .filter(|r| r.test_id == test_id)
        {
            run.subscribers.push(subscriber);
            return Ok(Subscription::Live);
        }
        let run = self.run(test_id, run_id)?;
        Ok(Subscription::Ended(
            json!({"testRunId": run_id, "status": run.status, "errorReason": run.error_reason}),
        ))
    }

    /// The run's per-second summaries (live while it runs, stored after): `{testRunId, seconds}`.
    /// A finished run's merged histograms (every label's exact KPIs over the whole run).
    pub fn merged_histograms(
        &self,
        test_id: &str,
        run_id: &str,
    ) -> Result<Option<parser::sidecar::Sidecar>, ControlError> {
        self.run(test_id, run_id)?;
        let Some(text) = self.deps.store.get_histograms(run_id)? else {
            return Ok(None);
        };
        parser::sidecar::from_str(&text).map(Some).map_err(|e| {
            crate::ports::StoreError::Corrupt {
                what: format!("histograms of run {run_id}"),
                reason: e.to_string(),
            }
            .into()
        })
    }

    /// A finished run's merged seconds, decoded.
    pub fn merged_seconds(
        &self,
        test_id: &str,
        run_id: &str,
    ) -> Result<Vec<(i64, Second)>, ControlError> {
        self.run(test_id, run_id)?;
        let rows = self.deps.store.get_timeline(run_id)?;
        rows.iter()
            .map(|(s, text)| Ok((*s, Second::from_stored(text)?)))
            .collect()
    }

    /// A finished run's merged seconds with every label's exact KPIs (`{"second", "stored"}` rows,
    /// `stored` in [`Second::to_stored`]'s form), for judging criteria on the merged data.
    pub fn timeline_detail(&self, test_id: &str, run_id: &str) -> Result<Value, ControlError> {
        self.run(test_id, run_id)?;
        let rows = self.deps.store.get_timeline(run_id)?;
        let seconds = rows
            .into_iter()
            .map(|(second, text)| {
                let stored: Value =
                    serde_json::from_str(&text).map_err(|e| crate::ports::StoreError::Corrupt {
                        what: format!("timeline of run {run_id}"),
                        reason: e.to_string(),
                    })?;
                Ok(json!({"second": second, "stored": stored}))
            })
            .collect::<Result<Vec<_>, ControlError>>()?;
        Ok(json!({"testRunId": run_id, "seconds": seconds}))
    }

    pub fn timeline(&self, test_id: &str, run_id: &str) -> Result<Value, ControlError> {
        let live: Option<Vec<Value>> = self
            .active()
            .get(run_id)
            .filter(|r| r.test_id == test_id)
            .map(|r| r.timeline.summaries());
        let seconds = match live {
            Some(s) => s,
            None => {
                self.run(test_id, run_id)?;
                let rows = self.deps.store.get_timeline(run_id)?;
                rows.iter()
                    .map(|(s, text)| Ok(Second::from_stored(text)?.summary(*s)))
                    .collect::<Result<_, ControlError>>()?
            }
        };
        Ok(json!({"testRunId": run_id, "seconds": seconds}))
    }

    /// Compares `run_id` with `against`, or with the test's baseline when `None`.
    pub fn compare(
        &self,
        test_id: &str,
        run_id: &str,
        against: Option<&str>,
    ) -> Result<Value, ControlError> {
        let against =
            match against {
                Some(a) => a.to_owned(),
                None => self.deps.store.get_baseline(test_id)?.ok_or_else(|| {
                    ControlError::NoBaseline {
                        test_id: test_id.into(),
                    }
                })?,
            };
        let load = |id: &str| -> Result<(parser::sidecar::Sidecar, f64), ControlError> {
            let run = self.run(test_id, id)?;
            let text = self
                .deps
                .store
                .get_histograms(id)?
                .ok_or_else(|| ControlError::NoHistograms { run_id: id.into() })?;
            let hists = parser::sidecar::from_str(&text).map_err(|e| {
                crate::ports::StoreError::Corrupt {
                    what: format!("histograms of run {id}"),
                    reason: e.to_string(),
                }
            })?;
            let duration = run
                .results
                .as_ref()
                .and_then(|r| {
                    r["total"]["testDuration"]
                        .as_str()
                        .and_then(|s| s.parse().ok())
                })
                .unwrap_or(0.0);
            Ok((hists, duration))
        };
        let (a, da) = load(run_id)?;
        let (b, db) = load(&against)?;
        let mut out = compare(
            &Side {
                run_id,
                hists: &a,
                duration_s: da,
            },
            &Side {
                run_id: &against,
                hists: &b,
                duration_s: db,
            },
        );
        out["testId"] = json!(test_id);
        Ok(out)
    }
}
