//! `stampede ecs` as a process (this test binary re-executed as the container), against moto S3,
//! a local ECS metadata stub and a stand-in engine: the E1/E4/E6 flows, barriers, SIGTERM, exit codes.

mod ecs_support;

use ecs_support::*;
use std::time::Duration;

#[test]
#[ignore = "entry point of the container child process, spawned by the process tests"]
fn ecs_child_entry() {
    if std::env::var_os(CHILD_FLAG).is_some() {
        std::process::exit(i32::from(stampede_ecs::main_code()));
    }
}

#[test]
fn e6_full_flow_uploads_enriches_marks_completion_and_idles_until_sigterm() {
    let h = Harness::new("e6");
    let stub = MetadataStub::start(fixture("ecs-task-metadata-v4.json"));
    h.put_scenario("test-scenarios/T6-eu-west-1.json");
    h.put_start_signal("start-signal/T6/2026-05-01T12-00-00_abc1234567/eu-west-1/start");
    let mut env = e6_env(&h.bucket, "T6", &stub.uri());
    env.extend(h.stampede_env("ok"));
    let mut c = h.spawn(&env);
    let marker = "results/T6/2026-05-01T12-00-00_abc1234567/completion/eu-west-1/0123456789abcdef0123456789abcdef";
    h.wait_for_key(marker, Duration::from_secs(20));
    assert!(c.running(), "v4.1+ idles after the test until SIGTERM");
    assert!(h.dir.path().join("health_ready").exists());
    c.sigterm();
    let (code, out) = c.wait(Duration::from_secs(10));
    assert_eq!(code, 0, "{out}");
    let keys = h.keys("results/T6/");
    let xml_key = keys
        .iter()
        .find(|k| k.ends_with("-eu-west-1.xml"))
        .expect("results xml")
        .clone();
    assert!(
        xml_key.starts_with("results/T6/2026-05-01T12-00-00_abc1234567/"),
        "{xml_key}"
    );
    assert!(
        keys.iter()
            .any(|k| k.contains("/bzt-") && k.ends_with("-eu-west-1.log")),
        "{keys:?}"
    );
    assert!(
        keys.iter().any(|k| k.ends_with("-eu-west-1.hist.json")),
        "{keys:?}"
    );
    let xml = String::from_utf8(h.get(&xml_key)).unwrap();
    assert_dlt_parsable(&xml, true);
    let texts = xml_texts(&xml);
    assert_eq!(texts["TaskId"], "0123456789abcdef0123456789abcdef");
    assert_eq!(
        (texts["TaskCPU"].as_str(), texts["TaskMemory"].as_str()),
        ("2", "4096")
    );
    assert!(texts["ECSDuration"].parse::<u64>().unwrap() > 0);
    assert_eq!(
        texts["TestDuration"], "2",
        "corrected to the console's Test duration"
    );
    // stdout: the per-second line with DLT's prefix, matching the v4 live-data regexes.
    let live = out
        .lines()
        .find(|l| l.contains("INFO: Current:"))
        .expect("a per-second line");
    assert!(live.starts_with("T6 live=true "), "{live}");
    assert_live_data_line(live, "T6");
    let events = json_events(&out);
    assert_eq!(events, ["TASK_STARTED", "TASK_COMPLETED"], "{out}");
    // JSON lines from the engine (CloudWatch EMF) stay unprefixed so CloudWatch Logs can parse them.
    assert!(out.lines().any(|l| l.starts_with(r#"{"_aws":"#)), "{out}");
    let console = std::fs::read_to_string(h.dir.path().join("result.tmp")).unwrap();
    assert!(
        console.starts_with("{\"_aws\"") && console.contains("\n12:00:00 INFO: Current:"),
        "{console}"
    );
    let args = std::fs::read_to_string(h.dir.path().join("engine-args.txt")).unwrap();
    assert!(args.contains("modules.console.disable=true"), "{args}");
}

#[test]
fn e6_stale_start_signal_skips_the_load() {
    let h = Harness::new("stale");
    let stub = MetadataStub::start(fixture("ecs-task-metadata-v4.json"));
    h.put_scenario("test-scenarios/T6-eu-west-1.json");
    h.put_start_signal("start-signal/T6/2026-05-01T12-00-00_abc1234567/eu-west-1/start");
    std::thread::sleep(Duration::from_millis(1100));
    let mut env = e6_env(&h.bucket, "T6", &stub.uri());
    env.extend(h.stampede_env("ok"));
    env.push(("STAMPEDE_START_STALE_S".into(), "0".into()));
    let mut c = h.spawn(&env);
    h.wait_for_key("results/T6/2026-05-01T12-00-00_abc1234567/completion/eu-west-1/0123456789abcdef0123456789abcdef", Duration::from_secs(20));
    c.sigterm();
    let (code, out) = c.wait(Duration::from_secs(10));
    assert_eq!(code, 0, "{out}");
    assert_eq!(
        json_events(&out),
        ["REPLACEMENT_TASK_SKIPPED", "TASK_COMPLETED"],
        "{out}"
    );
    assert!(
        !h.dir.path().join("engine-args.txt").exists(),
        "no load was run"
    );
    assert!(!h.keys("results/T6/").iter().any(|k| k.ends_with(".xml")));
}

#[test]
fn e1_flow_uploads_to_the_seed_key_without_prefix() {
    let h = Harness::new("e1");
    h.put_scenario("test-scenarios/T1.json");
    let mut env = vec![
        ("S3_BUCKET".to_string(), h.bucket.clone()),
        ("TEST_ID".into(), "T1".into()),
    ];
    env.extend(h.stampede_env("ok"));
    let (code, out) = h.spawn(&env).wait(Duration::from_secs(20));
    assert_eq!(code, 0, "{out}");
    let keys = h.keys("results/T1/");
    let xml: Vec<_> = keys.iter().filter(|k| k.ends_with(".xml")).collect();
    assert_eq!(xml.len(), 1, "{keys:?}");
    let name = xml[0]
        .strip_prefix("results/T1/")
        .unwrap()
        .strip_suffix(".xml")
        .unwrap();
    assert!(
        uuid::Uuid::parse_str(name).is_ok(),
        "results/<id>/<uuid>.xml, got {}",
        xml[0]
    );
    let body = String::from_utf8(h.get(xml[0])).unwrap();
    assert!(!body.contains("<TaskId>"), "E1 is not enriched");
    let live = out.lines().find(|l| l.contains("INFO: Current:")).unwrap();
    assert!(
        live.starts_with("12:00:00 INFO: Current:"),
        "no prefix before v1.3: {live}"
    );
}

#[test]
fn e4_worker_waits_for_the_leader_on_the_barrier_port() {
    let h = Harness::new("e4");
    h.put_scenario("test-scenarios/T4-eu-west-1.json");
    let port = free_port();
    let mut env = vec![
        ("S3_BUCKET".to_string(), h.bucket.clone()),
        ("TEST_ID".into(), "T4".into()),
        ("PREFIX".into(), "878.14:32:40T30-90-0202".into()),
        ("LIVE_DATA_ENABLED".into(), "live=false".into()),
        ("AWS_REGION".into(), "eu-west-1".into()),
        ("SCRIPT".into(), "ecslistener.py".into()),
        ("TIMEOUT".into(), "60".into()),
        ("STAMPEDE_BARRIER_PORT".into(), port.to_string()),
    ];
    env.extend(h.stampede_env("ok"));
    let mut c = h.spawn(&env);
    std::thread::sleep(Duration::from_millis(800));
    assert!(
        c.running() && !h.dir.path().join("engine-args.txt").exists(),
        "waits for start"
    );
    let mut s = connect_retry(port);
    std::io::Write::write_all(&mut s, b"start").unwrap();
    drop(s);
    let (code, out) = c.wait(Duration::from_secs(20));
    assert_eq!(code, 0, "{out}");
    let keys = h.keys("results/T4/");
    assert!(
        keys.iter()
            .any(|k| k.starts_with("results/T4/878.14:32:40T30-90-0202-")
                && k.ends_with("-eu-west-1.xml")),
        "{keys:?}"
    );
    let live = out.lines().find(|l| l.contains("INFO: Current:")).unwrap();
    assert!(
        live.starts_with("T4 live=false 12:00:00 INFO: Current:"),
        "{live}"
    );
}

#[test]
fn sigterm_mid_test_uploads_partial_results_and_exits_143() {
    let h = Harness::new("term");
    let stub = MetadataStub::start(fixture("ecs-task-metadata-v4.json"));
    h.put_scenario("test-scenarios/T6-eu-west-1.json");
    h.put_start_signal("start-signal/T6/2026-05-01T12-00-00_abc1234567/eu-west-1/start");
    let mut env = e6_env(&h.bucket, "T6", &stub.uri());
    env.extend(h.stampede_env("hang"));
    let mut c = h.spawn(&env);
    h.wait_for_file(
        &h.dir.path().join("engine-args.txt"),
        Duration::from_secs(20),
    );
    std::thread::sleep(Duration::from_millis(300));
    let t = std::time::Instant::now();
    c.sigterm();
    let (code, out) = c.wait(Duration::from_secs(10));
    eprintln!(
        "SIGTERM to exit 143 (partial results uploaded): {:?}",
        t.elapsed()
    );
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(code, 143, "{out}");
    let keys = h.keys("results/T6/");
    assert!(
        keys.iter().any(|k| k.ends_with("-eu-west-1.xml")),
        "partial results: {keys:?}"
    );
    assert!(
        keys.iter()
            .any(|k| k.contains("/result-") && k.ends_with(".tmp")),
        "console copy: {keys:?}"
    );
    assert!(
        !keys.iter().any(|k| k.contains("/completion/")),
        "no completion marker: {keys:?}"
    );
    assert_eq!(json_events(&out), ["TASK_STARTED", "TASK_FAILED"], "{out}");
}

#[test]
fn exit_codes_for_failures() {
    // (engine mode, TEST_TYPE, scenario present, expected code, text expected in the output)
    let table = [
        // No plan at public/test-scenarios/jmeter/TX.jmx.
        (
            "ok",
            "jmeter",
            true,
            1,
            "Failed to download the JMeter test",
        ),
        ("ok", "k6", true, 2, "TEST_TYPE=k6 is not supported"),
        ("ok", "locust", true, 2, "TEST_TYPE=locust is not supported"),
        (
            "ok",
            "simple",
            false,
            1,
            "tried test-scenarios/TX-eu-west-1.json, test-scenarios/TX.json",
        ),
        ("noxml", "simple", true, 1, "No results.xml produced"),
        ("fail", "simple", true, 2, "bzt exited with code 3"),
    ];
    for (mode, test_type, scenario, want, text) in table {
        let h = Harness::new("codes");
        if scenario {
            h.put_scenario("test-scenarios/TX-eu-west-1.json");
        }
        let mut env = vec![
            ("S3_BUCKET".to_string(), h.bucket.clone()),
            ("TEST_ID".into(), "TX".into()),
            ("TEST_TYPE".into(), test_type.into()),
            ("PREFIX".into(), "2026-05-01T12-00-00_r".into()),
            ("AWS_REGION".into(), "eu-west-1".into()),
            ("LIVE_DATA_ENABLED".into(), "live=true".into()),
        ];
        env.extend(h.stampede_env(mode));
        let (code, out) = h.spawn(&env).wait(Duration::from_secs(20));
        assert_eq!(code, want, "{mode}/{test_type}: {out}");
        assert!(out.contains(text), "{mode}/{test_type}: {out}");
        let failed = out
            .lines()
            .find(|l| l.contains("\"TASK_FAILED\""))
            .expect("a TASK_FAILED event");
        let doc: serde_json::Value = serde_json::from_str(failed).unwrap();
        assert_eq!(doc["level"], "ERROR");
    }
}

#[test]
fn results_upload_failure_keeps_the_files_and_exits_1() {
    let h = Harness::new("upfail");
    h.put_scenario("test-scenarios/TU.json");
    let mut env = vec![
        ("S3_BUCKET".to_string(), h.bucket.clone()),
        ("TEST_ID".into(), "TU".into()),
    ];
    // The engine waits for `go`; meanwhile the bucket disappears, so the upload cannot succeed.
    env.extend(h.stampede_env("wait"));
    env.push(("STAMPEDE_UPLOAD_ATTEMPTS".into(), "2".into()));
    let mut c = h.spawn(&env);
    h.wait_for_file(
        &h.dir.path().join("engine-args.txt"),
        Duration::from_secs(20),
    );
    h.delete_bucket();
    std::fs::write(h.dir.path().join("go"), "").unwrap();
    let (code, out) = c.wait(Duration::from_secs(30));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("failed after 2 attempts"), "{out}");
    assert!(
        h.dir.path().join("artifacts/results.xml").exists(),
        "local results kept"
    );
}

#[test]
fn e2e_real_engine_e1_and_e6_against_a_local_target() {
    let target = testkit::TestServer::start_background();
    for era in ["e1", "e6"] {
        let h = Harness::new("e2e");
        let stub = MetadataStub::start(fixture("ecs-task-metadata-v4.json"));
        let scenario = serde_json::json!({
            "execution": [{"concurrency": 2, "ramp-up": "1s", "hold-for": "3s", "scenario": "s"}],
            "scenarios": {"s": {"requests": [{"url": target.url("/"), "method": "GET", "headers": {}}]}},
            "reporting": [{"module": "final-stats", "summary": true, "percentiles": true,
                "summary-labels": true, "test-duration": true, "dump-xml": "/tmp/artifacts/results.xml"},
                {"module": "cloudwatch", "mode": "emf", "interval": 1}]
        });
        let (key, mut env) = if era == "e1" {
            (
                "test-scenarios/TE.json",
                vec![
                    ("S3_BUCKET".to_string(), h.bucket.clone()),
                    ("TEST_ID".into(), "TE".into()),
                ],
            )
        } else {
            h.put_start_signal("start-signal/TE/2026-05-01T12-00-00_abc1234567/eu-west-1/start");
            (
                "test-scenarios/TE-eu-west-1.json",
                e6_env(&h.bucket, "TE", &stub.uri()),
            )
        };
        h.put_raw(key, scenario.to_string().as_bytes());
        env.extend(h.stampede_env("ok"));
        env.retain(|(k, _)| k != "STAMPEDE_ENGINE");
        env.push((
            "STAMPEDE_ENGINE".into(),
            format!("{} run", env!("CARGO_BIN_EXE_stampede")),
        ));
        let mut c = h.spawn(&env);
        if era == "e6" {
            h.wait_for_prefix(
                "results/TE/2026-05-01T12-00-00_abc1234567/completion/",
                Duration::from_secs(60),
            );
            c.sigterm();
        }
        let (code, out) = c.wait(Duration::from_secs(60));
        assert_eq!(code, 0, "{era}: {out}");
        let xml_key = h
            .keys("results/TE/")
            .into_iter()
            .find(|k| k.ends_with(".xml"))
            .expect("xml");
        let xml = String::from_utf8(h.get(&xml_key)).unwrap();
        assert_dlt_parsable(&xml, era == "e6");
        // Live metrics as EMF: unprefixed JSON lines with the TestId dimension from $TEST_ID.
        let emf: Vec<serde_json::Value> = out
            .lines()
            .filter(|l| l.starts_with(r#"{"_aws":"#))
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(!emf.is_empty(), "{out}");
        assert!(emf.iter().all(|d| d["TestId"] == "TE"), "{emf:?}");
        let sent: f64 = emf
            .iter()
            .filter(|d| d.get("Label").is_none())
            .map(|d| d["Requests"].as_f64().unwrap())
            .sum();
        assert!(sent > 0.0, "{emf:?}");
        if era == "e6" {
            assert!(xml.contains("<TaskId>0123456789abcdef0123456789abcdef</TaskId>"));
            for l in out.lines().filter(|l| l.contains("INFO: Current:")) {
                assert_live_data_line(l, "TE");
            }
        }
    }
}

fn e4_env(h: &Harness, id: &str, port: u16) -> Vec<(String, String)> {
    let mut env = vec![
        ("S3_BUCKET".to_string(), h.bucket.clone()),
        ("TEST_ID".into(), id.into()),
        ("PREFIX".into(), "878.14:32:40T30-90-0202".into()),
        ("LIVE_DATA_ENABLED".into(), "live=true".into()),
        ("AWS_REGION".into(), "eu-west-1".into()),
        ("TIMEOUT".into(), "60".into()),
        ("STAMPEDE_BARRIER_PORT".into(), port.to_string()),
    ];
    env.extend(h.stampede_env("ok"));
    env
}

#[test]
fn e4_leader_reads_iphosts_from_s3_and_starts_the_worker() {
    let h = Harness::new("leader");
    h.put_scenario("test-scenarios/TL-eu-west-1.json");
    // v3.3.4+: the host list is a file in S3, not the IPHOSTS variable.
    h.put_raw("Container_IPs/TL_IPHOSTS_eu-west-1.txt", b"0.1\n");
    let worker = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = worker.local_addr().unwrap().port();
    let mut env = e4_env(&h, "TL", port);
    env.push(("SCRIPT".into(), "ecscontroller.py".into()));
    env.push(("IPNETWORK".into(), "127.0".into()));
    let mut c = h.spawn(&env);
    worker
        .set_nonblocking(false)
        .and_then(|()| {
            let (mut s, _) = worker.accept()?;
            s.set_read_timeout(Some(Duration::from_secs(10)))?;
            let mut got = String::new();
            std::io::Read::read_to_string(&mut s, &mut got)?;
            assert_eq!(got, "start");
            Ok(())
        })
        .unwrap();
    let (code, out) = c.wait(Duration::from_secs(20));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Sending start to 1 worker(s)"), "{out}");
}

#[test]
fn sigterm_while_waiting_for_the_barrier_exits_143_without_running() {
    let h = Harness::new("barrierterm");
    h.put_scenario("test-scenarios/TW-eu-west-1.json");
    let mut env = e4_env(&h, "TW", free_port());
    env.push(("SCRIPT".into(), "ecslistener.py".into()));
    let mut c = h.spawn(&env);
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while !h.dir.path().join("test.json").exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "scenario never downloaded"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    std::thread::sleep(Duration::from_millis(300));
    c.sigterm();
    let (code, out) = c.wait(Duration::from_secs(10));
    assert_eq!(code, 143, "{out}");
    assert!(!h.dir.path().join("engine-args.txt").exists(), "{out}");
    assert_eq!(json_events(&out), ["TASK_FAILED"], "{out}");
}

#[test]
fn e2e_real_engine_sigterm_mid_run_uploads_partial_results() {
    let target = testkit::TestServer::start_background();
    let h = Harness::new("e2eterm");
    let stub = MetadataStub::start(fixture("ecs-task-metadata-v4.json"));
    let scenario = serde_json::json!({
        "execution": [{"concurrency": 2, "hold-for": "60s", "scenario": "s"}],
        "scenarios": {"s": {"requests": [{"url": target.url("/delay/5"), "method": "GET", "headers": {}}]}},
        "reporting": [{"module": "final-stats", "summary": true, "percentiles": true,
            "summary-labels": true, "test-duration": true, "dump-xml": "/tmp/artifacts/results.xml"}]
    });
    h.put_raw(
        "test-scenarios/TT-eu-west-1.json",
        scenario.to_string().as_bytes(),
    );
    h.put_start_signal("start-signal/TT/2026-05-01T12-00-00_abc1234567/eu-west-1/start");
    let mut env = e6_env(&h.bucket, "TT", &stub.uri());
    env.extend(h.stampede_env("ok"));
    env.retain(|(k, _)| k != "STAMPEDE_ENGINE");
    env.push((
        "STAMPEDE_ENGINE".into(),
        format!("{} run", env!("CARGO_BIN_EXE_stampede")),
    ));
    let mut c = h.spawn(&env);
    let console = h.dir.path().join("result.tmp");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !std::fs::read_to_string(&console).is_ok_and(|t| t.contains("INFO: Current:")) {
        assert!(
            std::time::Instant::now() < deadline,
            "no per-second line in 30 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let t = std::time::Instant::now();
    c.sigterm();
    let (code, out) = c.wait(Duration::from_secs(15));
    eprintln!("real engine: SIGTERM to exit 143: {:?}", t.elapsed());
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "took {:?}",
        t.elapsed()
    );
    assert_eq!(code, 143, "{out}");
    let keys = h.keys("results/TT/");
    assert!(
        keys.iter().any(|k| k.ends_with("-eu-west-1.xml")),
        "partial results: {keys:?}"
    );
    assert!(
        keys.iter()
            .any(|k| k.contains("/result-") && k.ends_with(".tmp")),
        "{keys:?}"
    );
}

#[test]
fn a_scenario_that_is_not_json_fails_with_2_and_says_where() {
    let h = Harness::new("badjson");
    h.put_raw(
        "test-scenarios/TJ.json",
        b"{\"execution\": [\n  {\"concurrency\": 1,,}]}",
    );
    let mut env = vec![
        ("S3_BUCKET".to_string(), h.bucket.clone()),
        ("TEST_ID".into(), "TJ".into()),
    ];
    env.extend(h.stampede_env("ok"));
    let (code, out) = h.spawn(&env).wait(Duration::from_secs(20));
    assert_eq!(code, 2, "{out}");
    assert!(
        out.contains("test-scenarios/TJ.json is not valid JSON (line 2, column"),
        "{out}"
    );
    assert!(!h.dir.path().join("engine-args.txt").exists());
}

#[test]
fn a_missing_variable_fails_with_1_and_a_task_failed_event() {
    let h = Harness::new("noenv");
    let mut env = vec![("TEST_ID".to_string(), "TN".to_string())];
    env.extend(h.stampede_env("ok"));
    let (code, out) = h.spawn(&env).wait(Duration::from_secs(20));
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("S3_BUCKET is not set"), "{out}");
    assert_eq!(json_events(&out), ["TASK_FAILED"], "{out}");
}
