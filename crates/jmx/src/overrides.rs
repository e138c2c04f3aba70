//! Taurus's execution settings applied to a JMX document, as Taurus 1.17 rewrites the file before
//! JMeter runs it (`bzt/modules/jmeter.py` and `bzt/jmx/tools.py`; rules in `docs/jmx.md`).
//!
//! Pure: the document is edited in place and the warnings Taurus would log are returned.

use std::time::Duration;

use crate::document::{Document, Element, PropElement, PropKind, PropValue, Property};
use crate::groups::{CONCURRENCY, ULTIMATE};
use crate::plan::Num;

mod load;

/// The execution settings that rewrite a JMX plan. `None`/empty means "not given".
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// `concurrency`: a total shared by the thread groups, or an expression given to each.
    pub concurrency: Option<Num<u64>>,
    /// `ramp-up`.
    pub ramp_up: Option<Duration>,
    /// `hold-for`.
    pub hold_for: Option<Duration>,
    /// `iterations`.
    pub iterations: Option<u64>,
    /// `throughput`, requests per second for the whole test.
    pub throughput: Option<f64>,
    /// `steps`.
    pub steps: Option<u64>,
    /// `modifications.disable` / `enable`: shell-style patterns matched against element names.
    pub disable: Vec<String>,
    pub enable: Vec<String>,
    /// `modifications.set-prop`: `"Element name>prop>nested prop"` → value.
    pub set_prop: Vec<(String, String)>,
    /// Taurus converts groups to Concurrency Thread Groups (its `force-ctg`, default on) only when
    /// the plugin is installed in JMeter; say whether it is.
    pub concurrency_thread_group_available: bool,
}

/// Something Taurus would warn about while applying the overrides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning(pub String);

/// Applies `overrides` to `doc` in Taurus's order: disable, enable, set-prop, then the load.
pub fn apply_overrides(doc: &mut Document, overrides: &Overrides) -> Vec<Warning> {
    let mut warnings = Vec::new();
    for pattern in &overrides.disable {
        set_enabled(&mut doc.roots, pattern, false);
    }
    for pattern in &overrides.enable {
        set_enabled(&mut doc.roots, pattern, true);
    }
    for (path, value) in &overrides.set_prop {
        if let Err(w) = set_prop(&mut doc.roots, path, value) {
            warnings.push(w);
        }
    }
    if let Some(plan) = doc.roots.iter_mut().find(|e| e.class == "TestPlan") {
        load::apply(plan, overrides, &mut warnings);
    }
    warnings
}

/// Taurus toggles every element whose name matches, then every element with that exact name.
fn set_enabled(elements: &mut [Element], pattern: &str, enabled: bool) {
    let mut names = Vec::new();
    each(elements, &mut |e| {
        if fnmatch(pattern, &e.name) {
            names.push(e.name.clone());
        }
    });
    each(elements, &mut |e| {
        if names.contains(&e.name) {
            e.enabled = enabled;
        }
    });
}

fn each(elements: &mut [Element], f: &mut dyn FnMut(&mut Element)) {
    for e in elements {
        f(e);
        each(&mut e.children, f);
    }
}

/// `name>prop>...`: sets the text of every match; when none, appends a string property to the
/// first holder of the last level, as Taurus does.
fn set_prop(elements: &mut [Element], path: &str, value: &str) -> Result<(), Warning> {
    let parts: Vec<&str> = path.split('>').collect();
    let (name, props) = parts.split_first().expect("split yields at least one part");
    let Some((last, inner)) = props.split_last() else {
        return Err(Warning(format!(
            "set-prop {path}: the selector needs at least 2 levels"
        )));
    };
    let mut set = 0;
    each(elements, &mut |e| {
        if e.name == *name {
            set += set_in(&mut e.props, inner, last, value);
        }
    });
    if set > 0 {
        return Ok(());
    }
    let mut appended = false;
    each(elements, &mut |e| {
        if !appended
            && e.name == *name
            && let Some(holder) = holder_at(&mut e.props, inner)
        {
            holder.push(string_prop(last, value));
            appended = true;
        }
    });
    if appended {
        Ok(())
    } else {
        Err(Warning(format!("No elements matched for set-prop: {path}")))
    }
}

fn set_in(props: &mut [Property], inner: &[&str], last: &str, value: &str) -> usize {
    let Some((first, rest)) = inner.split_first() else {
        let mut n = 0;
        for p in props.iter_mut().filter(|p| p.name == last) {
            p.value = PropValue::Text(value.to_owned());
            n += 1;
        }
        return n;
    };
    props
        .iter_mut()
        .filter(|p| p.name == *first)
        .map(|p| match &mut p.value {
            PropValue::Element(PropElement { props, .. }) | PropValue::Collection(props) => {
                set_in(props, rest, last, value)
            }
            PropValue::Text(_) => 0,
        })
        .sum()
}

