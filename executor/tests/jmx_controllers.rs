//! JMeter's logic controllers (Interleave, Random, Random Order, Switch, Throughput, Runtime,
//! Module, Include) and the Duration and Size assertions, run by the built binary on
//! `fixtures/jmx/stampede/controllers.jmx` against a counting server on 127.0.0.1:0, with exact
//! counts per path and per label. JMeter 2.13 gives the same counts on the same plan
//! (`bench/jmx-vs-jmeter.sh`, results in `docs/jmx.md`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

const BIN: &str = env!("CARGO_BIN_EXE_stampede");

type Counts = Arc<Mutex<HashMap<String, u64>>>;

/// Counts requests per path; `/sleep/MS` answers after MS milliseconds, `/size/N` with N bytes,
/// anything else with `ok`.
struct Server {
    addr: SocketAddr,
    counts: Counts,
}

async fn answer(path: &str) -> Bytes {
    let mut parts = path.trim_start_matches('/').split('/');
    let arg = |p: Option<&str>| p.and_then(|n| n.parse::<u64>().ok()).unwrap_or(0);
    match parts.next() {
        Some("sleep") => {
            tokio::time::sleep(Duration::from_millis(arg(parts.next()))).await;
            Bytes::from_static(b"ok")
        }
        Some("size") => Bytes::from(vec![b'x'; arg(parts.next()) as usize]),
        _ => Bytes::from_static(b"ok"),
    }
}

/// What a request counts for: its path; with a body, `METHOD path content-type`, and
/// `path file` / `path field` when the uploaded file or a form field is in the body.
async fn keys(req: hyper::Request<hyper::body::Incoming>) -> Vec<String> {
    use http_body_util::BodyExt;
    let path = req.uri().path().to_string();
    let method = req.method().to_string();
    let ctype = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or("").to_string())
        .unwrap_or_else(|| "none".into());
    let body = req
        .into_body()
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let mut keys = vec![path.clone()];
    if !body.is_empty() {
        let has = |s: &[u8]| body.windows(s.len()).any(|w| w == s);
        keys.push(format!("{method} {path} {ctype}"));
        if has(b"hello upload") {
            keys.push(format!("{path} file"));
        }
        if has(b"name=\"who\"") || has(b"name=\"a\"") {
            keys.push(format!("{path} field"));
        }
    }
    keys
}

impl Server {
    fn start() -> Server {
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                    .await
                    .expect("bind");
                let counts = Counts::default();
                tx.send((listener.local_addr().expect("addr"), counts.clone()))
                    .expect("send");
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    let counts = counts.clone();
                    tokio::spawn(async move {
                        let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                            let counts = counts.clone();
                            async move {
                                let path = req.uri().path().to_string();
                                for key in keys(req).await {
                                    *counts.lock().unwrap().entry(key).or_default() += 1;
                                }
                                let body = Full::new(answer(&path).await);
                                Ok::<_, std::convert::Infallible>(hyper::Response::new(body))
                            }
                        });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), svc)
                            .await;
                    });
                }
            });
        });
        let (addr, counts) = rx.recv().expect("server started");
        Server { addr, counts }
    }

    fn counts(&self) -> HashMap<String, u64> {
        self.counts.lock().unwrap().clone()
    }
}

/// Runs `stampede run plan` with the plan's `${__P(port)}` set to the server's port; returns the
/// samples per label as `(successes, failures)` from `final-stats`' CSV.
fn run_plan(plan: &Path, server: &Server, dir: &Path) -> HashMap<String, (u64, u64)> {
    let csv = dir.join("labels.csv");
    let out = Command::new(BIN)
        .arg("run")
        .arg(plan)
        .args([
            "-o",
            &format!("modules.jmeter.properties.port={}", server.addr.port()),
        ])
        .args([
            "-o",
            &format!("settings.artifacts-dir={}", dir.join("art").display()),
        ])
        .args(["-o", "modules.console.disable=true"])
        .args([
            "-o",
            &format!(
                "reporting=[{{\"module\": \"final-stats\", \"dump-csv\": \"{}\"}}]",
                csv.display()
            ),
        ])
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(csv).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (label, succ, fail) = (col("label"), col("succ"), col("fail"));
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| !f[label].is_empty())
        .map(|f| {
            let n = |i: usize| f[i].parse::<u64>().unwrap();
            (f[label].trim_matches('"').to_string(), (n(succ), n(fail)))
        })
        .collect()
}

