//! Real-world Taurus shapes (`fixtures/real-world/`) compiled and sent to a local server
//! that records what it receives and answers as real servers do, with mixed-case header names:
//! `__javaScript` forms observed through JMeter 2.13, `subject: headers` patterns, `default-address`
//! without a scheme, and data files found on Taurus's search path.

use serde_json::{Value, json};
use stampede_http::Client;
use stampede_kpi::Sample;
use stampede_scenario::{CompileContext, CompiledScenario, Hooks, ScenarioError};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/real-world")
}

/// What the server received: the request line and the body of each request.
type Received = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A keep-alive HTTP/1.1 server on 127.0.0.1:0 answering `200 ok` with `Content-Type:
/// application/json` and `X-Token: tok-123` (names in the case a Python or Java server writes them).
async fn recording_server() -> (String, Received) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let received: Received = Arc::default();
    let log = Arc::clone(&received);
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            tokio::spawn(serve(sock, Arc::clone(&log)));
        }
    });
    (addr.to_string(), received)
}

async fn serve(mut sock: tokio::net::TcpStream, log: Received) {
    let mut buf = Vec::new();
    loop {
        let end = loop {
            if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 4096];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..end]).into_owned();
        let length: usize = head
            .lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse().ok())?
            })
            .unwrap_or(0);
        while buf.len() < end + length {
            let mut chunk = [0u8; 4096];
            match sock.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let line = head.lines().next().unwrap_or("").to_string();
        let body = buf[end..end + length].to_vec();
        buf.drain(..end + length);
        log.lock().unwrap().push((line, body));
        let reply = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Token: tok-123\r\nContent-Length: 2\r\n\r\nok";
        if sock.write_all(reply.as_bytes()).await.is_err() {
            return;
        }
    }
}

#[derive(Default)]
struct Collect {
    samples: Vec<Sample>,
}

impl Hooks for Collect {
    async fn gate(&mut self) -> Option<Instant> {
        Some(Instant::now())
    }
    fn record(&mut self, sample: Sample) {
        self.samples.push(sample);
    }
    async fn sleep(&mut self, _: Duration) -> bool {
        true
    }
}

fn compile_with(
    name: &str,
    scenario: &Value,
    config: &Value,
    base_dir: &Path,
    search_path: &[PathBuf],
) -> Result<CompiledScenario, ScenarioError> {
    let ctx = CompileContext {
        file: None,
        base_dir,
        search_path,
        config,
        source: 0,
    };
    CompiledScenario::compile(name, scenario, &ctx)
}

async fn run_once(s: &CompiledScenario) -> Collect {
    let mut hooks = Collect::default();
    let mut client = Client::new(s.client_config());
    let mut user = s.new_user(1);
    s.run_iteration(&mut user, &mut client, &mut hooks).await;
    hooks
}

