//! Taurus-exact aggregation (issue 5): per-second KPI sets per label and overall, cumulative totals,
//! HDR histograms, mergeable with `AddAssign`. INTERFACE STUB, filled by the reports work.

use crate::sample::Sample;

/// One aggregated second (Taurus's datapoint): current and cumulative KPI sets per label.
#[derive(Debug, Default)]
pub struct Datapoint {}

/// The final cumulative state handed to reporters.
#[derive(Debug, Default)]
pub struct Summary {}

/// Consumes samples, emits one datapoint per completed second.
#[derive(Debug, Default)]
pub struct Aggregator {}

impl Aggregator {
    pub fn add(&mut self, _sample: &Sample) {}
    /// Emits the datapoints of every second before `now_sec` (epoch seconds) that is complete.
    pub fn flush_until(&mut self, _now_sec: u64) -> Vec<Datapoint> {
        Vec::new()
    }
    pub fn finish(self) -> (Vec<Datapoint>, Summary) {
        (Vec::new(), Summary {})
    }
}
