//! S3 mode on moto: a run cancelled while its tasks still upload (stopped tasks upload partial
//! results on SIGTERM) is finalised with those results but stays `cancelled`, once per run, even
//! when the last files arrive at the same moment.

mod common;

use common::*;
use results_parser::handle;
use serde_json::{Value, json};

fn history_len(item: &serde_json::Map<String, Value>) -> usize {
    item["history"].as_array().map_or(0, Vec::len)
}

#[tokio::test]
async fn a_cancelled_run_keeps_cancelled_with_its_partial_results() {
    let e = env().await;
    put_scenario(
        &e,
        json!({"testId": "cx", "taskCount": 2, "status": "cancelled",
        "testRunId": "run-1", "startTime": "2026-11-22 11:58:00"}),
    )
    .await;
    let (k1, k2) = ("results/cx/u-1.xml", "results/cx/u-2.xml");
    put(&e, k1, &task_xml(1)).await;
    put(&e, k2, &task_xml(2)).await;
    let out = handle(s3_event(&e.bucket, k1), &e.store, &e.cfg)
        .await
        .unwrap();
    assert_eq!(out["records"][0]["status"], "running", "{out}");
    let out = handle(s3_event(&e.bucket, k2), &e.store, &e.cfg)
        .await
        .unwrap();
    assert_eq!(out["records"][0]["status"], "finalised", "{out}");
    let s = scenario(&e, "cx").await;
    assert_eq!(s["status"], "cancelled", "{s:?}");
    assert_eq!(s["results"]["throughput"], 31301 * 3);
    assert_eq!(s["endTime"], "2026-11-22 12:00:00");
    assert_eq!(s["finalisedRun"], "run-1");
    assert_eq!(history_len(&s), 1);
    assert_eq!(s["history"][0]["results"]["throughput"], 31301 * 3);

    // A late duplicate of the last file neither finalises again nor completes the test.
    let out = handle(s3_event(&e.bucket, k2), &e.store, &e.cfg)
        .await
        .unwrap();
    assert_eq!(out["records"][0]["status"], "cancelled", "{out}");
    let s = scenario(&e, "cx").await;
    assert_eq!(
        (s["status"].as_str(), history_len(&s)),
        (Some("cancelled"), 1)
    );

    // The next run (new run id, counters reset) is finalised on its own, cancelled again.
    let mut next = s.clone();
    next.insert("testRunId".into(), json!("run-2"));
    next.insert("taskIds".into(), json!([]));
    next.insert("taskCount".into(), json!(1));
    next.insert("status".into(), json!("cancelling"));
    put_scenario(&e, Value::Object(next)).await;
    put(&e, "results/cx/u-3.xml", &task_xml(5)).await;
    let out = handle(s3_event(&e.bucket, "results/cx/u-3.xml"), &e.store, &e.cfg)
        .await
        .unwrap();
    assert_eq!(out["records"][0]["status"], "finalised", "{out}");
    let s = scenario(&e, "cx").await;
    assert_eq!(s["status"], "cancelled", "cancelling settles as cancelled");
    assert_eq!(s["results"]["throughput"], 31301 * 5);
    assert_eq!(s["finalisedRun"], "run-2");
    assert_eq!(history_len(&s), 2);
}

