//! [`LocalFargate`]: "Fargate" on this machine for an ECS endpoint that records tasks without
//! running them (moto). It lists the cluster's tasks, and runs each one once as a local process
//! (normally `stampede ecs`) with the environment its container override gives, plus the
//! endpoint and credentials; a task ECS marks to stop (StopTask) gets SIGTERM, as Fargate sends it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use aws_sdk_ecs::Client;
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;

use crate::sdk::describe;

/// A task as ECS recorded it.
#[derive(Clone, Debug, PartialEq)]
pub struct RecordedTask {
    pub arn: String,
    pub desired_status: String,
    /// The container override's environment.
    pub env: Vec<(String, String)>,
}

/// How a task's process ended.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskExit {
    pub arn: String,
    /// `None` if killed by a signal.
    pub code: Option<i32>,
    /// Whether it was sent SIGTERM because ECS stopped the task.
    pub stopped: bool,
    /// The task's working directory (its console output is in `console.log` there).
    pub dir: PathBuf,
}

pub struct LocalFargate {
    ecs: Client,
    cluster: String,
    program: PathBuf,
    args: Vec<String>,
    env: Vec<(String, String)>,
    work: PathBuf,
    parallel: usize,
    poll: Duration,
}

struct Running {
    arn: String,
    child: Child,
    stopped: bool,
    dir: PathBuf,
}

impl LocalFargate {
    /// Runs `program args…` per task, each in its own directory under `work`, at most `parallel`
    /// at once. `env` is added to every task (the endpoint, credentials, `AWS_REGION`).
    pub fn new(
        ecs: Client,
        cluster: &str,
        program: impl Into<PathBuf>,
        args: Vec<String>,
        env: Vec<(String, String)>,
        work: impl Into<PathBuf>,
    ) -> Self {
        LocalFargate {
            ecs,
            cluster: cluster.into(),
            program: program.into(),
            args,
            env,
            work: work.into(),
            parallel: 8,
            poll: Duration::from_millis(300),
        }
    }

    pub fn with_parallel(mut self, n: usize) -> Self {
        self.parallel = n.max(1);
        self
    }

    /// Every task of the cluster, in ARN order.
    pub async fn tasks(&self) -> Result<Vec<RecordedTask>, String> {
        let mut arns = Vec::new();
        let mut pages = self
            .ecs
            .list_tasks()
            .cluster(&self.cluster)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| format!("ListTasks: {}", describe(&e)))?;
            arns.extend(page.task_arns().iter().cloned());
        }
        arns.sort();
        let mut out = Vec::new();
        for chunk in arns.chunks(100) {
            let described = self
                .ecs
                .describe_tasks()
                .cluster(&self.cluster)
                .set_tasks(Some(chunk.to_vec()))
                .send()
                .await
                .map_err(|e| format!("DescribeTasks: {}", describe(&e)))?;
            for t in described.tasks() {
                let env = t
                    .overrides()
                    .and_then(|o| o.container_overrides().first())
                    .map(|c| {
                        c.environment()
                            .iter()
                            .filter_map(|kv| Some((kv.name()?.to_owned(), kv.value()?.to_owned())))
                            .collect()
                    })
                    .unwrap_or_default();
                out.push(RecordedTask {
                    arn: t.task_arn().unwrap_or_default().to_owned(),
                    desired_status: t.desired_status().unwrap_or_default().to_owned(),
                    env,
                });
            }
        }
        out.sort_by(|a, b| a.arn.cmp(&b.arn));
        Ok(out)
    }

    fn spawn(&self, task: &RecordedTask) -> Result<Running, String> {
        let id = task.arn.rsplit('/').next().unwrap_or("task").to_owned();
        let dir = self.work.join(&id);
        let artifacts = dir.join("artifacts");
        std::fs::create_dir_all(&artifacts).map_err(|e| format!("{}: {e}", dir.display()))?;
        let log = std::fs::File::create(dir.join("console.log")).map_err(|e| e.to_string())?;
        let err = log.try_clone().map_err(|e| e.to_string())?;
        let child = Command::new(&self.program)
            .args(&self.args)
            .envs(self.env.iter().cloned())
            .envs(task.env.iter().cloned())
            .env("STAMPEDE_ARTIFACTS_DIR", &artifacts)
            .env("STAMPEDE_HEALTH_FILE", dir.join("health_ready"))
            .current_dir(&dir)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(err)
            .spawn()
            .map_err(|e| format!("starting {}: {e}", self.program.display()))?;
        Ok(Running {
            arn: task.arn.clone(),
            child,
            stopped: false,
            dir,
        })
    }

    /// Runs every task of the cluster that ECS wants running and has not run here yet, until all
    /// have exited (or `limit` passes: the rest are killed and reported with `code: None`).
    pub async fn run(&self, limit: Duration) -> Result<Vec<TaskExit>, String> {
        let until = Instant::now() + limit;
        let mut seen = HashSet::new();
        let mut queue: VecDeque<RecordedTask> = VecDeque::new();
        let mut running: Vec<Running> = Vec::new();
        let mut exits = Vec::new();
        loop {
            let tasks = self.tasks().await?;
            let desired: HashMap<&str, &str> = tasks
                .iter()
                .map(|t| (t.arn.as_str(), t.desired_status.as_str()))
                .collect();
            for t in &tasks {
                if t.desired_status == "RUNNING" && seen.insert(t.arn.clone()) {
                    queue.push_back(t.clone());
                }
            }
            while running.len() < self.parallel {
                let Some(t) = queue.pop_front() else { break };
                running.push(self.spawn(&t)?);
            }
            for r in &mut running {
                if !r.stopped && desired.get(r.arn.as_str()).is_some_and(|s| *s != "RUNNING") {
                    r.stopped = true;
                    let _ = kill(Pid::from_raw(r.child.id() as i32), Signal::SIGTERM);
                }
            }
            let timed_out = Instant::now() > until;
            let mut still = Vec::new();
            for mut r in running.drain(..) {
                let status = match r.child.try_wait() {
                    Ok(Some(s)) => Some(s),
                    _ if timed_out => {
                        let _ = r.child.kill();
                        r.child.wait().ok()
                    }
                    _ => None,
                };
                match status {
                    Some(s) => exits.push(TaskExit {
                        arn: r.arn,
                        code: if timed_out { None } else { s.code() },
                        stopped: r.stopped,
                        dir: r.dir,
                    }),
                    None => still.push(r),
                }
            }
            running = still;
            if (running.is_empty() && queue.is_empty()) || timed_out {
                return Ok(exits);
            }
            tokio::time::sleep(self.poll).await;
        }
    }
}
