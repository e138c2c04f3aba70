//! The real `results-parser` binary, driven through a local Lambda Runtime API (the stdlib Python stub
//! next to this file) against moto: bootstrap, event loop, handler, error reporting.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::*;
use serde_json::json;

#[tokio::test]
async fn binary_handles_s3_events_through_the_runtime_api() {
    let e = env().await;
    put_scenario(
        &e,
        json!({"testId": "bin", "taskCount": 1, "status": "running"}),
    )
    .await;
    put(&e, "results/bin/u1.xml", &task_xml(1)).await;
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.json");
    let bad = dir.path().join("bad.json");
    std::fs::write(&good, s3_event(&e.bucket, "results/bin/u1.xml").to_string()).unwrap();
    std::fs::write(&bad, r#"{"unexpected": true}"#).unwrap();
    let out = dir.path().join("out");

    let stub = format!("{}/tests/fake_runtime_api.py", env!("CARGO_MANIFEST_DIR"));
    let mut api = Command::new("python3")
        .args([
            stub.as_str(),
            "0",
            out.to_str().unwrap(),
            good.to_str().unwrap(),
            bad.to_str().unwrap(),
        ])
        .env("RAPI_TIMEOUT", "30")
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the Runtime API stub");
    let mut line = String::new();
    BufReader::new(api.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().rsplit(' ').next().unwrap().to_owned();

    let tables = &e.store.tables;
    let mut lambda = Command::new(env!("CARGO_BIN_EXE_results-parser"))
        .env("AWS_LAMBDA_RUNTIME_API", &addr)
        .env("AWS_LAMBDA_FUNCTION_NAME", "results-parser")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("SCENARIOS_TABLE", tables.scenarios.as_ref().unwrap())
        .env("RESULTS_TABLE", tables.results.as_ref().unwrap())
        .env("HISTORY_TABLE", tables.history.as_ref().unwrap())
        .env("SCENARIOS_BUCKET", &e.bucket)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(s) = api.try_wait().unwrap() {
            break s;
        }
        assert!(Instant::now() < deadline, "runtime API stub did not finish");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let _ = lambda.kill();
    let _ = lambda.wait();
    assert!(
        !status.success(),
        "the stub exits 1 because the second event is an error"
    );

    let response: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("0.response")).unwrap()).unwrap();
    assert_eq!(response["records"][0]["status"], "finalised", "{response}");
    let error: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("1.error")).unwrap()).unwrap();
    assert_eq!(error["errorType"], "BadEvent", "{error}");
    let s = scenario(&e, "bin").await;
    assert_eq!(s["status"], "complete");
    assert_eq!(s["results"]["throughput"], 31301);
}
