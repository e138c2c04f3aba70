//! Compile errors: what is wrong ([`Problem`]), where ([`KeyPath`] in a scenario, the scenario, the
//! include chain, the config file) and how to fix it ([`Problem::fix`]).
//!
//! They read `tests/t.yml: scenario "s": requests[3] (/login): extract-jsonpath "token": bad JSONPath
//! "$[": ...; <fix>`: the file, the scenario, the request (with its URL, to find it in a long file),
//! the key and the problem.

use std::borrow::Cow;
use std::fmt;
use std::path::PathBuf;

/// A scenario that cannot be compiled. Raised once, before any load. The details are boxed to keep
/// `Result`s small; read them through `Deref` (`e.problem`, `e.at.path()`).
#[derive(Debug)]
pub struct ScenarioError(Box<ErrorDetails>);

#[derive(Debug)]
pub struct ErrorDetails {
    /// The config file that defined the scenario, when the caller knows it
    /// ([`crate::CompileContext::file`]).
    pub file: Option<PathBuf>,
    /// The scenario being compiled (for an error inside an included scenario, the including one;
    /// see `via`).
    pub scenario: String,
    /// The `include-scenario` items crossed to reach the problem, outermost first.
    pub via: Vec<Include>,
    pub at: KeyPath,
    pub problem: Problem,
}

/// An `include-scenario` item crossed on the way to an error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Include {
    /// Where the include is, in the scenario that includes.
    pub at: KeyPath,
    /// The included scenario's name.
    pub scenario: String,
}

/// Where in a scenario: the item (`requests[2].then[0]`, empty at scenario level), the URL of the
/// request it is (to find it in the file), and the key inside it (`extract-jsonpath.token`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyPath {
    pub item: String,
    pub url: Option<String>,
    pub key: String,
    /// How the key reads in messages when not as `key` (`extract-jsonpath "token"`).
    pub shown: Option<String>,
}

impl KeyPath {
    pub fn new(item: &str, key: impl Into<String>) -> KeyPath {
        KeyPath {
            item: item.to_string(),
            url: None,
            key: key.into(),
            shown: None,
        }
    }

    pub fn shown(mut self, shown: String) -> KeyPath {
        self.shown = Some(shown);
        self
    }

    /// The key path as one dotted string: `requests[3].extract-jsonpath.token`.
    pub fn path(&self) -> String {
        match (self.item.is_empty(), self.key.is_empty()) {
            (_, true) => self.item.clone(),
            (true, false) => self.key.clone(),
            (false, false) => format!("{}.{}", self.item, self.key),
        }
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut sep = "";
        if !self.item.is_empty() {
            f.write_str(&self.item)?;
            if let Some(url) = &self.url {
                write!(f, " ({url})")?;
            }
            sep = ": ";
        }
        let key = self.shown.as_deref().unwrap_or(&self.key);
        if !key.is_empty() {
            write!(f, "{sep}{key}")?;
        }
        Ok(())
    }
}

impl ScenarioError {
    pub fn new(at: KeyPath, problem: Problem) -> ScenarioError {
        ScenarioError(Box::new(ErrorDetails {
            file: None,
            scenario: String::new(),
            via: Vec::new(),
            at,
            problem,
        }))
    }

    /// What to do about it.
    pub fn fix(&self) -> Option<Cow<'_, str>> {
        self.problem.fix()
    }

    /// The scenario the problem is in (the innermost included one, if any).
    pub fn innermost_scenario(&self) -> &str {
        self.via.last().map_or(&self.scenario, |i| &i.scenario)
    }
}

impl std::ops::Deref for ScenarioError {
    type Target = ErrorDetails;
    fn deref(&self) -> &ErrorDetails {
        &self.0
    }
}

impl std::ops::DerefMut for ScenarioError {
    fn deref_mut(&mut self) -> &mut ErrorDetails {
        &mut self.0
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(file) = &self.file {
            write!(f, "{}: ", file.display())?;
        }
        write!(f, "scenario {:?}", self.scenario)?;
        for inc in &self.via {
            write!(f, ": {}: in included scenario {:?}", inc.at, inc.scenario)?;
        }
        let at = self.at.to_string();
        if !at.is_empty() {
            write!(f, ": {at}")?;
        }
        write!(f, ": {}", self.problem)?;
        if let Some(fix) = self.problem.fix() {
            write!(f, "; {fix}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.problem)
    }
}

/// The language of an expression that failed to compile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Regex,
    JsonPath,
    XPath,
    Css,
}

impl fmt::Display for Lang {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Lang::Regex => "regular expression",
            Lang::JsonPath => "JSONPath",
            Lang::XPath => "XPath",
            Lang::Css => "CSS selector",
        })
    }
}

