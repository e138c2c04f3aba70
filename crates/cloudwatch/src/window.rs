//! One reporting interval's numbers per label: counters plus an HDR histogram each, so that the
//! interval's percentiles are exact to 3 significant digits and the total is a merge, not an average.

use hdrhistogram::Histogram;
use stampede_kpi::Sample;
use std::collections::HashMap;
use std::sync::Arc;

/// Per-label accumulator. Response times in microseconds.
#[derive(Clone, Debug)]
struct Acc {
    requests: u64,
    failures: u64,
    sum_rt_us: u64,
    users: u64,
    hist: Histogram<u64>,
}

impl Acc {
    fn new() -> Acc {
        Acc {
            requests: 0,
            failures: 0,
            sum_rt_us: 0,
            users: 0,
            hist: Histogram::new(3).expect("3 significant digits is a valid precision"),
        }
    }

    fn merge(&mut self, other: &Acc) {
        self.requests += other.requests;
        self.failures += other.failures;
        self.sum_rt_us += other.sum_rt_us;
        self.users = self.users.max(other.users);
        // Both are auto-resizing histograms of the same precision: adding cannot fail.
        let _ = self.hist.add(&other.hist);
    }

    fn stats(&self, label: Option<Arc<str>>) -> ScopeStats {
        let ms = |us: u64| us as f64 / 1000.0;
        let has = self.requests > 0;
        ScopeStats {
            label,
            requests: self.requests,
            failures: self.failures,
            users: self.users,
            avg_ms: has.then(|| ms(self.sum_rt_us) / self.requests as f64),
            p50_ms: has.then(|| ms(self.hist.value_at_quantile(0.50))),
            p95_ms: has.then(|| ms(self.hist.value_at_quantile(0.95))),
            p99_ms: has.then(|| ms(self.hist.value_at_quantile(0.99))),
        }
    }
}

/// What one interval says about one label (`label: None` = all labels together).
#[derive(Clone, Debug, PartialEq)]
pub struct ScopeStats {
    pub label: Option<Arc<str>>,
    pub requests: u64,
    pub failures: u64,
    /// Peak active users seen in the interval.
    pub users: u64,
    /// Response-time statistics in milliseconds; `None` when there were no requests.
    pub avg_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p95_ms: Option<f64>,
    pub p99_ms: Option<f64>,
}

/// One closed interval, ready to publish: the total first, then labels in first-seen order.
#[derive(Clone, Debug, PartialEq)]
pub struct IntervalStats {
    /// Epoch second the interval ends at (the metric timestamp).
    pub end_ts: u64,
    pub scopes: Vec<ScopeStats>,
}

/// The open interval.
#[derive(Debug, Default)]
pub struct Window {
    index: HashMap<Arc<str>, usize>,
    labels: Vec<(Arc<str>, Acc)>,
    /// Test-wide users reported by the aggregator's datapoints (summed over executions).
    overall_users: u64,
}

impl Window {
    pub fn add(&mut self, s: &Sample) {
        let i = match self.index.get(&*s.label) {
            Some(&i) => i,
            None => {
                self.labels.push((s.label.clone(), Acc::new()));
                self.index.insert(s.label.clone(), self.labels.len() - 1);
                self.labels.len() - 1
            }
        };
        let acc = &mut self.labels[i].1;
        acc.requests += 1;
        acc.failures += u64::from(!s.is_success());
        acc.sum_rt_us += s.elapsed_us;
        acc.users = acc.users.max(u64::from(s.concurrency));
        // `record` grows the auto-resizing histogram; `saturating_record` would clamp to its
        // initial range instead.
        let us = s.elapsed_us.max(1);
        if acc.hist.record(us).is_err() {
            acc.hist.saturating_record(us);
        }
    }

    pub fn users(&mut self, users: u64) {
        self.overall_users = self.overall_users.max(users);
    }

    pub fn is_empty(&self) -> bool {
        self.labels.is_empty() && self.overall_users == 0
    }

    /// Closes the interval: returns its stats and starts an empty one.
    pub fn take(&mut self, end_ts: u64, per_label: bool) -> IntervalStats {
        let mut total = Acc::new();
        for (_, acc) in &self.labels {
            total.merge(acc);
        }
        total.users = total.users.max(self.overall_users);
        let mut scopes = vec![total.stats(None)];
        if per_label {
            scopes.extend(
                self.labels
                    .iter()
                    .map(|(l, acc)| acc.stats(Some(l.clone()))),
            );
        }
        *self = Window::default();
        IntervalStats { end_ts, scopes }
    }
}
