//! `stampede submit`: a CI's one command against a hub. It validates the config here (the same
//! loader and messages as `stampede validate`), creates the test on the hub with N tasks, follows
//! it to the end, prints Taurus's summary of the merged results and exits with Taurus's codes:
//! 0 passed, 3 a pass/fail criterion failed (judged on the merged data of all tasks once the run
//! has ended, see [`judge`]), 1 the run failed or could not be started, 2 interrupted (the run is
//! cancelled).

mod judge;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stampede_config::{self as config, LoadOptions};
use stampede_log::{ConsoleLog, Log};

use crate::hub_client::HubClient;
pub use judge::{judge, keep_task_criteria, merged_criteria};

/// How often the run's state is polled, and how often progress is printed.
const POLL: Duration = Duration::from_secs(1);
const PROGRESS_EVERY: Duration = Duration::from_secs(5);

#[derive(Debug, PartialEq)]
pub struct SubmitOptions {
    pub configs: Vec<PathBuf>,
    pub overrides: Vec<String>,
    pub hub: String,
    pub token: Option<String>,
    pub tasks: u32,
    pub name: Option<String>,
    /// Where to write the merged results XML, if anywhere.
    pub results: Option<PathBuf>,
}

/// Exit codes as Taurus's.
const OK: u8 = 0;
const ERROR: u8 = 1;
const INTERRUPTED: u8 = 2;
const FAILED: u8 = 3;

pub fn main(opts: SubmitOptions) -> u8 {
    let mut log = ConsoleLog::new(false, false, None);
    match submit(&opts, &mut log) {
        Ok(code) => code,
        Err(msg) => {
            log.error(&msg);
            ERROR
        }
    }
}

fn submit(opts: &SubmitOptions, log: &mut dyn Log) -> Result<u8, String> {
    let plan = config::load_with(&opts.configs, &LoadOptions::new(&opts.overrides))
        .map_err(|e| format!("Config Error: {e}"))?;
    let (problems, warnings) = crate::plan::validate_plan(&plan);
    for w in plan.warnings.iter().chain(&warnings) {
        log.warn(w);
    }
    if let Some(p) = problems.first() {
        return Err(format!("Config Error: {p}"));
    }
    let criteria = merged_criteria(&plan);
    let mut scenario = submitted_config(&plan, &opts.overrides)?;
    let per_task = keep_task_criteria(&mut scenario);
    if per_task > 0 {
        log.warn(&format!(
            "{per_task} pass/fail criteria judge response codes per second, which only the tasks \
             see: each task judges them on its own data (a task that fails one ends with code 3 \
             and fails the run); the others are judged on the merged data of all tasks"
        ));
    }
    let client = HubClient::new(&opts.hub, opts.token.clone()).map_err(|e| e.to_string())?;
    let name = opts.name.clone().unwrap_or_else(|| {
        opts.configs
            .iter()
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" + ")
    });
    let body = json!({
        "testName": name,
        "testDescription": "submitted by stampede submit",
        "testType": "simple",
        "testScenario": scenario,
        "taskCount": opts.tasks,
    });
    let (code, reply) = client
        .call("POST", "/api/scenarios", Some(&body))
        .map_err(|e| e.to_string())?;
    if code != 200 {
        return Err(format!(
            "the hub refused the test (HTTP {code}): {}",
            refusal(&reply)
        ));
    }
    let id = |k: &str| reply[k].as_str().map(str::to_string);
    let (Some(test_id), Some(run_id)) = (id("testId"), id("testRunId")) else {
        return Err(format!("the hub's reply has no testId/testRunId: {reply}"));
    };
    log.info(&format!(
        "Test {test_id} run {run_id} started on {} task(s): {}/#/test/{test_id}",
        opts.tasks,
        opts.hub.trim_end_matches('/')
    ));
    let Some(test) = follow(&client, &test_id, &run_id, log)? else {
        return Ok(INTERRUPTED);
    };
    finish(&client, &test, &test_id, &run_id, criteria, opts, log)
}