/// A config file of the fixtures, as JSON (the scenario crate's input).
fn yaml(path: &Path) -> Value {
    serde_saphyr::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn bodies(received: &Received) -> Vec<String> {
    received
        .lock()
        .unwrap()
        .iter()
        .map(|(_, b)| String::from_utf8_lossy(b).into_owned())
        .collect()
}

fn request_lines(received: &Received) -> Vec<String> {
    received
        .lock()
        .unwrap()
        .iter()
        .map(|(l, _)| l.clone())
        .collect()
}

/// `fixtures/real-world/shapes/headers-subject.yml`: Taurus matched `subject: headers` against the
/// header block as received, status line first, case-sensitively (docs/taurus-behaviour.md §7).
#[tokio::test]
async fn header_patterns_see_the_status_line_and_the_servers_case() {
    let (addr, received) = recording_server().await;
    let config = yaml(&fixtures().join("shapes/headers-subject.yml"));
    let mut scenario = config["scenarios"]["h"].clone();
    scenario["default-address"] = json!(format!("http://{addr}"));
    // A case-sensitive pattern as users write it from what their browser shows.
    scenario["requests"][0]["assert"]
        .as_array_mut()
        .unwrap()
        .push(json!({"contains": ["Content-Type: application/json"], "subject": "headers"}));
    let s = compile_with("h", &scenario, &config, Path::new("."), &[]).unwrap();
    let h = run_once(&s).await;
    assert_eq!(h.samples.len(), 2);
    for sample in &h.samples {
        assert!(
            sample.is_success(),
            "{}: {:?}",
            sample.label,
            sample.failure
        );
    }
    let lines = request_lines(&received);
    // Taurus's server saw `/use?t=tok-123&c=NOCASE&s=HTTP/1.1%20200`.
    assert_eq!(
        lines[1],
        "GET /use?t=tok-123&c=NOCASE&s=HTTP/1.1%20200 HTTP/1.1"
    );
}

/// The variables and property the forms of `rhino-jmeter-2.13-observed.jsonl` ran with.
fn js_scenario_variables() -> Value {
    json!({"sp": "abcdefghijklmnop", "count": "12", "VAR": "abcd", "maxRandom": "10",
           "Example": "  padded  ", "x": "a-b-c", "q": "it's", "neg": "-3", "s": "abc",
           "bs": "a\\nb", "t": "true", "empty": "", "unicode": "é😀"})
}

struct Row {
    config_text: String,
    observed: String,
    kind: String,
}

fn rhino_rows() -> Vec<Row> {
    let text =
        std::fs::read_to_string(fixtures().join("rhino-jmeter-2.13-observed.jsonl")).unwrap();
    text.lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let field = |k: &str| v[k].as_str().unwrap().to_string();
            Row {
                config_text: field("config_text"),
                observed: field("observed"),
                kind: field("kind"),
            }
        })
        .collect()
}

/// Every deterministic `__javaScript` form JMeter 2.13 evaluated, written in a request body as the
/// probe did, reaches the server as the value JMeter sent. Forms Stampede refuses are refused at
/// compile time with a reason, and only where JMeter's value was "" (a Rhino error) or the form is
/// outside the evaluated subset.
#[tokio::test]
async fn javascript_forms_reach_the_server_as_jmeter_sent_them() {
    let (addr, received) = recording_server().await;
    let config = json!({"modules": {"jmeter": {"properties": {"my.prop": "fromprops"}}}});
    let one = |text: &str| {
        json!({"default-address": format!("http://{addr}"), "variables": js_scenario_variables(),
               "requests": [{"url": "/js", "method": "POST",
                             "body": format!("${{__javaScript({text})}}")}]})
    };
    let (mut accepted, mut refused) = (Vec::new(), Vec::new());
    for row in rhino_rows().into_iter().filter(|r| r.kind == "exact") {
        match compile_with("js", &one(&row.config_text), &config, Path::new("."), &[]) {
            Ok(_) => accepted.push(row),
            Err(e) => refused.push((row, e.to_string())),
        }
    }
    for (row, e) in &refused {
        assert!(e.contains("__javaScript"), "{e}");
        let outside = ["is not supported", "unknown method"]
            .iter()
            .any(|m| e.contains(m));
        assert!(
            row.observed.is_empty() || outside,
            "{}: {e}",
            row.config_text
        );
    }
    assert!(
        accepted.len() > 250,
        "{} accepted, refused: {}",
        accepted.len(),
        refused.len()
    );
    let requests: Vec<Value> = accepted
        .iter()
        .enumerate()
        .map(|(i, r)| {
            json!({"url": format!("/js/{i}"), "method": "POST",
                             "body": format!("${{__javaScript({})}}", r.config_text)})
        })
        .collect();
    let scenario = json!({"default-address": format!("http://{addr}"),
                          "variables": js_scenario_variables(), "requests": requests});
    let s = compile_with("js", &scenario, &config, Path::new("."), &[]).unwrap();
    run_once(&s).await;
    let got = bodies(&received);
    assert_eq!(got.len(), accepted.len());
    for (row, body) in accepted.iter().zip(&got) {
        assert_eq!(body, &row.observed, "{}", row.config_text);
    }
}

/// Letters and digit runs collapsed: the shape of a value that depends on time or chance.
fn shape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        let class = if c.is_ascii_alphanumeric() { 'N' } else { c };
        if !(class == 'N' && out.ends_with('N')) {
            out.push(class);
        }
    }
    out
}

