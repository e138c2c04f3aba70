//! `results-parser local`: DLT's output for local files, exact keys, order and types.

use std::process::Command;

fn fixture_path(name: &str) -> String {
    format!("{}/../../fixtures/dlt/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_results-parser"))
        .arg("local")
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn prints_dlt_tasks_and_final_exactly() {
    let (ok, stdout, stderr) = run(&[
        &fixture_path("taurus-results-sample-pr14.xml"),
        "--dlt",
        "v4",
    ]);
    assert!(ok, "{stderr}");
    let want: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(fixture_path(
            "expected-parser-output-pr14-sample.GENERATED.json",
        ))
        .unwrap(),
    )
    .unwrap();
    let expected = format!(
        "{{\"tasks\":[{}],\"final\":{}}}",
        serde_json::to_string(&want["v1.3.0.results()"]).unwrap(),
        serde_json::to_string(&want["v1.3.0.finalResults()"]).unwrap()
    );
    let got: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(serde_json::to_string(&got).unwrap(), expected);
}

#[test]
fn v1_era_names_endpoints_and_skips_label_aggregation() {
    let (ok, stdout, _) = run(&[
        "--dlt=v1",
        &fixture_path("results-multiple-rc-RECONSTRUCTED.xml"),
    ]);
    assert!(ok);
    let got: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(got["tasks"][0]["endPoints"][0]["endpoint"], "API1");
    assert!(got["final"].get("labels").is_none());
}

#[test]
fn bad_input_is_a_clear_error_and_nonzero_exit() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.xml");
    std::fs::write(&bad, "<FinalStatus><Group label=\"x\">").unwrap();
    let (ok, _, stderr) = run(&[bad.to_str().unwrap()]);
    assert!(!ok);
    assert!(stderr.contains("bad.xml"), "{stderr}");
    let (ok, _, stderr) = run(&["--dlt", "v9", "x.xml"]);
    assert!(!ok);
    assert!(stderr.contains("use v1 or v4"), "{stderr}");
    let (ok, _, stderr) = run(&[]);
    assert!(!ok && stderr.contains("usage"), "{stderr}");
}
