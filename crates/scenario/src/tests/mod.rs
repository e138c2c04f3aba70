//! Compile-time validation and the interpreter's control flow (no HTTP needed: blocks without
//! requests run entirely in the interpreter).

use super::*;
use serde_json::json;
use stampede_kpi::Sample;
use std::path::PathBuf;

mod perf;

/// A request behind a false condition: the program has a request, the interpreter never sends it.
fn never() -> serde_json::Value {
    json!({"if": "false", "then": ["http://h/never-sent"]})
}

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

fn compile_in(
    dir: &Path,
    config: &serde_json::Value,
    scenario: serde_json::Value,
) -> Result<CompiledScenario, ScenarioError> {
    let ctx = CompileContext {
        file: None,
        base_dir: dir,
        search_path: &[],
        config,
        source: 2,
    };
    CompiledScenario::compile("main", &scenario, &ctx)
}

fn compile(scenario: serde_json::Value) -> Result<CompiledScenario, ScenarioError> {
    compile_in(Path::new("."), &json!({}), scenario)
}

fn compile_err(scenario: serde_json::Value) -> String {
    match compile(scenario) {
        Ok(_) => panic!("expected a compile error"),
        Err(e) => e.to_string(),
    }
}

fn run_once(s: &CompiledScenario, u: &mut UserState) -> (IterationEnd, Collect) {
    let mut hooks = Collect {
        samples: Vec::new(),
        sleeps: Vec::new(),
    };
    let mut client = Client::new(s.client_config());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let end = rt.block_on(s.run_iteration(u, &mut client, &mut hooks));
    (end, hooks)
}

#[test]
fn validation_errors_name_scenario_request_and_fix() {
    let e = compile_err(json!({"default-address": "http://h", "requests": [
        "/ok", {"url": "/x", "extract-jsonpath": {"t": "$.["}}]}));
    assert!(
        e.contains("\"main\"") && e.contains("requests[1] (/x)") && e.contains("JSONPath"),
        "{e}"
    );
    let e = compile_err(json!({"requests": ["http://h/${__javaScript(JSON.stringify(1))}"]}));
    assert!(
        e.contains("requests[0]") && e.contains("__javaScript"),
        "{e}"
    );
    let e = compile_err(json!({"requests": ["http://h/${id"]}));
    assert!(e.contains("unclosed"), "{e}");
    let e = compile_err(json!({"requests": [{"url": "http://h/", "assert": ["a("]}]}));
    assert!(e.contains("regular expression"), "{e}");
    let e = compile_err(json!({"requests": [{"url": "http://h/", "assert-xpath": ["//a["]}]}));
    assert!(e.contains("XPath"), "{e}");
    let e = compile_err(json!({"requests": [{"if": "${a} === ", "then": ["http://h/"]}]}));
    assert!(e.contains("requests[0]") && e.contains("condition"), "{e}");
    let e =
        compile_err(json!({"requests": [{"url": "http://h/", "jsr223": [{"script-text": "x"}]}]}));
    assert!(e.contains("jsr223"), "{e}");
    let e = compile_err(json!({"retrieve-resources": true, "requests": ["http://h/"]}));
    assert!(e.contains("retrieve-resources"), "{e}");
    let e = compile_err(json!({"requests": ["/relative"]}));
    assert!(e.contains("default-address"), "{e}");
    let e = compile_err(json!({"requests": [{"action": "explode"}]}));
    assert!(e.contains("explode"), "{e}");
    let e = compile_err(json!({"requests": [{"action": "stop", "target": "all-threads"}]}));
    assert!(e.contains("all-threads"), "{e}");
    let e = compile_err(json!({"requests": [{"loop": "often", "do": []}]}));
    assert!(e.contains("forever"), "{e}");
    let e = compile_err(json!({"requests": [{"foreach": "x of y", "do": []}]}));
    assert!(e.contains("in <collection>"), "{e}");
    let e = compile_err(json!({"script": "test.jmx"}));
    assert!(e.contains("test.jmx"), "{e}");
    let e = compile_err(json!({"requests": [{"url": "http://h/", "think-time": "3 parsecs"}]}));
    assert!(e.contains("think-time") || e.contains("unit"), "{e}");
    let e = compile_err(json!({"data-sources": ["missing.csv"], "requests": ["http://h/"]}));
    assert!(e.contains("missing.csv"), "{e}");
}

