//! Writes to the test's Scenarios item shared by both trigger modes, and DLT's short ids.

use serde_json::json;

use crate::config::Config;
use crate::error::HandlerError;
use crate::store::{Cond, Store, StoreError, Table, Update, key};

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