/// The forms depending on `Math.random()` or the clock arrive with the shape JMeter's values had.
#[tokio::test]
async fn random_and_clock_forms_reach_the_server_with_jmeters_shape() {
    let (addr, received) = recording_server().await;
    let rows: Vec<Row> = rhino_rows()
        .into_iter()
        .filter(|r| r.kind == "random" || r.kind == "clock")
        .collect();
    assert!(rows.len() >= 10, "{}", rows.len());
    let requests: Vec<Value> = rows
        .iter()
        .map(|r| json!({"url": "/r", "method": "POST", "body": format!("${{__javaScript({})}}", r.config_text)}))
        .collect();
    let scenario = json!({"default-address": format!("http://{addr}"),
                          "variables": js_scenario_variables(), "requests": requests});
    let s = compile_with("js", &scenario, &json!({}), Path::new("."), &[]).unwrap();
    run_once(&s).await;
    let got = bodies(&received);
    assert_eq!(got.len(), rows.len());
    for (row, body) in rows.iter().zip(&got) {
        assert_eq!(
            shape(body),
            shape(&row.observed),
            "{}: {body}",
            row.config_text
        );
    }
}

/// `${__javaScript(…,VAR)}` stores its value; `threadName` is the scenario's thread group; a nested
/// function in the script is evaluated first; a form that cannot be evaluated names the request.
#[tokio::test]
async fn javascript_variables_thread_names_and_compile_errors() {
    let (addr, received) = recording_server().await;
    let scenario = json!({"default-address": format!("http://{addr}"), "variables": {"n": "4"},
    "requests": [
        {"url": "/a?v=${__javaScript(${n} * 2,DOUBLE)}", "label": "a"},
        {"url": "/b", "method": "POST",
         "body": "${DOUBLE}|${__javaScript(threadName)}|${__javaScript(${__intSum(1\\,2)} + 1)}|${__javaScript(vars.getIteration())}"},
    ]});
    let s = compile_with("nex", &scenario, &json!({}), Path::new("."), &[]).unwrap();
    run_once(&s).await;
    assert_eq!(request_lines(&received)[0], "GET /a?v=8 HTTP/1.1");
    assert_eq!(bodies(&received)[1], "8|nex 1-1|4|1");

    let bad = json!({"requests": ["http://h/", {"url": "http://h/x", "body": "${__javaScript(JSON.stringify({a:1}))}", "method": "POST"}]});
    let e = compile_with("api", &bad, &json!({}), Path::new("."), &[]).unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains("scenario \"api\"")
            && text.contains("requests[1]")
            && text.contains("`JSON` is not supported"),
        "{text}"
    );
    let split = json!({"requests": [{"url": "http://h/${__javaScript('a,b'.split(',').length)}"}]});
    let text = compile_with("api", &split, &json!({}), Path::new("."), &[])
        .unwrap_err()
        .to_string();
    assert!(
        text.contains("escape the commas inside the script as `\\,`"),
        "{text}"
    );
}

/// `shapes/default-address-*.yml` pointed at the server: `//host:port` runs as http, as in Taurus;
/// a bare `host:port` (every sample fails in Taurus) runs as http with a warning saying so.
#[tokio::test]
async fn default_address_without_a_scheme_runs_as_http() {
    let (addr, received) = recording_server().await;
    for (file, path, warned) in [
        ("default-address-scheme-relative.yml", "/da-slash", false),
        ("default-address-bare.yml", "/da-bare", true),
    ] {
        let config = yaml(&fixtures().join("shapes").join(file));
        let mut scenario = config["scenarios"]["s"].clone();
        let written = scenario["default-address"]
            .as_str()
            .unwrap()
            .replace("127.0.0.1:18920", &addr);
        scenario["default-address"] = json!(written);
        let s = compile_with("s", &scenario, &config, Path::new("."), &[]).unwrap();
        let warning = s.warnings().iter().find(|w| w.contains("default-address"));
        assert_eq!(warning.is_some(), warned, "{file}: {:?}", s.warnings());
        if let Some(w) = warning {
            assert!(
                w.contains(&format!("sends to http://{addr}"))
                    && w.contains("Host may not be blank"),
                "{w}"
            );
        }
        let h = run_once(&s).await;
        assert!(
            h.samples[0].is_success(),
            "{file}: {:?}",
            h.samples[0].failure
        );
        let last = request_lines(&received).pop().unwrap();
        assert_eq!(last, format!("GET {path} HTTP/1.1"));
    }
    let config = yaml(&fixtures().join("shapes/default-address-host-port.yml"));
    let s = compile_with("s", &config["scenarios"]["s"], &config, Path::new("."), &[]).unwrap();
    assert!(
        s.warnings()
            .iter()
            .any(|w| w.contains("sends to http://localhost:18920")),
        "{:?}",
        s.warnings()
    );
}

