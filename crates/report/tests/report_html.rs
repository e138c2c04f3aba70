//! The standalone HTML report through the real pipeline: the numbers embedded for its charts are
//! the statistics' own (recomputed here from the samples with the shared KPI type), user text is
//! escaped, the file needs nothing but itself, and long tests stay bounded.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;
use stampede_kpi::{Failure, FailureKind, Kpi, Rc, Sample};
use stampede_log::MemoryLog;
use stampede_report::{Finished, HtmlReport, Pipeline, Reporter};
use stampede_stats::Aggregator;

const T0: u64 = 1_767_225_600;
const EVIL: &str = "</script><img src=x onerror=alert(1)>";

fn sample(sec: u64, i: u64, label: &str, elapsed_us: u64, failed: bool) -> Sample {
    Sample {
        start_ms: (T0 + sec) * 1000 + i,
        label: Arc::from(label),
        elapsed_us,
        latency_us: elapsed_us / 2,
        connect_us: 0,
        rc: Some(Rc::Http(if failed { 500 } else { 200 })),
        failure: failed.then(|| Failure {
            kind: FailureKind::Error,
            message: format!("boom {EVIL}").into(),
        }),
        bytes: 10,
        sent_bytes: 0,
        concurrency: 2,
        source: 0,
        thread: 1,
    }
}

/// Runs `samples` (ordered by time) through the pipeline with only the HTML report.
fn report(dir: &Path, samples: &[Sample]) -> (String, Finished) {
    let path = dir.join("out/report.html");
    let mut p = Pipeline::new(
        Aggregator::default(),
        vec![Box::new(HtmlReport::new(path.clone())) as Box<dyn Reporter>],
    );
    let mut sec = None;
    for s in samples {
        let now = s.start_ms / 1000;
        if sec.is_some_and(|last| last != now) {
            p.tick(now - 1);
        }
        sec = Some(now);
        p.sample(s);
    }
    let f = p.finish(&mut MemoryLog::default());
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    (std::fs::read_to_string(path).unwrap(), f)
}

fn embedded(html: &str) -> Value {
    let open = "<script type=\"application/json\" id=\"report-data\">";
    let start = html.find(open).expect("the data element") + open.len();
    let len = html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..start + len]).unwrap()
}

/// A spread of response times in µs, deterministic: most fast, a tail up to seconds.
fn spread(n: u64) -> impl Iterator<Item = u64> {
    (0..n).map(|i| 3_000 + (i * 7_919 % 97) * 1_000 + if i % 23 == 0 { 2_100_000 } else { 0 })
}

fn workload() -> Vec<Sample> {
    let mut out = Vec::new();
    for sec in 0..6u64 {
        for (i, us) in spread(40 + sec * 10).enumerate() {
            let i = i as u64;
            let label = ["GET /", EVIL, "a&b \"q\" 'r'"][(i % 3) as usize];
            // The evil label is missing in second 2, so its line has a gap there.
            if label == EVIL && sec == 2 {
                continue;
            }
            out.push(sample(sec, i, label, us + sec * 500, i.is_multiple_of(11)));
        }
    }
    out
}

/// The KPI of the samples matching `keep`, counted with the shared type.
fn kpi_of(samples: &[Sample], keep: impl Fn(&Sample) -> bool) -> Kpi {
    let mut k = Kpi::default();
    for s in samples.iter().filter(|s| keep(s)) {
        k.add_sample(s, true);
    }
    k
}

