//! `final-stats` (Taurus `FinalStatus`): the post-process console summary, `dump-xml` and `dump-csv`,
//! all from the cumulative sets of the last aggregated second.
//!
//! Options (Taurus's names): `summary`, `percentiles`, `summary-labels`, `failed-labels`,
//! `test-duration`, `dump-xml`, `dump-csv`.
//!
//! Whenever `dump-xml` writes `X.xml`, the histogram sidecar `X.hist.json` is written next to it
//! (a path without `.xml` gets `.hist.json` appended): per label and overall (`""`), exact counts,
//! the sums of response/latency/connect times in microseconds and the response-time HdrHistogram,
//! in the `stampede-hist` v1 format of `parser::sidecar`: each set's `stampede_kpi::Kpi` and peak
//! concurrency. The results-parser Lambda merges the sidecars of all tasks into exact percentiles
//! and a weighted average (DLT averages per-task values); DLT's own parser reads only `.xml` keys
//! and ignores it. Response times in the histogram are Taurus's whole milliseconds (each bucket's
//! lowest value), the same values the XML's percentiles come from; the time sums are the exact
//! sums of the samples' microseconds.

use super::table::{Align, ascii_table};
use super::{ReportError, Reporter};
use parser::Num;
use parser::sidecar;
use parser::write::python_float_str;
use stampede_log::Log;
use stampede_stats::{KpiSet, Summary};
use std::path::{Path, PathBuf};

/// The module's options (typed with the plan), Taurus's code defaults.
pub use stampede_config::reporting::FinalStatsSettings as FinalStatsOptions;

pub struct FinalStats {
    opts: FinalStatsOptions,
}

impl FinalStats {
    pub fn new(opts: FinalStatsOptions) -> Self {
        Self { opts }
    }
}

/// Python's `str(timedelta(seconds=n))`: `0:00:13`, `1 day, 9:20:05`, `2 days, 0:00:00`.
pub fn timedelta(secs: i64) -> String {
    let days = secs.div_euclid(86400);
    let rest = secs.rem_euclid(86400);
    let hms = format!("{}:{:02}:{:02}", rest / 3600, rest % 3600 / 60, rest % 60);
    match days {
        0 => hms,
        1 | -1 => format!("{days} day, {hms}"),
        _ => format!("{days} days, {hms}"),
    }
}

fn percentiles_table(overall: &KpiSet) -> String {
    let rows: Vec<Vec<String>> = overall
        .perc
        .iter()
        .map(|&(level, v)| vec![python_float_str(level), python_float_str(v)])
        .collect();
    ascii_table(
        &["Percentile, %", "Resp. Time, s"],
        &rows,
        &[Align::Right, Align::Right],
    )
}

fn labels_table(summary: &Summary) -> String {
    let labels = summary.sorted_labels();
    let rows: Vec<Vec<String>> = labels
        .into_iter()
        .map(|(label, s)| {
            let total = s.succ + s.fail;
            let succ = if total == 0 {
                0.0
            } else {
                s.succ as f64 / total as f64 * 100.0
            };
            let errors: Vec<&str> = s.errors.iter().map(|e| &*e.msg).collect();
            vec![
                label.to_string(),
                if s.fail > 0 { "FAIL" } else { "OK" }.to_string(),
                format!("{succ:.2}%"),
                format!("{:.3}", s.avg_rt),
                errors.join("\n"),
            ]
        })
        .collect();
    ascii_table(
        &["label", "status", "succ", "avg_rt", "error"],
        &rows,
        &[
            Align::Left,
            Align::Center,
            Align::Right,
            Align::Right,
            Align::Left,
        ],
    )
}

/// `dump-csv`: Python `csv.DictWriter` (CRLF, minimal quoting), columns from the overall set.
pub fn csv_string(summary: &Summary) -> String {
    let Some(overall) = summary.overall() else {
        return String::new();
    };
    let og = overall.to_group("");
    let mut scalars: Vec<&str> = og.scalars().iter().map(|(n, _)| *n).collect();
    scalars.sort_unstable();
    let mut percs: Vec<&(f64, f64)> = overall.perc.iter().collect();
    percs.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut codes: Vec<&str> = overall.rc.keys().map(|c| &**c).collect();
    codes.sort_unstable();

    let mut header = vec!["label".to_string()];
    header.extend(scalars.iter().map(|s| s.to_string()));
    header.extend(
        percs
            .iter()
            .map(|(l, _)| format!("perc_{}", python_float_str(*l))),
    );
    header.extend(codes.iter().map(|c| format!("rc_{c}")));
    let mut out = csv_line(&header);
    for (label, set) in &summary.cumulative {
        let g = set.to_group(label);
        let mut row = vec![label.to_string()];
        let values = g.scalars();
        for name in &scalars {
            let v = values
                .iter()
                .find(|(n, _)| n == name)
                .expect("same names")
                .1;
            row.push(v.to_taurus_string());
        }
        for (level, _) in &percs {
            let v = set.perc.iter().find(|(l, _)| l == level);
            row.push(v.map_or(String::new(), |(_, s)| Num::Float(*s).to_taurus_string()));
        }
        for code in &codes {
            row.push(set.rc.get(*code).map_or(String::new(), |n| n.to_string()));
        }
        out.push_str(&csv_line(&row));
    }
    out
}

