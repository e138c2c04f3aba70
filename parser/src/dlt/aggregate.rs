//! DLT's cross-task aggregation, `finalResults(testId, data)`, with DLT's formulas, digits, output
//! types and key order, minus its rc-inflation bug.

use serde_json::{Map, Value};

use super::jsnum::to_fixed;
use super::task::{GroupStats, PERCENTILES, TaskResult, rc_json};
use super::{DltError, Era};

/// The aggregate of `tasks` as DLT stores it in `results` (one region, or the total).
///
/// Sums (`fail`, `succ`, `throughput`) are numbers; means are `toFixed` strings: `avg_*` 5 digits,
/// percentiles and `stdev_rt` 3, `bytes`/`concurrency`/`testDuration` 0. Means are over tasks,
/// unweighted, exactly as DLT computes them (see the `exact` attributes of [`super::attach_exact`] for
/// the statistically correct numbers). `rc` merges equal codes by summing counts, first-seen order.
///
/// DLT v3.0.0–v3.2.9 mutated the first task's rc objects while reducing, so a region pass followed by
/// the total pass counted codes several times over (more rc counts than failures; fixed in DLT
/// v3.2.10). This function is pure: it never changes its input, so region and total results both
/// carry the true counts.
///
/// From v1.2 the result carries `labels`: every label's groups aggregated the same way, with
/// `testDuration: "0"` because label groups have no duration. The v1.0/v1.1 era has no `labels` key.
pub fn final_results(tasks: &[&TaskResult], era: Era) -> Result<Map<String, Value>, DltError> {
    if tasks.is_empty() {
        // DLT's `reduce` without an initial value throws here.
        return Err(DltError::NoTasks);
    }
    let groups: Vec<&GroupStats> = tasks.iter().map(|t| &t.stats).collect();
    let durations: Vec<f64> = tasks.iter().map(|t| t.test_duration).collect();
    let mut out = aggregate(&groups, &durations, None);
    if era == Era::V4 {
        let labels = group_labels(tasks)
            .into_iter()
            .map(|(label, groups)| Value::Object(aggregate(&groups, &[], Some(label))))
            .collect();
        out.insert("labels".into(), Value::Array(labels));
    }
    Ok(out)
}

/// Every label's groups across tasks, labels in first-seen order (DLT's `new Set(...)`).
pub(crate) fn group_labels<'a>(tasks: &[&'a TaskResult]) -> Vec<(&'a str, Vec<&'a GroupStats>)> {
    let mut out: Vec<(&str, Vec<&GroupStats>)> = Vec::new();
    let mut index = std::collections::HashMap::new();
    for group in tasks.iter().flat_map(|t| &t.labels) {
        let label = group.label.as_deref().expect("label groups carry a label");
        let i = *index.entry(label).or_insert_with(|| {
            out.push((label, Vec::new()));
            out.len() - 1
        });
        out[i].1.push(group);
    }
    out
}

/// `createFinalResults` over one set of groups. The groups are never empty here.
fn aggregate(groups: &[&GroupStats], durations: &[f64], label: Option<&str>) -> Map<String, Value> {
    let avg = |f: fn(&GroupStats) -> f64| mean(groups.iter().map(|g| f(g)));
    let sum = |f: fn(&GroupStats) -> f64| groups.iter().map(|g| f(g)).fold(0.0, |a, b| a + b);
    let perc = |i: usize| to_fixed(mean(groups.iter().filter_map(|g| g.perc[i])), 3);
    let mut m = Map::new();
    let mut put = |k: &str, v: Value| {
        m.insert(k.to_owned(), v);
    };
    put("avg_ct", to_fixed(avg(|g| g.avg_ct), 5).into());
    put("avg_lt", to_fixed(avg(|g| g.avg_lt), 5).into());
    put("avg_rt", to_fixed(avg(|g| g.avg_rt), 5).into());
    put("bytes", to_fixed(avg(|g| g.bytes), 0).into());
    put("concurrency", to_fixed(avg(|g| g.concurrency), 0).into());
    put("fail", super::jsnum::number(sum(|g| g.fail)));
    if let Some(label) = label {
        put("label", label.into());
    }
    // DLT's accumulator lists the percentile keys in this (string-sorted) order.
    for key in [
        "p0_0", "p100_0", "p50_0", "p90_0", "p95_0", "p99_0", "p99_9",
    ] {
        let i = PERCENTILES
            .iter()
            .position(|(_, k)| *k == key)
            .expect("known key");
        put(key, perc(i).into());
    }
    put("stdev_rt", to_fixed(avg(|g| g.stdev_rt), 3).into());
    put("succ", super::jsnum::number(sum(|g| g.succ)));
    put(
        "testDuration",
        to_fixed(mean(durations.iter().copied()), 0).into(),
    );
    put("throughput", super::jsnum::number(sum(|g| g.throughput)));
    put("rc", Value::Array(reduce_rc(groups)));
    m
}

/// `getAvg`: the left-to-right sum from 0 divided by the count; 0 for no values.
fn mean(values: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = values.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { 0.0 } else { sum / n as f64 }
}

/// `getReducedResponseCodes`, without mutating its input.
fn reduce_rc(groups: &[&GroupStats]) -> Vec<Value> {
    let mut merged: Vec<(&str, i64)> = Vec::new();
    for (code, count) in groups.iter().flat_map(|g| &g.rc) {
        match merged.iter_mut().find(|(c, _)| c == code) {
            // A count past i64 can only come from a corrupt file (fuzzing found one): saturate
            // rather than overflow, which panics in debug builds and wraps negative in release.
            Some(entry) => entry.1 = entry.1.saturating_add(*count),
            None => merged.push((code, *count)),
        }
    }
    merged
        .into_iter()
        .map(|(code, count)| rc_json(code, count))
        .collect()
}

/// `((succ / throughput) * 100).toFixed(2)` as DLT v2+ stores it; `None` when nothing was sent (v4
/// then skips the history update).
pub fn succ_percent(results: &Map<String, Value>) -> Option<String> {
    let succ = results.get("succ")?.as_f64()?;
    let throughput = results.get("throughput")?.as_f64()?;
    (throughput > 0.0).then(|| to_fixed(succ / throughput * 100.0, 2))
}