#[test]
fn the_embedded_chart_data_is_the_statistics_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let samples = workload();
    let (html, f) = report(dir.path(), &samples);
    let data = embedded(&html);
    let seconds: Vec<u64> = (0..6).map(|s| T0 + s).collect();
    assert_eq!(data["t"], serde_json::json!(seconds));
    let per_second: Vec<Kpi> = (0..6)
        .map(|sec| kpi_of(&samples, |s| s.start_ms / 1000 == T0 + sec))
        .collect();
    for (i, k) in per_second.iter().enumerate() {
        assert_eq!(data["hits"][i], k.throughput);
        assert_eq!(data["fail"][i], k.fail);
        assert_eq!(data["all"]["p95"][i], k.hist.percentile_ms(95.0).unwrap());
        assert_eq!(
            data["all"]["avg"][i],
            k.sum_rt_us as f64 / k.throughput as f64 / 1000.0
        );
        assert_eq!(data["users"][i], 2);
    }
    // Per label over time, busiest first; a second without the label is null.
    let names: Vec<&str> = data["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["name"].as_str().unwrap())
        .collect();
    let mut busiest: Vec<(&str, u64)> = f
        .summary
        .sorted_labels()
        .iter()
        .map(|(l, s)| (*l, s.kpi.throughput))
        .collect();
    busiest.sort_by_key(|b| std::cmp::Reverse(b.1));
    assert_eq!(names, busiest.iter().map(|b| b.0).collect::<Vec<_>>());
    for l in data["labels"].as_array().unwrap() {
        let name = l["name"].as_str().unwrap();
        for sec in 0..6u64 {
            let k = kpi_of(&samples, |s| {
                &*s.label == name && s.start_ms / 1000 == T0 + sec
            });
            let want: Value = k.hist.percentile_ms(99.0).into();
            assert_eq!(l["p99"][sec as usize], want, "{name} second {sec}");
        }
    }
    assert_eq!(
        data["labels"][names.iter().position(|n| *n == EVIL).unwrap()]["p50"][2],
        Value::Null
    );
    // The distributions are the cumulative histograms' exact buckets.
    let all = kpi_of(&samples, |_| true);
    let buckets: Vec<[u64; 3]> = all.hist.buckets().map(|(a, b, c)| [a, b, c]).collect();
    assert_eq!(data["dist"][0]["name"], "");
    assert_eq!(data["dist"][0]["buckets"], serde_json::json!(buckets));
    assert_eq!(
        data["dist"][0]["p99"],
        all.hist.percentile_ms(99.0).unwrap()
    );
    assert_eq!(
        data["dist"][0]["max"],
        all.hist.percentile_ms(100.0).unwrap()
    );
    let evil = data["dist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["name"] == EVIL)
        .unwrap();
    let k = kpi_of(&samples, |s| &*s.label == EVIL);
    assert_eq!(evil["samples"], k.hist.total());
    assert_eq!(evil["p50"], k.hist.percentile_ms(50.0).unwrap());
}

#[test]
fn user_text_is_escaped_and_the_file_needs_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let (html, _) = report(dir.path(), &workload());
    assert!(!html.contains("<img"), "a label became markup");
    assert_eq!(
        html.matches("</script>").count(),
        3,
        "only the page's own script elements end"
    );
    assert!(html.contains("&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;"));
    assert!(html.contains("a&amp;b &quot;q&quot; &#39;r&#39;"));
    // The page's own parts load nothing (the escaped label above does contain `src=`).
    let plain = report(dir.path(), &[sample(0, 0, "GET /", 1_000, false)]).0;
    for external in ["src=", "href=", "<link", "@import", "url("] {
        assert!(
            !plain.contains(external),
            "self-contained: found {external}"
        );
    }
    assert!(plain.contains("uPlot"), "the chart library is inlined");
    assert!(
        embedded(&html)["labels"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == EVIL)
    );
}

#[test]
fn long_tests_are_merged_into_bounded_points_that_still_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let n = 4_100u64;
    let samples: Vec<Sample> = (0..n)
        .map(|s| sample(s, 0, "a", 1_000 + s * 1_000, false))
        .collect();
    let (html, _) = report(dir.path(), &samples);
    let data = embedded(&html);
    let widths: Vec<u64> = data["width"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_u64().unwrap())
        .collect();
    assert!(widths.len() <= 4000, "{} points", widths.len());
    assert_eq!(widths.iter().sum::<u64>(), n);
    let hits: u64 = data["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_u64().unwrap())
        .sum();
    assert_eq!(hits, n);
    // A merged point shows the worst second it covers.
    let by_start: BTreeMap<u64, u64> = data["t"]
        .as_array()
        .unwrap()
        .iter()
        .zip(data["all"]["p99"].as_array().unwrap())
        .map(|(t, p)| (t.as_u64().unwrap(), p.as_u64().unwrap()))
        .collect();
    let (first, p99) = by_start.iter().next().unwrap();
    assert_eq!((*first, *p99), (T0, widths[0]));
}

#[test]
fn no_samples_is_a_short_page_without_charts() {
    let dir = tempfile::tempdir().unwrap();
    let (html, f) = report(dir.path(), &[]);
    assert!(f.is_empty());
    assert!(html.contains("empty results"));
    assert!(!html.contains("<script"));
}
