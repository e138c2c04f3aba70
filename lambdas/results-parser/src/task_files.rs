//! A run's results files: one XML (and its histogram sidecar) fetched and parsed per task, and the
//! aggregate of several, shared by both trigger modes.

use parser::dlt::{self, DltError, Era, TaskResult};
use parser::sidecar::{self, Sidecar};
use serde_json::Value;

use crate::error::HandlerError;
use crate::store::Store;

/// One results file, parsed, with its sidecar when there is a valid one.
pub(crate) struct Parsed {
    pub task: TaskResult,
    pub sidecar: Option<(String, Sidecar)>,
}

/// Fetches and parses `key`, and its `.hist.json` sidecar if present. An unreadable sidecar is
/// logged and left out (the DLT numbers do not depend on it; only `exact` is then omitted).
pub(crate) async fn fetch_task(
    store: &impl Store,
    bucket: &str,
    key: &str,
    era: Era,
) -> Result<Parsed, HandlerError> {
    let body = store
        .get_object(bucket, key)
        .await?
        .ok_or_else(|| HandlerError::MissingObject {
            bucket: bucket.into(),
            key: key.into(),
        })?;
    let text = String::from_utf8(body).map_err(|_| HandlerError::NotUtf8 { key: key.into() })?;
    let fs = parser::read::from_str(&text).map_err(|source| HandlerError::Xml {
        key: key.into(),
        source,
    })?;
    let task = dlt::task_result(&fs, era).map_err(|source| HandlerError::Dlt {
        key: key.into(),
        source,
    })?;
    let sidecar = fetch_sidecar(store, bucket, &sidecar::key_for_xml(key)).await?;
    Ok(Parsed { task, sidecar })
}

/// The sidecar's text and content, `None` when absent or unreadable (logged).
async fn fetch_sidecar(
    store: &impl Store,
    bucket: &str,
    key: &str,
) -> Result<Option<(String, Sidecar)>, HandlerError> {
    let Some(bytes) = store.get_object(bucket, key).await? else {
        return Ok(None);
    };
    let Ok(text) = String::from_utf8(bytes) else {
        tracing::warn!(key, "ignoring histogram sidecar: not UTF-8");
        return Ok(None);
    };
    match sidecar::from_str(&text) {
        Ok(sc) => Ok(Some((text, sc))),
        Err(e) => {
            tracing::warn!(key, error = %e, "ignoring unreadable histogram sidecar");
            Ok(None)
        }
    }
}

/// The aggregate of `tasks`, with `exact` attributes when every task had a sidecar.
pub(crate) fn aggregate(
    tasks: &[&TaskResult],
    sidecars: &[Option<&Sidecar>],
    era: Era,
) -> Result<serde_json::Map<String, Value>, DltError> {
    let mut results = dlt::final_results(tasks, era)?;
    if !sidecars.is_empty() && sidecars.iter().all(Option::is_some) {
        let merged = sidecar::merge(sidecars.iter().flatten().copied());
        dlt::attach_exact(&mut results, &merged);
    }
    Ok(results)
}