#[tokio::test]
async fn concurrent_last_files_of_a_cancelled_run_finalise_exactly_once() {
    let e = env().await;
    // No `testRunId`: a DLT v1.0 item, whose run is told by its `startTime`.
    put_scenario(
        &e,
        json!({"testId": "crace", "taskCount": 3, "status": "cancelled",
        "startTime": "2026-11-22 11:50:00"}),
    )
    .await;
    let keys = [
        "results/crace/a.xml",
        "results/crace/b.xml",
        "results/crace/c.xml",
    ];
    for k in keys {
        put(&e, k, &task_xml(1)).await;
    }
    let (a, b, c) = tokio::join!(
        handle(s3_event(&e.bucket, keys[0]), &e.store, &e.cfg),
        handle(s3_event(&e.bucket, keys[1]), &e.store, &e.cfg),
        handle(s3_event(&e.bucket, keys[2]), &e.store, &e.cfg),
    );
    let statuses: Vec<Value> = [a, b, c]
        .into_iter()
        .map(|r| r.unwrap()["records"][0]["status"].clone())
        .collect();
    let s = scenario(&e, "crace").await;
    assert_eq!(s["taskIds"].as_array().unwrap().len(), 3, "{statuses:?}");
    assert_eq!(s["status"], "cancelled", "{statuses:?}");
    assert_eq!(history_len(&s), 1, "finalised once: {statuses:?}");
    assert_eq!(s["results"]["throughput"], 31301 * 3);
    assert_eq!(s["finalisedRun"], "2026-11-22 11:50:00");
}

#[tokio::test]
async fn a_run_that_was_not_cancelled_still_completes() {
    let e = env().await;
    put_scenario(
        &e,
        json!({"testId": "ok", "taskCount": 1, "status": "running",
        "testRunId": "run-9"}),
    )
    .await;
    put(&e, "results/ok/u.xml", &task_xml(1)).await;
    let out = handle(s3_event(&e.bucket, "results/ok/u.xml"), &e.store, &e.cfg)
        .await
        .unwrap();
    assert_eq!(out["records"][0]["status"], "finalised", "{out}");
    let s = scenario(&e, "ok").await;
    assert_eq!(s["status"], "complete");
    assert_eq!(s["finalisedRun"], "run-9");
    assert_eq!(history_len(&s), 1);
}

/// Every invocation here sees the whole set of tasks and a run not yet finalised, so each one
/// tries the finalising write: only the once-per-run condition keeps the history to one entry.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_events_racing_to_finalise_a_cancelled_run_append_history_once() {
    let e = env().await;
    // Two files in while the run still expects three (nothing to finalise yet) ...
    put_scenario(
        &e,
        json!({"testId": "dup", "taskCount": 3, "status": "running",
        "testRunId": "run-7"}),
    )
    .await;
    let keys = ["results/dup/a.xml", "results/dup/b.xml"];
    for k in keys {
        put(&e, k, &task_xml(1)).await;
        let out = handle(s3_event(&e.bucket, k), &e.store, &e.cfg)
            .await
            .unwrap();
        assert_eq!(out["records"][0]["status"], "running", "{out}");
    }
    // ... then the third task never starts (the task runner lowers `taskCount`) and the test is
    // cancelled: the next events (S3 redeliveries) find a complete set to finalise.
    let mut item = scenario(&e, "dup").await;
    item.insert("taskCount".into(), json!(2));
    item.insert("status".into(), json!("cancelled"));
    put_scenario(&e, Value::Object(item)).await;
    let events = [keys[0], keys[1], keys[0], keys[1]].map(|k| s3_event(&e.bucket, k));
    let outs = handle_all(&e, events).await;
    let finalised = outs.iter().filter(|s| *s == "finalised").count();
    assert_eq!(finalised, 1, "{outs:?}");
    assert!(
        outs.iter().all(|s| s == "finalised" || s == "cancelled"),
        "{outs:?}"
    );
    let s = scenario(&e, "dup").await;
    assert_eq!(s["status"], "cancelled");
    assert_eq!(history_len(&s), 1, "{outs:?}");
    assert_eq!(s["results"]["throughput"], 31301 * 2);
}

/// Handles the events at the same time; returns each record's status.
async fn handle_all(e: &Env, events: [Value; 4]) -> Vec<String> {
    let [a, b, c, d] = events;
    let (a, b, c, d) = tokio::join!(
        handle(a, &e.store, &e.cfg),
        handle(b, &e.store, &e.cfg),
        handle(c, &e.store, &e.cfg),
        handle(d, &e.store, &e.cfg),
    );
    [a, b, c, d]
        .into_iter()
        .map(|r| {
            r.unwrap()["records"][0]["status"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect()
}
