//! [`Kpi`]: the counters and the response-time histogram of one label that add up exactly whatever
//! is merged: the samples of one second, the seconds of a test, the labels of a second, or the tasks
//! of a distributed test. The aggregator, the histogram sidecar and the results Lambda all keep this
//! one type and merge it with `+=`.
//!
//! ```
//! use stampede_kpi::{Kpi, Sample};
//! let sample = |ms: u64| Sample {
//!     start_ms: 0, label: "GET /".into(), elapsed_us: ms * 1000, latency_us: 0, connect_us: 0,
//!     rc: None, failure: None, bytes: 100, sent_bytes: 0, concurrency: 1, source: 0, thread: 1,
//! };
//! let (mut task_a, mut task_b) = (Kpi::default(), Kpi::default());
//! for ms in [1, 2, 3] {
//!     task_a.add_sample(&sample(ms), true);
//! }
//! task_b.add_sample(&sample(10), true);
//! task_a += &task_b;
//! assert_eq!(task_a.throughput, 4);
//! assert_eq!(task_a.mean_rt(), 0.004); // (1 + 2 + 3 + 10) ms / 4, not a mean of means
//! assert_eq!(task_a.hist.percentile_ms(50.0), Some(2));
//! ```

use std::ops::AddAssign;

use crate::{Histogram, Sample};

/// Exact KPIs of one label: sample counts, byte and time sums, and the response-time histogram.
///
/// Concurrency is not here because it does not add up the same way everywhere: within a second it
/// is the sum over sources of each source's peak, over a test the peak second, and across parallel
/// tasks the sum of their peaks. Each owner keeps it next to its `Kpi`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kpi {
    /// Samples counted (Taurus's `throughput`).
    pub throughput: u64,
    pub succ: u64,
    pub fail: u64,
    /// Bytes received.
    pub bytes: u64,
    /// Sums of the timed samples' response, latency and connect times, microseconds.
    pub sum_rt_us: u64,
    pub sum_lt_us: u64,
    pub sum_ct_us: u64,
    /// Response times of the timed samples, Taurus's millisecond layout.
    pub hist: Histogram,
}

impl Kpi {
    /// Counts one sample. Its times go into the sums and the histogram only when `timed`: Taurus
    /// leaves samples without a response code out of both.
    pub fn add_sample(&mut self, s: &Sample, timed: bool) {
        self.throughput += 1;
        if s.is_success() {
            self.succ += 1;
        } else {
            self.fail += 1;
        }
        self.bytes += s.bytes;
        if timed {
            self.sum_rt_us += s.elapsed_us;
            self.sum_lt_us += s.latency_us;
            self.sum_ct_us += s.connect_us;
            self.hist.record_us(s.elapsed_us);
        }
    }

    /// Mean response time over all counted samples, seconds (0 when none).
    pub fn mean_rt(&self) -> f64 {
        self.mean_secs(self.sum_rt_us)
    }

    /// Mean latency (time to first byte), seconds.
    pub fn mean_lt(&self) -> f64 {
        self.mean_secs(self.sum_lt_us)
    }

    /// Mean connect time, seconds.
    pub fn mean_ct(&self) -> f64 {
        self.mean_secs(self.sum_ct_us)
    }

    fn mean_secs(&self, sum_us: u64) -> f64 {
        if self.throughput == 0 {
            0.0
        } else {
            sum_us as f64 / self.throughput as f64 / 1e6
        }
    }
}

/// Everything adds: counts, sums and histogram buckets. Saturating, because merged values may come
/// from files (a sidecar with an absurd count must not overflow).
impl AddAssign<&Kpi> for Kpi {
    fn add_assign(&mut self, other: &Kpi) {
        self.throughput = self.throughput.saturating_add(other.throughput);
        self.succ = self.succ.saturating_add(other.succ);
        self.fail = self.fail.saturating_add(other.fail);
        self.bytes = self.bytes.saturating_add(other.bytes);
        self.sum_rt_us = self.sum_rt_us.saturating_add(other.sum_rt_us);
        self.sum_lt_us = self.sum_lt_us.saturating_add(other.sum_lt_us);
        self.sum_ct_us = self.sum_ct_us.saturating_add(other.sum_ct_us);
        self.hist += &other.hist;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Failure, FailureKind, Rc};

    fn sample(elapsed_us: u64, ok: bool) -> Sample {
        Sample {
            start_ms: 1_700_000_000_000,
            label: "a".into(),
            elapsed_us,
            latency_us: elapsed_us / 2,
            connect_us: 100,
            rc: Some(Rc::Http(if ok { 200 } else { 500 })),
            failure: (!ok).then(|| Failure {
                kind: FailureKind::Error,
                message: "Internal Server Error".into(),
            }),
            bytes: 10,
            sent_bytes: 1,
            concurrency: 1,
            source: 0,
            thread: 1,
        }
    }

    #[test]
    fn untimed_samples_count_but_have_no_times() {
        let mut k = Kpi::default();
        k.add_sample(&sample(2_000, true), true);
        k.add_sample(&sample(9_000, false), false);
        assert_eq!((k.throughput, k.succ, k.fail, k.bytes), (2, 1, 1, 20));
        assert_eq!((k.sum_rt_us, k.sum_lt_us, k.sum_ct_us), (2_000, 1_000, 100));
        assert_eq!(k.hist.total(), 1);
        assert_eq!(k.mean_rt(), 0.001, "the untimed sample counts in the mean");
    }

    #[test]
    fn merging_equals_counting_everything_in_one() {
        let times = [400, 1_234, 57_000, 2_049_999, 6_479_000];
        let (mut one, mut a, mut b) = (Kpi::default(), Kpi::default(), Kpi::default());
        for (i, &us) in times.iter().enumerate() {
            let s = sample(us, i % 2 == 0);
            one.add_sample(&s, true);
            if i < 2 { &mut a } else { &mut b }.add_sample(&s, true);
        }
        a += &b;
        assert_eq!(a, one);
        assert_eq!(Kpi::default().mean_ct(), 0.0);
    }

    #[test]
    fn merging_saturates_instead_of_overflowing() {
        let mut big = Kpi {
            throughput: u64::MAX,
            ..Kpi::default()
        };
        big.hist.record_n(5, u64::MAX);
        let copy = big.clone();
        big += &copy;
        assert_eq!(big.throughput, u64::MAX);
        assert_eq!(big.hist.total(), u64::MAX);
    }
}