/// The config the hub gets: the user's files merged with `-o` applied as Taurus applies them (to
/// the base config plus the files, so list indexes match), without the base config's own reporting
/// entries, which the hub's loader adds again. `${VAR}`s stay for the tasks to expand.
fn submitted_config(plan: &config::Plan, overrides: &[String]) -> Result<Value, String> {
    let mut cfg = config::base_config();
    let base_reporting = cfg.get("reporting").cloned();
    let mut ignored = Vec::new();
    if let Value::Object(user) = plan.merged.clone() {
        config::merge(&mut cfg, user, &mut ignored);
    }
    for spec in overrides {
        config::apply_override(&mut cfg, spec).map_err(|e| format!("Config Error: {e}"))?;
    }
    if let (Some(Value::Array(base)), Some(Value::Array(list))) =
        (base_reporting, cfg.get_mut("reporting"))
        && list.starts_with(&base)
    {
        list.drain(..base.len());
    }
    without_base(&mut cfg, &config::base_config());
    Ok(Value::Object(cfg))
}

/// Removes what is still exactly the base config's (the hub's loader adds it again, and lists
/// would be doubled).
fn without_base(cfg: &mut serde_json::Map<String, Value>, base: &serde_json::Map<String, Value>) {
    for (key, b) in base {
        let remove = match (cfg.get_mut(key), b) {
            (Some(Value::Object(c)), Value::Object(b)) => {
                without_base(c, b);
                c.is_empty()
            }
            (Some(c), b) => c == b,
            (None, _) => false,
        };
        if remove {
            cfg.remove(key);
        }
    }
}

