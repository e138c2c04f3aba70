//! `services` and `modules.shellexec`, typed at load time: each shell task becomes a [`ShellTask`]
//! in its stage, so a malformed task is a config error that `validate` reports before anything runs.
//! (What the tasks do when run is the executor's job; docs/taurus-config.md#shellexec.)

use std::path::PathBuf;

use serde_json::{Map, Value};

use super::error::ConfigError;

/// The stages a shellexec task can run at, in the order a test goes through them.
pub const STAGES: [&str; 4] = ["prepare", "startup", "shutdown", "post-process"];

/// One shell command of a `shellexec` service.
#[derive(Clone, Debug, PartialEq)]
pub struct ShellTask {
    pub command: String,
    pub background: bool,
    pub ignore_failure: bool,
    pub out: Option<PathBuf>,
    pub err: Option<PathBuf>,
    /// `artifacts-dir` or a directory; `None` = the process's working directory.
    pub cwd: Option<String>,
    pub env: Vec<(String, String)>,
}

/// Every shellexec task of a config, by stage, plus the module's settings.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ShellExecSpec {
    /// Stages in first-use order, each with its tasks in config order.
    pub stages: Vec<(&'static str, Vec<ShellTask>)>,
    /// `modules.shellexec.default-cwd`.
    pub default_cwd: Option<String>,
    /// `modules.shellexec.env`.
    pub env: Vec<(String, String)>,
    /// Tasks of the `check` stage, which Stampede does not run (it measures nothing).
    pub check_tasks: usize,
}

impl ShellExecSpec {
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    pub fn tasks(&self, stage: &str) -> &[ShellTask] {
        self.stages
            .iter()
            .find(|(s, _)| *s == stage)
            .map_or(&[], |(_, t)| t.as_slice())
    }

    fn push(&mut self, stage: &'static str, task: ShellTask) {
        match self.stages.iter_mut().find(|(s, _)| *s == stage) {
            Some((_, v)) => v.push(task),
            None => self.stages.push((stage, vec![task])),
        }
    }
}

/// Reads every `services` item with `module: shellexec` and the `modules.shellexec` settings.
pub fn shellexec(config: &Map<String, Value>) -> Result<ShellExecSpec, ConfigError> {
    let settings = config
        .get("modules")
        .and_then(|m| m.get("shellexec"))
        .unwrap_or(&Value::Null);
    let mut spec = ShellExecSpec {
        default_cwd: settings["default-cwd"].as_str().map(str::to_string),
        env: env_pairs(&settings["env"]),
        ..ShellExecSpec::default()
    };
    let services = match config.get("services") {
        Some(Value::Array(items)) => items.as_slice(),
        _ => &[],
    };
    for svc in services.iter().filter(|s| s["module"] == "shellexec") {
        for stage in STAGES {
            for (index, t) in as_list(&svc[stage]).iter().enumerate() {
                let task = task(t).map_err(|message| ConfigError::ShellTask {
                    stage,
                    index,
                    message,
                })?;
                spec.push(stage, task);
            }
        }
        spec.check_tasks += as_list(&svc["check"]).len();
    }
    Ok(spec)
}

fn as_list(v: &Value) -> Vec<Value> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(a) => a.clone(),
        other => vec![other.clone()],
    }
}

fn env_pairs(v: &Value) -> Vec<(String, String)> {
    v.as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = v.as_str().map_or_else(|| v.to_string(), str::to_string);
                    (k.clone(), v)
                })
                .collect()
        })
        .unwrap_or_default()
}

fn task(v: &Value) -> Result<ShellTask, String> {
    let m = match v {
        Value::String(s) => {
            return Ok(ShellTask {
                command: s.clone(),
                background: false,
                ignore_failure: false,
                out: None,
                err: None,
                cwd: None,
                env: Vec::new(),
            });
        }
        Value::Object(m) => m,
        other => {
            return Err(format!(
                "expected a command string or a mapping, got {other}"
            ));
        }
    };
    let text = |k: &str| m.get(k).and_then(Value::as_str);
    let flag = |k: &str| m.get(k).and_then(Value::as_bool).unwrap_or(false);
    Ok(ShellTask {
        command: text("command")
            .ok_or("a task needs a 'command' string")?
            .to_string(),
        background: flag("background"),
        ignore_failure: flag("ignore-failure"),
        out: text("out").map(PathBuf::from),
        err: text("err").map(PathBuf::from),
        cwd: text("cwd").map(str::to_string),
        env: env_pairs(m.get("env").unwrap_or(&Value::Null)),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(v: Value) -> Result<ShellExecSpec, ConfigError> {
        let Value::Object(m) = v else { unreachable!() };
        shellexec(&m)
    }

    #[test]
    fn tasks_by_stage_with_settings() {
        let s = spec(json!({"services": [{"module": "shellexec",
            "prepare": "echo a", "check": ["x", "y"],
            "post-process": [{"command": "exit 3", "ignore-failure": true, "env": {"N": 1}}]},
            {"module": "monitoring"}],
            "modules": {"shellexec": {"default-cwd": "artifacts-dir", "env": {"A": "b"}}}}))
        .unwrap();
        assert_eq!(s.tasks("prepare")[0].command, "echo a");
        assert!(s.tasks("startup").is_empty());
        let pp = &s.tasks("post-process")[0];
        assert!(pp.ignore_failure && !pp.background);
        assert_eq!(pp.env, vec![("N".to_string(), "1".to_string())]);
        assert_eq!(s.check_tasks, 2);
        assert_eq!(s.default_cwd.as_deref(), Some("artifacts-dir"));
        assert_eq!(s.env, vec![("A".to_string(), "b".to_string())]);
    }

    #[test]
    fn bad_task_is_a_config_error() {
        let e =
            spec(json!({"services": [{"module": "shellexec", "startup": [{"background": true}]}]}))
                .unwrap_err();
        assert_eq!(
            e.to_string(),
            "shellexec: startup task 0: a task needs a 'command' string"
        );
        assert_eq!(e.key_path(), None);
        let e = spec(json!({"services": [{"module": "shellexec", "prepare": [5]}]})).unwrap_err();
        assert!(
            e.to_string()
                .contains("expected a command string or a mapping, got 5"),
            "{e}"
        );
    }
}
