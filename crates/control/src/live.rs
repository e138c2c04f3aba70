//! Live data: each task sends one [`LiveFrame`] per second (an exact [`Kpi`] per label); the hub
//! merges the frames of all tasks exactly, second by second, into a [`Timeline`].
//!
//! In memory a label is the histogram sidecar's label ([`LabelHist`]: the label, its `Kpi`, the
//! task's concurrency), the one KPI type of the results files and the Lambda. On the wire it is a
//! [`WireLabel`]: the same counts and sums, and the histogram as its Taurus buckets
//! (`[lowest ms, count]` pairs) rather than the sidecar's compressed HdrHistogram. Frames only
//! travel between two halves of this program, a hundred a second at a busy hub, and decoding an
//! HdrHistogram allocates its whole counts array per label: that cost the hub most of its CPU
//! (`bench/hub-live.sh`). A frame is JSON:
//!
//! ```json
//! {"task": 0, "second": 1767225600, "vu": 10, "cpu": 37.5,
//!  "labels": [{"label": "", "count": 100, "succ": 98, "fail": 2, "bytes": 51200,
//!              "sum_rt": 1234567, "sum_lt": 1034567, "sum_ct": 2000, "concurrency": 10,
//!              "buckets": [[11, 60], [12, 38], [250, 2]]}]}
//! ```
//!
//! Times in microseconds; `buckets` holds each non-empty Taurus bucket's lowest value in ms and
//! its count (`stampede_kpi::Histogram`'s layout, so decoding is exact).

use std::collections::BTreeMap;

use parser::sidecar::LabelHist;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use stampede_kpi::Kpi;

/// One second of one task.
#[derive(Clone, Debug)]
pub struct LiveFrame {
    pub task: u32,
    /// Unix epoch second the counts belong to.
    pub second: i64,
    /// Virtual users active in that second.
    pub vu: u32,
    /// The worker's CPU use in percent of one machine, when it measures it.
    pub cpu: Option<f32>,
    /// Each label's KPIs for that second; `""` is the overall entry.
    pub labels: Vec<LabelHist>,
}

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("live frame is not valid JSON of the documented shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error("live frame label {label:?}: {reason}")]
    Label { label: String, reason: String },
}

#[derive(Serialize, Deserialize)]
struct WireFrame {
    task: u32,
    second: i64,
    vu: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cpu: Option<f32>,
    labels: Vec<WireLabel>,
}

/// One label of a frame or stored second on the wire (see the module's documentation).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct WireLabel {
    pub label: String,
    pub count: u64,
    pub succ: u64,
    pub fail: u64,
    pub bytes: u64,
    pub sum_rt: u64,
    pub sum_lt: u64,
    pub sum_ct: u64,
    pub concurrency: u64,
    /// `[lowest ms, count]` of each non-empty Taurus bucket, ascending.
    pub buckets: Vec<(u64, u64)>,
}

impl WireLabel {
    pub fn encode(l: &LabelHist) -> Self {
        let k = &l.kpi;
        WireLabel {
            label: l.label.clone(),
            count: k.throughput,
            succ: k.succ,
            fail: k.fail,
            bytes: k.bytes,
            sum_rt: k.sum_rt_us,
            sum_lt: k.sum_lt_us,
            sum_ct: k.sum_ct_us,
            concurrency: l.concurrency,
            buckets: k.hist.buckets().map(|(lowest, _, n)| (lowest, n)).collect(),
        }
    }

    /// The label back; refuses buckets that hold more samples than the label counts.
    pub fn decode(self) -> Result<LabelHist, FrameError> {
        let mut kpi = Kpi {
            throughput: self.count,
            succ: self.succ,
            fail: self.fail,
            bytes: self.bytes,
            sum_rt_us: self.sum_rt,
            sum_lt_us: self.sum_lt,
            sum_ct_us: self.sum_ct,
            ..Kpi::default()
        };
        let mut total = 0u64;
        for (lowest_ms, n) in self.buckets {
            total = total.saturating_add(n);
            kpi.hist.record_n(lowest_ms, n);
        }
        if total > self.count {
            return Err(FrameError::Label {
                label: self.label,
                reason: format!(
                    "buckets hold {total} samples, more than its count {}",
                    self.count
                ),
            });
        }
        Ok(LabelHist {
            label: self.label,
            kpi,
            concurrency: self.concurrency,
        })
    }
}

/// What a merged second is stored as: each task's VUs and every label's entry, exact.
#[derive(Serialize, Deserialize)]
struct StoredSecond {
    vu: BTreeMap<u32, u32>,
    labels: Vec<WireLabel>,
}

fn encode(labels: &[LabelHist]) -> Result<Vec<WireLabel>, FrameError> {
    Ok(labels.iter().map(WireLabel::encode).collect())
}

fn decode(entries: Vec<WireLabel>) -> Result<Vec<LabelHist>, FrameError> {
    entries.into_iter().map(WireLabel::decode).collect()
}

