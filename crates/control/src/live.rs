//! Live data: each task sends one [`LiveFrame`] per second (counts plus an HDR histogram per label);
//! the hub merges the frames of all tasks exactly, second by second, into a [`Timeline`].
//!
//! This is the one small type the executor's shared KPI type will later replace. On the wire a
//! frame is JSON, histograms in HdrHistogram's compressed V2 encoding, base64, as in the sidecar:
//!
//! ```json
//! {"task": 0, "second": 1767225600, "vu": 10, "cpu": 37.5,
//!  "labels": [{"label": "", "succ": 98, "fail": 2, "bytes": 51200, "sumRtUs": 1234567,
//!              "hist": "HISTFAAAA…"}]}
//! ```

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// One label's counts for one second of one task. `""` is the overall entry.
#[derive(Clone, Debug)]
pub struct LiveLabel {
    pub label: String,
    pub succ: u64,
    pub fail: u64,
    pub bytes: u64,
    /// Σ response time in microseconds, so the merged average is exact.
    pub sum_rt_us: u64,
    /// Response times in microseconds.
    pub hist: Histogram<u64>,
}

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
    pub labels: Vec<LiveLabel>,
}

#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    #[error("live frame is not valid JSON of the documented shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "live frame label {label:?}: hist is not a base64 compressed V2 HdrHistogram: {reason}"
    )]
    Hist { label: String, reason: String },
    #[error("live frame label {label:?}: {reason}")]
    Merge { label: String, reason: String },
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireLabel {
    label: String,
    succ: u64,
    fail: u64,
    bytes: u64,
    sum_rt_us: u64,
    hist: String,
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

pub fn encode_hist(h: &Histogram<u64>) -> String {
    let mut bytes = Vec::new();
    V2DeflateSerializer::new()
        .serialize(h, &mut bytes)
        .expect("serialising an in-memory histogram into a Vec cannot fail");
    STANDARD.encode(bytes)
}

pub fn decode_hist(label: &str, text: &str) -> Result<Histogram<u64>, FrameError> {
    let err = |reason: String| FrameError::Hist {
        label: label.into(),
        reason,
    };
    let bytes = STANDARD.decode(text).map_err(|e| err(e.to_string()))?;
    let decoded: Histogram<u64> = Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|e| err(format!("{e:?}")))?;
    // Decoded histograms have a fixed range; merging into one needs an auto-resizing copy.
    let mut hist = new_hist();
    hist.add(&decoded).map_err(|e| err(format!("{e:?}")))?;
    Ok(hist)
}

/// An empty auto-resizing microsecond histogram with 3 significant digits.
pub fn new_hist() -> Histogram<u64> {
    Histogram::new(3).expect("3 significant digits is a valid precision")
}

impl LiveFrame {
    pub fn from_json(text: &[u8]) -> Result<Self, FrameError> {
        let wire: WireFrame = serde_json::from_slice(text)?;
        let labels = wire
            .labels
            .into_iter()
            .map(|l| {
                Ok(LiveLabel {
                    hist: decode_hist(&l.label, &l.hist)?,
                    label: l.label,
                    succ: l.succ,
                    fail: l.fail,
                    bytes: l.bytes,
                    sum_rt_us: l.sum_rt_us,
                })
            })
            .collect::<Result<_, FrameError>>()?;
        Ok(LiveFrame {
            task: wire.task,
            second: wire.second,
            vu: wire.vu,
            cpu: wire.cpu,
            labels,
        })
    }

    pub fn to_json(&self) -> String {
        let wire = WireFrame {
            task: self.task,
            second: self.second,
            vu: self.vu,
            cpu: self.cpu,
            labels: self.labels.iter().map(LiveLabel::to_wire).collect(),
        };
        serde_json::to_string(&wire).expect("frames are plain JSON")
    }
}

impl LiveLabel {
    fn to_wire(&self) -> WireLabel {
        WireLabel {
            label: self.label.clone(),
            succ: self.succ,
            fail: self.fail,
            bytes: self.bytes,
            sum_rt_us: self.sum_rt_us,
            hist: encode_hist(&self.hist),
        }
    }

    fn add(&mut self, other: &LiveLabel) -> Result<(), FrameError> {
        self.succ += other.succ;
        self.fail += other.fail;
        self.bytes += other.bytes;
        self.sum_rt_us += other.sum_rt_us;
        self.hist.add(&other.hist).map_err(|e| FrameError::Merge {
            label: other.label.clone(),
            reason: format!("{e:?}"),
        })
    }

    fn empty(label: &str) -> Self {
        LiveLabel {
            label: label.into(),
            succ: 0,
            fail: 0,
            bytes: 0,
            sum_rt_us: 0,
            hist: new_hist(),
        }
    }
}

/// One second merged across tasks.
#[derive(Clone, Debug, Default)]
pub struct Second {
    /// Each task's virtual users (the highest it reported for this second).
    pub vu: BTreeMap<u32, u32>,
    pub labels: Vec<LiveLabel>,
}

impl Second {
    pub fn add(&mut self, frame: &LiveFrame) -> Result<(), FrameError> {
        let vu = self.vu.entry(frame.task).or_insert(0);
        *vu = (*vu).max(frame.vu);
        for l in &frame.labels {
            let i = match self.labels.iter().position(|m| m.label == l.label) {
                Some(i) => i,
                None => {
                    self.labels.push(LiveLabel::empty(&l.label));
                    self.labels.len() - 1
                }
            };
            self.labels[i].add(l)?;
        }
        Ok(())
    }

