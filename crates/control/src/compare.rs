//! Comparison of two runs from their stored merged histograms: per label p50/p95/p99, error % and
//! requests per second, with the differences. Exact: percentiles come from merged HDR histograms,
//! never from averages of per-task percentiles.

use parser::sidecar::{LabelHist, Sidecar};
use serde_json::{Map, Value, json};

/// One run's side of a comparison.
pub struct Side<'a> {
    pub run_id: &'a str,
    pub hists: &'a Sidecar,
    /// Seconds the load ran (DLT's `testDuration`), for requests per second.
    pub duration_s: f64,
}

const METRICS: [&str; 6] = [
    "requests",
    "p50",
    "p95",
    "p99",
    "errorPercent",
    "requestsPerSecond",
];

/// `{testRunId, against, labels: [{label, run: {…}, against: {…}, delta: {…}, deltaPercent: {…}}]}`;
/// times in ms. Labels of either run, the overall entry `""` first. A label one run lacks has
/// `null` on that side and no deltas.
pub fn compare(run: &Side<'_>, against: &Side<'_>) -> Value {
    let mut labels: Vec<&str> = vec![""];
    for l in run.hists.labels.iter().chain(&against.hists.labels) {
        if !labels.contains(&l.label.as_str()) {
            labels.push(&l.label);
        }
    }
    let rows: Vec<Value> = labels
        .into_iter()
        .map(|label| {
            let a = run.hists.label(label).map(|l| stats(l, run.duration_s));
            let b = against
                .hists
                .label(label)
                .map(|l| stats(l, against.duration_s));
            let (delta, percent) = match (&a, &b) {
                (Some(a), Some(b)) => deltas(a, b),
                _ => (Value::Null, Value::Null),
            };
            json!({"label": label, "run": a, "against": b, "delta": delta, "deltaPercent": percent})
        })
        .collect();
    json!({"testRunId": run.run_id, "against": against.run_id, "labels": rows})
}

fn stats(l: &LabelHist, duration_s: f64) -> Map<String, Value> {
    let h = &l.kpi.hist;
    // Taurus's nearest rank: a bucket's lowest value, as the results XML reports it.
    let ms = |q: f64| h.percentile_ms(q * 100.0).unwrap_or(0) as f64;
    let n = l.kpi.throughput;
    let errors = if n == 0 {
        0.0
    } else {
        l.kpi.fail as f64 * 100.0 / n as f64
    };
    let rps = if duration_s > 0.0 {
        n as f64 / duration_s
    } else {
        0.0
    };
    let values = [n as f64, ms(0.5), ms(0.95), ms(0.99), errors, rps];
    METRICS
        .iter()
        .zip(values)
        .map(|(k, v)| ((*k).to_owned(), json!(round3(v))))
        .collect()
}

fn deltas(a: &Map<String, Value>, b: &Map<String, Value>) -> (Value, Value) {
    let mut delta = Map::new();
    let mut percent = Map::new();
    for k in METRICS {
        let (x, y) = (a[k].as_f64().unwrap_or(0.0), b[k].as_f64().unwrap_or(0.0));
        delta.insert(k.into(), json!(round3(x - y)));
        let p = if y == 0.0 {
            Value::Null
        } else {
            json!(round3((x - y) * 100.0 / y))
        };
        percent.insert(k.into(), p);
    }
    (Value::Object(delta), Value::Object(percent))
}

fn round3(v: f64) -> f64 {
    (v * 1000.0).round() / 1000.0
}