#[test]
fn include_scenario_inlines_and_detects_cycles() {
    let config = json!({"scenarios": {
        "a": {"requests": [{"include-scenario": "b"}]},
        "b": {"requests": [{"include-scenario": "a"}]},
        "leaf": {"default-address": "http://leaf", "requests": ["/one", {"url": "/two", "label": "second"}]},
    }});
    let s = compile_in(
        Path::new("."),
        &config,
        json!({"requests": [{"include-scenario": "leaf"}, "http://h/three"]}),
    )
    .unwrap();
    assert_eq!(s.labels(), vec!["/one", "second", "http://h/three"]);
    let e = compile_in(
        Path::new("."),
        &config,
        json!({"requests": [{"include-scenario": "a"}]}),
    )
    .unwrap_err();
    assert!(
        matches!(&e.problem, Problem::IncludeCycle { chain } if chain.join(" -> ").contains("a -> b"))
            && e.problem.to_string().contains("cycle")
            && e.problem.to_string().contains("a -> b"),
        "{e}"
    );
    let e = compile_in(
        Path::new("."),
        &config,
        json!({"requests": [{"include-scenario": "nope"}]}),
    )
    .unwrap_err();
    assert!(
        matches!(&e.problem, Problem::UnknownScenario { name } if name == "nope"),
        "{e}"
    );
    assert!(e.problem.to_string().contains("nope"), "{e}");
}

#[test]
fn dlt_simple_test_compiles_with_taurus_defaults() {
    // v1.0.0 / v3 API shape: body {} and headers {} (`docs/dlt-container.md#config-examples`).
    let s = compile(json!({"requests": [{"url": "https://example.com/api", "method": "GET", "body": {}, "headers": {"x-api-key": "abc"}}]})).unwrap();
    assert_eq!(s.labels(), vec!["https://example.com/api"]);
    let c = s.client_config();
    assert!(c.keepalive && c.follow_redirects && c.store_cookies);
    assert_eq!(c.connect_timeout, Duration::from_secs(30));
    let r = &s.prog.requests[0];
    assert!(matches!(r.body, request::Body::Empty));
    assert_eq!(r.timeout, Duration::from_secs(30));
    assert!(!r.want_body);
    let s = compile(json!({"timeout": "10s", "keepalive": false, "store-cookie": false, "requests": ["http://h/"]})).unwrap();
    let c = s.client_config();
    assert_eq!(c.connect_timeout, Duration::from_secs(10));
    assert!(!c.keepalive && !c.store_cookies);
    assert!(s.prog.requests[0].headers.iter().any(
        |(k, v)| k == "connection" && matches!(v, request::HeaderVal::Fixed(v) if v == "close")
    ));
}

fn render_req(s: &CompiledScenario, i: usize, u: &mut UserState) -> request::Scratch {
    if let Some(p) = &s.prog.requests[i].prebuilt {
        return request::Scratch {
            method: p.method.clone(),
            url: p.url.clone(),
            body: p.body.clone(),
            headers: p.headers.clone(),
            tmp: String::new(),
        };
    }
    let mut out = request::Scratch::default();
    let mut env = RenderEnv {
        vars: &mut u.vars,
        rng: &mut u.rng,
        counters: &mut u.counters,
        thread: u.thread,
        iteration: u.iteration + 1,
    };
    s.prog.requests[i].render(&mut env, &mut out).unwrap();
    out
}

