//! The whole results pipeline, end to end with real parts: the executor runs two short tests (two
//! "ECS tasks") against a real HTTP server on 127.0.0.1:0 and writes its results XML and histogram
//! sidecar; both are uploaded to moto S3 under DLT's key `results/<testId>/<uuid>.xml` (sidecar
//! first, as the ECS task does so the S3 event finds it); the results-parser handler gets each S3
//! event; the DynamoDB items must carry DLT's attributes and types, and the `exact` aggregate must
//! agree with the executor's own per-task numbers.

use executor::run::{Outcome, Progress, RunOptions, run};
use parser::{FinalStatus, Group};
use results_parser::aws::{AwsStore, Tables};
use results_parser::store::key;
use results_parser::{Config, Store, Table, handle};
use serde_json::{Map, Value, json};
use stampede_config::{LoadOptions, load_with};
use std::path::Path;
use testkit::TestServer;

/// One executor run, as one ECS task: returns (results XML text, sidecar text).
async fn run_task(dir: &Path, base: &str, users: u32) -> (String, String) {
    let xml = dir.join("results.xml");
    let config = format!(
        r#"
execution:
- concurrency: {users}
  hold-for: 1s
  scenario: s
scenarios:
  s:
    requests:
    - url: {base}/
      label: home
    - url: {base}/delay/3
      label: slow
    - url: {base}/status/404
      label: missing
reporting:
- module: final-stats
  dump-xml: {xml}
settings:
  artifacts-dir: {art}
"#,
        xml = xml.display(),
        art = dir.join("artifacts").display(),
    );
    let mut opts = LoadOptions::new(&[]);
    opts.cwd = dir.to_path_buf();
    let path = dir.join("e2e.yml");
    std::fs::write(&path, config).unwrap();
    let mut plan = load_with(&[path], &opts).expect("the config loads");
    let compiled = executor::plan::compile_plan(&plan);
    assert!(compiled.problems.is_empty(), "{:?}", compiled.problems);
    let scenarios = compiled.apply(&mut plan);
    let ran = run(
        plan,
        scenarios,
        RunOptions {
            progress: Progress::Lines,
            quiet: true,
            verbose: false,
            line_prefix: None,
        },
    )
    .await;
    assert_eq!(
        ran,
        Outcome::Ok,
        "404s are failed samples, not a failed run"
    );
    let hist = std::fs::read_to_string(dir.join("results.hist.json"))
        .expect("final-stats writes the sidecar next to dump-xml");
    (std::fs::read_to_string(&xml).unwrap(), hist)
}

/// A fresh bucket and tables on moto, unique to this test.
async fn aws() -> (AwsStore, String) {
    testkit::moto::endpoint();
    let id = uuid::Uuid::new_v4().simple().to_string();
    let mut store = AwsStore::from_env().await;
    store.tables = Tables {
        scenarios: Some(format!("scen-{id}")),
        results: Some(format!("res-{id}")),
        history: Some(format!("hist-{id}")),
    };
    let bucket = format!("e2e-{}", &id[..20]);
    store
        .s3
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let scen = store.tables.scenarios.clone().unwrap();
    let res = store.tables.results.clone().unwrap();
    store.create_table(&scen, &["testId"]).await.unwrap();
    store.create_table(&res, &["uuid"]).await.unwrap();
    (store, bucket)
}

async fn put(store: &AwsStore, bucket: &str, key: &str, body: String) {
    store
        .s3
        .put_object()
        .bucket(bucket)
        .key(key)
        .body(body.into_bytes().into())
        .send()
        .await
        .unwrap();
}

/// An S3 `ObjectCreated` event as moto sends it (key URL-encoded, no `userIdentity`).
fn s3_event(bucket: &str, key: &str) -> Value {
    json!({"Records": [{
        "eventVersion": "2.1", "eventSource": "aws:s3", "awsRegion": "us-east-1",
        "eventName": "ObjectCreated:Put",
        "s3": {"s3SchemaVersion": "1.0", "bucket": {"name": bucket, "arn": format!("arn:aws:s3:::{bucket}")},
               "object": {"key": key.replace('/', "%2F"), "size": 1}}}]})
}

fn num(g: &Group, f: impl Fn(&Group) -> &parser::Num) -> f64 {
    f(g).to_taurus_string().parse().unwrap()
}

fn perc(g: &Group, level: &str) -> f64 {
    let kpi = g.perc.iter().find(|k| k.param == level).unwrap();
    kpi.value.to_taurus_string().parse().unwrap()
}

/// A time in seconds: DLT stores aggregates as `toFixed` strings, per-task values as numbers.
fn secs(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        _ => v.as_f64().unwrap_or_else(|| panic!("{v} is not a time")),
    }
}

