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
//!
//! One label entry is also a unit of its own: [`LabelEntry`] is its serde form, and the hub's live
//! frames carry the same entries, so there is one label codec.
//!
//! In memory a label is a [`stampede_kpi::Kpi`], whose histogram has Taurus's millisecond layout:
//! the writer records each bucket's count at its lowest value in microseconds, and the reader puts
//! each HdrHistogram bucket back into the Taurus bucket whose lowest value it holds (a bucket that
//! holds none, as another writer's may, at its lowest value truncated to the millisecond, as Taurus
//! truncates).

use std::collections::HashSet;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hdrhistogram::serialization::{Deserializer, Serializer, V2DeflateSerializer};
use serde::{Deserialize, Serialize};
use stampede_kpi::hist::{bucket_index, bucket_lowest};
use stampede_kpi::{Histogram, Kpi};

const FORMAT: &str = "stampede-hist";
const VERSION: u32 = 1;
const UNIT: &str = "us";

/// One label's exact statistics.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelHist {
    /// `""` is the overall entry.
    pub label: String,
    pub kpi: Kpi,
    /// The task's peak number of virtual users; tasks run in parallel, so merging sums it.
    pub concurrency: u64,
}

/// One task's sidecar, or the merge of several.
#[derive(Clone, Debug, Default, PartialEq)]
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
}

#[derive(Serialize, Deserialize)]
struct FileJson {
    format: String,
    version: u32,
    unit: String,
    labels: Vec<LabelEntry>,
}

/// One label as the file spells it (field order is the documented one). Build it with
/// [`LabelEntry::encode`], read it back with [`LabelEntry::decode`].
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct LabelEntry {
    label: String,
    count: u64,
    succ: u64,
    fail: u64,
    bytes: u64,
    sum_rt: u64,
    sum_lt: u64,
    sum_ct: u64,
    concurrency: u64,
    hist: String,
}

/// Serialises a task's labels: `(label, kpi, peak concurrency)` each, `""` for the overall entry.
/// This is what the final-stats reporter writes next to the results XML.
pub fn to_string<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a Kpi, u64)>,
) -> Result<String, SidecarError> {
    let mut labels = Vec::new();
    let mut seen = HashSet::new();
    for (label, kpi, concurrency) in entries {
        if !seen.insert(label) {
            return Err(SidecarError::DuplicateLabel {
                label: label.into(),
            });
        }
        labels.push(LabelEntry::encode(label, kpi, concurrency)?);
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
        labels.push(e.decode()?);
    }
    Ok(Sidecar { labels })
}

impl LabelEntry {
    /// One label's entry: `kpi` with its histogram in the documented HdrHistogram encoding.
    pub fn encode(label: &str, kpi: &Kpi, concurrency: u64) -> Result<Self, SidecarError> {
        let mut bytes = Vec::new();
        V2DeflateSerializer::new()
            .serialize(&to_hdr(&kpi.hist), &mut bytes)
            .map_err(|e| SidecarError::Histogram {
                label: label.into(),
                reason: format!("{e:?}"),
            })?;
        Ok(LabelEntry {
            label: label.into(),
            count: kpi.throughput,
            succ: kpi.succ,
            fail: kpi.fail,
            bytes: kpi.bytes,
            sum_rt: kpi.sum_rt_us,
            sum_lt: kpi.sum_lt_us,
            sum_ct: kpi.sum_ct_us,
            concurrency,
            hist: STANDARD.encode(bytes),
        })
    }

    /// The entry's label and exact KPIs; a histogram that does not decode names the label.
    pub fn decode(self) -> Result<LabelHist, SidecarError> {
        let hist = read_hist(&self.label, &self.hist)?;
        Ok(LabelHist {
            kpi: Kpi {
                throughput: self.count,
                succ: self.succ,
                fail: self.fail,
                bytes: self.bytes,
                sum_rt_us: self.sum_rt,
                sum_lt_us: self.sum_lt,
                sum_ct_us: self.sum_ct,
                hist,
            },
            concurrency: self.concurrency,
            label: self.label,
        })
    }
}

fn read_hist(label: &str, base64: &str) -> Result<Histogram, SidecarError> {
    let bytes = STANDARD
        .decode(base64.as_bytes())
        .map_err(|source| SidecarError::Base64 {
            label: label.into(),
            source,
        })?;
    let hdr: hdrhistogram::Histogram<u64> = Deserializer::new()
        .deserialize(&mut bytes.as_slice())
        .map_err(|err| SidecarError::Histogram {
            label: label.into(),
            reason: format!("{err:?}"),
        })?;
    Ok(from_hdr(&hdr))
}

/// The microsecond HdrHistogram of a Taurus-layout histogram: every bucket's count at its lowest
/// value, the value Taurus reports for it.
fn to_hdr(h: &Histogram) -> hdrhistogram::Histogram<u64> {
    let mut out =
        hdrhistogram::Histogram::<u64>::new(3).expect("3 significant digits is a valid precision");
    for (lowest_ms, _, count) in h.buckets() {
        out.record_n(lowest_ms.saturating_mul(1000), count)
            .expect("auto-resizing histograms accept any value");
    }
    out
}

