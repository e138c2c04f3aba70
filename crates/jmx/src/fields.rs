//! Typed reads of raw properties, collecting bad values instead of stopping at the first one.

use std::str::FromStr;
use std::time::Duration;

use crate::document::{PropValue, Property, Props};
use crate::error::Problem;
use crate::plan::{Num, Time};

/// Reads one element's properties; every bad value becomes a [`Problem`] in `problems`.
pub(crate) struct Fields<'a> {
    props: &'a dyn Props,
    pub problems: &'a mut Vec<Problem>,
}

/// Is this raw text evaluated by JMeter at run time?
pub(crate) fn is_expr(raw: &str) -> bool {
    raw.contains("${")
}

impl<'a> Fields<'a> {
    pub fn new(props: &'a dyn Props, problems: &'a mut Vec<Problem>) -> Self {
        Fields { props, problems }
    }

    /// The same problem list, over another property holder (a nested `elementProp`).
    pub fn nested<'b>(&'b mut self, props: &'b dyn Props) -> Fields<'b> {
        Fields {
            props,
            problems: self.problems,
        }
    }

    /// Raw text, `""` when absent.
    pub fn text(&self, name: &str) -> String {
        self.props.text(name).unwrap_or_default().to_owned()
    }

    /// Raw text, `None` when absent or empty.
    pub fn opt(&self, name: &str) -> Option<String> {
        self.props
            .text(name)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
    }

    /// A JMeter boolean: `true` (any case) is true, anything else present is false.
    pub fn flag(&self, name: &str, default: bool) -> bool {
        match self.props.text(name).map(str::trim) {
            None | Some("") => default,
            Some(t) => t.eq_ignore_ascii_case("true"),
        }
    }

    /// A number; `None` when absent or empty, a problem when it is neither a number nor `${...}`.
    pub fn num<T: FromStr>(&mut self, name: &str) -> Option<Num<T>> {
        let raw = self.props.text(name)?.trim();
        if raw.is_empty() {
            return None;
        }
        if is_expr(raw) {
            return Some(Num::Expr(raw.to_owned()));
        }
        match raw.parse() {
            Ok(v) => Some(Num::Lit(v)),
            Err(_) => {
                self.bad(name, raw, "a number");
                None
            }
        }
    }

    /// A time stored as a (possibly fractional) count of `unit`.
    pub fn time(&mut self, name: &str, unit: Duration) -> Option<Time> {
        let raw = self.props.text(name)?.trim();
        if raw.is_empty() {
            return None;
        }
        if is_expr(raw) {
            return Some(Num::Expr(raw.to_owned()));
        }
        match raw.parse::<f64>() {
            Ok(v) if (0.0..1e12).contains(&v) => Some(Num::Lit(unit.mul_f64(v))),
            _ => {
                self.bad(name, raw, "a non-negative duration");
                None
            }
        }
    }

    pub fn secs(&mut self, name: &str) -> Option<Time> {
        self.time(name, Duration::from_secs(1))
    }

    pub fn millis(&mut self, name: &str) -> Option<Time> {
        self.time(name, Duration::from_millis(1))
    }

    pub fn bad(&mut self, prop: &str, value: &str, expected: &str) {
        self.problems.push(Problem::BadValue {
            prop: prop.to_owned(),
            value: value.to_owned(),
            expected: expected.to_owned(),
        });
    }

    /// The entries of a collection, nested inside an `elementProp` when `outer` is given
    /// (`HTTPsampler.Arguments` → `Arguments.arguments`).
    pub fn entries(&self, outer: Option<&str>, name: &str) -> &'a [Property] {
        let props: &'a dyn Props = self.props;
        let holder: Option<&'a [Property]> = match outer {
            Some(o) => props.element(o).map(|e| e.props.as_slice()),
            None => Some(props.props()),
        };
        holder
            .and_then(|ps| ps.iter().find(|p| p.name == name))
            .and_then(|p| match &p.value {
                PropValue::Collection(c) => Some(c.as_slice()),
                _ => None,
            })
            .unwrap_or_default()
    }
}

/// The scalar texts of a collection (`collectionProp` of `stringProp`s), in order.
pub(crate) fn texts(entries: &[Property]) -> Vec<String> {
    entries
        .iter()
        .filter_map(|p| match &p.value {
            PropValue::Text(t) => Some(t.clone()),
            _ => None,
        })
        .collect()
}
