//! The one test every reporter must pass: zero samples, one sample, errors only;
//! plus DLT's parser rules on the XML we write, and unwritable report paths.

use executor::reporters::{BuildOptions, build_with};
use serde_json::json;
use stampede_kpi::{ErrorKind, Failure, FailureKind, Message, Rc, Sample};
use stampede_log::{Level, MemoryLog};
use stampede_report::{Finished, Pipeline};
use stampede_stats::{Aggregator, AggregatorSettings};
use std::path::Path;
use std::sync::Arc;

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

fn sample(ts_ms: u64, label: &str, ok: bool) -> Sample {
    Sample {
        start_ms: ts_ms,
        label: Arc::from(label),
        elapsed_us: 12_345,
        latency_us: 10_000,
        connect_us: 1_000,
        rc: Some(if ok { Rc::Http(200) } else { Rc::Http(503) }),
        failure: (!ok).then(|| Failure {
            kind: FailureKind::Error,
            message: "Service Unavailable".into(),
        }),
        bytes: 100,
        sent_bytes: 50,
        concurrency: 2,
        source: 0,
        thread: 1,
    }
}

/// Every reporter kind, all writing under `out`.
fn run_all(out: &Path, samples: &[Sample]) -> (Finished, MemoryLog) {
    let effective = json!({"reporting": [
        "final-stats", "console",
        {"module": "passfail", "criteria": ["fail>50%, continue as failed", "hits>1000 for 2s"]},
        {"module": "final-stats", "failed-labels": true,
         "dump-xml": out.join("results.xml"), "dump-csv": out.join("results.csv")},
        {"module": "junit-xml"},
        {"module": "junit-xml", "filename": out.join("pf.xml"), "data-source": "pass-fail"},
        {"module": "kpi-jtl"},
    ]});
    let reporters = reporters_for(&effective, out, &BuildOptions::default()).unwrap();
    let mut p = Pipeline::new(Aggregator::new(AggregatorSettings::default()), reporters);
    for s in samples {
        p.sample(s);
    }
    let mut log = MemoryLog::default();
    let finished = p.finish(&mut log);
    (finished, log)
}

/// DLT's results parser (`docs/dlt-container.md#parse-file`) throws unless: at least one Group, one labelled Group,
/// every Group with an rc and exactly the 7 default perc levels, only known KPI names, and a
/// TestDuration.
fn assert_dlt_accepts(xml: &str) {
    let status = parser::read::from_str(xml).expect("DLT needs well-formed XML");
    assert!(status.test_duration.is_some(), "TestDuration missing");
    assert!(
        status.groups.iter().any(|g| !g.label.is_empty()),
        "no labelled Group"
    );
    assert!(
        status.groups.iter().any(|g| g.label.is_empty()),
        "no overall Group"
    );
    for g in &status.groups {
        assert!(!g.rc.is_empty(), "Group {:?} has no rc", g.label);
        let levels: Vec<&str> = g.perc.iter().map(|k| k.param.as_str()).collect();
        assert_eq!(
            levels,
            parser::model::DEFAULT_PERCENTILES,
            "Group {:?}",
            g.label
        );
    }
    // Only the known element names: the reader rejects anything else inside a Group.
    for line in xml
        .lines()
        .filter(|l| l.starts_with("    <") && !l.starts_with("    </"))
    {
        let tag = line[5..].split([' ', '>']).next().unwrap();
        assert!(
            parser::model::SCALAR_KPIS.contains(&tag) || tag == "rc" || tag == "perc",
            "unknown KPI element {tag}"
        );
    }
    assert_eq!(parser::write::to_string(&status), xml, "round trip");
}

