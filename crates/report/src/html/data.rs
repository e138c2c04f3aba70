//! The numbers the report's charts draw, as one JSON object embedded in the page: the timeline
//! (overall and per label) and the exact response-time buckets of the cumulative histograms.
//!
//! ```json
//! {"t": [epoch s…], "width": [s…], "users": […], "hits": […], "fail": […],
//!  "all": {"avg": [ms…], "p50": […], "p95": […], "p99": […]},
//!  "labels": [{"name": "GET /", "samples": 1200, "avg": [ms or null…], "p50": …, "p95": …, "p99": …}],
//!  "dist": [{"name": "", "samples": 1200, "buckets": [[lowest ms, width ms, count]…],
//!            "p50": ms, "p95": ms, "p99": ms, "max": ms}]}
//! ```
//!
//! Counts are per point (a point covers `width` seconds); percentiles are whole milliseconds, the
//! lowest value of their bucket, as in the final results. `null` marks a second without the label.

use serde_json::{Value, json};
use stampede_stats::{KpiSet, Summary};

use super::timeline::{Latency, Point, Timeline};

/// Labels drawn over time (the busiest followed ones).
pub const TOP_LABELS: usize = 8;
/// Labels whose distribution can be picked, besides the overall one.
pub const DIST_LABELS: usize = 20;

pub fn chart_data(summary: &Summary, tl: &Timeline) -> Value {
    let col = |f: &dyn Fn(&Point) -> Value| tl.points.iter().map(f).collect::<Vec<Value>>();
    let busiest = busiest(summary);
    let over_time: Vec<Value> = busiest
        .iter()
        .filter_map(|(name, set)| Some((tl.labels.iter().position(|l| l == name)?, name, set)))
        .take(TOP_LABELS)
        .map(|(i, name, set)| {
            let of = |p: &Point| p.labels.iter().find(|(j, _)| *j == i).map(|(_, l)| *l);
            json!({
                "name": name,
                "samples": set.kpi.throughput,
                "avg": col(&|p| json!(of(p).and_then(|l| l.avg_ms()))),
                "p50": col(&|p| json!(of(p).map(|l| l.p50))),
                "p95": col(&|p| json!(of(p).map(|l| l.p95))),
                "p99": col(&|p| json!(of(p).map(|l| l.p99))),
            })
        })
        .collect();
    let mut dist = Vec::new();
    if let Some(all) = summary.overall() {
        dist.push(distribution("", all));
    }
    for (name, set) in busiest.iter().take(DIST_LABELS) {
        dist.push(distribution(name, set));
    }
    let all = |f: &dyn Fn(&Latency) -> Value| col(&|p| f(&p.all));
    json!({
        "t": col(&|p| json!(p.ts)),
        "width": col(&|p| json!(p.width)),
        "users": col(&|p| json!(p.users)),
        "hits": all(&|l| json!(l.hits)),
        "fail": all(&|l| json!(l.fail)),
        "all": {
            "avg": all(&|l| json!(l.avg_ms())),
            "p50": all(&|l| json!(l.p50)),
            "p95": all(&|l| json!(l.p95)),
            "p99": all(&|l| json!(l.p99)),
        },
        "labels": over_time,
        "dist": dist,
    })
}

/// Labelled cumulative sets, most samples first (ties by label).
fn busiest(summary: &Summary) -> Vec<(&str, &KpiSet)> {
    let mut labels = summary.sorted_labels();
    labels.sort_by_key(|(_, set)| std::cmp::Reverse(set.kpi.throughput));
    labels
}

fn distribution(name: &str, set: &KpiSet) -> Value {
    let h = &set.kpi.hist;
    let buckets: Vec<[u64; 3]> = h.buckets().map(|(low, w, n)| [low, w, n]).collect();
    let p = h.percentiles_ms(&[50.0, 95.0, 99.0, 100.0]);
    json!({
        "name": name,
        "samples": h.total(),
        "buckets": buckets,
        "p50": p[0], "p95": p[1], "p99": p[2], "max": p[3],
    })
}

/// JSON that can sit inside `<script type="application/json">`: no `<` can close the element and
/// no `&` or `>` can be read as markup; the escapes are the same string to `JSON.parse`.
pub fn script_json(v: &Value) -> String {
    v.to_string()
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
}
