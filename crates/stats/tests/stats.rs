//! Aggregation edge cases pinned against Taurus's rules (`ConsolidatingAggregator` and `KPISet`).

use stampede_kpi::{Failure, FailureKind, Rc, Sample};
use stampede_stats::{Aggregator, AggregatorSettings, Summary};
use std::sync::Arc;

const T0: u64 = 1_700_000_000_000;

fn s(ms_offset: u64, label: &str, elapsed_ms: u64, ok: bool) -> Sample {
    Sample {
        start_ms: T0 + ms_offset,
        label: Arc::from(label),
        elapsed_us: elapsed_ms * 1000,
        latency_us: 0,
        connect_us: 0,
        rc: Some(Rc::Http(if ok { 200 } else { 500 })),
        failure: (!ok).then(|| Failure {
            kind: FailureKind::Error,
            message: "Internal Server Error".into(),
        }),
        bytes: 10,
        sent_bytes: 0,
        concurrency: 1,
        source: 0,
        thread: 1,
    }
}

fn summarize(samples: &[Sample], settings: AggregatorSettings) -> Summary {
    let mut a = Aggregator::new(settings);
    for x in samples {
        a.add(x);
    }
    a.finish().1
}

fn percs(summary: &Summary, label: &str) -> Vec<f64> {
    summary.cumulative[label].perc.iter().map(|p| p.1).collect()
}

#[test]
fn one_sample_every_percentile_is_that_sample() {
    let sum = summarize(&[s(0, "a", 250, true)], AggregatorSettings::default());
    assert_eq!(percs(&sum, ""), vec![0.25; 7]);
    let g = sum.cumulative[""].to_group("");
    assert_eq!(g.stdev_rt.to_taurus_string(), "0.00000");
    assert_eq!(sum.test_duration().as_deref(), Some("0.0"));
}

#[test]
fn all_failures_still_have_times_and_codes() {
    let samples: Vec<_> = (0..4).map(|i| s(i * 100, "a", 10 + i, false)).collect();
    let sum = summarize(&samples, AggregatorSettings::default());
    let all = &sum.cumulative[""];
    assert_eq!((all.throughput, all.succ, all.fail), (4, 0, 4));
    assert_eq!(all.rc.get("500"), Some(&4));
    assert_eq!(all.errors.len(), 1);
    assert_eq!(all.errors[0].cnt, 4);
    assert_eq!(
        percs(&sum, ""),
        vec![0.010, 0.011, 0.013, 0.013, 0.013, 0.013, 0.013]
    );
    assert_eq!(all.fail_percent(), 100.0);
}

#[test]
fn a_label_with_only_errors_next_to_a_good_one() {
    let samples = [
        s(0, "good", 5, true),
        s(10, "bad", 7, false),
        s(20, "bad", 9, false),
    ];
    let sum = summarize(&samples, AggregatorSettings::default());
    assert_eq!(sum.cumulative["bad"].succ, 0);
    assert_eq!(sum.cumulative["bad"].fail, 2);
    assert_eq!(sum.cumulative["good"].errors.len(), 0);
    let codes: Vec<&str> = sum.cumulative[""].rc.keys().map(|k| &**k).collect();
    assert_eq!(codes, ["200", "500"]);
    let csv_labels: Vec<&str> = sum.cumulative.keys().map(|k| &**k).collect();
    assert_eq!(
        csv_labels,
        ["good", "bad", ""],
        "first second's labels, then the overall"
    );
}

#[test]
fn times_above_2048_ms_use_wider_buckets() {
    // 2049 falls in the 2-ms bucket [2048, 2050); 6479 in the 4-ms bucket [6476, 6480);
    // 20000 in the 16-ms bucket [19984, 20000]... (16384..32768 has width 16).
    let samples = [
        s(0, "a", 2049, true),
        s(1, "a", 6479, true),
        s(2, "a", 20_007, true),
    ];
    let sum = summarize(&samples, AggregatorSettings::default());
    assert_eq!(
        percs(&sum, "a"),
        vec![2.048, 6.476, 20.0, 20.0, 20.0, 20.0, 20.0]
    );
}

#[test]
fn group_order_is_taurus_insertion_order() {
    let samples = [
        s(0, "b", 1, true),
        s(1, "a", 1, true),
        s(1000, "c", 1, true),
        s(1001, "a", 1, true),
    ];
    let sum = summarize(&samples, AggregatorSettings::default());
    let order: Vec<&str> = sum.cumulative.keys().map(|k| &**k).collect();
    assert_eq!(order, ["b", "a", "", "c"]);
    assert_eq!(sum.test_duration().as_deref(), Some("1.0"));
}

#[test]
fn out_of_order_samples_within_the_buffer_land_in_their_second() {
    let mut a = Aggregator::default();
    a.add(&s(2500, "x", 1, true));
    a.add(&s(100, "x", 1, true));
    a.add(&s(1200, "x", 1, true));
    // The buffer spans 2 s: the first second can go, the rest waits.
    let points = a.flush_until(0);
    assert_eq!(points.iter().map(|p| p.ts).collect::<Vec<_>>(), [T0 / 1000]);
    // A sample older than what was emitted joins the oldest open second (Taurus).
    a.add(&s(50, "x", 1, true));
    let (rest, sum) = a.finish();
    assert_eq!(rest.len(), 2);
    assert_eq!(
        rest[0].overall().throughput,
        2,
        "the late sample moved into second 1"
    );
    assert_eq!(sum.cumulative[""].throughput, 4);
}