#[test]
fn zero_samples() {
    let dir = tempfile::tempdir().unwrap();
    let (f, log) = run_all(dir.path(), &[]);
    assert!(
        f.is_empty(),
        "no datapoint: the run must end with 'empty results'"
    );
    assert!(f.errors.is_empty(), "{:?}", f.errors);
    assert!(!f.failed);
    assert!(
        !dir.path().join("results.xml").exists(),
        "Taurus writes no XML without data"
    );
    assert!(!dir.path().join("results.csv").exists());
    assert!(!dir.path().join("xunit.xml").exists());
    let pf = std::fs::read_to_string(dir.path().join("pf.xml")).unwrap();
    assert!(pf.contains("name=\"fail of &gt;50%\"/>"), "{pf}");
    let jtl = std::fs::read_to_string(dir.path().join("kpi.jtl")).unwrap();
    assert_eq!(jtl.lines().count(), 1, "header only");
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(html.contains("empty results"));
    let infos: Vec<&str> = log
        .records
        .iter()
        .filter(|r| r.0 == Level::Info)
        .map(|r| r.1.as_str())
        .collect();
    assert!(
        infos.iter().all(|m| m.starts_with("Test duration:")
            || m.starts_with("Writing JUnit")
            || m.starts_with("HTML report")),
        "{infos:?}"
    );
}

#[test]
fn one_sample() {
    let dir = tempfile::tempdir().unwrap();
    let (f, log) = run_all(dir.path(), &[sample(1_700_000_000_500, "home", true)]);
    assert!(
        !f.is_empty() && f.errors.is_empty() && !f.failed,
        "{:?}",
        f.errors
    );
    let xml = std::fs::read_to_string(dir.path().join("results.xml")).unwrap();
    assert_dlt_accepts(&xml);
    assert!(xml.contains("<TestDuration>0.0</TestDuration>"));
    assert!(
        xml.contains("<avg_rt value=\"0.01235\">"),
        "12.345 ms → %.5f s: {xml}"
    );
    assert!(
        xml.contains("<perc value=\"0.01200\" param=\"50.0\">"),
        "whole ms, truncated"
    );
    assert!(
        xml.contains("<stdev_rt value=\"0.00035\">"),
        "from the bucket value 12 vs mean 12.345"
    );
    let csv = std::fs::read_to_string(dir.path().join("results.csv")).unwrap();
    assert_eq!(csv.matches("\r\n").count(), 3);
    assert!(csv.starts_with(
        "label,avg_ct,avg_lt,avg_rt,bytes,concurrency,fail,stdev_rt,succ,throughput,perc_0.0,"
    ));
    let junit = std::fs::read_to_string(dir.path().join("xunit.xml")).unwrap();
    assert!(junit.contains(" name=\"home\"/>"), "{junit}");
    let jtl = std::fs::read_to_string(dir.path().join("kpi.jtl")).unwrap();
    let row = jtl.lines().nth(1).unwrap();
    assert!(
        row.starts_with("1700000000500,12,home,200,OK,stampede 1-1,true,100,50,2,2,10,"),
        "{row}"
    );
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert!(
        html.contains("uPlot") && html.contains(">home<"),
        "charts and the label"
    );
    for external in ["src=", "href=", "<link", "@import", "url("] {
        assert!(!html.contains(external), "self-contained: found {external}");
    }
    assert!(
        log.records
            .iter()
            .any(|r| r.1 == "Samples count: 1, 0.00% failures")
    );
}

#[test]
fn errors_only() {
    let dir = tempfile::tempdir().unwrap();
    let samples: Vec<Sample> = (0..5)
        .map(|i| sample(1_700_000_000_000 + i * 400, "api", false))
        .collect();
    let (f, log) = run_all(dir.path(), &samples);
    assert!(f.failed, "fail>50% fails the run");
    let xml = std::fs::read_to_string(dir.path().join("results.xml")).unwrap();
    assert_dlt_accepts(&xml);
    assert!(xml.contains("<succ value=\"0\">") && xml.contains("<fail value=\"5\">"));
    assert!(xml.contains("<rc value=\"5\" param=\"503\">"));
    let junit = std::fs::read_to_string(dir.path().join("xunit.xml")).unwrap();
    assert!(junit.contains("<error message=\"Service Unavailable\" type=\"Error\">Service Unavailable\n(status code is 503)\n(total errors of this type: 5)</error>"), "{junit}");
    let pf = std::fs::read_to_string(dir.path().join("pf.xml")).unwrap();
    assert!(pf.contains("<error message=\"Failed: fail&gt;50% for 1 sec\" type=\"pass/fail criteria triggered\"/>"), "{pf}");
    let warnings: Vec<&str> = log
        .records
        .iter()
        .filter(|r| r.0 == Level::Warning)
        .map(|r| r.1.as_str())
        .collect();
    assert_eq!(
        warnings,
        ["Alert: fail>50% for 1 sec", "Failed: fail>50% for 1 sec"]
    );
    assert!(log.records.iter().any(|r| r.1 == "5 failed samples: api"));
    let jtl = std::fs::read_to_string(dir.path().join("kpi.jtl")).unwrap();
    assert_eq!(
        jtl.lines()
            .filter(|l| l.contains(",Service Unavailable,") && l.contains(",false,"))
            .count(),
        5
    );
}

