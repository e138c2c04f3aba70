//! Reporters are sinks behind one trait: `final-stats` (console summary, dump-xml,
//! dump-csv), `junit-xml`, `passfail`, the `kpi.jtl` writer and a self-contained HTML report.
//! [`Pipeline`] joins the aggregator and the reporters for a live run or a JTL replay; [`build`]
//! makes the reporters from the effective config's `reporting` list.
//!
//! For the run orchestration: feed samples with [`Pipeline::sample`], call [`Pipeline::tick`] each
//! second then [`Pipeline::log_messages`] (passfail alerts, error-detail warnings), stop the test
//! when [`Pipeline::stop_verdict`] is set, and end with [`Pipeline::finish`]. Exit codes:
//! [`Finished::is_empty`] → log "Empty results..." and exit 1 (no XML was written, as in Taurus);
//! [`Finished::failed`] → log "Automated shutdown" and exit 3; `stopped == Some(Stop{failed:false})`
//! → exit 0. Reports that failed to write are in [`Finished::errors`] (already logged).

mod console;
mod final_stats;
pub mod html;
mod junit;
pub mod passfail;
mod table;

pub use console::{ConsoleLines, console_line};
pub use final_stats::{FinalStats, FinalStatsOptions, timedelta};
pub use html::HtmlReport;
pub use junit::{JunitSource, JunitXml};
pub use passfail::PassFail;
pub use table::ascii_table;

use stampede_kpi::Sample;
use stampede_log::{Level, Log};
use stampede_stats::{Aggregator, Datapoint, Summary};

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
    /// Messages produced while handling datapoints (passfail alerts), logged by the pipeline.
    fn take_messages(&mut self) -> Vec<(Level, String)> {
        Vec::new()
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
    #[error("reporting module {module:?}: {message}")]
    Config { module: String, message: String },
}

/// The end of a run as the reporters saw it.
#[derive(Debug)]
pub struct Finished {
    pub summary: Summary,
    /// A reporter stopped the test during the run (passfail `stop`).
    pub stopped: Option<Verdict>,
    /// Some pass/fail criterion failed the test: exit code 3.
    pub failed: bool,
    /// Reports that could not be written (already logged); the others were written.
    pub errors: Vec<ReportError>,
}

impl Finished {
    /// No sample was aggregated: Taurus fails such a run with "Empty results" (exit 1).
    pub fn is_empty(&self) -> bool {
        self.summary.is_empty()
    }
}

/// Aggregator plus reporters: samples in, datapoints out to every reporter, then post-process.
pub struct Pipeline {
    aggregator: Aggregator,
    reporters: Vec<Box<dyn Reporter>>,
    stopped: Option<Verdict>,
}

impl Pipeline {
    pub fn new(aggregator: Aggregator, reporters: Vec<Box<dyn Reporter>>) -> Self {
        Self {
            aggregator,
            reporters,
            stopped: None,
        }
    }

    pub fn aggregator(&self) -> &Aggregator {
        &self.aggregator
    }

    pub fn aggregator_mut(&mut self) -> &mut Aggregator {
        &mut self.aggregator
    }

    pub fn sample(&mut self, sample: &Sample) {
        for r in &mut self.reporters {
            r.sample(sample);
        }
        self.aggregator.add(sample);
    }

    /// Emits the complete seconds (see [`Aggregator::flush_until`]) to the reporters and returns
    /// the datapoints; the first `Stop` verdict is kept in [`Pipeline::stop_verdict`].
    pub fn tick(&mut self, now_sec: u64) -> Vec<Datapoint> {
        let points = self.aggregator.flush_until(now_sec);
        for dp in &points {
            self.dispatch(dp);
        }
        points
    }

    fn dispatch(&mut self, dp: &Datapoint) {
        for r in &mut self.reporters {
            if let Verdict::Stop { failed } = r.datapoint(dp) {
                let failed = failed || matches!(self.stopped, Some(Verdict::Stop { failed: true }));
                self.stopped = Some(Verdict::Stop { failed });
            }
        }
    }

    /// Set once a reporter asked to stop the test.
    pub fn stop_verdict(&self) -> Option<Verdict> {
        self.stopped
    }

    /// Logs what the aggregator and the reporters said while handling datapoints (call after `tick`).
    pub fn log_messages(&mut self, log: &mut dyn Log) {
        for w in self.aggregator.take_warnings() {
            log.warn(&w);
        }
        for r in &mut self.reporters {
            for (level, msg) in r.take_messages() {
                log.log(level, &msg);
            }
        }
    }

    /// Flushes the last seconds and post-processes every reporter in config order. A reporter that
    /// fails is logged and the others still run.
    pub fn finish(mut self, log: &mut dyn Log) -> Finished {
        let points = self.aggregator.flush_all();
        for dp in &points {
            self.dispatch(dp);
        }
        self.log_messages(log);
        let summary = std::mem::take(&mut self.aggregator).into_summary();
        let mut failed = matches!(self.stopped, Some(Verdict::Stop { failed: true }));
        let mut errors = Vec::new();
        for r in &mut self.reporters {
            match r.finish(&summary, log) {
                Ok(f) => failed |= f,
                Err(e) => {
                    log.error(&format!("{}: {e}", r.name()));
                    errors.push(e);
                }
            }
        }
        Finished {
            summary,
            stopped: self.stopped,
            failed,
            errors,
        }
    }
}
