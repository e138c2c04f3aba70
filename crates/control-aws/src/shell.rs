//! The command line both Lambda binaries share: no argument runs the Lambda runtime loop;
//! `NAME local EVENT.json` runs the handler once on an event file against whatever
//! `AWS_ENDPOINT_URL` names and prints its JSON result.

use std::fmt::Display;
use std::future::Future;
use std::process::ExitCode;

use serde_json::Value;

/// Dispatches the process's arguments to `local` or `lambda` on `rt` (the latter with JSON log
/// lines); exit 2 for a bad command line or a failed local run, 1 when the runtime loop fails.
pub fn main<L, LF, E1, R, RF, E2>(
    name: &str,
    rt: tokio::runtime::Runtime,
    local: L,
    lambda: R,
) -> ExitCode
where
    L: FnOnce(Vec<String>) -> LF,
    LF: Future<Output = Result<Value, E1>>,
    E1: Display,
    R: FnOnce() -> RF,
    RF: Future<Output = Result<(), E2>>,
    E2: Display,
{
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("local") => match rt.block_on(local(args[1..].to_vec())) {
            Ok(v) => {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&v).expect("JSON serialises")
                );
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{name}: {e}");
                ExitCode::from(2)
            }
        },
        Some(other) => {
            eprintln!(
                "{name}: unknown command {other:?}; run with no arguments as a Lambda, or `local EVENT.json`"
            );
            ExitCode::from(2)
        }
        None => {
            // CloudWatch Logs keeps one JSON object per line; Lambda stamps the time itself.
            tracing_subscriber::fmt()
                .json()
                .with_target(false)
                .without_time()
                .init();
            match rt.block_on(lambda()) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("{name}: {e}");
                    ExitCode::FAILURE
                }
            }
        }
    }
}
