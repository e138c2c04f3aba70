//! Taurus-exact aggregation (Taurus's `ConsolidatingAggregator`): samples are buffered by start second; a
//! second is turned into per-label [`KpiSet`]s plus the overall set (label `""`) once the buffer spans
//! `buffer_len` seconds, and every emitted second is merged into the cumulative sets that the final
//! reports print. Memory is bounded: per-second sets live only while buffered, and labels and error
//! messages are folded once their variety passes the configured limits.

mod errors;
mod fold;
mod kpiset;
pub mod merged;

pub use errors::{ErrorsBuffer, LabelErrors};
pub use fold::Folder;
pub use kpiset::{ErrorItem, KpiSet, level_str, rc_str, secs};
pub use stampede_config::AggregatorSettings;

use indexmap::IndexMap;
use stampede_kpi::Sample;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Per-label sets keyed by label in Taurus's insertion order.
pub type LabelSets = IndexMap<Arc<str>, KpiSet>;

/// One aggregated second (Taurus's datapoint).
#[derive(Clone, Debug, Default)]
pub struct Datapoint {
    /// Epoch second.
    pub ts: u64,
    /// This second's sets: the labels in first-seen order, then `""`.
    pub current: LabelSets,
    overall: KpiSet,
}

impl Datapoint {
    /// A second made elsewhere (e.g. merged across a hub run's tasks); `current` holds the labels.
    pub fn new(ts: u64, current: LabelSets, overall: KpiSet) -> Self {
        Datapoint {
            ts,
            current,
            overall,
        }
    }

    /// This second's overall (label `""`) set.
    pub fn overall(&self) -> &KpiSet {
        &self.overall
    }
    /// This second's set for one label (`""` is the overall set).
    pub fn label(&self, label: &str) -> Option<&KpiSet> {
        if label.is_empty() {
            Some(&self.overall)
        } else {
            self.current.get(label)
        }
    }
}

/// The final cumulative state handed to reporters.
#[derive(Debug, Default, Clone)]
pub struct Summary {
    /// Cumulative sets in Taurus's order (the first second's labels, then `""`, then later labels).
    /// Empty when no second was aggregated (or all were excluded as ramp-up).
    pub cumulative: LabelSets,
    /// First and last aggregated seconds (epoch).
    pub first_ts: Option<u64>,
    pub last_ts: Option<u64>,
    /// Tracked percentile levels, ascending.
    pub percentiles: Vec<f64>,
    /// Wall clock of the test's start and end, epoch seconds (console `Test duration`).
    pub started: f64,
    pub ended: f64,
}

impl Summary {
    /// Whether any datapoint was produced; Taurus writes no XML/CSV otherwise and the run fails
    /// with "empty results".
    pub fn is_empty(&self) -> bool {
        self.first_ts.is_none()
    }
    /// The cumulative overall set, if any.
    pub fn overall(&self) -> Option<&KpiSet> {
        self.cumulative.get("")
    }
    /// The labelled sets (without the overall `""`), sorted by label as Taurus's tables list them.
    pub fn sorted_labels(&self) -> Vec<(&str, &KpiSet)> {
        let mut labels: Vec<(&str, &KpiSet)> = self
            .cumulative
            .iter()
            .filter(|(l, _)| !l.is_empty())
            .map(|(l, s)| (&**l, s))
            .collect();
        labels.sort_by(|a, b| a.0.cmp(b.0));
        labels
    }
    /// `<TestDuration>`: Python `str(round(float(last - first), 3))`.
    pub fn test_duration(&self) -> Option<String> {
        let (f, l) = (self.first_ts?, self.last_ts?);
        Some(parser::write::python_float_str(l.saturating_sub(f) as f64))
    }
    /// The results model Taurus's `dump-xml` writes.
    pub fn to_final_status(&self) -> parser::FinalStatus {
        parser::FinalStatus {
            test_duration: self.test_duration(),
            report_url: None,
            groups: self.cumulative.iter().map(|(l, s)| s.to_group(l)).collect(),
            extra: Vec::new(),
        }
    }
}

/// One buffered second: per-label sets built incrementally in arrival order.
#[derive(Debug, Default)]
struct Second {
    labels: LabelSets,
}

/// Consumes samples, emits one datapoint per completed second.
#[derive(Debug)]
pub struct Aggregator {
    settings: AggregatorSettings,
    buffer: BTreeMap<u64, Second>,
    /// Samples older than this are moved into the oldest open second (Taurus `min_timestamp`).
    min_ts: u64,
    buffer_len: u64,
    cumulative: LabelSets,
    cumulative_overall: KpiSet,
    first_ts: Option<u64>,
    last_ts: Option<u64>,
    exclude_before: Option<u64>,
    labels: Folder,
    errors: Folder,
    /// Error details from an `error.jtl`, replacing the samples' own messages when present.
    error_details: Option<ErrorsBuffer>,
    warnings: Vec<String>,
    /// The text of each response code and failure message seen, made once (see [`Aggregator::add`]).
    texts: Texts,
    started: f64,
}