/// A refused connection: the KPI rc is JMeter's short class, while junit-xml shows the full
/// `responseCode` of JMeter's error.jtl, as in the real `err-closed-port` run.
#[test]
fn transport_errors_in_junit_carry_jmeters_response_code() {
    // As the engine records it (kinds, text made by the reports) and as a replayed JTL carries it.
    let as_data = (
        Rc::Transport(ErrorKind::ConnectRefused),
        Message::Transport("Connection refused".into()),
    );
    let as_text = (
        Rc::Text(Arc::from("ConnectException")),
        "Non HTTP response message: Connection refused".into(),
    );
    for (rc, message) in [as_data, as_text] {
        let samples: Vec<Sample> = (0..3)
            .map(|i| Sample {
                rc: Some(rc.clone()),
                failure: Some(Failure {
                    kind: FailureKind::Error,
                    message: message.clone(),
                }),
                bytes: 0,
                ..sample(1_700_000_000_000 + i * 400, "refused", false)
            })
            .collect();
        check_transport_errors(&samples);
    }
}

fn check_transport_errors(samples: &[Sample]) {
    let dir = tempfile::tempdir().unwrap();
    let effective = json!({"reporting": [
        "final-stats",
        {"module": "junit-xml", "filename": dir.path().join("jmeter.xml")},
    ]});
    let opts = BuildOptions {
        jmeter_error_codes: true,
    };
    let reporters = reporters_for(&effective, dir.path(), &opts).unwrap();
    let mut p = Pipeline::new(Aggregator::new(AggregatorSettings::default()), reporters);
    for s in samples {
        p.sample(s);
    }
    p.finish(&mut MemoryLog::default());
    let jmeter = std::fs::read_to_string(dir.path().join("jmeter.xml")).unwrap();
    assert!(
        jmeter.contains("(status code is Non HTTP response code: java.net.ConnectException)"),
        "{jmeter}"
    );
    // Without JMeter's error.jtl (replayed kpi.jtl, apiritif) Taurus keeps the short class.
    run_all(dir.path(), samples);
    let xml = std::fs::read_to_string(dir.path().join("results.xml")).unwrap();
    assert!(
        xml.contains("<rc value=\"3\" param=\"ConnectException\">"),
        "{xml}"
    );
    let junit = std::fs::read_to_string(dir.path().join("xunit.xml")).unwrap();
    assert!(junit.contains("<error message=\"Non HTTP response message: Connection refused\" type=\"Error\">Non HTTP response message: Connection refused\n(status code is ConnectException)\n(total errors of this type: 3)</error>"), "{junit}");
}

