//! Errors about a config's content name the file (or the `-o` override) that holds the value,
//! beside its key path, when several files, includes and overrides are merged.

use stampede_config::{ConfigError, LoadOptions, load_with};
use std::path::{Path, PathBuf};

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

fn load(dir: &Path, files: &[&str], overrides: &[&str]) -> ConfigError {
    let mut opts = LoadOptions::new(&overrides.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    opts.cwd = dir.to_path_buf();
    let files: Vec<PathBuf> = files.iter().map(PathBuf::from).collect();
    load_with(&files, &opts).expect_err("the config is invalid")
}

const BASE: &str = "execution:\n- concurrency: 2\n  hold-for: 1s\n  scenario: s\nscenarios:\n  s:\n    requests:\n    - http://127.0.0.1:9/\n";

#[test]
fn each_error_names_where_its_value_was_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("tests")).unwrap();
    write(d, "base.yml", BASE);
    write(
        d,
        "tests/more.yml",
        "execution:\n- scenario: nope\n  hold-for: 1s\n",
    );
    write(
        d,
        "tests/k6.yml",
        "execution:\n- executor: k6\n  scenario: s\n  hold-for: 1s\n",
    );
    write(
        d,
        "neg.yml",
        "execution:\n- concurrency: -3\n  hold-for: 1s\n  scenario: s\n",
    );

    let e = load(d, &["base.yml", "tests/more.yml"], &[]);
    assert!(
        matches!(e.inner(), ConfigError::UndefinedScenario { .. }),
        "{e}"
    );
    assert_eq!(e.key_path(), Some("execution.1.scenario"));
    assert!(e.to_string().ends_with("(in tests/more.yml)"), "{e}");

    let e = load(d, &["base.yml", "tests/k6.yml"], &[]);
    assert!(e.to_string().contains("'execution.1.executor'"), "{e}");
    assert!(e.to_string().ends_with("(in tests/k6.yml)"), "{e}");

    // The second file's item is index 1; the first file's item 0 is fine.
    let e = load(d, &["base.yml", "neg.yml"], &[]);
    assert!(
        e.to_string()
            .starts_with("invalid concurrency at 'execution.1.concurrency': -3"),
        "{e}"
    );
    assert!(e.to_string().ends_with("(in neg.yml)"), "{e}");

    // An override wins over the file it overrides, and says so.
    let e = load(d, &["base.yml"], &["execution.0.concurrency=-1"]);
    assert!(
        e.to_string()
            .ends_with("(from -o execution.0.concurrency=-1)"),
        "{e}"
    );
    let e = load(d, &["base.yml"], &["execution.0.scenario=gone"]);
    assert!(
        e.to_string()
            .ends_with("(from -o execution.0.scenario=gone)"),
        "{e}"
    );
}

#[test]
fn errors_in_included_configs_name_the_included_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    write(
        d,
        "inc.yml",
        "execution:\n- concurrency: 1\n  hold-for: soon\n  scenario: s\n",
    );
    write(
        d,
        "main.yml",
        "included-configs: [inc.yml]\nscenarios:\n  s:\n    requests:\n    - http://127.0.0.1:9/\n",
    );
    let e = load(d, &["main.yml"], &[]);
    assert!(e.to_string().contains("'execution.0.hold-for'"), "{e}");
    assert!(e.to_string().ends_with("(in inc.yml)"), "{e}");
}
