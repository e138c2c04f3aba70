//! The YAML front end for post-processors: Taurus's `extract-*` and `assert*` entries read into
//! [`ExtractorSpec`]s and [`AssertionSpec`]s (the builder compiles them).

use super::assert::AssertionSpec;
use super::error::Problem;
use super::extract::{ExtractExpr, ExtractFrom, ExtractorSpec, Subject};
use super::raw::RawExtractor;
use serde_json::Value;

type Map = serde_json::Map<String, Value>;

fn known_keys(m: &Map, block: &str, allowed: &'static [&'static str]) -> Result<(), Problem> {
    match m.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(Problem::UnknownKey {
            block: block.to_string(),
            key: k.clone(),
            known: allowed,
        }),
        None => Ok(()),
    }
}

fn get_bool(m: &Map, k: &str, default: bool) -> Result<bool, Problem> {
    match m.get(k) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::Bool(b)) => Ok(*b),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Ok(true),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Ok(false),
        Some(other) => Err(Problem::WrongType {
            what: format!("`{k}`"),
            expected: "true or false",
            found: other.to_string(),
        }),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn opt_str(m: &serde_json::Map<String, Value>, k: &str) -> Option<String> {
    m.get(k).and_then(|v| match v {
        Value::String(s) => Some(s.clone()),
        Value::Null => None,
        other => Some(other.to_string()),
    })
}

fn opt_int(m: &serde_json::Map<String, Value>, k: &str) -> Result<Option<i64>, Problem> {
    let bad = |v: &Value| Problem::WrongType {
        what: format!("`{k}`"),
        expected: "an integer",
        found: v.to_string(),
    };
    match m.get(k) {
        None | Some(Value::Null) => Ok(None),
        Some(v @ Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| bad(v)),
        Some(v @ Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad(v)),
        Some(other) => Err(bad(other)),
    }
}

fn opt_bool(m: &serde_json::Map<String, Value>, k: &str) -> bool {
    match m.get(k) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// The YAML blocks of each extractor kind and the keys they accept.
const REGEXP_KEYS: &[&str] = &[
    "regexp",
    "template",
    "match-no",
    "default",
    "subject",
    "scope",
    "from-variable",
];
const JSONPATH_KEYS: &[&str] = &[
    "jsonpath",
    "default",
    "match-no",
    "concat",
    "scope",
    "from-variable",
];
const XPATH_KEYS: &[&str] = &[
    "xpath",
    "default",
    "validate-xml",
    "ignore-whitespace",
    "match-no",
    "use-namespaces",
    "use-tolerant-parser",
    "scope",
    "from-variable",
];
const CSS_KEYS: &[&str] = &[
    "expression",
    "attribute",
    "match-no",
    "default",
    "scope",
    "from-variable",
];
const BOUNDARY_KEYS: &[&str] = &[
    "left",
    "right",
    "subject",
    "match-no",
    "default",
    "scope",
    "from-variable",
];

impl ExtractorSpec {
    /// Reads a YAML `extract-*` entry; `block` is the Taurus key (`extract-regexp`...).
    pub(crate) fn from_yaml(
        block: &str,
        var: &str,
        raw: &RawExtractor,
    ) -> Result<ExtractorSpec, Problem> {
        let (main_key, allowed) = match block {
            "extract-regexp" => ("regexp", REGEXP_KEYS),
            "extract-jsonpath" => ("jsonpath", JSONPATH_KEYS),
            "extract-xpath" => ("xpath", XPATH_KEYS),
            "extract-css-jquery" => ("expression", CSS_KEYS),
            _ => ("", BOUNDARY_KEYS),
        };
        let m = match raw {
            RawExtractor::Short(_) if main_key.is_empty() => {
                return Err(Problem::WrongType {
                    what: "extract-boundary".into(),
                    expected: "the full form {left, right}",
                    found: "a string".into(),
                });
            }
            RawExtractor::Short(s) => {
                serde_json::Map::from_iter([(main_key.to_string(), Value::String(s.clone()))])
            }
            RawExtractor::Full(m) => m.clone(),
        };
        if let Some(k) = m.keys().find(|k| !allowed.contains(&k.as_str())) {
            return Err(Problem::UnknownKey {
                block: block.to_string(),
                key: k.clone(),
                known: allowed,
            });
        }
        let expr = |key: &'static str| {
            opt_str(&m, key).ok_or_else(|| Problem::Missing {
                what: block.to_string(),
                key: match key {
                    "regexp" => "`regexp`",
                    "jsonpath" => "`jsonpath`",
                    "xpath" => "`xpath`",
                    "expression" => "`expression`",
                    "left" => "`left`",
                    _ => "`right`",
                },
            })
        };
        let expr = match block {
            "extract-regexp" => ExtractExpr::Regexp {
                regexp: expr("regexp")?,
                template: match m.get("template") {
                    None | Some(Value::Null) => "$1$".to_string(),
                    Some(Value::Number(n)) => format!("${n}$"),
                    Some(Value::String(s)) if s.trim().parse::<u32>().is_ok() => {
                        format!("${}$", s.trim())
                    }
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => {
                        return Err(Problem::WrongType {
                            what: "template".into(),
                            expected: "a string",
                            found: other.to_string(),
                        });
                    }
                },
            },
            "extract-jsonpath" => ExtractExpr::JsonPath {
                jsonpath: expr("jsonpath")?,
                concat: opt_bool(&m, "concat"),
            },
            "extract-xpath" => ExtractExpr::XPath {
                xpath: expr("xpath")?,
            },
            "extract-css-jquery" => ExtractExpr::Css {
                expression: expr("expression")?,
                attribute: opt_str(&m, "attribute").unwrap_or_default(),
            },
            _ => ExtractExpr::Boundary {
                left: expr("left")?,
                right: expr("right")?,
            },
        };
        Ok(ExtractorSpec {
            var: var.to_string(),
            expr,
            match_no: opt_int(&m, "match-no")?,
            default: opt_str(&m, "default"),
            from: match opt_str(&m, "from-variable") {
                Some(v) if !v.is_empty() => ExtractFrom::Variable(v),
                _ => ExtractFrom::Response(Subject::parse(opt_str(&m, "subject").as_deref())),
            },
        })
    }
}

