//! Reporters are sinks behind one trait (issue 5). INTERFACE STUB, filled by the reports work.

use crate::log::Log;
use crate::sample::Sample;
use crate::stats::{Datapoint, Summary};

/// What a reporter says after a datapoint: go on, or stop the test (passfail `stop`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Continue,
    /// Stop now; `failed` decides exit code 3 (failed) or 0 (non-failed).
    Stop {
        failed: bool,
    },
}

pub trait Reporter: Send {
    fn name(&self) -> &str;
    /// Every sample, in arrival order (kpi.jtl writer).
    fn sample(&mut self, _sample: &Sample) {}
    /// Every aggregated second.
    fn datapoint(&mut self, _dp: &Datapoint) -> Verdict {
        Verdict::Continue
    }
    /// Post-process: write files, log the summary. Returns whether the test failed (passfail).
    fn finish(&mut self, summary: &Summary, log: &mut dyn Log) -> Result<bool, ReportError>;
}

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
}
