//! v4.1+ structured lifecycle log lines (`log_json` in DLT's `load-test.sh`): one compact JSON object
//! per line, keys in DLT's order, for CloudWatch Logs Insights queries.

use std::io::Write;

/// The `logEvent` values (DLT `source/common/src/log-events.ts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    TaskStarted,
    TaskCompleted,
    TaskFailed,
    ReplacementTaskSkipped,
}

impl Event {
    pub fn name(self) -> &'static str {
        match self {
            Event::TaskStarted => "TASK_STARTED",
            Event::TaskCompleted => "TASK_COMPLETED",
            Event::TaskFailed => "TASK_FAILED",
            Event::ReplacementTaskSkipped => "REPLACEMENT_TASK_SKIPPED",
        }
    }
}

/// The identity every event carries.
#[derive(Clone, Debug, Default)]
pub struct EventContext {
    pub test_id: String,
    pub test_run_id: String,
    pub region: String,
    pub task_id: String,
}

/// `{timestamp,level,logEvent,message,testId,testRunId,region,taskId}`; the timestamp is
/// `date -u +%Y-%m-%dT%H:%M:%S.%3NZ`. Missing values are empty strings, as jq's `--arg` gives.
pub fn line(
    ctx: &EventContext,
    now: chrono::DateTime<chrono::Utc>,
    level: &str,
    event: Event,
    message: &str,
) -> String {
    let doc = serde_json::json!({
        "timestamp": now.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string(),
        "level": level,
        "logEvent": event.name(),
        "message": message,
        "testId": ctx.test_id,
        "testRunId": ctx.test_run_id,
        "region": ctx.region,
        "taskId": ctx.task_id,
    });
    doc.to_string()
}

/// Prints one event line on stdout (never prefixed: Logs Insights parses it as JSON).
pub fn emit(ctx: &EventContext, level: &str, event: Event, message: &str) {
    let text = line(ctx, chrono::Utc::now(), level, event, message);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}
