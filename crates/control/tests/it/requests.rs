//! Request validation and what responses show: every bad field named, seed and YAML bodies,
//! secrets masked, the executor's validator consulted.

use std::sync::Arc;

use serde_json::{Value, json};
use stampede_control::ControlError;
use stampede_control::mask::MASK;
use stampede_control::query::run_query;

use crate::common::{LabelSamples, body, env, settled, write_task};

fn fields(err: ControlError) -> Vec<String> {
    match err {
        ControlError::Invalid(errs) => errs.into_iter().map(|e| e.field).collect(),
        other => panic!("expected a 400, got {other}"),
    }
}

#[test]
fn every_bad_field_is_named() {
    let e = env(None);
    let bad = json!({
        "testId": "has space",
        "testName": "x",
        "testType": "soap",
        "testTaskConfigs": [{"region": "us-east-1", "taskCount": 0, "concurrency": 25001}, {"taskCount": 1, "concurrency": 1}],
        "testScenario": {
            "execution": [{"hold-for": "0", "ramp-up": "5 parsecs", "executor": "gatling"}],
            "scenarios": {"s": {"requests": [{"method": "FETCH"}, {"url": "ftp://x", "headers": {"a": 1}}]}},
        },
        "tags": ["1", "2", "3", "4", "5", "6"],
        "healthyThreshold": 101,
    });
    let got = fields(e.cp.create_and_run(&bad).unwrap_err());
    let want = [
        "testId",
        "testName",
        "testDescription",
        "testType",
        "testScenario.execution[0].ramp-up",
        "testScenario.execution[0].hold-for",
        "testScenario.execution[0].executor",
        "testScenario.scenarios.s.requests[0].url",
        "testScenario.scenarios.s.requests[0].method",
        "testScenario.scenarios.s.requests[1].url",
        "testScenario.scenarios.s.requests[1].headers",
        "testTaskConfigs[0].region",
        "testTaskConfigs[0].taskCount",
        "testTaskConfigs[0].concurrency",
        "testTaskConfigs[1].region",
        "tags",
        "healthyThreshold",
    ];
    assert_eq!(got, want);
    assert_eq!(e.cp.list_tests().unwrap(), json!({"Items": []}));
}

#[test]
fn a_body_that_is_not_an_object_or_lacks_a_scenario_is_rejected() {
    let e = env(None);
    assert_eq!(
        fields(e.cp.create_and_run(&json!([1])).unwrap_err()),
        ["body"]
    );
    let mut b = body(1, 1);
    b.as_object_mut().unwrap().remove("testScenario");
    b.as_object_mut().unwrap().remove("testTaskConfigs");
    assert_eq!(
        fields(e.cp.create_and_run(&b).unwrap_err()),
        ["testScenario", "testTaskConfigs"]
    );
    b["testScenario"] = json!("execution: [unclosed");
    assert_eq!(
        fields(e.cp.create_and_run(&b).unwrap_err())[0],
        "testScenario"
    );
}

#[test]
fn the_seed_body_and_a_yaml_scenario_run_in_region_local() {
    let e = env(None);
    write_task(
        e.dir.path(),
        0,
        3,
        &[LabelSamples {
            label: "a",
            rt_us: &[1000, 2000],
            fail: 0,
        }],
        false,
    );
    let yaml = "execution:\n- concurrency: \"3\"\n  hold-for: 1m\n  scenario: s\nscenarios:\n  s:\n    requests:\n    - http://127.0.0.1:9/\n";
    let seed = json!({"testName": "seed", "testDescription": "v1 body", "taskCount": "1", "testScenario": yaml});
    let item = e.cp.create_and_run(&seed).unwrap();
    assert_eq!(
        item["testTaskConfigs"],
        json!([{"region": "local", "taskCount": 1, "concurrency": 3}])
    );
    assert_eq!(item["testScenario"]["execution"][0]["hold-for"], "1m");
    assert_eq!(item["taskCount"], "1", "unknown fields pass through");
    let done = settled(&e.cp, item["testId"].as_str().unwrap());
    assert_eq!(done["status"], "complete", "{done}");
}

