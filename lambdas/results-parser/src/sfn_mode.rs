//! DLT v1.1+ through v4: Step Functions calls "Parse result" once, after every task stopped, with the
//! test's state. The handler lists `results/<testId>/<prefix>…`, aggregates, and writes the
//! attributes of the era the event comes from:
//!
//! | event | era | writes |
//! |---|---|---|
//! | `testTaskConfig` + `testRunId` | v4 | Scenarios `results` (regions + `total`), `completeTasks`; History `{testId,testRunId}` `results`, `completeTasks`, `succPercent` |
//! | `testTaskConfig`, no `testRunId` | v3 | Scenarios `results`, `endTime`, `status=complete`, `completeTasks`; History item (new `testRunId`) |
//! | `scenario.testId` or no `testTaskConfig` | v1.1–v2 | Scenarios `results` (flat), `endTime`, `status`, `completeTasks`, `history` (newest first, trimmed to fit 400 KB) |
//!
//! Errors mark the run `failed` with DLT's `errorReason` and are returned, so the state machine's
//! Catch routes them (as DLT rethrows).

use serde_json::{Map, Value, json};

use crate::config::Config;
use crate::error::HandlerError;
use crate::event::SfnEvent;
use crate::history;
use crate::scenario::{mark_failed, short_id};
use crate::store::{Cond, Item, Store, StoreError, Table, Update, key};
use crate::task_files::{Parsed, aggregate, fetch_task};
use parser::dlt::{self, Era, TaskResult};

pub async fn handle(
    ev: &SfnEvent,
    store: &impl Store,
    cfg: &Config,
) -> Result<Value, HandlerError> {
    let bucket = cfg.bucket.as_deref().ok_or(HandlerError::NoBucket)?;
    let mut scenario = None;
    if ev.test_run_id.is_none() {
        // v1.2–v3 skip runs that were cancelled or already failed; v4 parses whatever exists.
        let item = store
            .get_item(Table::Scenarios, key("testId", &ev.test_id))
            .await?;
        let status = item
            .as_ref()
            .and_then(|i| i.get("status"))
            .and_then(Value::as_str)
            .unwrap_or_default();
        if ["cancelled", "cancelling", "failed"].contains(&status) {
            return Ok(json!({"testId": ev.test_id, "skipped": status}));
        }
        scenario = item;
    }
    match run(ev, bucket, store, cfg, scenario.unwrap_or_default()).await {
        Ok(v) => Ok(v),
        Err(e) if e.is_transient() => Err(e),
        Err(e) => {
            // v4 leaves the status to its cleanup step when there are no files; earlier eras fail.
            if !(ev.test_run_id.is_some() && matches!(e, HandlerError::NoResults { .. })) {
                mark_failed(store, &ev.test_id, &e, cfg).await?;
            }
            Err(e)
        }
    }
}

async fn run(
    ev: &SfnEvent,
    bucket: &str,
    store: &impl Store,
    cfg: &Config,
    scenario: Item,
) -> Result<Value, HandlerError> {
    let prefix = format!("results/{}/{}", ev.test_id, ev.prefix);
    let keys: Vec<String> = store
        .list_keys(bucket, &prefix)
        .await?
        .into_iter()
        .filter(|k| !k.contains("/completion/"))
        .collect();
    let no_results = || HandlerError::NoResults {
        bucket: bucket.into(),
        prefix: prefix.clone(),
    };
    let Some(regions) = &ev.regions else {
        let xml: Vec<&str> = keys
            .iter()
            .map(String::as_str)
            .filter(|k| k.ends_with(".xml"))
            .collect();
        let parsed = fetch_all(store, bucket, &xml).await?;
        if parsed.is_empty() {
            return Err(no_results());
        }
        return write_legacy(ev, store, cfg, scenario, &parsed).await;
    };
    let mut by_region: Vec<(&str, Vec<&str>)> =
        regions.iter().map(|r| (r.as_str(), Vec::new())).collect();
    for k in &keys {
        let region = dlt::region_of_key(k).map_err(|source| HandlerError::BadKey {
            key: k.clone(),
            source,
        })?;
        if let Some(slot) = region.and_then(|r| by_region.iter_mut().find(|(name, _)| *name == r)) {
            slot.1.push(k);
        }
    }
    let mut results = Map::new();
    let mut complete = Map::new();
    let mut all = Vec::new();
    for (region, region_keys) in by_region {
        let parsed = fetch_all(store, bucket, &region_keys).await?;
        complete.insert(region.into(), json!(parsed.len()));
        if !parsed.is_empty() {
            results.insert(
                region.into(),
                Value::Object(aggregate_parsed(&parsed, region)?),
            );
        }
        all.extend(parsed);
    }
    if all.is_empty() {
        return Err(no_results());
    }
    results.insert(
        "total".into(),
        Value::Object(aggregate_parsed(&all, "total")?),
    );
    write_regional(ev, store, cfg, scenario, results, complete).await
}

