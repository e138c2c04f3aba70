//! Taurus's execution settings applied to a JMX document (see `docs/jmx.md`).

use crate::document::Document;

/// Taurus execution settings that rewrite a JMX plan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {}

/// Applies `overrides` to `doc`.
pub fn apply_overrides(_doc: &mut Document, _overrides: &Overrides) {}
