//! What the config work writes into the artifacts dir at prepare time (`docs/taurus-config.md#artifacts`): effective and
//! merged configs (secrets masked) and copies of the config files; plus the artifacts-dir template.

use std::path::PathBuf;

use chrono::TimeZone;
use stampede_config::{self as config, LoadOptions};

fn write(dir: &std::path::Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn prepare_writes_effective_merged_and_copies() {
    let tmp = tempfile::tempdir().unwrap();
    let base = write(
        tmp.path(),
        "base.yml",
        "scenarios:\n  s:\n    headers: {Authorization: Bearer abc}\n    requests: [http://127.0.0.1:9/]\n",
    );
    let sub = tmp.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    // Same file name twice: the second copy gets a `-1` suffix, as Taurus names unique artifacts.
    let load = write(
        &sub,
        "base.yml",
        "execution:\n- scenario: s\n  concurrency: 3\n",
    );
    let mut opts = LoadOptions::new(&[]);
    opts.cwd = tmp.path().to_path_buf();
    opts.now = chrono::Local.with_ymd_and_hms(2026, 5, 6, 7, 8, 9).unwrap();
    let plan = config::load_with(&[base, load], &opts).unwrap();
    assert_eq!(
        plan.artifacts_dir,
        tmp.path().join("2026-05-06_07-08-09.000000")
    );
    config::prepare(&plan).unwrap();
    let dir = &plan.artifacts_dir;
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "base-1.yml",
            "base.yml",
            "effective.json",
            "effective.yml",
            "merged.json",
            "merged.yml"
        ]
    );
    let effective = std::fs::read_to_string(dir.join("effective.yml")).unwrap();
    assert!(
        effective.contains("Authorization: \"********\""),
        "{effective}"
    );
    assert!(!effective.contains("abc"), "{effective}");
    assert!(
        effective.contains(&format!("TAURUS_ARTIFACTS_DIR: {}", dir.display())),
        "{effective}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("effective.json")).unwrap())
            .unwrap();
    assert_eq!(json["execution"][0]["concurrency"], 3);
    let merged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("merged.json")).unwrap()).unwrap();
    // merged = the user files only: no base-config reporters.
    assert!(merged.get("reporting").is_none(), "{merged}");
    assert_eq!(
        merged["scenarios"]["s"]["headers"]["Authorization"],
        "********"
    );
    // The copies are verbatim (unmasked: they are the user's own files).
    assert_eq!(
        std::fs::read_to_string(dir.join("base-1.yml")).unwrap(),
        "execution:\n- scenario: s\n  concurrency: 3\n"
    );
}

#[test]
fn artifacts_dir_is_env_expanded_and_absolute() {
    let tmp = tempfile::tempdir().unwrap();
    let file = write(
        tmp.path(),
        "t.yml",
        "settings:\n  artifacts-dir: ${OUT}/run-%H%M\n  env:\n    OUT: results\nexecution:\n- scenario: {requests: [http://127.0.0.1:9/]}\n",
    );
    let mut opts = LoadOptions::new(&[]);
    opts.cwd = tmp.path().to_path_buf();
    opts.now = chrono::Local.with_ymd_and_hms(2026, 5, 6, 7, 8, 9).unwrap();
    let plan = config::load_with(&[file], &opts).unwrap();
    assert_eq!(plan.artifacts_dir, tmp.path().join("results/run-0708"));
    assert!(
        !plan.artifacts_dir.exists(),
        "loading must not create the dir"
    );
    assert_eq!(
        plan.env.get("TAURUS_ARTIFACTS_DIR"),
        Some(&Some(
            tmp.path().join("results/run-0708").display().to_string()
        ))
    );
}

#[test]
fn dump_effective_into_any_dir() {
    let tmp = tempfile::tempdir().unwrap();
    let value =
        serde_json::json!({"settings": {"proxy": {"password": "p"}}, "a": [1, {"token": "t"}]});
    config::dump_effective(&value, tmp.path()).unwrap();
    let yml = std::fs::read_to_string(tmp.path().join("effective.yml")).unwrap();
    assert_eq!(
        yml,
        "settings:\n  proxy:\n    password: \"********\"\na:\n- 1\n- token: \"********\"\n"
    );
    let err = config::dump_effective(&value, &tmp.path().join("missing/dir")).unwrap_err();
    assert!(err.to_string().starts_with("cannot write '"), "{err}");
}
