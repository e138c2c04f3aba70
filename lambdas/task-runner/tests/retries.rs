//! The runner's retry path against ECS's real failure answers: a fault-injecting proxy in front of
//! moto (`common::faults`) throttles RunTask or places only part of a batch, the runner's ECS
//! client talks to the proxy, and moto's own ListTasks says how many tasks really started.
//! Backoffs are the tests' short ones (`common::test_pacing`: 4 tries), so nothing here is timed.

mod common;

use std::time::Duration;

use common::faults::{Call, Fault, FaultyEcs};
use common::{Stack, scenario};
use serde_json::{Map, Value, json};

/// Posts a test of `tasks` tasks through the API; returns its id and the SQS event the task
/// runner gets for it.
async fn post_test(stack: &Stack, tasks: u32) -> (String, Value) {
    let body = json!({"testName": "retries", "testDescription": "faults", "testType": "simple",
        "taskCount": tasks, "testScenario": scenario("http://127.0.0.1:9/", "1s")});
    let (code, created) = stack.call("POST", "/scenarios", Some(&body)).await;
    assert_eq!(code, 200, "{created}");
    let id = created["testId"].as_str().unwrap().to_owned();
    let event = stack.task_event().await;
    assert_eq!(event["Records"].as_array().unwrap().len(), 1, "{event}");
    (id, event)
}

async fn start_proxy(script: &[Fault], then: Fault) -> FaultyEcs {
    FaultyEcs::start(&testkit::moto::endpoint(), script, then).await
}

fn counts(calls: &[Call]) -> Vec<u32> {
    calls.iter().map(|c| c.count).collect()
}