#[test]
fn secrets_are_masked_in_every_response_and_kept_for_the_tasks() {
    let e = env(None);
    write_task(
        e.dir.path(),
        0,
        1,
        &[LabelSamples {
            label: "a",
            rt_us: &[1000],
            fail: 0,
        }],
        false,
    );
    let item = e.cp.create_and_run(&body(1, 1)).unwrap();
    let id = item["testId"].as_str().unwrap();
    let header = "/testScenario/scenarios/s/requests/0/headers/Authorization";
    assert_eq!(item.pointer(header).unwrap(), MASK);
    let got = settled(&e.cp, id);
    assert_eq!(got.pointer(header).unwrap(), MASK);
    assert_eq!(got["history"][0].pointer(header).unwrap(), MASK);
    let run_id = got["testRunId"].as_str().unwrap();
    assert_eq!(
        e.cp.get_run(id, run_id).unwrap().pointer(header).unwrap(),
        MASK
    );
    let written = std::fs::read_to_string(
        e.dir
            .path()
            .join(format!("blobs/test-scenarios/{id}-local.json")),
    )
    .unwrap();
    assert!(
        written.contains("Bearer very-secret"),
        "the task's config keeps the secret"
    );
    // Posting the masked item back keeps the stored secret instead of storing the stars.
    let mut again = got.clone();
    for k in [
        "history",
        "status",
        "totalTestRuns",
        "results",
        "completeTasks",
        "startTime",
        "endTime",
        "testRunId",
    ] {
        again.as_object_mut().unwrap().remove(k);
    }
    e.cp.create_and_run(&again).unwrap();
    settled(&e.cp, id);
    let written = std::fs::read_to_string(
        e.dir
            .path()
            .join(format!("blobs/test-scenarios/{id}-local.json")),
    )
    .unwrap();
    assert!(
        written.contains("Bearer very-secret") && !written.contains(MASK),
        "{written}"
    );
}

#[test]
fn the_executor_validator_is_consulted_and_its_messages_returned() {
    let validator: stampede_control::ports::ConfigValidator = Arc::new(|config: &Value| {
        if config["execution"][0].get("hold-for").is_some() {
            Err(vec![
                "hold-for is not allowed here".into(),
                "second problem".into(),
            ])
        } else {
            Ok(())
        }
    });
    let e = env(Some(validator));
    match e.cp.create_and_run(&body(1, 1)).unwrap_err() {
        ControlError::Invalid(errs) => {
            let msgs: Vec<_> = errs
                .iter()
                .map(|e| (e.field.as_str(), e.message.as_str()))
                .collect();
            assert_eq!(
                msgs,
                [
                    ("testScenario", "hold-for is not allowed here"),
                    ("testScenario", "second problem")
                ]
            );
        }
        other => panic!("{other}"),
    }
}

#[test]
fn run_queries_are_validated() {
    let p = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).into(), (*v).into()))
            .collect()
    };
    let q = run_query(&p(&[
        ("limit", "5"),
        ("start_timestamp", "2026-01-02T03:04:05Z"),
        ("next_token", "10"),
    ]))
    .unwrap();
    assert_eq!(
        (q.limit, q.offset, q.start.as_deref()),
        (5, 10, Some("2026-01-02 03:04:05"))
    );
    assert_eq!(
        run_query(&p(&[("latest", "true"), ("next_token", "3")]))
            .unwrap()
            .limit,
        1
    );
    let errs = run_query(&p(&[
        ("limit", "0"),
        ("end_timestamp", "yesterday"),
        ("latest", "yes"),
    ]))
    .unwrap_err();
    let names: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(names, ["limit", "end_timestamp", "latest"]);
}

#[test]
fn save_only_creates_without_running_and_schedules_are_refused() {
    let e = env(None);
    let mut b = body(1, 1);
    b["saveOnly"] = json!(true);
    let item = e.cp.create_and_run(&b).unwrap();
    assert_eq!(item["status"], "created");
    assert!(item.get("testRunId").is_none());
    let id = item["testId"].as_str().unwrap();
    assert_eq!(e.cp.get_test(id).unwrap()["totalTestRuns"], 0);
    assert_eq!(e.cp.delete_test(id).unwrap(), json!("success"));
    let mut b = body(1, 1);
    b["scheduleDate"] = json!("2026-02-01");
    b["cronValue"] = json!("0 * * * *");
    b["recurrence"] = json!("");
    assert_eq!(
        fields(e.cp.create_and_run(&b).unwrap_err()),
        ["scheduleDate", "cronValue"]
    );
}

#[test]
fn a_region_listed_twice_is_named() {
    let e = env(None);
    let mut b = body(1, 1);
    b["testTaskConfigs"] = json!([
        {"region": "local", "taskCount": 1, "concurrency": 1},
        {"region": "local", "taskCount": 2, "concurrency": 1},
    ]);
    assert_eq!(
        fields(e.cp.create_and_run(&b).unwrap_err()),
        ["testTaskConfigs[1].region"]
    );
}
