//! JTL replay against Taurus's own outputs: the same kpi.jtl/error.jtl fed to
//! Taurus's external-results-loader and to Stampede must give byte-identical results.xml and
//! results.csv, junit-xml identical except the random classname, and the same console summary.

use executor::reporters::{BuildOptions, build_with};
use serde_json::json;
use stampede_jtl::{CsvOptions, ReplaySource, replay};
use stampede_log::{Level, MemoryLog};
use stampede_report::{Finished, Pipeline};
use stampede_stats::{Aggregator, AggregatorSettings};
use std::path::{Path, PathBuf};

/// The reporters of an effective config's `reporting`, as a run builds them from its plan.
fn reporters_for(
    effective: &serde_json::Value,
    artifacts: &Path,
    opts: &BuildOptions,
) -> Result<Vec<Box<dyn stampede_report::Reporter>>, String> {
    let reporting = stampede_config::Reporting::from_config(effective, artifacts, None)
        .map_err(|e| e.to_string())?;
    build_with(&reporting, opts).map_err(|e| e.to_string())
}

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/reports")
}

struct Case {
    kpi: &'static str,
    errors: &'static str,
    expected: &'static str,
    /// Reference file names of xml, csv, junit, console.
    names: [&'static str; 4],
    /// The user's final-stats options (Taurus's base config adds a plain `final-stats` first).
    final_stats: serde_json::Value,
}

fn run_case(case: &Case, out: &Path) -> (Finished, MemoryLog) {
    let mut fs = case.final_stats.clone();
    fs["module"] = json!("final-stats");
    fs["dump-xml"] = json!(out.join("results.xml"));
    fs["dump-csv"] = json!(out.join("results.csv"));
    let effective = json!({
        "reporting": ["final-stats", "console", fs,
            {"module": "junit-xml", "filename": out.join("junit.xml")}],
        "modules": {"html-report": {"enabled": false}}
    });
    let reporters = reporters_for(&effective, out, &BuildOptions::default()).unwrap();
    let pipeline = Pipeline::new(Aggregator::new(AggregatorSettings::default()), reporters);
    let jtl = fixtures().join("jtl");
    let source = ReplaySource {
        data_file: jtl.join(case.kpi),
        errors_file: Some(jtl.join(case.errors)),
        source: 0,
        csv: CsvOptions::default(),
    };
    let mut log = MemoryLog::default();
    let finished = replay(&[source], pipeline, &mut log).unwrap();
    (finished, log)
}

/// Console records as `LEVEL: msg` lines, without wall-clock or path-dependent lines.
fn comparable(lines: impl Iterator<Item = String>) -> Vec<String> {
    lines
        .filter(|l| !l.starts_with("INFO: Test duration:"))
        .map(|l| {
            match l
                .split_once(" into: ")
                .or_else(|| l.split_once(" as XML: "))
                .or_else(|| l.split_once(" as CSV: "))
            {
                Some((head, _)) => head.to_string(),
                None => l,
            }
        })
        .map(|l| match l.split_once(": [{") {
            Some((head, _)) => head.to_string(),
            None => l,
        })
        .collect()
}

fn reference_console(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut records: Vec<String> = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let is_record = line.len() > 9 && line.as_bytes()[2] == b':' && line.as_bytes()[8] == b' ';
        if is_record {
            let rest = &line[9..];
            if rest.contains("Post-processing...") {
                inside = true;
                continue;
            }
            if rest.starts_with("INFO: Artifacts dir") || rest.starts_with("INFO: Done performing")
            {
                inside = false;
            }
            if inside {
                records.push(rest.to_string());
            }
        } else if inside && let Some(last) = records.last_mut() {
            last.push('\n');
            last.push_str(line);
        }
    }
    comparable(records.into_iter())
}

fn ours(log: &MemoryLog) -> Vec<String> {
    comparable(log.records.iter().map(|(level, msg)| {
        let l = match level {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        };
        format!("{l}: {msg}")
    }))
    .into_iter()
    .filter(|l| !l.starts_with("DEBUG"))
    .collect()
}

