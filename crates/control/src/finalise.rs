//! Run finalisation: every task's results XML → DLT's `results` (`{<region>: R, total: R}`), with
//! the parser crate's exact merge of the histogram sidecars attached as `exact` when every task
//! that reported has one. A task whose file is missing or unreadable is a lost task: it is counted
//! (see [`crate::validity`]) and the run still completes from the others.

use parser::dlt::{self, Era, TaskResult};
use parser::sidecar::{self, Sidecar};
use serde_json::{Map, Value};

use crate::blobs::results_key;
use crate::launcher::task_id;
use crate::ports::{BlobError, Blobs, LaunchSpec};

/// What one task left behind.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskOutcome {
    pub task: u32,
    pub region: String,
    /// Why the task has no usable results (`None`: it has).
    pub problem: Option<String>,
    /// The overall group's `concurrency` and `throughput` (request count), when it has results.
    pub concurrency: Option<f64>,
    pub requests: Option<f64>,
}

/// A finished run's numbers.
#[derive(Debug)]
pub struct Finalised {
    /// `{<region>: R, total: R}`; `None` when no task produced a file.
    pub results: Option<Value>,
    /// `{<region>: n}`: tasks whose results were used.
    pub complete_tasks: Value,
    pub succ_percent: Option<String>,
    /// The merged sidecar (`parser::sidecar` format), for comparisons; `None` without sidecars.
    pub histograms: Option<String>,
    pub tasks: Vec<TaskOutcome>,
}

struct Loaded {
    region: String,
    result: TaskResult,
    sidecar: Option<Sidecar>,
}

/// Reads the results of every task of `specs` (one spec per region) and aggregates them.
pub fn finalise(blobs: &dyn Blobs, specs: &[LaunchSpec]) -> Result<Finalised, BlobError> {
    let mut loaded = Vec::new();
    let mut tasks = Vec::new();
    for spec in specs {
        for index in spec.first_task..spec.first_task + spec.task_count {
            let key = results_key(&spec.results_prefix, &task_id(index), &spec.region);
            let mut outcome = TaskOutcome {
                task: index,
                region: spec.region.clone(),
                problem: None,
                concurrency: None,
                requests: None,
            };
            match load(blobs, &key)? {
                Ok((result, sidecar)) => {
                    outcome.concurrency = Some(result.stats.concurrency);
                    outcome.requests = Some(result.stats.throughput);
                    loaded.push(Loaded {
                        region: spec.region.clone(),
                        result,
                        sidecar,
                    });
                }
                Err(problem) => outcome.problem = Some(problem),
            }
            tasks.push(outcome);
        }
    }
    let mut out = Finalised {
        results: None,
        complete_tasks: Value::Object(Map::new()),
        succ_percent: None,
        histograms: None,
        tasks,
    };
    if loaded.is_empty() {
        return Ok(out);
    }
    let mut results = Map::new();
    let mut complete = Map::new();
    for spec in specs {
        let mine: Vec<&Loaded> = loaded.iter().filter(|l| l.region == spec.region).collect();
        complete.insert(spec.region.clone(), Value::from(mine.len()));
        if let Some((r, _)) = aggregate(&mine) {
            results.insert(spec.region.clone(), Value::Object(r));
        }
    }
    let all: Vec<&Loaded> = loaded.iter().collect();
    let (total, merged) = aggregate(&all).expect("at least one task loaded");
    out.succ_percent = dlt::succ_percent(&total);
    out.histograms = merged.as_ref().map(sidecar_text);
    results.insert("total".into(), Value::Object(total));
    out.results = Some(Value::Object(results));
    out.complete_tasks = Value::Object(complete);
    Ok(out)
}

/// The task's parsed XML and sidecar, or why it has none. A blob back-end failure is an `Err`.
fn load(
    blobs: &dyn Blobs,
    key: &str,
) -> Result<Result<(TaskResult, Option<Sidecar>), String>, BlobError> {
    let Some(bytes) = blobs.get(key)? else {
        return Ok(Err(format!("no results file {key}")));
    };
    let parsed = String::from_utf8(bytes)
        .map_err(|_| format!("{key} is not UTF-8"))
        .and_then(|text| parser::read::from_str(&text).map_err(|e| format!("{key}: {e}")))
        .and_then(|fs| dlt::task_result(&fs, Era::V4).map_err(|e| format!("{key}: {e}")));
    let result = match parsed {
        Ok(r) => r,
        Err(problem) => return Ok(Err(problem)),
    };
    // An unreadable sidecar only costs the exact numbers, as in the results-parser Lambda.
    let sidecar = blobs
        .get(&sidecar::key_for_xml(key))?
        .and_then(|b| String::from_utf8(b).ok())
        .and_then(|t| sidecar::from_str(&t).ok());
    Ok(Ok((result, sidecar)))
}

/// DLT's aggregate of `tasks`, plus `exact` and the merged sidecar when all of them have one.
fn aggregate(tasks: &[&Loaded]) -> Option<(Map<String, Value>, Option<Sidecar>)> {
    let results: Vec<&TaskResult> = tasks.iter().map(|l| &l.result).collect();
    let mut out = dlt::final_results(&results, Era::V4).ok()?;
    let merged = if tasks.iter().all(|l| l.sidecar.is_some()) {
        Some(sidecar::merge(
            tasks.iter().filter_map(|l| l.sidecar.as_ref()),
        ))
    } else {
        None
    };
    if let Some(m) = &merged {
        dlt::attach_exact(&mut out, m);
    }
    Some((out, merged))
}

fn sidecar_text(s: &Sidecar) -> String {
    sidecar::to_string(
        s.labels
            .iter()
            .map(|l| (l.label.as_str(), &l.kpi, l.concurrency)),
    )
    .expect("a merged sidecar has unique labels")
}

/// The run's results as one Taurus results status, merged exactly (`parser::merge`) from every
/// task that left a results XML and the run's merged histograms (stored when it was finalised).
/// `Ok(Ok(None))` when no task left results; `Ok(Err(why))` when the run has no histograms (a
/// task wrote no sidecar), so the merge could not be exact.
pub fn merged_status(
    blobs: &dyn Blobs,
    results_prefix: &str,
    tasks: &[(u32, String)],
    histograms: Option<&Sidecar>,
) -> Result<Result<Option<parser::FinalStatus>, String>, BlobError> {
    let mut statuses = Vec::new();
    for (index, region) in tasks {
        let key = results_key(results_prefix, &task_id(*index), region);
        // A lost task: the merge is of the tasks that reported, as the run's numbers are.
        if let Some(status) = blobs
            .get(&key)?
            .and_then(|b| String::from_utf8(b).ok())
            .and_then(|t| parser::read::from_str(&t).ok())
        {
            statuses.push(status);
        }
    }
    if statuses.is_empty() {
        return Ok(Ok(None));
    }
    let Some(histograms) = histograms else {
        return Ok(Err(
            "a task left no histogram sidecar, so its results cannot be merged exactly".into(),
        ));
    };
    let refs: Vec<&parser::FinalStatus> = statuses.iter().collect();
    Ok(parser::merge::merge(&refs, histograms)
        .map(Some)
        .map_err(|e| e.to_string()))
}
