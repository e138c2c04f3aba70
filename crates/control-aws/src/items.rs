//! The domain's items as DynamoDB items, in DLT's attribute names and types, and how a run the
//! v1.0 results parser finished on the Scenarios item is folded into its History item.
//!
//! Scenarios item (hash key `testId`): the test's fields as the API writes them (`testScenario` is
//! `S`, the JSON text, as in every DLT release), `testTaskConfigs` (`L` of `M`, v3) and v1.0's
//! `taskCount` (`N`, the sum), plus attributes other writers own:
//!
//! | attribute | written by | meaning |
//! |---|---|---|
//! | `taskIds` (`L`), `history` (`L`) | results parser (S3 mode) | tasks whose results arrived; finished runs |
//! | `results`, `endTime`, `status`, `errorReason` | results parser, when the last task's file arrives | DLT v1.0's finalisation |
//! | `finalisedRun` (`S`) | results parser | the run (`testRunId`) already finalised, so a cancelled one is finalised once |
//! | `launchedTasks` (`N`), `launchFailures` (`L`) | task runner | tasks ECS accepted for the current run; failures it gave up on |
//! | `foldedRunId` (`S`) | this store | the run whose outcome is already copied to its History item |
//! | `baselineRunId` (`S`) | this store | the baseline run |
//!
//! History item (hash `testId`, range `testRunId`): the run as DLT v3+'s History table keeps it
//! (`testScenario` `M`), plus `histograms` (`S`, the merged sidecar) and `timeline` (`S`, JSON).

use serde_json::{Map, Value, json};
use stampede_control::model::{RunItem, Status, TestItem};
use stampede_control::ports::StoreError;

/// A DynamoDB item as JSON (numbers ↔ `N`, strings ↔ `S`, objects ↔ `M`, arrays ↔ `L`).
pub type Item = Map<String, Value>;

/// Attributes of the Scenarios item that are not the test's own fields.
pub const OWNED: [&str; 8] = [
    "taskIds",
    "history",
    "launchedTasks",
    "launchFailures",
    "foldedRunId",
    "baselineRunId",
    "launchLease",
    "finalisedRun",
];

/// Optional test fields: absent on the domain's item means removed from the stored one.
pub const OPTIONAL: [&str; 7] = [
    "fileType",
    "startTime",
    "endTime",
    "testRunId",
    "errorReason",
    "results",
    "completeTasks",
];

fn corrupt(what: &str, reason: impl ToString) -> StoreError {
    StoreError::Corrupt {
        what: what.into(),
        reason: reason.to_string(),
    }
}

/// The attributes the API writes for `test` (`testScenario` as JSON text, `taskCount` the sum).
pub fn test_attrs(test: &TestItem) -> Item {
    let Value::Object(mut item) = serde_json::to_value(test).expect("items are plain JSON") else {
        unreachable!("a struct serialises to an object")
    };
    item.insert(
        "testScenario".into(),
        Value::String(test.test_scenario.to_string()),
    );
    let tasks: u32 = test.task_configs.iter().map(|c| c.task_count).sum();
    item.insert("taskCount".into(), json!(tasks));
    for owned in OWNED {
        item.remove(owned);
    }
    item
}

/// The test as the domain sees it: `testScenario` parsed, other writers' attributes left out.
pub fn test_from(mut item: Item) -> Result<TestItem, StoreError> {
    let id = item
        .get("testId")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_owned();
    if let Some(Value::String(text)) = item.get("testScenario") {
        let parsed: Value = serde_json::from_str(text)
            .map_err(|e| corrupt(&format!("testScenario of test {id}"), e))?;
        item.insert("testScenario".into(), parsed);
    }
    for owned in OWNED {
        item.remove(owned);
    }
    serde_json::from_value(Value::Object(item)).map_err(|e| corrupt(&format!("test {id}"), e))
}

pub fn run_attrs(run: &RunItem) -> Item {
    match serde_json::to_value(run).expect("items are plain JSON") {
        Value::Object(m) => m,
        _ => unreachable!("a struct serialises to an object"),
    }
}

pub fn run_from(mut item: Item) -> Result<RunItem, StoreError> {
    let id = item
        .get("testRunId")
        .and_then(Value::as_str)
        .unwrap_or("?")
        .to_owned();
    item.remove("histograms");
    item.remove("timeline");
    serde_json::from_value(Value::Object(item)).map_err(|e| corrupt(&format!("run {id}"), e))
}

/// Whether the Scenarios item carries an outcome the results parser wrote for `test`'s current
/// run that its History item does not have yet.
pub fn needs_fold(item: &Item, test: &TestItem) -> bool {
    let Some(run) = &test.current_run else {
        return false;
    };
    let parser_done =
        item.contains_key("results") || matches!(test.status, Status::Complete | Status::Failed);
    parser_done && item.get("foldedRunId").and_then(Value::as_str) != Some(run.as_str())
}

/// What folding changes: the run always, the test's status when a cancel came first.
#[derive(Debug, PartialEq)]
pub struct Folded {
    pub run: RunItem,
    /// `Some` when the test's stored status must change (the parser completed a cancelled run).
    pub test_status: Option<Status>,
}

