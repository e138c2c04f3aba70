//! A standalone HTML report, one file that works offline from disk: summary, throughput and errors
//! with the users on their own axis, response time over time overall and per label, the response
//! time distribution from the exact histogram buckets, and the label and error tables. The charts
//! are the console's (uPlot, inlined with the data they draw). Stampede's own report: Taurus gives
//! this only through BlazeMeter.

mod data;
mod page;
mod timeline;

use std::path::PathBuf;

use stampede_log::Log;
use stampede_stats::{Datapoint, Summary};

use super::{ReportError, Reporter};
use timeline::Timeline;

pub struct HtmlReport {
    path: PathBuf,
    timeline: Timeline,
}

impl HtmlReport {
    pub fn new(path: PathBuf) -> Self {
        Self {
            path,
            timeline: Timeline::default(),
        }
    }
}

/// The report of a run aggregated elsewhere (a hub run's merged results and seconds).
pub fn render(summary: &Summary, datapoints: &[Datapoint]) -> String {
    let mut timeline = Timeline::default();
    for dp in datapoints {
        timeline.push(dp);
    }
    page::render(summary, &data::chart_data(summary, &timeline))
}

impl Reporter for HtmlReport {
    fn name(&self) -> &str {
        "html-report"
    }

    fn datapoint(&mut self, dp: &Datapoint) -> super::Verdict {
        self.timeline.push(dp);
        super::Verdict::Continue
    }

    fn finish(&mut self, summary: &Summary, log: &mut dyn Log) -> Result<bool, ReportError> {
        let html = page::render(summary, &data::chart_data(summary, &self.timeline));
        let err = |source| ReportError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        std::fs::write(&self.path, html).map_err(err)?;
        log.info(&format!("HTML report: {}", self.path.display()));
        Ok(false)
    }
}
