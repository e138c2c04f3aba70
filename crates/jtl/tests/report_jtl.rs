//! The JTL readers on Taurus's own test files, and bad input.

use stampede_jtl::{CsvOptions, JtlCsvReader, JtlError, read_errors, shorten_rc};
use stampede_kpi::{FailureKind, Rc, Sample};
use stampede_stats::ErrorsBuffer;
use std::path::PathBuf;

fn jtl(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/reports/jtl")
        .join(name)
}

fn read_all(path: &std::path::Path) -> Result<Vec<Sample>, JtlError> {
    JtlCsvReader::open(path, CsvOptions::default(), 0)?.collect()
}

#[test]
fn columns_by_name_and_values_in_microseconds() {
    let samples = read_all(&jtl("simple.kpi.jtl")).unwrap();
    assert_eq!(samples.len(), 6);
    let first = &samples[0];
    assert_eq!(first.start_ms, 1535636052585);
    assert_eq!(
        (first.elapsed_us, first.latency_us, first.connect_us),
        (6_479_000, 5_465_000, 5_403_000)
    );
    assert_eq!(first.rc, Some(Rc::Http(200)));
    assert_eq!(
        (first.bytes, first.concurrency, first.thread),
        (290472, 1, 1)
    );
    assert!(first.failure.is_none());
    let nf = &samples[1];
    assert_eq!(
        nf.failure.as_ref().map(|f| f.message.text()),
        Some("Not Found".into())
    );
}

#[test]
fn tab_delimited_files_are_sniffed() {
    let samples = read_all(&jtl("tabs.jtl")).unwrap();
    assert_eq!(samples.len(), 4);
    assert_eq!(&*samples[0].label, "http://localhost:8080");
    assert_eq!(samples[0].connect_us, 0, "no Connect column");
}

#[test]
fn quoted_fields_with_commas_and_doubled_quotes() {
    let samples = read_all(&jtl("doublequoting.jtl")).unwrap();
    assert_eq!(samples.len(), 2);
    let msg = &samples[0].failure.as_ref().unwrap().message.text();
    assert!(msg.contains("\"(\""), "{msg}");
    assert_eq!(samples[0].elapsed_us, 3_205_000);
}

#[test]
fn unicode_labels_and_success_flag_wins() {
    let samples = read_all(&jtl("unicode.jtl")).unwrap();
    assert_eq!(&*samples[0].label, "САП.АутентифицироватьРасш");
    let ok500 = read_all(&jtl("500-success/kpi.jtl")).unwrap();
    assert_eq!(ok500[0].rc, Some(Rc::Http(500)));
    assert!(ok500[0].is_success(), "JMeter's success=true is trusted");
}

#[test]
fn exception_codes_are_shortened_and_ignored_labels_dropped() {
    assert_eq!(
        shorten_rc("Non HTTP response code: java.net.UnknownHostException"),
        "UnknownHostException"
    );
    assert_eq!(shorten_rc("404"), "404");
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("k.jtl");
    std::fs::write(
        &p,
        "timeStamp,elapsed,label,responseCode,responseMessage,success\n\
         1000,5,ignore-me,200,OK,true\n\
         1000,5,keep,Non HTTP response code: java.net.ConnectException,Connection refused,false\n\
         1000,-3,neg,200,OK,true\n",
    )
    .unwrap();
    let mut r = JtlCsvReader::open(&p, CsvOptions::default(), 0).unwrap();
    let samples: Vec<Sample> = r.by_ref().collect::<Result<_, _>>().unwrap();
    assert_eq!(samples.len(), 2);
    assert_eq!(samples[0].rc, Some(Rc::Text("ConnectException".into())));
    assert_eq!(samples[1].elapsed_us, 0);
    assert_eq!(r.take_warnings().len(), 1, "negative times are reported");
}

#[test]
fn malformed_rows_name_file_line_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("bad.jtl");
    std::fs::write(
        &p,
        "timeStamp,elapsed,label,responseCode,success\n1000,5,a,200,true\n1000,five,a,200,true\n",
    )
    .unwrap();
    let err = read_all(&p).unwrap_err().to_string();
    assert!(
        err.contains("bad.jtl") && err.contains("line 3") && err.contains("elapsed is \"five\""),
        "{err}"
    );
    std::fs::write(&p, "timeStamp,elapsed,label,responseCode,success\n1000,5\n").unwrap();
    let err = read_all(&p).unwrap_err().to_string();
    assert!(
        err.contains("line 2") && err.contains("no \"label\" value"),
        "{err}"
    );
    std::fs::write(&p, "time,label\n1,a\n").unwrap();
    let err = read_all(&p).unwrap_err().to_string();
    assert!(err.contains("no \"timeStamp\" column"), "{err}");
    std::fs::write(&p, "").unwrap();
    assert!(matches!(read_all(&p), Err(JtlError::Empty { .. })));
    let missing = read_all(&dir.path().join("nope.jtl"))
        .unwrap_err()
        .to_string();
    assert!(
        missing.contains("cannot read") && missing.contains("nope.jtl"),
        "{missing}"
    );
}

#[test]
fn error_jtl_gives_assertion_and_subsample_details() {
    let mut buf = ErrorsBuffer::default();
    read_errors(&jtl("error-pair1.jtl"), &mut buf).unwrap();
    let all = buf.take_until(u64::MAX);
    let get = |label: &str| {
        all.get(label)
            .unwrap_or_else(|| panic!("{label}: {:?}", all.keys()))
    };
    let emb = &get("embeddedResources")[0];
    assert_eq!(
        (&*emb.msg, emb.rc.as_deref(), emb.kind),
        ("Not Found", Some("404"), FailureKind::SubSample)
    );
    let asrt = &get("Invalid Assert (No results for path)")[0];
    assert_eq!(
        (&*asrt.msg, asrt.kind),
        ("No results for path: $['error']", FailureKind::Assertion)
    );
    let host = &get("not exist url")[0];
    assert_eq!(
        host.rc.as_deref(),
        Some("Non HTTP response code: java.net.UnknownHostException")
    );
    assert_eq!(
        get("").iter().map(|e| e.cnt).sum::<u64>(),
        6,
        "every failed sample under the overall label"
    );
    assert!(buf.is_empty());

    let mut mix = ErrorsBuffer::default();
    read_errors(&jtl("error-mix.jtl"), &mut mix).unwrap();
    let all = mix.take_until(u64::MAX);
    let nnn = &all["http://blazedemo.com/nnn"][0];
    assert_eq!(
        (&*nnn.msg, nnn.kind),
        ("Not Found", FailureKind::Error),
        "a 404 wins over its assertion"
    );
}

#[test]
fn broken_error_xml_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("e.jtl");
    std::fs::write(
        &p,
        "<testResults><httpSample s=\"false\" lb=\"a\"><foo></testResults>",
    )
    .unwrap();
    let err = read_errors(&p, &mut ErrorsBuffer::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("e.jtl") && err.contains("not a JMeter XML results file"),
        "{err}"
    );
}
