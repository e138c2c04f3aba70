//! Error details that come from outside the samples (JMeter's `error.jtl`), keyed by second and
//! label. When a data source has such a file, Taurus replaces each label's error list in a datapoint
//! with the details buffered up to that second; this is that buffer.

use super::kpiset::ErrorItem;
use indexmap::IndexMap;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Label → errors, with `""` holding the errors of every label.
pub type LabelErrors = IndexMap<Arc<str>, Vec<ErrorItem>>;

#[derive(Debug, Default)]
pub struct ErrorsBuffer {
    by_second: BTreeMap<u64, LabelErrors>,
}

fn inc(list: &mut Vec<ErrorItem>, item: &ErrorItem) {
    match list.iter_mut().find(|e| e.msg == item.msg) {
        Some(e) => e.cnt += item.cnt,
        None => list.push(item.clone()),
    }
}

impl ErrorsBuffer {
    /// Adds one failed sample's error under its label and under `""`.
    pub fn add(&mut self, ts_sec: u64, label: Arc<str>, item: ErrorItem) {
        let second = self.by_second.entry(ts_sec).or_default();
        inc(second.entry(label).or_default(), &item);
        inc(second.entry(Arc::from("")).or_default(), &item);
    }

    /// Takes every buffered second up to and including `ts`, merged by label and message.
    pub fn take_until(&mut self, ts: u64) -> LabelErrors {
        let later = match ts.checked_add(1) {
            Some(next) => self.by_second.split_off(&next),
            None => Default::default(),
        };
        let taken = std::mem::replace(&mut self.by_second, later);
        let mut out = LabelErrors::new();
        for (_, labels) in taken {
            for (label, items) in labels {
                let list = out.entry(label).or_default();
                for item in &items {
                    inc(list, item);
                }
            }
        }
        out
    }

    pub fn is_empty(&self) -> bool {
        self.by_second.is_empty()
    }
}
