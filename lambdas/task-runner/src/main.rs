//! Thin shell: `task-runner` runs as a Lambda (clients built once, then the runtime loop);
//! `task-runner local EVENT.json` runs the handler once on an SQS event file and prints its result.

use std::time::{Duration, Instant, SystemTime};

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

fn main() -> std::process::ExitCode {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    stampede_control_aws::shell::main(
        "task-runner",
        rt,
        |args| async move { task_runner::run_local(&args).await },
        lambda,
    )
}

/// The invocation's deadline as an `Instant` (the runtime gives epoch milliseconds).
fn deadline(ctx: &lambda_runtime::Context) -> Option<Instant> {
    let now = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .ok()?
        .as_millis() as u64;
    Some(Instant::now() + Duration::from_millis(ctx.deadline.saturating_sub(now)))
}

async fn lambda() -> Result<(), lambda_runtime::Error> {
    let runner = task_runner::runner_from_env().await?;
    let runner = &runner;
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| async move {
        let out = task_runner::handle(&ev.payload, runner, deadline(&ev.context)).await;
        // Failing the invocation makes SQS deliver the batch again even where the event source
        // mapping does not report batch item failures; the launch is idempotent per message.
        if out["batchItemFailures"]
            .as_array()
            .is_some_and(|f| !f.is_empty())
        {
            return Err(lambda_runtime::Diagnostic {
                error_type: "LaunchIncomplete".into(),
                error_message: out.to_string(),
            });
        }
        Ok::<Value, lambda_runtime::Diagnostic>(out)
    }))
    .await
}