/// The Taurus-layout histogram of a microsecond HdrHistogram: each bucket goes to the first Taurus
/// bucket whose lowest value (what [`to_hdr`] writes) it holds, else to its lowest value truncated
/// to the millisecond, as Taurus truncates. Above about 1 s a microsecond bucket can hold two Taurus
/// values (it is up to 1024/1000 as wide); both then read as the lower.
fn from_hdr(hdr: &hdrhistogram::Histogram<u64>) -> Histogram {
    let mut out = Histogram::default();
    for v in hdr.iter_recorded() {
        let highest = v.value_iterated_to();
        let lowest = hdr.lowest_equivalent(highest);
        let from = lowest.div_ceil(1000);
        let mut index = bucket_index(from);
        if bucket_lowest(index) < from {
            index += 1;
        }
        let candidate = bucket_lowest(index);
        let ms = if candidate.saturating_mul(1000) <= highest {
            candidate
        } else {
            lowest / 1000
        };
        out.record_n(ms, v.count_at_value());
    }
    out
}

/// The sidecar's object key for a results XML key: `….xml` → `….hist.json`.
pub fn key_for_xml(xml_key: &str) -> String {
    let stem = xml_key.strip_suffix(".xml").unwrap_or(xml_key);
    format!("{stem}.hist.json")
}

/// Merges several tasks' sidecars label by label (overall entry included), labels in first-seen
/// order: KPIs add, concurrency sums the tasks' peaks.
pub fn merge<'a>(sidecars: impl IntoIterator<Item = &'a Sidecar>) -> Sidecar {
    let mut out: Vec<LabelHist> = Vec::new();
    for lh in sidecars.into_iter().flat_map(|sc| &sc.labels) {
        match out.iter_mut().find(|o| o.label == lh.label) {
            Some(acc) => {
                acc.kpi += &lh.kpi;
                acc.concurrency = acc.concurrency.saturating_add(lh.concurrency);
            }
            None => out.push(lh.clone()),
        }
    }
    Sidecar { labels: out }
}

impl Sidecar {
    pub fn label(&self, label: &str) -> Option<&LabelHist> {
        self.labels.iter().find(|l| l.label == label)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kpi(ms: &[u64]) -> Kpi {
        let mut k = Kpi::default();
        for &v in ms {
            k.throughput += 1;
            k.succ += 1;
            k.sum_rt_us += v * 1000;
            k.hist.record_ms(v);
        }
        k
    }

    #[test]
    fn round_trips_and_merges_exactly() {
        let a = kpi(&[1, 2, 3]);
        let text = to_string([("GET /", &a, 2), ("", &a, 2)]).unwrap();
        let sc = from_str(&text).unwrap();
        assert_eq!(sc.labels.len(), 2);
        assert_eq!(sc.label("GET /").unwrap().kpi, a);
        assert_eq!(sc.label("").unwrap().concurrency, 2);
        let merged = merge([&sc, &sc]);
        let all = merged.label("").unwrap();
        assert_eq!(all.kpi.hist.total(), 6);
        assert_eq!(all.kpi.sum_rt_us, 12000);
        assert_eq!(all.concurrency, 4);
    }

    /// Every Taurus bucket below 1 s, the 2- and 4-ms buckets above 2 s and a 1-hour value come
    /// back where they were written.
    #[test]
    fn taurus_buckets_survive_the_microsecond_encoding() {
        let ms: Vec<u64> = (0..1000)
            .chain([2049, 2050, 6479, 9000, 3_600_000])
            .collect();
        let written = kpi(&ms);
        let text = to_string([("", &written, 1)]).unwrap();
        let read = from_str(&text).unwrap();
        assert_eq!(read.labels[0].kpi.hist, written.hist);
    }

    /// Another HdrHistogram writer's microseconds are truncated to milliseconds, as Taurus does.
    #[test]
    fn any_writers_microseconds_read_as_taurus_milliseconds() {
        let mut hdr = hdrhistogram::Histogram::<u64>::new_with_bounds(1, 3_600_000_000, 3).unwrap();
        for us in [400, 1_234, 1_999, 57_000] {
            hdr.record(us).unwrap();
        }
        let mut bytes = Vec::new();
        V2DeflateSerializer::new()
            .serialize(&hdr, &mut bytes)
            .unwrap();
        let text = format!(
            r#"{{"format":"stampede-hist","version":1,"unit":"us","labels":[{{"label":"","count":4,"succ":4,"fail":0,"bytes":0,"sum_rt":60633,"sum_lt":0,"sum_ct":0,"concurrency":1,"hist":"{}"}}]}}"#,
            STANDARD.encode(bytes)
        );
        let got: Vec<(u64, u64, u64)> = from_str(&text).unwrap().labels[0]
            .kpi
            .hist
            .buckets()
            .collect();
        assert_eq!(got, [(0, 1, 1), (1, 1, 2), (57, 1, 1)]);
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
        let k = kpi(&[1]);
        assert!(to_string([("x", &k, 0), ("x", &k, 0)]).is_err());
    }

    #[test]
    fn key_replaces_the_xml_suffix() {
        assert_eq!(
            key_for_xml("results/t/p/u-us-east-1.xml"),
            "results/t/p/u-us-east-1.hist.json"
        );
    }
}
