//! The Lambda handler: one entry point for both DLT trigger styles, errors and outcomes as JSON.

use chrono::{DateTime, Utc};
use parser::dlt::{self, DltError, Era, TaskResult};
use parser::sidecar::{self, Sidecar, SidecarError};
use serde_json::{Value, json};

use crate::store::{Cond, Store, StoreError, Table, Update, key};

/// Settings read once in `main`; tests build their own.
#[derive(Clone, Debug)]
pub struct Config {
    /// `SCENARIOS_BUCKET`: where Step Functions mode lists results (S3 events name their bucket).
    pub bucket: Option<String>,
    /// The DLT parser the S3-event mode matches (`STAMPEDE_DLT_ERA`, default `v1` as in DLT v1.0).
    pub s3_era: Era,
    /// Days until a v1 Results item expires (its `ttlDel`, epoch seconds).
    pub ttl_days: i64,
    /// The clock; injected so tests are deterministic.
    pub now: fn() -> DateTime<Utc>,
    /// Size a Scenarios item may reach before old history entries are dropped (bytes).
    pub item_budget: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bucket: None,
            s3_era: Era::V1,
            ttl_days: 7,
            now: Utc::now,
            item_budget: crate::history::ITEM_BUDGET,
        }
    }
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        let s3_era = match std::env::var("STAMPEDE_DLT_ERA") {
            Ok(v) if !v.is_empty() => v.parse()?,
            _ => Era::V1,
        };
        let bucket = std::env::var("SCENARIOS_BUCKET")
            .ok()
            .filter(|b| !b.is_empty());
        Ok(Config {
            bucket,
            s3_era,
            ..Config::default()
        })
    }

    /// DLT's timestamp format, `YYYY-MM-DD HH:mm:ss` in UTC.
    pub fn timestamp(&self) -> String {
        (self.now)().format("%Y-%m-%d %H:%M:%S").to_string()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    #[error(
        "unrecognised event: {0} (expected an S3 ObjectCreated event or {{testId, prefix, ...}})"
    )]
    BadEvent(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("s3://{bucket}/{key} does not exist")]
    MissingObject { bucket: String, key: String },
    #[error("{key}: results XML is not UTF-8")]
    NotUtf8 { key: String },
    #[error("{key}: {source}")]
    Xml {
        key: String,
        source: parser::read::ReadError,
    },
    #[error("{key}: {source}")]
    Dlt { key: String, source: DltError },
    #[error("{key}: {source}")]
    BadKey { key: String, source: dlt::KeyError },
    #[error("test {test_id}: {expected} tasks reported but {found} results items exist")]
    MissingTasks {
        test_id: String,
        expected: usize,
        found: usize,
    },
    #[error("test {test_id}: stored task result: {source}")]
    Stored {
        test_id: String,
        source: dlt::StoredError,
    },
    #[error("test {0} is not in the scenarios table")]
    NoScenario(String),
    #[error("no results files under s3://{bucket}/{prefix}")]
    NoResults { bucket: String, prefix: String },
    #[error("SCENARIOS_BUCKET is not set")]
    NoBucket,
}

impl HandlerError {
    /// A short type name for the Lambda error payload (`errorType`).
    pub fn kind(&self) -> &'static str {
        match self {
            HandlerError::BadEvent(_) => "BadEvent",
            HandlerError::Store(e) if e.is_transient() => "StoreTransient",
            HandlerError::Store(StoreError::ItemTooLarge { .. }) => "ItemTooLarge",
            HandlerError::Store(_) => "Store",
            HandlerError::MissingObject { .. } => "MissingObject",
            HandlerError::NotUtf8 { .. } | HandlerError::Xml { .. } => "MalformedXml",
            HandlerError::Dlt { .. } => "UnparseableResults",
            HandlerError::BadKey { .. } => "BadKey",
            HandlerError::MissingTasks { .. } => "MissingTasks",
            HandlerError::Stored { .. } => "BadStoredResult",
            HandlerError::NoScenario(_) => "NoScenario",
            HandlerError::NoResults { .. } => "NoResults",
            HandlerError::NoBucket => "Config",
        }
    }

    /// Whether another attempt could succeed; permanent errors must not be retried (no retry storm).
    pub fn is_transient(&self) -> bool {
        matches!(self, HandlerError::Store(e) if e.is_transient())
    }

    /// DLT's `errorReason` text (v3+ wording).
    pub fn reason(&self) -> String {
        match self {
            HandlerError::Store(StoreError::ItemTooLarge { .. }) => {
                "Failed to parse the results - One item uploading \
                to DynamoDB has exceeded the maximum allowed size (400KB)"
                    .into()
            }
            HandlerError::NoResults { .. } => "Test might be failed to run.".into(),
            other => format!("Failed to parse the results - {other}"),
        }
    }
}

/// Handles one invocation: an S3 event (`Records`) or a Step Functions "Parse result" state.
pub async fn handle(event: Value, store: &impl Store, cfg: &Config) -> Result<Value, HandlerError> {
    if event.get("Records").is_some() {
        crate::s3_mode::handle(&event, store, cfg).await
    } else if event.get("testId").is_some() || event.pointer("/scenario/testId").is_some() {
        crate::sfn_mode::handle(&event, store, cfg).await
    } else {
        let shape: Vec<&String> = event
            .as_object()
            .map(|m| m.keys().collect())
            .unwrap_or_default();
        Err(HandlerError::BadEvent(format!("top-level keys {shape:?}")))
    }
}

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
    let sc_key = sidecar::key_for_xml(key);
    let sidecar = match store.get_object(bucket, &sc_key).await? {
        None => None,
        Some(bytes) => match std::str::from_utf8(&bytes).map_err(|_| SidecarError::Unsupported {
            format: "(not UTF-8)".into(),
            version: 0,
            unit: String::new(),
        }) {
            Ok(text) => match sidecar::from_str(text) {
                Ok(sc) => Some((text.to_owned(), sc)),
                Err(e) => {
                    tracing::warn!(key = sc_key, error = %e, "ignoring unreadable histogram sidecar");
                    None
                }
            },
            Err(e) => {
                tracing::warn!(key = sc_key, error = %e, "ignoring unreadable histogram sidecar");
                None
            }
        },
    };
    Ok(Parsed { task, sidecar })
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

/// Marks the run failed with DLT's `errorReason`, unless it already completed.
pub(crate) async fn mark_failed(
    store: &impl Store,
    test_id: &str,
    err: &HandlerError,
    cfg: &Config,
) -> Result<(), StoreError> {
    let mut set = serde_json::Map::new();
    set.insert("status".into(), json!("failed"));
    set.insert("errorReason".into(), json!(err.reason()));
    set.insert("endTime".into(), json!(cfg.timestamp()));
    let update = Update {
        set,
        append: None,
        cond: Cond::StatusNot("complete".into()),
    };
    store
        .update_item(Table::Scenarios, key("testId", test_id), update)
        .await?;
    Ok(())
}

/// A 10-character alphanumeric id, like DLT's history/testRun ids.
pub(crate) fn short_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()[..10].to_owned()
}
