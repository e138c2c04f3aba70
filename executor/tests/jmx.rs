//! Real JMeter plans from `fixtures/jmx/` run by the built binary (`stampede run plan.jmx`,
//! `bzt plan.jmx`, a Taurus config with `scenario: {script: plan.jmx}`) against a counting server on
//! 127.0.0.1:0, with exact request counts per path (what the server saw) and per label (the
//! `final-stats` `dump-csv` report, the same pipeline as a YAML run).
//!
//! Each plan is copied to a temporary directory with its server moved to the local one by a text
//! substitution: every non-empty `HTTPSampler.domain` becomes `127.0.0.1`, every `HTTPSampler.port`
//! the server's port, and a full URL in a path (`http://my.service`) the server's URL.

mod ecs_support;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;

const BIN: &str = env!("CARGO_BIN_EXE_stampede");

type Counts = Arc<Mutex<HashMap<String, u64>>>;

/// Counts requests per path; answers 200 with a small JSON body.
struct Server {
    addr: SocketAddr,
    counts: Counts,
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
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
                let counts = Counts::default();
                tx.send((listener.local_addr().expect("addr"), counts.clone()))
                    .expect("send");
                loop {
                    let Ok((stream, _)) = listener.accept().await else { continue };
                    let counts = counts.clone();
                    tokio::spawn(async move {
                        let svc = service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
                            let path = req.uri().path().to_string();
                            let mut counts = counts.lock().unwrap();
                            // Arrival order: `#0 /first`, `#1 /second`... (one key per request).
                            let n = counts.get("#").copied().unwrap_or(0);
                            counts.insert("#".into(), n + 1);
                            counts.insert(format!("#{n} {path}"), 1);
                            *counts.entry(path.clone()).or_default() += 1;
                            // The `X-Who` header a request carried, counted as `path X-Who`.
                            if let Some(who) = req.headers().get("x-who").and_then(|v| v.to_str().ok()) {
                                *counts.entry(format!("{path} {who}")).or_default() += 1;
                            }
                            let body = Full::new(Bytes::from_static(b"{\"token\":\"abc\"}"));
                            async move { Ok::<_, std::convert::Infallible>(hyper::Response::new(body)) }
                        });
                        let _ = http1::Builder::new().serve_connection(TokioIo::new(stream), svc).await;
                    });
                }
            });
        });
        let (addr, counts) = rx.recv().expect("server started");
        Server { addr, counts }
    }

    /// Requests per path (and per `path X-Who`).
    fn counts(&self) -> HashMap<String, u64> {
        let mut counts = self.counts.lock().unwrap().clone();
        counts.retain(|k, _| !k.starts_with('#'));
        counts
    }

    /// The paths in the order the requests arrived.
    fn order(&self) -> Vec<String> {
        let counts = self.counts.lock().unwrap();
        let n = counts.get("#").copied().unwrap_or(0);
        (0..n)
            .map(|i| {
                let prefix = format!("#{i} ");
                let key = counts
                    .keys()
                    .find(|k| k.starts_with(&prefix))
                    .expect("every request");
                key[prefix.len()..].to_string()
            })
            .collect()
    }
}