/// `shapes/search-path/`: a config in `test/` run from the directory above, its data files next
/// to it (docs/taurus-behaviour.md §2, run p1): found in the config's directory, with Taurus's
/// `Guessed location` warning; a file in the working directory wins (run p2).
#[tokio::test]
async fn data_files_are_found_in_the_working_directory_then_the_config_directory() {
    let (addr, received) = recording_server().await;
    let root = fixtures().join("shapes/search-path");
    let config_dir = root.join("test");
    let config = yaml(&config_dir.join("t.yml"));
    let mut scenario = config["scenarios"]["x"].clone();
    scenario["default-address"] = json!(format!("http://{addr}"));
    let search = [root.clone(), config_dir.clone()];
    let s = compile_with("x", &scenario, &config, &config_dir, &search).unwrap();
    for file in ["users.csv", "body.txt", "up.txt"] {
        let want = format!(
            "Guessed location from search paths for {file}: {}",
            config_dir.join(file).display()
        );
        assert!(
            s.warnings().iter().any(|w| w.starts_with(&want)),
            "{want}: {:?}",
            s.warnings()
        );
    }
    assert!(
        s.warnings()
            .iter()
            .any(|w| w.contains("does not search body-file"))
    );
    run_once(&s).await;
    let lines = request_lines(&received);
    assert_eq!(lines[0], "GET /ds?u=cfgdir-user HTTP/1.1");
    let got = bodies(&received);
    assert_eq!(got[1], "cfgdir-body");
    assert!(got[2].contains("\r\n\r\ncfgdir-upload"), "{}", got[2]);

    // The working directory first: a `users.csv` there wins, silently.
    let cwd = tempfile::tempdir().unwrap();
    std::fs::write(cwd.path().join("users.csv"), "user\ncwd-user\n").unwrap();
    let search = [cwd.path().to_path_buf(), config_dir.clone()];
    let s = compile_with("x", &scenario, &config, &config_dir, &search).unwrap();
    assert!(
        !s.warnings().iter().any(|w| w.contains("users.csv")),
        "{:?}",
        s.warnings()
    );
    run_once(&s).await;
    assert_eq!(request_lines(&received)[3], "GET /ds?u=cwd-user HTTP/1.1");

    // nex-bzt.sh's `-o scenarios.x.data-sources.0=./test/users.csv` from the root: as given.
    scenario["data-sources"] = json!(["./test/users.csv"]);
    let search = [root.clone(), config_dir.clone()];
    let s = compile_with("x", &scenario, &config, &config_dir, &search).unwrap();
    assert!(
        !s.warnings().iter().any(|w| w.contains("users.csv")),
        "{:?}",
        s.warnings()
    );

    // Found nowhere: every place tried is named.
    scenario["data-sources"] = json!(["./nope/users.csv"]);
    let e = compile_with("x", &scenario, &config, &config_dir, &search)
        .unwrap_err()
        .to_string();
    for dir in [&root, &config_dir] {
        assert!(
            e.contains(&dir.join("./nope/users.csv").display().to_string()),
            "{e}"
        );
    }
    assert!(
        e.contains("data-sources \"./nope/users.csv\" not found; tried"),
        "{e}"
    );
}
