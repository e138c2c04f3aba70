//! Every YAML/JSON file from the Taurus repository (fixtures/config/taurus-repo, see its README):
//! HTTP `requests` scenarios load into a plan; JMX and other executors fail with a clear message;
//! fragments without an execution merge cleanly with one. Plus Taurus's own test vectors for merging,
//! multi-document files, TABs, includes and env substitution.

use std::path::{Path, PathBuf};

use serde_json::{Value, json};
use stampede_config::{self as config, ConfigError};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/config/taurus-repo")
}

fn configs() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![repo()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("yml" | "yaml" | "json")
            ) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn rel(path: &Path) -> String {
    path.strip_prefix(repo())
        .unwrap()
        .to_string_lossy()
        .into_owned()
}

enum Expect {
    /// Loads into a plan with these executors.
    Plan(&'static [&'static str]),
    /// Fails with a message containing this text.
    Fails(&'static str),
    /// A fragment (no execution): loads when an execution is added.
    Fragment,
    /// Needs other files of the same example on the command line first.
    With(&'static [&'static str], &'static [&'static str]),
    /// Loads into one jmeter execution whose scenario is this `.jmx` script.
    Script(&'static str),
}

fn expectation(rel: &str) -> Expect {
    use Expect::*;
    match rel {
        "examples/all-executors.yml" => Fails("not supported yet: the 'selenium' executor"),
        "examples/blazemeter-demo/multi-location-multi-script.yml" => {
            Fails("not supported yet: the 'selenium' executor")
        }
        "tests/resources/json/json-but-not-yaml.json" => {
            Fails("not supported yet: the 'selenium' executor")
        }
        "tests/resources/json/concurrency.json" | "tests/resources/json/jmx.json" => {
            Script("tests/jmeter/jmx/dummy.jmx")
        }
        "tests/resources/yaml/converter/broken_resp_asserts.yml" => {
            Fails("Scenario 'tg_1_1' has no 'requests'")
        }
        "examples/executor-benchmark/exec-hits.yml" | "examples/executor-benchmark/exec-vu.yml" => {
            With(&["examples/executor-benchmark/scenario.yml"], &["jmeter"])
        }
        "examples/apiritif/apiritif_basic.yml"
        | "examples/apiritif/apiritif_load.yml"
        | "tests/resources/apiritif/test_codegen.yml" => Plan(&["apiritif"]),
        "examples/jmeter/three.yml" => Plan(&["jmeter", "jmeter", "jmeter"]),
        "tests/resources/yaml/multi-docs.yml" => Plan(&["jmeter", "gatling"]),
        "tests/resources/yaml/triple.yml" => Plan(&["jmeter", "jmeter", "jmeter"]),
        "examples/blazemeter-demo/dsl-blazedemo.yml"
        | "examples/blazemeter-demo/dsl-quick_test.yml"
        | "examples/jmeter/body-file.yml"
        | "examples/jmeter/csv-usage.yml"
        | "examples/jmeter/default-address-trick.yml"
        | "examples/jmeter/prmctl.yml"
        | "examples/jmeter/simple-assert.yml"
        | "examples/jmeter/stepping.yml"
        | "tests/resources/json/get-post.json"
        | "tests/resources/yaml/converter/all_controllers.yml"
        | "tests/resources/yaml/converter/controllers.yml"
        | "tests/resources/yaml/converter/params_conversion.yml"
        | "tests/resources/yaml/jmeter-test-script.yaml"
        | "tests/resources/yaml/timers.yml" => Plan(&["jmeter"]),
        _ => Fragment,
    }
}

fn executors(plan: &config::Plan) -> Vec<&str> {
    plan.executions
        .iter()
        .map(|e| e.executor.as_str())
        .collect()
}