async fn fetch_all(
    store: &impl Store,
    bucket: &str,
    keys: &[&str],
) -> Result<Vec<Parsed>, HandlerError> {
    use futures_util::{StreamExt, TryStreamExt, stream};
    // DLT fetches every object at once; 16 in flight keeps memory and the connection pool bounded.
    // `buffered` keeps key order, so the aggregate's first-seen orders do not depend on timing.
    stream::iter(keys.iter().map(|k| fetch_task(store, bucket, k, Era::V4)))
        .buffered(16)
        .try_collect()
        .await
}

fn aggregate_parsed(parsed: &[Parsed], what: &str) -> Result<Map<String, Value>, HandlerError> {
    let tasks: Vec<&TaskResult> = parsed.iter().map(|p| &p.task).collect();
    let sidecars: Vec<_> = parsed
        .iter()
        .map(|p| p.sidecar.as_ref().map(|(_, s)| s))
        .collect();
    aggregate(&tasks, &sidecars, Era::V4).map_err(|source| HandlerError::Dlt {
        key: what.into(),
        source,
    })
}

async fn set(
    store: &impl Store,
    table: Table,
    key: Item,
    set: Map<String, Value>,
    cond: Cond,
) -> Result<(), HandlerError> {
    let update = Update {
        set,
        append: None,
        cond,
    };
    match store.update_item(table, key.clone(), update).await? {
        Some(_) => Ok(()),
        None => Err(HandlerError::NoScenario(
            key.values()
                .next()
                .and_then(Value::as_str)
                .unwrap_or_default()
                .into(),
        )),
    }
}

