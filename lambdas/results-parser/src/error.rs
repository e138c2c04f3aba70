//! Why an invocation failed, with the Lambda `errorType`, DLT's `errorReason` and whether a retry
//! could help.

use parser::dlt::{self, DltError};

use crate::store::StoreError;

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
