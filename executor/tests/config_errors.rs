//! Bad input: every case gives a clear message (file, where, what is wrong, what to do) and no panic.
//! The bad configs of the real bzt runs (fixtures/config/taurus-generated/errors) are matched against
//! what Taurus said in `../shared/reference/taurus-generated/runs/err-*`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use stampede_config::{self as config, ConfigError, Plan};

fn errors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/config/taurus-generated/errors")
}

/// Writes `text` as a config file in a fresh temp dir and loads it.
fn load_text(text: &str, overrides: &[&str]) -> Result<Plan, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("test.yml");
    std::fs::write(&file, text).unwrap();
    let overrides: Vec<String> = overrides.iter().map(ToString::to_string).collect();
    config::load(&[file], &overrides)
}

fn err(text: &str) -> String {
    load_text(text, &[]).expect_err("should fail").to_string()
}

const SCENARIO: &str = "scenarios:\n  s1:\n    requests:\n    - http://127.0.0.1:9/\n";

fn with_execution(execution: &str) -> String {
    format!("execution:\n- scenario: s1\n{execution}{SCENARIO}")
}

#[test]
fn invalid_yaml_names_file_line_and_column() {
    let file = errors_dir().join("invalid-yaml.yml");
    let e = config::load(std::slice::from_ref(&file), &[]).unwrap_err();
    let ConfigError::Syntax { line, column, .. } = &e else {
        panic!("{e:?}")
    };
    // PyYAML said: line 5, column 15 (`bad-indent: [unclosed`, at the colon).
    assert_eq!(*line, 5, "{e}");
    assert!(*column > 0, "{e}");
    let msg = e.to_string();
    assert!(
        msg.starts_with(&format!(
            "Error when reading config file '{}': ",
            file.display()
        )),
        "{msg}"
    );
    assert!(msg.contains("at line 5, column"), "{msg}");
    assert!(msg.contains("Fix the YAML syntax"), "{msg}");
}

#[test]
fn invalid_json_names_line_and_column() {
    let msg = err("{\"execution\": [\n  {\"concurrency\": 1 \"x\": 2}\n]}");
    assert!(msg.contains("at line 2, column"), "{msg}");
    assert!(msg.contains("JSON"), "{msg}");
}

#[test]
fn missing_file() {
    let e = config::load(&[PathBuf::from("/nonexistent/dir/test.yml")], &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "Config file not found: '/nonexistent/dir/test.yml'. Check the path (relative paths are resolved from the current directory)"
    );
    assert!(matches!(config::load(&[], &[]), Err(ConfigError::NoFiles)));
}

#[test]
fn no_execution_as_taurus() {
    let e = config::load(&[errors_dir().join("no-execution.yml")], &[]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "No 'execution' is configured. Did you forget to pass config files?"
    );
    assert!(matches!(
        load_text("execution: []\n", &[]),
        Err(ConfigError::NoExecution)
    ));
}

#[test]
fn undefined_scenario_lists_known_ones() {
    let e = config::load(&[errors_dir().join("missing-scenario.yml")], &[]).unwrap_err();
    // The message names the file that holds the value, relative to the working directory.
    assert_eq!(
        e.to_string(),
        "Scenario 'does-not-exist' not found in scenarios: [s1]. Define it under 'scenarios:' or fix the name in 'execution.0.scenario' (in ../fixtures/config/taurus-generated/errors/missing-scenario.yml)"
    );
    let msg = err("execution:\n- concurrency: 1\n");
    assert!(
        msg.starts_with("Scenario is not found in execution"),
        "{msg}"
    );
}

#[test]
fn unknown_executor_lists_aliases_as_taurus() {
    let msg = config::load(&[errors_dir().join("unknown-executor.yml")], &[])
        .unwrap_err()
        .to_string();
    assert!(msg.starts_with("Module 'no-such-tool' not found in list of available aliases [ab, android-emulator, apiritif,"), "{msg}");
    assert!(msg.contains("jmeter") && msg.contains("stampede"), "{msg}");
}

#[test]
fn typos_are_errors_with_taurus_linter_messages() {
    let msg = config::load(&[errors_dir().join("typo-keys.yml")], &[])
        .unwrap_err()
        .to_string();
    assert_eq!(
        msg,
        "Errors were found in the configuration:\n\
         at path 'reportng': unfamiliar name 'reportng'. Did you mean 'reporting'?\n\
         at path 'execution.0.concurency': unfamiliar name 'concurency'. Did you mean 'concurrency'?\n\
         at path 'execution.0.hold-fr': unfamiliar name 'hold-fr'. Did you mean 'hold-for'?"
    );
}

