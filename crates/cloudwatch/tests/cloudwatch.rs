//! The `cloudwatch` reporting module: settings, interval statistics, batching, EMF lines, and
//! PutMetricData against moto's CloudWatch (GetMetricData returns what was sent).

use stampede_cloudwatch::{
    self, CloudWatchReporter, Datum, Mode, Output, Settings, SettingsError, Unit, Window,
};
use stampede_kpi::{Failure, FailureKind, Rc, Sample};
use stampede_log::MemoryLog;
use stampede_report::Reporter;
use stampede_stats::{Datapoint, Summary};
use std::io::Write;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

fn sample(label: &str, ms: u64, ok: bool, users: u32, start_s: u64) -> Sample {
    Sample {
        start_ms: start_s * 1000,
        label: label.into(),
        elapsed_us: ms * 1000,
        latency_us: ms * 1000,
        connect_us: 0,
        rc: Some(Rc::Http(if ok { 200 } else { 503 })),
        failure: (!ok).then(|| Failure {
            kind: FailureKind::Error,
            message: "Service Unavailable".into(),
        }),
        bytes: 100,
        sent_bytes: 50,
        concurrency: users,
        source: 0,
        thread: 1,
    }
}

fn dp(ts: u64) -> Datapoint {
    let mut d = Datapoint::default();
    d.ts = ts;
    d
}

