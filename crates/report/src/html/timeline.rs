//! What the HTML report keeps of each second: the overall counts and response times, the users,
//! and the same for each of the first [`MAX_LABELS`] labels. Bounded whatever the test length:
//! past [`MAX_POINTS`] points neighbours are merged, so a point may cover several seconds.

use stampede_kpi::Kpi;
use stampede_stats::{Datapoint, KpiSet};

/// Past this many points the timeline is halved (neighbours merged).
pub const MAX_POINTS: usize = 4000;
/// Labels followed over time (first seen first); the rest are only in the tables and histograms.
pub const MAX_LABELS: usize = 50;

/// Response times of one label over one point. Merging two points adds the counts and keeps the
/// higher percentile: the worst second of the interval, never a made-up average of percentiles.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Latency {
    pub hits: u64,
    pub fail: u64,
    pub sum_rt_us: u64,
    /// Whole milliseconds, the lowest value of their Taurus bucket (as in the final results).
    pub p50: u64,
    pub p95: u64,
    pub p99: u64,
}

impl Latency {
    fn of(k: &Kpi) -> Self {
        let p = k.hist.percentiles_ms(&[50.0, 95.0, 99.0]);
        let ms = |v: Option<u64>| v.unwrap_or(0);
        Latency {
            hits: k.throughput,
            fail: k.fail,
            sum_rt_us: k.sum_rt_us,
            p50: ms(p[0]),
            p95: ms(p[1]),
            p99: ms(p[2]),
        }
    }

    fn merge(&mut self, o: &Latency) {
        self.hits += o.hits;
        self.fail += o.fail;
        self.sum_rt_us += o.sum_rt_us;
        self.p50 = self.p50.max(o.p50);
        self.p95 = self.p95.max(o.p95);
        self.p99 = self.p99.max(o.p99);
    }

    /// Mean response time in ms, `None` when nothing was counted.
    pub fn avg_ms(&self) -> Option<f64> {
        (self.hits > 0).then(|| self.sum_rt_us as f64 / self.hits as f64 / 1000.0)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Point {
    /// First epoch second the point covers, and how many seconds it covers.
    pub ts: u64,
    pub width: u64,
    /// Peak users within the point.
    pub users: u64,
    pub all: Latency,
    /// `(label index, latency)` for the followed labels present in the point, index ascending.
    pub labels: Vec<(usize, Latency)>,
}

#[derive(Debug, Default)]
pub struct Timeline {
    pub points: Vec<Point>,
    /// Followed labels in first-seen order; a point's label index points here.
    pub labels: Vec<String>,
}

impl Timeline {
    pub fn push(&mut self, dp: &Datapoint) {
        let mut labels = Vec::new();
        for (label, set) in dp.current.iter().filter(|(l, _)| !l.is_empty()) {
            if let Some(i) = self.index(label) {
                labels.push((i, Latency::of(&set.kpi)));
            }
        }
        labels.sort_by_key(|(i, _)| *i);
        let overall: &KpiSet = dp.overall();
        self.points.push(Point {
            ts: dp.ts,
            width: 1,
            users: overall.concurrency,
            all: Latency::of(&overall.kpi),
            labels,
        });
        if self.points.len() > MAX_POINTS {
            self.compact();
        }
    }

    /// The label's index, adding it while fewer than [`MAX_LABELS`] are followed.
    fn index(&mut self, label: &str) -> Option<usize> {
        if let Some(i) = self.labels.iter().position(|l| l == label) {
            return Some(i);
        }
        (self.labels.len() < MAX_LABELS).then(|| {
            self.labels.push(label.into());
            self.labels.len() - 1
        })
    }

    fn compact(&mut self) {
        let merged = self
            .points
            .chunks(2)
            .map(|pair| {
                let mut p = pair[0].clone();
                for q in &pair[1..] {
                    p.width += q.width;
                    p.users = p.users.max(q.users);
                    p.all.merge(&q.all);
                    for (i, l) in &q.labels {
                        match p.labels.iter_mut().find(|(j, _)| j == i) {
                            Some((_, acc)) => acc.merge(l),
                            None => p.labels.push((*i, *l)),
                        }
                    }
                    p.labels.sort_by_key(|(i, _)| *i);
                }
                p
            })
            .collect();
        self.points = merged;
    }
}
