//! Taurus's response-time histogram: an HDR layout over whole milliseconds with lowest value 1 and
//! 3 significant digits (hdrpy `HdrHistogram(1, max, 3)`), i.e. 2048 sub-buckets: 1 ms wide below
//! 2048 ms, 2 ms in [2048, 4096), 4 ms in [4096, 8192) and so on.
//!
//! Stored sparsely (bucket index → count) so that a per-second set costs a few entries and the
//! cumulative one at most a few thousand, whatever the test length; merging is adding counts.
//!
//! ```
//! use stampede_kpi::Histogram;
//! let mut h = Histogram::default();
//! for ms in [57, 62, 63, 246, 272, 6479] {
//!     h.record_ms(ms);
//! }
//! assert_eq!(h.percentile_ms(50.0), Some(63));
//! assert_eq!(h.percentile_ms(90.0), Some(6476)); // 6479 lies in the 4-ms bucket [6476, 6480)
//! ```

use std::ops::AddAssign;

/// log2 of the sub-bucket count for 3 significant digits (2 × 10³ → 2048).
const SUB_BUCKET_BITS: u32 = 11;
const SUB_BUCKET_COUNT: u64 = 1 << SUB_BUCKET_BITS;
const SUB_BUCKET_HALF: u64 = SUB_BUCKET_COUNT / 2;

/// A mergeable count of response times in whole milliseconds.
///
/// The non-empty buckets are a `Vec` sorted by index: a test's response times fill a few hundred
/// buckets at most, so finding one is a short binary search, and merging two histograms (the hub
/// does it for every label of every task's second) is one linear walk.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Histogram {
    counts: Vec<(u32, u64)>,
    total: u64,
}

/// The bucket a value falls in: index `i` covers `[lowest(i), lowest(i) + width(i))`.
pub fn bucket_index(ms: u64) -> u32 {
    if ms < SUB_BUCKET_COUNT {
        return ms as u32;
    }
    // Bucket b >= 1 holds [1024·2^b, 2048·2^b) in sub-buckets 1024..2048 of width 2^b.
    let b = (63 - ms.leading_zeros()) - (SUB_BUCKET_BITS - 1);
    let sub = ms >> b;
    (u64::from(b) * SUB_BUCKET_HALF + sub) as u32
}

fn bucket_shift(index: u32) -> u32 {
    let i = u64::from(index);
    if i < SUB_BUCKET_COUNT {
        0
    } else {
        ((i - SUB_BUCKET_HALF) / SUB_BUCKET_HALF) as u32
    }
}

/// The lowest value that lands in bucket `index`.
pub fn bucket_lowest(index: u32) -> u64 {
    let shift = bucket_shift(index);
    let sub = u64::from(index) - u64::from(shift) * SUB_BUCKET_HALF;
    sub << shift
}

/// The width of bucket `index` in milliseconds.
pub fn bucket_width(index: u32) -> u64 {
    1 << bucket_shift(index)
}

impl Histogram {
    /// Records one response time given in whole milliseconds (Taurus truncates: `int(round(rt·1000, 3))`).
    pub fn record_ms(&mut self, ms: u64) {
        self.record_n(ms, 1);
    }

    /// Records `n` equal response times.
    pub fn record_n(&mut self, ms: u64, n: u64) {
        if n == 0 {
            return;
        }
        let index = bucket_index(ms);
        match self.counts.binary_search_by_key(&index, |&(i, _)| i) {
            // Counts read from a sidecar file can be anything; saturate instead of overflowing.
            Ok(at) => self.counts[at].1 = self.counts[at].1.saturating_add(n),
            Err(at) => self.counts.insert(at, (index, n)),
        }
        self.total = self.total.saturating_add(n);
    }

    /// Records a response time given in microseconds, truncated to whole milliseconds as Taurus does.
    pub fn record_us(&mut self, us: u64) {
        self.record_ms(us / 1000);
    }

    pub fn total(&self) -> u64 {
        self.total
    }

    pub fn is_empty(&self) -> bool {
        self.total == 0
    }

    /// Non-empty buckets ascending, as (lowest value, width, count).
    pub fn buckets(&self) -> impl Iterator<Item = (u64, u64, u64)> + '_ {
        self.counts
            .iter()
            .map(|&(i, c)| (bucket_lowest(i), bucket_width(i), c))
    }

    /// Nearest-rank percentile in ms: the lowest value of the first bucket whose cumulative share
    /// reaches `level` percent. `None` when nothing was recorded.
    pub fn percentile_ms(&self, level: f64) -> Option<u64> {
        let mut cum = 0u64;
        let mut last = None;
        for (lowest, _, count) in self.buckets() {
            cum += count;
            last = Some(lowest);
            if cum as f64 * 100.0 / self.total as f64 >= level {
                return Some(lowest);
            }
        }
        last
    }

    /// Percentiles for several levels in one pass over the buckets; levels must be ascending.
    pub fn percentiles_ms(&self, levels: &[f64]) -> Vec<Option<u64>> {
        let mut out = Vec::with_capacity(levels.len());
        let mut buckets = self.buckets().peekable();
        let (mut cum, mut lowest) = (0u64, None);
        for &level in levels {
            // Advance until this level is reached; later (higher) levels continue from here.
            while lowest.is_none() || (cum as f64 * 100.0 / self.total as f64) < level {
                match buckets.next() {
                    Some((low, _, count)) => {
                        cum += count;
                        lowest = Some(low);
                    }
                    None => break,
                }
            }
            out.push(lowest);
        }
        out
    }

    /// Population standard deviation in ms around `mean_ms` (Taurus passes the exact average),
    /// each bucket counted at its median-equivalent value `lowest + width / 2`.
    pub fn stdev_ms(&self, mean_ms: f64) -> f64 {
        if self.total == 0 {
            return 0.0;
        }
        let mut sum = 0.0f64;
        for (lowest, width, count) in self.buckets() {
            let dev = (lowest + width / 2) as f64 - mean_ms;
            sum += count as f64 * dev * dev;
        }
        (sum / self.total as f64).sqrt()
    }

    /// Bucket count (memory use is proportional to it).
    pub fn bucket_count(&self) -> usize {
        self.counts.len()
    }
}