#[test]
fn unwritable_paths_are_reported_and_other_reports_still_written() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("not-a-dir");
    std::fs::write(&blocker, "x").unwrap();
    let effective = json!({"reporting": [
        {"module": "final-stats", "dump-xml": blocker.join("results.xml"), "dump-csv": dir.path().join("results.csv")},
        {"module": "junit-xml", "filename": blocker.join("junit.xml")},
        {"module": "junit-xml", "filename": dir.path().join("ok.xml")},
    ]});
    let reporters = reporters_for(&effective, dir.path(), &BuildOptions::default()).unwrap();
    let mut p = Pipeline::new(Aggregator::default(), reporters);
    p.sample(&sample(1_700_000_000_000, "a", true));
    let mut log = MemoryLog::default();
    let f = p.finish(&mut log);
    assert_eq!(f.errors.len(), 2, "{:?}", f.errors);
    assert!(dir.path().join("results.csv").exists());
    assert!(dir.path().join("ok.xml").exists());
    assert!(dir.path().join("report.html").exists());
    let errors: Vec<&str> = log
        .records
        .iter()
        .filter(|r| r.0 == Level::Error)
        .map(|r| r.1.as_str())
        .collect();
    assert_eq!(errors.len(), 2);
    assert!(
        errors[0].contains("cannot write") && errors[0].contains("not-a-dir"),
        "{errors:?}"
    );
}

#[test]
fn bad_reporting_config_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = |v: serde_json::Value| {
        reporters_for(
            &json!({"reporting": v}),
            dir.path(),
            &BuildOptions::default(),
        )
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default()
    };
    assert!(
        err(json!([{"module": "junit-xml", "data-source": "x"}])).contains("data-source \"x\"")
    );
    assert!(err(json!(["no-such-reporter"])).contains("unknown reporting module"));
    assert!(
        err(json!([{"module": "passfail", "criteria": ["avg-rt>1s, explode"]}]))
            .contains("explode")
    );
    assert!(err(json!([{"nomodule": 1}])).contains("no 'module' key"));
    assert_eq!(
        err(json!(["blazemeter", "final-stats"])),
        "",
        "harmless Taurus modules are accepted"
    );
}

#[test]
fn cloudwatch_settings_are_checked_with_the_plan_and_build_its_reporter() {
    let dir = tempfile::tempdir().unwrap();
    let with_id = json!({"reporting": [{"module": "cloudwatch", "mode": "emf", "test-id": "t1"}]});
    let reporters = reporters_for(&with_id, dir.path(), &BuildOptions::default()).unwrap();
    assert_eq!(
        reporters.iter().map(|r| r.name()).collect::<Vec<_>>(),
        ["cloudwatch", "html-report"]
    );
    let no_id = reporters_for(
        &json!({"reporting": ["cloudwatch"]}),
        dir.path(),
        &BuildOptions::default(),
    )
    .err()
    .unwrap();
    assert!(
        no_id.contains("'reporting.0'") && no_id.contains("TEST_ID"),
        "{no_id}"
    );
    let bad = reporters_for(
        &json!({"reporting": [{"module": "cloudwatch", "test-id": "t", "interval": "0s"}]}),
        dir.path(),
        &BuildOptions::default(),
    )
    .err()
    .unwrap();
    assert!(bad.contains("interval"), "{bad}");
}

#[test]
fn odd_labels_survive_xml_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let labels = [
        "a \"quoted\" <tag> & more",
        "comma, label",
        "Тест.Эхо",
        "tab\there",
        "bell\u{7}",
    ];
    let samples: Vec<Sample> = labels
        .iter()
        .map(|l| sample(1_700_000_000_000, l, true))
        .collect();
    let (f, _) = run_all(dir.path(), &samples);
    assert!(f.errors.is_empty());
    let xml = std::fs::read_to_string(dir.path().join("results.xml")).unwrap();
    assert_dlt_accepts(&xml);
    let status = parser::read::from_str(&xml).unwrap();
    let read: Vec<&str> = status.groups.iter().map(|g| g.label.as_str()).collect();
    assert_eq!(
        read,
        [
            "a \"quoted\" <tag> & more",
            "comma, label",
            "Тест.Эхо",
            "tab\there",
            "bell\u{FFFD}",
            ""
        ]
    );
    let csv = std::fs::read_to_string(dir.path().join("results.csv")).unwrap();
    assert!(
        csv.contains("\r\n\"a \"\"quoted\"\" <tag> & more\",")
            && csv.contains("\r\n\"comma, label\","),
        "{csv}"
    );
}