#[test]
fn every_taurus_repo_config() {
    let extra = tempfile::NamedTempFile::with_suffix(".yml").unwrap();
    std::fs::write(
        extra.path(),
        "execution:\n- scenario: {requests: ['http://127.0.0.1:9/']}\n",
    )
    .unwrap();
    let all = configs();
    assert!(
        all.len() >= 40,
        "expected the Taurus repo fixtures, found {}",
        all.len()
    );
    for path in all {
        let name = rel(&path);
        match expectation(&name) {
            Expect::Plan(want) => {
                let plan = config::load(std::slice::from_ref(&path), &[])
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(executors(&plan), want, "{name}");
                for e in &plan.executions {
                    assert!(
                        e.scenario["requests"].is_array(),
                        "{name}: {:?}",
                        e.scenario
                    );
                }
            }
            Expect::Script(script) => {
                let plan = config::load(std::slice::from_ref(&path), &[])
                    .unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(executors(&plan), ["jmeter"], "{name}");
                assert_eq!(plan.executions[0].scenario["script"], script, "{name}");
            }
            Expect::Fails(text) => {
                let err = config::load(std::slice::from_ref(&path), &[])
                    .expect_err(&name)
                    .to_string();
                assert!(err.contains(text), "{name}: {err}");
            }
            Expect::Fragment => {
                let err = config::load(std::slice::from_ref(&path), &[]).expect_err(&name);
                assert!(matches!(err, ConfigError::NoExecution), "{name}: {err}");
                let plan = config::load(&[path.clone(), extra.path().to_path_buf()], &[])
                    .unwrap_or_else(|e| panic!("{name} + execution: {e}"));
                assert_eq!(plan.executions.len(), 1, "{name}");
            }
            Expect::With(before, want) => {
                let mut files: Vec<PathBuf> = before.iter().map(|b| repo().join(b)).collect();
                files.push(path.clone());
                let plan = config::load(&files, &[]).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(executors(&plan), want, "{name}");
            }
        }
    }
}

#[test]
fn derived_load_of_the_stepping_example() {
    let plan = config::load(&[repo().join("examples/jmeter/stepping.yml")], &[]).unwrap();
    let load = &plan.executions[0].load;
    assert_eq!(load.concurrency, 50);
    assert_eq!(load.ramp_up, Some(std::time::Duration::from_secs(120)));
    assert_eq!(load.hold_for, Some(std::time::Duration::from_secs(60)));
    assert_eq!(load.throughput, Some(25.0));
    assert_eq!(load.steps, Some(5));
    assert_eq!(load.iterations, None);
}

/// Taurus's tests/unit/test_configuration.py expectations for merge1.json + merge2.json.
#[test]
fn merge_test_vectors() {
    let dir = repo().join("tests/resources/json");
    let plan = config::load(
        &[dir.join("merge1.json"), dir.join("merge2.json")],
        &["execution.0.scenario.requests.0=http://127.0.0.1:9/".into()],
    )
    .unwrap();
    let m = &plan.merged;
    assert_eq!(m["list-append"], json!([1, 2, 3, 4, 5, 6]));
    assert_eq!(m["list-replace"], json!([4, 5]));
    assert_eq!(m["list-replace-notexistent"], json!([6, 7]));
    assert_eq!(
        m["list-complex"],
        json!([["simple"], [{"token": "test"}], [{"dict2": false}]])
    );
    assert!(m["modules"]["jmeter"].get("properties").is_none(), "{m}");
    assert_eq!(
        m["modules"]["jmeter"]["path"],
        json!("build/jmeter/bin/jmeter")
    );
    assert_eq!(m["modules"]["remote"], json!({"dict-over": "string"}));
    // The effective config has the same, on top of the base defaults.
    assert_eq!(plan.effective["list-append"].as_array().unwrap().len(), 6);
    assert_eq!(plan.effective["list-replace"].as_array().unwrap().len(), 2);
}

#[test]
fn tabs_are_replaced_like_taurus() {
    let dir = repo().join("tests/resources/yaml");
    let extra = "execution.0.scenario.requests.0=http://127.0.0.1:9/".to_string();
    let load = |f: &str| config::load(&[dir.join(f)], std::slice::from_ref(&extra)).unwrap();
    let tabs = load("tabs-issue.yml");
    let spaces = load("tabs-issue-spaces.yml");
    for key in [
        "blockstart1",
        "blockstart2",
        "blockstart3",
        "blockstart4",
        "blockstart6",
    ] {
        assert_eq!(tabs.effective[key], spaces.effective[key], "{key}");
    }
    assert!(
        tabs.warnings.iter().any(|w| w.contains("leading TAB")),
        "{:?}",
        tabs.warnings
    );
}