#[test]
fn bodies_follow_convert_body_to_string() {
    let s = compile(json!({
        "default-address": "http://h:1/",
        "headers": {"X-Scn": "s", "x-both": "scenario"},
        "variables": {"who": "ann"},
        "requests": [
            {"url": "/json", "method": "post", "headers": {"Content-Type": "application/json", "X-Both": "req"}, "body": {"a": 1, "n": "${who}"}},
            {"url": "api/form", "method": "POST", "body": {"user": "${who}", "flag": null, "sp": "a b"}},
            {"url": "/q?x=1", "body": {"k": "v"}},
            {"url": "/raw", "method": "PUT", "body": "name=${who}", "headers": {"Content-Type": "application/json; charset=utf-8"}},
            {"url": "/nested", "method": "POST", "body": {"a": {"b": [1, 2]}}},
            {"url": "/latin", "method": "POST", "body": "café", "content-encoding": "iso-8859-1"},
            {"url": "/latin-form", "method": "POST", "body": {"q": "café"}, "content-encoding": "iso-8859-1"},
        ]
    })).unwrap();
    let mut u = s.new_user(1);
    let r = render_req(&s, 0, &mut u);
    assert_eq!(r.method, Some(http::Method::POST));
    assert_eq!(r.url, "http://h:1/json");
    assert_eq!(String::from_utf8_lossy(&r.body), r#"{"a": 1, "n": "ann"}"#);
    let names: Vec<String> = r
        .headers
        .iter()
        .map(|(k, v)| format!("{k}={}", v.to_str().unwrap()))
        .collect();
    assert_eq!(
        names,
        vec!["x-scn=s", "content-type=application/json", "x-both=req"]
    );
    let r = render_req(&s, 1, &mut u);
    assert_eq!(r.url, "http://h:1/api/form");
    assert_eq!(String::from_utf8_lossy(&r.body), "user=ann&flag&sp=a+b");
    assert!(
        r.headers
            .iter()
            .any(|(k, v)| k == "content-type" && v == "application/x-www-form-urlencoded")
    );
    let r = render_req(&s, 2, &mut u);
    assert_eq!(r.url, "http://h:1/q?x=1&k=v");
    assert!(r.body.is_empty());
    let r = render_req(&s, 3, &mut u);
    assert_eq!(String::from_utf8_lossy(&r.body), "name=ann");
    let r = render_req(&s, 4, &mut u);
    assert_eq!(String::from_utf8_lossy(&r.body), r#"{"a": {"b": [1, 2]}}"#);
    let r = render_req(&s, 5, &mut u);
    assert_eq!(r.body, b"caf\xe9");
    assert_eq!(render_req(&s, 6, &mut u).body, b"q=caf%E9");
}

#[test]
fn uploads_and_body_files_resolve_against_the_config_dir() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("payload.json"), b"{\"from\":\"file\"}").unwrap();
    std::fs::write(dir.path().join("pic.png"), b"PNGDATA").unwrap();
    let s = compile_in(dir.path(), &json!({}), json!({"requests": [
        {"url": "http://h/f", "method": "POST", "body-file": "payload.json"},
        {"url": "http://h/u", "method": "POST", "upload-files": [{"param": "file", "path": "pic.png"}], "body": {"note": "hi"}},
        {"url": "http://h/p", "method": "PUT", "upload-files": [{"path": "pic.png"}]},
    ]})).unwrap();
    let mut u = s.new_user(1);
    assert_eq!(render_req(&s, 0, &mut u).body, b"{\"from\":\"file\"}");
    let r = render_req(&s, 1, &mut u);
    let text = String::from_utf8_lossy(&r.body).to_string();
    assert!(
        text.contains(
            "name=\"file\"; filename=\"pic.png\"\r\nContent-Type: image/png\r\n\r\nPNGDATA"
        ),
        "{text}"
    );
    assert!(text.contains("name=\"note\"\r\n\r\nhi"), "{text}");
    let ct = r
        .headers
        .iter()
        .find(|(k, _)| k == "content-type")
        .unwrap()
        .1
        .to_str()
        .unwrap()
        .to_string();
    let boundary = ct.strip_prefix("multipart/form-data; boundary=").unwrap();
    assert!(text.ends_with(&format!("--{boundary}--\r\n")));
    assert_eq!(render_req(&s, 2, &mut u).body, b"PNGDATA");
    let e = compile_in(
        dir.path(),
        &json!({}),
        json!({"requests": [{"url": "http://h/", "method": "POST", "body-file": "gone.bin"}]}),
    )
    .unwrap_err();
    assert!(matches!(e.problem, Problem::NotFound { .. }), "{e}");
    assert!(e.problem.to_string().contains("gone.bin"), "{e}");
}