impl Default for Aggregator {
    fn default() -> Self {
        Self::new(AggregatorSettings::default())
    }
}

fn now_epoch() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

impl Aggregator {
    pub fn new(settings: AggregatorSettings) -> Self {
        Self {
            buffer: BTreeMap::new(),
            min_ts: 0,
            buffer_len: settings.min_buffer_len,
            cumulative: LabelSets::new(),
            cumulative_overall: KpiSet::default(),
            first_ts: None,
            last_ts: None,
            exclude_before: None,
            labels: Folder::new(settings.generalize_labels),
            errors: Folder::new(settings.max_error_variety),
            error_details: None,
            warnings: Vec::new(),
            texts: Texts::default(),
            started: now_epoch(),
            settings,
        }
    }

    /// Uses error details from an error file (JTL replay): each datapoint's label error lists are
    /// replaced by the details buffered up to its second, as Taurus's `JTLReader` does.
    pub fn set_error_details(&mut self, details: ErrorsBuffer) {
        self.error_details = Some(details);
    }

    pub fn settings(&self) -> &AggregatorSettings {
        &self.settings
    }

    pub fn add(&mut self, sample: &Sample) {
        if self
            .settings
            .ignore_labels
            .iter()
            .any(|p| sample.label.starts_with(p.as_str()))
        {
            return;
        }
        let ts = (sample.start_ms / 1000).max(self.min_ts);
        let label = if sample.label.is_empty() {
            Arc::from("[empty]")
        } else {
            self.labels.fold(&sample.label)
        };
        let rc = sample.rc.as_ref().map(|rc| self.texts.rc(rc));
        let error = sample.failure.as_ref().map(|f| {
            let text = self.texts.message(&f.message);
            self.errors.fold(&text)
        });
        let second = self.buffer.entry(ts).or_default();
        second
            .labels
            .entry(label)
            .or_default()
            .add_sample(sample, rc, error);
    }

    /// Emits the seconds that are complete: while the buffer spans at least `buffer_len` seconds
    /// (Taurus's rule), and every second older than `now_sec - buffer_len`, so that a quiet test
    /// still reports each second.
    pub fn flush_until(&mut self, now_sec: u64) -> Vec<Datapoint> {
        let mut out = Vec::new();
        while let (Some((&first, _)), Some((&last, _))) =
            (self.buffer.first_key_value(), self.buffer.last_key_value())
        {
            let spans = last >= first + self.buffer_len;
            let stale = first + self.buffer_len < now_sec;
            if !(spans || stale) {
                break;
            }
            out.push(self.emit_first());
        }
        out
    }

    /// Lets a data source with its own clock (the JTL replay) flush by the buffer rule alone.
    pub fn flush_ready(&mut self) -> Vec<Datapoint> {
        self.flush_until(0)
    }

    fn emit_first(&mut self) -> Datapoint {
        let (ts, second) = self.buffer.pop_first().expect("caller checked non-empty");
        self.min_ts = ts + 1;
        let levels = &self.settings.percentiles;
        let mut current = second.labels;
        let mut overall = KpiSet::default();
        for set in current.values_mut() {
            set.recalculate(levels);
            overall.merge_same_second(set);
        }
        overall.recalculate(levels);
        if let Some(details) = self.error_details.as_mut() {
            let found = details.take_until(ts);
            apply_error_details(found, &mut current, &mut overall, &mut self.warnings);
        }
        self.first_ts.get_or_insert(ts);
        self.last_ts = Some(ts);
        let exclude_before = *self
            .exclude_before
            .get_or_insert_with(|| ts + self.settings.ramp_up_exclude.unwrap_or(0));
        if ts >= exclude_before {
            self.add_cumulative(&current, &overall);
        }
        self.rescale_buffer();
        Datapoint {
            ts,
            current,
            overall,
        }
    }

    fn add_cumulative(&mut self, current: &LabelSets, overall: &KpiSet) {
        let levels = &self.settings.percentiles;
        let sets = current
            .iter()
            .map(|(l, s)| (l.clone(), s))
            .chain(std::iter::once((Arc::from(""), overall)));
        for (label, set) in sets {
            *self.cumulative.entry(label).or_default() += set;
        }
        // Only the overall set is read every second (console, buffer scaling); the per-label ones
        // are recalculated once, in `into_summary`, which gives the same values.
        let overall = self.cumulative.get_mut("").expect("just inserted");
        overall.recalculate(levels);
        self.cumulative_overall = overall.clone();
    }

