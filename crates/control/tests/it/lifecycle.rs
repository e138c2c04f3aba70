//! Runs end to end with real task processes: completion with the exact merge, lost tasks, failed
//! and cancelled runs, live frames, timelines, baseline comparison.

use std::sync::{Arc, Mutex};

use parser::sidecar::LabelHist;
use serde_json::{Value, json};
use stampede_control::ControlError;
use stampede_control::live::LiveFrame;
use stampede_control::live::WireLabel;
use stampede_control::query::run_query;
use stampede_control::runs::{NO_RESULTS, Subscription};
use stampede_control::service::LiveEvent;
use stampede_control::validity::SATURATION_SENTENCE;
use stampede_kpi::Kpi;

use crate::common::{LabelSamples, body, env, fixtures, settled, wait_for, write_task};

fn id(v: &Value) -> String {
    v["testId"].as_str().unwrap().to_owned()
}

#[test]
fn two_tasks_complete_with_dlt_results_and_the_exact_merge() {
    let e = env(None);
    let a: Vec<u64> = (1..=100).map(|i| i * 1000).collect(); // 1..100 ms
    let b: Vec<u64> = (1..=300).map(|i| i * 10_000).collect(); // 10..3000 ms
    write_task(
        e.dir.path(),
        0,
        5,
        &[LabelSamples {
            label: "GET /a",
            rt_us: &a,
            fail: 10,
        }],
        true,
    );
    write_task(
        e.dir.path(),
        1,
        5,
        &[LabelSamples {
            label: "GET /a",
            rt_us: &b,
            fail: 0,
        }],
        true,
    );
    let item = e.cp.create_and_run(&body(2, 5)).unwrap();
    assert_eq!(item["status"], "running");
    let t = settled(&e.cp, &id(&item));
    assert_eq!(t["status"], "complete", "{t}");
    let total = &t["results"]["total"];
    assert_eq!(total["throughput"], 400);
    assert_eq!(total["fail"], 10);
    assert_eq!(t["completeTasks"], json!({"local": 2}));
    assert_eq!(t["results"]["local"]["throughput"], 400);
    // DLT averages the two tasks' p50s; the exact p50 comes from one merged histogram.
    // Taurus's nearest rank over every sample of both tasks, at millisecond resolution.
    let mut all: Vec<u64> = a.iter().chain(&b).map(|us| us / 1000).collect();
    all.sort_unstable();
    let exact_p50 = all[all.len().div_ceil(2) - 1] as f64 / 1e3;
    assert_eq!(total["exact"]["p50_0"], format!("{exact_p50:.3}"));
    assert_ne!(total["exact"]["p50_0"], total["p50_0"]);
    assert_eq!(total["exact"]["count"], 400);
    let run = &t["history"][0];
    assert_eq!(run["succPercent"], "97.50");
    let v = &run["validity"];
    assert_eq!(
        (
            v["plannedVu"].as_u64(),
            v["achievedVu"].as_u64(),
            v["tasksLost"].as_u64()
        ),
        (Some(10), Some(10), Some(0))
    );
    assert_eq!(t["totalTestRuns"], 1);
    let page =
        e.cp.list_runs(&id(&item), &run_query(&[]).unwrap())
            .unwrap();
    let r = &page["testRuns"][0];
    assert_eq!(
        (r["requests"].as_f64(), r["errors"].as_f64()),
        (Some(400.0), Some(10.0))
    );
    assert_eq!(r["requestsPerSecond"].as_f64(), Some(40.0)); // testDuration 10 s
    let stored_p50: f64 = format!("{exact_p50:.3}").parse().unwrap(); // seconds, 3 digits, like DLT
    assert_eq!(
        r["exactPercentiles"]["p50"].as_f64(),
        Some(stored_p50 * 1000.0)
    );
    assert_eq!(
        page["pagination"],
        json!({"limit": 20, "next_token": null, "total_count": 1})
    );
}

