//! Several tasks' results XML merged into one, exactly: what a single Taurus run with all the tasks'
//! samples would have written. Counts, bytes and response codes add; averages, the standard
//! deviation and the percentiles come from the tasks' merged histogram sidecars (exact sums and
//! buckets), never from averaging the tasks' own numbers; concurrency is the sum of the tasks'
//! peaks, as tasks run side by side.

use crate::model::{FinalStatus, Group, Kpi as XmlKpi, Num};
use crate::sidecar::Sidecar;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum MergeError {
    #[error("no task results to merge")]
    Empty,
    #[error(
        "label {label:?} has no histogram in the sidecars, so its percentiles cannot be merged \
         exactly; every task must write its histogram sidecar (final-stats dump-xml does)"
    )]
    NoHistogram { label: String },
}

/// Merges the tasks' results. `merged` is the merge of the same tasks' sidecars
/// ([`crate::sidecar::merge`]). Labels keep first-seen order; percentile levels are the first
/// task's.
pub fn merge(tasks: &[&FinalStatus], merged: &Sidecar) -> Result<FinalStatus, MergeError> {
    let first = tasks.first().ok_or(MergeError::Empty)?;
    let levels: Vec<(String, f64)> = first
        .groups
        .iter()
        .find(|g| !g.perc.is_empty())
        .map(|g| {
            g.perc
                .iter()
                .filter_map(|k| k.param.parse().ok().map(|l| (k.param.clone(), l)))
                .collect()
        })
        .unwrap_or_default();
    let mut labels: Vec<&str> = Vec::new();
    for g in tasks.iter().flat_map(|t| &t.groups) {
        if !labels.contains(&g.label.as_str()) {
            labels.push(&g.label);
        }
    }
    let groups = labels
        .iter()
        .map(|label| merge_label(label, tasks, merged, &levels))
        .collect::<Result<_, _>>()?;
    let duration = tasks
        .iter()
        .filter_map(|t| t.test_duration.as_deref())
        .filter_map(|d| d.parse::<f64>().ok().map(|v| (v, d)))
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, d)| d.to_string());
    Ok(FinalStatus {
        test_duration: duration,
        report_url: None,
        groups,
        extra: Vec::new(),
    })
}

fn merge_label(
    label: &str,
    tasks: &[&FinalStatus],
    merged: &Sidecar,
    levels: &[(String, f64)],
) -> Result<Group, MergeError> {
    let hist = merged.label(label).ok_or_else(|| MergeError::NoHistogram {
        label: label.to_string(),
    })?;
    let k = &hist.kpi;
    let mut rc: Vec<XmlKpi> = Vec::new();
    for g in tasks
        .iter()
        .flat_map(|t| &t.groups)
        .filter(|g| g.label == label)
    {
        for code in &g.rc {
            match rc.iter_mut().find(|r| r.param == code.param) {
                Some(acc) => {
                    acc.value = Num::Int(acc.value.as_f64() as i64 + code.value.as_f64() as i64)
                }
                None => rc.push(code.clone()),
            }
        }
    }
    let computed = k.throughput > 0;
    let avg = |v: f64| if computed { Num::Float(v) } else { Num::Int(0) };
    let int = |v: u64| Num::Int(i64::try_from(v).unwrap_or(i64::MAX));
    let mean_rt = k.mean_rt();
    let wanted: Vec<f64> = levels.iter().map(|l| l.1).collect();
    let values = k.hist.percentiles_ms(&wanted);
    let perc = if k.hist.is_empty() {
        Vec::new()
    } else {
        levels
            .iter()
            .zip(values)
            .map(|((param, _), ms)| XmlKpi {
                param: param.clone(),
                value: Num::Float(ms.unwrap_or(0) as f64 / 1000.0),
            })
            .collect()
    };
    Ok(Group {
        label: label.to_string(),
        throughput: int(k.throughput),
        concurrency: int(hist.concurrency),
        succ: int(k.succ),
        fail: int(k.fail),
        avg_rt: avg(mean_rt),
        stdev_rt: if k.hist.is_empty() {
            Num::Int(0)
        } else {
            Num::Float(k.hist.stdev_ms(mean_rt * 1000.0) / 1000.0)
        },
        avg_lt: avg(k.mean_lt()),
        avg_ct: avg(k.mean_ct()),
        bytes: int(k.bytes),
        rc,
        perc,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sidecar::{self, LabelHist};
    use stampede_kpi::Kpi;

    fn task(label: &str, ms: &[u64], codes: &[(&str, i64)], vu: u64) -> (FinalStatus, Sidecar) {
        let mut k = Kpi::default();
        for &v in ms {
            k.throughput += 1;
            k.succ += 1;
            k.sum_rt_us += v * 1000;
            k.hist.record_ms(v);
        }
        let mut g = Group::empty(label);
        g.throughput = Num::Int(ms.len() as i64);
        g.rc = codes
            .iter()
            .map(|(c, n)| XmlKpi {
                param: c.to_string(),
                value: Num::Int(*n),
            })
            .collect();
        g.perc = ["50.0", "100.0"]
            .iter()
            .map(|p| XmlKpi {
                param: p.to_string(),
                value: Num::Float(0.0),
            })
            .collect();
        let status = FinalStatus {
            test_duration: Some(format!("{}.0", ms.len())),
            groups: vec![g],
            ..FinalStatus::default()
        };
        let sc = Sidecar {
            labels: vec![LabelHist {
                label: label.into(),
                kpi: k,
                concurrency: vu,
            }],
        };
        (status, sc)
    }

    #[test]
    fn merges_as_one_run_would_have_written() {
        let (a, sa) = task("", &[10, 20, 30], &[("200", 3)], 2);
        let (b, sb) = task("", &[40, 1000], &[("200", 1), ("503", 1)], 3);
        let merged = merge(&[&a, &b], &sidecar::merge([&sa, &sb])).unwrap();
        let g = &merged.groups[0];
        assert_eq!(g.throughput, Num::Int(5));
        assert_eq!(g.concurrency, Num::Int(5));
        assert_eq!(g.avg_rt, Num::Float(0.22));
        assert_eq!(
            g.rc.iter()
                .map(|k| (k.param.as_str(), k.value))
                .collect::<Vec<_>>(),
            [("200", Num::Int(4)), ("503", Num::Int(1))]
        );
        // Nearest rank over all five values: p50 is the 3rd (30 ms), p100 the largest.
        assert_eq!(g.perc[0].value, Num::Float(0.03));
        assert_eq!(g.perc[1].value, Num::Float(1.0));
        assert_eq!(merged.test_duration.as_deref(), Some("3.0"));
    }

    #[test]
    fn a_label_without_histogram_is_refused() {
        let (a, _) = task("x", &[10], &[], 1);
        assert_eq!(
            merge(&[&a], &Sidecar::default()),
            Err(MergeError::NoHistogram { label: "x".into() })
        );
        assert_eq!(merge(&[], &Sidecar::default()), Err(MergeError::Empty));
    }
}
