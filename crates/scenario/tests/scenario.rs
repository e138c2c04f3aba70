//! The scenario language end to end: compiled scenarios run against the real test server through the
//! real `http::Client`.

use serde_json::{Value, json};
use stampede_http::Client;
use stampede_kpi::{FailureKind, Rc, Sample};
use stampede_scenario::{CompileContext, CompiledScenario, Hooks, IterationEnd, UserState};
use std::path::Path;
use std::time::{Duration, Instant};
use testkit::TestServer;

#[derive(Default)]
struct Collect {
    samples: Vec<Sample>,
    sleeps: Vec<Duration>,
}

impl Hooks for Collect {
    async fn gate(&mut self) -> Option<Instant> {
        Some(Instant::now())
    }
    fn record(&mut self, sample: Sample) {
        self.samples.push(sample);
    }
    async fn sleep(&mut self, d: Duration) -> bool {
        self.sleeps.push(d);
        true
    }
}

fn compile_in(dir: &Path, scenario: Value) -> CompiledScenario {
    let config = json!({});
    let ctx = CompileContext {
        file: None,
        base_dir: dir,
        search_path: &[],
        config: &config,
        source: 1,
    };
    CompiledScenario::compile("it", &scenario, &ctx).unwrap_or_else(|e| panic!("{e}"))
}

fn compile(server: &TestServer, mut scenario: Value) -> CompiledScenario {
    scenario["default-address"] = json!(server.url(""));
    compile_in(Path::new("."), scenario)
}

async fn iterate(s: &CompiledScenario, u: &mut UserState) -> (IterationEnd, Collect) {
    let mut hooks = Collect::default();
    let mut client = Client::new(s.client_config());
    let end = s.run_iteration(u, &mut client, &mut hooks).await;
    (end, hooks)
}

fn by_label<'a>(samples: &'a [Sample], label: &str) -> &'a Sample {
    samples
        .iter()
        .find(|s| &*s.label == label)
        .unwrap_or_else(|| panic!("no sample {label}"))
}

#[tokio::test]
async fn token_extracted_from_login_reaches_private() {
    let server = TestServer::start().await;
    let s = compile(
        &server,
        json!({"requests": [
            {"url": "/login", "method": "POST", "body": "ann", "extract-jsonpath": {"token": "$.token"}},
            {"url": "/private", "headers": {"Authorization": "Bearer ${token}"},
             "assert": [{"contains": ["ok ${token}"], "regexp": false}]},
        ]}),
    );
    let mut u = s.new_user(1);
    let (end, h) = iterate(&s, &mut u).await;
    assert_eq!(end, IterationEnd::Completed);
    assert_eq!(u.vars().get("token"), Some("tok-1"));
    let private = by_label(&h.samples, "/private");
    assert_eq!(private.rc, Some(Rc::Http(200)));
    assert!(private.is_success(), "{:?}", private.failure);
    assert_eq!((private.source, private.thread), (1, 1));
    assert!(private.elapsed_us > 0 && private.bytes > 0);
}

#[tokio::test]
async fn without_the_token_private_fails_with_the_reason_phrase() {
    let server = TestServer::start().await;
    let s = compile(&server, json!({"requests": ["/private", "/nope"]}));
    let (_, h) = iterate(&s, &mut s.new_user(1)).await;
    let f = h.samples[0].failure.as_ref().expect("401 fails");
    assert_eq!(
        (f.kind, &*f.message.text()),
        (FailureKind::Error, "Unauthorized")
    );
    assert_eq!(h.samples[1].rc, Some(Rc::Http(404)));
    assert_eq!(
        &*h.samples[1].failure.as_ref().unwrap().message.text(),
        "Not Found"
    );
}