fn settings(v: serde_json::Value) -> Settings {
    Settings::from_value(&v, None).unwrap()
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A writer the test can read back.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Shared {
    fn lines(&self) -> Vec<serde_json::Value> {
        let text = String::from_utf8(self.0.lock().unwrap().clone()).unwrap();
        text.lines()
            .map(|l| serde_json::from_str(l).expect("every EMF line is JSON"))
            .collect()
    }
}

#[test]
fn settings_defaults_and_errors() {
    let s = Settings::from_value(
        &serde_json::json!({"module": "cloudwatch"}),
        Some("T1".into()),
    )
    .unwrap();
    assert_eq!(s.mode, Mode::Api);
    assert_eq!(s.interval, Duration::from_secs(60));
    assert_eq!(
        (s.namespace.as_str(), s.test_id.as_str()),
        ("Stampede", "T1")
    );
    assert!(s.per_label && s.dimensions.is_empty());
    let s = settings(
        serde_json::json!({"mode": "emf", "interval": "1m30s", "test-id": "X",
        "namespace": "N", "dimensions": {"Team": "perf", "Run": 7}, "per-label": false, "buffer": 2}),
    );
    assert_eq!(
        (s.mode, s.interval, s.buffer),
        (Mode::Emf, Duration::from_secs(90), 2)
    );
    assert_eq!(
        s.dimensions,
        [("Team".into(), "perf".into()), ("Run".into(), "7".into())]
    );
    let err = |v: serde_json::Value| Settings::from_value(&v, None).unwrap_err();
    assert_eq!(
        err(serde_json::json!({"module": "cloudwatch"})),
        SettingsError::NoTestId
    );
    let e = err(serde_json::json!({"test-id": "t", "interva": 5}));
    assert!(
        e.to_string().contains("unknown key \"interva\"") && e.to_string().contains("interval"),
        "{e}"
    );
    for bad in [
        serde_json::json!({"test-id": "t", "mode": "xml"}),
        serde_json::json!({"test-id": "t", "interval": "0s"}),
        serde_json::json!({"test-id": "t", "interval": "soon"}),
        serde_json::json!({"test-id": "t", "buffer": 0}),
        serde_json::json!({"test-id": "t", "per-label": "yes"}),
    ] {
        assert!(
            matches!(err(bad.clone()), SettingsError::Invalid { .. }),
            "{bad}"
        );
    }
}

#[test]
fn durations() {
    let d = stampede_cloudwatch::parse_duration;
    assert_eq!(d("60"), Some(Duration::from_secs(60)));
    assert_eq!(d("30s"), Some(Duration::from_secs(30)));
    assert_eq!(d("1h30m"), Some(Duration::from_secs(5400)));
    assert_eq!(d("1500ms"), Some(Duration::from_millis(1500)));
    assert_eq!(d("5x"), None);
}

#[test]
fn window_totals_and_percentiles_are_exact_per_label() {
    let mut w = Window::default();
    for ms in 1..=100 {
        w.add(&sample("/a", ms, ms % 10 != 0, 3, 1));
    }
    w.add(&sample("/b", 1000, true, 5, 1));
    w.users(8);
    let stats = w.take(42, true);
    assert_eq!(stats.end_ts, 42);
    let total = &stats.scopes[0];
    assert_eq!(total.label, None);
    assert_eq!((total.requests, total.failures, total.users), (101, 10, 8));
    let a = &stats.scopes[1];
    assert_eq!(a.label.as_deref(), Some("/a"));
    assert_eq!((a.requests, a.failures, a.users), (100, 10, 3));
    assert!((a.avg_ms.unwrap() - 50.5).abs() < 1e-9);
    assert!((a.p50_ms.unwrap() - 50.0).abs() < 0.1, "{a:?}");
    assert!((a.p95_ms.unwrap() - 95.0).abs() < 0.1, "{a:?}");
    assert!((a.p99_ms.unwrap() - 99.0).abs() < 0.1, "{a:?}");
    assert!((total.p99_ms.unwrap() - 100.0).abs() < 0.1, "{total:?}");
    assert_eq!(stats.scopes[2].label.as_deref(), Some("/b"));
    assert!(w.is_empty(), "take() starts a new interval");
    assert_eq!(w.take(43, true).scopes[0].avg_ms, None);
}

fn datum(label_len: usize) -> Datum {
    Datum {
        name: "Requests",
        unit: Unit::Count,
        value: 1.0,
        dimensions: vec![
            ("TestId".into(), "t".into()),
            ("Label".into(), "x".repeat(label_len)),
        ],
        timestamp: 1,
    }
}

#[test]
fn batches_respect_count_and_size_limits() {
    let sizes = |b: &Vec<Vec<Datum>>| b.iter().map(Vec::len).collect::<Vec<_>>();
    let b = stampede_cloudwatch::batches(
        (0..2500).map(|_| datum(10)).collect(),
        stampede_cloudwatch::MAX_DATUMS_PER_CALL,
        stampede_cloudwatch::MAX_BYTES_PER_CALL,
    );
    assert_eq!(sizes(&b), [1000, 1000, 500]);
    // 1000 labels of 1024 characters do not fit one 1 MB call.
    let big: Vec<Datum> = (0..1000).map(|_| datum(1024)).collect();
    let per = big[0].encoded_size();
    let b = stampede_cloudwatch::batches(
        big,
        stampede_cloudwatch::MAX_DATUMS_PER_CALL,
        stampede_cloudwatch::MAX_BYTES_PER_CALL,
    );
    assert!(b.len() > 1);
    for batch in &b {
        assert!(batch.len() * per <= stampede_cloudwatch::MAX_BYTES_PER_CALL);
    }
    assert_eq!(sizes(&b).iter().sum::<usize>(), 1000);
    assert!(stampede_cloudwatch::batches(Vec::new(), 1000, 1000).is_empty());
}

/// Feeds `seconds` seconds of 10 samples each (one in 5 failing) to a reporter, one datapoint per second.
fn feed(r: &mut dyn Reporter, start: u64, seconds: u64) {
    for s in start..start + seconds {
        for i in 0..10 {
            r.sample(&sample(
                if i % 2 == 0 { "/home" } else { "/api" },
                10 + i,
                i % 5 != 0,
                4,
                s,
            ));
        }
        r.datapoint(&dp(s));
    }
}

#[test]
fn emf_lines_per_interval_and_label() {
    let out = Shared::default();
    let s = settings(
        serde_json::json!({"mode": "emf", "interval": 2, "test-id": "T1",
        "namespace": "Load", "dimensions": {"Region": "eu-west-1"}}),
    );
    let mut r = CloudWatchReporter::new(s, Output::Emf(Box::new(out.clone())));
    feed(&mut r, 1000, 3);
    let mut log = MemoryLog::default();
    assert!(!r.finish(&Summary::default(), &mut log).unwrap());
    let lines = out.lines();
    // Two intervals (2 s, then the last 1 s at finish) × (total + 2 labels).
    assert_eq!(lines.len(), 6, "{lines:#?}");
    let first = &lines[0];
    assert_eq!(first["_aws"]["Timestamp"], 1_002_000);
    let cw = &first["_aws"]["CloudWatchMetrics"][0];
    assert_eq!(cw["Namespace"], "Load");
    assert_eq!(cw["Dimensions"], serde_json::json!([["TestId", "Region"]]));
    let names: Vec<_> = cw["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Requests",
            "Failures",
            "Users",
            "AvgResponseTime",
            "P50ResponseTime",
            "P95ResponseTime",
            "P99ResponseTime"
        ]
    );
    assert_eq!(
        (&first["TestId"], &first["Region"]),
        (&serde_json::json!("T1"), &serde_json::json!("eu-west-1"))
    );
    assert_eq!(
        (&first["Requests"], &first["Failures"], &first["Users"]),
        (
            &serde_json::json!(20.0),
            &serde_json::json!(4.0),
            &serde_json::json!(4.0)
        )
    );
    assert!((first["AvgResponseTime"].as_f64().unwrap() - 14.5).abs() < 1e-9);
    assert_eq!(lines[1]["Label"], "/home");
    assert_eq!(
        lines[1]["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
        serde_json::json!([["TestId", "Label", "Region"]])
    );
    assert_eq!(lines[3]["Requests"], 10.0);
    assert!(log.records.is_empty(), "{:?}", log.records);
}

#[test]
fn shared_reporter_cases_zero_one_and_errors_only() {
    // zero samples: nothing is published
    let out = Shared::default();
    let s = settings(serde_json::json!({"mode": "emf", "test-id": "T"}));
    let mut r = CloudWatchReporter::new(s.clone(), Output::Emf(Box::new(out.clone())));
    r.finish(&Summary::default(), &mut MemoryLog::default())
        .unwrap();
    assert!(out.lines().is_empty());
    // one sample
    let out = Shared::default();
    let mut r = CloudWatchReporter::new(s.clone(), Output::Emf(Box::new(out.clone())));
    r.sample(&sample("/one", 7, true, 1, 5));
    r.datapoint(&dp(5));
    r.finish(&Summary::default(), &mut MemoryLog::default())
        .unwrap();
    let lines = out.lines();
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[0]["Requests"], 1.0);
    // HDR with 3 significant digits: within 0.1 % (the bucket's upper edge).
    let p99 = lines[0]["P99ResponseTime"].as_f64().unwrap();
    assert!((7.0..=7.007).contains(&p99), "{p99}");
    // errors only
    let out = Shared::default();
    let mut r = CloudWatchReporter::new(s, Output::Emf(Box::new(out.clone())));
    r.sample(&sample("/bad", 3, false, 1, 5));
    r.sample(&sample("/bad", 5, false, 1, 5));
    r.finish(&Summary::default(), &mut MemoryLog::default())
        .unwrap();
    let lines = out.lines();
    assert_eq!(
        (&lines[0]["Requests"], &lines[0]["Failures"]),
        (&serde_json::json!(2.0), &serde_json::json!(2.0))
    );
}

