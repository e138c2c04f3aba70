//! Real Taurus configs (fixtures/scenario, copied from the Taurus repository and a real bzt run)
//! compile, or fail with the error a user needs.

use serde_json::Value;
use stampede_scenario::{CompileContext, CompiledScenario, Problem, ScenarioError};
use std::path::PathBuf;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scenario")
}

fn load(file: &str) -> Value {
    let text = std::fs::read_to_string(dir().join(file)).unwrap();
    serde_saphyr::from_str(&text).unwrap_or_else(|e| panic!("{file}: {e}"))
}

fn compile(file: &str, scenario: &str) -> Result<CompiledScenario, ScenarioError> {
    let config = load(file);
    let scen = config["scenarios"][scenario].clone();
    assert!(!scen.is_null(), "{file}: no scenario {scenario}");
    let base = dir();
    let ctx = CompileContext {
        file: None,
        base_dir: &base,
        search_path: &[],
        config: &config,
        source: 0,
    };
    CompiledScenario::compile(scenario, &scen, &ctx)
}

#[test]
fn csv_usage_two_shorthand_sources_and_form_body() {
    let s = compile("csv-usage.yml", "csv-demo").unwrap();
    assert_eq!(
        s.labels(),
        vec![
            "http://blazedemo.com${page}",
            "http://blazedemo.com/purchase.php"
        ]
    );
}

#[test]
fn simple_assert_stepping_body_file_and_timers() {
    assert_eq!(
        compile("simple-assert.yml", "sc").unwrap().labels(),
        vec!["http://blazedemo.com/", "should-fail"]
    );
    let s = compile("stepping.yml", "simple").unwrap();
    assert_eq!(s.labels().len(), 4);
    compile("body-file.yml", "bfile").unwrap();
    let config = load("timers.yml");
    let ctx = CompileContext {
        file: None,
        base_dir: &dir(),
        search_path: &[],
        config: &config,
        source: 0,
    };
    let s = CompiledScenario::compile("inline", &config["execution"]["scenario"], &ctx).unwrap();
    assert_eq!(
        s.labels(),
        vec![
            "http://blazedemo.com/t0",
            "http://blazedemo.com/t1",
            "http://blazedemo.com/t2",
            "http://blazedemo.com/t3"
        ]
    );
}

#[test]
fn inline_scenario_default_address_reaches_the_included_requests() {
    let config = load("default-address-trick.yml");
    let ctx = CompileContext {
        file: None,
        base_dir: &dir(),
        search_path: &[],
        config: &config,
        source: 0,
    };
    let s = CompiledScenario::compile("inline", &config["execution"][0]["scenario"], &ctx).unwrap();
    assert_eq!(s.labels(), vec!["Home"]);
}

#[test]
fn properties_choose_the_csv_file_of_an_included_scenario() {
    compile("three.yml", "csv1").unwrap();
    // csv2.csv is not shipped with the example: the error names the file.
    let e = compile("three.yml", "csv2").unwrap_err().to_string();
    assert!(e.contains("csv2.csv"), "{e}");
}

#[test]
fn jsr223_example_is_refused_by_name() {
    let e = compile("prmctl.yml", "main").unwrap_err().to_string();
    assert!(e.contains("requests[0]") && e.contains("jsr223"), "{e}");
}

#[test]
fn converter_output_with_placeholder_conditions_is_a_validation_error() {
    let e = compile("controllers.yml", "Thread Group")
        .unwrap_err()
        .to_string();
    assert!(e.contains("condition \"condition1\""), "{e}");
    let e = compile("all_controllers.yml", "Thread Group")
        .unwrap_err()
        .to_string();
    assert!(e.contains("\"IF1\""), "{e}");
}

#[test]
fn converter_params_and_scenario_level_assertions_compile() {
    let s = compile("params_conversion.yml", "Thread Group").unwrap();
    assert_eq!(s.labels(), vec!["r1", "r2", "r3"]);
    let config = load("broken_resp_asserts.yml");
    let ctx = CompileContext {
        file: None,
        base_dir: &dir(),
        search_path: &[],
        config: &config,
        source: 0,
    };
    for (name, scen) in config["scenarios"].as_object().unwrap() {
        // The converter leaves `requests: []`, which is refused (nothing to measure)...
        let e = CompiledScenario::compile(name, scen, &ctx).unwrap_err();
        assert!(matches!(e.problem, Problem::NoRequests), "{e}");
        assert!(e.problem.to_string().contains("no requests"), "{e}");
        // ...while its scenario-level assertions are understood, not reported as unknown keys.
        let mut scen = scen.clone();
        scen["requests"] = serde_json::json!(["http://h/"]);
        let s = CompiledScenario::compile(name, &scen, &ctx).unwrap_or_else(|e| panic!("{e}"));
        assert!(s.warnings().is_empty(), "{name}: {:?}", s.warnings());
    }
}

#[test]
fn the_real_assert_fail_run_compiles_to_its_labels() {
    let s = compile("jmeter-assert-fail.effective.yml", "asrt").unwrap();
    assert_eq!(s.labels(), vec!["home", "ok-text", "missing"]);
}

/// Certificate checking is off by default (JMeter accepts any certificate); the scenario's
/// `verify-tls` or `settings.verify-tls` turns it on, the scenario winning.
#[test]
fn tls_verification_is_off_by_default_and_switchable() {
    let base = dir();
    let compile = |config: serde_json::Value| {
        let ctx = CompileContext {
            file: None,
            base_dir: &base,
            search_path: &[],
            config: &config,
            source: 0,
        };
        CompiledScenario::compile("s", &config["scenarios"]["s"], &ctx)
            .unwrap()
            .client_config()
            .verify_tls
    };
    let req = serde_json::json!(["https://127.0.0.1/"]);
    assert!(!compile(
        serde_json::json!({"scenarios": {"s": {"requests": req}}})
    ));
    assert!(compile(
        serde_json::json!({"scenarios": {"s": {"requests": req, "verify-tls": true}}})
    ));
    assert!(compile(
        serde_json::json!({"settings": {"verify-tls": true}, "scenarios": {"s": {"requests": req}}})
    ));
    assert!(!compile(
        serde_json::json!({"settings": {"verify-tls": true},
        "scenarios": {"s": {"requests": req, "verify-tls": false}}})
    ));
}

/// Taurus's own apiritif example writes JSONPaths the Jayway way (`$.[5].userId`); JMeter and
/// apiritif accept them, so Stampede must too.
#[test]
fn taurus_example_with_jayway_jsonpaths_compiles() {
    let file = dir().join("../qa/apiritif_basic.yml");
    let config: Value = serde_saphyr::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    let base = dir();
    let ctx = CompileContext {
        file: None,
        base_dir: &base,
        search_path: &[],
        config: &config,
        source: 0,
    };
    let s = CompiledScenario::compile(
        "with-extractors",
        &config["scenarios"]["with-extractors"],
        &ctx,
    )
    .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(s.labels()[1], "get posts");
}
