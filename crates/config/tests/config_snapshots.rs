//! `insta` snapshots of the effective config (masked, as written to `effective.yml`) for a handful of
//! real configs. Made deterministic: fixed clock, fixed cwd, no process environment, and the
//! artifacts dir set by an override.

use std::path::{Path, PathBuf};

use chrono::TimeZone;
use stampede_config::{self as config, LoadOptions};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/config")
}

fn effective_yaml(files: &[&str], overrides: &[&str]) -> String {
    let mut all = vec!["settings.artifacts-dir=/artifacts/%Y%m%d-%H%M%S".to_string()];
    all.extend(overrides.iter().map(ToString::to_string));
    let opts = LoadOptions {
        overrides: all,
        aliases: Vec::new(),
        now: chrono::Local.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        cwd: PathBuf::from("/work"),
        lookup_env: Box::new(|_| None),
    };
    let files: Vec<PathBuf> = files.iter().map(|f| fixtures().join(f)).collect();
    let plan = config::load_with(&files, &opts).unwrap();
    config::to_yaml(&config::masked(&plan.effective)).unwrap()
}

#[test]
fn effective_dlt_json() {
    insta::assert_snapshot!(effective_yaml(
        &["taurus-generated/dlt.json"],
        &["modules.console.disable=true"]
    ));
}

#[test]
fn effective_basic_yml() {
    insta::assert_snapshot!(effective_yaml(&["taurus-generated/basic.yml"], &[]));
}

#[test]
fn effective_stepping_example() {
    insta::assert_snapshot!(effective_yaml(
        &["taurus-repo/examples/jmeter/stepping.yml"],
        &[]
    ));
}

#[test]
fn effective_inline_scenario_and_include_scenario() {
    insta::assert_snapshot!(effective_yaml(
        &["taurus-repo/examples/jmeter/default-address-trick.yml"],
        &[]
    ));
}

#[test]
fn effective_with_secrets_masked() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("secrets.yml");
    std::fs::write(
        &file,
        "settings:\n  env:\n    API_TOKEN: s3cr3t\nexecution:\n- scenario: s\n  hold-for: 1m\nscenarios:\n  s:\n    \
         headers:\n      Authorization: Bearer ${API_TOKEN}\n    requests:\n    - url: http://127.0.0.1:9/login\n      \
         method: POST\n      body: {user: u, password: hunter2}\n",
    )
    .unwrap();
    let text = effective_yaml(&[file.to_str().unwrap()], &[]);
    assert!(
        !text.contains("s3cr3t") && !text.contains("hunter2"),
        "{text}"
    );
    insta::assert_snapshot!(text);
}
