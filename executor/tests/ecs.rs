//! The DLT ECS container contract: env and era detection, keys, XML enrichment, barriers,
//! retries and lifecycle events, against moto S3 and a local ECS metadata stub. The container as a
//! process is in `ecs_container.rs`.

mod ecs_support;

use ecs_support::*;
use stampede_ecs::barrier::{self, StartSignal, WorkerEnd};
use stampede_ecs::env::{EcsEnv, EnvError, Era, TcpRole, TestType, detect_era};
use stampede_ecs::events::{self, Event, EventContext};
use stampede_ecs::meta::{self, TaskMeta};
use stampede_ecs::store::StoreError;
use std::time::{Duration, SystemTime};

// ---------- environment and era ----------

#[test]
fn era_detection_table() {
    let e6 = e6_env("b", "t1", "http://unused");
    let table: Vec<(Vec<(&str, &str)>, Era)> = vec![
        (vec![("S3_BUCKET", "b"), ("TEST_ID", "t")], Era::E1),
        (
            vec![("TEST_ID", "t"), ("PREFIX", "878.14:32:40T30-90-0202")],
            Era::E2,
        ),
        (vec![("PREFIX", "p"), ("SCRIPT", "ecslistener.py")], Era::E3),
        (
            vec![("PREFIX", "p"), ("IPNETWORK", "10.0"), ("IPHOSTS", "1.2")],
            Era::E3,
        ),
        (
            vec![
                ("PREFIX", "p"),
                ("LIVE_DATA_ENABLED", "live=false"),
                ("SCRIPT", "ecslistener.py"),
            ],
            Era::E4,
        ),
        (
            vec![
                ("PREFIX", "2025-07-23T10:11:12.345"),
                ("LIVE_DATA_ENABLED", "live=true"),
            ],
            Era::E4,
        ),
        (
            vec![
                ("PREFIX", "2024-01-15T14-30-25_abc1234567"),
                ("LIVE_DATA_ENABLED", "live=true"),
            ],
            Era::E5,
        ),
        (
            vec![("PREFIX", "p"), ("TEST_RUN_ID", "abc1234567")],
            Era::E6,
        ),
        // Empty values count as unset (the task runner passes "" for unused variables).
        (vec![("PREFIX", ""), ("TEST_RUN_ID", "")], Era::E1),
    ];
    for (vars, want) in table {
        let env = lookup(&vars);
        assert_eq!(detect_era(&env), want, "{vars:?}");
    }
    let env = lookup_owned(&e6);
    assert_eq!(detect_era(&env), Era::E6);
}