    /// The summary the console charts: the overall entry's numbers, times in ms.
    pub fn summary(&self, second: i64) -> Value {
        let all = self.labels.iter().find(|l| l.label.is_empty());
        let (succ, fail, avg, p) = match all {
            Some(l) => {
                let n = l.succ + l.fail;
                let avg = if n == 0 {
                    0.0
                } else {
                    l.sum_rt_us as f64 / n as f64 / 1000.0
                };
                // A bucket's lowest value, as Taurus and the exact results report it.
                let q = |level: f64| {
                    l.hist.lowest_equivalent(l.hist.value_at_quantile(level)) as f64 / 1000.0
                };
                (l.succ, l.fail, avg, [q(0.5), q(0.95), q(0.99)])
            }
            None => (0, 0, 0.0, [0.0; 3]),
        };
        json!({
            "timestamp": second * 1000,
            "vu": self.vu.values().map(|v| u64::from(*v)).sum::<u64>(),
            "tasks": self.vu.len(),
            "succ": succ,
            "fail": fail,
            "avgRt": avg,
            "p50": p[0], "p95": p[1], "p99": p[2],
        })
    }

    /// The stored form: every label's counts and histogram, exact.
    pub fn to_stored(&self) -> String {
        let labels: Vec<WireLabel> = self.labels.iter().map(LiveLabel::to_wire).collect();
        serde_json::to_string(&json!({"vu": self.vu, "labels": labels})).expect("plain JSON")
    }

    pub fn from_stored(text: &str) -> Result<Self, FrameError> {
        #[derive(Deserialize)]
        struct Stored {
            vu: BTreeMap<u32, u32>,
            labels: Vec<WireLabel>,
        }
        let s: Stored = serde_json::from_str(text)?;
        let labels = s
            .labels
            .into_iter()
            .map(|l| {
                Ok(LiveLabel {
                    hist: decode_hist(&l.label, &l.hist)?,
                    label: l.label,
                    succ: l.succ,
                    fail: l.fail,
                    bytes: l.bytes,
                    sum_rt_us: l.sum_rt_us,
                })
            })
            .collect::<Result<_, FrameError>>()?;
        Ok(Second { vu: s.vu, labels })
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
                second.add(frame)?;
                let summary = second.summary(at);
                self.closed
                    .insert(at, (second.to_stored(), summary.clone()));
                summary
            }
            None => {
                let second = self.open.entry(at).or_default();
                second.add(frame)?;
                second.summary(at)
            }
        };
        self.newest = self.newest.max(at);
        let horizon = self.newest - OPEN_SECONDS;
        let keep = self.open.split_off(&horizon);
        for (s, second) in std::mem::replace(&mut self.open, keep) {
            self.closed
                .insert(s, (second.to_stored(), second.summary(s)));
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
    pub fn stored(&self) -> Vec<(i64, String)> {
        let mut all: Vec<(i64, String)> = self
            .closed
            .iter()
            .map(|(s, (t, _))| (*s, t.clone()))
            .collect();
        all.extend(self.open.iter().map(|(s, second)| (*s, second.to_stored())));
        all.sort_by_key(|(s, _)| *s);
        all
    }

    /// Seconds kept as histograms right now (the rest are compressed).
    pub fn open_seconds(&self) -> usize {
        self.open.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(task: u32, second: i64, rt_us: u64) -> LiveFrame {
        let mut hist = new_hist();
        hist.record(rt_us).unwrap();
        let label = LiveLabel {
            label: String::new(),
            succ: 1,
            fail: 0,
            bytes: 1,
            sum_rt_us: rt_us,
            hist,
        };
        LiveFrame {
            task,
            second,
            vu: 1,
            cpu: None,
            labels: vec![label],
        }
    }

    #[test]
    fn old_seconds_are_compressed_and_late_frames_still_merge() {
        let mut t = Timeline::default();
        for s in 0..30 {
            t.add(&frame(0, s, 1000 + s as u64)).unwrap();
        }
        assert_eq!(t.open_seconds(), OPEN_SECONDS as usize + 1);
        let late = t.add(&frame(1, 0, 3000)).unwrap();
        assert_eq!(
            (late["succ"].as_u64(), late["tasks"].as_u64()),
            (Some(2), Some(2))
        );
        assert_eq!(late["avgRt"], 2.0);
        let summaries = t.summaries();
        assert_eq!(summaries.len(), 30);
        assert_eq!(summaries[0], late);
        // The stored form gives back the same summaries.
        let back: Vec<Value> = t
            .stored()
            .iter()
            .map(|(s, text)| Second::from_stored(text).unwrap().summary(*s))
            .collect();
        assert_eq!(back, summaries);
        assert_eq!(t.tasks[&1].seconds, 1);
    }

    #[test]
    fn frames_round_trip_through_their_wire_form() {
        let f = frame(3, 42, 12_345);
        let back = LiveFrame::from_json(f.to_json().as_bytes()).unwrap();
        assert_eq!((back.task, back.second, back.vu), (3, 42, 1));
        assert_eq!(back.labels[0].hist, f.labels[0].hist);
        let bad = br#"{"task":0,"second":1,"vu":1,"labels":[{"label":"x","succ":0,"fail":0,"bytes":0,"sumRtUs":0,"hist":"bm90IGEgaGlzdA=="}]}"#;
        let err = LiveFrame::from_json(bad).unwrap_err().to_string();
        assert!(err.contains("label \"x\""), "{err}");
    }
}
