//! DLT v1.0's architecture: every task's `results/<testId>/<uuid>.xml` upload fires an S3 event; each
//! invocation indexes its file into the Results table, appends the task to the Scenarios item's
//! `taskIds`, and the invocation that completes the set finalises the test.
//!
//! Safe under S3's at-least-once delivery and concurrent finishes, where DLT v1.0 was not:
//! * the Results item is a plain put keyed by `uuid` (a duplicate writes the same item);
//! * `taskIds` grows only if it does not contain the uuid yet (conditional update), so a duplicate
//!   event neither counts twice nor triggers a second finalisation by itself;
//! * finalisation is conditional on `status <> complete`, so of two invocations that both see the
//!   last task, exactly one writes the results and the history entry;
//! * a cancelled run (`cancelled`/`cancelling`: stopped tasks upload partial results on SIGTERM)
//!   is finalised with those results but stays `cancelled`; as its status does not change, the
//!   once-only guard is `finalisedRun`, set to the run's `testRunId` (or `startTime`) by the
//!   finalisation and required to differ before it;
//! * the Results item is written before `taskIds` grows, so the finaliser sees every task.
//!
//! Unlike DLT v1.0 the finaliser only aggregates the Results items of this run's `taskIds` (v1.0
//! scanned every item ever written for the testId, mixing in earlier runs).

use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::error::HandlerError;
use crate::event::S3Event;
use crate::history;
use crate::scenario::{mark_failed, short_id};
use crate::store::{Cond, Item, Store, StoreError, Table, Update, key};
use crate::task_files::{Parsed, aggregate, fetch_task};
use parser::dlt::{self, TaskResult};
use parser::sidecar::{self, Sidecar};

/// Handles every record (DLT took only `Records[0]`). Permanent per-file problems mark the test
/// failed and are reported in the returned JSON, so Lambda's async retries do not replay them;
/// transient store errors are returned as `Err` so Lambda does retry.
pub async fn handle(
    event: &S3Event,
    store: &impl Store,
    cfg: &Config,
) -> Result<Value, HandlerError> {
    let mut outcomes = Vec::with_capacity(event.records.len());
    for record in &event.records {
        let key = record.key();
        let outcome = match record_outcome(store, cfg, record.bucket(), &key).await {
            Ok(v) => v,
            Err(e) if e.is_transient() => return Err(e),
            Err(e) => {
                tracing::error!(key, error = %e, kind = e.kind(), "results file failed");
                json!({"key": key, "status": "error", "errorType": e.kind(), "errorMessage": e.to_string()})
            }
        };
        outcomes.push(outcome);
    }
    Ok(json!({ "records": outcomes }))
}

async fn record_outcome(
    store: &impl Store,
    cfg: &Config,
    bucket: &str,
    key: &str,
) -> Result<Value, HandlerError> {
    if !key.ends_with(".xml") {
        return Ok(json!({"key": key, "status": "ignored", "reason": "not a results .xml file"}));
    }
    let (test_id, uuid) = dlt::v1_key_parts(key).map_err(|source| HandlerError::BadKey {
        key: key.into(),
        source,
    })?;
    let parsed = match fetch_task(store, bucket, key, cfg.s3_era).await {
        Ok(p) => p,
        Err(e) if e.is_transient() => return Err(e),
        Err(e) => {
            mark_failed(store, test_id, &e, cfg).await?;
            return Err(e);
        }
    };
    store
        .put_item(Table::Results, results_item(test_id, uuid, &parsed, cfg))
        .await?;
    let scenario = append_task(store, test_id, uuid).await?;
    let reported = scenario
        .get("taskIds")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let expected = task_count(&scenario);
    let status = scenario
        .get("status")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let base = json!({"key": key, "testId": test_id, "uuid": uuid, "reported": reported, "expected": expected});
    let with = |s: &str| {
        let mut v = base.clone();
        v["status"] = json!(s);
        v
    };
    if status == "complete" {
        return Ok(with("complete"));
    }
    if is_cancelled(&scenario) && already_finalised(&scenario) {
        return Ok(with("cancelled"));
    }
    if expected.is_none_or(|n| reported < n) {
        tracing::info!(test_id, reported, ?expected, "tasks still running");
        return Ok(with("running"));
    }
    let settled = if is_cancelled(&scenario) {
        "cancelled"
    } else {
        "complete"
    };
    match finalise(store, cfg, test_id, scenario).await {
        Ok(true) => Ok(with("finalised")),
        Ok(false) => Ok(with(settled)),
        Err(e) if e.is_transient() => Err(e),
        Err(e) => {
            mark_failed(store, test_id, &e, cfg).await?;
            Err(e)
        }
    }
}

