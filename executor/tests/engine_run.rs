//! `run::run_with`: stages, shellexec, reporters and outcomes, with the engine's SimpleScript standing
//! in for the Taurus scenario compiler (a real scenario against a real server on 127.0.0.1:0).

use executor::run::{Outcome, Parts, Progress, RunOptions, run_with};
use serde_json::json;
use stampede_config::{ExecutionPlan, LoadSpec, Plan};
use stampede_engine::simple::{SimpleRequest, SimpleScript};
use stampede_kpi::Sample;
use stampede_log::Log;
use stampede_report::{ReportError, Reporter};
use stampede_stats::Summary;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use testkit::TestServer;

pub fn plan(
    dir: &Path,
    executor: &str,
    load: LoadSpec,
    url: &str,
    services: serde_json::Value,
) -> Plan {
    let scenario = json!({"requests": [url]});
    let effective = json!({"services": services, "settings": {"db-password": "hunter2"}});
    let shellexec = stampede_config::shellexec_spec(effective.as_object().unwrap())
        .expect("the test's services are valid");
    let reporting =
        stampede_config::Reporting::from_config(&effective, &dir.join("artifacts"), None).unwrap();
    Plan {
        effective,
        executions: vec![ExecutionPlan {
            index: 0,
            executor: executor.into(),
            load,
            scenario_name: "s".into(),
            scenario,
            base_dir: dir.to_path_buf(),
            delay: None,
            data_file: None,
            errors_file: None,
            raw: json!({}),
        }],
        artifacts_dir: dir.join("artifacts"),
        config_files: vec![],
        warnings: vec!["a config warning".into()],
        merged: json!({}),
        env: Default::default(),
        sequential: false,
        search_path: Vec::new(),
        shellexec,
        reporting,
        consolidator: Default::default(),
    }
}

pub fn opts() -> RunOptions {
    RunOptions {
        progress: Progress::Lines,
        quiet: true,
        verbose: false,
        line_prefix: None,
    }
}

/// Counts what it is given; a real reporter shape (sink behind the trait).
pub struct Counting(pub Arc<AtomicU64>, pub Arc<AtomicU64>);

impl Reporter for Counting {
    fn name(&self) -> &str {
        "counting"
    }
    fn sample(&mut self, _s: &Sample) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }
    fn finish(&mut self, _s: &Summary, log: &mut dyn Log) -> Result<bool, ReportError> {
        self.1.fetch_add(1, Ordering::Relaxed);
        log.info("counting reporter finished");
        Ok(false)
    }
}

pub fn compile(_p: &Plan, e: &ExecutionPlan) -> Result<SimpleScript, String> {
    let url = e.scenario["requests"][0].as_str().ok_or("no url")?;
    Ok(SimpleScript::new(vec![SimpleRequest::get(url)]))
}

fn load(c: u32, iterations: u64) -> LoadSpec {
    LoadSpec {
        concurrency: c,
        ramp_up: None,
        hold_for: None,
        iterations: Some(iterations),
        throughput: None,
        steps: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stages_shellexec_reporters_and_artifacts() {
    let srv = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let services = json!([{"module": "shellexec",
        "prepare": "echo prepared > prepared.txt",
        "startup": [{"command": "sleep 30", "background": true}],
        "shutdown": "echo code=$TAURUS_EXIT_CODE > shutdown.txt",
        "post-process": "ls shellexec_startup_0.out > post.txt"}]);
    let mut p = plan(dir.path(), "jmeter", load(2, 5), &srv.url("/"), services);
    p.effective["modules"] = json!({"shellexec": {"default-cwd": "artifacts-dir"}});
    p.shellexec = stampede_config::shellexec_spec(p.effective.as_object().unwrap()).unwrap();
    let (samples, finished) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let (s2, f2) = (samples.clone(), finished.clone());
    let parts = Parts {
        compile,
        reporters: move |_: &Plan| Ok(vec![Box::new(Counting(s2, f2)) as Box<dyn Reporter>]),
    };
    let t0 = std::time::Instant::now();
    let outcome = run_with(p, opts(), parts).await;
    assert_eq!(outcome, Outcome::Ok);
    assert!(
        t0.elapsed() < std::time::Duration::from_secs(3),
        "background task killed, not waited"
    );
    assert_eq!(samples.load(Ordering::Relaxed), 10);
    assert_eq!(srv.requests(), 10);
    assert_eq!(finished.load(Ordering::Relaxed), 1);
    let art = dir.path().join("artifacts");
    let read = |f: &str| std::fs::read_to_string(art.join(f)).unwrap();
    assert_eq!(read("prepared.txt"), "prepared\n");
    assert_eq!(read("shutdown.txt"), "code=0\n");
    assert_eq!(read("post.txt"), "shellexec_startup_0.out\n");
    let log = read("bzt.log");
    for needle in [
        "Preparing...",
        "Starting...",
        "Waiting for results...",
        "WARNING Engine] Please wait for graceful shutdown...\n",
        "Shutting down...",
        "Post-processing...",
        "WARNING Engine] a config warning",
        "counting reporter finished",
        "Done performing with code: 0",
    ] {
        assert!(
            log.contains(needle),
            "{needle} missing from bzt.log:\n{log}"
        );
    }
    let eff = read("effective.json");
    assert!(eff.contains("********") && !eff.contains("hunter2"));
}

#[tokio::test]
async fn failing_shellexec_task_is_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let services = json!([{"module": "shellexec", "prepare": "exit 7"}]);
    let p = plan(
        dir.path(),
        "jmeter",
        load(1, 1),
        "http://127.0.0.1:9/",
        services,
    );
    let parts = Parts {
        compile,
        reporters: |_: &Plan| Ok(Vec::new()),
    };
    assert_eq!(run_with(p, opts(), parts).await, Outcome::Error);
    let log = std::fs::read_to_string(dir.path().join("artifacts/bzt.log")).unwrap();
    assert!(
        log.contains("command 'exit 7' failed with exit code 7"),
        "{log}"
    );
}

#[tokio::test]
async fn external_results_loader_is_reported_not_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let p = plan(
        dir.path(),
        "external-results-loader",
        load(1, 1),
        "http://127.0.0.1:9/",
        json!([]),
    );
    let parts = Parts {
        compile,
        reporters: |_: &Plan| Ok(Vec::new()),
    };
    assert_eq!(run_with(p, opts(), parts).await, Outcome::Error);
}

