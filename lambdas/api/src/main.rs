//! Thin shell: `api` runs as a Lambda (the router built once, then the runtime loop);
//! `api local EVENT.json` runs the handler once on an event file and prints the response.

use lambda_runtime::{LambdaEvent, service_fn};
use serde_json::Value;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match args.first().map(String::as_str) {
        Some("local") => match rt.block_on(api::run_local(&args[1..])) {
            Ok(v) => {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&v).expect("JSON serialises")
                );
                std::process::ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("api: {e}");
                std::process::ExitCode::from(2)
            }
        },
        Some(other) => {
            eprintln!(
                "api: unknown command {other:?}; run with no arguments as a Lambda, or `local EVENT.json`"
            );
            std::process::ExitCode::from(2)
        }
        None => {
            tracing_subscriber::fmt()
                .json()
                .with_target(false)
                .without_time()
                .init();
            match rt.block_on(lambda()) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("api: {e}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
    }
}

async fn lambda() -> Result<(), lambda_runtime::Error> {
    let app = api::App::from_env().await?;
    let app = &app;
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| async move {
        Ok::<Value, lambda_runtime::Diagnostic>(api::handle(ev.payload, app).await)
    }))
    .await
}