#[test]
fn properties_come_from_modules_jmeter_and_scenario() {
    let config =
        json!({"modules": {"jmeter": {"properties": {"host": "global.example", "port": 81}}}});
    let s = compile_in(
        Path::new("."),
        &config,
        json!({"properties": {"port": 82},
        "requests": ["http://${__P(host,x)}:${__P(port,80)}/"]}),
    )
    .unwrap();
    assert_eq!(
        s.prog.requests[0].url.as_literal(),
        Some("http://global.example:82/")
    );
}

#[test]
fn times_may_come_from_properties() {
    let config = json!({"modules": {"jmeter": {"properties": {"tt": "250ms"}}}});
    let s = compile_in(
        Path::new("."),
        &config,
        json!({"timeout": "${__P(to,7s)}",
        "requests": [{"url": "http://h/", "think-time": "${__P(tt)}"}]}),
    )
    .unwrap();
    assert_eq!(s.client_config().connect_timeout, Duration::from_secs(7));
    assert_eq!(s.prog.requests[0].timeout, Duration::from_secs(7));
    assert_eq!(
        s.prog.requests[0].think,
        Some(timefmt::ThinkTime::Constant(Duration::from_millis(250)))
    );
    let e = compile_err(json!({"requests": [{"url": "http://h/", "think-time": "${t}"}]}));
    assert!(e.contains("runtime variables"), "{e}");
}

#[test]
fn control_flow_runs_without_requests() {
    let s = compile(json!({
        "variables": {"n": "0", "greeting": "hi ${__threadNum}"},
        "requests": [
            {"once": [{"set-variables": {"first": "yes"}}]},
            {"loop": 3, "do": [{"set-variables": {"n": "${__counter(TRUE)}"}}]},
            {"if": "${n} == 3 && '${greeting}' == 'hi 7'", "then": [{"set-variables": {"branch": "then"}}],
             "else": [{"set-variables": {"branch": "else"}}]},
            {"set-variables": {"item_1": "a", "item_2": "b", "seen": ""}},
            {"foreach": "it in item", "do": [{"set-variables": {"seen": "${seen}${it}"}}]},
            {"while": "'${w}' != 'xx'", "do": [{"set-variables": {"w": "${w}x"}}]},
            {"action": "pause", "pause-duration": "250ms"},
            {"action": "continue"},
            {"set-variables": {"unreached": "1"}},
            "http://h/never-sent",
        ]
    })).unwrap();
    let mut u = s.new_user(7);
    u.vars.set("w", "");
    let (end, hooks) = run_once(&s, &mut u);
    assert_eq!(end, IterationEnd::Completed);
    let v = u.vars();
    assert_eq!(v.get("first"), Some("yes"));
    assert_eq!(v.get("n"), Some("3"));
    assert_eq!(v.get("branch"), Some("then"));
    assert_eq!(v.get("seen"), Some("ab"));
    assert_eq!(v.get("w"), Some("xx"));
    assert_eq!(v.get("unreached"), None);
    assert!(hooks.sleeps.contains(&Duration::from_millis(250)));
    assert!(hooks.samples.is_empty());
    // Second iteration: `once` is skipped, the loop counter continues (per-user counter).
    u.vars.remove("first");
    u.vars.set("w", "");
    let (_, _) = run_once(&s, &mut u);
    assert_eq!(u.vars().get("first"), None);
    assert_eq!(u.vars().get("n"), Some("6"));
    assert_eq!(u.vars().get("branch"), Some("else"));
}

#[test]
fn stop_action_and_csv_eof_stop_the_user() {
    let s = compile(json!({"requests": [{"action": "stop"}, "http://h/never-sent"]})).unwrap();
    assert_eq!(run_once(&s, &mut s.new_user(1)).0, IterationEnd::StopUser);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("users.csv"), "name\nann\nbob\n").unwrap();
    let s = compile_in(
        dir.path(),
        &json!({}),
        json!({
        "data-sources": [{"path": "users.csv", "loop": false}],
        "requests": [{"set-variables": {"got": "${name}"}}, never()]}),
    )
    .unwrap();
    let (mut a, mut b) = (s.new_user(1), s.new_user(2));
    assert_eq!(run_once(&s, &mut a).0, IterationEnd::Completed);
    assert_eq!(run_once(&s, &mut b).0, IterationEnd::Completed);
    assert_eq!(
        (a.vars().get("got"), b.vars().get("got")),
        (Some("ann"), Some("bob"))
    );
    assert_eq!(run_once(&s, &mut a).0, IterationEnd::StopUser);
}

