//! A run merged elsewhere (a hub run's tasks) read back into the aggregator's shapes, so reporters
//! and criteria work on it as on a local run: the merged results XML becomes the cumulative
//! [`Summary`], each merged second with every label's exact KPIs a [`Datapoint`].

use std::sync::Arc;

use parser::FinalStatus;
use parser::sidecar::{LabelHist, Sidecar};

use crate::{Datapoint, KpiSet, LabelSets, Summary};

/// The cumulative summary a results XML describes (percentiles are its own levels), with each
/// label's exact histogram from `histograms` when given (for distributions and other levels).
pub fn summary(status: &FinalStatus, histograms: Option<&Sidecar>) -> Summary {
    let cumulative: LabelSets = status
        .groups
        .iter()
        .map(|g| {
            let mut set = KpiSet::from_group(g);
            if let Some(h) = histograms.and_then(|h| h.label(&g.label)) {
                set.kpi = h.kpi.clone();
            }
            (Arc::from(g.label.as_str()), set)
        })
        .collect();
    let percentiles = status
        .overall()
        .map(|g| g.perc.iter().filter_map(|k| k.param.parse().ok()).collect())
        .unwrap_or_default();
    let duration = status
        .test_duration
        .as_deref()
        .and_then(|d| d.parse::<f64>().ok())
        .unwrap_or(0.0);
    Summary {
        cumulative,
        first_ts: Some(0),
        last_ts: Some(duration as u64),
        percentiles,
        started: 0.0,
        ended: duration,
    }
}

/// One merged second: `users` active in it, each label's exact KPIs (`""` is the overall entry),
/// the derived values for `levels`. It has no response codes: those are not in a second's KPIs.
pub fn datapoint(second: u64, users: u64, labels: &[LabelHist], levels: &[f64]) -> Datapoint {
    let mut overall = KpiSet::from_kpi(Default::default(), users, levels);
    let mut current = LabelSets::default();
    for l in labels {
        if l.label.is_empty() {
            overall = KpiSet::from_kpi(l.kpi.clone(), users, levels);
        } else {
            let set = KpiSet::from_kpi(l.kpi.clone(), l.concurrency, levels);
            current.insert(Arc::from(l.label.as_str()), set);
        }
    }
    Datapoint::new(second, current, overall)
}
