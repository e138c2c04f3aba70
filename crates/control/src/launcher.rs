//! [`ProcessLauncher`]: each task is a local process running a configured command. The command
//! learns its task through environment variables (below) and writes its results XML (and sidecar)
//! at `RESULTS_FILE`, inside the blob directory, where finalisation reads it.
//!
//! | variable | value |
//! |---|---|
//! | `TEST_ID`, `TEST_RUN_ID`, `PREFIX` | the test, the run, and DLT's results prefix (the run id) |
//! | `TASK_INDEX`, `TASK_ID`, `TASK_REGION` | `0..n`, `task<index>`, the region (`local`) |
//! | `TASK_COUNT` | tasks of this region: the start barrier waits for that many |
//! | `CONCURRENCY` | virtual users for this task |
//! | `BLOB_DIR` | the blob directory (DLT's bucket) |
//! | `SCENARIO_FILE`, `RESULTS_FILE` | absolute paths: the Taurus config to run, the XML to write |
//!
//! Each task is its own process group. Cancel sends SIGTERM to the group (a worker that traps it
//! can still write partial results, as DLT v4's containers do) and SIGKILL to what is left after
//! [`ProcessLauncher::with_kill_after`] (10 s by default).

use std::collections::HashMap;
use std::fs::{self, File};
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use nix::sys::signal::{Signal, killpg};
use nix::unistd::Pid;

use crate::blobs::{path_under, results_key};
use crate::ports::{EventSink, LaunchError, LaunchSpec, Launcher, TaskEvent};

/// The task id DLT would get from ECS; locally `task<index>`.
pub fn task_id(index: u32) -> String {
    format!("task{index}")
}

/// The process-group ids (= leader pids) of each run's tasks that have not been reaped yet.
type Running = Arc<Mutex<HashMap<String, Vec<i32>>>>;

/// Runs every task as `program args…` in region `local`.
pub struct ProcessLauncher {
    blob_dir: PathBuf,
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    kill_after: Duration,
    running: Running,
}

impl ProcessLauncher {
    pub fn new(
        blob_dir: impl Into<PathBuf>,
        program: impl Into<PathBuf>,
        args: Vec<String>,
    ) -> Self {
        ProcessLauncher {
            blob_dir: blob_dir.into(),
            program: program.into(),
            args,
            env: Vec::new(),
            kill_after: Duration::from_secs(10),
            running: Arc::default(),
        }
    }

    /// Adds a variable every task gets (e.g. the hub's URL for live frames).
    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.into(), value.into()));
        self
    }

    /// How long a cancelled task has between SIGTERM and SIGKILL.
    pub fn with_kill_after(mut self, grace: Duration) -> Self {
        self.kill_after = grace;
        self
    }

    fn spawn(&self, spec: &LaunchSpec, index: u32) -> Result<Child, String> {
        let id = task_id(index);
        let path = |key: &str| path_under(&self.blob_dir, key).map_err(|e| e.to_string());
        let results = path(&results_key(&spec.results_prefix, &id, &spec.region))?;
        let dir = results.parent().expect("a results key has a directory");
        fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let log = File::create(results.with_extension("log")).map_err(|e| e.to_string())?;
        let log_err = log.try_clone().map_err(|e| e.to_string())?;
        Command::new(&self.program)
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env("TEST_ID", &spec.test_id)
            .env("TEST_RUN_ID", &spec.run_id)
            .env("PREFIX", &spec.run_id)
            .env("TASK_INDEX", index.to_string())
            .env("TASK_ID", &id)
            .env("TASK_REGION", &spec.region)
            .env("TASK_COUNT", spec.task_count.to_string())
            .env("CONCURRENCY", spec.concurrency.to_string())
            .env("BLOB_DIR", &self.blob_dir)
            .env("SCENARIO_FILE", path(&spec.scenario_key)?)
            .env("RESULTS_FILE", &results)
            .current_dir(&self.blob_dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .process_group(0)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.program.display()))
    }
}

impl Launcher for ProcessLauncher {
    fn check_region(&self, region: &str) -> Result<(), LaunchError> {
        if region == "local" {
            return Ok(());
        }
        Err(LaunchError::Region {
            region: region.into(),
            hint: "the hub runs tasks on this machine: use region \"local\"".into(),
        })
    }

    fn start(&self, spec: &LaunchSpec, events: EventSink) -> Result<(), LaunchError> {
        self.check_region(&spec.region)?;
        for index in spec.first_task..spec.first_task + spec.task_count {
            let child = self
                .spawn(spec, index)
                .map_err(|reason| LaunchError::Start {
                    run_id: spec.run_id.clone(),
                    task: index,
                    reason,
                })?;
            let pgid = i32::try_from(child.id()).expect("process ids fit in pid_t");
            self.running
                .lock()
                .expect("running map lock is never poisoned")
                .entry(spec.run_id.clone())
                .or_default()
                .push(pgid);
            events(TaskEvent::Started {
                run_id: spec.run_id.clone(),
                task: index,
            });
            let (events, run_id, running) = (
                Arc::clone(&events),
                spec.run_id.clone(),
                Arc::clone(&self.running),
            );
            thread::spawn(move || {
                let code = wait(child);
                forget(&running, &run_id, pgid);
                events(TaskEvent::Exited {
                    run_id,
                    task: index,
                    code,
                });
            });
        }
        Ok(())
    }

    fn cancel(&self, run_id: &str) {
        signal_run(&self.running, run_id, Signal::SIGTERM);
        let (running, run_id, grace) = (
            Arc::clone(&self.running),
            run_id.to_owned(),
            self.kill_after,
        );
        thread::spawn(move || {
            thread::sleep(grace);
            signal_run(&running, &run_id, Signal::SIGKILL);
        });
    }
}

/// Sends `signal` to the process group of every task of the run not yet reaped. The kernel does
/// not reuse a pid while its process is unreaped (or its group has members), and the waiter
/// forgets the group right after reaping, so a stranger is never signalled in practice.
fn signal_run(running: &Running, run_id: &str, signal: Signal) {
    let groups = running
        .lock()
        .expect("running map lock is never poisoned")
        .get(run_id)
        .cloned()
        .unwrap_or_default();
    for pgid in groups {
        // An error means the group is already gone; the waiter reports the exit.
        let _ = killpg(Pid::from_raw(pgid), signal);
    }
}

fn wait(mut child: Child) -> Option<i32> {
    child.wait().ok().and_then(|status| status.code())
}

fn forget(running: &Running, run_id: &str, pgid: i32) {
    let mut map = running.lock().expect("running map lock is never poisoned");
    if let Some(list) = map.get_mut(run_id) {
        list.retain(|g| *g != pgid);
        if list.is_empty() {
            map.remove(run_id);
        }
    }
}