/// The fixture, pointed at the server, in `dir`.
fn local_plan(rel: &str, server: &Server, dir: &Path) -> PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures/jmx")
        .join(rel);
    let text = std::fs::read_to_string(&src).unwrap();
    let domain = regex::Regex::new(r#"(name="HTTPSampler\.domain">)[^<]+<"#).unwrap();
    let port = regex::Regex::new(r#"(name="HTTPSampler\.port">)[^<]*<"#).unwrap();
    let full = regex::Regex::new(r#"(name="HTTPSampler\.path">)https?://[^/<]+"#).unwrap();
    let text = domain.replace_all(&text, "${1}127.0.0.1<");
    let text = port.replace_all(&text, format!("${{1}}{}<", server.addr.port()));
    let text = full.replace_all(&text, format!("${{1}}http://{}", server.addr));
    let dst = dir.join(Path::new(rel).file_name().unwrap());
    std::fs::write(&dst, text.as_bytes()).unwrap();
    dst
}

fn run(args: &[&str], dir: &Path) -> Output {
    let out = Command::new(BIN)
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs");
    let text = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(0), "{text}");
    out
}

/// Options that put the reports in `dir` with the per-label CSV at `dir/labels.csv`.
fn report_options(dir: &Path) -> Vec<String> {
    vec![
        "-o".into(),
        format!("settings.artifacts-dir={}", dir.join("art").display()),
        "-o".into(),
        "modules.console.disable=true".into(),
        "-o".into(),
        format!(
            "reporting=[{{\"module\": \"final-stats\", \"dump-csv\": \"{}\"}}]",
            dir.join("labels.csv").display()
        ),
    ]
}

/// Samples per label from `final-stats`' CSV (`succ` + `fail`), the overall row left out.
fn label_counts(dir: &Path) -> HashMap<String, u64> {
    let text = std::fs::read_to_string(dir.join("labels.csv")).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (label, succ, fail) = (col("label"), col("succ"), col("fail"));
    lines
        .map(|l| l.split(',').collect::<Vec<_>>())
        .filter(|f| !f[label].is_empty())
        .map(|f| {
            (
                f[label].trim_matches('"').to_string(),
                f[succ].parse::<u64>().unwrap() + f[fail].parse::<u64>().unwrap(),
            )
        })
        .collect()
}

fn map(pairs: &[(&str, u64)]) -> HashMap<String, u64> {
    pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

fn args<'a>(first: &[&'a str], options: &'a [String]) -> Vec<&'a str> {
    first
        .iter()
        .copied()
        .chain(options.iter().map(String::as_str))
        .collect()
}

#[test]
fn stampede_runs_a_real_plan_with_once_only_and_defaults() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let plan = local_plan("apache-jmeter/OnceOnlyTestPlan.jmx", &server, tmp.path());
    let opts = report_options(tmp.path());
    run(&args(&["run", plan.to_str().unwrap()], &opts), tmp.path());
    // 2 threads × 3 loops; "Home Page" sits in a Once Only Controller.
    assert_eq!(server.counts(), map(&[("/", 2), ("/site/bugs.html", 6)]));
    assert_eq!(
        label_counts(tmp.path()),
        map(&[("Home Page", 2), ("Bug Page", 6)])
    );
}

#[test]
fn bzt_runs_a_bare_plan_with_a_loop_controller() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let plan = local_plan("apache-jmeter/LoopTestPlan.jmx", &server, tmp.path());
    let bzt = tmp.path().join("bzt");
    std::os::unix::fs::symlink(BIN, &bzt).unwrap();
    let opts = report_options(tmp.path());
    let out = Command::new(&bzt)
        .args(args(&[plan.to_str().unwrap()], &opts))
        .current_dir(tmp.path())
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(server.counts(), map(&[("/", 1), ("/site/news.html", 5)]));
    assert_eq!(
        label_counts(tmp.path()),
        map(&[("Home Page", 1), ("News Page", 5)])
    );
}

#[test]
fn transaction_controllers_add_their_samples() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let plan = local_plan("taurus/transactions.jmx", &server, tmp.path());
    let opts = report_options(tmp.path());
    run(&args(&["run", plan.to_str().unwrap()], &opts), tmp.path());
    assert_eq!(server.counts(), map(&[("/", 4)]));
    let want = [
        ("Transaction Controller 1", 1),
        ("Transaction Controller 2", 1),
        ("1 sec", 2),
        ("2 sec", 2),
    ];
    assert_eq!(label_counts(tmp.path()), map(&want));
}