/// A one-route server that answers like Python's `http.server` for a missing file:
/// `HTTP/1.0 404 File not found`, a reason phrase that is not the standard one.
async fn python_like_404_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                let _ = sock.read(&mut buf).await;
                let body = "<html>nope</html>";
                let head = format!(
                    "HTTP/1.0 404 File not found\r\nContent-Type: text/html\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let _ = sock.write_all(format!("{head}{body}").as_bytes()).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn the_servers_own_reason_phrase_is_the_error_message_like_jmeter() {
    let base = python_like_404_server().await;
    let s = compile_in(
        Path::new("."),
        json!({"default-address": base, "requests": [
            {"url": "/missing.html", "label": "missing"},
            {"url": "/missing.html", "label": "msg", "assert": [
                {"contains": ["Not Found"], "subject": "message"}]},
        ]}),
    );
    let (_, h) = iterate(&s, &mut s.new_user(1)).await;
    let f = by_label(&h.samples, "missing").failure.as_ref().unwrap();
    assert_eq!(
        (f.kind, &*f.message.text()),
        (FailureKind::Error, "File not found")
    );
    let f = by_label(&h.samples, "msg").failure.as_ref().unwrap();
    assert_eq!(f.kind, FailureKind::Assertion, "{f:?}");
}

#[tokio::test]
async fn csv_rows_reach_the_echo_body_one_row_per_user_iteration() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("users.csv"), "user;pass\nann;a1\nbob;b2\n").unwrap();
    let s = compile_in(
        dir.path(),
        json!({
            "default-address": server.url(""),
            "data-sources": [{"path": "users.csv", "loop": false}],
            "requests": [{"url": "/echo", "method": "POST", "body": "u=${user}&p=${pass}",
                          "extract-jsonpath": {"sent": "$.body"},
                          "assert-jsonpath": [{"jsonpath": "$.body", "validate": true, "expected-value": "u=\\w+&p=\\w\\d"}]}]
        }),
    );
    let (mut a, mut b) = (s.new_user(1), s.new_user(2));
    let (_, ha) = iterate(&s, &mut a).await;
    let (_, hb) = iterate(&s, &mut b).await;
    assert_eq!(a.vars().get("sent"), Some("u=ann&p=a1"));
    assert_eq!(b.vars().get("sent"), Some("u=bob&p=b2"));
    assert!(ha.samples[0].is_success() && hb.samples[0].is_success());
    assert_eq!(iterate(&s, &mut a).await.0, IterationEnd::StopUser);
}

#[tokio::test]
async fn assertions_fail_samples_with_jmeter_messages() {
    let server = TestServer::start().await;
    let s = compile(
        &server,
        json!({"requests": [
            {"url": "/", "label": "home", "assert": [{"contains": ["Goodbye"], "subject": "body"}]},
            {"url": "/status/404", "label": "assumed",
             "assert": [{"contains": ["404"], "subject": "http-code", "assume-success": true}]},
            {"url": "/json", "label": "jp", "assert-jsonpath": ["$.error"]},
            {"url": "/xml", "label": "xp", "assert-xpath": ["//book[@id='2']"]},
            {"url": "/", "label": "code-ok", "assert": [{"contains": [200], "subject": "http-code"}]},
        ]}),
    );
    let (_, h) = iterate(&s, &mut s.new_user(1)).await;
    let home = by_label(&h.samples, "home");
    let f = home.failure.as_ref().unwrap();
    assert_eq!(
        (f.kind, &*f.message.text()),
        (
            FailureKind::Assertion,
            "Test failed: text expected to contain /Goodbye/"
        )
    );
    assert_eq!(home.rc, Some(Rc::Http(200)));
    assert!(by_label(&h.samples, "assumed").is_success());
    assert_eq!(
        &*by_label(&h.samples, "jp")
            .failure
            .as_ref()
            .unwrap()
            .message
            .text(),
        "No results for path: $['error']"
    );
    assert!(by_label(&h.samples, "xp").is_success());
    assert!(by_label(&h.samples, "code-ok").is_success());
}

