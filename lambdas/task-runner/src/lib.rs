//! The task-runner Lambda (DLT v1.0's task-runner): SQS messages `{"testId","taskCount"}` →
//! `ecs:RunTask` batches of at most 10 ([`stampede_control_aws::runner`] does the work and explains
//! the pacing and the exactly-once launch). [`handle`] takes the SQS event and the runner built once
//! in `main`.
//!
//! Per record: a malformed message is reported and dropped (retrying cannot fix it); a launch that
//! met a transient failure (DynamoDB, or the invocation running out of time) is listed in
//! `batchItemFailures` and the Lambda shell fails the invocation, so SQS delivers the message again
//! (with or without `ReportBatchItemFailures` on the mapping) and the launch continues where it
//! stopped; messages of the batch that were fully handled launch nothing the second time.
//!
//! ```no_run
//! # async fn f(runner: &stampede_control_aws::runner::Runner) {
//! let event = serde_json::json!({"Records": [{"messageId": "m1", "body": "{\"testId\":\"t1\",\"taskCount\":23}"}]});
//! let out = task_runner::handle(&event, runner, None).await;
//! assert_eq!(out["batchItemFailures"], serde_json::json!([]));
//! # }
//! ```

use std::time::Instant;

use serde_json::{Value, json};
use stampede_control_aws::message::LaunchRequest;
use stampede_control_aws::runner::{Pacing, Runner};
use stampede_control_aws::sdk::Clients;
use stampede_control_aws::settings::{MissingVar, TaskSettings};

/// The runner from the environment (`docs/aws.md`).
pub async fn runner_from_env() -> Result<Runner, MissingVar> {
    let settings = TaskSettings::from_env()?;
    Ok(Runner::new(
        Clients::from_env().await,
        settings,
        Pacing::default(),
    ))
}

/// Handles one SQS event; never fails the invocation (see the module docs).
pub async fn handle(event: &Value, runner: &Runner, deadline: Option<Instant>) -> Value {
    let Some(records) = event.get("Records").and_then(Value::as_array) else {
        let reason =
            "Records: is required (an array of SQS messages); the event is not an SQS event";
        tracing::error!(reason, "event rejected");
        return json!({"batchItemFailures": [], "rejected": reason});
    };
    let mut failures = Vec::new();
    let mut reports = Vec::new();
    for (i, record) in records.iter().enumerate() {
        let id = record
            .get("messageId")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let body = record.get("body").and_then(Value::as_str);
        let req = match body.ok_or(()).map(LaunchRequest::from_body) {
            Err(()) => Err(format!("Records[{i}].body: is required (a string)")),
            Ok(Err(e)) => Err(format!("Records[{i}].body.{e}")),
            Ok(Ok(r)) => Ok(r),
        };
        let req = match req {
            Ok(r) => r,
            Err(reason) => {
                tracing::error!(message_id = id, reason, "message rejected");
                reports.push(json!({"messageId": id, "outcome": "rejected", "reason": reason}));
                continue;
            }
        };
        match runner.launch(&req, deadline).await {
            Ok(report) => {
                tracing::info!(message_id = id, report = %report.to_json(), "message handled");
                let mut v = report.to_json();
                v["messageId"] = json!(id);
                reports.push(v);
            }
            Err(e) => {
                tracing::warn!(message_id = id, error = %e, "launch to be retried");
                failures.push(json!({"itemIdentifier": id}));
                reports.push(json!({"messageId": id, "outcome": "retry", "reason": e.to_string()}));
            }
        }
    }
    json!({"batchItemFailures": failures, "records": reports})
}

/// Why `task-runner local EVENT.json` could not run the handler.
#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("usage: task-runner local EVENT.json (an SQS event)")]
    Usage,
    #[error("{path}: {reason}")]
    Event { path: String, reason: String },
    #[error(transparent)]
    Config(#[from] MissingVar),
}

/// `task-runner local EVENT.json`: the handler once, against whatever `AWS_ENDPOINT_URL` names.
pub async fn run_local(args: &[String]) -> Result<Value, LocalError> {
    let [path] = args else {
        return Err(LocalError::Usage);
    };
    let err = |reason: String| LocalError::Event {
        path: path.clone(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
    let event: Value = serde_json::from_str(&text).map_err(|e| err(format!("not JSON: {e}")))?;
    let runner = runner_from_env().await?;
    Ok(handle(&event, &runner, None).await)
}