/// Copies `fixtures/jmx/stampede` (plans and the files they name) to `dir`; returns `name` there.
fn fixture(dir: &Path, name: &str) -> std::path::PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/jmx/stampede");
    for e in std::fs::read_dir(src).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    dir.join(name)
}

fn take(counts: &mut HashMap<String, u64>, key: &str) -> u64 {
    counts.remove(key).unwrap_or(0)
}

#[test]
fn logic_controllers_and_assertions_run_as_in_jmeter() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let plan = fixture(tmp.path(), "controllers.jmx");
    let mut labels = run_plan(&plan, &server, tmp.path());
    let mut paths = server.counts();
    // Random choices: only their sums are fixed. The Runtime Controller runs for one second.
    assert_eq!(take(&mut paths, "/rnd/a") + take(&mut paths, "/rnd/b"), 12);
    let rt = take(&mut paths, "/rt");
    assert!((1..=20).contains(&rt), "runtime ran {rt} times");
    // 3 threads × 4 loops in "Controllers", 1 × 1 in "Checks".
    let want: HashMap<String, u64> = [
        ("/il/a", 6),
        ("/il/b", 3),
        ("/il/c", 3),
        ("/ils/b1", 6),
        ("/ils/b2", 6),
        ("/ils/c", 6),
        ("/ro/a", 12),
        ("/ro/b", 12),
        ("/ro/c1", 12),
        ("/ro/c2", 12),
        ("/sw1/b", 12),
        ("/sw2/b", 12),
        ("/sw3/d", 12),
        ("/sw5/a", 12),
        ("/sw6/a", 4),
        ("/sw6/b", 4),
        ("/sw6/c", 4),
        ("/tp/pct-user", 6),
        ("/tp/total-shared", 5),
        ("/tp/total-user", 9),
        ("/tp/pct-shared", 3),
        ("/mod/a", 12),
        ("/lib", 12),
        ("/inc/a", 12),
        ("/inc/b", 12),
        ("/sleep/0", 1),
        ("/sleep/300", 1),
        ("/size/10", 2),
        ("/size/100", 6),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(paths, want);
    let (rnd_a, rnd_b) = (labels.remove("rnd-a"), labels.remove("rnd-b"));
    let rnd = rnd_a.unwrap_or_default().0 + rnd_b.unwrap_or_default().0;
    assert_eq!(rnd, 12);
    assert_eq!(labels.remove("rt").map(|c| c.0), Some(rt));
    let failed: Vec<&str> = {
        let mut f: Vec<&str> = labels
            .iter()
            .filter(|(_, c)| c.1 > 0)
            .map(|(l, _)| l.as_str())
            .collect();
        f.sort();
        f
    };
    assert_eq!(
        failed,
        [
            "dur-fail",
            "size-body-gt",
            "size-ge-le",
            "size-headers",
            "size-ne"
        ]
    );
    for (label, want) in [
        ("il-a", 6),
        ("sw6-b", 4),
        ("tp-total-shared", 5),
        ("inc-b", 12),
    ] {
        assert_eq!(labels[label], (want, 0), "{label}");
    }
}

