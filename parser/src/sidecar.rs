//! The histogram sidecar: exact per-label statistics written next to a task's results XML, so that
//! merging tasks gives true percentiles and a correctly weighted average instead of DLT's averages
//! of per-task percentiles.
//!
//! # Format (version 1)
//!
//! A UTF-8 JSON file stored under the XML's key with `.xml` replaced by `.hist.json`
//! (`results/<testId>/<prefix>/<uuid>-<region>.hist.json`); DLT's parsers only take keys ending in
//! `.xml` (v1 S3 filter, v3+ region regex), so an unmodified DLT ignores it.
//!
//! ```json
//! {"format": "stampede-hist", "version": 1, "unit": "us",
//!  "labels": [
//!    {"label": "GET /", "count": 3, "succ": 3, "fail": 0, "bytes": 300,
//!     "sum_rt": 3600, "sum_lt": 3000, "sum_ct": 900, "concurrency": 2,
//!     "hist": "HISTFAAAAB..."},
//!    {"label": "", ...}]}
//! ```
//!
//! * `labels`: one entry per label plus the overall entry `""`, any order, each label at most once.
//! * `count`, `succ`, `fail`, `bytes`: exact sample, success, failure and received-byte counts.
//! * `sum_rt`, `sum_lt`, `sum_ct`: exact sums of response, latency and connect times in `unit`
//!   (integer microseconds), so the merged average is `Σsum_rt / Σcount`, not a mean of means.
//! * `concurrency`: the task's peak number of virtual users (summed across tasks when merged).
//! * `hist`: the response-time HdrHistogram (values in `unit`) in HdrHistogram's compressed V2
//!   encoding (`V2DeflateSerializer`, cookie `0x1c849314`), base64 (standard alphabet, padded): the
//!   same bytes Java's `HistogramLogWriter` writes, so any HdrHistogram implementation can read it.
//!
//! Readers reject unknown `format`, a `version` they do not know and any `unit` other than `us`.

use std::collections::HashSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hdrhistogram::Histogram;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde::{Deserialize, Serialize};

const FORMAT: &str = "stampede-hist";
const VERSION: u32 = 1;
const UNIT: &str = "us";

/// The exact counters kept per label next to its histogram. Times are integer microseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sums {
    pub count: u64,
    pub succ: u64,
    pub fail: u64,
    pub bytes: u64,
    pub sum_rt: u64,
    pub sum_lt: u64,
    pub sum_ct: u64,
    pub concurrency: u64,
}

impl std::ops::AddAssign for Sums {
    fn add_assign(&mut self, o: Sums) {
        self.count += o.count;
        self.succ += o.succ;
        self.fail += o.fail;
        self.bytes += o.bytes;
        self.sum_rt += o.sum_rt;
        self.sum_lt += o.sum_lt;
        self.sum_ct += o.sum_ct;
        self.concurrency += o.concurrency;
    }
}

/// One label's exact statistics.
#[derive(Clone, Debug)]
pub struct LabelHist {
    /// `""` is the overall entry.
    pub label: String,
    pub sums: Sums,
    /// Response times in microseconds.
    pub hist: Histogram<u64>,
}

/// One task's sidecar.
#[derive(Clone, Debug, Default)]
pub struct Sidecar {
    pub labels: Vec<LabelHist>,
}

#[derive(Debug, thiserror::Error)]
pub enum SidecarError {
    #[error("sidecar is not valid JSON of the stampede-hist format: {0}")]
    Json(#[from] serde_json::Error),
    #[error(
        "sidecar format {format:?} version {version} unit {unit:?} is not stampede-hist v1 in us"
    )]
    Unsupported {
        format: String,
        version: u32,
        unit: String,
    },
    #[error("sidecar label {label:?}: histogram is not base64: {source}")]
    Base64 {
        label: String,
        source: base64::DecodeError,
    },
    #[error("sidecar label {label:?}: histogram is not a compressed V2 HdrHistogram: {reason}")]
    Histogram { label: String, reason: String },
    #[error("sidecar label {label:?} appears twice")]
    DuplicateLabel { label: String },
    #[error("sidecar label {label:?}: histograms do not merge: {reason}")]
    Merge { label: String, reason: String },
}

