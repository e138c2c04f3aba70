//! What the console shows while the load runs: Taurus's per-second line (which DLT's CloudWatch metric
//! filters parse) or, on a terminal, a live one-line display redrawn each second on stderr.

use stampede_stats::KpiSet;
use std::io::Write;
use std::time::Duration;

/// Python's `str(datetime.timedelta(seconds=s))`, as final-stats prints `Test duration`.
pub fn timedelta(d: Duration) -> String {
    stampede_report::timedelta(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
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
    fn timedelta_as_python() {
        let s = Duration::from_secs;
        assert_eq!(timedelta(s(139)), "0:02:19");
        assert_eq!(timedelta(s(0)), "0:00:00");
        assert_eq!(timedelta(s(93_784)), "1 day, 2:03:04");
        assert_eq!(timedelta(s(2 * 86_400)), "2 days, 0:00:00");
    }
}
