//! Every user-facing config error, each with enough context to say which file, where, what is wrong and
//! what to do. The CLI prints them as Taurus does: `Config Error: <message>`.

use std::path::PathBuf;

/// One near-miss key, reported like Taurus's linter:
/// `at path 'execution.0.hold-fr': unfamiliar name 'hold-fr'. Did you mean 'hold-for'?`
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typo {
    pub path: String,
    pub key: String,
    pub suggestion: String,
}

impl std::fmt::Display for Typo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "at path '{}': unfamiliar name '{}'. Did you mean '{}'?",
            self.path, self.key, self.suggestion
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(
        "No config files given. Pass at least one YAML or JSON config, e.g. `stampede run test.yml`"
    )]
    NoFiles,

    #[error("Config file not found: '{}'. Check the path (relative paths are resolved from the current directory)", file.display())]
    MissingFile { file: PathBuf },

    #[error("Error when reading config file '{}': {source}", file.display())]
    Read {
        file: PathBuf,
        source: std::io::Error,
    },

    #[error(
        "Error when reading config file '{}': {message} at line {line}, column {column}. Fix the {format} syntax there (indentation, quotes, brackets) and retry",
        file.display()
    )]
    Syntax {
        file: PathBuf,
        format: &'static str,
        line: u64,
        column: u64,
        message: String,
    },

    #[error("Error when reading config file '{}': document {document} is {found}, but a config must be a mapping of sections (execution, scenarios, ...)", file.display())]
    NotAMapping {
        file: PathBuf,
        document: usize,
        found: &'static str,
    },

    #[error("included config '{name}' (from included-configs) was not found; searched: {}", searched.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    MissingInclude {
        name: String,
        searched: Vec<PathBuf>,
    },

    #[error(
        "invalid override '-o {spec}': {reason}. Use -o PATH=VALUE, e.g. -o execution.0.concurrency=10"
    )]
    Override { spec: String, reason: String },

    #[error("Unknown CLI alias: -{name}. Define it under 'cli-aliases:' in a config (defined: [{}])", known.join(", "))]
    UnknownAlias { name: String, known: Vec<String> },

    #[error("No 'execution' is configured. Did you forget to pass config files?")]
    NoExecution,

    #[error("'{path}' must be {expected}, got {found}")]
    WrongType {
        path: String,
        expected: &'static str,
        found: String,
    },

    #[error("Scenario '{name}' not found in scenarios: [{}]. Define it under 'scenarios:' or fix the name in '{path}'", known.join(", "))]
    UndefinedScenario {
        path: String,
        name: String,
        known: Vec<String>,
    },

    #[error(
        "Scenario is not found in execution: '{path}' needs a 'scenario' (a name from 'scenarios:' or an inline mapping with 'requests')"
    )]
    NoScenario { path: String },

    #[error(
        "Scenario '{name}' has no 'requests': a scenario needs a list of requests (or a 'script', which is not supported yet)"
    )]
    NoRequests { name: String },

    #[error(
        "invalid concurrency at '{path}': {value} ({reason}). Use a whole number of virtual users >= 0, e.g. concurrency: 10"
    )]
    Concurrency {
        path: String,
        value: String,
        reason: &'static str,
    },

    #[error("invalid number at '{path}': {value} ({reason})")]
    Number {
        path: String,
        value: String,
        reason: &'static str,
    },

    #[error(
        "invalid time value at '{path}': {value:?} ({reason}). Use units d, h, m, s, ms, e.g. 90s, 1m30s, 1h, 500ms (a bare number is seconds)"
    )]
    Duration {
        path: String,
        value: String,
        reason: String,
    },

    #[error("Module '{name}' not found in list of available aliases [{}]", known.join(", "))]
    UnknownExecutor { name: String, known: Vec<String> },

    #[error(
        "not supported yet: {feature} (at '{path}'). Stampede runs HTTP 'requests' scenarios natively; convert the test to a requests scenario or run it with Taurus"
    )]
    NotSupported { path: String, feature: String },

    #[error("Errors were found in the configuration:\n{}", typos.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Typos { typos: Vec<Typo> },

    #[error("cannot create artifacts dir '{}': {source}", path.display())]
    ArtifactsDir {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot write '{}': {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("cannot serialize the effective config as YAML: {0}")]
    Dump(String),

    #[error("shellexec: {stage} task {index}: {message}")]
    ShellTask {
        stage: &'static str,
        index: usize,
        message: String,
    },

    #[error("'{path}': {value} is not {expected}; fix or remove the setting")]
    Setting {
        path: String,
        value: String,
        expected: &'static str,
    },

    #[error("'{path}': {message}")]
    Module { path: String, message: String },

    /// An error about a value, with the file (or `-o` override) that holds it.
    #[error("{source} ({origin})")]
    At {
        /// `in path/to/file.yml` or `from -o execution.0.concurrency=-1`.
        origin: String,
        source: Box<ConfigError>,
    },
}

impl ConfigError {
    /// The key path of the offending value, for errors about one.
    pub fn key_path(&self) -> Option<&str> {
        match self {
            ConfigError::WrongType { path, .. }
            | ConfigError::UndefinedScenario { path, .. }
            | ConfigError::NoScenario { path }
            | ConfigError::Concurrency { path, .. }
            | ConfigError::Number { path, .. }
            | ConfigError::Duration { path, .. }
            | ConfigError::NotSupported { path, .. }
            | ConfigError::Setting { path, .. }
            | ConfigError::Module { path, .. } => Some(path),
            ConfigError::At { source, .. } => source.key_path(),
            _ => None,
        }
    }

    /// The error without the file it was found in.
    pub fn inner(&self) -> &ConfigError {
        match self {
            ConfigError::At { source, .. } => source.inner(),
            other => other,
        }
    }
}

/// A short name for a JSON value's type, for "expected X, got Y" messages.
pub(crate) fn type_name(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "a list",
        serde_json::Value::Object(_) => "a mapping",
    }
}