/// The v1.0 Results item, with `ttlDel` as epoch seconds so DynamoDB TTL really expires it (DLT wrote
/// a date string, which TTL ignores). `hist` holds the sidecar text for the finaliser.
fn results_item(test_id: &str, uuid: &str, parsed: &Parsed, cfg: &Config) -> Item {
    let task = parsed.task.to_json(cfg.s3_era);
    let mut item = Map::new();
    item.insert("uuid".into(), json!(uuid));
    item.insert("testId".into(), json!(test_id));
    item.insert("testDuration".into(), task["duration"].clone());
    item.insert("results".into(), task["stats"].clone());
    let list = task
        .get("endPoints")
        .or_else(|| task.get("labels"))
        .cloned()
        .unwrap_or(json!([]));
    item.insert("endPoints".into(), list);
    let ttl = (cfg.now)().timestamp() + cfg.ttl_days * 86_400;
    item.insert("ttlDel".into(), json!(ttl));
    if let Some((text, _)) = &parsed.sidecar {
        item.insert("hist".into(), json!(text));
    }
    item
}

/// Adds `uuid` to `taskIds` once; returns the Scenarios item as it now stands.
async fn append_task(store: &impl Store, test_id: &str, uuid: &str) -> Result<Item, HandlerError> {
    let update = Update {
        set: Map::new(),
        append: Some(("taskIds".into(), vec![json!(uuid)])),
        cond: Cond::ExistsAndNotContains {
            list: "taskIds".into(),
            value: json!(uuid),
        },
    };
    if let Some(item) = store
        .update_item(Table::Scenarios, key("testId", test_id), update)
        .await?
    {
        return Ok(item);
    }
    // Duplicate event (uuid already listed) or no such scenario.
    store
        .get_item(Table::Scenarios, key("testId", test_id))
        .await?
        .ok_or_else(|| HandlerError::NoScenario(test_id.into()))
}

