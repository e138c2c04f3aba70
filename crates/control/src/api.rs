//! The JSON a client sees, in DLT's shapes. Every config echoed here goes through [`crate::mask`].

use serde_json::{Map, Value, json};

use crate::mask::masked;
use crate::model::{RunItem, TestItem};

/// The stored test item as `POST /scenarios` returns it.
pub fn test_item(test: &TestItem) -> Value {
    let mut v = serde_json::to_value(test).expect("items are plain JSON");
    v["testScenario"] = masked(&test.test_scenario);
    v
}

/// One entry of `GET /scenarios`' `Items`: DLT's fields, those the test lacks left out.
pub fn test_summary(test: &TestItem, total_runs: u64) -> Value {
    let full = test_item(test);
    let mut out = Map::new();
    for key in [
        "testId",
        "testName",
        "testDescription",
        "status",
        "startTime",
        "nextRun",
        "scheduleRecurrence",
        "cronValue",
        "scheduleTimezone",
        "tags",
    ] {
        if let Some(v) = full.get(key) {
            out.insert(key.into(), v.clone());
        }
    }
    out.insert("totalTestRuns".into(), json!(total_runs));
    Value::Object(out)
}

/// A run as `GET …/testruns/{id}` and the test's `history[]` show it.
pub fn run_item(run: &RunItem) -> Value {
    let mut v = serde_json::to_value(run).expect("items are plain JSON");
    v["testScenario"] = masked(&run.test_scenario);
    v
}

/// `v` as JSON: integral values as integers, others rounded to 3 decimals (µs when in ms), so
/// no float noise such as `222.45000000000002` reaches clients.
fn out(v: f64) -> Value {
    parser::dlt::jsnum::number((v * 1000.0).round() / 1000.0)
}

/// A `results.total` field as a number: DLT stores means as `toFixed` strings.
fn num(total: &Value, key: &str) -> f64 {
    match &total[key] {
        Value::Number(n) => n.as_f64().unwrap_or(0.0),
        Value::String(s) => s.parse().unwrap_or(0.0),
        _ => 0.0,
    }
}

/// One entry of `GET …/testruns`: the totals in DLT's list shape, times in ms.
/// `avgBandwidth` is bytes per second: DLT's per-task mean `bytes` over `testDuration`.
pub fn run_summary(run: &RunItem) -> Value {
    let total = run
        .results
        .as_ref()
        .and_then(|r| r.get("total"))
        .cloned()
        .unwrap_or(Value::Null);
    let duration = num(&total, "testDuration");
    let per_second = |v: f64| out(if duration > 0.0 { v / duration } else { 0.0 });
    let ms = |key: &str| out(num(&total, key) * 1000.0);
    let mut m = json!({
        "testRunId": run.run_id,
        "startTime": run.start_time,
        "endTime": run.end_time,
        "status": run.status,
        "requests": out(num(&total, "throughput")),
        "success": out(num(&total, "succ")),
        "errors": out(num(&total, "fail")),
        "requestsPerSecond": per_second(num(&total, "throughput")),
        "avgResponseTime": ms("avg_rt"),
        "avgLatency": ms("avg_lt"),
        "avgConnectionTime": ms("avg_ct"),
        "avgBandwidth": per_second(num(&total, "bytes")),
        "percentiles": {
            "p0": ms("p0_0"), "p50": ms("p50_0"), "p90": ms("p90_0"), "p95": ms("p95_0"),
            "p99": ms("p99_0"), "p99_9": ms("p99_9"), "p100": ms("p100_0"),
        },
    });
    // Stampede additions: the exact merged percentiles, and whether the load really ran.
    if let Some(exact) = total.get("exact") {
        let e = |key: &str| out(num(exact, key) * 1000.0);
        m["exactPercentiles"] = json!({
            "p0": e("p0_0"), "p50": e("p50_0"), "p90": e("p90_0"), "p95": e("p95_0"),
            "p99": e("p99_0"), "p99_9": e("p99_9"), "p100": e("p100_0"),
        });
    }
    if let Some(v) = &run.validity {
        m["validity"] = json!({
            "achievedPercent": v["achievedPercent"], "tasksLost": v["tasksLost"],
            "cpuSaturated": v["cpuSaturated"],
        });
    }
    m
}
