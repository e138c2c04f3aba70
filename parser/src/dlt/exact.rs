//! Exact merged statistics from histogram sidecars, attached to DLT's aggregate as `exact`.

use serde_json::{Map, Value};

use super::jsnum::to_fixed;
use super::task::PERCENTILES;
use crate::sidecar::{LabelHist, Sidecar};

/// Adds an `exact` object to `results` (from the overall entry `""`) and to each `labels[]` entry
/// (from the entry with the same label) of a merged sidecar. `results` is what
/// [`super::final_results`] returned for the same tasks; call this only when every task had a
/// sidecar, otherwise the "exact" numbers would silently cover a subset.
///
/// `exact` = `{count, succ, fail, throughput, bytes, concurrency}` as numbers (totals: bytes summed,
/// concurrency = the sum of the tasks' peak VUs) and `avg_rt/avg_lt/avg_ct` (Σ/count, `toFixed(5)`),
/// `stdev_rt` and `p0_0 … p100_0` (from the merged histogram, `toFixed(3)`) in seconds, like DLT's.
pub fn attach_exact(results: &mut Map<String, Value>, merged: &Sidecar) {
    if let Some(all) = merged.label("") {
        results.insert("exact".into(), Value::Object(exact_json(all)));
    }
    if let Some(Value::Array(labels)) = results.get_mut("labels") {
        for entry in labels {
            let Value::Object(m) = entry else { continue };
            let Some(label) = m.get("label").and_then(Value::as_str) else {
                continue;
            };
            if let Some(lh) = merged.label(label) {
                let e = exact_json(lh);
                m.insert("exact".into(), Value::Object(e));
            }
        }
    }
}

fn exact_json(lh: &LabelHist) -> Map<String, Value> {
    let s = &lh.sums;
    let secs = |us: f64| us / 1e6;
    let avg = |sum: u64| {
        if s.count == 0 {
            0.0
        } else {
            secs(sum as f64 / s.count as f64)
        }
    };
    let mut m = Map::new();
    m.insert("count".into(), Value::from(s.count));
    m.insert("succ".into(), Value::from(s.succ));
    m.insert("fail".into(), Value::from(s.fail));
    m.insert("throughput".into(), Value::from(s.count));
    m.insert("bytes".into(), Value::from(s.bytes));
    m.insert("concurrency".into(), Value::from(s.concurrency));
    m.insert("avg_rt".into(), to_fixed(avg(s.sum_rt), 5).into());
    m.insert("avg_lt".into(), to_fixed(avg(s.sum_lt), 5).into());
    m.insert("avg_ct".into(), to_fixed(avg(s.sum_ct), 5).into());
    let h = &lh.hist;
    let empty = h.is_empty();
    m.insert(
        "stdev_rt".into(),
        to_fixed(if empty { 0.0 } else { secs(h.stdev()) }, 3).into(),
    );
    for (param, key) in PERCENTILES {
        let level: f64 = param.parse().expect("fixed levels parse");
        // Taurus reports 0% as the minimum and 100% as the maximum recorded value.
        let v = match (empty, param) {
            (true, _) => 0,
            (false, "0.0") => h.min(),
            (false, "100.0") => h.max(),
            // Taurus reports a bucket's lowest value; HdrHistogram returns its highest.
            _ => h.lowest_equivalent(h.value_at_quantile(level / 100.0)),
        };
        m.insert(key.into(), to_fixed(secs(v as f64), 3).into());
    }
    m
}