/// The `exact` object of a label (or overall) against the tasks' own `<Group>`s of that label.
fn check_exact(exact: &Map<String, Value>, groups: &[&Group]) {
    let label = &groups[0].label;
    let total: f64 = groups.iter().map(|g| num(g, |g| &g.throughput)).sum();
    assert_eq!(exact["count"].as_f64(), Some(total), "{label}");
    let fail: f64 = groups.iter().map(|g| num(g, |g| &g.fail)).sum();
    assert_eq!(exact["fail"].as_f64(), Some(fail), "{label}");
    let bytes: f64 = groups.iter().map(|g| num(g, |g| &g.bytes)).sum();
    assert_eq!(exact["bytes"].as_f64(), Some(bytes), "{label}");
    // The weighted average of the tasks' averages (5 decimals in the XML).
    let weighted: f64 = groups
        .iter()
        .map(|g| num(g, |g| &g.avg_rt) * num(g, |g| &g.throughput))
        .sum::<f64>()
        / total;
    assert!(
        (secs(&exact["avg_rt"]) - weighted).abs() <= 1e-5,
        "{label}: {exact:?}"
    );
    let lo = |level| {
        groups
            .iter()
            .map(|g| perc(g, level))
            .fold(f64::MAX, f64::min)
    };
    let hi = |level| groups.iter().map(|g| perc(g, level)).fold(0.0, f64::max);
    assert_eq!(
        secs(&exact["p0_0"]),
        lo("0.0"),
        "{label}: min of the minima"
    );
    assert_eq!(
        secs(&exact["p100_0"]),
        hi("100.0"),
        "{label}: max of the maxima"
    );
    // A percentile of the union lies between the tasks' percentiles at that level.
    for (level, attr) in [
        ("50.0", "p50_0"),
        ("90.0", "p90_0"),
        ("95.0", "p95_0"),
        ("99.0", "p99_0"),
    ] {
        let v = secs(&exact[attr]);
        assert!(
            lo(level) <= v && v <= hi(level),
            "{label} {attr}: {v} not in tasks' range"
        );
    }
}

fn group<'a>(fs: &'a FinalStatus, label: &str) -> &'a Group {
    fs.groups.iter().find(|g| g.label == label).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn executor_results_flow_through_s3_and_the_lambda_into_dynamodb() {
    let server = TestServer::start().await;
    let base = format!("http://{}", server.addr);
    let (store, bucket) = aws().await;
    let test_id = "e2eTest01";
    store
        .put_item(
            Table::Scenarios,
            json!({"testId": test_id, "taskCount": 2, "status": "running",
                   "startTime": "2026-11-22 11:58:00"})
            .as_object()
            .unwrap()
            .clone(),
        )
        .await
        .unwrap();
    let cfg = Config {
        bucket: Some(bucket.clone()),
        ..Config::default()
    };

    let mut tasks = Vec::new();
    for (i, users) in [(1, 2), (2, 3)] {
        let dir = tempfile::tempdir().unwrap();
        let (xml, hist) = run_task(dir.path(), &base, users).await;
        let uuid = format!("task-{i}");
        let xml_key = format!("results/{test_id}/{uuid}.xml");
        put(
            &store,
            &bucket,
            &parser::sidecar::key_for_xml(&xml_key),
            hist,
        )
        .await;
        put(&store, &bucket, &xml_key, xml.clone()).await;
        let out = handle(s3_event(&bucket, &xml_key), &store, &cfg)
            .await
            .unwrap();
        let expected = if i == 2 { "finalised" } else { "running" };
        assert_eq!(out["records"][0]["status"], expected, "{out}");
        tasks.push((uuid, parser::read::from_str(&xml).unwrap()));
    }

    // Per task: DLT v1.0's Results item.
    for (uuid, fs) in &tasks {
        let item = store
            .get_item(Table::Results, key("uuid", uuid))
            .await
            .unwrap()
            .expect("a Results item per task");
        assert_eq!(item["testId"], test_id);
        assert!(item["testDuration"].is_number(), "{item:?}");
        assert!(item["ttlDel"].is_i64(), "TTL is a number");
        let overall = group(fs, "");
        assert_eq!(
            item["results"]["throughput"].as_f64(),
            Some(num(overall, |g| &g.throughput))
        );
        assert_eq!(secs(&item["results"]["p95_0"]), perc(overall, "95.0"));
        let endpoints: Vec<&str> = item["endPoints"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["endpoint"].as_str().unwrap())
            .collect();
        assert!(
            endpoints.contains(&"home") && endpoints.contains(&"missing"),
            "{endpoints:?}"
        );
    }

    // The test: complete, DLT's aggregate with DLT's types, and the exact merge.
    let s = store
        .get_item(Table::Scenarios, key("testId", test_id))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(s["status"], "complete");
    assert!(s["endTime"].is_string());
    assert_eq!(s["history"].as_array().unwrap().len(), 1);
    let r = s["results"].as_object().unwrap();
    for n in ["throughput", "succ", "fail"] {
        assert!(r[n].is_number(), "{n} is a number: {r:?}");
    }
    for t in [
        "avg_rt", "avg_lt", "avg_ct", "stdev_rt", "p0_0", "p50_0", "p90_0", "p95_0", "p99_0",
        "p100_0",
    ] {
        assert!(r[t].is_string(), "{t} is a toFixed string: {r:?}");
    }
    let groups = |label| {
        tasks
            .iter()
            .map(|(_, fs)| group(fs, label))
            .collect::<Vec<_>>()
    };
    let fail: f64 = groups("").iter().map(|g| num(g, |g| &g.fail)).sum();
    assert_eq!(r["fail"].as_f64(), Some(fail));
    assert!(fail > 0.0, "the /status/404 requests failed");
    check_exact(
        r["exact"].as_object().expect("every task had a sidecar"),
        &groups(""),
    );
    // `/delay/3` responses take at least 3 ms: the exact maximum cannot be a sub-ms value.
    assert!(secs(&r["exact"]["p100_0"]) >= 0.003);
    drop(server);
}