impl AssertionSpec {
    /// `assert`: a string item is `{contains: [item]}`; `contains` may be a scalar.
    pub(crate) fn from_yaml_response(item: &Value) -> Result<AssertionSpec, Problem> {
        let m = match item {
            Value::Object(m) => m.clone(),
            other => Map::from_iter([("contains".to_string(), Value::Array(vec![other.clone()]))]),
        };
        known_keys(
            &m,
            "assert",
            &["contains", "subject", "regexp", "not", "assume-success"],
        )?;
        let patterns: Vec<String> = match m.get("contains") {
            Some(Value::Array(a)) => a.iter().map(scalar).collect(),
            Some(Value::Null) | None => {
                return Err(Problem::Missing {
                    what: "assert".into(),
                    key: "`contains`",
                });
            }
            Some(v) => vec![scalar(v)],
        };
        Ok(AssertionSpec::Response {
            patterns,
            subject: Subject::parse(m.get("subject").and_then(Value::as_str)),
            regexp: get_bool(&m, "regexp", true)?,
            not: get_bool(&m, "not", false)?,
            assume_success: get_bool(&m, "assume-success", false)?,
        })
    }

    pub(crate) fn from_yaml_jsonpath(item: &Value) -> Result<AssertionSpec, Problem> {
        let m = match item {
            Value::Object(m) => m.clone(),
            other => Map::from_iter([("jsonpath".to_string(), other.clone())]),
        };
        known_keys(
            &m,
            "assert-jsonpath",
            &[
                "jsonpath",
                "validate",
                "expected-value",
                "expect-null",
                "invert",
                "regexp",
            ],
        )?;
        let jsonpath = m
            .get("jsonpath")
            .and_then(Value::as_str)
            .ok_or(Problem::Missing {
                what: "assert-jsonpath".into(),
                key: "`jsonpath`",
            })?;
        Ok(AssertionSpec::JsonPath {
            jsonpath: jsonpath.to_string(),
            validate: get_bool(&m, "validate", false)?,
            expected: m.get("expected-value").map(scalar).unwrap_or_default(),
            expect_null: get_bool(&m, "expect-null", false)?,
            invert: get_bool(&m, "invert", false)?,
            regexp: get_bool(&m, "regexp", true)?,
        })
    }

    pub(crate) fn from_yaml_xpath(item: &Value) -> Result<AssertionSpec, Problem> {
        let m = match item {
            Value::Object(m) => m.clone(),
            other => Map::from_iter([("xpath".to_string(), other.clone())]),
        };
        known_keys(
            &m,
            "assert-xpath",
            &[
                "xpath",
                "validate-xml",
                "ignore-whitespace",
                "use-tolerant-parser",
                "invert",
            ],
        )?;
        let xpath = m
            .get("xpath")
            .and_then(Value::as_str)
            .ok_or(Problem::Missing {
                what: "assert-xpath".into(),
                key: "`xpath`",
            })?;
        Ok(AssertionSpec::XPath {
            xpath: xpath.to_string(),
            invert: get_bool(&m, "invert", false)?,
        })
    }
}

/// YAML entries compiled in one step, for the unit tests of the compiled forms.
#[cfg(test)]
mod one_step {
    use super::*;
    use crate::assert::Assertion;
    use crate::extract::Extractor;
    use crate::template::TemplateCompiler;

    impl Extractor {
        /// A YAML `extract-*` entry, compiled; `block` is the Taurus key (`extract-regexp`...).
        pub(crate) fn compile(
            block: &str,
            var: &str,
            raw: &RawExtractor,
        ) -> Result<Extractor, Problem> {
            Extractor::new(ExtractorSpec::from_yaml(block, var, raw)?)
        }
    }

    impl Assertion {
        /// The YAML `assert` item, compiled.
        pub(crate) fn response(
            item: &Value,
            tc: &mut TemplateCompiler,
        ) -> Result<Assertion, Problem> {
            Assertion::compile(AssertionSpec::from_yaml_response(item)?, tc)
        }

        /// The YAML `assert-jsonpath` item, compiled.
        pub(crate) fn jsonpath(
            item: &Value,
            tc: &mut TemplateCompiler,
        ) -> Result<Assertion, Problem> {
            Assertion::compile(AssertionSpec::from_yaml_jsonpath(item)?, tc)
        }

        /// The YAML `assert-xpath` item, compiled.
        pub(crate) fn xpath(item: &Value) -> Result<Assertion, Problem> {
            Assertion::compile(
                AssertionSpec::from_yaml_xpath(item)?,
                &mut TemplateCompiler::default(),
            )
        }
    }
}
