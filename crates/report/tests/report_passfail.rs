//! Pass/fail criteria with timeframes, checked each aggregated second, and their verdicts.

use serde_json::json;
use stampede_kpi::{Failure, FailureKind, Rc, Sample};
use stampede_log::{Level, MemoryLog};
use stampede_report::passfail::{PassFail, parse_criteria};
use stampede_report::{Pipeline, Reporter, Verdict};
use stampede_stats::Aggregator;
use std::sync::Arc;

const T0: u64 = 1_700_000_000_000;

/// `n` samples per second for each (second, rt_ms, failed) entry.
fn second(sec: u64, n: u64, rt_ms: u64, failed: u64, label: &str) -> Vec<Sample> {
    (0..n)
        .map(|i| Sample {
            start_ms: T0 + sec * 1000 + i,
            label: Arc::from(label),
            elapsed_us: rt_ms * 1000,
            latency_us: 0,
            connect_us: 0,
            rc: Some(Rc::Http(if i < failed { 500 } else { 200 })),
            failure: (i < failed).then(|| Failure {
                kind: FailureKind::Error,
                message: "boom".into(),
            }),
            bytes: 1,
            sent_bytes: 0,
            concurrency: 1,
            source: 0,
            thread: 1,
        })
        .collect()
}

/// Feeds seconds one by one like a live run; returns the second at which a stop was asked.
fn drive(
    criteria: serde_json::Value,
    seconds: &[Vec<Sample>],
) -> (Option<(u64, Verdict)>, bool, MemoryLog) {
    let pf = PassFail::new(parse_criteria(&criteria).unwrap());
    let mut p = Pipeline::new(
        Aggregator::default(),
        vec![Box::new(pf) as Box<dyn Reporter>],
    );
    let mut log = MemoryLog::default();
    let mut stop = None;
    for (i, samples) in seconds.iter().enumerate() {
        for s in samples {
            p.sample(s);
        }
        p.tick(T0 / 1000 + i as u64 + 3);
        p.log_messages(&mut log);
        if stop.is_none()
            && let Some(v) = p.stop_verdict()
        {
            stop = Some((i as u64, v));
            break;
        }
    }
    let f = p.finish(&mut log);
    (stop, f.failed, log)
}

fn warnings(log: &MemoryLog) -> Vec<&str> {
    log.records
        .iter()
        .filter(|r| r.0 == Level::Warning)
        .map(|r| r.1.as_str())
        .collect()
}

#[test]
fn for_timeframe_needs_consecutive_seconds_and_stops_the_test() {
    let secs = vec![
        second(0, 10, 500, 0, "a"),
        second(1, 10, 50, 0, "a"), // resets the run of slow seconds
        second(2, 10, 500, 0, "a"),
        second(3, 10, 500, 0, "a"),
        second(4, 10, 500, 0, "a"),
        second(5, 10, 500, 0, "a"),
    ];
    let (stop, failed, log) = drive(json!(["avg-rt>200ms for 3s, stop as failed"]), &secs);
    assert_eq!(
        stop,
        Some((4, Verdict::Stop { failed: true })),
        "third slow second in a row"
    );
    assert!(failed);
    assert_eq!(
        warnings(&log),
        [
            "Alert: avg-rt>200ms for 1 sec",
            "Alert: avg-rt>200ms for 1 sec",
            "Failed: avg-rt>200ms for 3 sec"
        ]
    );
}

#[test]
fn continue_as_non_failed_neither_stops_nor_fails() {
    let secs: Vec<_> = (0..4).map(|s| second(s, 10, 10, 10, "a")).collect();
    let (stop, failed, log) = drive(json!(["fail>50% for 2s, continue as non-failed"]), &secs);
    assert_eq!(stop, None);
    assert!(!failed);
    assert!(
        warnings(&log).contains(&"Notice: fail>50% for 2 sec"),
        "{:?}",
        warnings(&log)
    );
}

#[test]
fn stop_as_non_failed_stops_with_exit_zero() {
    let secs: Vec<_> = (0..4).map(|s| second(s, 10, 10, 0, "a")).collect();
    let (stop, failed, _) = drive(json!(["hits>5 for 2s, stop as non-failed"]), &secs);
    assert_eq!(stop, Some((1, Verdict::Stop { failed: false })));
    assert!(!failed);
}

#[test]
fn within_sums_counts_over_the_window_and_triggers_at_once() {
    let secs: Vec<_> = (0..5).map(|s| second(s, 4, 10, 0, "a")).collect();
    let (stop, _, _) = drive(json!(["hits>10 within 3s"]), &secs);
    assert_eq!(stop.map(|s| s.0), Some(2), "4+4+4 > 10 at the third second");
}

#[test]
fn over_waits_until_the_window_is_covered() {
    let secs: Vec<_> = (0..6).map(|s| second(s, 4, 900, 0, "a")).collect();
    let (stop, _, _) = drive(json!(["avg-rt>500ms over 4s"]), &secs);
    assert_eq!(stop.map(|s| s.0), Some(3));
}

#[test]
fn label_rc_percentile_and_dict_forms() {
    let mut secs: Vec<_> = (0..3).map(|s| second(s, 10, 10, 0, "home")).collect();
    for (i, s) in secs.iter_mut().enumerate() {
        s.extend(second(i as u64, 5, 3000, 5, "api"));
    }
    let criteria = json!([
        {"subject": "p90", "label": "api", "condition": ">", "threshold": "2s", "timeframe": "2s", "stop": false},
        "rc5??>50% for 2s, continue as failed",
        "Home is slow: avg-rt of home>1s",
    ]);
    let (stop, failed, log) = drive(criteria, &secs);
    assert_eq!(stop, None);
    assert!(failed);
    let w = warnings(&log);
    assert!(w.contains(&"Failed: p90>2s for 2 sec"), "{w:?}");
    assert!(
        !w.iter().any(|m| m.contains("rc5")),
        "a third of samples are 5xx: {w:?}"
    );
    assert!(!w.iter().any(|m| m.contains("Home is slow")), "{w:?}");
}

#[test]
fn criteria_as_a_message_mapping() {
    let c = parse_criteria(&json!({"Too many errors": "fail>10%"})).unwrap();
    assert_eq!(c[0].spec.message.as_deref(), Some("Too many errors"));
    assert_eq!(c[0].describe(), "Alert: Too many errors");
}
