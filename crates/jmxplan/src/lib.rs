//! Lowers a JMeter test plan (read by `stampede-jmx`) onto Stampede's scenario program: each
//! enabled thread group becomes one load ([`LoadSpec`]) and one [`CompiledScenario`], built with
//! the same [`ProgramBuilder`](stampede_scenario::ProgramBuilder) the Taurus YAML front end uses,
//! so a `.jmx` plan runs on the same engine and writes the same reports.
//!
//! JMeter's scoping is kept: a config element, timer, extractor or assertion applies to every
//! sampler below its parent (HTTP Request Defaults and Header Managers merge, the closer one wins).
//! Anything the program cannot express is a [`Refusal`] naming the element's type, name, path and
//! line; every refusal of the plan is reported at once and nothing is skipped silently.
//!
//! ```
//! let text = r#"<jmeterTestPlan version="1.2"><hashTree>
//!   <TestPlan testclass="TestPlan" testname="Shop" enabled="true"/>
//!   <hashTree>
//!     <ThreadGroup testclass="ThreadGroup" testname="Users" enabled="true">
//!       <stringProp name="ThreadGroup.num_threads">${__P(users,3)}</stringProp>
//!     </ThreadGroup>
//!     <hashTree>
//!       <HTTPSamplerProxy testclass="HTTPSamplerProxy" testname="home" enabled="true">
//!         <stringProp name="HTTPSampler.domain">127.0.0.1</stringProp>
//!         <stringProp name="HTTPSampler.path">/</stringProp>
//!       </HTTPSamplerProxy>
//!       <hashTree/>
//!     </hashTree>
//!   </hashTree>
//! </hashTree></jmeterTestPlan>"#;
//! let opts = stampede_jmxplan::Options::default();
//! let lowered = stampede_jmxplan::lower_text(text, &opts).unwrap();
//! let group = &lowered.groups[0];
//! assert_eq!(group.load.concurrency, 3);
//! assert_eq!(group.load.iterations, Some(1));
//! assert_eq!(group.scenario.labels(), vec!["home"]);
//! ```

mod checks;
mod control;
mod eval;
mod load;
mod lower;
mod names;
mod sampler;
pub mod taurus;
mod upload;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use stampede_config::LoadSpec;
pub use stampede_jmx::GroupRole;
use stampede_jmx::{Limits, Overrides, Plan, ReadError};
use stampede_scenario::{CompiledScenario, ScenarioError};

pub use eval::Eval;

/// What the plan is lowered with, besides the plan itself.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The plan's directory: relative CSV paths are read from it.
    pub base_dir: PathBuf,
    /// JMeter properties (`-J`, Taurus `properties`): what `${__P(name)}` returns.
    pub properties: HashMap<String, String>,
    /// Taurus's plan edits and load settings, applied to the file before it is read.
    pub overrides: Overrides,
    /// Taurus `throughput` (requests per second for the whole test), shared by the main groups in
    /// proportion to their threads.
    pub throughput: Option<f64>,
    /// Taurus `scenario.variables`: User Defined Variables appended to the Test Plan.
    pub variables: Vec<(String, String)>,
    /// Taurus `scenario.headers`: a Header Manager appended to the Test Plan.
    pub headers: Vec<(String, String)>,
    /// `source` of the first group's samples; the next groups take the following numbers.
    pub first_source: u16,
}

/// One thread group, ready for the engine.
#[derive(Debug)]
pub struct Group {
    /// The thread group's name.
    pub name: String,
    /// setUp groups run before the main ones, tearDown groups after them.
    pub role: GroupRole,
    pub load: LoadSpec,
    /// Startup delay of the group (JMeter's scheduler delay, Ultimate's initial delay).
    pub delay: Option<Duration>,
    pub scenario: CompiledScenario,
}

/// A lowered plan: its thread groups in file order, and what was accepted with a remark.
#[derive(Debug)]
pub struct Lowered {
    pub groups: Vec<Group>,
    /// Taurus's override warnings, the reader's notes (listeners ignored...) and the lowering's own.
    pub warnings: Vec<String>,
}

/// An element that cannot run as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub line: u32,
    /// `Test Plan / Users / Login / JSON Assertion`.
    pub path: String,
    /// The element's type as JMeter's GUI names it (`Random Controller`).
    pub kind: String,
    pub reason: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}: {} ({}): {}",
            self.line, self.path, self.kind, self.reason
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("{} element(s) cannot run:\n{}", .0.len(), list(.0))]
    Refused(Vec<Refusal>),
    #[error("thread group '{group}': {source}")]
    Scenario {
        group: String,
        source: Box<ScenarioError>,
    },
    #[error("the plan has no enabled thread group with an HTTP sampler: nothing to run")]
    NothingToRun,
}

fn list(refusals: &[Refusal]) -> String {
    let lines: Vec<String> = refusals.iter().map(|r| format!("  {r}")).collect();
    lines.join("\n")
}

/// Reads a `.jmx` file, applies Taurus's overrides and lowers it.
pub fn lower_file(path: &Path, opts: &Options) -> Result<Lowered, Error> {
    let limits = Limits::default();
    let text = stampede_jmx::load(path, &limits)?;
    lower_text(&text, opts)
}

/// [`lower_file`] on the text of a plan.
pub fn lower_text(text: &str, opts: &Options) -> Result<Lowered, Error> {
    let (plan, taurus) =
        stampede_jmx::read_with_overrides(text, &Limits::default(), &opts.overrides)?;
    let mut lowered = lower(&plan, opts)?;
    let mut warnings: Vec<String> = taurus.into_iter().map(|w| w.0).collect();
    warnings.extend(plan.notes.iter().map(ToString::to_string));
    warnings.append(&mut lowered.warnings);
    lowered.warnings = warnings;
    Ok(lowered)
}

/// Lowers a plan already read (and edited).
pub fn lower(plan: &Plan, opts: &Options) -> Result<Lowered, Error> {
    lower::plan(plan, opts)
}