#[test]
fn a_taurus_config_overrides_the_thread_group() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let plan = local_plan(
        "jmeter-java-dsl/docs-motivation-sample.jmx",
        &server,
        tmp.path(),
    );
    let config = tmp.path().join("test.yml");
    // The plan's own 2 threads × 10 loops become 3 × 4, as Taurus rewrites the group.
    std::fs::write(
        &config,
        format!(
            "execution:\n- executor: jmeter\n  concurrency: 3\n  iterations: 4\n  scenario: {{script: {}}}\n",
            plan.display()
        ),
    )
    .unwrap();
    let opts = report_options(tmp.path());
    run(&args(&["run", config.to_str().unwrap()], &opts), tmp.path());
    assert_eq!(server.counts(), map(&[("/", 12)]));
    assert_eq!(label_counts(tmp.path()), map(&[("HTTP Request", 12)]));
}

#[test]
fn validate_refuses_scripts_with_the_element_path() {
    let tmp = tempfile::tempdir().unwrap();
    let plan = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/jmx/taurus/jsr223.jmx");
    let out = Command::new(BIN)
        .args(["validate", plan.to_str().unwrap()])
        .current_dir(tmp.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(
            "line 48: Test Plan / Thread Group / HTTP Request / JSR223PreProcessor \"JSR223 PreProcessor\": scripting elements"
        ),
        "{stderr}"
    );
}

/// A Taurus config around the plan, with `scenario` keys after `script`.
fn taurus_config(dir: &Path, plan: &Path, execution: &str, scenario: &str) -> PathBuf {
    let config = dir.join("test.yml");
    let text = format!(
        "execution:\n- executor: jmeter\n{execution}  scenario:\n    script: {}\n{scenario}",
        plan.display()
    );
    std::fs::write(&config, text).unwrap();
    config
}

#[test]
fn properties_answer_p_in_the_thread_group() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let plan = local_plan("taurus/iterations-property.jmx", &server, tmp.path());
    // ${__P(NumberOfThreads,2)} threads × ${__P(LoopCount,5)} loops.
    let scenario = "    properties:\n      NumberOfThreads: 4\n      LoopCount: 3\n";
    let config = taurus_config(tmp.path(), &plan, "", scenario);
    let opts = report_options(tmp.path());
    run(&args(&["run", config.to_str().unwrap()], &opts), tmp.path());
    assert_eq!(server.counts().values().sum::<u64>(), 12);
    assert_eq!(label_counts(tmp.path()), map(&[("HTTP Request", 12)]));
}

#[test]
fn every_thread_group_runs_and_modifications_disable_one() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let plan = local_plan("taurus/converter-json_body.jmx", &server, tmp.path());
    let opts = report_options(tmp.path());
    run(&args(&["run", plan.to_str().unwrap()], &opts), tmp.path());
    assert_eq!(server.counts(), map(&[("/", 9)]));
    let labels = [
        "r1_1", "r1_2", "r1_3", "r1_4", "r2_1", "r2_2", "r2_3", "r2_4", "r2_5",
    ];
    let want: Vec<(&str, u64)> = labels.iter().map(|l| (*l, 1)).collect();
    assert_eq!(label_counts(tmp.path()), map(&want));

    let server = Server::start();
    let plan = local_plan("taurus/converter-json_body.jmx", &server, tmp.path());
    let config = taurus_config(
        tmp.path(),
        &plan,
        "",
        "    modifications:\n      disable: [tg2]\n",
    );
    run(&args(&["run", config.to_str().unwrap()], &opts), tmp.path());
    assert_eq!(server.counts(), map(&[("/", 4)]));
    let want: Vec<(&str, u64)> = labels[..4].iter().map(|l| (*l, 1)).collect();
    assert_eq!(label_counts(tmp.path()), map(&want));
}

#[test]
fn a_ramp_up_with_a_loop_count_runs_every_loop() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    // 2 threads started over 1 s, 10 loops each.
    let plan = local_plan(
        "jmeter-java-dsl/docs-motivation-sample.jmx",
        &server,
        tmp.path(),
    );
    let opts = report_options(tmp.path());
    run(&args(&["run", plan.to_str().unwrap()], &opts), tmp.path());
    assert_eq!(server.counts(), map(&[("/", 20)]));
}

