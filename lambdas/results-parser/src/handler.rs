//! The Lambda handler: reads the event into its type and hands it to the mode that serves it. The
//! modes share the configuration, the error type and the results-file helpers through their own
//! modules, never through this one.

use serde_json::Value;

use crate::config::Config;
use crate::error::HandlerError;
use crate::event::Event;
use crate::store::Store;

/// Handles one invocation: an S3 event (`Records`) or a Step Functions "Parse result" state.
pub async fn handle(event: Value, store: &impl Store, cfg: &Config) -> Result<Value, HandlerError> {
    match Event::from_json(event)? {
        Event::S3(ev) => crate::s3_mode::handle(&ev, store, cfg).await,
        Event::StepFunctions(ev) => crate::sfn_mode::handle(&ev, store, cfg).await,
    }
}
