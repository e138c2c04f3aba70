//! The config shapes DLT writes (`docs/dlt-container.md#config-examples`, verbatim), as the container runs them:
//! `bzt test.json -o modules.console.disable=true`.

use serde_json::json;
use stampede_config::{self as config, ConfigError, Plan};

fn load_json(text: &str) -> Result<Plan, ConfigError> {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("test.json");
    std::fs::write(&file, text).unwrap();
    config::load(&[file], &["modules.console.disable=true".into()])
}

const REPORTING: &str = r#""reporting":[{"module":"final-stats","summary":true,"percentiles":true,"summary-labels":true,"test-duration":true,"dump-xml":"/tmp/artifacts/results.xml"}]"#;

#[test]
fn v1_simple_test_with_string_concurrency() {
    let plan = load_json(&format!(
        r#"{{"execution":[{{"concurrency":"10","ramp-up":"1m","hold-for":"5m","scenario":"MyTest"}}],"scenarios":{{"MyTest":{{"requests":[{{"url":"https://example.com/api","method":"GET","body":{{}},"headers":{{"x-api-key":"abc"}}}}]}}}},{REPORTING}}}"#
    ))
    .unwrap();
    let e = &plan.executions[0];
    assert_eq!((e.executor.as_str(), e.load.concurrency), ("jmeter", 10));
    assert_eq!(e.load.duration(), std::time::Duration::from_secs(360));
    assert!(plan.console_disabled());
    assert_eq!(
        config::masked(&plan.effective)["scenarios"]["MyTest"]["requests"][0]["headers"]["x-api-key"],
        json!("********")
    );
}

#[test]
fn v3_simple_test_with_executor_and_task_count() {
    let plan = load_json(&format!(
        r#"{{"execution":[{{"ramp-up":"1m","hold-for":"5m","scenario":"MyTest","executor":"jmeter","taskCount":2,"concurrency":10}}],"scenarios":{{"MyTest":{{"requests":[{{"url":"https://example.com/","method":"POST","body":{{"a":1}},"headers":{{"Content-Type":"application/json"}}}}]}}}},{REPORTING}}}"#
    ))
    .unwrap();
    assert_eq!(
        plan.executions[0].load.concurrency, 10,
        "concurrency is per task"
    );
    assert!(
        plan.warnings.iter().all(|w| !w.contains("taskCount")),
        "{:?}",
        plan.warnings
    );
}

#[test]
fn v4_simple_test_with_string_body() {
    let plan = load_json(
        r#"{"execution":[{"ramp-up":"10s","hold-for":"2m","scenario":"t"}],"scenarios":{"t":{"requests":[{"url":"https://example.com/","method":"PUT","body":"{\"k\": 1}","headers":{}}]}}}"#,
    )
    .unwrap();
    assert_eq!(
        plan.executions[0].scenario["requests"][0]["body"],
        json!("{\"k\": 1}")
    );
}

#[test]
fn script_tests_are_not_supported_yet() {
    for (executor, script, feature) in [
        ("k6", "ryWOD3EDT.jmx", "the 'k6' executor"),
        ("k6", "abc.js", "the 'k6' executor"),
        ("locust", "abc.py", "Python scripts"),
        ("jmeter", "abc.zip", "'jmeter' script files"),
    ] {
        let err = load_json(&format!(
            r#"{{"execution":[{{"ramp-up":"10s","hold-for":"2m","scenario":"s","executor":"{executor}"}}],"scenarios":{{"s":{{"script":"{script}"}}}}}}"#
        ))
        .unwrap_err()
        .to_string();
        assert!(
            err.starts_with(&format!("not supported yet: {feature}")),
            "{err}"
        );
    }
}

#[test]
fn a_jmeter_plan_is_accepted_for_the_jmeter_executor() {
    let plan = load_json(
        r#"{"execution":[{"concurrency":3,"hold-for":"2m","scenario":"s","executor":"jmeter"}],"scenarios":{"s":{"script":"ryWOD3EDT.jmx"}}}"#,
    )
    .unwrap();
    assert_eq!(
        plan.executions[0].scenario["script"],
        json!("ryWOD3EDT.jmx")
    );
    assert_eq!(plan.executions[0].load.concurrency, 3);
}

#[test]
fn plan_from_str_for_other_modules_tests() {
    let plan = config::plan_from_str(
        "execution:\n- concurrency: 2\n  hold-for: 3s\n  scenario: s\nscenarios:\n  s:\n    requests: [http://127.0.0.1:9/]\n",
    )
    .unwrap();
    assert_eq!(plan.executions[0].load.concurrency, 2);
    assert!(config::plan_from_str("execution: [").is_err());
}