/// A small plan written for this test (the real ones above have no CSV or extractor that a local
/// server can answer): JMeter's scoping of Header Managers, a CSV Data Set at Test Plan level, a
/// Regular Expression Extractor feeding an If Controller, and a parent-sample Transaction.
const SCOPES: &str = r#"<jmeterTestPlan version="1.2" properties="5.0" jmeter="5.4.1"><hashTree>
  <TestPlan testclass="TestPlan" testname="scopes" enabled="true"/>
  <hashTree>
    <HeaderManager testclass="HeaderManager" testname="plan headers" enabled="true">
      <collectionProp name="HeaderManager.headers">
        <elementProp name="" elementType="Header"><stringProp name="Header.name">X-Who</stringProp><stringProp name="Header.value">plan</stringProp></elementProp>
      </collectionProp>
    </HeaderManager>
    <hashTree/>
    <CSVDataSet testclass="CSVDataSet" testname="ids" enabled="true">
      <stringProp name="filename">ids.csv</stringProp>
      <stringProp name="variableNames"></stringProp>
      <stringProp name="delimiter">,</stringProp>
      <boolProp name="recycle">true</boolProp>
      <boolProp name="stopThread">false</boolProp>
      <stringProp name="shareMode">shareMode.all</stringProp>
    </CSVDataSet>
    <hashTree/>
    <ThreadGroup testclass="ThreadGroup" testname="users" enabled="true">
      <elementProp name="ThreadGroup.main_controller" elementType="LoopController" testclass="LoopController" enabled="true">
        <stringProp name="LoopController.loops">3</stringProp>
      </elementProp>
      <stringProp name="ThreadGroup.num_threads">1</stringProp>
    </ThreadGroup>
    <hashTree>
      <ConfigTestElement guiclass="HttpDefaultsGui" testclass="ConfigTestElement" testname="defaults" enabled="true">
        <stringProp name="HTTPSampler.domain">127.0.0.1</stringProp>
        <stringProp name="HTTPSampler.port">PORT</stringProp>
      </ConfigTestElement>
      <hashTree/>
      <HTTPSamplerProxy testclass="HTTPSamplerProxy" testname="login" enabled="true">
        <stringProp name="HTTPSampler.path">/login/${id}</stringProp>
      </HTTPSamplerProxy>
      <hashTree>
        <RegexExtractor testclass="RegexExtractor" testname="token" enabled="true">
          <stringProp name="RegexExtractor.refname">token</stringProp>
          <stringProp name="RegexExtractor.regex">"token":"(\w+)"</stringProp>
          <stringProp name="RegexExtractor.template">$1$</stringProp>
          <stringProp name="RegexExtractor.match_number">1</stringProp>
        </RegexExtractor>
        <hashTree/>
      </hashTree>
      <IfController testclass="IfController" testname="logged in" enabled="true">
        <stringProp name="IfController.condition">"${token}" == "abc"</stringProp>
      </IfController>
      <hashTree>
        <HTTPSamplerProxy testclass="HTTPSamplerProxy" testname="private" enabled="true">
          <stringProp name="HTTPSampler.path">/private/${token}</stringProp>
        </HTTPSamplerProxy>
        <hashTree>
          <HeaderManager testclass="HeaderManager" testname="own headers" enabled="true">
            <collectionProp name="HeaderManager.headers">
              <elementProp name="" elementType="Header"><stringProp name="Header.name">X-Who</stringProp><stringProp name="Header.value">sampler</stringProp></elementProp>
            </collectionProp>
          </HeaderManager>
          <hashTree/>
        </hashTree>
      </hashTree>
      <TransactionController testclass="TransactionController" testname="tx" enabled="true">
        <boolProp name="TransactionController.parent">true</boolProp>
      </TransactionController>
      <hashTree>
        <HTTPSamplerProxy testclass="HTTPSamplerProxy" testname="a" enabled="true">
          <stringProp name="HTTPSampler.path">/a</stringProp>
        </HTTPSamplerProxy>
        <hashTree/>
        <HTTPSamplerProxy testclass="HTTPSamplerProxy" testname="b" enabled="true">
          <stringProp name="HTTPSampler.path">/b</stringProp>
        </HTTPSamplerProxy>
        <hashTree/>
      </hashTree>
    </hashTree>
  </hashTree>