/// The hub's reasons, one per bad field.
fn refusal(reply: &Value) -> String {
    match reply.get("errors").and_then(Value::as_array) {
        Some(errors) => errors
            .iter()
            .map(|e| {
                format!(
                    "{}: {}",
                    e["field"].as_str().unwrap_or("?"),
                    e["message"].as_str().unwrap_or("")
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        None => reply
            .get("message")
            .and_then(Value::as_str)
            .map_or_else(|| reply.to_string(), str::to_string),
    }
}

/// Polls until the run settles, printing progress; `None` when interrupted (the run is cancelled).
fn follow(
    client: &HubClient,
    test_id: &str,
    run_id: &str,
    log: &mut dyn Log,
) -> Result<Option<Value>, String> {
    let interrupted = interrupt_flag();
    let began = Instant::now();
    let mut last_print = Instant::now();
    let mut cancelling = false;
    loop {
        if !cancelling && interrupted.load(std::sync::atomic::Ordering::Relaxed) {
            log.warn("Interrupted: cancelling the run on the hub (partial results are kept)");
            let _ = client.call("POST", &format!("/api/scenarios/{test_id}"), None);
            cancelling = true;
        }
        let (code, test) = client
            .call("GET", &format!("/api/scenarios/{test_id}"), None)
            .map_err(|e| e.to_string())?;
        if code != 200 {
            return Err(format!("the hub lost test {test_id} (HTTP {code}): {test}"));
        }
        let status = test["status"].as_str().unwrap_or("");
        if matches!(status, "complete" | "cancelled" | "failed") {
            return Ok((!cancelling).then_some(test));
        }
        if last_print.elapsed() >= PROGRESS_EVERY {
            last_print = Instant::now();
            log.info(&progress(client, test_id, run_id, status, began.elapsed()));
        }
        std::thread::sleep(POLL);
    }
}

/// The users and the newest merged second's numbers, all tasks together.
fn progress(
    client: &HubClient,
    test_id: &str,
    run_id: &str,
    status: &str,
    took: Duration,
) -> String {
    let path = format!("/api/scenarios/{test_id}/testruns/{run_id}/timeline");
    let last = client
        .call("GET", &path, None)
        .ok()
        .and_then(|(_, t)| t["seconds"].as_array().and_then(|s| s.last().cloned()));
    let elapsed = format!("{}s", took.as_secs());
    match last {
        Some(s) => format!(
            "{status} {elapsed}: {} users on {} task(s); last second: {} ok, {} failed, avg {:.1} ms, p95 {} ms",
            s["vu"],
            s["tasks"],
            s["succ"],
            s["fail"],
            s["avgRt"].as_f64().unwrap_or(0.0),
            s["p95"]
        ),
        None => format!("{status} {elapsed}: waiting for the tasks' first second"),
    }
}

fn finish(
    client: &HubClient,
    test: &Value,
    test_id: &str,
    run_id: &str,
    criteria: Vec<stampede_config::criteria::CriterionSpec>,
    opts: &SubmitOptions,
    log: &mut dyn Log,
) -> Result<u8, String> {
    let status = test["status"].as_str().unwrap_or("");
    if status != "complete" {
        let reason = test["errorReason"].as_str().unwrap_or("no reason given");
        return Err(format!("the run ended {status}: {reason}"));
    }
    let path = format!("/api/scenarios/{test_id}/testruns/{run_id}/results.xml");
    let (code, xml) = client.raw("GET", &path, None).map_err(|e| e.to_string())?;
    let xml = String::from_utf8_lossy(&xml).into_owned();
    if code != 200 {
        return Err(format!(
            "the hub has no merged results for the run (HTTP {code}): {xml}"
        ));
    }
    if let Some(p) = &opts.results {
        std::fs::write(p, &xml).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
        log.info(&format!("Merged results XML: {}", p.display()));
    }
    let (_, run) = client
        .call(
            "GET",
            &format!("/api/scenarios/{test_id}/testruns/{run_id}"),
            None,
        )
        .map_err(|e| e.to_string())?;
    for w in run["validity"]["warnings"].as_array().into_iter().flatten() {
        log.warn(w.as_str().unwrap_or_default());
    }
    let failed_tasks: Vec<String> = run["validity"]["tasks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|t| t["exitCode"] == FAILED)
        .map(|t| t["task"].to_string())
        .collect();
    let seconds = merged_seconds(client, test_id, run_id)?;
    let merged_failed = judge(&xml, &seconds, criteria, log)?;
    if !failed_tasks.is_empty() {
        log.warn(&format!(
            "task(s) {} failed a pass/fail criterion on their own data",
            failed_tasks.join(", ")
        ));
    }
    Ok(if merged_failed || !failed_tasks.is_empty() {
        log.info("Done performing with code: 3");
        FAILED
    } else {
        log.info("Done performing with code: 0");
        OK
    })
}

/// The run's merged seconds with every label's exact KPIs.
fn merged_seconds(
    client: &HubClient,
    test_id: &str,
    run_id: &str,
) -> Result<Vec<(i64, stampede_control::live::Second)>, String> {
    let path = format!("/api/scenarios/{test_id}/testruns/{run_id}/timeline?detail=labels");
    let (code, reply) = client.call("GET", &path, None).map_err(|e| e.to_string())?;
    if code != 200 {
        return Err(format!(
            "the hub has no timeline for the run (HTTP {code}): {reply}"
        ));
    }
    reply["seconds"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|row| {
            let second = row["second"]
                .as_i64()
                .ok_or("a timeline row has no second")?;
            let merged = stampede_control::live::Second::from_stored(&row["stored"].to_string())
                .map_err(|e| format!("the hub's timeline is unreadable: {e}"))?;
            Ok((second, merged))
        })
        .collect()
}

/// Set on SIGINT or SIGTERM, so the follow loop can cancel the run before exiting.
fn interrupt_flag() -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let set = flag.clone();
    let _ = std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                use tokio::signal::unix::{SignalKind, signal};
                let (Ok(mut int), Ok(mut term)) = (
                    signal(SignalKind::interrupt()),
                    signal(SignalKind::terminate()),
                ) else {
                    return;
                };
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
                set.store(true, std::sync::atomic::Ordering::Relaxed);
            });
        });
    flag
}