/// A writer as slow as a stuck network: the reporter must not wait for it.
struct Slow;

impl Write for Slow {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        std::thread::sleep(Duration::from_millis(200));
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_slow_sink_never_blocks_the_reporter_and_drops_are_counted() {
    let s =
        settings(serde_json::json!({"mode": "emf", "interval": 1, "test-id": "T", "buffer": 1}));
    let mut r = CloudWatchReporter::new(s, Output::Emf(Box::new(Slow)));
    let counters = r.counters();
    let t = Instant::now();
    let mut slowest = Duration::ZERO;
    for sec in 0..50 {
        let t1 = Instant::now();
        r.sample(&sample("/x", 1, true, 1, sec));
        r.datapoint(&dp(sec));
        slowest = slowest.max(t1.elapsed());
    }
    assert!(
        slowest < Duration::from_millis(100),
        "a datapoint took {slowest:?}"
    );
    assert!(t.elapsed() < Duration::from_secs(1), "{:?}", t.elapsed());
    let dropped = counters.dropped_intervals.load(Ordering::Relaxed);
    assert!(dropped >= 40, "dropped {dropped}");
    let mut log = MemoryLog::default();
    r.finish(&Summary::default(), &mut log).unwrap();
    assert!(
        log.records
            .iter()
            .any(|(_, m)| m.contains("interval(s) dropped")),
        "{:?}",
        log.records
    );
}

async fn moto_client() -> aws_sdk_cloudwatch::Client {
    testkit::moto::endpoint();
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .load()
        .await;
    aws_sdk_cloudwatch::Client::new(&conf)
}

async fn sum(
    client: &aws_sdk_cloudwatch::Client,
    ns: &str,
    metric: &str,
    dims: &[(&str, &str)],
    stat: &str,
) -> Vec<f64> {
    use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat};
    let mut m = Metric::builder().namespace(ns).metric_name(metric);
    for (k, v) in dims {
        m = m.dimensions(Dimension::builder().name(*k).value(*v).build());
    }
    let q = MetricDataQuery::builder()
        .id("q")
        .metric_stat(
            MetricStat::builder()
                .metric(m.build())
                .period(60)
                .stat(stat)
                .build(),
        )
        .build();
    let t = now();
    let out = client
        .get_metric_data()
        .metric_data_queries(q)
        .start_time(aws_smithy_types::DateTime::from_secs(t as i64 - 600))
        .end_time(aws_smithy_types::DateTime::from_secs(t as i64 + 600))
        .send()
        .await
        .expect("GetMetricData");
    out.metric_data_results()[0].values().to_vec()
}