/// `taskCount` as the API stored it: a number, or a numeric string.
fn task_count(scenario: &Item) -> Option<usize> {
    match scenario.get("taskCount")? {
        Value::Number(n) => n.as_u64().map(|n| n as usize),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// Statuses a cancel leaves on the item; a run cancelled while its tasks uploaded partial results
/// is finalised with those results but stays `cancelled`.
const CANCELLED: [&str; 2] = ["cancelled", "cancelling"];

/// The attribute a finalisation sets to [`run_marker`], so a cancelled run (whose status does not
/// change to `complete`) is still finalised once only.
const FINALISED_RUN: &str = "finalisedRun";

fn is_cancelled(scenario: &Item) -> bool {
    scenario
        .get("status")
        .and_then(Value::as_str)
        .is_some_and(|s| CANCELLED.contains(&s))
}

/// Which run the item is in: `testRunId` (Stampede's API sets it per run), else `startTime` (DLT
/// v1.0 sets it per run), else empty.
fn run_marker(scenario: &Item) -> Value {
    ["testRunId", "startTime"]
        .iter()
        .find_map(|k| scenario.get(*k).filter(|v| v.is_string()).cloned())
        .unwrap_or(json!(""))
}

fn already_finalised(scenario: &Item) -> bool {
    scenario.get(FINALISED_RUN) == Some(&run_marker(scenario))
}

/// Aggregates this run's Results items and completes the test (or, when it was cancelled, keeps it
/// `cancelled` with the partial results); `Ok(false)` if another invocation did.
async fn finalise(
    store: &impl Store,
    cfg: &Config,
    test_id: &str,
    scenario: Item,
) -> Result<bool, HandlerError> {
    let results = run_results(store, cfg, test_id, &scenario).await?;
    if write_outcome(store, cfg, test_id, &scenario, results.clone()).await? {
        return Ok(true);
    }
    if is_cancelled(&scenario) {
        return Ok(false);
    }
    // A cancel that landed between the read and the write: finalise as cancelled instead.
    match store
        .get_item(Table::Scenarios, key("testId", test_id))
        .await?
    {
        Some(now) if is_cancelled(&now) => write_outcome(store, cfg, test_id, &now, results).await,
        _ => Ok(false),
    }
}

/// The aggregate of the Results items of this run's `taskIds`.
async fn run_results(
    store: &impl Store,
    cfg: &Config,
    test_id: &str,
    scenario: &Item,
) -> Result<Map<String, Value>, HandlerError> {
    let ids: Vec<&str> = scenario["taskIds"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let items = store.scan_eq(Table::Results, "testId", test_id).await?;
    let mine: Vec<&Item> = items
        .iter()
        .filter(|i| {
            i.get("uuid")
                .and_then(Value::as_str)
                .is_some_and(|u| ids.contains(&u))
        })
        .collect();
    if mine.len() < ids.len() {
        return Err(HandlerError::MissingTasks {
            test_id: test_id.into(),
            expected: ids.len(),
            found: mine.len(),
        });
    }
    let stored = |source| HandlerError::Stored {
        test_id: test_id.into(),
        source,
    };
    let tasks: Vec<TaskResult> = mine
        .iter()
        .map(|i| TaskResult::from_json(&Value::Object((*i).clone())))
        .collect::<Result<_, _>>()
        .map_err(stored)?;
    let sidecars: Vec<Option<Sidecar>> = mine
        .iter()
        .map(|i| {
            i.get("hist")
                .and_then(Value::as_str)
                .and_then(|t| sidecar::from_str(t).ok())
        })
        .collect();
    let refs: Vec<&TaskResult> = tasks.iter().collect();
    let sc_refs: Vec<Option<&Sidecar>> = sidecars.iter().map(Option::as_ref).collect();
    aggregate(&refs, &sc_refs, cfg.s3_era).map_err(|source| HandlerError::Dlt {
        key: format!("results/{test_id}"),
        source,
    })
}

/// Writes `results`, the history entry, the end time and the final status, once per run:
/// `complete` unless the run is finalised already or was cancelled; `cancelled` if it was cancelled
/// and this run is not finalised yet. `Ok(false)` when the condition failed.
async fn write_outcome(
    store: &impl Store,
    cfg: &Config,
    test_id: &str,
    scenario: &Item,
    results: Map<String, Value>,
) -> Result<bool, HandlerError> {
    let cancelled = is_cancelled(scenario);
    let status = if cancelled { "cancelled" } else { "complete" };
    let end_time = cfg.timestamp();
    let mut entry = json!({"id": short_id(), "endTime": end_time, "results": results});
    if let Some(start) = scenario.get("startTime") {
        entry["startTime"] = start.clone();
    }
    let mut history: Vec<Value> = scenario
        .get("history")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    history.push(entry);
    let mut rest = scenario.clone();
    rest.remove("history");
    rest.insert("results".into(), Value::Object(results.clone()));
    rest.insert("endTime".into(), json!(end_time));
    rest.insert("status".into(), json!(status));
    rest.insert(FINALISED_RUN.into(), run_marker(scenario));
    let fitted = history::fit(&rest, history, true, cfg.item_budget).ok_or(HandlerError::Store(
        StoreError::ItemTooLarge {
            op: "UpdateItem",
            table: "scenarios".into(),
        },
    ))?;
    if fitted.dropped > 0 {
        tracing::warn!(
            test_id,
            dropped = fitted.dropped,
            "history trimmed: oldest entries dropped to stay under 400 KB"
        );
    }
    // `history` first: it is the attribute that shrinks, and moto applies SET actions in order
    // (real DynamoDB only checks the final size).
    let mut set = Map::new();
    set.insert("history".into(), Value::Array(fitted.history));
    set.insert("results".into(), Value::Object(results));
    set.insert("endTime".into(), json!(end_time));
    set.insert("status".into(), json!(status));
    set.insert(FINALISED_RUN.into(), run_marker(scenario));
    let cond = if cancelled {
        Cond::StatusInOnce {
            statuses: CANCELLED.map(String::from).to_vec(),
            marker: FINALISED_RUN.into(),
            value: run_marker(scenario),
        }
    } else {
        let mut not = CANCELLED.map(String::from).to_vec();
        not.push("complete".into());
        Cond::StatusNotIn(not)
    };
    let update = Update {
        set,
        append: None,
        cond,
    };
    Ok(store
        .update_item(Table::Scenarios, key("testId", test_id), update)
        .await?
        .is_some())
}