fn failures(record: &Value) -> Vec<&str> {
    record["failures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect()
}

fn number(item: &Map<String, Value>, attr: &str) -> Option<u64> {
    item.get(attr).and_then(Value::as_u64)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_calls_back_off_and_every_task_is_launched() {
    let stack = Stack::new().await;
    let proxy = start_proxy(&[Fault::Throttle, Fault::Throttle], Fault::Forward).await;
    let (id, event) = post_test(&stack, 23).await;
    let out = task_runner::handle(&event, &stack.runner_via(&proxy.endpoint), None).await;
    assert_eq!(out["batchItemFailures"], json!([]), "{out}");
    let record = &out["records"][0];
    assert_eq!(record["outcome"], "launched", "{out}");
    assert_eq!(record["launched"], 23);
    // Each throttled call is one RunTask the runner made and reports, not one the SDK hid.
    assert_eq!(record["runTaskCalls"], json!([10, 10, 10, 10, 3]));
    assert_eq!(
        failures(record),
        vec!["RunTask: ThrottlingException: Rate exceeded"; 2]
    );
    let calls = proxy.calls();
    assert_eq!(counts(&calls), vec![10, 10, 10, 10, 3]);
    assert_eq!(calls[0].fault, Fault::Throttle);
    assert_eq!(calls[1].fault, Fault::Throttle);
    // Backoff with jitter is at least half the full delay: 20 ms × 2^attempt × 0.5 (a lower
    // bound only, so a slow machine cannot break it).
    assert!(
        calls[1].at - calls[0].at >= Duration::from_millis(20),
        "{calls:?}"
    );
    assert!(
        calls[2].at - calls[1].at >= Duration::from_millis(40),
        "{calls:?}"
    );
    assert_eq!(stack.ecs_task_count(&id).await, 23, "moto started 23 tasks");
    let item = stack.item(&id).await;
    assert_eq!(number(&item, "launchedTasks"), Some(23));
    assert_eq!(number(&item, "taskCount"), Some(23));
    assert_eq!(item["status"], "running");
    assert!(!item.contains_key("launchFailures"), "{item:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tasks_ecs_could_not_place_are_requested_again() {
    let stack = Stack::new().await;
    let script = [Fault::Capacity { placed: 4 }, Fault::Capacity { placed: 7 }];
    let proxy = start_proxy(&script, Fault::Forward).await;
    let (id, event) = post_test(&stack, 23).await;
    let out = task_runner::handle(&event, &stack.runner_via(&proxy.endpoint), None).await;
    assert_eq!(out["batchItemFailures"], json!([]), "{out}");
    let record = &out["records"][0];
    assert_eq!(record["outcome"], "launched", "{out}");
    assert_eq!(record["launched"], 23);
    // 4 of 10 placed, then 7 of 10, then the remaining 12 as 10 + 2.
    assert_eq!(record["runTaskCalls"], json!([10, 10, 10, 2]));
    assert_eq!(counts(&proxy.calls()), vec![10, 10, 10, 2]);
    let got = failures(record);
    assert_eq!(got.len(), 6 + 3, "every unplaced task is reported: {got:?}");
    assert!(
        got.iter()
            .all(|f| f.starts_with("RunTask: RESOURCE:MEMORY"))
    );
    assert_eq!(stack.ecs_task_count(&id).await, 23, "moto started 23 tasks");
    let item = stack.item(&id).await;
    assert_eq!(number(&item, "launchedTasks"), Some(23));
    assert_eq!(number(&item, "taskCount"), Some(23));
    assert!(!item.contains_key("launchFailures"), "{item:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_launch_that_never_succeeds_fails_the_test_after_the_retry_budget() {
    let stack = Stack::new().await;
    for (fault, text) in [
        (Fault::Capacity { placed: 0 }, "RunTask: RESOURCE:MEMORY"),
        (
            Fault::Throttle,
            "RunTask: ThrottlingException: Rate exceeded",
        ),
    ] {
        let proxy = start_proxy(&[], fault).await;
        let (id, event) = post_test(&stack, 5).await;
        let out = task_runner::handle(&event, &stack.runner_via(&proxy.endpoint), None).await;
        assert_eq!(
            out["batchItemFailures"],
            json!([]),
            "not retried by SQS: {out}"
        );
        let record = &out["records"][0];
        assert_eq!(record["outcome"], "failed", "{out}");
        assert_eq!(record["launched"], 0);
        assert_eq!(
            record["runTaskCalls"],
            json!([5, 5, 5, 5]),
            "4 tries in all"
        );
        assert_eq!(counts(&proxy.calls()), vec![5, 5, 5, 5]);
        let reason =
            format!("5 of 5 tasks could not be launched after 4 attempts; last error: {text}");
        assert!(
            record["reason"].as_str().unwrap().starts_with(&reason),
            "{record}"
        );
        assert_eq!(stack.ecs_task_count(&id).await, 0);
        let item = stack.item(&id).await;
        assert_eq!(item["status"], "failed");
        assert!(
            item["errorReason"].as_str().unwrap().starts_with(&reason),
            "{item:?}"
        );
        let per_call = if fault == Fault::Throttle { 1 } else { 5 };
        assert_eq!(
            item["launchFailures"].as_array().unwrap().len(),
            4 * per_call
        );
        let (_, got) = stack.call("GET", &format!("/scenarios/{id}"), None).await;
        assert_eq!(got["status"], "failed", "{got}");
        assert_eq!(got["history"][0]["status"], "failed", "{got}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_partly_placed_launch_runs_with_what_started_and_says_why() {
    let stack = Stack::new().await;
    let proxy = start_proxy(
        &[Fault::Capacity { placed: 3 }],
        Fault::Capacity { placed: 0 },
    )
    .await;
    let (id, event) = post_test(&stack, 5).await;
    let out = task_runner::handle(&event, &stack.runner_via(&proxy.endpoint), None).await;
    assert_eq!(out["batchItemFailures"], json!([]), "{out}");
    let record = &out["records"][0];
    assert_eq!(record["outcome"], "partial", "{out}");
    assert_eq!(record["launched"], 3);
    assert_eq!(record["runTaskCalls"], json!([5, 2, 2, 2]));
    assert_eq!(counts(&proxy.calls()), vec![5, 2, 2, 2]);
    assert!(
        record["reason"].as_str().unwrap().starts_with(
            "2 of 5 tasks could not be launched after 4 attempts; last error: RunTask: RESOURCE:MEMORY"
        ),
        "{record}"
    );
    assert_eq!(stack.ecs_task_count(&id).await, 3);
    let item = stack.item(&id).await;
    assert_eq!(item["status"], "running");
    assert_eq!(number(&item, "taskCount"), Some(3), "lowered to what runs");
    assert_eq!(number(&item, "launchedTasks"), Some(3));
    assert_eq!(item["launchFailures"].as_array().unwrap().len(), 2 * 4);

    // The same message again (SQS delivers at least once), now with ECS healthy: the run already
    // settled on 3 tasks, so nothing more starts behind the results parser's back.
    let again = task_runner::handle(&event, &stack.runner(), None).await;
    assert_eq!(
        again["records"][0]["outcome"], "already launched",
        "{again}"
    );
    assert_eq!(again["records"][0]["runTaskCalls"], json!([]));
    assert_eq!(stack.ecs_task_count(&id).await, 3);
}
