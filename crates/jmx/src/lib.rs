//! Reads JMeter `.jmx` test plans (JMeter 2.x to 5.x) into a typed, validated [`Plan`], with no JVM.
//!
//! Two levels, as in JMeter itself:
//! - [`Document`]: the file as stored, test elements with raw properties and their `hashTree`
//!   children, disabled elements included. Taurus-style [`overrides`] edit this level.
//! - [`Plan`]: the enabled elements, typed ([`Kind`]). Strings JMeter evaluates at run time
//!   (`${var}`, `${__P(threads,10)}`) stay raw; numbers holding them are [`Num::Expr`].
//!
//! Elements that would change what is measured and that Stampede does not run (scripts, other
//! protocols' samplers, unknown classes) make the read fail with *every* such element listed, each
//! with its class, name, line and path. Listeners and similar are kept as one-line [`Note`]s.
//!
//! ```
//! let text = r#"<jmeterTestPlan version="1.2" properties="5.0" jmeter="5.4.1"><hashTree>
//!   <TestPlan testclass="TestPlan" testname="Shop" enabled="true"/>
//!   <hashTree>
//!     <ThreadGroup testclass="ThreadGroup" testname="Users" enabled="true">
//!       <stringProp name="ThreadGroup.num_threads">${__P(users,5)}</stringProp>
//!     </ThreadGroup>
//!     <hashTree>
//!       <HTTPSamplerProxy testclass="HTTPSamplerProxy" testname="home" enabled="true">
//!         <stringProp name="HTTPSampler.path">/</stringProp>
//!       </HTTPSamplerProxy>
//!       <hashTree/>
//!     </hashTree>
//!   </hashTree>
//! </hashTree></jmeterTestPlan>"#;
//! let plan = stampede_jmx::read(text, &stampede_jmx::Limits::default()).unwrap();
//! let (group_node, group) = plan.thread_groups().next().unwrap();
//! assert_eq!(group_node.name, "Users");
//! let stampede_jmx::GroupKind::Standard { threads, .. } = &group.kind else { panic!() };
//! assert_eq!(threads, &stampede_jmx::Num::Expr("${__P(users,5)}".into()));
//! assert_eq!(group_node.http_samplers()[0].1.method.as_deref(), Some("GET"));
//! ```

mod build;
mod checks;
mod config;
mod document;
mod error;
mod fields;
mod groups;
mod http;
mod logic;
pub mod overrides;
mod plan;
mod xml;

use std::path::Path;

pub use document::{Document, Element, PropElement, PropKind, PropValue, Property, Props};
pub use error::{ElementError, Problem, ReadError};
pub use overrides::{Overrides, Warning, apply_overrides};
pub use plan::*;
pub use xml::Limits;

/// Reads JMX text into a validated plan.
pub fn read(text: &str, limits: &Limits) -> Result<Plan, ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    Document::parse(text, limits)?.to_plan()
}

/// Reads a `.jmx` file into a validated plan.
pub fn read_file(path: &Path, limits: &Limits) -> Result<Plan, ReadError> {
    read(&load(path, limits)?, limits)
}

/// Reads JMX text, applies Taurus's overrides as Taurus would before JMeter loads the file, and
/// returns the validated plan with the warnings Taurus would log.
pub fn read_with_overrides(
    text: &str,
    limits: &Limits,
    overrides: &Overrides,
) -> Result<(Plan, Vec<Warning>), ReadError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut doc = Document::parse(text, limits)?;
    let warnings = apply_overrides(&mut doc, overrides);
    Ok((doc.to_plan()?, warnings))
}

/// Reads a `.jmx` file's bytes as text, refusing oversized files before reading them.
pub fn load(path: &Path, limits: &Limits) -> Result<String, ReadError> {
    let io = |source| ReadError::Io {
        path: path.to_owned(),
        source,
    };
    let len = std::fs::metadata(path).map_err(io)?.len();
    if len > limits.max_bytes as u64 {
        return Err(ReadError::TooLarge {
            bytes: usize::try_from(len).unwrap_or(usize::MAX),
            max: limits.max_bytes,
        });
    }
    let bytes = std::fs::read(path).map_err(io)?;
    Ok(std::str::from_utf8(&bytes)?.to_owned())
}

impl Document {
    /// The typed plan of the enabled elements, or every problem found.
    pub fn to_plan(&self) -> Result<Plan, ReadError> {
        build::build(self)
    }
}