#[tokio::test]
async fn put_metric_data_reaches_cloudwatch() {
    let client = moto_client().await;
    let ns = format!("Stampede-{}", uuid::Uuid::new_v4().simple());
    // moto's GetMetricData ignores the namespace: a test id of its own keeps reruns apart.
    let id = format!("T9-{}", uuid::Uuid::new_v4().simple());
    let id = id.as_str();
    let s = settings(serde_json::json!({"interval": 2, "test-id": id, "namespace": ns}));
    let mut r = CloudWatchReporter::new(s, Output::Api(Some(client.clone())));
    let counters = r.counters();
    // Even, so that the 4 seconds fill exactly two clock-aligned 2 s intervals.
    let start = (now() - 10) & !1;
    // Reporting runs on the engine's consumer thread, not on the runtime.
    let r = tokio::task::spawn_blocking(move || {
        feed(&mut r, start, 4);
        r.finish(&Summary::default(), &mut MemoryLog::default())
            .unwrap();
    });
    r.await.unwrap();
    assert_eq!(
        counters.calls.load(Ordering::Relaxed),
        2,
        "one call per interval"
    );
    assert_eq!(counters.failed_calls.load(Ordering::Relaxed), 0);
    assert_eq!(counters.datums_sent.load(Ordering::Relaxed), 2 * 3 * 7);
    let total: f64 = sum(&client, &ns, "Requests", &[("TestId", id)], "Sum")
        .await
        .iter()
        .sum();
    assert_eq!(total, 40.0);
    let failures: f64 = sum(&client, &ns, "Failures", &[("TestId", id)], "Sum")
        .await
        .iter()
        .sum();
    assert_eq!(failures, 8.0);
    let home: f64 = sum(
        &client,
        &ns,
        "Requests",
        &[("TestId", id), ("Label", "/home")],
        "Sum",
    )
    .await
    .iter()
    .sum();
    assert_eq!(home, 20.0);
    let p99 = sum(
        &client,
        &ns,
        "P99ResponseTime",
        &[("TestId", id)],
        "Maximum",
    )
    .await;
    assert!(
        p99.iter().all(|v| (*v - 19.0).abs() < 0.1),
        "p99 of 10..19 ms: {p99:?}"
    );
}

#[tokio::test]
async fn api_errors_are_counted_not_fatal() {
    testkit::moto::endpoint();
    // Nothing listens on port 9 of loopback: every call fails fast.
    let conf = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url("http://127.0.0.1:9")
        .retry_config(aws_config::retry::RetryConfig::disabled())
        .load()
        .await;
    let client = aws_sdk_cloudwatch::Client::new(&conf);
    let s = settings(serde_json::json!({"interval": 1, "test-id": "T"}));
    let mut r = CloudWatchReporter::new(s, Output::Api(Some(client)));
    let counters = r.counters();
    let mut log = MemoryLog::default();
    let log = tokio::task::spawn_blocking(move || {
        feed(&mut r, 100, 2);
        r.finish(&Summary::default(), &mut log).unwrap();
        log
    })
    .await
    .unwrap();
    assert_eq!(counters.failed_calls.load(Ordering::Relaxed), 2);
    assert!(
        log.records
            .iter()
            .any(|(_, m)| m.contains("2 PutMetricData call(s) failed")),
        "{:?}",
        log.records
    );
}

#[test]
fn samples_count_in_the_interval_of_their_start_time_even_when_they_arrive_early() {
    let out = Shared::default();
    let s = settings(
        serde_json::json!({"mode": "emf", "interval": 60, "test-id": "T", "per-label": false}),
    );
    let mut r = CloudWatchReporter::new(s, Output::Emf(Box::new(out.clone())));
    // Minute 100 (seconds 6000..6059) and the first second of minute 101, arriving before the
    // aggregator's datapoint for second 6059.
    r.sample(&sample("/a", 5, true, 1, 6030));
    r.sample(&sample("/a", 5, true, 1, 6059));
    r.sample(&sample("/a", 5, false, 1, 6060));
    r.datapoint(&dp(6058));
    r.datapoint(&dp(6059));
    r.datapoint(&dp(6060));
    r.finish(&Summary::default(), &mut MemoryLog::default())
        .unwrap();
    let lines = out.lines();
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(lines[0]["_aws"]["Timestamp"], 6_060_000);
    assert_eq!(
        (lines[0]["Requests"].as_f64(), lines[0]["Failures"].as_f64()),
        (Some(2.0), Some(0.0))
    );
    assert_eq!(lines[1]["_aws"]["Timestamp"], 6_120_000);
    assert_eq!(
        (lines[1]["Requests"].as_f64(), lines[1]["Failures"].as_f64()),
        (Some(1.0), Some(1.0))
    );
}