#[test]
fn multi_document_yaml_with_a_json_document() {
    let plan = config::load(&[repo().join("tests/resources/yaml/multi-docs.yml")], &[]).unwrap();
    assert_eq!(
        plan.executions[1].scenario["requests"],
        json!(["http://blazedemo.com/?runner=gatling"])
    );
    assert_eq!(
        plan.executions[0].scenario["retrieve-resources"],
        json!(false)
    );
    // Inline scenarios are moved into `scenarios` under their generated name, as Taurus does.
    let name = &plan.executions[0].scenario_name;
    assert!(
        name.starts_with("autogenerated_") && name.len() == "autogenerated_".len() + 10,
        "{name}"
    );
    assert_eq!(plan.effective["execution"][0]["scenario"], json!(name));
    assert_eq!(
        plan.effective["scenarios"][name],
        plan.executions[0].scenario
    );
}

#[test]
fn included_configs_three_levels() {
    let dir = repo().join("tests/resources/yaml");
    let plan = config::load(
        &[dir.join("included-level1.yml")],
        &["execution.0.scenario.requests.0=http://127.0.0.1:9/".into()],
    )
    .unwrap();
    let e = &plan.effective;
    assert_eq!(e["level1"], json!(true));
    assert_eq!(e["level2"], json!(true));
    assert_eq!(e["level3"], json!(true));
    assert_eq!(
        e["included-configs"],
        json!(["included-level2.yml", "included-level3.yml"])
    );
}

#[test]
fn env_eval_vector() {
    let dir = repo().join("tests/resources/yaml");
    let cwd = tempfile::tempdir().unwrap();
    let mut opts = config::LoadOptions::new(&["execution.0.scenario=scen1".into()]);
    opts.cwd = cwd.path().to_path_buf();
    opts.lookup_env = Box::new(|n| match n {
        "PATH" => Some("/usr/bin".into()),
        "TEMP" => Some("/should-not-be-used".into()),
        _ => None,
    });
    let plan = config::load_with(&[dir.join("env-eval.yml")], &opts).unwrap();
    let artifacts = cwd.path().join("success/test/");
    assert_eq!(plan.artifacts_dir, artifacts);
    let a = artifacts.to_string_lossy();
    let e = &plan.effective;
    assert_eq!(e["toplevel"], json!("success/top"));
    assert_eq!(
        e["scenarios"]["scen1"]["default-address"],
        json!("http://success/")
    );
    assert_eq!(
        e["scenarios"]["scen1"]["requests"],
        json!(["/success/", "//usr/bin/", "/${TEMP}/", format!("/{a}/")])
    );
    assert_eq!(e["settings"]["env"]["TAURUS_ARTIFACTS_DIR"], json!(a));
    assert_eq!(plan.env.get("BZT_ENV_TEST_UNSET"), Some(&None));
    assert_eq!(plan.env.get("PATH"), Some(&Some("/usr/bin".to_string())));
}

#[test]
fn dlt_json_shape_loads_cleanly() {
    let dlt = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../fixtures/config/taurus-generated/dlt.json");
    let plan = config::load(&[dlt], &["modules.console.disable=true".into()]).unwrap();
    assert!(plan.console_disabled());
    let e = &plan.executions[0];
    assert_eq!(e.executor, "jmeter");
    assert_eq!(e.load.concurrency, 2);
    assert_eq!(e.scenario["requests"][0]["body"], json!({}));
    let reporting: Vec<&Value> = plan.effective["reporting"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    // Base final-stats + console, then the user's final-stats: two final-stats, as Taurus (`docs/taurus-config.md#base-reporting`).
    assert_eq!(reporting.len(), 3);
    assert_eq!(
        reporting[2]["dump-xml"],
        json!("/tmp/artifacts/results.xml")
    );
}
