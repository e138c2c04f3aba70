//! The API Lambda's handler and binary against moto: malformed events and bodies are 4xx naming
//! the field (never a crash, never an invocation error API Gateway would retry), and `api local`.

use std::process::Command;

use serde_json::{Value, json};
use stampede_control_aws::sdk::Clients;
use stampede_control_aws::settings::Resources;

/// Bucket and tables on moto; no queue, so nothing valid can be launched by accident.
async fn resources() -> (Clients, Resources) {
    testkit::moto::endpoint();
    let u = &uuid::Uuid::new_v4().simple().to_string()[..12];
    let clients = Clients::from_env().await;
    let r = Resources {
        bucket: format!("api-{u}"),
        scenarios_table: format!("scenarios-{u}"),
        history_table: format!("history-{u}"),
        queue_url: None,
        cluster: None,
        region: "us-east-1".into(),
    };
    clients
        .s3
        .create_bucket()
        .bucket(&r.bucket)
        .send()
        .await
        .unwrap();
    let store = results_parser::aws::AwsStore {
        s3: clients.s3.clone(),
        ddb: clients.ddb.clone(),
        tables: Default::default(),
    };
    store
        .create_table(&r.scenarios_table, &["testId"])
        .await
        .unwrap();
    store
        .create_table(&r.history_table, &["testId", "testRunId"])
        .await
        .unwrap();
    (clients, r)
}

async fn call(app: &api::App, event: Value) -> (u64, Value) {
    let out = api::handle(event, app).await;
    let body = out["body"].as_str().unwrap();
    (
        out["statusCode"].as_u64().unwrap(),
        serde_json::from_str(body).unwrap_or(json!(body)),
    )
}

fn fields(body: &Value) -> Vec<String> {
    body["errors"].as_array().map_or(vec![], |e| {
        e.iter()
            .map(|x| x["field"].as_str().unwrap().to_owned())
            .collect()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_events_and_bodies_are_4xx_naming_the_field() {
    let (clients, r) = resources().await;
    let app = api::App::new(stampede_control_aws::control_plane(&clients, &r, None));
    let post = |body: &str| json!({"httpMethod": "POST", "path": "/scenarios", "body": body});
    let cases = [
        (json!("hello"), 400, "event"),
        (json!({"path": "/scenarios"}), 400, "httpMethod"),
        (json!({"httpMethod": "GET"}), 400, "path"),
        (
            json!({"httpMethod": "POST", "path": "/scenarios", "body": {"testName": "x"}}),
            400,
            "body",
        ),
        (post("{not json"), 400, "body"),
        (
            post(
                r#"{"testName":"abc","testDescription":"abc","testType":"simple","taskCount":"many","testScenario":{"execution":[{"concurrency":1}]}}"#,
            ),
            400,
            "taskCount",
        ),
        (
            post(
                r#"{"testName":"abc","testDescription":"abc","testType":"simple","testTaskConfigs":[{"region":"eu-west-9","taskCount":1,"concurrency":1}],"testScenario":{"execution":[{"concurrency":1}]}}"#,
            ),
            400,
            "testTaskConfigs[0].region",
        ),
    ];
    for (event, status, field) in cases {
        let (code, body) = call(&app, event.clone()).await;
        assert_eq!(code, status, "{event} → {body}");
        assert!(
            fields(&body).iter().any(|f| f == field),
            "{event} → {body} should name {field}"
        );
    }
    let (code, body) = call(&app, post("{}")).await;
    assert_eq!(code, 400);
    for f in [
        "testName",
        "testDescription",
        "testScenario",
        "testTaskConfigs",
    ] {
        assert!(fields(&body).contains(&f.to_owned()), "{body} names {f}");
    }
    let (code, body) = call(
        &app,
        json!({"httpMethod": "GET", "path": "/scenarios/nope"}),
    )
    .await;
    assert_eq!((code, body["code"].as_str()), (404, Some("TEST_NOT_FOUND")));
    let (code, _) = call(&app, json!({"httpMethod": "GET", "path": "/nothing/here"})).await;
    assert_eq!(code, 404);
    let (code, body) = call(&app, json!({"httpMethod": "GET", "path": "/scenarios"})).await;
    assert_eq!((code, body), (200, json!({"Items": []})));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_mode_runs_the_handler_once_on_an_event_file() {
    let (_, r) = resources().await;
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    std::fs::write(
        &event,
        json!({"httpMethod": "GET", "path": "/scenarios"}).to_string(),
    )
    .unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_api"))
            .args(args)
            .env("SCENARIOS_BUCKET", &r.bucket)
            .env("SCENARIOS_TABLE", &r.scenarios_table)
            .env("HISTORY_TABLE", &r.history_table)
            .output()
            .unwrap()
    };
    let out = run(&["local", event.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reply: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(reply["statusCode"], 200);
    assert_eq!(reply["body"], r#"{"Items":[]}"#);
    let out = run(&["local", "/no/such/event.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/no/such/event.json"));
    std::fs::write(&event, "{").unwrap();
    let out = run(&["local", event.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not JSON"));
}

/// The binary as a Lambda: bootstrap and event loop through a local Runtime API (the stdlib stub
/// of the results parser's tests); a malformed event gets its 400 as the invocation's result.
#[test]
fn binary_serves_events_through_the_runtime_api() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let dir = tempfile::tempdir().unwrap();
    let event = dir.path().join("event.json");
    std::fs::write(&event, json!({"httpMethod": "GET"}).to_string()).unwrap();
    let out = dir.path().join("out");
    let stub = format!(
        "{}/../results-parser/tests/fake_runtime_api.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut rapi = Command::new("python3")
        .args([&stub, "0", out.to_str().unwrap(), event.to_str().unwrap()])
        .env("RAPI_TIMEOUT", "30")
        .stdout(Stdio::piped())
        .spawn()
        .expect("python3 runs the Runtime API stub");
    let mut line = String::new();
    BufReader::new(rapi.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line.trim().rsplit(' ').next().unwrap().to_owned();
    let mut lambda = Command::new(env!("CARGO_BIN_EXE_api"))
        .env("AWS_LAMBDA_RUNTIME_API", &addr)
        .env("AWS_LAMBDA_FUNCTION_NAME", "api")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_REGION", "us-east-1")
        .envs(["SCENARIOS_BUCKET", "SCENARIOS_TABLE", "HISTORY_TABLE"].map(|k| (k, "x")))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let status = rapi.wait().unwrap();
    let _ = lambda.kill();
    let _ = lambda.wait();
    assert!(status.success(), "the stub got a response, not an error");
    let reply: Value =
        serde_json::from_slice(&std::fs::read(out.join("0.response")).unwrap()).unwrap();
    assert_eq!(reply["statusCode"], 400, "{reply}");
    assert!(
        reply["body"]
            .as_str()
            .unwrap()
            .contains(r#""field":"path""#),
        "{reply}"
    );
}