#[derive(Serialize, Deserialize)]
struct FileJson {
    format: String,
    version: u32,
    unit: String,
    labels: Vec<EntryJson>,
}

#[derive(Serialize, Deserialize)]
struct EntryJson {
    label: String,
    #[serde(flatten)]
    sums: Sums,
    hist: String,
}

/// Serialises a task's histograms: `(label, histogram in microseconds, sums)` per label, `""` for the
/// overall entry. This is the function the executor calls when it writes the results XML.
pub fn to_string(entries: &[(&str, &Histogram<u64>, &Sums)]) -> Result<String, SidecarError> {
    let mut labels = Vec::with_capacity(entries.len());
    let mut seen = HashSet::new();
    for (label, hist, sums) in entries {
        if !seen.insert(*label) {
            return Err(SidecarError::DuplicateLabel {
                label: (*label).into(),
            });
        }
        let mut bytes = Vec::new();
        V2DeflateSerializer::new()
            .serialize(hist, &mut bytes)
            .map_err(|e| SidecarError::Histogram {
                label: (*label).into(),
                reason: format!("{e:?}"),
            })?;
        labels.push(EntryJson {
            label: (*label).into(),
            sums: **sums,
            hist: STANDARD.encode(bytes),
        });
    }
    let file = FileJson {
        format: FORMAT.into(),
        version: VERSION,
        unit: UNIT.into(),
        labels,
    };
    Ok(serde_json::to_string(&file)?)
}

/// Reads a sidecar written by [`to_string`] (or any writer of the documented format).
pub fn from_str(text: &str) -> Result<Sidecar, SidecarError> {
    let file: FileJson = serde_json::from_str(text)?;
    if file.format != FORMAT || file.version != VERSION || file.unit != UNIT {
        return Err(SidecarError::Unsupported {
            format: file.format,
            version: file.version,
            unit: file.unit,
        });
    }
    let mut seen = HashSet::new();
    let mut labels = Vec::with_capacity(file.labels.len());
    for e in file.labels {
        if !seen.insert(e.label.clone()) {
            return Err(SidecarError::DuplicateLabel { label: e.label });
        }
        let bytes = STANDARD
            .decode(e.hist.as_bytes())
            .map_err(|source| SidecarError::Base64 {
                label: e.label.clone(),
                source,
            })?;
        let hist: Histogram<u64> = Deserializer::new()
            .deserialize(&mut bytes.as_slice())
            .map_err(|err| SidecarError::Histogram {
                label: e.label.clone(),
                reason: format!("{err:?}"),
            })?;
        labels.push(LabelHist {
            label: e.label,
            sums: e.sums,
            hist,
        });
    }
    Ok(Sidecar { labels })
}

/// The microsecond HdrHistogram of a Taurus-layout [`crate::hist::Histogram`] (whole milliseconds):
/// every bucket's count at its lowest value, as Taurus reports it. For an executor whose per-label
/// histograms are `parser::hist::Histogram`s.
pub fn from_taurus(h: &crate::hist::Histogram) -> Histogram<u64> {
    let mut out = Histogram::<u64>::new(3).expect("3 significant digits is a valid precision");
    for (lowest_ms, _, count) in h.buckets() {
        out.record_n(lowest_ms.saturating_mul(1000), count)
            .expect("auto-resizing histograms accept any value");
    }
    out
}

/// The sidecar's object key for a results XML key: `….xml` → `….hist.json`.
pub fn key_for_xml(xml_key: &str) -> String {
    let stem = xml_key.strip_suffix(".xml").unwrap_or(xml_key);
    format!("{stem}.hist.json")
}