async fn write_regional(
    ev: &SfnEvent,
    store: &impl Store,
    cfg: &Config,
    scenario: Item,
    results: Map<String, Value>,
    complete: Map<String, Value>,
) -> Result<Value, HandlerError> {
    let succ_percent = results
        .get("total")
        .and_then(Value::as_object)
        .and_then(dlt::succ_percent);
    let mut s = Map::new();
    s.insert("results".into(), Value::Object(results.clone()));
    s.insert("completeTasks".into(), Value::Object(complete.clone()));
    let end_time = cfg.timestamp();
    if let Some(run_id) = &ev.test_run_id {
        set(
            store,
            Table::Scenarios,
            key("testId", &ev.test_id),
            s,
            Cond::Exists,
        )
        .await?;
        if let Some(sp) = &succ_percent {
            let mut h = Map::new();
            h.insert("results".into(), Value::Object(results));
            h.insert("completeTasks".into(), Value::Object(complete));
            h.insert("succPercent".into(), json!(sp));
            let mut k = key("testId", &ev.test_id);
            k.insert("testRunId".into(), json!(run_id));
            set(store, Table::History, k, h, Cond::None).await?;
        }
        return Ok(json!({"testId": ev.test_id, "testRunId": run_id, "succPercent": succ_percent}));
    }
    s.insert("endTime".into(), json!(end_time));
    s.insert("status".into(), json!("complete"));
    set(
        store,
        Table::Scenarios,
        key("testId", &ev.test_id),
        s,
        Cond::Exists,
    )
    .await?;
    let run_id = short_id();
    let mut h = Map::new();
    h.insert("testId".into(), json!(ev.test_id));
    h.insert("testRunId".into(), json!(run_id));
    copy(&scenario, &mut h, &["startTime"]);
    h.insert("endTime".into(), json!(end_time));
    h.insert("results".into(), Value::Object(results));
    h.insert("status".into(), json!("complete"));
    h.insert(
        "succPercent".into(),
        succ_percent.clone().map_or(json!(0), Value::from),
    );
    copy(&scenario, &mut h, &["testTaskConfigs"]);
    h.insert("testScenario".into(), parsed_scenario(&scenario));
    copy(&scenario, &mut h, &["testDescription", "testType"]);
    h.insert("completeTasks".into(), Value::Object(complete));
    match store.put_item(Table::History, h).await {
        Ok(()) | Err(StoreError::NoTable(Table::History)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(json!({"testId": ev.test_id, "testRunId": run_id, "succPercent": succ_percent}))
}

/// v1.1–v2: one flat `results`, and the run appended to the item's own `history`, newest first.
async fn write_legacy(
    ev: &SfnEvent,
    store: &impl Store,
    cfg: &Config,
    scenario: Item,
    parsed: &[Parsed],
) -> Result<Value, HandlerError> {
    let results = aggregate_parsed(parsed, "total")?;
    let end_time = cfg.timestamp();
    let succ_percent = dlt::succ_percent(&results);
    let mut entry = Map::new();
    entry.insert("id".into(), json!(short_id()));
    copy(&scenario, &mut entry, &["startTime"]);
    entry.insert("endTime".into(), json!(end_time));
    entry.insert("results".into(), Value::Object(results.clone()));
    entry.insert("status".into(), json!("complete"));
    entry.insert(
        "succPercent".into(),
        succ_percent.clone().map_or(json!(0), Value::from),
    );
    copy(&scenario, &mut entry, &["taskCount"]);
    entry.insert("testScenario".into(), parsed_scenario(&scenario));
    copy(&scenario, &mut entry, &["testDescription", "testType"]);
    let mut history = vec![Value::Object(entry)];
    history.extend(
        scenario
            .get("history")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default(),
    );
    let mut s = Map::new();
    s.insert("results".into(), Value::Object(results));
    s.insert("endTime".into(), json!(end_time));
    s.insert("status".into(), json!("complete"));
    s.insert("completeTasks".into(), json!(parsed.len()));
    let mut rest = scenario.clone();
    rest.remove("history");
    rest.extend(s.clone());
    let fitted = history::fit(&rest, history, false, cfg.item_budget).ok_or(
        HandlerError::Store(StoreError::ItemTooLarge {
            op: "UpdateItem",
            table: "scenarios".into(),
        }),
    )?;
    if fitted.dropped > 0 {
        tracing::warn!(
            test_id = %ev.test_id,
            dropped = fitted.dropped,
            "history trimmed: oldest entries dropped to stay under 400 KB"
        );
    }
    // `history` first: it is the attribute that shrinks (moto applies SET actions in order).
    let mut s2 = Map::new();
    s2.insert("history".into(), Value::Array(fitted.history));
    s2.extend(s);
    let s = s2;
    set(
        store,
        Table::Scenarios,
        key("testId", &ev.test_id),
        s,
        Cond::Exists,
    )
    .await?;
    Ok(json!({"testId": ev.test_id, "succPercent": succ_percent, "historyDropped": fitted.dropped}))
}

fn copy(from: &Item, to: &mut Map<String, Value>, keys: &[&str]) {
    for k in keys {
        if let Some(v) = from.get(*k) {
            to.insert((*k).into(), v.clone());
        }
    }
}

/// `testScenario` is stored as a JSON string; the history keeps it parsed (a map), as DLT does.
fn parsed_scenario(scenario: &Item) -> Value {
    match scenario.get("testScenario") {
        Some(Value::String(s)) => {
            serde_json::from_str(s).unwrap_or_else(|_| Value::String(s.clone()))
        }
        Some(other) => other.clone(),
        None => Value::Null,
    }
}