#[test]
fn forever_loop_without_requests_still_notices_stop() {
    struct StopAfter(u32);
    impl Hooks for StopAfter {
        async fn gate(&mut self) -> Option<Instant> {
            None
        }
        fn record(&mut self, _: Sample) {}
        async fn sleep(&mut self, _: Duration) -> bool {
            self.0 -= 1;
            self.0 > 0
        }
    }
    let s = compile(
        json!({"requests": [{"loop": "forever", "do": [{"set-variables": {"x": "1"}}]}, never()]}),
    )
    .unwrap();
    let mut u = s.new_user(1);
    let mut client = Client::new(s.client_config());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let end = rt.block_on(s.run_iteration(&mut u, &mut client, &mut StopAfter(5)));
    assert_eq!(end, IterationEnd::Stopped);
}

#[test]
fn literal_requests_are_prebuilt_once() {
    let s = compile(json!({"requests": ["http://h/a", {"url": "http://h/${x}"}, {"url": "http://h/b", "body": "${y}"},
        {"url": "http://h/c", "method": "POST", "body": {"k": "v"}, "headers": {"X": "1"}}]})).unwrap();
    let built: Vec<bool> = s
        .prog
        .requests
        .iter()
        .map(|r| r.prebuilt.is_some())
        .collect();
    assert_eq!(built, vec![true, false, false, true]);
    let p = s.prog.requests[3].prebuilt.as_ref().unwrap();
    assert_eq!(
        (p.url.as_str(), p.body.as_slice()),
        ("http://h/c", &b"k=v"[..])
    );
}

