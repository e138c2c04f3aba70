//! Why a `.jmx` file could not be read.

use std::fmt;
use std::path::PathBuf;

/// A file that could not be turned into a [`crate::Plan`].
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the file is {bytes} bytes, over the {max}-byte limit for a .jmx test plan")]
    TooLarge { bytes: usize, max: usize },
    #[error("line {line}: XML nested deeper than {max} levels; is this really a JMeter test plan?")]
    TooDeep { line: u32, max: usize },
    #[error("more than {max} XML elements; is this really a JMeter test plan?")]
    TooManyElements { max: usize },
    #[error("line {line}: invalid XML: {message}")]
    Xml { line: u32, message: String },
    #[error("the file is not UTF-8 text: {0}")]
    NotUtf8(std::str::Utf8Error),
    #[error(
        "line {line}: the root element is <{found}>, not <jmeterTestPlan>: this is not a JMeter .jmx file"
    )]
    NotJmx { line: u32, found: String },
    #[error("line {line}: {message}")]
    Structure { line: u32, message: String },
    #[error("the file has no enabled TestPlan element")]
    NoTestPlan,
    #[error("{}", list(.0))]
    Invalid(Vec<ElementError>),
}

fn list(errors: &[ElementError]) -> String {
    let mut out = format!(
        "the test plan has {} problem(s) Stampede cannot run:",
        errors.len()
    );
    for e in errors {
        out.push_str("\n  ");
        out.push_str(&e.to_string());
    }
    out
}

/// One element the plan cannot be run with, and where it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElementError {
    /// The element's class (its XML tag / `testclass`), e.g. `JSR223PostProcessor`.
    pub class: String,
    /// Its `testname`.
    pub name: String,
    /// The names of its ancestors from the TestPlan down: `Test Plan / Users / Login`.
    pub path: String,
    pub line: u32,
    pub problem: Problem,
}

impl fmt::Display for ElementError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}: {} / {} \"{}\": {}",
            self.line, self.path, self.class, self.name, self.problem
        )
    }
}

/// What is wrong with an element.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    /// JSR223, BeanShell or BSF code: Stampede runs no scripts.
    Script,
    /// A sampler for another protocol (JDBC, TCP, JMS...) or a Debug/Dummy sampler.
    NonHttpSampler,
    /// A thread group type whose schedule Stampede does not implement.
    UnsupportedThreadGroup,
    /// A class Stampede does not know; it might change what is measured, so it is refused.
    Unknown,
    /// The sampler or defaults download embedded resources (images, scripts, CSS).
    EmbeddedResources,
    /// A property whose value has the wrong form.
    BadValue {
        prop: String,
        value: String,
        expected: String,
    },
    /// A thread group below the TestPlan's top level.
    NestedThreadGroup,
    /// A Module Controller whose target path names no element of the plan.
    ModuleTargetMissing { node_path: Vec<String> },
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::Script => f.write_str("scripting elements (JSR223/BeanShell/BSF) are not supported; remove or disable it"),
            Problem::NonHttpSampler => f.write_str("only HTTP samplers are supported; remove or disable this sampler"),
            Problem::UnsupportedThreadGroup => f.write_str(
                "this thread group type is not supported; use ThreadGroup, Concurrency or Ultimate Thread Group",
            ),
            Problem::Unknown => f.write_str("unsupported element type; remove or disable it"),
            Problem::EmbeddedResources => f.write_str(
                "\"Retrieve All Embedded Resources\" is not supported; untick it (HTTPSampler.image_parser)",
            ),
            Problem::BadValue { prop, value, expected } => {
                write!(f, "property {prop} is \"{value}\", expected {expected}")
            }
            Problem::NestedThreadGroup => f.write_str("a thread group must sit directly under the Test Plan"),
            Problem::ModuleTargetMissing { node_path } => write!(
                f,
                "Module Controller target \"{}\" is not an enabled element of this plan",
                node_path.join(" / ")
            ),
        }
    }
}

impl From<std::str::Utf8Error> for ReadError {
    fn from(e: std::str::Utf8Error) -> Self {
        ReadError::NotUtf8(e)
    }
}