#[test]
fn far_unknown_keys_are_warnings_and_the_run_goes_on() {
    let plan = config::load(&[errors_dir().join("unknown-keys.yml")], &[]).unwrap();
    let w = plan.warnings.join("\n");
    assert!(
        w.contains("at path 'totally-unknown-top-level': unknown key"),
        "{w}"
    );
    assert!(
        w.contains("at path 'execution.0.bogus-exec-key': unknown key"),
        "{w}"
    );
    assert!(
        w.contains("at path 'scenarios.s1.bogus-scenario-key': unknown key"),
        "{w}"
    );
    assert_eq!(plan.executions[0].load.concurrency, 2);
}

#[test]
fn bad_concurrency_values() {
    for (value, reason) in [
        ("-1", "negative"),
        ("abc", "not a number"),
        ("'${__P(users,2)}'", "JMeter functions"),
        ("2.5", "not a whole number"),
        ("[1]", "not a number"),
        ("{local: -3}", "negative"),
        ("99999999999", "too large"),
    ] {
        let msg = err(&with_execution(&format!("  concurrency: {value}\n")));
        assert!(
            msg.starts_with("invalid concurrency at 'execution.0.concurrency'"),
            "{value}: {msg}"
        );
        assert!(msg.contains(reason), "{value}: {msg}");
        assert!(
            msg.contains("Use a whole number of virtual users"),
            "{value}: {msg}"
        );
    }
}

#[test]
fn bad_durations() {
    for (key, value, reason) in [
        ("hold-for", "5 minutes", "unsupported unit \"minutes\""),
        ("ramp-up", "soon", "format not supported"),
        ("hold-for", "-5s", "negative"),
        ("delay", "1x", "unsupported unit \"x\""),
        ("hold-for", "[1]", "format not supported"),
    ] {
        let msg = err(&with_execution(&format!("  {key}: {value}\n")));
        assert!(
            msg.starts_with(&format!("invalid time value at 'execution.0.{key}'")),
            "{msg}"
        );
        assert!(msg.to_lowercase().contains(&reason.to_lowercase()), "{msg}");
        assert!(msg.contains("e.g. 90s, 1m30s"), "{msg}");
    }
}

#[test]
fn bad_numbers() {
    let msg = err(&with_execution("  iterations: many\n"));
    assert!(
        msg.starts_with("invalid number at 'execution.0.iterations'"),
        "{msg}"
    );
    let msg = err(&with_execution("  hold-for: 1m\n  throughput: -5\n"));
    assert!(msg.contains("'execution.0.throughput'"), "{msg}");
}

#[test]
fn scripts_and_tool_executors_are_not_supported_yet() {
    let cases = [
        (
            "execution:\n- executor: gatling\n  scenario: {script: test.jmx}\n",
            "not supported yet: JMeter .jmx scripts (script: test.jmx)",
        ),
        (
            "execution:\n- executor: locust\n  scenario: {script: locustfile.py}\n",
            "not supported yet: Python scripts",
        ),
        (
            "execution:\n- executor: k6\n  scenario: {script: t.js}\n",
            "not supported yet: the 'k6' executor",
        ),
        (
            "execution:\n- executor: selenium\n  scenario: s1\n",
            "not supported yet: the 'selenium' executor",
        ),
        (
            "execution:\n- executor: gatling\n  scenario: {script: Sim.scala}\n",
            "not supported yet: Gatling .scala scripts",
        ),
    ];
    for (text, want) in cases {
        let msg = err(&format!("{text}{SCENARIO}"));
        assert!(msg.starts_with(want), "{msg}");
        assert!(
            msg.contains("convert the test to a requests scenario"),
            "{msg}"
        );
    }
}

#[test]
fn scheduling_and_cloud_features_are_not_supported_yet() {
    let msg = err(&with_execution("  start-at: '2026-01-01 10:00'\n"));
    assert!(
        msg.starts_with("not supported yet: scheduled start ('start-at')"),
        "{msg}"
    );
    let msg = err(&with_execution("  distributed: [host1]\n"));
    assert!(
        msg.starts_with("not supported yet: JMeter distributed mode"),
        "{msg}"
    );
    let msg = err(&format!("provisioning: cloud\n{}", with_execution("")));
    assert!(
        msg.starts_with("not supported yet: provisioning cloud"),
        "{msg}"
    );
}