#[test]
fn basic_authorization_reaches_matching_requests_unless_they_set_their_own() {
    let config = json!({"scenarios": {"inc": {"requests": ["http://api.test/inc"]}}});
    let s = compile_in(
        Path::new("."),
        &config,
        json!({
        "authorization": {"url": "http://api.test/", "name": "user", "password": "pw"},
        "requests": ["http://api.test/a", "http://other.test/b",
                     {"url": "http://api.test/c", "headers": {"Authorization": "Bearer t"}},
                     {"include-scenario": "inc"}]}),
    )
    .unwrap();
    let mut u = s.new_user(1);
    let auth = |i: usize, u: &mut UserState| {
        render_req(&s, i, u)
            .headers
            .iter()
            .filter(|(k, _)| k == "authorization")
            .map(|(_, v)| v.to_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(auth(0, &mut u), vec!["Basic dXNlcjpwdw=="]);
    assert!(auth(1, &mut u).is_empty());
    assert_eq!(auth(2, &mut u), vec!["Bearer t"]);
    assert_eq!(auth(3, &mut u), vec!["Basic dXNlcjpwdw=="]);
    let e = compile_err(
        json!({"authorization": {"url": "http://a", "name": "u", "mechanism": "kerberos"}, "requests": ["http://a/"]}),
    );
    assert!(e.contains("kerberos"), "{e}");
}

#[test]
fn a_scenario_without_requests_is_refused() {
    let e = compile_err(json!({"requests": [{"set-variables": {"a": "1"}}]}));
    assert!(e.contains("no requests"), "{e}");
}

#[test]
fn unknown_keys_are_reported_not_rejected() {
    let s = compile(json!({"store-cache": true, "some-plugin-key": 1,
        "requests": [{"url": "http://h/", "my-note": "x"}]}))
    .unwrap();
    let w = s.warnings().join("\n");
    assert!(
        w.contains("some-plugin-key") && w.contains("my-note"),
        "{w}"
    );
    assert!(!w.contains("store-cache"), "{w}");
}

#[test]
fn loop_count_from_a_variable_and_scenario_level_post_processors() {
    let s = compile(json!({"variables": {"times": "4"},
        "requests": [{"loop": "${times}", "do": [{"set-variables": {"n": "${__counter(TRUE)}"}}]},
                     {"loop": "${nope}", "do": [{"set-variables": {"never": "1"}}]}, never()]}))
    .unwrap();
    let mut u = s.new_user(1);
    run_once(&s, &mut u);
    assert_eq!(u.vars().get("n"), Some("4"));
    assert_eq!(u.vars().get("never"), None);
    let s = compile(json!({"assert": ["ok"], "extract-regexp": {"v": "(\\d+)"},
        "requests": ["http://h/a", {"url": "http://h/b", "assert-jsonpath": ["$.x"]}]}))
    .unwrap();
    assert_eq!(s.prog.requests[0].assertions.len(), 1);
    assert_eq!(s.prog.requests[0].extractors.len(), 1);
    assert_eq!(s.prog.requests[1].assertions.len(), 2);
    assert!(s.prog.requests[1].want_body);
    assert!(s.warnings().is_empty(), "{:?}", s.warnings());
}

#[test]
fn included_requests_inherit_default_address_and_headers_only() {
    let config = json!({"scenarios": {"inc": {"headers": {"X-Own": "1", "x-shared": "inner"}, "requests": ["/in"]}}});
    let s = compile_in(Path::new("."), &config, json!({
        "default-address": "http://outer:8080", "headers": {"X-Shared": "outer", "X-Top": "t"}, "timeout": "5s",
        "requests": [{"include-scenario": "inc"}]})).unwrap();
    let mut u = s.new_user(1);
    let r = render_req(&s, 0, &mut u);
    assert_eq!(r.url, "http://outer:8080/in");
    let h: Vec<String> = r
        .headers
        .iter()
        .map(|(k, v)| format!("{k}={}", v.to_str().unwrap()))
        .collect();
    assert_eq!(h, vec!["x-top=t", "x-own=1", "x-shared=inner"]);
    // The including scenario's timeout is a per-sampler setting: it does not reach included requests.
    assert_eq!(s.prog.requests[0].timeout, Duration::from_secs(30));
}

/// The assertion message matches what JMeter wrote for the same scenario and response in a real run.
#[test]
fn assertion_message_matches_the_real_jmeter_run() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/scenario");
    let config: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(dir.join("jmeter-assert-fail.effective.yml")).unwrap(),
    )
    .unwrap();
    let jtl =
        std::fs::read_to_string(dir.join("jmeter-assert-fail.error.jtl.head3samples")).unwrap();
    let between = |a: &str, b: &str| -> String {
        let start = jtl.find(a).unwrap() + a.len();
        let end = start + jtl[start..].find(b).unwrap();
        jtl[start..end]
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
    };
    let expected = between("<failureMessage>", "</failureMessage>");
    let body = between(
        "<responseData class=\"java.lang.String\">",
        "</responseData>",
    );
    let ctx = CompileContext {
        file: None,
        base_dir: &dir,
        search_path: &[],
        config: &config,
        source: 0,
    };
    let s = CompiledScenario::compile("asrt", &config["scenarios"]["asrt"], &ctx).unwrap();
    let headers = http::HeaderMap::new();
    let ex = extract::Exchange {
        status: 200,
        headers: &headers,
        body: body.as_bytes(),
        url: "http://127.0.0.1:18080/index.html",
        reason: None,
        headers_text: None,
        elapsed: std::time::Duration::ZERO,
        bytes: 0,
    };
    let mut u = s.new_user(1);
    let env = RenderEnv {
        vars: &mut u.vars,
        rng: &mut u.rng,
        counters: &mut u.counters,
        thread: 1,
        iteration: 1,
    };
    let failure = exec::judge(&s.prog.requests[0], &ex, env).expect("the assertion fails");
    assert_eq!(failure.kind, stampede_kpi::FailureKind::Assertion);
    assert_eq!(failure.message.text(), expected);
    assert_eq!(expected, "Test failed: text expected to contain /Goodbye/");
}