/// Copies the parser's outcome on the Scenarios item (`item`, decoded as `test`) into `run`. A
/// cancelled run stays cancelled with the partial results; the parser's `complete` on the test is
/// then put back to `cancelled`.
pub fn fold(item: &Item, test: &TestItem, mut run: RunItem) -> Folded {
    let cancelled = matches!(run.status, Status::Cancelled | Status::Cancelling);
    if let Some(results) = &test.results {
        let region = test
            .task_configs
            .first()
            .map_or("total", |c| c.region.as_str());
        let wrapped = if results.get("total").is_some() {
            results.clone()
        } else {
            json!({ region: results, "total": results })
        };
        run.succ_percent = wrapped["total"]
            .as_object()
            .and_then(parser::dlt::succ_percent);
        run.results = Some(wrapped);
        let reported = item
            .get("taskIds")
            .and_then(Value::as_array)
            .map_or(0, Vec::len);
        run.complete_tasks = Some(json!({ region: reported }));
    }
    if !run.status.is_settled() || (cancelled && run.status != Status::Cancelled) {
        run.status = if cancelled {
            Status::Cancelled
        } else {
            test.status
        };
    }
    if run.end_time.is_none() || !cancelled {
        run.end_time = test.end_time.clone().or(run.end_time);
    }
    if !cancelled && test.error_reason.is_some() {
        run.error_reason = test.error_reason.clone();
    }
    let test_status = (cancelled && test.status != Status::Cancelled).then_some(Status::Cancelled);
    Folded { run, test_status }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stampede_control::model::TaskConfig;

    fn test_item() -> TestItem {
        TestItem {
            test_id: "t1".into(),
            test_name: "name".into(),
            test_description: "desc".into(),
            test_type: "simple".into(),
            file_type: None,
            task_configs: vec![TaskConfig {
                region: "us-east-1".into(),
                task_count: 3,
                concurrency: 2,
            }],
            test_scenario: json!({"execution": [{"hold-for": "1s"}]}),
            status: Status::Running,
            start_time: Some("2026-01-01 00:00:00".into()),
            end_time: None,
            current_run: Some("r1".into()),
            error_reason: None,
            results: None,
            complete_tasks: None,
            extra: Map::new(),
        }
    }

    fn run_item(status: Status) -> RunItem {
        let t = test_item();
        RunItem {
            test_id: t.test_id,
            run_id: "r1".into(),
            start_time: "2026-01-01 00:00:00".into(),
            end_time: None,
            status,
            task_configs: t.task_configs,
            test_scenario: t.test_scenario,
            test_description: t.test_description,
            test_type: t.test_type,
            results: None,
            succ_percent: None,
            complete_tasks: None,
            error_reason: None,
            validity: None,
        }
    }

    #[test]
    fn test_item_round_trips_with_scenario_as_text_and_task_count() {
        let t = test_item();
        let mut item = test_attrs(&t);
        assert_eq!(
            item["testScenario"],
            json!(r#"{"execution":[{"hold-for":"1s"}]}"#)
        );
        assert_eq!(item["taskCount"], json!(3));
        item.insert("taskIds".into(), json!(["u1"]));
        item.insert("history".into(), json!([]));
        let back = test_from(item).unwrap();
        assert_eq!(back.test_scenario, t.test_scenario);
        assert_eq!(
            back.extra.get("taskIds"),
            None,
            "parser-owned attributes stay out"
        );
        assert_eq!(back.extra.get("taskCount"), Some(&json!(3)));
    }

    #[test]
    fn unreadable_scenario_is_a_corrupt_item_not_a_panic() {
        let mut item = test_attrs(&test_item());
        item.insert("testScenario".into(), json!("{not json"));
        let e = test_from(item).unwrap_err().to_string();
        assert!(e.contains("testScenario of test t1"), "{e}");
    }

    #[test]
    fn parser_completion_folds_into_the_run() {
        let mut t = test_item();
        t.status = Status::Complete;
        t.end_time = Some("2026-01-01 00:01:00".into());
        t.results = Some(json!({"succ": 9, "throughput": 10, "fail": 1}));
        let mut item = test_attrs(&t);
        item.insert("taskIds".into(), json!(["a", "b", "c"]));
        assert!(needs_fold(&item, &t));
        let f = fold(&item, &t, run_item(Status::Running));
        assert_eq!(f.run.status, Status::Complete);
        assert_eq!(f.run.results.as_ref().unwrap()["total"]["succ"], 9);
        assert_eq!(f.run.results.as_ref().unwrap()["us-east-1"]["fail"], 1);
        assert_eq!(f.run.complete_tasks, Some(json!({"us-east-1": 3})));
        assert_eq!(f.run.succ_percent.as_deref(), Some("90.00"));
        assert_eq!(f.test_status, None);
        item.insert("foldedRunId".into(), json!("r1"));
        assert!(!needs_fold(&item, &t), "folded once");
    }

    #[test]
    fn cancelled_run_keeps_its_status_and_gets_partial_results() {
        let mut t = test_item();
        t.status = Status::Complete;
        t.results = Some(json!({"succ": 4, "throughput": 4}));
        let item = test_attrs(&t);
        let mut run = run_item(Status::Cancelled);
        run.end_time = Some("2026-01-01 00:00:30".into());
        let f = fold(&item, &t, run);
        assert_eq!(f.run.status, Status::Cancelled);
        assert_eq!(f.run.end_time.as_deref(), Some("2026-01-01 00:00:30"));
        assert_eq!(f.run.results.unwrap()["total"]["succ"], 4);
        assert_eq!(f.test_status, Some(Status::Cancelled));
    }

    #[test]
    fn parser_failure_fails_the_run_with_its_reason() {
        let mut t = test_item();
        t.status = Status::Failed;
        t.error_reason = Some("Failed to parse the results.".into());
        let item = test_attrs(&t);
        assert!(needs_fold(&item, &t));
        let f = fold(&item, &t, run_item(Status::Running));
        assert_eq!(f.run.status, Status::Failed);
        assert_eq!(f.run.error_reason, t.error_reason);
        assert!(f.run.results.is_none());
    }
}