fn strip_classname(xml: &str) -> String {
    let re = regex::Regex::new(r#"classname="bzt-\d+""#).unwrap();
    re.replace_all(xml, r#"classname="bzt""#).into_owned()
}

fn check(case: Case) {
    let dir = tempfile::tempdir().unwrap();
    let (finished, log) = run_case(&case, dir.path());
    assert!(finished.errors.is_empty(), "{:?}", finished.errors);
    assert!(!finished.failed);
    let exp = fixtures().join("replay").join(case.expected);
    let read =
        |p: PathBuf| std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    assert_eq!(
        read(dir.path().join("results.xml")),
        read(exp.join(case.names[0])),
        "results.xml"
    );
    assert_eq!(
        read(dir.path().join("results.csv")),
        read(exp.join(case.names[1])),
        "results.csv"
    );
    assert_eq!(
        strip_classname(&read(dir.path().join("junit.xml"))),
        strip_classname(&read(exp.join(case.names[2]))),
        "junit.xml"
    );
    let want = reference_console(&exp.join(case.names[3]));
    let got = ours(&log);
    assert!(
        want.len() >= 8,
        "reference console has the final-stats records: {want:?}"
    );
    assert_eq!(got.join("\n---\n"), want.join("\n---\n"), "console");
}

const JTL_REPLAY: [&str; 4] = [
    "final-stats.xml",
    "final-stats.csv",
    "xunit.xml",
    "console-output.txt",
];

#[test]
fn simple_matches_taurus() {
    check(Case {
        kpi: "simple.kpi.jtl",
        errors: "simple.error.jtl",
        expected: "simple",
        names: JTL_REPLAY,
        final_stats: json!({"failed-labels": true}),
    });
}

#[test]
fn pair1_matches_taurus() {
    check(Case {
        kpi: "kpi-pair1.jtl",
        errors: "error-pair1.jtl",
        expected: "pair1",
        names: JTL_REPLAY,
        final_stats: json!({"failed-labels": true}),
    });
}

#[test]
fn smart_matches_taurus() {
    check(Case {
        kpi: "smart.kpi.jtl",
        errors: "smart.error.jtl",
        expected: "smart",
        names: JTL_REPLAY,
        final_stats: json!({"failed-labels": true}),
    });
}

#[test]
fn external_jtl_fixture_matches_taurus() {
    check(Case {
        kpi: "fixture-kpi.jtl",
        errors: "fixture-error.jtl",
        expected: "external-jtl",
        names: ["results.xml", "results.csv", "junit.xml", "bzt.stdout"],
        final_stats: json!({"summary": true, "percentiles": true, "summary-labels": true, "test-duration": true}),
    });
}

/// The apiritif end-to-end run: its results CSV (JTL-like columns, no Connect) through the whole
/// reporting list of that config: passfail, a second final-stats, two junit-xml reports.
#[test]
fn apiritif_run_matches_taurus_including_passfail() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path();
    let effective = json!({
        "reporting": ["final-stats", "console",
            {"module": "passfail", "criteria": ["avg-rt>5s for 3s, stop as failed",
                "fail>10%, continue as failed", "p90 of list-items>2s"]},
            {"module": "final-stats", "summary": true, "percentiles": true, "summary-labels": true,
             "failed-labels": true, "test-duration": true,
             "dump-xml": out.join("final-stats.xml"), "dump-csv": out.join("final-stats.csv")},
            {"module": "junit-xml", "filename": out.join("junit-sample-labels.xml"), "data-source": "sample-labels"},
            {"module": "junit-xml", "filename": out.join("junit-pass-fail.xml"), "data-source": "pass-fail"}],
        "modules": {"html-report": {"enabled": false}}
    });
    let reporters = reporters_for(&effective, out, &BuildOptions::default()).unwrap();
    let pipeline = Pipeline::new(Aggregator::new(AggregatorSettings::default()), reporters);
    let exp = fixtures().join("replay/apiritif-http");
    let source = ReplaySource {
        data_file: exp.join("apiritif.0.csv"),
        errors_file: None,
        source: 0,
        csv: CsvOptions::default(),
    };
    let mut log = MemoryLog::default();
    let finished = replay(&[source], pipeline, &mut log).unwrap();
    assert!(finished.failed, "fail>10% must fail the run (exit 3)");
    assert_eq!(
        finished.stopped, None,
        "no timeframe criterion triggered during the run"
    );
    let read =
        |p: PathBuf| std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    for f in ["final-stats.xml", "final-stats.csv"] {
        assert_eq!(read(out.join(f)), read(exp.join(f)), "{f}");
    }
    for f in ["junit-sample-labels.xml", "junit-pass-fail.xml"] {
        assert_eq!(
            strip_classname(&read(out.join(f))),
            strip_classname(&read(exp.join(f))),
            "{f}"
        );
    }
    // "Automated shutdown" is the run's own line once post-processing says the test failed.
    let want: Vec<String> = reference_console(&exp.join("console-output.txt"))
        .into_iter()
        .filter(|l| l != "WARNING: Automated shutdown")
        .collect();
    assert!(want.len() >= 15);
    assert_eq!(ours(&log).join("\n---\n"), want.join("\n---\n"), "console");
}

/// The per-second `Current:` lines of the live apiritif run, from the same samples.
#[test]
fn console_lines_match_the_live_run() {
    let exp = fixtures().join("replay/apiritif-http");
    let reporters: Vec<Box<dyn stampede_report::Reporter>> =
        vec![Box::new(stampede_report::ConsoleLines::new())];
    let mut p = Pipeline::new(Aggregator::default(), reporters);
    let reader =
        stampede_jtl::JtlCsvReader::open(&exp.join("apiritif.0.csv"), CsvOptions::default(), 0)
            .unwrap();
    let mut log = MemoryLog::default();
    for s in reader {
        p.sample(&s.unwrap());
        p.tick(0);
        p.log_messages(&mut log);
    }
    let want: Vec<String> = std::fs::read_to_string(exp.join("console-output.txt"))
        .unwrap()
        .lines()
        .filter_map(|l| {
            l.split_once(" INFO: Current: ")
                .map(|(_, r)| format!("Current: {r}"))
        })
        .collect();
    assert_eq!(want.len(), 5);
    let got: Vec<&str> = log.records.iter().map(|r| r.1.as_str()).take(5).collect();
    assert_eq!(got, want);
}
