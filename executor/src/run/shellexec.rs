//! The `shellexec` service (`docs/taurus-config.md#shellexec`): shell commands at `prepare`, `startup`, `shutdown` and
//! `post-process`, in the foreground or the background.
//!
//! Commands run through `/bin/sh -c` (Taurus uses `shell=True`). Foreground tasks are waited for; their
//! stdout is logged at DEBUG and stderr at WARNING; a non-zero exit fails the run (exit 1) unless
//! `ignore-failure: true`. Background tasks write to `shellexec_<stage>_<i>.out/.err` in the artifacts dir
//! (or `out`/`err`), run in their own process group, and the whole group is terminated at `shutdown`
//! (tasks started at `startup`) or `post-process` (all). The `check` stage is not supported: its
//! tasks are reported and not run (it measures nothing).

use stampede_config::{ShellExecSpec, ShellTask};
use stampede_log::Log;
use std::path::{Path, PathBuf};
use std::process::Stdio;

#[derive(Debug, thiserror::Error)]
pub enum ShellError {
    #[error("shellexec: command '{command}' failed with exit code {code}")]
    Failed { command: String, code: i32 },
    #[error("shellexec: cannot start '{command}': {source}")]
    Spawn {
        command: String,
        source: std::io::Error,
    },
}

/// The shellexec tasks of one config (typed by the config loader) and the background tasks running.
#[derive(Debug, Default)]
pub struct ShellExec {
    spec: ShellExecSpec,
    artifacts: PathBuf,
    running: Vec<(&'static str, tokio::process::Child)>,
    pub warnings: Vec<String>,
}

impl ShellExec {
    pub fn new(spec: &ShellExecSpec, artifacts: &Path) -> Self {
        let mut warnings = Vec::new();
        if spec.check_tasks > 0 {
            warnings.push(
                "shellexec 'check' stage is not supported by Stampede; its tasks are not run"
                    .into(),
            );
        }
        ShellExec {
            spec: spec.clone(),
            artifacts: artifacts.to_path_buf(),
            running: Vec::new(),
            warnings,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.spec.is_empty()
    }

    /// Runs one stage's tasks in order. `exit` = (`TAURUS_EXIT_CODE`, `TAURUS_STOPPING_REASON`).
    pub async fn run_stage(
        &mut self,
        stage: &'static str,
        exit: Option<(u8, &str)>,
        log: &mut dyn Log,
    ) -> Result<(), ShellError> {
        if stage == "shutdown" {
            self.kill(|s| s == "startup", log).await;
        }
        let tasks = self.spec.tasks(stage).to_vec();
        for (i, t) in tasks.iter().enumerate() {
            let mut cmd = self.command(t, exit);
            if t.background {
                let out = t
                    .out
                    .clone()
                    .unwrap_or_else(|| self.artifacts.join(format!("shellexec_{stage}_{i}.out")));
                let err = t
                    .err
                    .clone()
                    .unwrap_or_else(|| self.artifacts.join(format!("shellexec_{stage}_{i}.err")));
                let spawn_err = |source| ShellError::Spawn {
                    command: t.command.clone(),
                    source,
                };
                cmd.stdout(std::fs::File::create(out).map_err(spawn_err)?);
                cmd.stderr(std::fs::File::create(err).map_err(spawn_err)?);
                cmd.process_group(0);
                log.debug(&format!("Starting background task: {}", t.command));
                let child = cmd.spawn().map_err(spawn_err)?;
                self.running.push((stage, child));
            } else {
                log.debug(&format!("Executing task: {}", t.command));
                let out = cmd.output().await.map_err(|source| ShellError::Spawn {
                    command: t.command.clone(),
                    source,
                })?;
                let stdout = String::from_utf8_lossy(&out.stdout);
                let stderr = String::from_utf8_lossy(&out.stderr);
                if !stdout.trim().is_empty() {
                    log.debug(&format!("Output for {}:\n{}", t.command, stdout.trim_end()));
                }
                if !stderr.trim().is_empty() {
                    log.warn(&format!("Errors for {}:\n{}", t.command, stderr.trim_end()));
                }
                let code = out.status.code().unwrap_or(-1);
                if code != 0 && !t.ignore_failure {
                    return Err(ShellError::Failed {
                        command: t.command.clone(),
                        code,
                    });
                }
            }
        }
        if stage == "post-process" {
            self.kill(|_| true, log).await;
        }
        Ok(())
    }

    /// Background tasks that already exited with a failure (checked every second, like Taurus).
    pub fn check_background(&mut self) -> Result<(), ShellError> {
        for (_, child) in &mut self.running {
            if let Ok(Some(st)) = child.try_wait()
                && !st.success()
            {
                return Err(ShellError::Failed {
                    command: format!("background task (pid {:?})", child.id()),
                    code: st.code().unwrap_or(-1),
                });
            }
        }
        Ok(())
    }

    /// Terminates the process groups of matching background tasks still running.
    pub async fn kill(&mut self, which: impl Fn(&str) -> bool, log: &mut dyn Log) {
        let (kill, keep): (Vec<_>, Vec<_>) = self.running.drain(..).partition(|(s, _)| which(s));
        self.running = keep;
        for (_, mut child) in kill {
            if let (Ok(None), Some(pid)) = (child.try_wait(), child.id()) {
                log.debug(&format!("Terminating background task, pid {pid}"));
                // The task runs in its own process group (pgid = pid): end the shell and its children.
                let _ = tokio::process::Command::new("kill")
                    .args(["-TERM", "--", &format!("-{pid}")])
                    .status()
                    .await;
                let waited =
                    tokio::time::timeout(std::time::Duration::from_secs(2), child.wait()).await;
                if waited.is_err() {
                    let _ = child.kill().await;
                }
            }
        }
    }

    fn command(&self, t: &ShellTask, exit: Option<(u8, &str)>) -> tokio::process::Command {
        let mut cmd = tokio::process::Command::new("/bin/sh");
        cmd.arg("-c").arg(&t.command);
        cmd.stdin(Stdio::null()).kill_on_drop(false);
        let cwd = t.cwd.as_deref().or(self.spec.default_cwd.as_deref());
        match cwd {
            Some("artifacts-dir") => {
                cmd.current_dir(&self.artifacts);
            }
            Some(dir) => {
                cmd.current_dir(dir);
            }
            None => {}
        }
        cmd.envs(self.spec.env.iter().cloned())
            .envs(t.env.iter().cloned());
        cmd.env("TAURUS_ARTIFACTS_DIR", &self.artifacts);
        if let Some((code, reason)) = exit {
            cmd.env("TAURUS_EXIT_CODE", code.to_string());
            cmd.env("TAURUS_STOPPING_REASON", reason);
        }
        cmd
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use stampede_log::MemoryLog;

    #[tokio::test]
    async fn stages_env_background_and_failure() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = json!({"services": [{"module": "shellexec",
            "prepare": "echo prep > prep.txt",
            "startup": [{"command": "sleep 30", "background": true}],
            "shutdown": ["echo $TAURUS_EXIT_CODE $TAURUS_STOPPING_REASON > down.txt"],
            "post-process": [{"command": "exit 3", "ignore-failure": true}, "exit 4"]}],
            "modules": {"shellexec": {"default-cwd": "artifacts-dir"}}});
        let mut cfg = cfg;
        cfg["execution"] = json!([{"iterations": 1, "scenario": "s"}]);
        cfg["scenarios"] = json!({"s": {"requests": ["http://127.0.0.1:9/"]}});
        let plan = stampede_config::plan_from_str(&cfg.to_string()).unwrap();
        let mut se = ShellExec::new(&plan.shellexec, dir.path());
        let mut log = MemoryLog::default();
        se.run_stage("prepare", None, &mut log).await.unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("prep.txt")).unwrap(),
            "prep\n"
        );
        se.run_stage("startup", None, &mut log).await.unwrap();
        assert_eq!(se.running.len(), 1);
        se.check_background().unwrap();
        se.run_stage("shutdown", Some((2, "Interrupted")), &mut log)
            .await
            .unwrap();
        assert!(
            se.running.is_empty(),
            "startup tasks are killed at shutdown"
        );
        let down = std::fs::read_to_string(dir.path().join("down.txt")).unwrap();
        assert_eq!(down, "2 Interrupted\n");
        let err = se.run_stage("post-process", Some((0, "")), &mut log).await;
        assert!(
            matches!(err, Err(ShellError::Failed { code: 4, .. })),
            "{err:?}"
        );
        assert!(dir.path().join("shellexec_startup_0.out").exists());
    }
}