#[test]
fn interleave_across_threads_starts_each_thread_at_its_own_child() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let sampler = |name: &str| {
        format!(
            r#"<HTTPSamplerProxy testclass="HTTPSamplerProxy" testname="{name}" enabled="true">
                 <stringProp name="HTTPSampler.domain">127.0.0.1</stringProp>
                 <stringProp name="HTTPSampler.port">${{__P(port)}}</stringProp>
                 <stringProp name="HTTPSampler.path">/{name}</stringProp>
               </HTTPSamplerProxy><hashTree/>"#
        )
    };
    let plan = format!(
        r#"<jmeterTestPlan version="1.2"><hashTree>
          <TestPlan testclass="TestPlan" testname="P" enabled="true"/><hashTree>
            <ThreadGroup testclass="ThreadGroup" testname="Users" enabled="true">
              <stringProp name="ThreadGroup.num_threads">3</stringProp>
              <elementProp name="ThreadGroup.main_controller" elementType="LoopController">
                <stringProp name="LoopController.loops">4</stringProp>
              </elementProp>
            </ThreadGroup><hashTree>
              <HTTPSamplerProxy testclass="HTTPSamplerProxy" testname="who" enabled="true">
                <stringProp name="HTTPSampler.domain">127.0.0.1</stringProp>
                <stringProp name="HTTPSampler.port">${{__P(port)}}</stringProp>
                <stringProp name="HTTPSampler.path">/thread/${{__threadNum}}</stringProp>
              </HTTPSamplerProxy><hashTree/>
              <InterleaveControl testclass="InterleaveControl" testname="IL" enabled="true">
                <intProp name="InterleaveControl.style">1</intProp>
                <boolProp name="InterleaveControl.accrossThreads">true</boolProp>
              </InterleaveControl><hashTree>{}{}{}</hashTree>
            </hashTree>
          </hashTree></hashTree></jmeterTestPlan>"#,
        sampler("a"),
        sampler("b"),
        sampler("c")
    );
    let path = tmp.path().join("across.jmx");
    std::fs::write(&path, plan).unwrap();
    run_plan(&path, &server, tmp.path());
    let mut counts = server.counts();
    // Thread N (as `${__threadNum}` shows it) starts at child N - 1, as in JMeter: with threads
    // 1, 2, 3 that is a b c a, b c a b, c a b c.
    let mut threads: Vec<u64> = counts
        .keys()
        .filter_map(|k| k.strip_prefix("/thread/")?.parse().ok())
        .collect();
    threads.sort_unstable();
    assert_eq!(
        threads,
        [1, 2, 3],
        "JMeter numbers threads from 1: {counts:?}"
    );
    let mut want: HashMap<String, u64> = HashMap::new();
    for t in threads {
        counts.remove(&format!("/thread/{t}"));
        for pass in 0..4 {
            let child = ["/a", "/b", "/c"][(t.saturating_sub(1) as usize + pass) % 3];
            *want.entry(child.to_string()).or_default() += 1;
        }
    }
    assert_eq!(counts, want);
}

#[test]
fn file_uploads_and_multipart_bodies_are_sent_as_jmeter_sends_them() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let plan = fixture(tmp.path(), "uploads.jmx");
    let labels = run_plan(&plan, &server, tmp.path());
    // 2 threads × 3 loops; the same counts as JMeter 2.13 on this plan.
    let want: HashMap<String, u64> = [
        ("/up/multi", 6),
        ("POST /up/multi multipart/form-data", 6),
        ("/up/multi file", 6),
        ("/up/multi field", 6),
        ("/up/fields", 6),
        ("POST /up/fields multipart/form-data", 6),
        ("/up/fields field", 6),
        ("/up/browser", 6),
        ("POST /up/browser multipart/form-data", 6),
        ("/up/browser file", 6),
        ("/up/browser field", 6),
        ("/up/body", 6),
        ("POST /up/body application/json", 6),
        ("/up/body file", 6),
        ("/up/put", 6),
        ("PUT /up/put text/plain", 6),
        ("/up/put file", 6),
        ("/up/get", 6),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(server.counts(), want);
    assert_eq!(labels.len(), 6);
    assert!(labels.values().all(|c| *c == (6, 0)), "{labels:?}");
}

#[test]
fn csv_data_sets_share_their_rows_as_the_sharing_mode_says() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    // A Test Plan CSV ("All threads", stop on EOF) read by two thread groups through one cursor:
    // each of the 6 rows is sent once in all.
    run_plan(&fixture(tmp.path(), "csv.jmx"), &server, tmp.path());
    let want: HashMap<String, u64> = (1..=6).map(|i| (format!("/all/{i}"), 1)).collect();
    assert_eq!(server.counts(), want);

    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let labels = run_plan(&fixture(tmp.path(), "csv-modes.jmx"), &server, tmp.path());
    // Rows x y z, recycled. Per thread: 2 threads × 2 loops each read x, y. Per group: x y z x.
    // "All threads" in two groups (2 + 1 iterations): one reader, x y z.
    let want: HashMap<String, u64> = [
        ("/thread/x", 2),
        ("/thread/y", 2),
        ("/group/x", 2),
        ("/group/y", 1),
        ("/group/z", 1),
        ("/shared/x", 1),
        ("/shared/y", 1),
        ("/shared/z", 1),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(server.counts(), want);
    assert_eq!(labels["shared"], (3, 0));
}
