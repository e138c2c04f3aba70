//! Thin shell: `results-parser` runs as a Lambda (clients built once, then the runtime loop);
//! `results-parser local FILE... [--dlt v1|v4]` prints DLT's parse of local files.

use lambda_runtime::{Diagnostic, LambdaEvent, service_fn};
use results_parser::{Config, HandlerError, aws::AwsStore, handle, local};
use serde_json::Value;

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("local") {
        return run_local(&args[1..]);
    }
    if let Some(other) = args.first() {
        eprintln!(
            "results-parser: unknown command {other:?}; run with no arguments as a Lambda, or `local FILE...`"
        );
        return std::process::ExitCode::from(2);
    }
    tracing_subscriber::fmt()
        .json()
        .with_target(false)
        .without_time()
        .init();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime");
    match rt.block_on(lambda()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("results-parser: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

fn run_local(args: &[String]) -> std::process::ExitCode {
    let report = local::parse_args(args).and_then(|a| local::run(&a));
    match report {
        Ok(v) => {
            use std::io::Write;
            let text = serde_json::to_string_pretty(&v).expect("JSON values serialise");
            // A closed pipe (`| head`) is the reader's choice, not an error worth a panic.
            match writeln!(std::io::stdout().lock(), "{text}") {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {
                    std::process::ExitCode::SUCCESS
                }
                Err(e) => {
                    eprintln!("results-parser: writing the report: {e}");
                    std::process::ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("results-parser: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[derive(Debug)]
struct LambdaError(HandlerError);

impl From<LambdaError> for Diagnostic {
    fn from(e: LambdaError) -> Diagnostic {
        Diagnostic {
            error_type: e.0.kind().into(),
            error_message: e.0.to_string(),
        }
    }
}

async fn lambda() -> Result<(), lambda_runtime::Error> {
    let cfg = Config::from_env()?;
    let store = AwsStore::from_env().await;
    let (store, cfg) = (&store, &cfg);
    lambda_runtime::run(service_fn(move |ev: LambdaEvent<Value>| async move {
        handle(ev.payload, store, cfg).await.map_err(LambdaError)
    }))
    .await
}