#[tokio::test]
async fn transaction_reports_the_sum_of_its_children() {
    let server = TestServer::start().await;
    let s = compile(
        &server,
        json!({"requests": [
            {"transaction": "checkout", "do": ["/delay/30", "/delay/20", "/status/500"]},
            {"transaction": "quiet", "force-parent-sample": true, "do": ["/"]},
        ]}),
    );
    let (_, h) = iterate(&s, &mut s.new_user(1)).await;
    let labels: Vec<&str> = h.samples.iter().map(|s| &*s.label).collect();
    assert_eq!(
        labels,
        vec!["/delay/30", "/delay/20", "/status/500", "checkout", "quiet"]
    );
    let children: u64 = h.samples[..3].iter().map(|s| s.elapsed_us).sum();
    let tx = by_label(&h.samples, "checkout");
    assert_eq!(tx.elapsed_us, children);
    assert!(tx.elapsed_us >= 50_000);
    assert_eq!(tx.start_ms, h.samples[0].start_ms);
    let f = tx.failure.as_ref().unwrap();
    assert_eq!(
        &*f.message.text(),
        "Number of samples in transaction : 3, number of failing samples : 1"
    );
    assert!(by_label(&h.samples, "quiet").is_success());
}

#[tokio::test]
async fn extractors_feed_later_requests_and_foreach() {
    let server = TestServer::start().await;
    let s = compile(
        &server,
        json!({"requests": [
            {"url": "/html",
             "extract-css-jquery": {"csrf": {"expression": "input[name=csrf]", "attribute": "value"}},
             "extract-regexp": {"item": {"regexp": "href=\"(/item/\\d)\"", "match-no": -1}},
             "extract-boundary": {"title": {"left": "<title>", "right": "</title>"}}},
            {"url": "/xml", "extract-xpath": {"book": "//book[2]/title"}},
            {"url": "/echo?c=${csrf}&t=${title}&b=${book}", "label": "echo", "extract-jsonpath": {"q": "$.query"}},
            {"foreach": "it in item", "do": [{"url": "/echo?i=${it}", "label": "each"}]},
            {"if": "'${book}' == 'Sword'", "then": [{"url": "/", "label": "then"}], "else": [{"url": "/", "label": "else"}]},
        ]}),
    );
    let mut u = s.new_user(1);
    let (_, h) = iterate(&s, &mut u).await;
    assert_eq!(u.vars().get("q"), Some("c=abc123&t=Shop&b=Sword"));
    assert_eq!(h.samples.iter().filter(|s| &*s.label == "each").count(), 2);
    assert_eq!(u.vars().get("it"), Some("/item/2"));
    assert!(h.samples.iter().any(|s| &*s.label == "then"));
    assert!(!h.samples.iter().any(|s| &*s.label == "else"));
}

#[tokio::test]
async fn form_json_and_multipart_bodies_reach_the_server() {
    let server = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "file-content").unwrap();
    let s = compile_in(
        dir.path(),
        json!({
            "default-address": server.url(""),
            "variables": {"who": "ann"},
            "requests": [
                {"url": "/echo", "label": "form", "method": "POST", "body": {"user": "${who}"}, "extract-jsonpath": {"form": "$.body"}},
                {"url": "/echo", "label": "query", "body": {"user": "${who}"}, "extract-jsonpath": {"query": "$.query"}},
                {"url": "/echo", "label": "json", "method": "POST", "headers": {"Content-Type": "application/json"},
                 "body": {"user": "${who}"}, "extract-jsonpath": {"json": "$.body"}},
                {"url": "/echo", "label": "upload", "method": "POST", "upload-files": [{"param": "f", "path": "a.txt"}],
                 "assert": ["file-content", "filename=\\\\\"a.txt\\\\\""]},
            ]
        }),
    );
    let mut u = s.new_user(1);
    let (_, h) = iterate(&s, &mut u).await;
    assert_eq!(u.vars().get("form"), Some("user=ann"));
    assert_eq!(u.vars().get("query"), Some("user=ann"));
    assert_eq!(u.vars().get("json"), Some("{\"user\": \"ann\"}"));
    assert!(
        by_label(&h.samples, "upload").is_success(),
        "{:?}",
        by_label(&h.samples, "upload").failure
    );
}