    /// Taurus scales the buffer with the cumulative response time (`buffer-multiplier` × the chosen
    /// percentile), so slow responses are not split from their second.
    fn rescale_buffer(&mut self) {
        let s = &self.settings;
        let Some(idx) = s.buffer_scale_index() else {
            return;
        };
        if let Some(&(_, secs)) = self.cumulative_overall.perc.get(idx) {
            let len = (secs * s.buffer_multiplier).round().max(0.0) as u64;
            self.buffer_len = len.clamp(s.min_buffer_len, s.max_buffer_len);
        }
    }

    /// Warnings about the data (error details that match no label), for the run to log.
    pub fn take_warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.warnings)
    }

    /// The wall-clock start of the test (epoch seconds) for `Test duration`; defaults to when the
    /// aggregator was made.
    pub fn set_started(&mut self, epoch_secs: f64) {
        self.started = epoch_secs;
    }

    /// Cumulative overall set so far (for the console line's `Cumulative:` part and the live display).
    pub fn cumulative_overall(&self) -> &KpiSet {
        &self.cumulative_overall
    }

    /// Flushes everything; the last datapoints and the final summary.
    pub fn finish(mut self) -> (Vec<Datapoint>, Summary) {
        let out = self.flush_all();
        (out, self.into_summary())
    }

    /// Emits every buffered second (the end of the test).
    pub fn flush_all(&mut self) -> Vec<Datapoint> {
        let mut out = Vec::new();
        while !self.buffer.is_empty() {
            out.push(self.emit_first());
        }
        out
    }

    /// The final state; call after [`Aggregator::flush_all`].
    pub fn into_summary(mut self) -> Summary {
        for set in self.cumulative.values_mut() {
            set.recalculate(&self.settings.percentiles);
        }
        Summary {
            cumulative: self.cumulative,
            first_ts: self.first_ts,
            last_ts: self.last_ts,
            percentiles: self.settings.percentiles.clone(),
            started: self.started,
            ended: now_epoch(),
        }
    }
}

/// Samples carry their response code and failure message as data; these are their texts, made
/// when first seen, so that repeated codes and messages share one string instead of an allocation
/// per sample. Cleared past a size, which bounds memory whatever the variety.
#[derive(Debug, Default)]
struct Texts {
    rcs: std::collections::HashMap<stampede_kpi::Rc, Arc<str>>,
    messages: std::collections::HashMap<stampede_kpi::Message, Arc<str>>,
}

const TEXTS_LIMIT: usize = 10_000;

impl Texts {
    fn rc(&mut self, rc: &stampede_kpi::Rc) -> Arc<str> {
        if let stampede_kpi::Rc::Text(t) = rc {
            return t.clone();
        }
        if self.rcs.len() >= TEXTS_LIMIT {
            self.rcs.clear();
        }
        self.rcs
            .entry(rc.clone())
            .or_insert_with(|| rc_str(rc))
            .clone()
    }

    fn message(&mut self, m: &stampede_kpi::Message) -> Arc<str> {
        if let stampede_kpi::Message::Text(t) = m {
            return t.clone();
        }
        if self.messages.len() >= TEXTS_LIMIT {
            self.messages.clear();
        }
        self.messages
            .entry(m.clone())
            .or_insert_with(|| Arc::from(m.text()))
            .clone()
    }
}

fn describe_errors(items: &[ErrorItem]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|e| {
            format!(
                "{{'cnt': {}, 'msg': '{}', 'rc': '{}', 'type': {}}}",
                e.cnt,
                e.msg,
                e.rc.as_deref().unwrap_or("None"),
                match e.kind {
                    stampede_kpi::FailureKind::Error => 0,
                    stampede_kpi::FailureKind::Assertion => 1,
                    stampede_kpi::FailureKind::SubSample => 2,
                }
            )
        })
        .collect();
    format!("[{}]", parts.join(", "))
}

/// Taurus's `JTLReader`: error details replace a label's errors; details for a label absent from
/// the second, and labels with errors but no details, are reported and the samples' own kept.
fn apply_error_details(
    mut found: LabelErrors,
    current: &mut LabelSets,
    overall: &mut KpiSet,
    warnings: &mut Vec<String>,
) {
    let mut present = Vec::new();
    for (label, items) in found.iter() {
        if label.is_empty() {
            overall.errors = items.clone();
        } else if let Some(set) = current.get_mut(label) {
            set.errors = items.clone();
            present.push(label.clone());
        } else {
            warnings.push(format!(
                "Had error data but no KPISet {label}: {}",
                describe_errors(items)
            ));
        }
    }
    for (label, set) in current.iter() {
        if !set.errors.is_empty() && !present.contains(label) {
            warnings.push(format!(
                "No details for errors of {label}, dropped info: {}",
                describe_errors(&set.errors)
            ));
        }
    }
    found.clear();
}