/// What is wrong. The message says what; [`Problem::fix`] says what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Problem {
    /// The mapping does not have the expected shape (the YAML reader's message).
    #[error("{detail}")]
    Shape { detail: String, keys: &'static str },
    /// A value of the wrong kind.
    #[error("{what} must be {expected}, found {found}")]
    WrongType {
        what: String,
        expected: &'static str,
        found: String,
    },
    /// A key that must be given is missing.
    #[error("{what} needs {key}")]
    Missing { what: String, key: &'static str },
    #[error("{block}: unknown key `{key}`")]
    UnknownKey {
        block: String,
        key: String,
        known: &'static [&'static str],
    },
    /// A setting that would change what is measured and that Stampede does not emulate.
    #[error("{what} is not supported")]
    Unsupported { what: String, fix: &'static str },
    #[error(transparent)]
    Template(#[from] crate::template::TemplateError),
    /// An `if`/`while` condition outside the supported expression subset.
    #[error("condition {text:?}: {what} at byte {at}")]
    Condition {
        text: String,
        what: &'static str,
        at: usize,
    },
    /// An `if`/`while` condition Stampede cannot evaluate (the message says where and what to do).
    #[error("condition {text:?}: {message}")]
    JsCondition { text: String, message: String },
    #[error("bad {lang} {expr:?}: {reason}")]
    Expression {
        lang: Lang,
        expr: String,
        reason: String,
    },
    /// A value that is not one of the accepted ones (`what` may be empty when the key says it).
    #[error("{}{value:?} {reason}", lead(what))]
    Invalid {
        what: String,
        value: String,
        reason: String,
        fix: Cow<'static, str>,
    },
    /// `shown` is the value quoted, or masked when the header carries a secret.
    #[error("invalid value {shown} for header {name}")]
    HeaderValue { name: String, shown: String },
    /// A time, timeout or file path uses variables only known while the test runs.
    #[error("{}{text:?} uses runtime variables", lead(what))]
    RuntimeVariables { what: String, text: String },
    #[error("URL {url:?} has no scheme and host")]
    NoScheme { url: String },
    #[error("{role} {}: {source}", path.display())]
    File {
        role: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// A relative file found in none of the search directories.
    #[error("{role} {given:?} not found; tried {}", tried_text(tried))]
    NotFound {
        role: &'static str,
        given: String,
        tried: Vec<PathBuf>,
    },
    /// A CSV data source whose content cannot be used.
    #[error("data-sources {path}: {reason}")]
    Data {
        path: String,
        reason: String,
        fix: &'static str,
    },
    #[error("include-scenario cycle: {}", chain.join(" -> "))]
    IncludeCycle { chain: Vec<String> },
    #[error("no scenario {name:?} in `scenarios`")]
    UnknownScenario { name: String },
    #[error(
        "scenario {name:?} runs the script {script}; only `requests` scenarios are compiled here"
    )]
    Script { name: String, script: String },
    #[error("scenario {name:?} has no `requests` list")]
    NoRequestList { name: String },
    #[error("has no requests, so there is nothing to measure")]
    NoRequests,
}

fn tried_text(tried: &[PathBuf]) -> String {
    let shown: Vec<String> = tried.iter().map(|p| p.display().to_string()).collect();
    shown.join(", ")
}

/// `what ` before a value, or nothing.
fn lead(what: &str) -> String {
    if what.is_empty() {
        String::new()
    } else {
        format!("{what} ")
    }
}

impl Problem {
    /// The fix to suggest, when there is one worth saying.
    pub fn fix(&self) -> Option<Cow<'_, str>> {
        let s: Cow<'_, str> = match self {
            Problem::Shape { keys, .. } => format!("known keys: {keys}").into(),
            Problem::WrongType { .. }
            | Problem::Expression { .. }
            | Problem::JsCondition { .. } => return None,
            Problem::HeaderValue { .. } => {
                "header values are visible ASCII text without line breaks".into()
            }
            Problem::Missing { key, .. } => format!("add {key}").into(),
            Problem::UnknownKey { known, .. } => format!("known: {}", known.join(", ")).into(),
            Problem::Unsupported { fix, .. } | Problem::Data { fix, .. } => (*fix).into(),
            Problem::Template(t) => return t.problem.fix(),
            Problem::Condition { .. } => {
                "supported: ==, !=, <, <=, >, >=, &&, ||, !, parentheses, \
                 'strings', numbers, true/false and ${var}"
                    .into()
            }
            Problem::Invalid { fix, .. } => fix.as_ref().into(),
            Problem::RuntimeVariables { .. } => {
                "only ${__P(...)} properties can be resolved before the test".into()
            }
            Problem::NoScheme { .. } => {
                "write the full URL or set the scenario's default-address".into()
            }
            Problem::File { .. } => "check the file's permissions and content".into(),
            Problem::NotFound { .. } => {
                "relative paths are looked up in the working directory, then in each config \
                 file's directory: give a path relative to one of them, or an absolute path"
                    .into()
            }
            Problem::IncludeCycle { .. } => "remove one of the includes".into(),
            Problem::UnknownScenario { .. } => "define it under `scenarios` or fix the name".into(),
            Problem::Script { .. } => {
                "convert the test to a requests scenario (the jmeter executor is not bundled)"
                    .into()
            }
            Problem::NoRequestList { .. } | Problem::NoRequests => {
                "add at least one request".into()
            }
        };
        (!s.is_empty()).then_some(s)
    }
}

pub(crate) type Res<T> = Result<T, ScenarioError>;

/// Places a leaf problem in the scenario.
pub(crate) trait At<T> {
    fn at(self, item: &str, key: &str) -> Res<T>;
}

impl<T, E: Into<Problem>> At<T> for Result<T, E> {
    fn at(self, item: &str, key: &str) -> Res<T> {
        self.map_err(|p| ScenarioError::new(KeyPath::new(item, key), p.into()))
    }
}