fn csv_line(fields: &[String]) -> String {
    let cells: Vec<String> = fields
        .iter()
        .map(|f| {
            if f.contains([',', '"', '\r', '\n']) {
                format!("\"{}\"", f.replace('"', "\"\""))
            } else {
                f.clone()
            }
        })
        .collect();
    format!("{}\r\n", cells.join(","))
}

/// The `stampede-hist` sidecar of the cumulative sets, labels in the XML's order.
pub fn sidecar_string(summary: &Summary) -> Result<String, sidecar::SidecarError> {
    let entries = summary
        .cumulative
        .iter()
        .map(|(label, set)| (&**label, &set.kpi, set.concurrency));
    sidecar::to_string(entries)
}

/// The sidecar's path for a `dump-xml` path: `X.xml` → `X.hist.json`.
pub fn sidecar_path(xml: &Path) -> PathBuf {
    PathBuf::from(sidecar::key_for_xml(&xml.to_string_lossy()))
}

fn write_file(path: &Path, content: &str) -> Result<(), ReportError> {
    let err = |source| ReportError::Write {
        path: path.to_path_buf(),
        source,
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(err)?;
    }
    std::fs::write(path, content).map_err(err)
}

impl FinalStats {
    fn log_console(&self, summary: &Summary, overall: &KpiSet, log: &mut dyn Log) {
        if self.opts.summary && overall.throughput > 0 {
            log.info(&format!(
                "Samples count: {}, {:.2}% failures",
                overall.throughput,
                overall.fail_percent()
            ));
        }
        if self.opts.percentiles {
            log.info(&format!(
                "Average times: total {:.3}, latency {:.3}, connect {:.3}",
                overall.avg_rt, overall.avg_lt, overall.avg_ct
            ));
            log.info(&format!("Percentiles:\n{}", percentiles_table(overall)));
        }
        if self.opts.summary_labels {
            log.info(&format!("Request label stats:\n{}", labels_table(summary)));
        }
        if self.opts.failed_labels {
            let mut labels: Vec<_> = summary.cumulative.iter().collect();
            labels.sort_by(|a, b| a.0.cmp(b.0));
            for (label, s) in labels {
                if !label.is_empty() && s.fail > 0 {
                    log.info(&format!("{} failed samples: {label}", s.fail));
                }
            }
        }
    }
}

impl Reporter for FinalStats {
    fn name(&self) -> &str {
        "final-stats"
    }