</hashTree></jmeterTestPlan>"#;

#[test]
fn headers_csv_extractor_if_and_parent_transaction_follow_jmeter_scoping() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let plan = tmp.path().join("scopes.jmx");
    std::fs::write(
        &plan,
        SCOPES.replace("PORT", &server.addr.port().to_string()),
    )
    .unwrap();
    std::fs::write(tmp.path().join("ids.csv"), "id\nu1\nu2\n").unwrap();
    let opts = report_options(tmp.path());
    run(&args(&["run", plan.to_str().unwrap()], &opts), tmp.path());
    let want = [
        ("/login/u1", 2),
        ("/login/u1 plan", 2),
        ("/login/u2", 1),
        ("/login/u2 plan", 1),
        ("/private/abc", 3),
        ("/private/abc sampler", 3),
        ("/a", 3),
        ("/a plan", 3),
        ("/b", 3),
        ("/b plan", 3),
    ];
    assert_eq!(server.counts(), map(&want));
    assert_eq!(
        label_counts(tmp.path()),
        map(&[("login", 3), ("private", 3), ("tx", 3)])
    );
}

#[test]
fn setup_groups_run_before_the_main_groups() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let plan = local_plan("overrides/groups.jmx", &server, tmp.path());
    // Taurus shares 8 threads as 3 (TG A), 1 (TG B: its ${__P(b_users,1)} default), 4 (CTG), each
    // for 1 iteration, all started within 1 s; the setUp group keeps its 1 thread × 1 loop and runs
    // first.
    let execution = "  concurrency: 8\n  iterations: 1\n  ramp-up: 1s\n";
    let scenario = "    modifications:\n      disable: [UTG]\n";
    let config = taurus_config(tmp.path(), &plan, execution, scenario);
    let opts = report_options(tmp.path());
    run(&args(&["run", config.to_str().unwrap()], &opts), tmp.path());
    let want = [
        ("/setup-req", 1),
        ("/TG-A-req", 3),
        ("/TG-B-req", 1),
        ("/ctg-req", 4),
    ];
    assert_eq!(server.counts(), map(&want));
    assert_eq!(server.order()[0], "/setup-req");
    let labels = [
        ("setup-req", 1),
        ("TG-A-req", 3),
        ("TG-B-req", 1),
        ("ctg-req", 4),
    ];
    assert_eq!(label_counts(tmp.path()), map(&labels));
}

#[test]
fn a_recorded_plan_runs_with_its_defaults_and_cookie_manager() {
    let server = Server::start();
    let tmp = tempfile::tempdir().unwrap();
    let plan = local_plan("taurus/examples-jmeter-existing.jmx", &server, tmp.path());
    // The recording's last request is https; the local server speaks http.
    let text = std::fs::read_to_string(&plan)
        .unwrap()
        .replace(">https<", ">http<");
    std::fs::write(&plan, text).unwrap();
    // 10 threads × 100 loops over 30 s, made 2 × 3 at once by Taurus's settings.
    let config = taurus_config(
        tmp.path(),
        &plan,
        "  concurrency: 2\n  iterations: 3\n  ramp-up: 1s\n",
        "",
    );
    let opts = report_options(tmp.path());
    run(&args(&["run", config.to_str().unwrap()], &opts), tmp.path());
    let paths = [
        "/",
        "/reserve.php",
        "/purchase.php",
        "/confirmation.php",
        "/edgedl/chrome/dict/en-us-7-1.bdic",
    ];
    let want: Vec<(&str, u64)> = paths.iter().map(|p| (*p, 6)).collect();
    assert_eq!(server.counts(), map(&want));
    let labels = [
        "[1] http://blazedemo.com/",
        "[6] http://blazedemo.com/reserve.php",
        "[1] http://blazedemo.com/purchase.php",
        "http://blazedemo.com/confirmation.php",
        "https://redirector.gvt1.com/edgedl/chrome/dict/en-us-7-1.bdic",
    ];
    let want: Vec<(&str, u64)> = labels.iter().map(|l| (*l, 6)).collect();
    assert_eq!(label_counts(tmp.path()), map(&want));
}