impl LiveFrame {
    pub fn from_json(text: &[u8]) -> Result<Self, FrameError> {
        let wire: WireFrame = serde_json::from_slice(text)?;
        Ok(LiveFrame {
            task: wire.task,
            second: wire.second,
            vu: wire.vu,
            cpu: wire.cpu,
            labels: decode(wire.labels)?,
        })
    }

    /// The wire form.
    pub fn to_json(&self) -> Result<String, FrameError> {
        let wire = WireFrame {
            task: self.task,
            second: self.second,
            vu: self.vu,
            cpu: self.cpu,
            labels: encode(&self.labels)?,
        };
        Ok(serde_json::to_string(&wire)?)
    }
}

/// Mean response time in ms (0 when nothing was counted).
fn mean_ms(k: &Kpi) -> f64 {
    if k.throughput == 0 {
        0.0
    } else {
        k.sum_rt_us as f64 / k.throughput as f64 / 1000.0
    }
}

/// One second merged across tasks.
#[derive(Clone, Debug, Default)]
pub struct Second {
    /// Each task's virtual users (the highest it reported for this second).
    pub vu: BTreeMap<u32, u32>,
    /// Each label's KPIs added over the tasks; concurrency sums the tasks' values.
    pub labels: Vec<LabelHist>,
}

impl Second {
    pub fn add(&mut self, frame: &LiveFrame) {
        let vu = self.vu.entry(frame.task).or_insert(0);
        *vu = (*vu).max(frame.vu);
        for l in &frame.labels {
            match self.labels.iter_mut().find(|m| m.label == l.label) {
                Some(merged) => {
                    merged.kpi += &l.kpi;
                    merged.concurrency = merged.concurrency.saturating_add(l.concurrency);
                }
                None => self.labels.push(l.clone()),
            }
        }
    }

    /// The summary the console charts: the overall entry's numbers, times in ms. Percentiles are
    /// the lowest value of their Taurus bucket, as in the final results.
    pub fn summary(&self, second: i64) -> Value {
        let empty = Kpi::default();
        let all = self
            .labels
            .iter()
            .find(|l| l.label.is_empty())
            .map_or(&empty, |l| &l.kpi);
        let p = all.hist.percentiles_ms(&[50.0, 95.0, 99.0]);
        let ms = |v: Option<u64>| v.map_or(0.0, |v| v as f64);
        json!({
            "timestamp": second * 1000,
            "vu": self.vu.values().map(|v| u64::from(*v)).sum::<u64>(),
            "tasks": self.vu.len(),
            "succ": all.succ,
            "fail": all.fail,
            "avgRt": mean_ms(all),
            "p50": ms(p[0]), "p95": ms(p[1]), "p99": ms(p[2]),
        })
    }

    /// The stored form: every label's sidecar entry, exact.
    pub fn to_stored(&self) -> Result<String, FrameError> {
        let stored = StoredSecond {
            vu: self.vu.clone(),
            labels: encode(&self.labels)?,
        };
        Ok(serde_json::to_string(&stored)?)
    }

    pub fn from_stored(text: &str) -> Result<Self, FrameError> {
        let s: StoredSecond = serde_json::from_str(text)?;
        Ok(Second {
            vu: s.vu,
            labels: decode(s.labels)?,
        })
    }
}

/// A run's live state: the merged seconds and what each task reported about itself.
///
/// Only the last [`OPEN_SECONDS`] seconds are kept as histograms; older ones are kept compressed
/// (their stored form, a few hundred bytes) with their summary, so an hours-long run stays small.
#[derive(Debug, Default)]
pub struct Timeline {
    open: BTreeMap<i64, Second>,
    closed: BTreeMap<i64, (String, Value)>,
    newest: i64,
    /// Per task: first second seen, peak VUs, seconds reported, seconds at or above the CPU limit.
    pub tasks: BTreeMap<u32, TaskLive>,
}

/// Seconds this close to the newest one stay open for late frames without recompression.
pub const OPEN_SECONDS: i64 = 10;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskLive {
    pub first_second: i64,
    pub peak_vu: u32,
    pub seconds: u32,
    pub cpu_busy_seconds: u32,
}

/// CPU use at which a worker counts as saturated for that second.
pub const CPU_BUSY_PERCENT: f32 = 90.0;

impl Timeline {
    /// Merges `frame`; returns the summary of the merged second it touched.
    pub fn add(&mut self, frame: &LiveFrame) -> Result<Value, FrameError> {
        let t = self.tasks.entry(frame.task).or_insert(TaskLive {
            first_second: frame.second,
            ..TaskLive::default()
        });
        t.first_second = t.first_second.min(frame.second);
        t.peak_vu = t.peak_vu.max(frame.vu);
        t.seconds += 1;
        if frame.cpu.is_some_and(|c| c >= CPU_BUSY_PERCENT) {
            t.cpu_busy_seconds += 1;
        }
        let at = frame.second;
        let summary = match self.closed.remove(&at) {
            // A frame for a second already closed: reopen it, merge, close it again.
            Some((text, _)) => {
                let mut second = Second::from_stored(&text)?;
                second.add(frame);
                let summary = second.summary(at);
                self.closed
                    .insert(at, (second.to_stored()?, summary.clone()));
                summary
            }
            None => {
                let second = self.open.entry(at).or_default();
                second.add(frame);
                second.summary(at)
            }
        };
        self.newest = self.newest.max(at);
        let horizon = self.newest - OPEN_SECONDS;
        let keep = self.open.split_off(&horizon);
        for (s, second) in std::mem::replace(&mut self.open, keep) {
            self.closed
                .insert(s, (second.to_stored()?, second.summary(s)));
        }
        Ok(summary)
    }