    fn finish(&mut self, summary: &Summary, log: &mut dyn Log) -> Result<bool, ReportError> {
        if self.opts.test_duration {
            let secs = summary.ended.trunc() as i64 - summary.started.trunc() as i64;
            log.info(&format!("Test duration: {}", timedelta(secs)));
        }
        let Some(overall) = summary.overall() else {
            return Ok(false);
        };
        self.log_console(summary, overall, log);
        let mut first_err = None;
        if let Some(path) = &self.opts.dump_xml {
            log.info(&format!("Dumping final status as XML: {}", path.display()));
            let xml = parser::write::to_string(&summary.to_final_status());
            // The sidecar first: an uploader that copies files as they appear (and the S3 event
            // of the XML) then finds it.
            let hist = sidecar_string(summary).map_err(|e| ReportError::Write {
                path: sidecar_path(path),
                source: std::io::Error::other(e),
            });
            let written = hist
                .and_then(|h| write_file(&sidecar_path(path), &h))
                .and_then(|()| write_file(path, &xml));
            if let Err(e) = written {
                first_err.get_or_insert(e);
            }
        }
        if let Some(path) = &self.opts.dump_csv {
            log.info(&format!("Dumping final status as CSV: {}", path.display()));
            if let Err(e) = write_file(path, &csv_string(summary)) {
                match &first_err {
                    // The caller logs the error returned; this one would be lost otherwise.
                    Some(_) => log.error(&format!("{}: {e}", self.name())),
                    None => first_err = Some(e),
                }
            }
        }
        first_err.map_or(Ok(false), Err)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use stampede_kpi::{Failure, FailureKind, Rc, Sample};
    use stampede_stats::rc_str;

    #[test]
    fn python_timedelta() {
        assert_eq!(timedelta(13), "0:00:13");
        assert_eq!(timedelta(3600 * 10 + 61), "10:01:01");
        assert_eq!(timedelta(86400 + 9 * 3600 + 20 * 60 + 5), "1 day, 9:20:05");
        assert_eq!(timedelta(2 * 86400), "2 days, 0:00:00");
    }

    fn sample(label: &str, elapsed_us: u64, status: u16) -> Sample {
        Sample {
            start_ms: 1_700_000_000_000,
            label: label.into(),
            elapsed_us,
            latency_us: elapsed_us / 2,
            connect_us: elapsed_us / 10,
            rc: Some(Rc::Http(status)),
            failure: (status >= 400).then(|| Failure {
                kind: FailureKind::Error,
                message: "Not Found".into(),
            }),
            bytes: 100,
            sent_bytes: 10,
            concurrency: 3,
            source: 0,
            thread: 1,
        }
    }

    /// Two labels with spread-out times (sub-ms, ms, and the 2- and 4-ms-wide buckets above 2 s).
    fn summary() -> Summary {
        let levels = [0.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0];
        let mut cumulative = stampede_stats::LabelSets::new();
        let mut all = KpiSet::default();
        for (label, times) in [
            ("GET /", vec![400, 1_234, 2_999, 57_000, 62_500, 2_049_999]),
            ("POST /x", vec![63_000, 246_100, 272_000, 6_479_000, 9_000]),
        ] {
            let mut set = KpiSet::default();
            for (i, us) in times.into_iter().enumerate() {
                let s = sample(label, us, if i == 1 { 404 } else { 200 });
                let err = s
                    .failure
                    .as_ref()
                    .map(|f| std::sync::Arc::from(f.message.text()));
                set.add_sample(&s, Some(rc_str(s.rc.as_ref().unwrap())), err.clone());
                all.add_sample(&s, Some(rc_str(s.rc.as_ref().unwrap())), err);
            }
            set.recalculate(&levels);
            cumulative.insert(label.into(), set);
        }
        all.recalculate(&levels);
        cumulative.insert("".into(), all);
        Summary {
            cumulative,
            first_ts: Some(1_700_000_000),
            last_ts: Some(1_700_000_007),
            percentiles: levels.to_vec(),
            started: 1_700_000_000.0,
            ended: 1_700_000_008.0,
        }
    }

    #[test]
    fn dump_xml_writes_a_sidecar_that_agrees_with_the_xml() {
        let dir = tempfile::tempdir().unwrap();
        let xml_path = dir.path().join("out/results.xml");
        let mut fs = FinalStats::new(FinalStatsOptions {
            dump_xml: Some(xml_path.clone()),
            ..FinalStatsOptions::default()
        });
        let mut log = stampede_log::MemoryLog::default();
        fs.finish(&summary(), &mut log).unwrap();
        let xml = parser::read::from_str(&std::fs::read_to_string(&xml_path).unwrap()).unwrap();
        let hist_path = dir.path().join("out/results.hist.json");
        let sc = sidecar::from_str(&std::fs::read_to_string(hist_path).unwrap()).unwrap();
        let labels: Vec<&str> = sc.labels.iter().map(|l| l.label.as_str()).collect();
        assert_eq!(labels, ["GET /", "POST /x", ""]);
        for group in &xml.groups {
            let lh = sc
                .label(&group.label)
                .expect("every XML label is in the sidecar");
            let int = |n: &Num| n.to_taurus_string().parse::<u64>().unwrap();
            let k = &lh.kpi;
            assert_eq!(k.throughput, int(&group.throughput), "{}", group.label);
            assert_eq!(k.succ, int(&group.succ));
            assert_eq!(k.fail, int(&group.fail));
            assert_eq!(k.bytes, int(&group.bytes));
            assert_eq!(lh.concurrency, int(&group.concurrency));
            assert_eq!(k.hist.total(), k.throughput);
            let avg: f64 = group.avg_rt.to_taurus_string().parse().unwrap();
            let exact_avg = k.sum_rt_us as f64 / k.throughput as f64 / 1e6;
            // The XML rounds averages to 5 decimals, as Taurus does.
            assert!((avg - exact_avg).abs() <= 5e-6, "{avg} vs {exact_avg}");
            for kpi in &group.perc {
                let level: f64 = kpi.param.parse().unwrap();
                let xml_ms: f64 = kpi.value.to_taurus_string().parse().unwrap();
                let ms = k.hist.percentile_ms(level).unwrap();
                assert_eq!(ms as f64 / 1e3, xml_ms, "{} p{}", group.label, kpi.param);
            }
        }
    }

    #[test]
    fn sidecar_path_replaces_or_appends() {
        assert_eq!(
            sidecar_path(Path::new("/a/results.xml")),
            Path::new("/a/results.hist.json")
        );
        assert_eq!(
            sidecar_path(Path::new("/a/results")),
            Path::new("/a/results.hist.json")
        );
    }
}