impl AddAssign<&Histogram> for Histogram {
    fn add_assign(&mut self, other: &Histogram) {
        self.total = self.total.saturating_add(other.total);
        if other.counts.is_empty() {
            return;
        }
        if self.counts.is_empty() {
            self.counts.clone_from(&other.counts);
            return;
        }
        // Both sorted by index: one walk over both.
        let mut merged = Vec::with_capacity(self.counts.len() + other.counts.len());
        let (mut a, mut b) = (
            self.counts.iter().peekable(),
            other.counts.iter().peekable(),
        );
        loop {
            let next = match (a.peek(), b.peek()) {
                (Some(&&(i, x)), Some(&&(j, y))) if i == j => {
                    a.next();
                    b.next();
                    (i, x.saturating_add(y))
                }
                (Some(&&(i, _)), Some(&&(j, _))) if i < j => *a.next().expect("peeked"),
                (Some(_), Some(_)) | (None, Some(_)) => *b.next().expect("peeked"),
                (Some(_), None) => *a.next().expect("peeked"),
                (None, None) => break,
            };
            merged.push(next);
        }
        self.counts = merged;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_hdrhistogram_with_three_significant_digits() {
        let hdr = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000, 3).unwrap();
        for v in (0..5000u64).chain([8191, 8192, 16_383, 16_384, 100_000, 3_599_999]) {
            let i = bucket_index(v);
            assert_eq!(bucket_lowest(i), hdr.lowest_equivalent(v), "lowest of {v}");
            assert_eq!(
                bucket_lowest(i) + bucket_width(i) - 1,
                hdr.highest_equivalent(v),
                "highest of {v}"
            );
            assert_eq!(
                bucket_lowest(i) + bucket_width(i) / 2,
                hdr.median_equivalent(v),
                "median of {v}"
            );
        }
    }

    #[test]
    fn taurus_reference_example() {
        let mut h = Histogram::default();
        for ms in [57, 62, 63, 246, 272, 6479] {
            h.record_ms(ms);
        }
        let levels = [0.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0];
        let got: Vec<_> = h.percentiles_ms(&levels).into_iter().flatten().collect();
        assert_eq!(got, vec![57, 63, 6476, 6476, 6476, 6476, 6476]);
        let one_by_one: Vec<_> = levels.iter().filter_map(|&l| h.percentile_ms(l)).collect();
        assert_eq!(got, one_by_one);
        let mean = (57.0 + 62.0 + 63.0 + 246.0 + 272.0 + 6479.0) / 6.0;
        assert_eq!(format!("{:.5}", h.stdev_ms(mean) / 1000.0), "2.36371");
    }

    #[test]
    fn empty_single_and_merge() {
        let empty = Histogram::default();
        assert_eq!(empty.percentile_ms(50.0), None);
        assert_eq!(empty.stdev_ms(0.0), 0.0);
        let mut one = Histogram::default();
        one.record_us(2_500_999);
        assert_eq!(one.percentile_ms(0.0), Some(2500));
        assert_eq!(one.percentile_ms(100.0), Some(2500));
        let mut merged = Histogram::default();
        merged += &one;
        merged += &one;
        assert_eq!(merged.total(), 2);
        assert_eq!(merged.bucket_count(), 1);
    }

    /// Merging gives the histogram of all the values, whatever their overlap and order.
    #[test]
    fn merging_equals_recording_everything_in_one() {
        // A fixed pseudo-random sequence (xorshift) over several bucket widths.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % 200_000
        };
        for split in [0usize, 1, 37, 500, 999, 1000] {
            let values: Vec<u64> = (0..1000).map(|_| next()).collect();
            let (mut a, mut b, mut all) = (
                Histogram::default(),
                Histogram::default(),
                Histogram::default(),
            );
            for (k, &v) in values.iter().enumerate() {
                if k < split {
                    a.record_ms(v)
                } else {
                    b.record_ms(v)
                }
                all.record_ms(v);
            }
            let mut ab = a.clone();
            ab += &b;
            b += &a;
            assert_eq!(ab, all, "split at {split}");
            assert_eq!(b, all, "the other way round, split at {split}");
        }
    }
}
