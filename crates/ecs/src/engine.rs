//! Runs the test the way DLT runs `bzt`: a child process in its own process group, its stdout copied
//! unprefixed to `result.tmp` and prefixed (`TEST_ID live=true `) to our stdout, SIGTERM forwarded
//! to the whole group on cancel.
//!
//! The child is this same binary's `run` command (the `bzt`-compatible CLI: `config::load` then
//! `run::run`) unless `STAMPEDE_ENGINE` names another program. A separate process keeps a crash or
//! a hang of the test away from the contract that must still upload and exit with the right code.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio_util::sync::CancellationToken;

/// How the engine ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EngineEnd {
    /// Exit code of the engine (bzt's `PIPESTATUS[0]`).
    Exited(i32),
    /// Killed by a signal (SIGKILL after the grace period, or an outside kill).
    Signalled,
    /// Could not start at all.
    SpawnFailed(String),
}

pub struct EngineRun {
    pub end: EngineEnd,
    /// We cancelled it (SIGTERM to the task).
    pub interrupted: bool,
}

/// The command line: the engine program, the config, then DLT's overrides (`docs/dlt-container.md#command-line`) plus the
/// artifacts directory DLT's image set in `/etc/bzt.d/90-artifacts-dir.json`.
pub fn command_line(engine: Option<&[String]>, config: &Path, artifacts: &Path) -> Vec<String> {
    let mut argv: Vec<String> = match engine {
        Some(e) if !e.is_empty() => e.to_vec(),
        _ => vec![
            std::env::current_exe()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "stampede".into()),
            "run".into(),
        ],
    };
    argv.push(config.display().to_string());
    argv.extend([
        "-o".into(),
        format!("settings.artifacts-dir={}", artifacts.display()),
        "-o".into(),
        "modules.console.disable=true".into(),
    ]);
    argv
}

/// Sends `sig` to the child's process group (the child leads its own group).
fn signal_group(pid: u32, sig: libc::c_int) {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return;
    };
    // SAFETY: kill(2) with a negative pid only sends a signal to that process group; no memory is
    // touched. The group is our child's, created by `process_group(0)`.
    #[allow(unsafe_code)]
    unsafe {
        libc::kill(-pid, sig);
    }
}

/// Copies the child's stdout: raw to `result_tmp`, prefixed to our stdout. JSON lines (lifecycle
/// events, CloudWatch EMF) are passed through unprefixed so that CloudWatch Logs can still parse them.
async fn pump(stdout: tokio::process::ChildStdout, prefix: Option<String>, result_tmp: PathBuf) {
    let mut tmp = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&result_tmp)
        .ok();
    let mut reader = BufReader::new(stdout);
    let mut line = Vec::with_capacity(256);
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line).await {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        if let Some(f) = tmp.as_mut() {
            let _ = f.write_all(&line);
        }
        let mut out = std::io::stdout().lock();
        if let Some(p) = prefix.as_deref().filter(|_| line.first() != Some(&b'{')) {
            let _ = out.write_all(p.as_bytes());
        }
        let _ = out.write_all(&line);
        let _ = out.flush();
    }
}

/// Runs the engine to its end, or until `cancel`; then SIGTERM to its group, `grace` to finish
/// writing partial results, SIGKILL after that.
pub async fn run(
    argv: &[String],
    workdir: &Path,
    prefix: Option<String>,
    result_tmp: &Path,
    cancel: &CancellationToken,
    grace: Duration,
) -> EngineRun {
    let mut cmd = tokio::process::Command::new(&argv[0]);
    cmd.args(&argv[1..])
        .current_dir(workdir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .process_group(0)
        .kill_on_drop(true);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return EngineRun {
                end: EngineEnd::SpawnFailed(format!("{}: {e}", argv[0])),
                interrupted: false,
            };
        }
    };
    let pid = child.id();
    let stdout = child.stdout.take().expect("stdout is piped");
    let pumping = tokio::spawn(pump(stdout, prefix, result_tmp.to_path_buf()));
    let mut interrupted = false;
    let status = tokio::select! {
        s = child.wait() => s,
        () = cancel.cancelled() => {
            interrupted = true;
            if let Some(pid) = pid {
                signal_group(pid, libc::SIGTERM);
            }
            match tokio::time::timeout(grace, child.wait()).await {
                Ok(s) => s,
                Err(_) => {
                    if let Some(pid) = pid {
                        signal_group(pid, libc::SIGKILL);
                    }
                    child.wait().await
                }
            }
        }
    };
    // The pipe closes when the group is gone; a grandchild holding it open must not hang us.
    let _ = tokio::time::timeout(Duration::from_secs(1), pumping).await;
    let end = match status {
        Ok(s) => s.code().map_or(EngineEnd::Signalled, EngineEnd::Exited),
        Err(e) => EngineEnd::SpawnFailed(e.to_string()),
    };
    EngineRun { end, interrupted }
}
