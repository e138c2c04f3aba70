//! `report::build` from a plan, and `jtl::sources_from_plan` for external-results-loader.

use executor::reporters::build;
use serde_json::json;
use stampede_config::{AggregatorSettings, ExecutionPlan, LoadSpec, Plan, Reporting};
use stampede_log::MemoryLog;
use stampede_report::Pipeline;
use stampede_stats::Aggregator;
use std::path::PathBuf;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/reports")
}

fn plan(effective: serde_json::Value, artifacts: PathBuf) -> Plan {
    let scenario = effective["scenarios"]["ext"].clone();
    let reporting = Reporting::from_config(&effective, &artifacts, None).unwrap();
    let consolidator = AggregatorSettings::from_config(&effective).unwrap();
    Plan {
        executions: vec![ExecutionPlan {
            index: 0,
            executor: "external-results-loader".into(),
            load: LoadSpec {
                concurrency: 1,
                ramp_up: None,
                hold_for: None,
                iterations: None,
                throughput: None,
                steps: None,
            },
            scenario_name: "ext".into(),
            scenario,
            base_dir: fixtures().join("jtl"),
            delay: None,
            data_file: None,
            errors_file: None,
            raw: serde_json::Value::Null,
        }],
        effective,
        artifacts_dir: artifacts,
        config_files: vec![],
        warnings: vec![],
        merged: serde_json::Value::Null,
        env: Default::default(),
        sequential: false,
        search_path: Vec::new(),
        shellexec: Default::default(),
        reporting,
        consolidator,
    }
}

#[test]
fn a_plan_replays_end_to_end_with_execution_criteria() {
    let dir = tempfile::tempdir().unwrap();
    let effective = json!({
        "execution": [{"executor": "external-results-loader", "scenario": "ext",
                        "criteria": ["fail>60%, continue as failed"]}],
        "scenarios": {"ext": {"data-file": "fixture-kpi.jtl", "errors-file": "fixture-error.jtl"}},
        "reporting": ["final-stats", "console", {"module": "junit-xml"}],
    });
    let plan = plan(effective, dir.path().to_path_buf());
    let reporters = build(&plan).unwrap();
    let sources = stampede_jtl::sources_from_plan(&plan).unwrap();
    assert_eq!(sources[0].data_file, fixtures().join("jtl/fixture-kpi.jtl"));
    let pipeline = Pipeline::new(Aggregator::new(plan.consolidator.clone()), reporters);
    let mut log = MemoryLog::default();
    let finished = stampede_jtl::replay(&sources, pipeline, &mut log).unwrap();
    assert!(finished.failed, "65.62% failures > 60%: exit 3");
    assert!(
        dir.path().join("xunit.xml").exists(),
        "default junit file in the artifacts dir"
    );
    assert!(dir.path().join("report.html").exists());
    assert!(
        log.records
            .iter()
            .any(|r| r.1 == "Failed: fail>60% for 1 sec")
    );
}

#[test]
fn a_loader_without_data_file_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let p = plan(
        json!({"execution": [{}], "scenarios": {"ext": {}}}),
        dir.path().to_path_buf(),
    );
    let err = stampede_jtl::sources_from_plan(&p).unwrap_err().to_string();
    assert!(err.contains("has no data-file"), "{err}");
}
