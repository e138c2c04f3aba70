//! SIGTERM during a run: the load stops promptly, reporters still finish, the outcome is exit 2.
//! Alone in its binary: the signal goes to the whole test process.

use executor::run::{Outcome, Parts, Progress, RunOptions, run_with};
use serde_json::json;
use stampede_config::{ExecutionPlan, LoadSpec, Plan};
use stampede_engine::simple::{SimpleRequest, SimpleScript};
use stampede_log::Log;
use stampede_report::{ReportError, Reporter};
use stampede_stats::Summary;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use testkit::TestServer;

struct Finished(Arc<AtomicBool>);

impl Reporter for Finished {
    fn name(&self) -> &str {
        "finished"
    }
    fn finish(&mut self, _s: &Summary, _log: &mut dyn Log) -> Result<bool, ReportError> {
        self.0.store(true, Ordering::Relaxed);
        Ok(false)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_stops_the_load_writes_reports_and_exits_2() {
    let srv = TestServer::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = srv.url("/delay/20");
    let effective = json!({"services": [{"module": "shellexec",
        "shutdown": "echo $TAURUS_EXIT_CODE > code.txt"}],
        "modules": {"shellexec": {"default-cwd": "artifacts-dir"}}});
    let shellexec = stampede_config::shellexec_spec(effective.as_object().unwrap()).unwrap();
    let reporting =
        stampede_config::Reporting::from_config(&effective, &dir.path().join("art"), None).unwrap();
    let plan = Plan {
        effective,
        executions: vec![ExecutionPlan {
            index: 0,
            executor: "jmeter".into(),
            load: LoadSpec {
                concurrency: 4,
                ramp_up: None,
                hold_for: Some(Duration::from_secs(30)),
                iterations: None,
                throughput: None,
                steps: None,
            },
            scenario_name: "s".into(),
            scenario: json!({}),
            base_dir: dir.path().to_path_buf(),
            delay: None,
            data_file: None,
            errors_file: None,
            raw: json!({}),
        }],
        artifacts_dir: dir.path().join("art"),
        config_files: vec![],
        warnings: vec![],
        merged: json!({}),
        env: Default::default(),
        sequential: false,
        search_path: Vec::new(),
        shellexec,
        reporting,
        consolidator: Default::default(),
    };
    let done = Arc::new(AtomicBool::new(false));
    let d2 = done.clone();
    let parts = Parts {
        compile: move |_: &Plan, _: &ExecutionPlan| {
            Ok(SimpleScript::new(vec![SimpleRequest::get(&url)]))
        },
        reporters: move |_: &Plan| Ok(vec![Box::new(Finished(d2)) as Box<dyn Reporter>]),
    };
    let opts = RunOptions {
        progress: Progress::Lines,
        quiet: true,
        verbose: false,
        line_prefix: None,
    };
    let pid = std::process::id();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        let _ = tokio::process::Command::new("kill")
            .args(["-TERM", &pid.to_string()])
            .status()
            .await;
    });
    let t0 = Instant::now();
    let outcome = run_with(plan, opts, parts).await;
    assert_eq!(outcome, Outcome::Interrupted);
    assert!(
        t0.elapsed() < Duration::from_millis(1500),
        "{:?}",
        t0.elapsed()
    );
    assert!(
        done.load(Ordering::Relaxed),
        "reporters finish after a signal"
    );
    assert!(srv.requests() > 10);
    let code = std::fs::read_to_string(dir.path().join("art/code.txt")).unwrap();
    assert_eq!(code, "2\n");
    // Taurus's console: the graceful-shutdown warning once, then after shutdown the reason.
    let log = std::fs::read_to_string(dir.path().join("art/bzt.log")).unwrap();
    let tail: Vec<&str> = log
        .lines()
        .filter_map(|l| l.split_once("] "))
        .filter(|(head, _)| head.ends_with(" WARNING Engine"))
        .map(|(_, msg)| msg)
        .collect();
    assert_eq!(
        tail,
        [
            "Please wait for graceful shutdown...",
            "Interrupted by user",
            "Done performing with code: 2"
        ],
        "{log}"
    );
}
