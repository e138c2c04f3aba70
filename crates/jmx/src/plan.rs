//! The typed, validated plan tree: what a JMX file asks JMeter to do.
//!
//! Strings stay raw where JMeter evaluates them at run time (`${var}`, `${__P(name,1)}`): numbers
//! that hold such an expression are a [`Num::Expr`], never a guessed value.

use std::time::Duration;

pub use crate::checks::{Assertion, Extractor, MatchKind, MatchRule, Scope, Timer};
pub use crate::config::{AuthEntry, Config, Cookie, CsvDataSet, ShareMode};
pub use crate::groups::{GroupKind, GroupRole, Loops, OnSampleError, ThreadGroup, UltimateRow};
pub use crate::http::{FileArg, HttpArg, HttpRequest};
pub use crate::logic::{Controller, FlowControl, ThroughputStyle};

/// A number as JMeter stores it: a literal, or an expression JMeter evaluates at run time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Num<T> {
    Lit(T),
    /// Raw text holding `${...}`, left for the scenario compiler to evaluate.
    Expr(String),
}

impl<T> Num<T> {
    /// Converts a literal, keeps an expression.
    pub fn map_lit<U>(self, f: impl FnOnce(T) -> U) -> Num<U> {
        match self {
            Num::Lit(v) => Num::Lit(f(v)),
            Num::Expr(e) => Num::Expr(e),
        }
    }
}

/// The plan read from a `.jmx` file.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The TestPlan's `testname`.
    pub name: String,
    /// `jmeterTestPlan@jmeter`, the version that saved the file.
    pub jmeter_version: Option<String>,
    /// TestPlan "Run Thread Groups consecutively".
    pub serialize_thread_groups: bool,
    /// TestPlan "Run tearDown Thread Groups after shutdown of main threads".
    pub teardown_on_shutdown: bool,
    pub functional_mode: bool,
    /// TestPlan "User Defined Variables", in file order.
    pub variables: Vec<Variable>,
    /// The enabled children of the TestPlan: thread groups and the elements that scope over them.
    pub children: Vec<Node>,
    /// Elements read but ignored (listeners, DNS cache manager...) and other remarks, one line each.
    pub notes: Vec<Note>,
    /// What each Module Controller of the plan runs.
    pub module_targets: Vec<ModuleTarget>,
}

/// The element a Module Controller's node path names, with its subtree; a disabled target is
/// enabled, as JMeter does when it runs it.
#[derive(Debug, Clone, PartialEq)]
pub struct ModuleTarget {
    pub node_path: Vec<String>,
    pub node: Node,
}

/// One enabled test element and its enabled children.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    /// The `testname`.
    pub name: String,
    /// Line of the element in the file.
    pub line: u32,
    pub kind: Kind,
    pub children: Vec<Node>,
}

/// What a node is.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    ThreadGroup(ThreadGroup),
    /// An HTTP sampler (`HTTPSamplerProxy`, or the legacy `HTTPSampler`/`HTTPSampler2`).
    Http(HttpRequest),
    Config(Config),
    Controller(Controller),
    Extractor(Extractor),
    Assertion(Assertion),
    Timer(Timer),
    /// Flow Control Action: a think time or a stop, which JMeter runs as a sampler without a sample.
    FlowControl(FlowControl),
}

/// A name/value pair of an `Arguments` element (User Defined Variables).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Variable {
    pub name: String,
    pub value: String,
}

/// A remark about an element that was read but has no effect on the load (one line each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Where: `Test Plan / Users / View Results Tree`.
    pub path: String,
    pub line: u32,
    pub message: String,
}

impl std::fmt::Display for Note {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}: {}", self.line, self.path, self.message)
    }
}

/// A time in JMeter's unit for the property (seconds or milliseconds), as a [`Duration`].
pub type Time = Num<Duration>;

impl Plan {
    /// Every node in depth-first order, with its depth (0 for the TestPlan's children).
    pub fn walk(&self) -> Vec<(usize, &Node)> {
        let mut out = Vec::new();
        let mut stack: Vec<(usize, &Node)> = self.children.iter().rev().map(|n| (0, n)).collect();
        while let Some((depth, node)) = stack.pop() {
            out.push((depth, node));
            stack.extend(node.children.iter().rev().map(|n| (depth + 1, n)));
        }
        out
    }

    /// The node a Module Controller's path names.
    pub fn module_target(&self, node_path: &[String]) -> Option<&Node> {
        self.module_targets
            .iter()
            .find(|t| t.node_path == node_path)
            .map(|t| &t.node)
    }

    /// The thread groups (setUp, main and tearDown), in file order.
    pub fn thread_groups(&self) -> impl Iterator<Item = (&Node, &ThreadGroup)> {
        self.children.iter().filter_map(|n| match &n.kind {
            Kind::ThreadGroup(g) => Some((n, g)),
            _ => None,
        })
    }
}

impl Node {
    /// The HTTP samplers under this node, in execution order.
    pub fn http_samplers(&self) -> Vec<(&Node, &HttpRequest)> {
        let mut out = Vec::new();
        let mut stack: Vec<&Node> = self.children.iter().rev().collect();
        while let Some(node) = stack.pop() {
            if let Kind::Http(h) = &node.kind {
                out.push((node, h));
            }
            stack.extend(node.children.iter().rev());
        }
        out
    }
}
