//! The DLT results-parser Lambda: a thin shell over the pure `parser` crate.
//!
//! [`handle`] takes the invocation's event and borrowed dependencies: a [`Store`] (the real one,
//! [`aws::AwsStore`], wraps S3 and DynamoDB clients built once in `main`) and a [`Config`]. The event
//! is read into an [`event::Event`]: an S3 `ObjectCreated` notification (DLT v1.0, served by
//! [`s3_mode`]) or the Step Functions "Parse result" state (v1.1 … v4, [`sfn_mode`]). The modes share
//! [`config`], [`error`], [`task_files`] and [`scenario`]; [`local`] runs the same parser over files.
//!
//! ```no_run
//! # async fn f() -> Result<(), results_parser::HandlerError> {
//! let store = results_parser::aws::AwsStore::from_env().await;
//! let cfg = results_parser::Config::from_env().expect("valid STAMPEDE_DLT_ERA");
//! let event = serde_json::json!({"testId": "t1", "prefix": "2024-01-15T14-30-25_abc1234567",
//!     "testRunId": "abc1234567", "testTaskConfig": [{"region": "us-east-1"}]});
//! let out = results_parser::handle(event, &store, &cfg).await?;
//! # Ok(()) }
//! ```

pub mod attr;
pub mod aws;
pub mod config;
pub mod error;
pub mod event;
pub mod handler;
pub mod history;
pub mod local;
pub mod s3_mode;
pub mod scenario;
pub mod sfn_mode;
pub mod store;
pub mod task_files;

pub use config::Config;
pub use error::HandlerError;
pub use handler::handle;
pub use store::{Store, StoreError, Table};
