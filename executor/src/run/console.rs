//! What the console shows while the load runs: Taurus's per-second line (which DLT's CloudWatch metric
//! filters parse) or, on a terminal, a live one-line display redrawn each second on stderr.

use crate::stats::KpiSet;
use std::io::Write;
use std::time::Duration;

/// Taurus's per-second line (`bzt/modules/console.py`), TAB separators, `%d` truncating the failure %.
pub fn taurus_line(current: &KpiSet, cumulative: &KpiSet) -> String {
    let fail_pct = if cumulative.throughput == 0 {
        0
    } else {
        (cumulative.fail as f64 * 100.0 / cumulative.throughput as f64) as u64
    };
    format!(
        "Current: {} vu\t{} succ\t{} fail\t{:.3} avg rt\t/\tCumulative: {:.3} avg rt, {}% failures",
        current.concurrency,
        current.succ,
        current.fail,
        current.avg_rt,
        cumulative.avg_rt,
        fail_pct
    )
}

/// Python's `str(datetime.timedelta(seconds=s))`: `0:02:19`, `1 day, 2:03:04`, `3 days, 0:00:00`.
pub fn timedelta(d: Duration) -> String {
    let s = d.as_secs();
    let (days, rest) = (s / 86_400, s % 86_400);
    let hms = format!("{}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60);
    match days {
        0 => hms,
        1 => format!("1 day, {hms}"),
        n => format!("{n} days, {hms}"),
    }
}

/// The live display's one line.
pub fn live_line(
    elapsed: Duration,
    total: Option<Duration>,
    users: u32,
    current: &KpiSet,
    cumulative: &KpiSet,
) -> String {
    let total = total.map_or_else(|| "?".to_string(), timedelta);
    let err_pct = if cumulative.throughput == 0 {
        0.0
    } else {
        cumulative.fail as f64 * 100.0 / cumulative.throughput as f64
    };
    format!(
        "{} / {}  users {}  {} req/s  errors {:.2}%  p50 {:.3}s  p95 {:.3}s",
        timedelta(elapsed),
        total,
        users,
        current.throughput,
        err_pct,
        cumulative.percentile(50.0),
        cumulative.percentile(95.0)
    )
}

/// Redraws the live line in place on stderr.
pub fn redraw(line: &str) {
    let mut e = std::io::stderr().lock();
    let _ = write!(e, "\r\x1b[K{line}");
    let _ = e.flush();
}

/// Ends the live display (moves to a new line).
pub fn end_live() {
    let mut e = std::io::stderr().lock();
    let _ = writeln!(e);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taurus_line_is_exact() {
        let cur = KpiSet {
            concurrency: 1,
            succ: 1,
            fail: 0,
            avg_rt: 0.518,
            throughput: 1,
            ..KpiSet::default()
        };
        let cum = KpiSet {
            throughput: 3,
            fail: 2,
            avg_rt: 0.5183,
            ..KpiSet::default()
        };
        assert_eq!(
            taurus_line(&cur, &cum),
            "Current: 1 vu\t1 succ\t0 fail\t0.518 avg rt\t/\tCumulative: 0.518 avg rt, 66% failures"
        );
        assert_eq!(
            taurus_line(&KpiSet::default(), &KpiSet::default()),
            "Current: 0 vu\t0 succ\t0 fail\t0.000 avg rt\t/\tCumulative: 0.000 avg rt, 0% failures"
        );
    }

    #[test]
    fn timedelta_as_python() {
        let s = Duration::from_secs;
        assert_eq!(timedelta(s(139)), "0:02:19");
        assert_eq!(timedelta(s(0)), "0:00:00");
        assert_eq!(timedelta(s(36_000)), "10:00:00");
        assert_eq!(timedelta(s(93_784)), "1 day, 2:03:04");
        assert_eq!(timedelta(s(2 * 86_400)), "2 days, 0:00:00");
    }
}
