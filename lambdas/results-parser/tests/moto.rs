//! The handler against a real S3/DynamoDB endpoint (moto on loopback), through the real AWS SDK.

mod common;

use common::*;
use results_parser::{Store, Table, handle};
use serde_json::{Value, json};

#[tokio::test]
async fn s3_mode_indexes_each_task_and_finalises_once() {
    let e = env().await;
    put_scenario(&e, json!({"testId": "Ar_wFhrqx", "taskCount": 2, "status": "running", "startTime": "2026-11-22 11:58:00"})).await;
    let (k1, k2) = ("results/Ar_wFhrqx/u-1.xml", "results/Ar_wFhrqx/u-2.xml");
    put(&e, k1, &task_xml(1)).await;
    put(&e, k2, &task_xml(2)).await;

    let out = handle(s3_event(&e.bucket, k1), &e.store, &e.cfg)
        .await
        .unwrap();
    assert_eq!(out["records"][0]["status"], "running", "{out}");
    // S3 delivers at least once: the duplicate must not count the task twice.
    let out = handle(s3_event(&e.bucket, k1), &e.store, &e.cfg)
        .await
        .unwrap();
    assert_eq!(out["records"][0]["reported"], 1, "{out}");
    assert_eq!(scenario(&e, "Ar_wFhrqx").await["status"], "running");

    let out = handle(s3_event(&e.bucket, k2), &e.store, &e.cfg)
        .await
        .unwrap();
    assert_eq!(out["records"][0]["status"], "finalised", "{out}");
    let s = scenario(&e, "Ar_wFhrqx").await;
    assert_eq!(s["status"], "complete");
    assert_eq!(s["endTime"], "2026-11-22 12:00:00");
    assert_eq!(s["results"]["throughput"], 31301 * 3);
    assert_eq!(s["results"]["avg_rt"], "0.01886", "stored as S, DLT digits");
    assert_eq!(s["history"].as_array().unwrap().len(), 1);
    assert_eq!(s["history"][0]["startTime"], "2026-11-22 11:58:00");

    // A late duplicate of the last task does not finalise again.
    let out = handle(s3_event(&e.bucket, k2), &e.store, &e.cfg)
        .await
        .unwrap();
    assert_eq!(out["records"][0]["status"], "complete");
    assert_eq!(
        scenario(&e, "Ar_wFhrqx").await["history"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let item = e
        .store
        .get_item(Table::Results, results_parser::store::key("uuid", "u-2"))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(item["testId"], "Ar_wFhrqx");
    assert_eq!(item["testDuration"], 120);
    assert_eq!(item["results"]["throughput"], 62602);
    assert_eq!(item["endPoints"][0]["endpoint"], "API1");
    let ttl = item["ttlDel"]
        .as_i64()
        .expect("ttlDel is a number so DynamoDB TTL expires it");
    assert_eq!(ttl, fixed_now().timestamp() + 7 * 86_400);
}

#[tokio::test]
async fn s3_mode_concurrent_last_tasks_finalise_exactly_once() {
    let e = env().await;
    put_scenario(
        &e,
        json!({"testId": "race", "taskCount": 3, "status": "running"}),
    )
    .await;
    let keys = [
        "results/race/a.xml",
        "results/race/b.xml",
        "results/race/c.xml",
    ];
    for k in keys {
        put(&e, k, &task_xml(1)).await;
    }
    let (a, b, c) = tokio::join!(
        handle(s3_event(&e.bucket, keys[0]), &e.store, &e.cfg),
        handle(s3_event(&e.bucket, keys[1]), &e.store, &e.cfg),
        handle(s3_event(&e.bucket, keys[2]), &e.store, &e.cfg),
    );
    let statuses: Vec<Value> = [a, b, c]
        .into_iter()
        .map(|r| r.unwrap()["records"][0]["status"].clone())
        .collect();
    let s = scenario(&e, "race").await;
    assert_eq!(
        s["taskIds"].as_array().unwrap().len(),
        3,
        "no task lost: {statuses:?}"
    );
    assert_eq!(s["status"], "complete", "{statuses:?}");
    assert_eq!(
        s["history"].as_array().unwrap().len(),
        1,
        "finalised once: {statuses:?}"
    );
    assert_eq!(s["results"]["throughput"], 31301 * 3);
}

#[tokio::test]
async fn s3_mode_malformed_xml_fails_the_test_without_retry() {
    let e = env().await;
    put_scenario(
        &e,
        json!({"testId": "bad", "taskCount": 1, "status": "running"}),
    )
    .await;
    put(
        &e,
        "results/bad/u.xml",
        "<FinalStatus><Group label=''><throughput value='1'>",
    )
    .await;
    let out = handle(s3_event(&e.bucket, "results/bad/u.xml"), &e.store, &e.cfg)
        .await
        .expect("permanent errors are not retried");
    assert_eq!(out["records"][0]["status"], "error");
    assert_eq!(out["records"][0]["errorType"], "MalformedXml");
    let s = scenario(&e, "bad").await;
    assert_eq!(s["status"], "failed");
    let reason = s["errorReason"].as_str().unwrap();
    assert!(
        reason.starts_with("Failed to parse the results - results/bad/u.xml:"),
        "{reason}"
    );
}

#[tokio::test]
async fn s3_mode_trims_history_to_fit_400kb() {
    let mut e = env().await;
    // moto counts a replaced attribute twice (old + new value) against its 405 KB check, so this test
    // uses a 200 KB budget; real DynamoDB checks only the final item, against the 380 KB default.
    e.cfg.item_budget = 200 * 1024;
    let sizes = [150_000, 40_000, 20_000];
    let old: Vec<Value> = sizes
        .iter()
        .enumerate()
        .map(|(i, n)| json!({"id": format!("old{i}"), "results": {"blob": "x".repeat(*n)}}))
        .collect();
    put_scenario(
        &e,
        json!({"testId": "big", "taskCount": 1, "status": "running", "history": old}),
    )
    .await;
    put(&e, "results/big/u.xml", &task_xml(1)).await;
    let out = handle(s3_event(&e.bucket, "results/big/u.xml"), &e.store, &e.cfg)
        .await
        .unwrap();
    assert_eq!(out["records"][0]["status"], "finalised", "{out}");
    let s = scenario(&e, "big").await;
    let h = s["history"].as_array().unwrap();
    assert_eq!(h.len(), 3, "the oldest entry was dropped, the new one kept");
    assert_eq!(h[0]["id"], "old1");
    assert!(h[2]["results"]["throughput"].is_number());
}

fn sfn_event(test_id: &str, prefix: &str, regions: &[&str], run_id: Option<&str>) -> Value {
    let mut ev =
        serde_json::from_str::<Value>(&fixture("results-parser-v4.2.3-event-fixtures.json"))
            .unwrap()["mockResultParserEvent"]
            .clone();
    ev["testId"] = json!(test_id);
    ev["prefix"] = json!(prefix);
    let cfg = ev["testTaskConfig"][0].clone();
    ev["testTaskConfig"] = regions
        .iter()
        .map(|r| {
            let mut c = cfg.clone();
            c["region"] = json!(r);
            c
        })
        .collect();
    match run_id {
        Some(id) => ev["testRunId"] = json!(id),
        None => {
            ev.as_object_mut().unwrap().remove("testRunId");
        }
    }
    ev
}

fn sidecar_for(values_us: &[u64]) -> String {
    let mut kpi = stampede_kpi::Kpi::default();
    for &us in values_us {
        kpi.throughput += 1;
        kpi.succ += 1;
        kpi.sum_rt_us += us;
        kpi.hist.record_us(us);
    }
    parser::sidecar::to_string([("API1", &kpi, 5), ("", &kpi, 5)]).unwrap()
}

#[tokio::test]
async fn sfn_v4_aggregates_per_region_and_total_with_exact_sidecars() {
    let e = env().await;
    put_scenario(&e, json!({"testId": "v4t", "status": "parsing results"})).await;
    let p = "2024-01-15T14-30-25_abc1234567";
    let dir = format!("results/v4t/{p}");
    put(&e, &format!("{dir}/a3677174-us-east-1.xml"), &task_xml(1)).await;
    put(
        &e,
        &format!("{dir}/a3677174-us-east-1.hist.json"),
        &sidecar_for(&[1000, 2000, 3000]),
    )
    .await;
    put(&e, &format!("{dir}/b1-eu-west-1.xml"), &task_xml(2)).await;
    put(
        &e,
        &format!("{dir}/b1-eu-west-1.hist.json"),
        &sidecar_for(&[10_000]),
    )
    .await;
    // Things DLT v4 also finds under the prefix and must skip.
    put(&e, &format!("{dir}/bzt-a3677174-us-east-1.log"), "log").await;
    put(&e, &format!("{dir}/completion/us-east-1/task1"), "done").await;
    let out = handle(
        sfn_event("v4t", p, &["us-east-1", "eu-west-1"], Some("abc1234567")),
        &e.store,
        &e.cfg,
    )
    .await
    .unwrap();
    assert_eq!(out["succPercent"], "0.66", "616 of 93903: {out}");
    let s = scenario(&e, "v4t").await;
    assert_eq!(s["completeTasks"], json!({"eu-west-1": 1, "us-east-1": 1}));
    assert_eq!(s["results"]["us-east-1"]["throughput"], 31301);
    assert_eq!(s["results"]["eu-west-1"]["throughput"], 62602);
    assert_eq!(s["results"]["total"]["throughput"], 93903);
    assert_eq!(
        s["results"]["total"]["rc"],
        json!([{"code": "503", "count": 29790}, {"code": "429", "count": 32196}])
    );
    assert_eq!(
        s["status"], "parsing results",
        "v4 leaves status to the cleanup step"
    );
    let exact = &s["results"]["total"]["exact"];
    assert_eq!(exact["count"], 4);
    assert_eq!(exact["avg_rt"], "0.00400", "(1+2+3+10 ms)/4, weighted");
    assert_eq!(exact["p100_0"], "0.010");
    assert_eq!(s["results"]["total"]["labels"][0]["exact"]["count"], 4);
    let mut k = results_parser::store::key("testId", "v4t");
    k.insert("testRunId".into(), json!("abc1234567"));
    let h = e
        .store
        .get_item(Table::History, k)
        .await
        .unwrap()
        .expect("history row");
    assert_eq!(h["succPercent"], "0.66");
    assert_eq!(h["results"]["total"]["throughput"], 93903);
}

#[tokio::test]
async fn sfn_v3_without_files_fails_like_dlt() {
    let e = env().await;
    put_scenario(&e, json!({"testId": "none", "status": "running"})).await;
    let err = handle(
        sfn_event("none", "878.14:32:40T30-90-0202", &["us-east-1"], None),
        &e.store,
        &e.cfg,
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), "NoResults");
    let s = scenario(&e, "none").await;
    assert_eq!(s["status"], "failed");
    assert_eq!(s["errorReason"], "Test might be failed to run.");
}

#[tokio::test]
async fn sfn_v3_completes_and_writes_history_item() {
    let e = env().await;
    let scenario_json = fixture("results-parser-v4.2.3-spec-fixtures.json");
    let ts: Value = serde_json::from_str(&scenario_json).unwrap();
    put_scenario(&e, json!({"testId": "v3t", "status": "running", "startTime": "2026-11-22 11:00:00", "testScenario": ts["testScenario"], "testType": "simple"})).await;
    let p = "878.14:32:40T30-90-0202";
    put(
        &e,
        &format!("results/v3t/{p}-u1-us-west-2.xml"),
        &task_xml(1),
    )
    .await;
    let out = handle(sfn_event("v3t", p, &["us-west-2"], None), &e.store, &e.cfg)
        .await
        .unwrap();
    let s = scenario(&e, "v3t").await;
    assert_eq!(s["status"], "complete");
    assert_eq!(s["completeTasks"]["us-west-2"], 1);
    let mut k = results_parser::store::key("testId", "v3t");
    k.insert("testRunId".into(), out["testRunId"].clone());
    let h = e
        .store
        .get_item(Table::History, k)
        .await
        .unwrap()
        .expect("history item");
    assert_eq!(h["startTime"], "2026-11-22 11:00:00");
    assert_eq!(
        h["testScenario"]["execution"][0]["hold-for"], "2m",
        "testScenario stored parsed"
    );
    assert_eq!(h["results"]["us-west-2"]["throughput"], 31301);
}

#[tokio::test]
async fn sfn_legacy_v11_event_writes_flat_results_and_history() {
    let e = env().await;
    put_scenario(
        &e,
        json!({"testId": "v11", "status": "running", "taskCount": 1}),
    )
    .await;
    put(&e, "results/v11/878.14-u1.xml", &task_xml(1)).await;
    let ev = json!({"scenario": {"testId": "v11", "taskCount": 1}, "prefix": "878.14", "isRunning": false});
    handle(ev, &e.store, &e.cfg).await.unwrap();
    let s = scenario(&e, "v11").await;
    assert_eq!(s["results"]["throughput"], 31301);
    assert_eq!(s["completeTasks"], 1);
    assert_eq!(s["history"][0]["succPercent"], "0.98");
}

#[tokio::test]
async fn unknown_event_is_a_clear_error() {
    let e = env().await;
    let err = handle(json!({"hello": 1}), &e.store, &e.cfg)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), "BadEvent");
    assert!(err.to_string().contains("hello"));
}

#[tokio::test]
async fn results_too_large_for_one_item_fail_with_dlt_message() {
    let mut e = env().await;
    e.cfg.item_budget = 300; // smaller than this run's results alone (about 600 bytes)
    put_scenario(
        &e,
        json!({"testId": "huge", "taskCount": 1, "status": "running"}),
    )
    .await;
    put(&e, "results/huge/u.xml", &task_xml(1)).await;
    let out = handle(s3_event(&e.bucket, "results/huge/u.xml"), &e.store, &e.cfg)
        .await
        .unwrap();
    assert_eq!(out["records"][0]["errorType"], "ItemTooLarge", "{out}");
    let s = scenario(&e, "huge").await;
    assert_eq!(s["status"], "failed");
    assert!(
        s["errorReason"]
            .as_str()
            .unwrap()
            .contains("exceeded the maximum allowed size (400KB)")
    );
}