#[test]
fn a_lost_task_is_counted_and_the_run_still_completes() {
    let e = env(None);
    for i in 0..2 {
        write_task(
            e.dir.path(),
            i,
            4,
            &[LabelSamples {
                label: "x",
                rt_us: &[5000; 10],
                fail: 0,
            }],
            true,
        );
    }
    let t = settled(&e.cp, &id(&e.cp.create_and_run(&body(3, 4)).unwrap()));
    assert_eq!(t["status"], "complete");
    assert_eq!(t["completeTasks"], json!({"local": 2}));
    let v = &t["history"][0]["validity"];
    assert_eq!(
        (
            v["tasksLost"].as_u64(),
            v["plannedVu"].as_u64(),
            v["achievedVu"].as_u64()
        ),
        (Some(1), Some(12), Some(8))
    );
    assert_eq!(v["achievedPercent"].as_f64(), Some(66.7));
    assert_eq!(v["tasks"][2]["exitCode"], 3);
    assert!(
        v["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("task 2 is lost (no results file"),
        "{v}"
    );
    // Only two sidecars of three tasks: the exact numbers still cover every task that reported.
    assert_eq!(t["results"]["total"]["exact"]["count"], 20);
}

#[test]
fn a_run_without_any_results_fails_with_dlts_reason() {
    let e = env(None);
    let t = settled(&e.cp, &id(&e.cp.create_and_run(&body(2, 1)).unwrap()));
    assert_eq!(
        (t["status"].as_str(), t["errorReason"].as_str()),
        (Some("failed"), Some(NO_RESULTS))
    );
    assert_eq!(t["history"][0]["validity"]["tasksLost"], 2);
}

#[test]
fn an_active_test_cannot_be_deleted_or_restarted_and_cancel_stops_it() {
    let e = env(None);
    std::fs::write(fixtures(e.dir.path()).join("wait"), "30").unwrap();
    let item = e.cp.create_and_run(&body(2, 1)).unwrap();
    let test_id = id(&item);
    let active = e.cp.get_test(&test_id).unwrap();
    assert_eq!(
        active["tasksPerRegion"],
        json!([{"region": "local", "running": 2, "pending": 0, "desired": 2}])
    );
    assert!(matches!(
        e.cp.delete_test(&test_id),
        Err(ControlError::Active { .. })
    ));
    let mut again = body(1, 1);
    again["testId"] = json!(test_id);
    assert!(matches!(
        e.cp.create_and_run(&again),
        Err(ControlError::Active { .. })
    ));
    assert_eq!(e.cp.cancel(&test_id).unwrap(), json!("test cancelling"));
    let t = settled(&e.cp, &test_id);
    assert_eq!(t["status"], "cancelled");
    assert!(t.get("tasksPerRegion").is_none());
    assert!(matches!(
        e.cp.cancel(&test_id),
        Err(ControlError::NotRunning { .. })
    ));
    assert_eq!(e.cp.delete_test(&test_id).unwrap(), json!("success"));
    assert!(matches!(
        e.cp.get_test(&test_id),
        Err(ControlError::TestNotFound { .. })
    ));
    assert!(
        !e.dir
            .path()
            .join(format!("blobs/results/{test_id}"))
            .read_dir()
            .unwrap()
            .any(|f| f.unwrap().path().is_file())
    );
}

fn frame(task: u32, second: i64, vu: u32, cpu: f32, rt_us: &[u64], fail: u64) -> Vec<u8> {
    let n = rt_us.len() as u64;
    let mut kpi = Kpi {
        throughput: n,
        succ: n - fail,
        fail,
        bytes: 10 * n,
        sum_rt_us: rt_us.iter().sum(),
        ..Kpi::default()
    };
    for v in rt_us {
        kpi.hist.record_us(*v);
    }
    let f = LiveFrame {
        task,
        second,
        vu,
        cpu: Some(cpu),
        labels: vec![LabelHist {
            label: String::new(),
            kpi,
            concurrency: u64::from(vu),
        }],
    };
    let wire = f.to_json().unwrap();
    let entry = WireLabel::encode(&f.labels[0]);
    assert!(wire.contains(&serde_json::to_string(&entry).unwrap()));
    wire.into_bytes()
}

#[test]
fn live_frames_merge_exactly_across_tasks_and_are_kept_as_the_timeline() {
    let e = env(None);
    std::fs::write(fixtures(e.dir.path()).join("wait"), "30").unwrap();
    let test_id = id(&e.cp.create_and_run(&body(2, 3)).unwrap());
    let run_id = e.cp.get_test(&test_id).unwrap()["testRunId"]
        .as_str()
        .unwrap()
        .to_owned();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let sub = e.cp.subscribe(
        &test_id,
        &run_id,
        Box::new(move |ev| {
            sink.lock().unwrap().push(ev.clone());
            true
        }),
    );
    assert!(matches!(sub, Ok(Subscription::Live)));
    let s = 1_767_225_600;
    e.cp.live_frame(
        &test_id,
        &run_id,
        &frame(0, s, 3, 10.0, &[1000, 2000, 3000], 0),
    )
    .unwrap();
    e.cp.live_frame(&test_id, &run_id, &frame(1, s, 2, 95.0, &[4000, 5000], 1))
        .unwrap();
    e.cp.live_frame(&test_id, &run_id, &frame(1, s + 1, 3, 95.0, &[6000], 0))
        .unwrap();
    let stray =
        e.cp.live_frame(&test_id, &run_id, &frame(2, s, 1, 0.0, &[1], 0));
    assert!(
        matches!(stray, Err(ControlError::Invalid(_))),
        "the run has tasks 0 and 1 only"
    );
    let bad =
        e.cp.live_frame(&test_id, &run_id, b"{\"task\": 0}")
            .unwrap_err();
    assert!(matches!(bad, ControlError::Frame(_)), "{bad}");
    let want = json!({"timestamp": s * 1000, "vu": 5, "tasks": 2, "succ": 4, "fail": 1, "avgRt": 3.0,
                      "p50": 3.0, "p95": 5.0, "p99": 5.0});
    assert_eq!(seen.lock().unwrap()[1], LiveEvent::Second(want.clone()));
    assert_eq!(
        e.cp.timeline(&test_id, &run_id).unwrap()["seconds"][0],
        want
    );
    e.cp.cancel(&test_id).unwrap();
    let t = settled(&e.cp, &test_id);
    let stored = e.cp.timeline(&test_id, &run_id).unwrap();
    assert_eq!(stored["seconds"].as_array().unwrap().len(), 2);
    assert_eq!(stored["seconds"][0], want);
    let v = &t["history"][0]["validity"];
    assert_eq!(v["cpuSaturated"], true);
    assert!(
        v["warnings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|w| w.as_str().unwrap().ends_with(SATURATION_SENTENCE)),
        "{v}"
    );
    assert_eq!(
        v["tasks"][0]["achievedVu"], 0,
        "cancelled tasks left no results"
    );
    let last = wait_for(|| {
        seen.lock()
            .unwrap()
            .last()
            .cloned()
            .filter(|e| matches!(e, LiveEvent::Status(_)))
    });
    assert_eq!(
        last,
        LiveEvent::Status(json!({"testRunId": run_id, "status": "cancelled", "errorReason": null}))
    );
    assert!(matches!(
        e.cp.live_frame(&test_id, &run_id, &frame(0, s, 1, 0.0, &[1], 0)),
        Err(ControlError::NotRunning { .. })
    ));
}

#[test]
fn a_run_compares_with_the_baseline_from_stored_histograms() {
    let e = env(None);
    write_task(
        e.dir.path(),
        0,
        1,
        &[LabelSamples {
            label: "a",
            rt_us: &[10_000; 50],
            fail: 5,
        }],
        true,
    );
    let first = e.cp.create_and_run(&body(1, 1)).unwrap();
    let test_id = id(&first);
    let run1 = settled(&e.cp, &test_id)["testRunId"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        e.cp.get_baseline(&test_id).unwrap(),
        json!({"testId": test_id, "testRunId": null})
    );
    assert!(matches!(
        e.cp.compare(&test_id, &run1, None),
        Err(ControlError::NoBaseline { .. })
    ));
    e.cp.put_baseline(&test_id, &json!({"testRunId": run1}))
        .unwrap();
    assert!(matches!(
        e.cp.put_baseline(&test_id, &json!({"testRunId": "nope"})),
        Err(ControlError::RunNotFound { .. })
    ));
    e.clock.advance_ms(60_000);
    write_task(
        e.dir.path(),
        0,
        1,
        &[LabelSamples {
            label: "a",
            rt_us: &[20_000; 100],
            fail: 0,
        }],
        true,
    );
    let mut again = body(1, 1);
    again["testId"] = json!(test_id);
    e.cp.create_and_run(&again).unwrap();
    let t = settled(&e.cp, &test_id);
    let run2 = t["testRunId"].as_str().unwrap().to_owned();
    assert_ne!(run1, run2);
    assert_eq!(t["totalTestRuns"], 2);
    assert_eq!(t["history"][0]["testRunId"], run2, "newest first");
    let c = e.cp.compare(&test_id, &run2, None).unwrap();
    assert_eq!(c["against"], run1);
    let a = &c["labels"][1];
    assert_eq!(a["label"], "a");
    assert_eq!(
        a["run"],
        json!({"requests": 100.0, "p50": 20.0, "p95": 20.0, "p99": 20.0, "errorPercent": 0.0, "requestsPerSecond": 10.0})
    );
    assert_eq!(a["against"]["errorPercent"], 10.0);
    assert_eq!(a["delta"]["p50"], 10.0);
    assert_eq!(a["deltaPercent"]["p95"], 100.0);
    assert_eq!(a["deltaPercent"]["requestsPerSecond"], 100.0);
    // Paging: one run per page, newest first, with a token for the next.
    let page =
        e.cp.list_runs(
            &test_id,
            &run_query(&[("limit".into(), "1".into())]).unwrap(),
        )
        .unwrap();
    assert_eq!(page["testRuns"][0]["testRunId"], run2);
    assert_eq!(page["pagination"]["next_token"], "1");
    let next = run_query(&[
        ("limit".into(), "1".into()),
        ("next_token".into(), "1".into()),
    ])
    .unwrap();
    assert_eq!(
        e.cp.list_runs(&test_id, &next).unwrap()["testRuns"][0]["testRunId"],
        run1
    );
    // Ids that are not runs of this test delete nothing and touch no file.
    let odd = ["../../etc".to_owned(), "nope".to_owned()];
    assert_eq!(
        e.cp.delete_runs(&test_id, &odd).unwrap(),
        json!({"deletedCount": 0})
    );
    // Deleting the baseline run clears the baseline.
    assert_eq!(
        e.cp.delete_runs(&test_id, std::slice::from_ref(&run1))
            .unwrap(),
        json!({"deletedCount": 1})
    );
    assert_eq!(
        e.cp.get_baseline(&test_id).unwrap()["testRunId"],
        Value::Null
    );
}

#[test]
fn a_hung_task_is_stopped_at_the_deadline_and_the_run_completes_without_it() {
    let e = env(None);
    write_task(
        e.dir.path(),
        0,
        2,
        &[LabelSamples {
            label: "x",
            rt_us: &[1000; 4],
            fail: 0,
        }],
        true,
    );
    write_task(
        e.dir.path(),
        1,
        2,
        &[LabelSamples {
            label: "x",
            rt_us: &[1000; 4],
            fail: 0,
        }],
        true,
    );
    std::fs::write(fixtures(e.dir.path()).join("wait1"), "30").unwrap();
    let test_id = id(&e.cp.create_and_run(&body(2, 2)).unwrap());
    // Task 0 finishes at once; task 1 hangs. Planned 1 s ramp-up + 2 s hold + 1 s grace.
    wait_for(|| {
        e.cp.get_test(&test_id).unwrap()["tasksPerRegion"][0]["running"]
            .as_u64()
            .filter(|r| *r == 1)
    });
    e.cp.tick();
    e.clock.advance_ms(3_999);
    e.cp.tick();
    assert_eq!(
        e.cp.get_test(&test_id).unwrap()["status"],
        "running",
        "not yet past the deadline"
    );
    e.clock.advance_ms(2);
    e.cp.tick();
    let t = settled(&e.cp, &test_id);
    assert_eq!(t["status"], "complete");
    let v = &t["history"][0]["validity"];
    assert_eq!(
        (v["timedOut"].as_bool(), v["tasksLost"].as_u64()),
        (Some(true), Some(1))
    );
    assert_eq!(v["tasks"][1]["exitCode"], Value::Null, "killed by a signal");
    assert_eq!(t["completeTasks"], json!({"local": 1}));
}

/// Waits until every task of the test's current run has its signal handling in place.
fn tasks_ready(e: &crate::common::Env, test_id: &str, tasks: u32) {
    let run_id = e.cp.get_test(test_id).unwrap()["testRunId"]
        .as_str()
        .unwrap()
        .to_owned();
    let dir = e
        .dir
        .path()
        .join(format!("blobs/results/{test_id}/{run_id}"));
    wait_for(|| {
        let ready = std::fs::read_dir(&dir).ok()?.flatten();
        let n = ready
            .filter(|f| f.path().extension().is_some_and(|x| x == "ready"))
            .count();
        (n == tasks as usize).then_some(())
    });
}

#[test]
fn cancel_sends_sigterm_so_tasks_can_leave_partial_results() {
    let e = env(None);
    for i in 0..2 {
        write_task(
            e.dir.path(),
            i,
            1,
            &[LabelSamples {
                label: "x",
                rt_us: &[2000; 3],
                fail: 0,
            }],
            false,
        );
    }
    std::fs::write(fixtures(e.dir.path()).join("partial"), "").unwrap();
    let test_id = id(&e.cp.create_and_run(&body(2, 1)).unwrap());
    tasks_ready(&e, &test_id, 2);
    e.cp.cancel(&test_id).unwrap();
    let t = settled(&e.cp, &test_id);
    assert_eq!(t["status"], "cancelled");
    assert_eq!(
        t["results"]["total"]["throughput"], 6,
        "both tasks' partial results are used"
    );
    assert_eq!(t["history"][0]["validity"]["tasks"][0]["exitCode"], 0);
}

#[test]
fn a_task_that_ignores_sigterm_is_killed_after_the_grace() {
    let e = env(None);
    std::fs::write(fixtures(e.dir.path()).join("stubborn"), "").unwrap();
    let test_id = id(&e.cp.create_and_run(&body(1, 1)).unwrap());
    tasks_ready(&e, &test_id, 1);
    let started = std::time::Instant::now();
    e.cp.cancel(&test_id).unwrap();
    let t = settled(&e.cp, &test_id);
    assert_eq!(t["status"], "cancelled");
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(300),
        "SIGTERM alone did not stop it"
    );
    assert_eq!(
        t["history"][0]["validity"]["tasks"][0]["exitCode"],
        Value::Null
    );
}

#[test]
fn a_launch_failure_fails_the_run_with_the_launchers_reason() {
    use stampede_control::{
        blobs::DirBlobs,
        clock::{ManualClock, SequentialIds},
        launcher::ProcessLauncher,
    };
    use stampede_control::{
        service::{ControlPlane, Deps},
        sqlite::SqliteStore,
    };
    let dir = tempfile::tempdir().unwrap();
    let blobs = dir.path().join("blobs");
    let cp = ControlPlane::new(Deps {
        store: Arc::new(SqliteStore::open(&dir.path().join("hub.db")).unwrap()),
        blobs: Arc::new(DirBlobs::open(&blobs).unwrap()),
        launcher: Arc::new(ProcessLauncher::new(
            &blobs,
            dir.path().join("no-such-worker"),
            vec![],
        )),
        clock: Arc::new(ManualClock::new(0)),
        ids: Arc::new(SequentialIds::new("x")),
        validator: None,
        grace_ms: 0,
    });
    let item = cp.create_and_run(&body(3, 1)).unwrap();
    let t = cp.get_test(item["testId"].as_str().unwrap()).unwrap();
    assert_eq!(
        t["status"], "failed",
        "nothing started, so the run ends at once"
    );
    let reason = t["errorReason"].as_str().unwrap();
    assert!(
        reason.starts_with("task 0 of run x-2 did not start: cannot run")
            && reason.contains("no-such-worker"),
        "{reason}"
    );
    assert_eq!(t["history"][0]["validity"]["tasksLost"], 3);
}
