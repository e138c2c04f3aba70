//! `stampede hub` end to end: the built binary serves on 127.0.0.1:0 with a temporary data
//! directory, its workers (the same binary) load a real local target, and the test drives
//! everything over HTTP, as a user's script would.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use testkit::TestServer;

const BIN: &str = env!("CARGO_BIN_EXE_stampede");

/// A running hub process; stopped (SIGTERM, then waited for) when dropped.
struct Hub {
    child: Child,
    url: String,
}

impl Hub {
    fn start(data: &Path, extra: &[&str]) -> Hub {
        let stderr = std::fs::File::create(data.with_extension("hub.err")).unwrap();
        let mut child = Command::new(BIN)
            .args(["hub", "--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(extra)
            .env_remove("STAMPEDE_HUB_TOKEN")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let mut first = String::new();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        stdout.read_line(&mut first).unwrap();
        // The rest of the banner is read so the hub's writes never meet a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
        let url = first
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no URL in the hub's first line {first:?}"))
            .trim_end_matches('/')
            .to_string();
        Hub { child, url }
    }

    fn stop(mut self) {
        self.terminate();
    }

    fn terminate(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.child.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = self.child.wait();
    }

    fn call(&self, method: &str, path: &str, body: Option<&Value>) -> (u16, Value) {
        http(&self.url, method, path, body, None)
    }

    fn create(&self, body: &Value) -> (String, String) {
        let (status, reply) = self.call("POST", "/api/scenarios", Some(body));
        assert_eq!(status, 200, "{reply}");
        let id = |k: &str| reply[k].as_str().unwrap().to_string();
        (id("testId"), id("testRunId"))
    }

    /// Polls the test until its status is one of `states`.
    fn wait_for(&self, test_id: &str, states: &[&str], within: Duration) -> Value {
        let began = Instant::now();
        loop {
            let (code, test) = self.call("GET", &format!("/api/scenarios/{test_id}"), None);
            assert_eq!(code, 200, "{test}");
            if states.iter().any(|s| test["status"] == *s) {
                return test;
            }
            assert!(
                began.elapsed() < within,
                "test still {} after {within:?}",
                test["status"]
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn timeline(&self, test_id: &str, run_id: &str) -> Vec<Value> {
        let path = format!("/api/scenarios/{test_id}/testruns/{run_id}/timeline");
        let (code, t) = self.call("GET", &path, None);
        assert_eq!(code, 200, "{t}");
        t["seconds"].as_array().unwrap().clone()
    }
}

impl Drop for Hub {
    fn drop(&mut self) {
        self.terminate();
    }
}

/// One request on a fresh connection; the JSON reply (or `Null`).
fn http(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    token: Option<&str>,
) -> (u16, Value) {
    let (status, _, body) = http_raw(base, method, path, body, token);
    (status, serde_json::from_str(&body).unwrap_or(Value::Null))
}

/// One request on a fresh connection; the status, the head and the body as text.
fn http_raw(
    base: &str,
    method: &str,
    path: &str,
    body: Option<&Value>,
    token: Option<&str>,
) -> (u16, String, String) {
    let host = base.strip_prefix("http://").unwrap();
    let mut conn = TcpStream::connect(host).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = token
        .map(|t| format!("Authorization: Bearer {t}\r\n"))
        .unwrap_or_default();
    write!(
        conn,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n{auth}\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    conn.read_to_string(&mut reply).unwrap();
    let (head, body) = reply.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    (status, head.to_ascii_lowercase(), body.to_string())
}

/// DLT's create body: `tasks` local tasks of `users` each, against `url`.
fn test_body(name: &str, url: &str, tasks: u32, users: u32, hold_for: &str) -> Value {
    json!({
        "testName": name,
        "testDescription": "hub integration test",
        "testTaskConfigs": [{"region": "local", "taskCount": tasks, "concurrency": users}],
        "testScenario": {
            "execution": [{"hold-for": hold_for, "throughput": 40, "scenario": "s"}],
            "scenarios": {"s": {"requests": [url]}}
        }
    })
}

fn num(v: &Value) -> f64 {
    match v {
        Value::String(s) => s.parse().unwrap(),
        other => other.as_f64().unwrap(),
    }
}

/// The run's merged sidecar, computed here from the tasks' own files.
fn merged_sidecar(data: &Path, test_id: &str, run_id: &str) -> parser::sidecar::Sidecar {
    let dir = data.join("blobs/results").join(test_id).join(run_id);
    let sidecars: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().ends_with(".hist.json"))
        .map(|p| parser::sidecar::from_str(&std::fs::read_to_string(p).unwrap()).unwrap())
        .collect();
    assert!(!sidecars.is_empty(), "no sidecar under {}", dir.display());
    parser::sidecar::merge(&sidecars)
}

/// A percentile in Taurus's reporting: the bucket's lowest value, in seconds, 3 decimals.
fn percentile_s(h: &stampede_kpi::Histogram, level: f64) -> String {
    let ms = h
        .percentile_ms(level)
        .expect("the merged histogram has samples");
    format!("{:.3}", ms as f64 / 1e3)
}

#[test]
fn three_tasks_merge_exactly_and_history_survives_a_restart() {
    let target = TestServer::start_background();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let hub = Hub::start(&data, &[]);
    let (test_id, run_id) = hub.create(&test_body("three", &target.url("/"), 3, 2, "2s"));
    let test = hub.wait_for(&test_id, &["complete"], Duration::from_secs(60));

    let total = &test["results"]["total"];
    let requests = num(&total["throughput"]) as u64;
    assert!(requests > 0);
    assert_eq!(requests, target.requests(), "merged count vs the target's");
    assert_eq!(test["completeTasks"]["local"], 3);
    let merged = merged_sidecar(&data, &test_id, &run_id);
    let all = merged.label("").unwrap();
    assert_eq!(all.kpi.throughput, requests);
    for (level, key) in [(50.0, "p50_0"), (95.0, "p95_0"), (99.0, "p99_0")] {
        assert_eq!(
            total["exact"][key].as_str().unwrap(),
            percentile_s(&all.kpi.hist, level),
            "{key}"
        );
    }
    // Live data is exact too: the seconds the hub merged add up to the final count.
    let seconds = hub.timeline(&test_id, &run_id);
    let live: f64 = seconds
        .iter()
        .map(|s| num(&s["succ"]) + num(&s["fail"]))
        .sum();
    assert_eq!(live as u64, requests, "{seconds:?}");
    assert!(seconds.iter().any(|s| s["tasks"] == 3), "{seconds:?}");

    // The console's downloads: each task's results XML and HTML report, as attachments.
    let task = |n: u32, file: &str| {
        let path = format!("/api/scenarios/{test_id}/testruns/{run_id}/tasks/{n}/{file}");
        http_raw(&hub.url, "GET", &path, None, None)
    };
    let (code, head, xml) = task(0, "results.xml");
    assert_eq!(code, 200);
    assert!(head.contains("content-disposition: attachment"), "{head}");
    let on_disk = data.join(format!("blobs/results/{test_id}/{run_id}/task0-local.xml"));
    assert_eq!(xml, std::fs::read_to_string(on_disk).unwrap());
    let (code, head, html) = task(2, "report.html");
    assert_eq!(code, 200);
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(html.contains("<html"));
    assert_eq!(task(7, "results.xml").0, 404);
    assert_eq!(task(0, "bzt.log").0, 404);

    // The run's merged results XML: Taurus's format, the target's count, exact percentiles.
    let path = format!("/api/scenarios/{test_id}/testruns/{run_id}/results.xml");
    let (code, head, merged_xml) = http_raw(&hub.url, "GET", &path, None, None);
    assert_eq!(code, 200, "{merged_xml}");
    assert!(head.contains("content-disposition: attachment"), "{head}");
    let status = parser::read::from_str(&merged_xml).unwrap();
    let overall = status.overall().unwrap();
    assert_eq!(overall.throughput.as_f64() as u64, requests);
    assert_eq!(overall.concurrency.as_f64() as u64, 6, "3 tasks x 2 users");
    let p95 = overall.perc.iter().find(|k| k.param == "95.0").unwrap();
    assert_eq!(
        format!("{:.3}", p95.value.as_f64()),
        percentile_s(&all.kpi.hist, 95.0)
    );
    let codes: f64 = overall.rc.iter().map(|k| k.value.as_f64()).sum();
    assert_eq!(codes as u64, requests, "every response code counted once");
    // And the run's own HTML report, from the merged results and merged seconds.
    let path = format!("/api/scenarios/{test_id}/testruns/{run_id}/report.html");
    let (code, head, report) = http_raw(&hub.url, "GET", &path, None, None);
    assert_eq!(code, 200, "{report}");
    assert!(head.contains("content-type: text/html"), "{head}");
    assert!(
        report.contains(&format!("{requests}")),
        "the merged count is shown"
    );
    assert!(report.contains(&target.url("/")), "the label is shown");

    hub.stop();
    let hub = Hub::start(&data, &[]);
    let again = hub.wait_for(&test_id, &["complete"], Duration::from_secs(5));
    assert_eq!(again["history"][0]["testRunId"], run_id.as_str());
    assert_eq!(
        num(&again["results"]["total"]["throughput"]) as u64,
        requests
    );
    let (code, runs) = hub.call("GET", &format!("/api/scenarios/{test_id}/testruns"), None);
    assert_eq!(code, 200);
    assert_eq!(runs["testRuns"][0]["requests"], requests);
    // The console's lighter read: the item without history[], the count kept.
    let (code, light) = hub.call(
        "GET",
        &format!("/api/scenarios/{test_id}?history=false"),
        None,
    );
    assert_eq!(code, 200);
    assert!(light.get("history").is_none(), "{light}");
    assert_eq!(light["totalTestRuns"], 1);
}

#[test]
fn cancel_mid_run_keeps_partial_results() {
    let target = TestServer::start_background();
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(&dir.path().join("data"), &[]);
    let began = Instant::now();
    let (test_id, run_id) = hub.create(&test_body("cancel", &target.url("/"), 3, 1, "60s"));
    while hub.timeline(&test_id, &run_id).is_empty() {
        assert!(began.elapsed() < Duration::from_secs(30), "no live data");
        std::thread::sleep(Duration::from_millis(200));
    }
    let (code, reply) = hub.call("POST", &format!("/api/scenarios/{test_id}"), None);
    assert_eq!((code, reply), (200, json!("test cancelling")));
    let test = hub.wait_for(&test_id, &["cancelled"], Duration::from_secs(30));
    assert!(began.elapsed() < Duration::from_secs(40));
    let partial = num(&test["results"]["total"]["throughput"]) as u64;
    assert!(partial > 0 && partial <= target.requests(), "{partial}");
    assert_eq!(test["completeTasks"]["local"], 3, "{test}");
}

/// The pid of the worker process of `run_id` running task `task`, found by its environment.
fn worker_pid(run_id: &str, task: &str) -> Option<i32> {
    let want = [format!("TEST_RUN_ID={run_id}"), format!("TASK_ID={task}")];
    std::fs::read_dir("/proc").ok()?.find_map(|e| {
        let e = e.ok()?;
        let pid: i32 = e.file_name().to_str()?.parse().ok()?;
        let env = std::fs::read(e.path().join("environ")).ok()?;
        let vars: Vec<&[u8]> = env.split(|b| *b == 0).collect();
        want.iter()
            .all(|w| vars.contains(&w.as_bytes()))
            .then_some(pid)
    })
}

#[test]
fn a_killed_worker_is_lost_and_the_run_completes() {
    let target = TestServer::start_background();
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(&dir.path().join("data"), &[]);
    let (test_id, run_id) = hub.create(&test_body("kill", &target.url("/"), 3, 1, "6s"));
    // Live data means every task is past the start barrier and sending load.
    let began = Instant::now();
    while hub.timeline(&test_id, &run_id).is_empty() {
        assert!(began.elapsed() < Duration::from_secs(30), "no live data");
        std::thread::sleep(Duration::from_millis(100));
    }
    let pid = worker_pid(&run_id, "task1").expect("task1 is running");
    nix::sys::signal::kill(
        nix::unistd::Pid::from_raw(pid),
        nix::sys::signal::Signal::SIGKILL,
    )
    .unwrap();
    let test = hub.wait_for(&test_id, &["complete"], Duration::from_secs(60));
    assert_eq!(test["completeTasks"]["local"], 2, "{test}");
    let (_, run) = hub.call(
        "GET",
        &format!("/api/scenarios/{test_id}/testruns/{run_id}"),
        None,
    );
    assert_eq!(run["validity"]["tasksLost"], 1, "{run}");
    assert!(num(&run["results"]["total"]["throughput"]) > 0.0);
}

#[test]
fn bad_bodies_and_shell_commands_are_refused_with_the_field_named() {
    let dir = tempfile::tempdir().unwrap();
    let hub = Hub::start(&dir.path().join("data"), &[]);
    let marker = dir.path().join("shell-ran");
    let mut body = test_body("shell", "http://127.0.0.1:9/", 1, 1, "1s");
    body["testScenario"]["services"] = json!([{"module": "shellexec",
        "prepare": [format!("touch {}", marker.display())]}]);
    let (code, reply) = hub.call("POST", "/api/scenarios", Some(&body));
    assert_eq!(code, 400, "{reply}");
    let errors = reply["errors"].as_array().unwrap();
    assert_eq!(errors[0]["field"], "testScenario", "{reply}");
    let message = errors[0]["message"].as_str().unwrap();
    assert!(
        message.starts_with("services[0].module: shellexec"),
        "{message}"
    );

    let mut body = test_body("x", "http://127.0.0.1:9/", 1, 1, "soon");
    body.as_object_mut().unwrap().remove("testDescription");
    let (code, reply) = hub.call("POST", "/api/scenarios", Some(&body));
    assert_eq!(code, 400, "{reply}");
    let fields: Vec<&str> = reply["errors"]
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
            "testScenario.execution[0].hold-for"
        ],
        "{reply}"
    );
    assert_eq!(
        hub.call("GET", "/api/scenarios", None).1,
        json!({"Items": []})
    );
    assert!(!marker.exists());
}

#[test]
fn other_interfaces_need_a_token() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["hub", "--listen", "0.0.0.0:0", "--data"])
        .arg(dir.path())
        .env_remove("STAMPEDE_HUB_TOKEN")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("refusing to listen on 0.0.0.0:0 without a token"),
        "{stderr}"
    );

