//! Taurus-exact aggregation (issue 5): per-second KPI sets per label and overall, cumulative totals,
//! HDR histograms, mergeable with `AddAssign`.
//! INTERFACE STUB, filled by the reports work; the engine's console line and the reporters use these
//! names. Keep them; add what you need.

use crate::sample::Sample;

/// KPIs of one label over some seconds (Taurus's KPISet). Times in seconds.
#[derive(Clone, Debug, Default)]
pub struct KpiSet {
    pub throughput: u64,
    pub succ: u64,
    pub fail: u64,
    /// Peak concurrency.
    pub concurrency: u64,
    pub avg_rt: f64,
    pub avg_lt: f64,
    pub avg_ct: f64,
    pub bytes: u64,
}

impl KpiSet {
    /// Response time at `level` percent (0–100), seconds, Taurus's nearest-rank on the HDR histogram.
    pub fn percentile(&self, _level: f64) -> f64 {
        0.0
    }
}

/// One aggregated second (Taurus's datapoint).
#[derive(Clone, Debug, Default)]
pub struct Datapoint {
    /// Epoch second.
    pub ts: u64,
    overall: KpiSet,
}

impl Datapoint {
    /// This second's overall (label `""`) set.
    pub fn overall(&self) -> &KpiSet {
        &self.overall
    }
    /// This second's set for one label.
    pub fn label(&self, _label: &str) -> Option<&KpiSet> {
        None
    }
}

/// The final cumulative state handed to reporters.
#[derive(Debug, Default)]
pub struct Summary {}

/// Settings from `modules.consolidator` (percentiles, ...).
#[derive(Clone, Debug, Default)]
pub struct AggregatorSettings {}

impl AggregatorSettings {
    pub fn from_config(_effective: &serde_json::Value) -> Self {
        Self {}
    }
}

/// Consumes samples, emits one datapoint per completed second.
#[derive(Debug, Default)]
pub struct Aggregator {
    cumulative: KpiSet,
}

impl Aggregator {
    pub fn new(_settings: AggregatorSettings) -> Self {
        Self::default()
    }
    pub fn add(&mut self, _sample: &Sample) {}
    /// Emits the datapoints of every second before `now_sec` (epoch seconds) that is complete.
    pub fn flush_until(&mut self, _now_sec: u64) -> Vec<Datapoint> {
        Vec::new()
    }
    /// Cumulative overall set so far (for the console line's `Cumulative:` part and the live display).
    pub fn cumulative_overall(&self) -> &KpiSet {
        &self.cumulative
    }
    /// Flushes everything; the last datapoints and the final summary.
    pub fn finish(self) -> (Vec<Datapoint>, Summary) {
        (Vec::new(), Summary {})
    }
}
