//! The whole AWS stack end to end on moto: the API Lambda's handler takes a test, the task runner
//! launches its ECS tasks, "local Fargate" runs every recorded task as a real `stampede ecs`
//! process against a loopback target, S3 events feed the results parser, and the API shows the
//! outcome. The steps AWS's managed services take (SQS → Lambda, S3 → SQS → Lambda) are the test's.

mod common;

use std::time::Duration;

use common::{Stack, scenario};
use serde_json::{Map, Value, json};
use testkit::TestServer;

fn status(item: &Map<String, Value>) -> &str {
    item.get("status")
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The merge of every task's histogram sidecar in S3, as `exact` attributes.
async fn exact_from_sidecars(stack: &Stack, test_id: &str) -> Value {
    let s3 = &stack.clients.s3;
    let listed = s3
        .list_objects_v2()
        .bucket(&stack.resources.bucket)
        .prefix(format!("results/{test_id}/"))
        .send()
        .await
        .unwrap();
    let mut sidecars = Vec::new();
    for key in listed.contents().iter().filter_map(|o| o.key()) {
        if key.ends_with(".hist.json") {
            let body = s3
                .get_object()
                .bucket(&stack.resources.bucket)
                .key(key)
                .send()
                .await
                .unwrap();
            let text = String::from_utf8(body.body.collect().await.unwrap().to_vec()).unwrap();
            sidecars.push(parser::sidecar::from_str(&text).unwrap());
        }
    }
    let mut out = Map::new();
    parser::dlt::attach_exact(&mut out, &parser::sidecar::merge(sidecars.iter()));
    out.remove("exact").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn twenty_three_tasks_from_post_to_complete_results() {
    let stack = Stack::new().await;
    let target = TestServer::start().await;
    let body = json!({"testName": "seed body", "testDescription": "23 tasks", "testType": "simple",
        "taskCount": 23, "testScenario": scenario(&target.url("/"), "1s")});
    let (code, created) = stack.call("POST", "/scenarios", Some(&body)).await;
    assert_eq!(code, 200, "{created}");
    let test_id = created["testId"].as_str().unwrap().to_owned();

    // The API wrote the scenario where v1.0 containers read it, the item, and the message.
    let object = stack
        .clients
        .s3
        .get_object()
        .bucket(&stack.resources.bucket)
        .key(format!("test-scenarios/{test_id}.json"))
        .send()
        .await
        .unwrap();
    let config: Value =
        serde_json::from_slice(&object.body.collect().await.unwrap().to_vec()).unwrap();
    assert_eq!(
        config["reporting"][0]["dump-xml"],
        "/tmp/artifacts/results.xml"
    );
    let item = stack.item(&test_id).await;
    assert_eq!((status(&item), &item["taskCount"]), ("running", &json!(23)));
    assert!(
        item["testScenario"].is_string(),
        "testScenario is S, JSON text, as DLT stores it"
    );
    let event = stack.task_event().await;
    let message: Value =
        serde_json::from_str(event["Records"][0]["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        (&message["testId"], &message["taskCount"]),
        (&json!(test_id), &json!(23))
    );

    // The task runner: 23 tasks in calls of at most 10; the same message again launches nothing.
    let runner = stack.runner();
    let out = task_runner::handle(&event, &runner, None).await;
    let report = &out["records"][0];
    assert_eq!(
        (report["outcome"].as_str(), &report["launched"]),
        (Some("launched"), &json!(23)),
        "{out}"
    );
    let calls: Vec<u64> = report["runTaskCalls"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_u64().unwrap())
        .collect();
    assert!(
        calls.iter().all(|c| *c <= 10) && calls.iter().sum::<u64>() == 23,
        "{calls:?}"
    );
    let again = task_runner::handle(&event, &runner, None).await;
    assert_eq!(
        again["records"][0]["outcome"], "already launched",
        "{again}"
    );
    let work = tempfile::tempdir().unwrap();
    let fargate = stack.fargate(work.path());
    let tasks = fargate.tasks().await.unwrap();
    assert_eq!(tasks.len(), 23, "the redelivery launched no second set");
    for t in &tasks {
        let env: Map<String, Value> = t.env.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
        assert_eq!(
            (&env["TEST_ID"], &env["S3_BUCKET"]),
            (&json!(test_id), &json!(stack.resources.bucket))
        );
    }

    // Every task runs as `stampede ecs`; results → S3 events → results parser.
    let exits = fargate.run(Duration::from_secs(240)).await.unwrap();
    assert_eq!(exits.len(), 23);
    for e in &exits {
        let log = std::fs::read_to_string(e.dir.join("console.log")).unwrap_or_default();
        assert_eq!(e.code, Some(0), "task {} failed:\n{log}", e.arn);
    }
    stack
        .parse_results(&test_id, Duration::from_secs(60), |i| {
            status(i) == "complete"
        })
        .await;

    let (code, got) = stack
        .call("GET", &format!("/scenarios/{test_id}"), None)
        .await;
    assert_eq!(code, 200);
    assert_eq!(got["status"], "complete", "{got}");
    let received = target.requests();
    assert!(received > 0);
    assert_eq!(
        got["results"]["throughput"],
        json!(received),
        "every request the target got is counted"
    );
    assert_eq!(got["results"]["fail"], json!(0));
    let run = &got["history"][0];
    assert_eq!(
        (run["status"].as_str(), got["totalTestRuns"].as_u64()),
        (Some("complete"), Some(1)),
        "{got}"
    );
    assert_eq!(run["results"]["total"]["throughput"], json!(received));
    assert_eq!(run["completeTasks"], json!({"local": 23}));
    let exact = exact_from_sidecars(&stack, &test_id).await;
    assert_eq!(
        got["results"]["exact"], exact,
        "percentiles are the exact merge of the 23 histograms"
    );
    assert_eq!(
        exact["throughput"].as_f64(),
        Some(received as f64),
        "{exact}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_stops_the_tasks_and_keeps_their_partial_results() {
    let stack = Stack::new().await;
    let target = TestServer::start().await;
    let region = stack.resources.region.clone();
    let body = json!({"testName": "today's body", "testDescription": "cancelled", "testType": "simple",
        "testTaskConfigs": [{"region": region, "taskCount": 2, "concurrency": 1}],
        "testScenario": scenario(&target.url("/"), "2m")});
    let (code, created) = stack.call("POST", "/scenarios", Some(&body)).await;
    assert_eq!(code, 200, "{created}");
    let test_id = created["testId"].as_str().unwrap().to_owned();
    let event = stack.task_event().await;
    let out = task_runner::handle(&event, &stack.runner(), None).await;
    assert_eq!(out["records"][0]["launched"], 2, "{out}");

    let work = tempfile::tempdir().unwrap();
    let fargate = stack.fargate(work.path());
    let driver = tokio::spawn(async move { fargate.run(Duration::from_secs(100)).await });
    let started = std::time::Instant::now();
    // Both tasks send load (one connection each) before the cancel, so both leave partial results.
    while target.requests() < 50 || target.connections() < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the tasks never sent load"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (code, reply) = stack
        .call("POST", &format!("/scenarios/{test_id}"), None)
        .await;
    assert_eq!((code, reply), (200, json!("test cancelling")));
    let (_, now) = stack
        .call("GET", &format!("/scenarios/{test_id}"), None)
        .await;
    assert_eq!(now["status"], "cancelled", "{now}");

    let exits = driver.await.unwrap().unwrap();
    assert_eq!(exits.len(), 2);
    assert!(
        exits.iter().all(|e| e.stopped && e.code == Some(143)),
        "{exits:?}"
    );
    let received = target.requests();
    stack
        .parse_results(&test_id, Duration::from_secs(60), |i| {
            i.contains_key("results")
        })
        .await;
    let item = stack.item(&test_id).await;
    assert_eq!(
        item["status"], "cancelled",
        "the results parser itself keeps the cancel, before any read folds it"
    );
    assert!(item["testRunId"].is_string(), "{item:?}");
    assert_eq!(
        item["finalisedRun"], item["testRunId"],
        "finalised once for this run"
    );

    let (_, got) = stack
        .call("GET", &format!("/scenarios/{test_id}"), None)
        .await;
    assert_eq!(
        got["status"], "cancelled",
        "the parser's completion does not undo the cancel: {got}"
    );
    let run = &got["history"][0];
    assert_eq!(run["status"], "cancelled");
    assert_eq!(
        run["results"]["total"]["throughput"],
        json!(received),
        "partial results: {run}"
    );
    assert_eq!(stack.item(&test_id).await["status"], "cancelled");
}
