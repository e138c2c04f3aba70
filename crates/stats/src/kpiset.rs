//! One label's KPIs over some seconds (Taurus's `KPISet`): the shared [`Kpi`] (counts, exact sums,
//! histogram) plus what only Taurus's reports need: a response-code counter, errors merged by
//! message, concurrency, and Taurus's own float sums. Merging is `+=`; the derived values (averages,
//! percentiles, stdev, concurrency) are refreshed by [`KpiSet::recalculate`].

use indexmap::IndexMap;
use parser::{Group, Kpi as XmlKpi, Num};
use stampede_kpi::{FailureKind, Kpi, Rc, Sample};
use std::ops::{AddAssign, Deref};
use std::sync::Arc;

/// Errors of one kind, merged by message (Taurus's error item).
#[derive(Clone, Debug, PartialEq)]
pub struct ErrorItem {
    pub msg: Arc<str>,
    pub cnt: u64,
    /// The response code of the first sample with this message.
    pub rc: Option<Arc<str>>,
    pub kind: FailureKind,
}

/// KPIs of one label over some seconds (Taurus's KPISet). Times in seconds.
#[derive(Clone, Debug, Default)]
pub struct KpiSet {
    /// Counts, exact sums and the histogram; its fields read through `Deref` (`set.throughput`).
    pub kpi: Kpi,
    /// Per-second sets: the sum over sources of each source's peak; cumulative sets: the peak second.
    pub concurrency: u64,
    pub avg_rt: f64,
    pub avg_lt: f64,
    pub avg_ct: f64,
    pub stdev_rt: f64,
    /// Taurus adds float seconds sample by sample, and its averages (printed in full) depend on that
    /// rounding; these reproduce it, while `kpi` keeps the exact microsecond sums.
    pub sum_rt: f64,
    pub sum_lt: f64,
    pub sum_ct: f64,
    /// Response code → count, first-seen order (only samples that had a code).
    pub rc: IndexMap<Arc<str>, u64>,
    pub errors: Vec<ErrorItem>,
    /// (level, seconds) for the tracked levels, ascending; empty while the histogram is.
    pub perc: Vec<(f64, f64)>,
    /// Peak concurrency per source within one second.
    sources: Vec<(u16, u64)>,
}

/// Python's `str(float(level))` for a percentile level (`"0.0"`, `"99.9"`).
pub fn level_str(level: f64) -> String {
    parser::write::python_float_str(level)
}

/// Taurus's response-code string: the HTTP status, or the (shortened) exception name.
pub fn rc_str(rc: &Rc) -> Arc<str> {
    match rc {
        Rc::Text(t) => t.clone(),
        other => Arc::from(other.text()),
    }
}

/// Microseconds to Taurus's float seconds; `ms / 1000.0` for JTL inputs, bit for bit.
pub fn secs(us: u64) -> f64 {
    us as f64 / 1e6
}

impl KpiSet {
    /// Adds one sample (Taurus `add_sample`); `error` is the (possibly folded) failure message.
    pub fn add_sample(&mut self, s: &Sample, rc: Option<Arc<str>>, error: Option<Arc<str>>) {
        self.kpi.add_sample(s, rc.is_some());
        if s.concurrency > 0 {
            self.add_concurrency(s.source, u64::from(s.concurrency));
        }
        if let Some(code) = &rc {
            *self.rc.entry(code.clone()).or_insert(0) += 1;
            // Taurus counts times only for samples that have a response code.
            if s.connect_us > 0 {
                self.sum_ct += secs(s.connect_us);
            }
            if s.latency_us > 0 {
                self.sum_lt += secs(s.latency_us);
            }
            self.sum_rt += secs(s.elapsed_us);
        }
        if let (Some(f), Some(msg)) = (&s.failure, error) {
            self.add_error(ErrorItem {
                msg,
                cnt: 1,
                rc,
                kind: f.kind,
            });
        }
    }

    fn add_concurrency(&mut self, source: u16, value: u64) {
        match self.sources.iter_mut().find(|(s, _)| *s == source) {
            Some((_, v)) => *v = (*v).max(value),
            None => self.sources.push((source, value)),
        }
    }

    /// Merges an error item by message (Taurus `inc_list`).
    pub fn add_error(&mut self, item: ErrorItem) {
        match self.errors.iter_mut().find(|e| e.msg == item.msg) {
            Some(e) => e.cnt += item.cnt,
            None => self.errors.push(item),
        }
    }

    /// Merges the sets of several labels of the same second into this overall set: per source the
    /// peak over labels, as Taurus's `merge_kpis(label, sid)`.
    pub fn merge_same_second(&mut self, other: &KpiSet) {
        self.merge_counts(other);
        for &(src, v) in &other.sources {
            self.add_concurrency(src, v);
        }
    }

    fn merge_counts(&mut self, other: &KpiSet) {
        self.sum_ct += other.sum_ct;
        self.sum_lt += other.sum_lt;
        self.sum_rt += other.sum_rt;
        self.kpi += &other.kpi;
        for (code, n) in &other.rc {
            *self.rc.entry(code.clone()).or_insert(0) += n;
        }
        for e in &other.errors {
            self.add_error(e.clone());
        }
    }

