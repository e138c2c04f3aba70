//! `DynamoStore` and `S3Blobs` against moto, through the domain's traits: every method, with the
//! attribute types DLT's tables use.

use std::sync::Arc;

use serde_json::{Map, json};
use stampede_control::model::{RunItem, RunQuery, Status, TaskConfig, TestItem};
use stampede_control::ports::{Blobs, Store};
use stampede_control_aws::dynamo::DynamoStore;
use stampede_control_aws::s3::S3Blobs;
use stampede_control_aws::sdk::Clients;

fn test_item(id: &str, start: &str) -> TestItem {
    TestItem {
        test_id: id.into(),
        test_name: "name".into(),
        test_description: "desc".into(),
        test_type: "simple".into(),
        file_type: None,
        task_configs: vec![TaskConfig {
            region: "us-east-1".into(),
            task_count: 2,
            concurrency: 3,
        }],
        test_scenario: json!({"execution": [{"hold-for": "1s"}]}),
        status: Status::Running,
        start_time: Some(start.into()),
        end_time: None,
        current_run: Some(format!("{id}-r2")),
        error_reason: None,
        results: None,
        complete_tasks: None,
        extra: Map::from_iter([("tags".to_owned(), json!(["a"]))]),
    }
}

fn run_item(test: &TestItem, id: &str, start: &str) -> RunItem {
    RunItem {
        test_id: test.test_id.clone(),
        run_id: id.into(),
        start_time: start.into(),
        end_time: None,
        status: Status::Complete,
        task_configs: test.task_configs.clone(),
        test_scenario: test.test_scenario.clone(),
        test_description: test.test_description.clone(),
        test_type: test.test_type.clone(),
        results: Some(json!({"total": {"succ": 1}})),
        succ_percent: None,
        complete_tasks: None,
        error_reason: None,
        validity: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn store_and_blobs_round_trip_on_moto() {
    testkit::moto::endpoint();
    let u = &uuid::Uuid::new_v4().simple().to_string()[..12];
    let clients = Clients::from_env().await;
    let (scen, hist, bucket) = (format!("s-{u}"), format!("h-{u}"), format!("b-{u}"));
    let parser = results_parser::aws::AwsStore {
        s3: clients.s3.clone(),
        ddb: clients.ddb.clone(),
        tables: Default::default(),
    };
    parser.create_table(&scen, &["testId"]).await.unwrap();
    parser
        .create_table(&hist, &["testId", "testRunId"])
        .await
        .unwrap();
    clients
        .s3
        .create_bucket()
        .bucket(&bucket)
        .send()
        .await
        .unwrap();
    let rt = tokio::runtime::Handle::current();
    let store = Arc::new(DynamoStore::new(
        clients.ddb.clone(),
        &scen,
        &hist,
        rt.clone(),
    ));
    let blobs = Arc::new(S3Blobs::new(clients.s3.clone(), &bucket, rt));
    tokio::task::spawn_blocking(move || {
        let (a, b) = (
            test_item("a", "2026-01-01 00:00:00"),
            test_item("b", "2026-01-02 00:00:00"),
        );
        store.put_test(&a).unwrap();
        store.put_test(&b).unwrap();
        let mut back = store.get_test("a").unwrap().unwrap();
        // v1.0's `taskCount` (the sum) is on every item and reads back as a client field.
        assert_eq!(back.extra.remove("taskCount"), Some(json!(2)));
        assert_eq!(back, a);
        let listed: Vec<String> = store
            .list_tests()
            .unwrap()
            .into_iter()
            .map(|t| t.test_id)
            .collect();
        assert_eq!(listed, ["b", "a"], "newest first");
        for (id, start) in [
            ("a-r1", "2026-01-01 00:00:00"),
            ("a-r2", "2026-01-03 00:00:00"),
            ("a-r3", "2026-01-02 00:00:00"),
        ] {
            store.put_run(&run_item(&a, id, start)).unwrap();
        }
        assert_eq!(store.count_runs("a").unwrap(), 3);
        let page = store
            .list_runs(
                "a",
                &RunQuery {
                    limit: 2,
                    offset: 1,
                    ..RunQuery::default()
                },
            )
            .unwrap();
        let ids: Vec<&str> = page.runs.iter().map(|r| r.run_id.as_str()).collect();
        assert_eq!((ids, page.total), (vec!["a-r3", "a-r1"], 3));
        let q = RunQuery {
            limit: 10,
            start: Some("2026-01-02 00:00:00".into()),
            ..RunQuery::default()
        };
        assert_eq!(store.list_runs("a", &q).unwrap().total, 2);
        store.put_histograms("a-r1", "hist text").unwrap();
        assert_eq!(
            store.get_histograms("a-r1").unwrap().as_deref(),
            Some("hist text")
        );
        store.put_timeline("a-r1", &[(5, "{}".into())]).unwrap();
        assert_eq!(
            store.get_timeline("a-r1").unwrap(),
            vec![(5, "{}".to_owned())]
        );
        assert_eq!(store.count_runs("a").unwrap(), 3, "side rows are not runs");
        store.set_baseline("a", Some("a-r1")).unwrap();
        assert_eq!(store.get_baseline("a").unwrap().as_deref(), Some("a-r1"));
        store.set_baseline("a", None).unwrap();
        assert_eq!(store.get_baseline("a").unwrap(), None);
        assert_eq!(
            store
                .delete_runs("a", &["a-r1".into(), "nope".into()])
                .unwrap(),
            1
        );
        assert_eq!(store.get_histograms("a-r1").unwrap(), None);
        store.delete_test("a").unwrap();
        assert!(store.get_test("a").unwrap().is_none() && store.count_runs("a").unwrap() == 0);

        blobs.put("results/a/r/x.xml", b"<x/>").unwrap();
        blobs.put("results/a/r/y.xml", b"<y/>").unwrap();
        assert_eq!(
            blobs.get("results/a/r/x.xml").unwrap().as_deref(),
            Some(&b"<x/>"[..])
        );
        assert_eq!(blobs.get("results/a/r/none.xml").unwrap(), None);
        assert_eq!(
            blobs.list("results/a/").unwrap(),
            ["results/a/r/x.xml", "results/a/r/y.xml"]
        );
        blobs.delete_prefix("results/a/").unwrap();
        assert!(blobs.list("results/").unwrap().is_empty());
    })
    .await
    .unwrap();
}
