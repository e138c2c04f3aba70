//! Thin shell: `api` runs as a Lambda (the router built once, then the runtime loop);
//! `api local EVENT.json` runs the handler once on an event file and prints the response.

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

fn main() -> std::process::ExitCode {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    stampede_control_aws::shell::main(
        "api",
        rt,
        |args| async move { api::run_local(&args).await },
        lambda,
    )
}

async fn lambda() -> Result<(), lambda_runtime::Error> {
    let app = api::App::from_env().await?;
    let app = &app;
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| async move {
        Ok::<Value, lambda_runtime::Diagnostic>(api::handle(ev.payload, app).await)
    }))
    .await
}