    /// Every second's summary, in time order.
    pub fn summaries(&self) -> Vec<Value> {
        let mut all: Vec<(i64, Value)> = self
            .closed
            .iter()
            .map(|(s, (_, v))| (*s, v.clone()))
            .collect();
        all.extend(self.open.iter().map(|(s, second)| (*s, second.summary(*s))));
        all.sort_by_key(|(s, _)| *s);
        all.into_iter().map(|(_, v)| v).collect()
    }

    /// Every second in its stored form, in time order.
    pub fn stored(&self) -> Result<Vec<(i64, String)>, FrameError> {
        let mut all: Vec<(i64, String)> = self
            .closed
            .iter()
            .map(|(s, (t, _))| (*s, t.clone()))
            .collect();
        for (s, second) in &self.open {
            all.push((*s, second.to_stored()?));
        }
        all.sort_by_key(|(s, _)| *s);
        Ok(all)
    }

    /// Seconds kept as histograms right now (the rest are compressed).
    pub fn open_seconds(&self) -> usize {
        self.open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(name: &str, rt_us: &[u64]) -> LabelHist {
        let mut kpi = Kpi::default();
        for &us in rt_us {
            kpi.throughput += 1;
            kpi.succ += 1;
            kpi.bytes += 1;
            kpi.sum_rt_us += us;
            kpi.hist.record_us(us);
        }
        LabelHist {
            label: name.into(),
            kpi,
            concurrency: 1,
        }
    }

    fn frame(task: u32, second: i64, rt_us: u64) -> LiveFrame {
        LiveFrame {
            task,
            second,
            vu: 1,
            cpu: None,
            labels: vec![label("", &[rt_us])],
        }
    }

    #[test]
    fn old_seconds_are_compressed_and_late_frames_still_merge() {
        let mut t = Timeline::default();
        for s in 0..30 {
            t.add(&frame(0, s, 1000 + s as u64 * 1000)).unwrap();
        }
        assert_eq!(t.open_seconds(), OPEN_SECONDS as usize + 1);
        let late = t.add(&frame(1, 0, 3000)).unwrap();
        assert_eq!(
            (late["succ"].as_u64(), late["tasks"].as_u64()),
            (Some(2), Some(2))
        );
        assert_eq!(late["avgRt"], 2.0);
        assert_eq!(
            (late["p50"].as_f64(), late["p99"].as_f64()),
            (Some(1.0), Some(3.0))
        );
        let summaries = t.summaries();
        assert_eq!(summaries.len(), 30);
        assert_eq!(summaries[0], late);
        // The stored form gives back the same summaries.
        let back: Vec<Value> = t
            .stored()
            .unwrap()
            .iter()
            .map(|(s, text)| Second::from_stored(text).unwrap().summary(*s))
            .collect();
        assert_eq!(back, summaries);
        assert_eq!(t.tasks[&1].seconds, 1);
    }

    #[test]
    fn frames_round_trip_through_the_wire_label() {
        let f = LiveFrame {
            labels: vec![label("GET /", &[12_345, 2_049_999]), label("", &[12_345])],
            ..frame(3, 42, 0)
        };
        let text = f.to_json().unwrap();
        let back = LiveFrame::from_json(text.as_bytes()).unwrap();
        assert_eq!((back.task, back.second, back.vu), (3, 42, 1));
        assert_eq!(back.labels, f.labels);
        let wire: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            wire["labels"][0]["buckets"],
            json!([[12, 1], [2048, 1]]),
            "Taurus buckets by their lowest ms"
        );
        let bad = br#"{"task":0,"second":1,"vu":1,"labels":[{"label":"x","count":0,"succ":0,"fail":0,"bytes":0,"sum_rt":0,"sum_lt":0,"sum_ct":0,"concurrency":0,"buckets":[[5,1]]}]}"#;
        let err = LiveFrame::from_json(bad).unwrap_err().to_string();
        assert!(err.contains("label \"x\""), "{err}");
    }

    /// Merging seconds from several tasks gives the same KPI as counting everything in one.
    #[test]
    fn a_merged_second_is_the_kpi_of_all_its_samples() {
        let (a, b) = ([900, 1_500, 7_000], [2_100_000, 45_000]);
        let mut second = Second::default();
        for (task, rt) in [(0, &a[..]), (1, &b[..])] {
            second.add(&LiveFrame {
                labels: vec![label("", rt)],
                ..frame(task, 5, 0)
            });
        }
        let all: Vec<u64> = a.iter().chain(&b).copied().collect();
        assert_eq!(second.labels[0].kpi, label("", &all).kpi);
        assert_eq!(second.labels[0].concurrency, 2);
        assert_eq!(second.summary(5)["p95"], 2100.0);
    }
}
