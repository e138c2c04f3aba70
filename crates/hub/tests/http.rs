//! The hub over real HTTP on 127.0.0.1:0: a temp data dir (SQLite file, blob directory) and real
//! task processes (`sh -c` scripts that copy a prepared results XML into place).

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::{Method, Request, StatusCode};
use hyper_util::rt::TokioIo;
use parser::model::{FinalStatus, Group, Kpi, Num};
use parser::sidecar::LabelHist;
use serde_json::{Value, json};
use stampede_control::launcher::ProcessLauncher;
use stampede_control::live::LiveFrame;
use stampede_hub::{
    HubConfig, HubError, bind, check_bind, local_control_plane, router, serve, spawn_ticker,
};
use tokio::net::TcpStream;
use tokio::sync::oneshot;

const SCRIPT: &str = r#"
[ -f "$FIXTURES/wait" ] && sleep "$(cat "$FIXTURES/wait")"
[ -f "$FIXTURES/task$TASK_INDEX.xml" ] || exit 3
cp "$FIXTURES/task$TASK_INDEX.xml" "$RESULTS_FILE"
"#;

struct Hub {
    addr: SocketAddr,
    dir: tempfile::TempDir,
    token: Option<String>,
    _stop: oneshot::Sender<()>,
}

async fn start(token: Option<&str>) -> Hub {
    let dir = tempfile::tempdir().unwrap();
    let fixtures = dir.path().join("fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    let data = dir.path().join("data");
    let launcher = ProcessLauncher::new(data.join("blobs"), "sh", vec!["-c".into(), SCRIPT.into()])
        .with_env("FIXTURES", fixtures.to_str().unwrap());
    let grace = Duration::from_millis(200);
    let cp = local_control_plane(&data, Arc::new(launcher), None, grace).unwrap();
    spawn_ticker(Arc::clone(&cp), Duration::from_millis(50));
    let mut config = HubConfig::new("127.0.0.1:0".parse().unwrap(), token.map(Into::into));
    config.body_limit = 64 * 1024;
    let listener = bind(&config).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let app = router(cp, &config);
    tokio::spawn(serve(listener, app, async move {
        let _ = stopped.await;
    }));
    Hub {
        addr,
        dir,
        token: config.token,
        _stop: stop,
    }
}

/// A results XML for task `index`: `n` requests of `rt_ms`, `fail` of them 503s.
fn write_task(hub: &Hub, index: u32, n: i64, fail: i64, rt_ms: f64) {
    let group = |label: &str| {
        let mut g = Group::empty(label);
        g.throughput = Num::Int(n);
        g.succ = Num::Int(n - fail);
        g.fail = Num::Int(fail);
        g.concurrency = Num::Int(2);
        g.avg_rt = Num::Float(rt_ms / 1000.0);
        g.rc = vec![Kpi {
            param: "200".into(),
            value: Num::Int(n - fail),
        }];
        if fail > 0 {
            g.rc.push(Kpi {
                param: "503".into(),
                value: Num::Int(fail),
            });
        }
        g.perc = ["0.0", "50.0", "90.0", "95.0", "99.0", "99.9", "100.0"]
            .iter()
            .map(|p| Kpi {
                param: (*p).into(),
                value: Num::Float(rt_ms / 1000.0),
            })
            .collect();
        g
    };
    let fs = FinalStatus {
        test_duration: Some("5.0".into()),
        groups: vec![group(""), group("GET /")],
        ..Default::default()
    };
    let path = hub.dir.path().join(format!("fixtures/task{index}.xml"));
    std::fs::write(path, parser::write::to_string(&fs)).unwrap();
}

fn set_wait(hub: &Hub, seconds: u32) {
    std::fs::write(hub.dir.path().join("fixtures/wait"), seconds.to_string()).unwrap();
}

struct Reply {
    status: StatusCode,
    headers: hyper::HeaderMap,
    body: Value,
}

async fn send(
    hub: &Hub,
    method: Method,
    path: &str,
    body: Option<Bytes>,
    token: Option<&str>,
) -> hyper::Response<hyper::body::Incoming> {
    let stream = TcpStream::connect(hub.addr).await.unwrap();
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(conn);
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1");
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let req = req.body(Full::new(body.unwrap_or_default())).unwrap();
    sender.send_request(req).await.unwrap()
}

async fn call(hub: &Hub, method: Method, path: &str, body: Option<Value>) -> Reply {
    let bytes = body.map(|b| Bytes::from(b.to_string()));
    raw(hub, method, path, bytes, hub.token.as_deref()).await
}

async fn raw(
    hub: &Hub,
    method: Method,
    path: &str,
    body: Option<Bytes>,
    token: Option<&str>,
) -> Reply {
    let resp = send(hub, method, path, body, token).await;
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.into_body().collect().await.unwrap().to_bytes();
    let body = if bytes.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&bytes).unwrap()
    };
    Reply {
        status,
        headers,
        body,
    }
}

