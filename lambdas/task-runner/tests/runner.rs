//! The task runner's handler and binary against moto: malformed messages are dropped with the
//! field named (no retry storm), RunTask failures are reported on the test, `task-runner local`.

mod common;

use std::process::Command;

use common::{Stack, scenario};
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_are_rejected_naming_the_field_and_not_retried() {
    let stack = Stack::new().await;
    let runner = stack.runner();
    let out = task_runner::handle(&json!({"detail": "not sqs"}), &runner, None).await;
    assert_eq!(out["batchItemFailures"], json!([]));
    assert!(
        out["rejected"].as_str().unwrap().starts_with("Records:"),
        "{out}"
    );
    let bodies = [
        (json!("not json"), "Records[0].body.body"),
        (json!(r#"{"taskCount": 3}"#), "Records[1].body.testId"),
        (
            json!(r#"{"testId": "t", "taskCount": 0}"#),
            "Records[2].body.taskCount",
        ),
        (json!(7), "Records[3].body"),
    ];
    let records: Vec<Value> = bodies
        .iter()
        .enumerate()
        .map(|(i, (b, _))| json!({"messageId": format!("m{i}"), "body": b}))
        .collect();
    let out = task_runner::handle(&json!({ "Records": records }), &runner, None).await;
    assert_eq!(out["batchItemFailures"], json!([]), "{out}");
    for (i, (_, field)) in bodies.iter().enumerate() {
        let r = &out["records"][i];
        assert_eq!(r["outcome"], "rejected");
        assert!(
            r["reason"].as_str().unwrap().starts_with(field),
            "{r} names {field}"
        );
    }
    let unknown =
        json!({"Records": [{"messageId": "m", "body": r#"{"testId":"nope","taskCount":2}"#}]});
    let out = task_runner::handle(&unknown, &runner, None).await;
    assert_eq!(out["records"][0]["outcome"], "skipped", "{out}");
    assert!(
        stack
            .fargate(std::path::Path::new("/tmp"))
            .tasks()
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_launch_ecs_refuses_fails_the_test_with_the_reason() {
    let mut stack = Stack::new().await;
    stack.tasks.task_definition = "no-such-definition".into();
    let body = json!({"testName": "bad definition", "testDescription": "refused", "testType": "simple",
        "taskCount": 3, "testScenario": scenario("http://127.0.0.1:9/", "1s")});
    let (code, created) = stack.call("POST", "/scenarios", Some(&body)).await;
    assert_eq!(code, 200, "{created}");
    let test_id = created["testId"].as_str().unwrap();
    let out = task_runner::handle(&stack.task_event().await, &stack.runner(), None).await;
    let report = &out["records"][0];
    assert_eq!(report["outcome"], "failed", "{out}");
    assert_eq!(
        out["batchItemFailures"],
        json!([]),
        "a permanent failure is not retried"
    );
    assert!(!report["failures"].as_array().unwrap().is_empty());
    let (_, got) = stack
        .call("GET", &format!("/scenarios/{test_id}"), None)
        .await;
    assert_eq!(got["status"], "failed", "{got}");
    assert!(
        got["errorReason"]
            .as_str()
            .unwrap()
            .contains("3 of 3 tasks could not be launched"),
        "{got}"
    );
    assert_eq!(got["history"][0]["status"], "failed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_mode_runs_the_handler_once_on_an_event_file() {
    let stack = Stack::new().await;
    let body = json!({"testName": "local mode", "testDescription": "cli", "testType": "simple",
        "taskCount": 12, "testScenario": scenario("http://127.0.0.1:9/", "1s")});
    let (code, _) = stack.call("POST", "/scenarios", Some(&body)).await;
    assert_eq!(code, 200);
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("sqs.json");
    std::fs::write(&event, stack.task_event().await.to_string()).unwrap();
    let t = &stack.tasks;
    let out = Command::new(env!("CARGO_BIN_EXE_task-runner"))
        .args(["local", event.to_str().unwrap()])
        .env("TASK_CLUSTER", &t.cluster)
        .env("TASK_DEFINITION", &t.task_definition)
        .env("TASK_IMAGE", &t.container)
        .env("SUBNET_A", &t.subnets[0])
        .env("TASK_SECURITY_GROUP", &t.security_group)
        .env("SCENARIOS_BUCKET", &t.bucket)
        .env("SCENARIOS_TABLE", &t.scenarios_table)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reply: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reply["records"][0]["launched"], 12, "{reply}");
    assert_eq!(reply["records"][0]["runTaskCalls"], json!([10, 2]));
    let out = Command::new(env!("CARGO_BIN_EXE_task-runner"))
        .args(["local", event.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("environment variable SUBNET_A is not set"),
        "a missing variable is named: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The binary as a Lambda: bootstrap and event loop through a local Runtime API (the stdlib stub
/// of the results parser's tests); a malformed message is answered, not failed.
#[test]
fn binary_serves_events_through_the_runtime_api() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    let body = json!({"Records": [{"messageId": "m1", "body": "{\"taskCount\": 2}"}]});
    std::fs::write(&event, body.to_string()).unwrap();
    let out = dir.path().join("out");
    let stub = format!(
        "{}/../results-parser/tests/fake_runtime_api.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut api = Command::new("python3")
        .args([&stub, "0", out.to_str().unwrap(), event.to_str().unwrap()])
        .env("RAPI_TIMEOUT", "30")
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the Runtime API stub");
    let mut line = String::new();
    BufReader::new(api.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().rsplit(' ').next().unwrap().to_owned();
    let mut lambda = Command::new(env!("CARGO_BIN_EXE_task-runner"))
        .env("AWS_LAMBDA_RUNTIME_API", &addr)
        .env("AWS_LAMBDA_FUNCTION_NAME", "task-runner")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .envs(
            [
                "TASK_CLUSTER",
                "TASK_DEFINITION",
                "TASK_IMAGE",
                "SUBNET_A",
                "TASK_SECURITY_GROUP",
                "SCENARIOS_BUCKET",
                "SCENARIOS_TABLE",
            ]
            .map(|k| (k, "x")),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status = api.wait().unwrap();
    let _ = lambda.kill();
    let _ = lambda.wait();
    assert!(status.success(), "the stub got a response, not an error");
    let reply: Value =
        serde_json::from_slice(&std::fs::read(out.join("0.response")).unwrap()).unwrap();
    assert_eq!(reply["records"][0]["outcome"], "rejected", "{reply}");
    assert_eq!(reply["batchItemFailures"], json!([]));
}
