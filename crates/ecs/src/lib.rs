//! The DLT ECS container entrypoint (`stampede ecs`, the image's ENTRYPOINT): DLT's `load-test.sh`
//! contract (`docs/dlt-container.md#container`) done natively, for every DLT era.
//!
//! The flow: read the environment → ECS task metadata → download the scenario → start barrier →
//! run the test (the `bzt`-compatible engine as a child process, see [`engine`]) → enrich and upload
//! the results → exit code. SIGTERM at any point stops the load, uploads what exists and exits 143.
//!
//! # Which DLT era
//! The era decides the S3 keys, the stdout prefix and the barrier. It is detected from the variables
//! the task runner of each release sets; the first rule that matches wins:
//!
//! | present | era |
//! |---|---|
//! | `TEST_RUN_ID` | E6, v4.1+ (S3 start signal, completion marker, idle until SIGTERM) |
//! | `PREFIX` shaped `YYYY-MM-DDTHH-MM-SS_<runId>` | E5, v4.0.x |
//! | `LIVE_DATA_ENABLED` | E4, v3.x |
//! | `SCRIPT` or `IPNETWORK` | E3, v1.3–v2.x |
//! | `PREFIX` | E2, v1.1–v1.2 |
//! | none of these | E1, v1.0 |
//!
//! `STAMPEDE_DLT_ERA` overrides detection: `e1`…`e6` or a DLT version (`v3.4.6`). A single-task
//! v1.3–v2 test (no `SCRIPT`) is detected as E2, which uses the same keys.
//!
//! # Keys (results XML; logs use the same shape with a `bzt-`/`kpi-`/`result-` name stem)
//! E1 `results/<id>/<uuid>.xml`, E2–E3 `results/<id>/<PREFIX>-<uuid>.xml`, E4
//! `results/<id>/<PREFIX>-<uuid>-<region>.xml`, E5–E6 `results/<id>/<PREFIX>/<uuid>-<region>.xml`.
//! Scenario: `test-scenarios/<id>-<AWS_REGION>.json` first from E4 on, else `test-scenarios/<id>.json`
//! first; the other one is the fallback.
//!
//! # Artifacts uploaded (from the artifacts directory, when present)
//! The results XML (the `dump-xml` path of the scenario), `bzt.log` (`bzt-` stem), `kpi.jtl`
//! (`kpi-` stem), the histogram sidecar `<xml stem>.hist.json` next to the XML (uploaded as the XML's
//! key with `.hist.json` instead of `.xml`), and on SIGTERM or failure the unprefixed console copy
//! `result.tmp` (`result-` stem), as v4.1+ does.
//!
//! # Exit codes (v4.1+ for every era)
//! 0 done; 1 scenario download failed, no results XML, or the results upload failed (the local files
//! are kept); 2 the test failed to run (engine exit ≠ 0, unsupported `TEST_TYPE`); 143 SIGTERM.
//!
//! # Start barriers
//! Every era writes the health file (`/tmp/health_ready`, the v4 task definitions' health check)
//! once the scenario is downloaded. E6 then polls `start-signal/<id>/<PREFIX>/<region>/start`; a
//! signal older than 30 s marks an ECS replacement task, which writes its completion marker and
//! idles without running load. E3–E5 with `SCRIPT` wait for the leader's `start` on TCP port 50000
//! (at most `TIMEOUT` seconds, then start anyway); with `IPNETWORK` the task is the leader and sends
//! `start` to every `IPNETWORK.h` (`IPHOSTS`, else `s3://…/Container_IPs/<id>_IPHOSTS_<region>.txt`).
//!
//! # Lifecycle events
//! The v4.1+ JSON lines (`TASK_STARTED`, `TASK_COMPLETED`, `TASK_FAILED`, `REPLACEMENT_TASK_SKIPPED`)
//! are printed in every era: they start with `{`, so no older metric filter or live-data regex
//! (which key on the `TEST_ID` first token) matches them. JSON lines from the engine (EMF) are
//! passed through without the `TEST_ID live=…` prefix for the same reason.
//!
//! # Stampede's own variables (not set by DLT)
//! `STAMPEDE_DLT_ERA`, `STAMPEDE_ARTIFACTS_DIR` (`/tmp/artifacts`), `STAMPEDE_HEALTH_FILE`
//! (`/tmp/health_ready`), `STAMPEDE_BARRIER_PORT` (50000), `STAMPEDE_START_POLL_MS` (2000),
//! `STAMPEDE_START_STALE_S` (30), `STAMPEDE_UPLOAD_ATTEMPTS` (5), `STAMPEDE_E1_STAGGER_MAX_S` (30),
//! `STAMPEDE_SIGTERM_GRACE_MS` (3000), `STAMPEDE_ENGINE` (the engine command; default this binary's
//! `run`).

/// `eprintln!` that writes the whole line in one `write`: stderr is unbuffered, and the container's
/// stdout and stderr usually share one log stream, where a line written in pieces can be split by a
/// JSON lifecycle event from stdout (which CloudWatch would then fail to parse).
macro_rules! eline {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let line = format!("{}\n", format_args!($($arg)*));
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }};
}
pub(crate) use eline;

pub mod barrier;
pub mod engine;
pub mod env;
pub mod events;
pub mod flow;
pub mod meta;
pub mod store;
pub mod unzip;

pub use env::{EcsEnv, Era};

/// Runs the container contract; the returned code is the process exit code (0, 1, 2, 143).
pub fn main() -> std::process::ExitCode {
    std::process::ExitCode::from(main_code())
}

/// [`main`] with the exit code as a number (0, 1, 2, 143).
pub fn main_code() -> u8 {
    let env = match EcsEnv::from_lookup(&|k| std::env::var(k).ok()) {
        Ok(e) => e,
        Err(e) => {
            eline!("stampede ecs: {e}");
            let var = |k: &str| std::env::var(k).unwrap_or_default();
            let ctx = events::EventContext {
                test_id: var("TEST_ID"),
                test_run_id: var("TEST_RUN_ID"),
                region: var("AWS_REGION"),
                task_id: String::new(),
            };
            events::emit(&ctx, "ERROR", events::Event::TaskFailed, &e.to_string());
            return flow::EXIT_FATAL;
        }
    };
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eline!("stampede ecs: cannot start the async runtime: {e}");
            return flow::EXIT_FATAL;
        }
    };
    rt.block_on(async move {
        let workdir = std::env::current_dir().unwrap_or_else(|_| ".".into());
        let sigterm = flow::sigterm_token();
        let client = store::client(env.bucket_region.as_deref()).await;
        let store = store::Store {
            client,
            bucket: env.bucket.clone(),
            attempts: env.settings.upload_attempts,
        };
        flow::run(env, store, workdir, sigterm).await
    })
}