#[test]
fn wrong_shapes() {
    let msg = err("execution: 5\n");
    assert!(
        msg.starts_with(
            "'execution' must be a list of executions (or one execution mapping), got a number (in /"
        ) && msg.ends_with("/test.yml)"),
        "{msg}"
    );
    let msg = err(&format!("execution:\n- scenario: [a]\n{SCENARIO}"));
    assert!(
        msg.starts_with("'execution.0.scenario' must be a scenario name"),
        "{msg}"
    );
    let msg = err("- a\n- b\n");
    assert!(
        msg.contains("document 1 is a list, but a config must be a mapping"),
        "{msg}"
    );
    let msg = err("execution:\n- scenario: s1\nscenarios:\n  s1:\n    requests: http://x/\n");
    assert!(
        msg.starts_with("'scenarios.s1.requests' must be a list of requests"),
        "{msg}"
    );
    let msg = err("execution:\n- scenario: s1\nscenarios:\n  s1:\n    headers: {}\n");
    assert!(msg.starts_with("Scenario 's1' has no 'requests'"), "{msg}");
    let msg = err(&format!("reporting: final-stats\n{}", with_execution("")));
    assert!(
        msg.starts_with("'reporting' must be a list of modules"),
        "{msg}"
    );
}

#[test]
fn bad_overrides_and_includes() {
    let e = load_text(&with_execution(""), &["no-equals-sign"])
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("invalid override '-o no-equals-sign': there is no '='"),
        "{e}"
    );
    let e = load_text(&with_execution(""), &["execution.0.scenario.x=1"])
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("cannot apply key 'x': 'execution.0.scenario' is a string"),
        "{e}"
    );
    let e = err(&format!(
        "included-configs: [nope.yml]\n{}",
        with_execution("")
    ));
    assert!(
        e.starts_with(
            "included config 'nope.yml' (from included-configs) was not found; searched:"
        ),
        "{e}"
    );
}

#[test]
fn external_results_loader_needs_a_data_file() {
    let plan = load_text(
        "execution:\n- executor: external-results-loader\n  data-file: kpi.jtl\n",
        &[],
    )
    .unwrap();
    assert_eq!(plan.executions[0].data_file, Some(PathBuf::from("kpi.jtl")));
    assert_eq!(plan.executions[0].scenario_name, "");
    let msg = err("execution:\n- executor: external-results-loader\n");
    assert!(
        msg.contains("external-results-loader needs 'data-file'"),
        "{msg}"
    );
}

/// The oracle config of the reference runs: files in the scenario, relative to the config's directory.
#[test]
fn external_results_loader_files_from_the_scenario() {
    let tmp = tempfile::tempdir().unwrap();
    let configs = tmp.path().join("configs");
    let inputs = tmp.path().join("inputs");
    std::fs::create_dir_all(&configs).unwrap();
    std::fs::create_dir_all(&inputs).unwrap();
    std::fs::write(inputs.join("fixture-kpi.jtl"), "timeStamp,elapsed\n").unwrap();
    std::fs::write(inputs.join("fixture-error.jtl"), "<testResults/>\n").unwrap();
    let src = errors_dir().join("../external-jtl.yml");
    std::fs::copy(src, configs.join("external-jtl.yml")).unwrap();
    let plan = config::load(&[configs.join("external-jtl.yml")], &[]).unwrap();
    let e = &plan.executions[0];
    assert_eq!(e.executor, "external-results-loader");
    assert_eq!(e.scenario_name, "ext");
    assert_eq!(
        e.data_file.as_deref(),
        Some(configs.join("../inputs/fixture-kpi.jtl").as_path())
    );
    assert_eq!(
        e.errors_file.as_deref(),
        Some(configs.join("../inputs/fixture-error.jtl").as_path())
    );
    assert!(executor::plan::validate_plan(&plan).0.is_empty());
    std::fs::remove_file(inputs.join("fixture-kpi.jtl")).unwrap();
    let plan = config::load(&[configs.join("external-jtl.yml")], &[]).unwrap();
    let (problems, _) = executor::plan::validate_plan(&plan);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0]
            .starts_with("execution.0.data-file: file '../inputs/fixture-kpi.jtl' not found"),
        "{problems:?}"
    );
}