#[test]
fn flush_until_emits_quiet_seconds() {
    let mut a = Aggregator::default();
    a.add(&s(0, "x", 1, true));
    assert!(
        a.flush_until(T0 / 1000 + 1).is_empty(),
        "still inside the buffer"
    );
    assert_eq!(a.flush_until(T0 / 1000 + 3).len(), 1);
    assert_eq!(a.cumulative_overall().throughput, 1);
}

#[test]
fn concurrency_is_peak_per_source_summed_then_peak_over_seconds() {
    let mut x = vec![];
    for (off, conc, src) in [
        (0, 3, 0),
        (10, 5, 0),
        (20, 2, 1),
        (1000, 1, 0),
        (1010, 1, 1),
    ] {
        let mut v = s(off, if src == 0 { "a" } else { "b" }, 1, true);
        v.concurrency = conc;
        v.source = src;
        x.push(v);
    }
    let mut a = Aggregator::default();
    for v in &x {
        a.add(v);
    }
    let (points, sum) = a.finish();
    assert_eq!(
        points[0].overall().concurrency,
        7,
        "5 (source 0) + 2 (source 1)"
    );
    assert_eq!(points[1].overall().concurrency, 2);
    assert_eq!(sum.cumulative[""].concurrency, 7, "peak second");
    assert_eq!(sum.cumulative["a"].concurrency, 5);
}

#[test]
fn samples_without_a_response_code_count_but_add_no_times() {
    let mut v = s(0, "a", 100, false);
    v.rc = None;
    let sum = summarize(&[v, s(1, "a", 300, true)], AggregatorSettings::default());
    let all = &sum.cumulative[""];
    assert_eq!(all.throughput, 2);
    assert_eq!(all.rc.len(), 1);
    assert_eq!(all.avg_rt, 0.15, "Σrt of samples with a code / all samples");
}

#[test]
fn ramp_up_exclude_leaves_the_first_seconds_out() {
    let settings = AggregatorSettings {
        ramp_up_exclude: Some(2),
        ..AggregatorSettings::default()
    };
    let samples: Vec<_> = (0..5).map(|i| s(i * 1000, "a", 10, true)).collect();
    let sum = summarize(&samples, settings);
    assert_eq!(sum.cumulative[""].throughput, 3);
}

#[test]
fn custom_percentiles_are_reported() {
    let cfg = serde_json::json!({"modules": {"consolidator": {"percentiles": [75, 25]}}});
    let settings = AggregatorSettings::from_config(&cfg).unwrap();
    let samples: Vec<_> = (1..=4).map(|i| s(i, "a", i * 10, true)).collect();
    let sum = summarize(&samples, settings);
    let g = sum.cumulative[""].to_group("");
    let params: Vec<(&str, String)> = g
        .perc
        .iter()
        .map(|k| (k.param.as_str(), k.value.to_taurus_string()))
        .collect();
    assert_eq!(
        params,
        [
            ("25.0", "0.01000".to_string()),
            ("75.0", "0.03000".to_string())
        ]
    );
}

#[test]
fn many_distinct_urls_stay_bounded() {
    let settings = AggregatorSettings {
        generalize_labels: 50,
        max_error_variety: 20,
        ..AggregatorSettings::default()
    };
    let mut a = Aggregator::new(settings);
    for i in 0..20_000u64 {
        let mut v = s(
            i / 10,
            &format!("http://h/item/{i}/{}", i * 31),
            5,
            i % 2 == 0,
        );
        if let Some(f) = v.failure.as_mut() {
            f.message = format!("error #{i} at {}", i * 7).into();
        }
        a.add(&v);
        if i % 1000 == 0 {
            a.flush_until(0);
        }
    }
    let sum = a.finish().1;
    assert!(
        sum.cumulative.len() <= 51,
        "{} labels",
        sum.cumulative.len()
    );
    assert!(
        sum.cumulative[""].errors.len() <= 20,
        "{} errors",
        sum.cumulative[""].errors.len()
    );
    assert_eq!(sum.cumulative[""].throughput, 20_000);
}

#[test]
fn ignored_label_prefixes_are_dropped() {
    let cfg =
        serde_json::json!({"modules": {"consolidator": {"ignore-labels": ["setup", "tmp-"]}}});
    let settings = AggregatorSettings::from_config(&cfg).unwrap();
    let sum = summarize(
        &[
            s(0, "setup login", 5, true),
            s(1, "tmp-x", 5, true),
            s(2, "ignore", 5, true),
        ],
        settings,
    );
    assert_eq!(
        sum.cumulative[""].throughput, 1,
        "only the default prefix is replaced"
    );
    let sum = summarize(
        &[s(0, "ignored", 5, true), s(1, "kept", 5, true)],
        AggregatorSettings::default(),
    );
    assert_eq!(
        sum.cumulative.keys().map(|k| &**k).collect::<Vec<_>>(),
        ["kept", ""]
    );
}