#[test]
#[ignore = "entry point of the container child process, spawned by the ECS test below"]
fn ecs_child_entry() {
    if std::env::var_os(ecs_support::CHILD_FLAG).is_some() {
        std::process::exit(i32::from(stampede_ecs::main_code()));
    }
}

#[test]
fn dlt_jmeter_test_type_downloads_the_plan_and_runs_it() {
    let server = Server::start();
    let h = ecs_support::Harness::new("jmx");
    let plan = local_plan("apache-jmeter/OnceOnlyTestPlan.jmx", &server, h.dir.path());
    h.put_raw(
        "public/test-scenarios/jmeter/TJ.jmx",
        &std::fs::read(&plan).unwrap(),
    );
    std::fs::remove_file(&plan).unwrap();
    // As DLT's API writes a JMeter test: the scenario names `<testId>.jmx`.
    let scenario = r#"{"execution":[{"executor":"jmeter","concurrency":2,"iterations":3,"scenario":"TJ","taskCount":1}],"scenarios":{"TJ":{"script":"TJ.jmx"}},"reporting":[{"module":"final-stats","summary":true,"percentiles":true,"summary-labels":true,"test-duration":true,"dump-xml":"/tmp/artifacts/results.xml"}]}"#;
    h.put_raw("test-scenarios/TJ.json", scenario.as_bytes());
    let mut env = vec![
        ("S3_BUCKET".to_string(), h.bucket.clone()),
        ("TEST_ID".into(), "TJ".into()),
        ("TEST_TYPE".into(), "jmeter".into()),
    ];
    env.extend(h.stampede_env("ok"));
    env.retain(|(k, _)| k != "STAMPEDE_ENGINE");
    env.push(("STAMPEDE_ENGINE".into(), format!("{BIN} run")));
    let (code, out) = h.spawn(&env).wait(std::time::Duration::from_secs(60));
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("Downloaded s3://"), "{out}");
    assert_eq!(server.counts(), map(&[("/", 2), ("/site/bugs.html", 6)]));
    let results = h.keys("results/TJ/");
    assert!(results.iter().any(|k| k.ends_with(".xml")), "{results:?}");

    // A zip: the plan in a folder, found and named in the scenario instead of `TJ.jmx`.
    let server = Server::start();
    let plan = local_plan("apache-jmeter/OnceOnlyTestPlan.jmx", &server, h.dir.path());
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default();
    w.start_file("plans/once.jmx", opts).unwrap();
    std::io::Write::write_all(&mut w, &std::fs::read(&plan).unwrap()).unwrap();
    h.put_raw(
        "public/test-scenarios/jmeter/TJ.zip",
        &w.finish().unwrap().into_inner(),
    );
    env.push(("FILE_TYPE".into(), "zip".into()));
    let (code, out) = h.spawn(&env).wait(std::time::Duration::from_secs(60));
    assert_eq!(code, 0, "{out}");
    assert_eq!(server.counts(), map(&[("/", 2), ("/site/bugs.html", 6)]));
    assert!(h.dir.path().join("plans/once.jmx").is_file());
}