#[tokio::test]
async fn think_time_runs_before_each_request_and_labels_default_to_the_url() {
    let server = TestServer::start().await;
    let s = compile(
        &server,
        json!({"think-time": "20ms", "requests": ["/", {"url": "/status/200", "think-time": "5ms"}]}),
    );
    let (_, h) = iterate(&s, &mut s.new_user(3)).await;
    assert_eq!(
        h.sleeps,
        vec![Duration::from_millis(20), Duration::from_millis(5)]
    );
    let labels: Vec<&str> = h.samples.iter().map(|s| &*s.label).collect();
    assert_eq!(labels, vec!["/", "/status/200"]);
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    assert!(now_ms.abs_diff(h.samples[0].start_ms) < 5_000);
    assert_eq!(h.samples[0].thread, 3);
}

#[tokio::test]
async fn transport_errors_are_named_like_jmeter() {
    // A port that was just free: connection refused.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let s = compile_in(
        Path::new("."),
        json!({"requests": [format!("http://127.0.0.1:{port}/")]}),
    );
    let (_, h) = iterate(&s, &mut s.new_user(1)).await;
    assert_eq!(
        h.samples[0].rc.as_ref().map(Rc::text).as_deref(),
        Some("ConnectException")
    );
    let f = h.samples[0].failure.as_ref().unwrap();
    assert!(
        f.message.text().starts_with("Non HTTP response message: "),
        "{}",
        f.message
    );
}

#[tokio::test]
async fn loops_once_redirect_settings_and_stop_action() {
    let server = TestServer::start().await;
    let s = compile(
        &server,
        json!({"requests": [
            {"once": [{"url": "/", "label": "once"}]},
            {"loop": 3, "do": [{"url": "/status/200", "label": "looped"}]},
            {"url": "/redirect/1", "label": "no-follow", "follow-redirects": false},
            {"while": "${__counter(TRUE)} < 3", "do": [{"url": "/", "label": "while"}]},
            {"action": "stop"},
            {"url": "/", "label": "after-stop"},
        ]}),
    );
    let mut u = s.new_user(1);
    let (end, h) = iterate(&s, &mut u).await;
    assert_eq!(end, IterationEnd::StopUser);
    let count = |l: &str| h.samples.iter().filter(|s| &*s.label == l).count();
    assert_eq!(
        (
            count("once"),
            count("looped"),
            count("while"),
            count("after-stop")
        ),
        (1, 3, 2, 0)
    );
    let redirect = by_label(&h.samples, "no-follow");
    assert_eq!(redirect.rc, Some(Rc::Http(302)));
    assert!(redirect.is_success());
    let (_, h2) = iterate(&s, &mut u).await;
    assert!(
        !h2.samples.iter().any(|s| &*s.label == "once"),
        "once runs in the first iteration only"
    );
}

#[tokio::test]
async fn nested_transactions_sum_only_requests() {
    let server = TestServer::start().await;
    let s = compile(
        &server,
        json!({"requests": [
            {"transaction": "outer", "do": ["/delay/10", {"transaction": "inner", "do": ["/delay/10", "/"]}]},
        ]}),
    );
    let (_, h) = iterate(&s, &mut s.new_user(1)).await;
    let labels: Vec<&str> = h.samples.iter().map(|s| &*s.label).collect();
    assert_eq!(
        labels,
        vec!["/delay/10", "/delay/10", "/", "inner", "outer"]
    );
    let requests: u64 = h.samples[..3].iter().map(|s| s.elapsed_us).sum();
    assert_eq!(by_label(&h.samples, "outer").elapsed_us, requests);
    assert_eq!(
        by_label(&h.samples, "inner").elapsed_us,
        h.samples[1].elapsed_us + h.samples[2].elapsed_us
    );
}