fn holder_at<'a>(props: &'a mut Vec<Property>, inner: &[&str]) -> Option<&'a mut Vec<Property>> {
    let Some((first, rest)) = inner.split_first() else {
        return Some(props);
    };
    let p = props.iter_mut().find(|p| p.name == *first)?;
    match &mut p.value {
        PropValue::Element(PropElement { props, .. }) | PropValue::Collection(props) => {
            holder_at(props, rest)
        }
        PropValue::Text(_) => None,
    }
}

pub(crate) fn string_prop(name: &str, value: &str) -> Property {
    Property {
        name: name.to_owned(),
        kind: PropKind::String,
        value: PropValue::Text(value.to_owned()),
    }
}

/// Python's `fnmatch` on POSIX: `*`, `?`, `[set]`, `[!set]`, case-sensitive. Linear in memory,
/// quadratic at worst in time (no backtracking blow-up).
pub fn fnmatch(pattern: &str, name: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let s: Vec<char> = name.chars().collect();
    // reachable[j]: the pattern prefix read so far can match s[..j].
    let mut reachable = vec![false; s.len() + 1];
    reachable[0] = true;
    let mut i = 0;
    while i < p.len() {
        let mut next = vec![false; s.len() + 1];
        let width = match p[i] {
            '*' => {
                let mut seen = false;
                for j in 0..=s.len() {
                    seen |= reachable[j];
                    next[j] = seen;
                }
                1
            }
            c => {
                let (matches, width): (Box<dyn Fn(char) -> bool>, usize) = match c {
                    '?' => (Box::new(|_| true), 1),
                    '[' => match class_at(&p, i) {
                        Some((ranges, negate, width)) => {
                            let inside = move |x: char| {
                                ranges.iter().any(|(lo, hi)| (*lo..=*hi).contains(&x))
                            };
                            (Box::new(move |x| inside(x) != negate), width)
                        }
                        None => (Box::new(|x| x == '['), 1),
                    },
                    c => (Box::new(move |x| x == c), 1),
                };
                for j in 0..s.len() {
                    next[j + 1] = reachable[j] && matches(s[j]);
                }
                width
            }
        };
        reachable = next;
        i += width;
    }
    reachable[s.len()]
}

/// A `[...]` set: its ranges, negation, and its width in pattern characters.
type CharClass = (Vec<(char, char)>, bool, usize);

/// The `[...]` set at `p[i]`, if it is closed.
fn class_at(p: &[char], i: usize) -> Option<CharClass> {
    let mut j = i + 1;
    let negate = p.get(j) == Some(&'!');
    if negate {
        j += 1;
    }
    let start = j;
    let mut ranges = Vec::new();
    while j < p.len() && (p[j] != ']' || j == start) {
        if p.get(j + 1) == Some(&'-') && p.get(j + 2).is_some_and(|c| *c != ']') {
            ranges.push((p[j], p[j + 2]));
            j += 3;
        } else {
            ranges.push((p[j], p[j]));
            j += 1;
        }
    }
    (j < p.len()).then_some((ranges, negate, j + 1 - i))
}

/// Thread groups Taurus rewrites: directly under the TestPlan, enabled, of these classes, taken
/// class by class in this order.
pub(crate) const GROUP_CLASSES: [&str; 6] = [
    "ThreadGroup",
    "kg.apc.jmeter.threads.SteppingThreadGroup",
    ULTIMATE,
    CONCURRENCY,
    "com.blazemeter.jmeter.threads.arrivals.ArrivalsThreadGroup",
    "OpenModelThreadGroup",
];

#[cfg(test)]
mod tests {
    use super::fnmatch;

    #[test]
    fn fnmatch_follows_python() {
        let table = [
            ("*", "", true),
            ("Login*", "Login page", true),
            ("Login*", "login page", false),
            ("?ogin", "Login", true),
            ("[LK]ogin", "Kogin", true),
            ("[!L]ogin", "Login", false),
            ("[a-c]x", "bx", true),
            ("a*b*c", "aXXbYYc", true),
            ("a*b*c", "aXXbYY", false),
            ("[", "[", true),
            ("Debug Sampler", "Debug Sampler", true),
        ];
        for (pattern, name, expected) in table {
            assert_eq!(fnmatch(pattern, name), expected, "{pattern} vs {name}");
        }
        let long = "a".repeat(2000);
        assert!(!fnmatch(&("*a".repeat(50) + "b"), &long));
    }
}