    /// Refreshes the derived values (Taurus `recalculate`).
    pub fn recalculate(&mut self, levels: &[f64]) {
        if self.kpi.throughput > 0 {
            let n = self.kpi.throughput as f64;
            self.avg_ct = self.sum_ct / n;
            self.avg_lt = self.sum_lt / n;
            self.avg_rt = self.sum_rt / n;
        }
        if !self.sources.is_empty() {
            self.concurrency = self.sources.iter().map(|(_, v)| v).sum();
        }
        self.perc.clear();
        let hist = &self.kpi.hist;
        if !hist.is_empty() {
            let values = hist.percentiles_ms(levels);
            for (&l, ms) in levels.iter().zip(values) {
                let ms = ms.expect("histogram is not empty");
                self.perc.push((l, ms as f64 / 1000.0));
            }
            self.stdev_rt = hist.stdev_ms(self.avg_rt * 1000.0) / 1000.0;
        }
    }

    /// Response time at `level` percent (0–100), seconds, Taurus's nearest-rank on the HDR histogram.
    pub fn percentile(&self, level: f64) -> f64 {
        self.kpi
            .hist
            .percentile_ms(level)
            .map_or(0.0, |ms| ms as f64 / 1000.0)
    }

    /// Failed share in percent (0 when empty).
    pub fn fail_percent(&self) -> f64 {
        if self.kpi.throughput == 0 {
            0.0
        } else {
            self.kpi.fail as f64 * 100.0 / self.kpi.throughput as f64
        }
    }

    /// The set of exact KPIs merged elsewhere (a hub run's second across its tasks), with the
    /// derived values for `levels`. It has no response codes or errors: those are not in a [`Kpi`].
    pub fn from_kpi(kpi: Kpi, concurrency: u64, levels: &[f64]) -> KpiSet {
        let mut set = KpiSet {
            sum_rt: secs(kpi.sum_rt_us),
            sum_lt: secs(kpi.sum_lt_us),
            sum_ct: secs(kpi.sum_ct_us),
            concurrency,
            kpi,
            ..KpiSet::default()
        };
        set.recalculate(levels);
        set
    }

    /// The set a results XML `<Group>` describes (the inverse of [`KpiSet::to_group`]), e.g. a
    /// merged run's, so reporters and criteria can judge it. It has no histogram: percentiles are
    /// the group's own levels.
    pub fn from_group(g: &Group) -> KpiSet {
        let count = |n: &Num| n.as_f64().max(0.0) as u64;
        let mut set = KpiSet {
            concurrency: count(&g.concurrency),
            avg_rt: g.avg_rt.as_f64(),
            avg_lt: g.avg_lt.as_f64(),
            avg_ct: g.avg_ct.as_f64(),
            stdev_rt: g.stdev_rt.as_f64(),
            rc: g
                .rc
                .iter()
                .map(|k| (Arc::from(k.param.as_str()), count(&k.value)))
                .collect(),
            perc: g
                .perc
                .iter()
                .filter_map(|k| Some((k.param.parse().ok()?, k.value.as_f64())))
                .collect(),
            ..KpiSet::default()
        };
        set.kpi.throughput = count(&g.throughput);
        set.kpi.succ = count(&g.succ);
        set.kpi.fail = count(&g.fail);
        set.kpi.bytes = count(&g.bytes);
        set
    }

    /// The `<Group>` Taurus would dump for this set. Values never computed stay int `0`, as in Taurus.
    pub fn to_group(&self, label: &str) -> Group {
        let computed = self.kpi.throughput > 0;
        let avg = |v: f64| if computed { Num::Float(v) } else { Num::Int(0) };
        let int = |v: u64| Num::Int(v as i64);
        let k = &self.kpi;
        Group {
            label: label.to_string(),
            throughput: int(k.throughput),
            concurrency: int(self.concurrency),
            succ: int(k.succ),
            fail: int(k.fail),
            avg_rt: avg(self.avg_rt),
            stdev_rt: if k.hist.is_empty() {
                Num::Int(0)
            } else {
                Num::Float(self.stdev_rt)
            },
            avg_lt: avg(self.avg_lt),
            avg_ct: avg(self.avg_ct),
            bytes: int(k.bytes),
            rc: self
                .rc
                .iter()
                .map(|(c, n)| XmlKpi {
                    param: c.to_string(),
                    value: int(*n),
                })
                .collect(),
            perc: self
                .perc
                .iter()
                .map(|&(l, v)| XmlKpi {
                    param: level_str(l),
                    value: Num::Float(v),
                })
                .collect(),
        }
    }
}

/// The shared counters read as fields of the set (`set.throughput`, `set.hist`), as reporters
/// read Taurus's KPISet.
impl Deref for KpiSet {
    type Target = Kpi;
    fn deref(&self) -> &Kpi {
        &self.kpi
    }
}

/// Cumulative merge: counts, sums, codes, errors and histograms add; concurrency keeps the peak.
impl AddAssign<&KpiSet> for KpiSet {
    fn add_assign(&mut self, other: &KpiSet) {
        self.merge_counts(other);
        self.concurrency = self.concurrency.max(other.concurrency);
    }
}