/// The derived load of `docs/taurus-config.md#derived-load`, table-driven.
#[test]
fn derived_load_table() {
    let s = Duration::from_secs;
    type Row = (
        &'static str,
        u32,
        Option<Duration>,
        Option<Duration>,
        Option<u64>,
        Option<f64>,
        Option<u32>,
    );
    let rows: &[Row] = &[
        ("", 1, None, None, Some(1), None, None),
        ("  concurrency: 5\n", 5, None, None, Some(1), None, None),
        (
            "  concurrency: '10'\n  hold-for: 1m\n",
            10,
            None,
            Some(s(60)),
            None,
            None,
            None,
        ),
        (
            "  concurrency: {local: 3, cloud: 100}\n  ramp-up: 30\n",
            3,
            Some(s(30)),
            None,
            None,
            None,
            None,
        ),
        (
            "  concurrency: {cloud: 100}\n",
            1,
            None,
            None,
            Some(1),
            None,
            None,
        ),
        (
            "  iterations: 10\n  hold-for: 1h\n",
            1,
            None,
            Some(s(3600)),
            Some(10),
            None,
            None,
        ),
        (
            "  iterations: 0\n  hold-for: 5s\n",
            1,
            None,
            Some(s(5)),
            None,
            None,
            None,
        ),
        ("  iterations: '7'\n", 1, None, None, Some(7), None, None),
        (
            "  hold-for: 1m\n  throughput: 100\n",
            1,
            None,
            Some(s(60)),
            None,
            Some(100.0),
            None,
        ),
        (
            "  hold-for: 1m\n  throughput: {local: '2.5'}\n",
            1,
            None,
            Some(s(60)),
            None,
            Some(2.5),
            None,
        ),
        ("  throughput: 100\n", 1, None, None, Some(1), None, None),
        (
            "  ramp-up: 1m\n  steps: 4\n",
            1,
            Some(s(60)),
            None,
            None,
            None,
            Some(4),
        ),
        (
            "  hold-for: 1m\n  steps: 4\n",
            1,
            None,
            Some(s(60)),
            None,
            None,
            None,
        ),
        (
            "  concurrency: 0\n  hold-for: 1s\n",
            0,
            None,
            Some(s(1)),
            None,
            None,
            None,
        ),
        (
            "  hold-for: 1m30\n  ramp-up: 0.1m\n",
            1,
            Some(s(6)),
            Some(s(90)),
            None,
            None,
            None,
        ),
    ];
    for (text, conc, ramp, hold, iters, tput, steps) in rows {
        let plan = load_text(&with_execution(text), &[]).unwrap_or_else(|e| panic!("{text}: {e}"));
        let l = &plan.executions[0].load;
        assert_eq!(
            (
                l.concurrency,
                l.ramp_up,
                l.hold_for,
                l.iterations,
                l.throughput,
                l.steps
            ),
            (*conc, *ramp, *hold, *iters, *tput, *steps),
            "{text}"
        );
    }
}

#[test]
fn ignored_settings_are_warned_about() {
    let plan = load_text(&with_execution("  throughput: 100\n"), &[]).unwrap();
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("You must set 'ramp-up' and/or 'hold-for'")),
        "{:?}",
        plan.warnings
    );
    let plan = load_text(&with_execution("  hold-for: 1s\n  steps: 3\n"), &[]).unwrap();
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("'steps' needs 'ramp-up'")),
        "{:?}",
        plan.warnings
    );
    let plan = load_text(
        &with_execution("  hold-for: 1s\n  locations: {us-east-1: 1}\n"),
        &[],
    )
    .unwrap();
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("locations is for cloud provisioning")),
        "{:?}",
        plan.warnings
    );
    // No executor named: the emulation note would tell the user nothing.
    assert!(
        !plan.warnings.iter().any(|w| w.contains("emulated")),
        "{:?}",
        plan.warnings
    );
    let plan = load_text(&with_execution("  executor: jmeter\n  hold-for: 1s\n"), &[]).unwrap();
    assert!(
        plan.warnings
            .iter()
            .any(|w| w.contains("executor 'jmeter'") && w.contains("emulated")),
        "{:?}",
        plan.warnings
    );
}

#[test]
fn binary_garbage_is_an_error_not_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bin.yml");
    std::fs::write(&file, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let msg = config::load(&[file], &[]).unwrap_err().to_string();
    assert!(msg.contains("not UTF-8"), "{msg}");
    for text in [
        "{",
        "[",
        ":",
        "a: *nope",
        "a: &x [*x]",
        "\t\t",
        "---\n- 1\n",
        "execution: {scenario: null}",
    ] {
        assert!(load_text(text, &[]).is_err(), "{text:?}");
    }
}

/// Taurus issue #1872: variables defined only in an included config were not substituted. Stampede
/// substitutes after all includes, so they are.
#[test]
fn env_from_included_config_is_substituted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("vars.yml"),
        "settings:\n  env:\n    url: example.com\n",
    )
    .unwrap();
    let main = dir.path().join("main.yml");
    std::fs::write(
        &main,
        "included-configs: [vars.yml]\nexecution:\n- scenario: s\nscenarios:\n  s:\n    requests: ['http://${url}/login']\n",
    )
    .unwrap();
    let plan = config::load(&[main], &[]).unwrap();
    assert_eq!(
        plan.executions[0].scenario["requests"][0],
        "http://example.com/login"
    );
}