#[test]
fn era_override_by_name_and_version() {
    for (v, want) in [
        ("e3", Era::E3),
        ("E5", Era::E5),
        ("v3.4.6", Era::E4),
        ("v1.0.0", Era::E1),
        ("1.2.0", Era::E2),
        ("v2.0.2", Era::E3),
        ("v4.0.16", Era::E5),
        ("v4.2.3", Era::E6),
    ] {
        let vars = [
            ("S3_BUCKET", "b"),
            ("TEST_ID", "t"),
            ("PREFIX", "p"),
            ("AWS_REGION", "eu-west-1"),
            ("TEST_RUN_ID", "r"),
            ("STAMPEDE_DLT_ERA", v),
        ];
        let env = EcsEnv::from_lookup(&lookup(&vars)).unwrap();
        assert_eq!(env.era, want, "{v}");
        assert!(env.era_overridden);
    }
    let bad = [
        ("S3_BUCKET", "b"),
        ("TEST_ID", "t"),
        ("STAMPEDE_DLT_ERA", "v9"),
    ];
    let err = EcsEnv::from_lookup(&lookup(&bad)).unwrap_err();
    assert!(
        matches!(
            err,
            EnvError::Invalid {
                name: "STAMPEDE_DLT_ERA",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn env_errors_name_the_variable() {
    let err = EcsEnv::from_lookup(&lookup(&[("S3_BUCKET", "b")])).unwrap_err();
    assert_eq!(err, EnvError::Missing { name: "TEST_ID" });
    assert!(err.to_string().contains("TEST_ID is not set"));
    let e4_no_region = [
        ("S3_BUCKET", "b"),
        ("TEST_ID", "t"),
        ("PREFIX", "p"),
        ("LIVE_DATA_ENABLED", "live=true"),
    ];
    assert_eq!(
        EcsEnv::from_lookup(&lookup(&e4_no_region)).unwrap_err(),
        EnvError::Missing { name: "AWS_REGION" }
    );
    let bad_timeout = [("S3_BUCKET", "b"), ("TEST_ID", "t"), ("TIMEOUT", "ten")];
    let err = EcsEnv::from_lookup(&lookup(&bad_timeout)).unwrap_err();
    assert!(
        matches!(
            err,
            EnvError::Invalid {
                name: "TIMEOUT",
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn e6_env_is_read_whole() {
    let vars = e6_env("bucket-1", "Ab3dEf9HiJ", "http://169.254.170.2/v4/x");
    let env = EcsEnv::from_lookup(&lookup_owned(&vars)).unwrap();
    assert_eq!(env.era, Era::E6);
    assert_eq!(env.test_type, TestType::Simple);
    assert_eq!(env.bucket_region.as_deref(), Some("us-east-1"));
    assert_eq!(env.region.as_deref(), Some("eu-west-1"));
    assert_eq!(env.timeout, Some(Duration::from_secs(900)));
    // v4.1+ still sets SCRIPT=ecslistener.py, but uses the S3 barrier.
    assert_eq!(env.tcp_role, None);
    assert_eq!(env.line_prefix().as_deref(), Some("Ab3dEf9HiJ live=true "));
    let jmx = [
        ("S3_BUCKET", "b"),
        ("TEST_ID", "t"),
        ("TEST_TYPE", "jmeter"),
    ];
    let env = EcsEnv::from_lookup(&lookup(&jmx)).unwrap();
    assert_eq!(env.test_type, TestType::Jmeter);
}

#[test]
fn tcp_roles_from_env() {
    let worker = [
        ("S3_BUCKET", "b"),
        ("TEST_ID", "t"),
        ("PREFIX", "p"),
        ("SCRIPT", "ecslistener.py"),
    ];
    let env = EcsEnv::from_lookup(&lookup(&worker)).unwrap();
    assert_eq!(env.tcp_role, Some(TcpRole::Worker));
    let leader = [
        ("S3_BUCKET", "b"),
        ("TEST_ID", "t"),
        ("PREFIX", "p"),
        ("SCRIPT", "ecscontroller.py"),
        ("IPNETWORK", "10.0"),
        ("IPHOSTS", "1.23,4.56"),
    ];
    let env = EcsEnv::from_lookup(&lookup(&leader)).unwrap();
    assert_eq!(
        env.tcp_role,
        Some(TcpRole::Leader {
            network: "10.0".into(),
            hosts: Some(vec!["1.23".into(), "4.56".into()]),
        })
    );
    // v3.3.4+: IPHOSTS comes from S3.
    let leader_s3 = [
        ("S3_BUCKET", "b"),
        ("TEST_ID", "t"),
        ("PREFIX", "p"),
        ("IPNETWORK", "10.0"),
    ];
    let env = EcsEnv::from_lookup(&lookup(&leader_s3)).unwrap();
    assert_eq!(
        env.tcp_role,
        Some(TcpRole::Leader {
            network: "10.0".into(),
            hosts: None
        })
    );
}

#[test]
fn keys_per_era() {
    let uuid = "1b4e28ba-2fa1-11d2-883f-0016d3cca427";
    let table = [
        (
            Era::E1,
            "results/T1/1b4e28ba-2fa1-11d2-883f-0016d3cca427.xml",
            "results/T1/bzt-1b4e28ba-2fa1-11d2-883f-0016d3cca427.log",
            "test-scenarios/T1.json",
            None,
        ),
        (
            Era::E2,
            "results/T1/P-1b4e28ba-2fa1-11d2-883f-0016d3cca427.xml",
            "results/T1/bzt-P-1b4e28ba-2fa1-11d2-883f-0016d3cca427.log",
            "test-scenarios/T1.json",
            None,
        ),
        (
            Era::E3,
            "results/T1/P-1b4e28ba-2fa1-11d2-883f-0016d3cca427.xml",
            "results/T1/bzt-P-1b4e28ba-2fa1-11d2-883f-0016d3cca427.log",
            "test-scenarios/T1.json",
            Some("T1 "),
        ),
        (
            Era::E4,
            "results/T1/P-1b4e28ba-2fa1-11d2-883f-0016d3cca427-eu-west-1.xml",
            "results/T1/bzt-P-1b4e28ba-2fa1-11d2-883f-0016d3cca427-eu-west-1.log",
            "test-scenarios/T1-eu-west-1.json",
            Some("T1 live=true "),
        ),
        (
            Era::E5,
            "results/T1/P/1b4e28ba-2fa1-11d2-883f-0016d3cca427-eu-west-1.xml",
            "results/T1/P/bzt-1b4e28ba-2fa1-11d2-883f-0016d3cca427-eu-west-1.log",
            "test-scenarios/T1-eu-west-1.json",
            Some("T1 live=true "),
        ),
        (
            Era::E6,
            "results/T1/P/1b4e28ba-2fa1-11d2-883f-0016d3cca427-eu-west-1.xml",
            "results/T1/P/bzt-1b4e28ba-2fa1-11d2-883f-0016d3cca427-eu-west-1.log",
            "test-scenarios/T1-eu-west-1.json",
            Some("T1 live=true "),
        ),
    ];
    for (era, xml, log, scenario, prefix) in table {
        let vars = [
            ("S3_BUCKET", "b"),
            ("TEST_ID", "T1"),
            ("PREFIX", "P"),
            ("AWS_REGION", "eu-west-1"),
            ("LIVE_DATA_ENABLED", "live=true"),
            ("STAMPEDE_DLT_ERA", era_name(era)),
        ];
        let env = EcsEnv::from_lookup(&lookup(&vars)).unwrap();
        assert_eq!(env.result_key(uuid, None, "xml"), xml, "{era}");
        assert_eq!(env.result_key(uuid, Some("bzt"), "log"), log, "{era}");
        assert_eq!(env.scenario_keys()[0], scenario, "{era}");
        assert_eq!(
            env.scenario_keys().len(),
            2,
            "the other shape is the fallback"
        );
        assert_eq!(env.line_prefix().as_deref(), prefix, "{era}");
    }
    let vars = [
        ("S3_BUCKET", "b"),
        ("TEST_ID", "T1"),
        ("PREFIX", "P"),
        ("AWS_REGION", "eu-west-1"),
        ("TEST_RUN_ID", "r"),
    ];
    let env = EcsEnv::from_lookup(&lookup(&vars)).unwrap();
    assert_eq!(env.start_signal_key(), "start-signal/T1/P/eu-west-1/start");
    assert_eq!(
        env.completion_key("abc"),
        "results/T1/P/completion/eu-west-1/abc"
    );
    assert_eq!(env.iphosts_key(), "Container_IPs/T1_IPHOSTS_eu-west-1.txt");
}

// ---------- metadata, enrichment, duration ----------

#[test]
fn task_metadata_is_read_as_dlt_reads_it() {
    let doc: serde_json::Value =
        serde_json::from_str(&fixture("ecs-task-metadata-v4.json")).unwrap();
    let m = TaskMeta::from_json(&doc).unwrap();
    assert_eq!(m.task_id, "0123456789abcdef0123456789abcdef");
    assert_eq!((m.cpu.as_str(), m.memory.as_str()), ("2", "4096"));
    assert_eq!(m.started_at, Some(1_777_636_810)); // 2026-05-01T12:00:10Z
    assert!(TaskMeta::from_json(&serde_json::json!({"Limits": {}})).is_none());
}

#[test]
fn enrichment_appends_four_elements_on_one_line_before_the_end() {
    let xml = fixture("taurus-results-sample-pr14.xml");
    let m = TaskMeta {
        task_id: "0123abcd".into(),
        cpu: "2".into(),
        memory: "4096".into(),
        started_at: Some(1000),
    };
    let out = meta::enrich(&xml, &m, 1090).unwrap();
    assert!(out.ends_with(
        "<TaskId>0123abcd</TaskId><TaskCPU>2</TaskCPU><TaskMemory>4096</TaskMemory><ECSDuration>90</ECSDuration></FinalStatus>\n"
    ), "{}", &out[out.len() - 200..]);
    assert!(out.starts_with(&xml[..xml.rfind("</FinalStatus>").unwrap()]));
    let parsed = xml_texts(&out);
    assert_eq!(parsed.get("TaskId").map(String::as_str), Some("0123abcd"));
    assert_eq!(parsed.get("ECSDuration").map(String::as_str), Some("90"));
    assert!(meta::enrich("<NotTaurus/>", &m, 0).is_none());
    assert_dlt_parsable(&xml, false);
    assert_dlt_parsable(&out, true);
}

#[test]
fn calculated_duration_reads_python_timedelta() {
    for (line, want) in [
        ("15:06:41 INFO: Test duration: 0:02:19", Some(139)),
        (
            "15:06:41 INFO: Test duration: 1 day, 2:03:04",
            Some(86_400 + 7384),
        ),
        (
            "15:06:41 INFO: Test duration: 3 days, 0:00:01",
            Some(3 * 86_400 + 1),
        ),
        ("15:06:41 INFO: Samples count: 809, 0.00% failures", None),
    ] {
        assert_eq!(
            meta::calculated_duration(&format!("x\n{line}\n")),
            want,
            "{line}"
        );
    }
}

#[test]
fn test_duration_is_corrected_only_downwards_and_only_with_a_decimal_point() {
    let xml = "<FinalStatus>\n  <TestDuration>105.0</TestDuration>\n</FinalStatus>";
    assert_eq!(
        meta::correct_test_duration(xml, 100).as_deref(),
        Some("<FinalStatus>\n  <TestDuration>100</TestDuration>\n</FinalStatus>")
    );
    assert_eq!(meta::correct_test_duration(xml, 139), None);
    assert_eq!(
        meta::correct_test_duration("<TestDuration>105</TestDuration>", 3),
        None
    );
}

#[test]
fn lifecycle_event_line_has_dlt_shape() {
    let ctx = EventContext {
        test_id: "T1".into(),
        test_run_id: "r1".into(),
        region: "eu-west-1".into(),
        task_id: "abc".into(),
    };
    let now = chrono::DateTime::parse_from_rfc3339("2026-05-01T12:00:10.5Z")
        .unwrap()
        .to_utc();
    let line = events::line(
        &ctx,
        now,
        "INFO",
        Event::TaskStarted,
        "Start signal received",
    );
    assert_eq!(
        line,
        r#"{"timestamp":"2026-05-01T12:00:10.500Z","level":"INFO","logEvent":"TASK_STARTED","message":"Start signal received","testId":"T1","testRunId":"r1","region":"eu-west-1","taskId":"abc"}"#
    );
    let names: Vec<_> = [
        Event::TaskStarted,
        Event::TaskCompleted,
        Event::TaskFailed,
        Event::ReplacementTaskSkipped,
    ]
    .iter()
    .map(|e| e.name())
    .collect();
    assert_eq!(
        names,
        [
            "TASK_STARTED",
            "TASK_COMPLETED",
            "TASK_FAILED",
            "REPLACEMENT_TASK_SKIPPED"
        ]
    );
}

#[tokio::test]
async fn metadata_is_fetched_from_the_endpoint() {
    let stub = MetadataStub::start(fixture("ecs-task-metadata-v4.json"));
    let m = meta::fetch(&stub.uri()).await.unwrap();
    assert_eq!(m.task_id, "0123456789abcdef0123456789abcdef");
    let err = meta::fetch(&format!("{}/missing", stub.base()))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("answered 404"), "{err}");
    let err = meta::fetch("https://169.254.170.2/v4/x").await.unwrap_err();
    assert!(err.to_string().contains("not a plain http://"), "{err}");
}

// ---------- S3: download, upload retries, start signal ----------

#[tokio::test]
async fn scenario_download_tries_both_keys_and_says_which() {
    let (store, bucket) = moto_store("dl").await;
    let env = EcsEnv::from_lookup(&lookup(&[
        ("S3_BUCKET", &bucket),
        ("TEST_ID", "T1"),
        ("PREFIX", "P"),
        ("AWS_REGION", "eu-west-1"),
        ("LIVE_DATA_ENABLED", "live=true"),
    ]))
    .unwrap();
    let err = store
        .download_first(&env.scenario_keys())
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(
        msg.contains("tried test-scenarios/T1-eu-west-1.json, test-scenarios/T1.json"),
        "{msg}"
    );
    assert!(matches!(err, StoreError::NotFound { .. }));
    // The pre-v3 file is found as the fallback.
    put(&store, "test-scenarios/T1.json", b"{}").await;
    let (key, body) = store.download_first(&env.scenario_keys()).await.unwrap();
    assert_eq!(
        (key.as_str(), body.as_slice()),
        ("test-scenarios/T1.json", b"{}".as_slice())
    );
    put(&store, "test-scenarios/T1-eu-west-1.json", b"{\"r\":1}").await;
    let (key, _) = store.download_first(&env.scenario_keys()).await.unwrap();
    assert_eq!(key, "test-scenarios/T1-eu-west-1.json");
}

#[tokio::test]
async fn upload_retries_until_the_bucket_exists() {
    let (mut store, _) = moto_store("retry").await;
    let late = format!("late-{}", uuid::Uuid::new_v4().simple());
    store.bucket = late.clone();
    store.attempts = 6;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("results.xml");
    std::fs::write(&file, "<FinalStatus/>").unwrap();
    let client = store.client.clone();
    let create = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(400)).await;
        client.create_bucket().bucket(late).send().await.unwrap();
    });
    store.upload_file(&file, "results/T/x.xml").await.unwrap();
    create.await.unwrap();
    assert_eq!(get(&store, "results/T/x.xml").await, b"<FinalStatus/>");
}

#[tokio::test]
async fn upload_gives_up_after_the_attempts_and_says_so() {
    let (mut store, _) = moto_store("giveup").await;
    store.bucket = format!("never-{}", uuid::Uuid::new_v4().simple());
    store.attempts = 2;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("results.xml");
    std::fs::write(&file, "x").unwrap();
    let err = store.upload_file(&file, "k").await.unwrap_err();
    let msg = err.to_string();
    assert!(
        matches!(err, StoreError::Upload { attempts: 2, .. }),
        "{msg}"
    );
    assert!(msg.contains("NoSuchBucket"), "{msg}");
    assert!(file.exists(), "the local file is kept");
}

#[test]
fn start_signal_stale_rule() {
    let t0 = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
    let stale = Duration::from_secs(30);
    assert_eq!(barrier::classify(t0, t0, stale), StartSignal::Start);
    assert_eq!(
        barrier::classify(t0 + Duration::from_millis(30_900), t0, stale),
        StartSignal::Start
    );
    assert_eq!(
        barrier::classify(t0 + Duration::from_secs(31), t0, stale),
        StartSignal::Stale {
            age: Duration::from_secs(31)
        }
    );
    // A clock behind S3's counts as fresh.
    assert_eq!(
        barrier::classify(t0, t0 + Duration::from_secs(5), stale),
        StartSignal::Start
    );
}

#[tokio::test]
async fn start_signal_is_polled_until_it_appears() {
    let (store, _) = moto_store("signal").await;
    let key = "start-signal/T/P/eu-west-1/start";
    let client = store.client.clone();
    let bucket = store.bucket.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        client
            .put_object()
            .bucket(bucket)
            .key(key)
            .send()
            .await
            .unwrap();
    });
    let got = tokio::time::timeout(
        Duration::from_secs(10),
        barrier::wait_for_start_signal(
            &store,
            key,
            Duration::from_millis(100),
            Duration::from_secs(30),
        ),
    )
    .await
    .unwrap();
    assert_eq!(got, StartSignal::Start);
    // With a 0 s threshold the same signal is stale once a second has passed.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let got =
        barrier::wait_for_start_signal(&store, key, Duration::from_millis(100), Duration::ZERO)
            .await;
    assert!(matches!(got, StartSignal::Stale { .. }), "{got:?}");
}

// ---------- TCP barrier ----------

#[tokio::test]
async fn tcp_leader_starts_its_workers() {
    let a = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = a.local_addr().unwrap().port();
    let waiting = tokio::spawn(barrier::worker_wait(a, Some(Duration::from_secs(10))));
    let failed = barrier::leader_send("127.0", &["0.1".to_string()], port).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(waiting.await.unwrap(), WorkerEnd::Started);
}

#[tokio::test]
async fn tcp_worker_ignores_other_messages_and_times_out() {
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let waiting = tokio::spawn(barrier::worker_wait(l, Some(Duration::from_millis(600))));
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    tokio::io::AsyncWriteExt::write_all(&mut s, b"hello")
        .await
        .unwrap();
    drop(s);
    assert_eq!(waiting.await.unwrap(), WorkerEnd::TimedOut);
}

#[test]
fn dump_xml_follows_the_artifacts_dir() {
    use stampede_ecs::flow::redirect_dump_xml;
    let art = std::path::Path::new("/work/art");
    let mut dlt = serde_json::json!({"reporting": [{"module": "final-stats", "dump-xml": "/tmp/artifacts/results.xml"}]});
    assert_eq!(redirect_dump_xml(&mut dlt, art), art.join("results.xml"));
    assert_eq!(dlt["reporting"][0]["dump-xml"], "/work/art/results.xml");
    let mut custom =
        serde_json::json!({"reporting": [{"module": "final-stats", "dump-xml": "/data/r.xml"}]});
    assert_eq!(
        redirect_dump_xml(&mut custom, art),
        std::path::PathBuf::from("/data/r.xml")
    );
    let mut none = serde_json::json!({"execution": []});
    assert_eq!(redirect_dump_xml(&mut none, art), art.join("results.xml"));
    assert_eq!(none["reporting"][0]["module"], "final-stats");
    assert_eq!(none["reporting"][0]["dump-xml"], "/work/art/results.xml");
    let mut other = serde_json::json!({"reporting": [{"module": "console"}]});
    redirect_dump_xml(&mut other, art);
    assert_eq!(other["reporting"].as_array().unwrap().len(), 2);
}
