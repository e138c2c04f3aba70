//! What the handler needs from AWS, as one small trait: the real implementation wraps the SDK
//! clients ([`crate::aws::AwsStore`]); tests run the same handler against moto through it.

use std::future::Future;

use serde_json::{Map, Value};

/// A DynamoDB item as JSON: numbers ↔ `N`, strings ↔ `S`, objects ↔ `M`, arrays ↔ `L`.
pub type Item = Map<String, Value>;

/// The tables DLT uses, named by the same environment variables.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    /// `SCENARIOS_TABLE`, key `testId`.
    Scenarios,
    /// `RESULTS_TABLE` (v1.0 only), key `uuid`.
    Results,
    /// `HISTORY_TABLE` (v3+), key `testId` + `testRunId`.
    History,
}

/// The condition an update must meet; a failed condition is `Ok(None)`, not an error.
#[derive(Clone, Debug, PartialEq)]
pub enum Cond {
    /// No condition (the update may create the item).
    None,
    /// The item exists.
    Exists,
    /// The item exists and the list attribute does not yet contain the value.
    ExistsAndNotContains { list: String, value: Value },
    /// The item exists and its `status` is not this one.
    StatusNot(String),
    /// The item exists and its `status` (if any) is none of these.
    StatusNotIn(Vec<String>),
    /// The item exists, its `status` is one of `statuses`, and the `marker` attribute is absent or
    /// holds another value than `value`: an update that happens once per value (e.g. per run).
    StatusInOnce {
        statuses: Vec<String>,
        marker: String,
        value: Value,
    },
}

/// One conditional update: `SET` of whole attributes, plus optionally appending to a list.
#[derive(Clone, Debug, PartialEq)]
pub struct Update {
    pub set: Item,
    /// `list = list_append(if_not_exists(list, []), [values...])`.
    pub append: Option<(String, Vec<Value>)>,
    pub cond: Cond,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("S3 {op} s3://{bucket}/{key}: {message}")]
    S3 {
        op: &'static str,
        bucket: String,
        key: String,
        message: String,
        transient: bool,
    },
    #[error("DynamoDB {op} on {table}: {message}")]
    Dynamo {
        op: &'static str,
        table: String,
        message: String,
        transient: bool,
    },
    /// An item over DynamoDB's 400 KB limit.
    #[error("DynamoDB {op} on {table}: item exceeds the 400 KB item size limit")]
    ItemTooLarge { op: &'static str, table: String },
    #[error("table {0:?} is not configured: set its environment variable")]
    NoTable(Table),
}

impl StoreError {
    /// Worth a retry by Lambda (throttling, 5xx, network); everything else fails the run for good.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            StoreError::S3 {
                transient: true,
                ..
            } | StoreError::Dynamo {
                transient: true,
                ..
            }
        )
    }
}

/// The S3 and DynamoDB operations of the results parser.
pub trait Store: Sync {
    /// The object's bytes, `None` if there is no such key.
    fn get_object(
        &self,
        bucket: &str,
        key: &str,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;
    /// Every key under `prefix`, all pages.
    fn list_keys(
        &self,
        bucket: &str,
        prefix: &str,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;
    /// A strongly consistent read.
    fn get_item(
        &self,
        table: Table,
        key: Item,
    ) -> impl Future<Output = Result<Option<Item>, StoreError>> + Send;
    fn put_item(
        &self,
        table: Table,
        item: Item,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;
    /// Applies `update`; `Ok(None)` when its condition failed, else the whole new item.
    fn update_item(
        &self,
        table: Table,
        key: Item,
        update: Update,
    ) -> impl Future<Output = Result<Option<Item>, StoreError>> + Send;
    /// Every item whose `attr` equals `value` (a consistent, paginated scan, as DLT v1.0 did).
    fn scan_eq(
        &self,
        table: Table,
        attr: &str,
        value: &str,
    ) -> impl Future<Output = Result<Vec<Item>, StoreError>> + Send;
}

/// A one-attribute string key, e.g. `{"testId": "abc"}`.
pub fn key(name: &str, value: &str) -> Item {
    let mut m = Map::new();
    m.insert(name.into(), Value::String(value.into()));
    m
}
