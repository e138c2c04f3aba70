//! Taurus's per-second console line (the `console` module without a TTY, or with
//! `modules.console.disable: true`, which is how DLT runs it; its CloudWatch metric filters read it).
//! Not added by [`super::build`]: the run loop owns the live display and adds this reporter when it
//! prints lines.

use super::{ReportError, Reporter, Verdict};
use stampede_log::{Level, Log};
use stampede_stats::{Datapoint, KpiSet, Summary};

/// `Current: 3 vu\t18 succ\t9 fail\t0.005 avg rt\t/\tCumulative: 0.007 avg rt, 28% failures`.
pub fn console_line(current: &KpiSet, cum_avg_rt: f64, cum_fail_percent: f64) -> String {
    format!(
        "Current: {} vu\t{} succ\t{} fail\t{:.3} avg rt\t/\tCumulative: {:.3} avg rt, {}% failures",
        current.concurrency,
        current.succ,
        current.fail,
        current.avg_rt,
        cum_avg_rt,
        cum_fail_percent.trunc() as i64
    )
}

#[derive(Default)]
pub struct ConsoleLines {
    count: u64,
    fail: u64,
    sum_rt: f64,
    lines: Vec<(Level, String)>,
}

impl ConsoleLines {
    pub fn new() -> Self {
        Self::default()
    }
}

impl Reporter for ConsoleLines {
    fn name(&self) -> &str {
        "console"
    }

    fn datapoint(&mut self, dp: &Datapoint) -> Verdict {
        let cur = dp.overall();
        self.count += cur.throughput;
        self.fail += cur.fail;
        self.sum_rt += cur.sum_rt;
        let (avg, fail) = if self.count == 0 {
            (0.0, 0.0)
        } else {
            (
                self.sum_rt / self.count as f64,
                self.fail as f64 * 100.0 / self.count as f64,
            )
        };
        self.lines.push((Level::Info, console_line(cur, avg, fail)));
        Verdict::Continue
    }

    fn take_messages(&mut self) -> Vec<(Level, String)> {
        std::mem::take(&mut self.lines)
    }

    fn finish(&mut self, _summary: &Summary, _log: &mut dyn Log) -> Result<bool, ReportError> {
        Ok(false)
    }
}
