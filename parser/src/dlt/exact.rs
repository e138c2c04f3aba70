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
/// The percentiles are Taurus's own on the merged histogram, so one task's `exact` percentiles equal
/// its XML's.
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
    let k = &lh.kpi;
    let mut m = Map::new();
    m.insert("count".into(), Value::from(k.throughput));
    m.insert("succ".into(), Value::from(k.succ));
    m.insert("fail".into(), Value::from(k.fail));
    m.insert("throughput".into(), Value::from(k.throughput));
    m.insert("bytes".into(), Value::from(k.bytes));
    m.insert("concurrency".into(), Value::from(lh.concurrency));
    m.insert("avg_rt".into(), to_fixed(k.mean_rt(), 5).into());
    m.insert("avg_lt".into(), to_fixed(k.mean_lt(), 5).into());
    m.insert("avg_ct".into(), to_fixed(k.mean_ct(), 5).into());
    // Taurus's stdev: around the exact mean, each bucket at its median value.
    let stdev_ms = k.hist.stdev_ms(k.mean_rt() * 1000.0);
    m.insert("stdev_rt".into(), to_fixed(stdev_ms / 1000.0, 3).into());
    for (param, key) in PERCENTILES {
        let level: f64 = param.parse().expect("fixed levels parse");
        // Taurus's nearest rank on the merged buckets, as each task's XML reports its own.
        let ms = k.hist.percentile_ms(level).unwrap_or(0);
        m.insert(key.into(), to_fixed(ms as f64 / 1000.0, 3).into());
    }
    m
}