fn create_body(tasks: u32) -> Value {
    json!({
        "testName": "over http",
        "testDescription": "the whole workflow",
        "testTaskConfigs": [{"region": "local", "taskCount": tasks, "concurrency": 2}],
        "testScenario": {"execution": [{"hold-for": "1m", "scenario": "s"}],
                         "scenarios": {"s": {"requests": [{"url": "http://127.0.0.1:9/",
                             "headers": {"X-Api-Key": "k-123", "Accept": "*/*"}}]}}},
    })
}

async fn settled(hub: &Hub, id: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let t = call(hub, Method::GET, &format!("/api/scenarios/{id}"), None)
            .await
            .body;
        if ["complete", "failed", "cancelled"].contains(&t["status"].as_str().unwrap()) {
            return t;
        }
        assert!(Instant::now() < deadline, "test {id} did not settle: {t}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[test]
fn the_bind_rule_refuses_public_addresses_without_a_token() {
    let public: SocketAddr = "0.0.0.0:0".parse().unwrap();
    let err = check_bind(public, None).unwrap_err();
    assert!(matches!(err, HubError::NonLoopbackWithoutToken { .. }));
    assert!(err.to_string().contains("Bind to 127.0.0.1"), "{err}");
    assert!(check_bind(public, Some("")).is_err());
    assert!(check_bind(public, Some("s3cret")).is_ok());
    assert!(check_bind("[::1]:0".parse().unwrap(), None).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binding_a_public_address_without_token_fails_before_listening() {
    let mut config = HubConfig::new("0.0.0.0:0".parse().unwrap(), None);
    config.token = None;
    assert!(matches!(
        bind(&config).await,
        Err(HubError::NonLoopbackWithoutToken { .. })
    ));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_call_needs_the_token_when_one_is_set() {
    let hub = start(Some("s3cret")).await;
    for (method, path) in [
        (Method::GET, "/api/scenarios"),
        (Method::POST, "/api/scenarios"),
        (Method::GET, "/api/nope"),
    ] {
        let r = raw(&hub, method.clone(), path, Some(Bytes::from("{}")), None).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{method} {path}");
        assert_eq!(r.body["code"], "UNAUTHORIZED");
        assert_eq!(r.headers["www-authenticate"], "Bearer");
        let wrong = raw(
            &hub,
            method.clone(),
            path,
            Some(Bytes::from("{}")),
            Some("s3cres"),
        )
        .await;
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    }
    let ok = call(&hub, Method::GET, "/api/scenarios", None).await;
    assert_eq!(
        (ok.status, ok.body.clone()),
        (StatusCode::OK, json!({"Items": []}))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_bodies_get_400_with_every_field_and_oversized_ones_413() {
    let hub = start(None).await;
    let r = call(
        &hub,
        Method::POST,
        "/api/scenarios",
        Some(json!({"testName": "ab", "testTaskConfigs": []})),
    )
    .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.body["code"], "INVALID_REQUEST_BODY");
    let fields: Vec<_> = r.body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "testName",
            "testDescription",
            "testScenario",
            "testTaskConfigs"
        ]
    );
    let r = raw(
        &hub,
        Method::POST,
        "/api/scenarios",
        Some(Bytes::from("{not json")),
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.body["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("body"))
    );
    let big = Bytes::from(format!("{{\"testName\": \"{}\"}}", "x".repeat(70 * 1024)));
    let r = raw(&hub, Method::POST, "/api/scenarios", Some(big), None).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("REQUEST_TOO_LARGE"))
    );
    let r = call(
        &hub,
        Method::GET,
        "/api/scenarios/none/testruns?limit=500",
        None,
    )
    .await;
    assert_eq!(
        (r.status, r.body["errors"][0]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("limit"))
    );
    let r = call(&hub, Method::GET, "/api/elsewhere", None).await;
    assert_eq!(
        (r.status, r.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("NOT_FOUND"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_whole_workflow_over_http() {
    let hub = start(Some("tok")).await;
    write_task(&hub, 0, 100, 4, 20.0);
    write_task(&hub, 1, 300, 0, 40.0);
    let created = call(&hub, Method::POST, "/api/scenarios", Some(create_body(2))).await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    assert_eq!(
        created.body["testScenario"]["scenarios"]["s"]["requests"][0]["headers"]["X-Api-Key"],
        "********"
    );
    let id = created.body["testId"].as_str().unwrap().to_owned();
    let t = settled(&hub, &id).await;
    assert_eq!(t["status"], "complete", "{t}");
    assert_eq!(t["results"]["total"]["throughput"], 400);
    assert_eq!(
        t["results"]["total"]["avg_rt"], "0.03000",
        "DLT's unweighted mean of task means"
    );
    assert_eq!(
        t["history"][0]["testScenario"]["scenarios"]["s"]["requests"][0]["headers"]["X-Api-Key"],
        "********"
    );
    let list = call(&hub, Method::GET, "/api/scenarios", None).await.body;
    assert_eq!(list["Items"][0]["testId"], id);
    assert_eq!(list["Items"][0]["totalTestRuns"], 1);
    let runs = call(
        &hub,
        Method::GET,
        &format!("/api/scenarios/{id}/testruns?limit=1"),
        None,
    )
    .await
    .body;
    let run = &runs["testRuns"][0];
    assert_eq!(
        (
            run["requests"].as_f64(),
            run["errors"].as_f64(),
            run["requestsPerSecond"].as_f64()
        ),
        (Some(400.0), Some(4.0), Some(80.0))
    );
    assert_eq!(run["percentiles"]["p50"].as_f64(), Some(30.0));
    assert_eq!(
        runs["pagination"],
        json!({"limit": 1, "next_token": null, "total_count": 1})
    );
    let run_id = run["testRunId"].as_str().unwrap().to_owned();
    let one = call(
        &hub,
        Method::GET,
        &format!("/api/scenarios/{id}/testruns/{run_id}"),
        None,
    )
    .await;
    assert_eq!(
        (one.status, one.body["succPercent"].as_str()),
        (StatusCode::OK, Some("99.00"))
    );
    let put = call(
        &hub,
        Method::PUT,
        &format!("/api/scenarios/{id}/baseline"),
        Some(json!({"testRunId": run_id})),
    )
    .await;
    assert_eq!(put.status, StatusCode::OK);
    let got = call(
        &hub,
        Method::GET,
        &format!("/api/scenarios/{id}/baseline"),
        None,
    )
    .await
    .body;
    assert_eq!(got, json!({"testId": id, "testRunId": run_id}));
    // No sidecars were written, so there is nothing exact to compare.
    let cmp = call(
        &hub,
        Method::GET,
        &format!("/api/scenarios/{id}/testruns/{run_id}/compare"),
        None,
    )
    .await;
    assert_eq!(
        (cmp.status, cmp.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("NO_HISTOGRAMS"))
    );
    let del = call(
        &hub,
        Method::DELETE,
        &format!("/api/scenarios/{id}/baseline"),
        None,
    )
    .await;
    assert_eq!(del.body, json!("success"));
    let del = call(
        &hub,
        Method::DELETE,
        &format!("/api/scenarios/{id}/testruns"),
        Some(json!([run_id])),
    )
    .await;
    assert_eq!(del.body, json!({"deletedCount": 1}));
    let del = call(&hub, Method::DELETE, &format!("/api/scenarios/{id}"), None).await;
    assert_eq!(
        (del.status, del.body.clone()),
        (StatusCode::OK, json!("success"))
    );
    let gone = call(&hub, Method::GET, &format!("/api/scenarios/{id}"), None).await;
    assert_eq!(
        (gone.status, gone.body["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("TEST_NOT_FOUND"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_active_test_is_409_to_delete_and_cancel_stops_it() {
    let hub = start(None).await;
    set_wait(&hub, 30);
    let id = call(&hub, Method::POST, "/api/scenarios", Some(create_body(2)))
        .await
        .body["testId"]
        .as_str()
        .unwrap()
        .to_owned();
    let busy = call(&hub, Method::GET, &format!("/api/scenarios/{id}"), None)
        .await
        .body;
    assert_eq!(busy["tasksPerRegion"][0]["desired"], 2);
    let del = call(&hub, Method::DELETE, &format!("/api/scenarios/{id}"), None).await;
    assert_eq!(
        (del.status, del.body["code"].as_str()),
        (StatusCode::CONFLICT, Some("TEST_IS_ACTIVE"))
    );
    let c = call(&hub, Method::POST, &format!("/api/scenarios/{id}"), None).await;
    assert_eq!(
        (c.status, c.body.clone()),
        (StatusCode::OK, json!("test cancelling"))
    );
    assert_eq!(settled(&hub, &id).await["status"], "cancelled");
    let again = call(&hub, Method::POST, &format!("/api/scenarios/{id}"), None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

/// Reads SSE chunks until `needle` has appeared; returns everything read.
async fn read_until(body: &mut hyper::body::Incoming, seen: &mut String, needle: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.contains(needle) {
        let left = deadline.saturating_duration_since(Instant::now());
        let frame = tokio::time::timeout(left, body.frame())
            .await
            .expect("SSE event in time");
        match frame {
            Some(Ok(f)) => {
                seen.push_str(&String::from_utf8_lossy(&f.into_data().unwrap_or_default()))
            }
            _ => panic!("stream ended before {needle:?}: {seen}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_seconds_and_the_final_status_stream_as_server_sent_events() {
    let hub = start(None).await;
    set_wait(&hub, 30);
    let id = call(&hub, Method::POST, "/api/scenarios", Some(create_body(2)))
        .await
        .body["testId"]
        .as_str()
        .unwrap()
        .to_owned();
    let run_id = call(&hub, Method::GET, &format!("/api/scenarios/{id}"), None)
        .await
        .body["testRunId"]
        .as_str()
        .unwrap()
        .to_owned();
    let live = format!("/api/scenarios/{id}/testruns/{run_id}/live");
    let resp = send(&hub, Method::GET, &live, None, None).await;
    assert_eq!(resp.headers()["content-type"], "text/event-stream");
    let mut body = resp.into_body();
    let mut seen = String::new();
    for task in 0..2 {
        let rt_us = 1000 * (u64::from(task) + 1);
        let mut kpi = stampede_kpi::Kpi {
            throughput: 1,
            succ: 1,
            bytes: 5,
            sum_rt_us: rt_us,
            ..Default::default()
        };
        kpi.hist.record_us(rt_us);
        let label = LabelHist {
            label: String::new(),
            kpi,
            concurrency: 2,
        };
        let frame = LiveFrame {
            task,
            second: 1_767_225_600,
            vu: 2,
            cpu: None,
            labels: vec![label],
        };
        let r = raw(
            &hub,
            Method::POST,
            &live,
            Some(Bytes::from(frame.to_json().unwrap())),
            None,
        )
        .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
    }
    read_until(&mut body, &mut seen, "\"tasks\":2").await;
    assert!(seen.contains("event: second"), "{seen}");
    assert!(
        seen.contains("\"avgRt\":1.5") && seen.contains("\"vu\":4"),
        "{seen}"
    );
    let bad = raw(&hub, Method::POST, &live, Some(Bytes::from("{}")), None).await;
    assert_eq!(
        (bad.status, bad.body["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("INVALID_LIVE_FRAME"))
    );
    call(&hub, Method::POST, &format!("/api/scenarios/{id}"), None).await;
    read_until(&mut body, &mut seen, "event: status").await;
    assert!(seen.contains("\"status\":\"cancelled\""), "{seen}");
    let ended = tokio::time::timeout(Duration::from_secs(5), body.frame())
        .await
        .unwrap();
    assert!(ended.is_none(), "the stream ends after the status event");
    // A finished run answers with its status and ends; the stored timeline has the merged second.
    let resp = send(&hub, Method::GET, &live, None, None).await;
    let text = resp.into_body().collect().await.unwrap().to_bytes();
    assert!(
        String::from_utf8_lossy(&text).starts_with("event: status"),
        "{text:?}"
    );
    let tl = call(
        &hub,
        Method::GET,
        &format!("/api/scenarios/{id}/testruns/{run_id}/timeline"),
        None,
    )
    .await
    .body;
    assert_eq!(tl["seconds"][0]["succ"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ticker_stops_a_run_that_outlives_its_planned_duration() {
    let hub = start(None).await;
    set_wait(&hub, 30);
    let mut body = create_body(1);
    body["testScenario"]["execution"][0]["hold-for"] = json!("1s");
    let started = Instant::now();
    let id = call(&hub, Method::POST, "/api/scenarios", Some(body))
        .await
        .body["testId"]
        .as_str()
        .unwrap()
        .to_owned();
    let t = settled(&hub, &id).await;
    assert!(
        started.elapsed() >= Duration::from_millis(1200),
        "stopped only after 1 s + grace"
    );
    assert_eq!(
        (t["status"].as_str(), t["errorReason"].as_str()),
        (Some("failed"), Some("Test might be failed to run."))
    );
    assert_eq!(t["history"][0]["validity"]["timedOut"], true);
}