#[tokio::test]
async fn no_samples_is_empty_results_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut p = plan(
        dir.path(),
        "jmeter",
        load(0, 1),
        "http://127.0.0.1:9/",
        json!([]),
    );
    p.executions[0].load.concurrency = 0;
    let parts = Parts {
        compile,
        reporters: |_: &Plan| Ok(Vec::new()),
    };
    assert_eq!(run_with(p, opts(), parts).await, Outcome::Error);
    let log = std::fs::read_to_string(dir.path().join("artifacts/bzt.log")).unwrap();
    assert!(log.contains("Empty results"), "{log}");
}

/// Taurus's end of a test that a passfail criterion failed: the graceful-shutdown warning once,
/// before "Shutting down...", then "Automated shutdown" as the last word before the artifacts dir.
#[tokio::test]
async fn failed_passfail_ends_with_automated_shutdown_like_taurus() {
    use stampede_report::passfail::{PassFail, parse_criteria};
    let srv = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let p = plan(
        dir.path(),
        "jmeter",
        load(1, 3),
        &srv.url("/nope"),
        json!([]),
    );
    let parts = Parts {
        compile,
        reporters: |_: &Plan| {
            let criteria = parse_criteria(&json!(["fail>50%, continue as failed"])).unwrap();
            Ok(vec![Box::new(PassFail::new(criteria)) as Box<dyn Reporter>])
        },
    };
    assert_eq!(run_with(p, opts(), parts).await, Outcome::Failed);
    let log = std::fs::read_to_string(dir.path().join("artifacts/bzt.log")).unwrap();
    // Taurus's `[date time,ms LEVEL logger] msg` -> `LEVEL: msg`
    let lines: Vec<String> = log
        .lines()
        .map(|l| {
            let (head, msg) = l.split_once("] ").expect("[head] msg");
            let level = head.split(' ').nth(2).expect("date time level");
            format!("{level}: {msg}")
        })
        .collect();
    let lines: Vec<&str> = lines.iter().map(String::as_str).collect();
    let at = |needle: &str| {
        let found: Vec<usize> = (0..lines.len()).filter(|&i| lines[i] == needle).collect();
        assert_eq!(found.len(), 1, "{needle:?} once in:\n{log}");
        found[0]
    };
    let wait = at("WARNING: Please wait for graceful shutdown...");
    assert_eq!(at("INFO: Shutting down..."), wait + 1);
    let auto = at("WARNING: Automated shutdown");
    assert!(auto > at("INFO: Post-processing..."), "{log}");
    assert_eq!(
        lines[auto + 1],
        format!(
            "INFO: Artifacts dir: {}",
            dir.path().join("artifacts").display()
        )
    );
    assert_eq!(lines[auto + 2], "WARNING: Done performing with code: 3");
}

/// The external-results-loader reads Taurus's own kpi.jtl through the run, and says which file
/// it reads as Taurus does.
#[tokio::test]
async fn external_results_are_replayed_and_named_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let kpi = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/reports/jtl/fixture-kpi.jtl");
    let mut p = plan(
        dir.path(),
        "external-results-loader",
        load(1, 1),
        "http://127.0.0.1:9/",
        json!([]),
    );
    p.executions[0].scenario = json!({"data-file": kpi});
    let (samples, finished) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let s2 = samples.clone();
    let parts = Parts {
        compile,
        reporters: move |_: &Plan| Ok(vec![Box::new(Counting(s2, finished)) as Box<dyn Reporter>]),
    };
    assert_eq!(run_with(p, opts(), parts).await, Outcome::Ok);
    assert_eq!(
        samples.load(Ordering::Relaxed),
        64,
        "the fixture's 64 samples"
    );
    let log = std::fs::read_to_string(dir.path().join("artifacts/bzt.log")).unwrap();
    let line = format!(
        "INFO Engine] Will load external results from file: {}",
        kpi.display()
    );
    assert!(log.contains(&line), "{log}");
}