/// Merges several tasks' sidecars label by label (overall entry included), labels in first-seen order.
pub fn merge<'a>(sidecars: impl IntoIterator<Item = &'a Sidecar>) -> Result<Sidecar, SidecarError> {
    let mut out: Vec<LabelHist> = Vec::new();
    for sc in sidecars {
        for lh in &sc.labels {
            match out.iter_mut().find(|o| o.label == lh.label) {
                Some(acc) => {
                    acc.sums += lh.sums;
                    acc.hist.add(&lh.hist).map_err(|e| SidecarError::Merge {
                        label: lh.label.clone(),
                        reason: format!("{e:?}"),
                    })?;
                }
                None => {
                    // An auto-resizing copy, so later histograms with larger values still merge.
                    let mut hist = Histogram::<u64>::new(lh.hist.sigfig()).map_err(|e| {
                        SidecarError::Merge {
                            label: lh.label.clone(),
                            reason: format!("{e:?}"),
                        }
                    })?;
                    hist.add(&lh.hist).map_err(|e| SidecarError::Merge {
                        label: lh.label.clone(),
                        reason: format!("{e:?}"),
                    })?;
                    out.push(LabelHist {
                        label: lh.label.clone(),
                        sums: lh.sums,
                        hist,
                    });
                }
            }
        }
    }
    Ok(Sidecar { labels: out })
}

impl Sidecar {
    pub fn label(&self, label: &str) -> Option<&LabelHist> {
        self.labels.iter().find(|l| l.label == label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hist(values: &[u64]) -> Histogram<u64> {
        let mut h = Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).unwrap();
        for v in values {
            h.record(*v).unwrap();
        }
        h
    }

    #[test]
    fn round_trips_and_merges_exactly() {
        let a = hist(&[1000, 2000, 3000]);
        let sums = Sums {
            count: 3,
            succ: 3,
            sum_rt: 6000,
            concurrency: 2,
            ..Sums::default()
        };
        let text = to_string(&[("GET /", &a, &sums), ("", &a, &sums)]).unwrap();
        let sc = from_str(&text).unwrap();
        assert_eq!(sc.labels.len(), 2);
        assert_eq!(sc.label("GET /").unwrap().hist, a);
        assert_eq!(sc.label("").unwrap().sums, sums);
        let merged = merge([&sc, &sc]).unwrap();
        let all = merged.label("").unwrap();
        assert_eq!(all.hist.len(), 6);
        assert_eq!(all.sums.sum_rt, 12000);
        assert_eq!(all.sums.concurrency, 4);
    }

    #[test]
    fn rejects_bad_input_with_the_label() {
        assert!(matches!(from_str("{"), Err(SidecarError::Json(_))));
        let other = r#"{"format":"x","version":1,"unit":"us","labels":[]}"#;
        assert!(matches!(
            from_str(other),
            Err(SidecarError::Unsupported { .. })
        ));
        let bad = r#"{"format":"stampede-hist","version":1,"unit":"us","labels":[{"label":"a","count":0,"succ":0,"fail":0,"bytes":0,"sum_rt":0,"sum_lt":0,"sum_ct":0,"concurrency":0,"hist":"!!"}]}"#;
        let err = from_str(bad).unwrap_err().to_string();
        assert!(err.contains("\"a\""), "{err}");
        let h = hist(&[1]);
        let s = Sums::default();
        assert!(to_string(&[("x", &h, &s), ("x", &h, &s)]).is_err());
    }

    #[test]
    fn taurus_histograms_convert_at_bucket_lowest_values() {
        let mut t = crate::hist::Histogram::default();
        for ms in [57, 62, 63, 6479] {
            t.record_ms(ms);
        }
        let h = from_taurus(&t);
        assert_eq!(h.len(), 4);
        assert_eq!(
            h.count_at(6_476_000),
            1,
            "6479 ms sits in Taurus's 4-ms bucket from 6476"
        );
        assert!(h.equivalent(h.min(), 57_000));
    }

    #[test]
    fn key_replaces_the_xml_suffix() {
        assert_eq!(
            key_for_xml("results/t/p/u-us-east-1.xml"),
            "results/t/p/u-us-east-1.hist.json"
        );
    }
}