    let hub = Hub::start(&dir.path().join("data"), &["--token", "s3cret"]);
    assert_eq!(hub.call("GET", "/api/scenarios", None).0, 401);
    // The console's page is static and public; the data behind it is not.
    let (code, head, page) = http_raw(&hub.url, "GET", "/", None, None);
    assert_eq!(code, 200);
    assert!(
        head.contains("content-security-policy: default-src 'self'"),
        "{head}"
    );
    assert!(page.contains("/assets/app.js"));
    let (code, _, js) = http_raw(
        &hub.url,
        "GET",
        "/assets/vendor/uPlot.iife.min.js",
        None,
        None,
    );
    assert_eq!(code, 200);
    assert!(js.contains("uPlot"));
    let (code, list) = http(&hub.url, "GET", "/api/scenarios", None, Some("s3cret"));
    assert_eq!((code, list), (200, json!({"Items": []})));

    // Workers send their live frames with the hub's token.
    let target = TestServer::start_background();
    let body = test_body("token", &target.url("/"), 1, 1, "2s");
    let (code, created) = http(
        &hub.url,
        "POST",
        "/api/scenarios",
        Some(&body),
        Some("s3cret"),
    );
    assert_eq!(code, 200, "{created}");
    let (test_id, run_id) = (&created["testId"], &created["testRunId"]);
    let (test_id, run_id) = (test_id.as_str().unwrap(), run_id.as_str().unwrap());
    let began = Instant::now();
    let test = loop {
        let (_, test) = http(
            &hub.url,
            "GET",
            &format!("/api/scenarios/{test_id}"),
            None,
            Some("s3cret"),
        );
        if test["status"] == "complete" {
            break test;
        }
        assert!(began.elapsed() < Duration::from_secs(30), "{test}");
        std::thread::sleep(Duration::from_millis(200));
    };
    let path = format!("/api/scenarios/{test_id}/testruns/{run_id}/timeline");
    let (_, timeline) = http(&hub.url, "GET", &path, None, Some("s3cret"));
    let live: f64 = timeline["seconds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| num(&s["succ"]))
        .sum();
    assert_eq!(live, num(&test["results"]["total"]["succ"]), "{timeline}");
}

#[test]
fn a_stopping_hub_cancels_its_runs_and_keeps_their_results() {
    let target = TestServer::start_background();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let hub = Hub::start(&data, &[]);
    let (test_id, run_id) = hub.create(&test_body("stop", &target.url("/"), 2, 1, "60s"));
    let began = Instant::now();
    while hub.timeline(&test_id, &run_id).is_empty() {
        assert!(began.elapsed() < Duration::from_secs(30), "no live data");
        std::thread::sleep(Duration::from_millis(200));
    }
    hub.stop();
    assert!(
        worker_pid(&run_id, "task0").is_none(),
        "a worker outlived the hub"
    );
    let hub = Hub::start(&data, &[]);
    let test = hub.wait_for(&test_id, &["cancelled"], Duration::from_secs(5));
    assert!(num(&test["results"]["total"]["throughput"]) > 0.0, "{test}");
}

/// `stampede submit` as a CI job runs it: the config file, N tasks, Taurus's exit codes.
fn submit(hub_url: &str, config: &Path, extra: &[&str]) -> (i32, String) {
    let out = Command::new(BIN)
        .arg("submit")
        .arg(config)
        .args(["--hub", hub_url])
        .args(extra)
        .env_remove("STAMPEDE_HUB_TOKEN")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

#[test]
fn submit_judges_criteria_on_the_merged_data_and_exits_like_bzt() {
    let target = TestServer::start_background();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let hub = Hub::start(&data, &[]);
    // Two of every three requests fail: 66.7% in total. Each task sees the same share, so only the
    // merged count (3 tasks x 2 users x 6 iterations = 36 requests) can reach 30 hits.
    let config = dir.path().join("ci.yml");
    std::fs::write(
        &config,
        format!(
            "execution:\n- concurrency: 2\n  iterations: 6\n  scenario: s\n\
             scenarios:\n  s:\n    requests:\n    - {ok}\n    - {bad}\n    - {bad}\n\
             reporting:\n- module: passfail\n  criteria:\n  - fail>50%, continue as failed\n",
            ok = target.url("/"),
            bad = target.url("/status/503"),
        ),
    )
    .unwrap();
    let merged = dir.path().join("merged.xml");
    let (code, out) = submit(
        &hub.url,
        &config,
        &["--tasks", "3", "--results", merged.to_str().unwrap()],
    );
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("Failed: fail>50%"), "{out}");
    let status = parser::read::from_str(&std::fs::read_to_string(&merged).unwrap()).unwrap();
    let overall = status.overall().unwrap();
    assert_eq!(overall.throughput.as_f64() as u64, 3 * 2 * 6 * 3);
    assert_eq!(target.requests(), 3 * 2 * 6 * 3);

    // The same run passes a criterion the merged data meets (indexes count the base config's
    // final-stats and console entries first, as in Taurus), and fails on a bad override first.
    let (code, out) = submit(
        &hub.url,
        &config,
        &["--tasks", "2", "-o", "reporting.2.criteria.0=hits<10"],
    );
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Samples count: 72"), "{out}");
    // A criterion with a timeframe is judged on the merged seconds.
    let timed = "reporting.2.criteria.0=succ>0 for 1s, continue as failed";
    let (code, out) = submit(&hub.url, &config, &["--tasks", "2", "-o", timed]);
    assert_eq!(code, 3, "{out}");
    assert!(out.contains("Failed: succ>0 for 1 sec"), "{out}");
    let (code, out) = submit(&hub.url, &config, &["-o", "execution.0.concurrency=-1"]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("concurrency"), "{out}");
    let (code, out) = submit("http://127.0.0.1:9", &config, &[]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("cannot reach the hub"), "{out}");
}
