//! Assertions: `assert` (JMeter Response Assertion), `assert-jsonpath`, `assert-xpath`, with JMeter's
//! failure messages (those become Taurus's error keys and junit `<failure>` texts).

use super::error::{Lang, Problem};
use super::extract::{Exchange, Subject, json_text};
use super::template::{RenderEnv, Template, TemplateCompiler};
use serde_json::Value;

mod size;
pub use size::{SizeCmp, SizeField};

#[derive(Debug)]
pub enum Assertion {
    Response(ResponseAssertion),
    JsonPath(JsonPathAssertion),
    XPath {
        xpath: String,
        invert: bool,
    },
    Duration {
        max_ms: u64,
    },
    Size {
        size: u64,
        cmp: SizeCmp,
        field: SizeField,
    },
}

#[derive(Debug)]
pub struct ResponseAssertion {
    patterns: Vec<Pattern>,
    subject: Subject,
    regexp: bool,
    not: bool,
    pub assume_success: bool,
}

#[derive(Debug)]
struct Pattern {
    template: Template,
    /// Pre-compiled when the pattern has no templates.
    re: Option<regex::Regex>,
}

#[derive(Debug)]
pub struct JsonPathAssertion {
    path: serde_json_path::JsonPath,
    /// As JMeter's Jayway prints it in messages (`$['error']`).
    shown: String,
    validate: bool,
    expected: Template,
    expected_re: Option<regex::Regex>,
    expect_null: bool,
    invert: bool,
    regexp: bool,
}

/// An assertion as a front end describes it (YAML's `assert*` keys, a JMX assertion element).
#[derive(Debug, Clone, PartialEq)]
pub enum AssertionSpec {
    /// JMeter Response Assertion: every pattern must be found (or none, with `not`).
    Response {
        /// Regular expressions (or substrings when `regexp` is false); may contain `${...}`.
        patterns: Vec<String>,
        subject: Subject,
        regexp: bool,
        not: bool,
        /// The HTTP status no longer fails the sample (JMeter's "ignore status").
        assume_success: bool,
    },
    /// JMeter JSON Assertion.
    JsonPath {
        jsonpath: String,
        /// Compare the value to `expected` (else: the path must exist).
        validate: bool,
        expected: String,
        expect_null: bool,
        invert: bool,
        regexp: bool,
    },
    /// JMeter XPath Assertion: the path must match a node (none, with `invert`).
    XPath { xpath: String, invert: bool },
    /// JMeter Duration Assertion: fails a sample that took longer than this many milliseconds
    /// (0 = no limit).
    Duration { max_ms: u64 },
    /// JMeter Size Assertion: the measured size compared with `size` bytes.
    Size {
        size: u64,
        cmp: SizeCmp,
        field: SizeField,
    },
}

fn bad_regex(p: &str, e: regex::Error) -> Problem {
    Problem::Expression {
        lang: Lang::Regex,
        expr: p.to_string(),
        reason: e.to_string(),
    }
}

/// Anchored: JMeter's `matches` is a whole-string match.
fn full_regex(p: &str) -> Result<regex::Regex, Problem> {
    regex::Regex::new(&format!("^(?:{p})$")).map_err(|e| bad_regex(p, e))
}

impl Assertion {
    /// Compiles a spec: templates parsed, literal regular expressions and paths compiled.
    pub fn compile(spec: AssertionSpec, tc: &mut TemplateCompiler) -> Result<Assertion, Problem> {
        Ok(match spec {
            AssertionSpec::Response {
                patterns,
                subject,
                regexp,
                not,
                assume_success,
            } => {
                let mut compiled = Vec::new();
                for c in patterns {
                    let template = tc.parse(&c)?;
                    let re = match (regexp, template.as_literal()) {
                        (true, Some(lit)) => {
                            Some(regex::Regex::new(lit).map_err(|e| bad_regex(lit, e))?)
                        }
                        _ => None,
                    };
                    compiled.push(Pattern { template, re });
                }
                Assertion::Response(ResponseAssertion {
                    patterns: compiled,
                    subject,
                    regexp,
                    not,
                    assume_success,
                })
            }
            AssertionSpec::JsonPath {
                jsonpath,
                validate,
                expected,
                expect_null,
                invert,
                regexp,
            } => {
                let path = super::jsonpath::parse(&jsonpath)?;
                let expected = tc.parse(&expected)?;
                let expected_re = match (regexp, expected.as_literal()) {
                    (true, Some(lit)) => Some(full_regex(lit)?),
                    _ => None,
                };
                Assertion::JsonPath(JsonPathAssertion {
                    path,
                    shown: jayway_path(&jsonpath),
                    validate,
                    expected,
                    expected_re,
                    expect_null,
                    invert,
                    regexp,
                })
            }
            AssertionSpec::XPath { xpath, invert } => {
                let bad = |reason: String| Problem::Expression {
                    lang: Lang::XPath,
                    expr: xpath.clone(),
                    reason,
                };
                sxd_xpath::Factory::new()
                    .build(&xpath)
                    .map_err(|e| bad(e.to_string()))?
                    .ok_or_else(|| bad("empty".into()))?;
                Assertion::XPath { xpath, invert }
            }
            AssertionSpec::Duration { max_ms } => Assertion::Duration { max_ms },
            AssertionSpec::Size { size, cmp, field } => Assertion::Size { size, cmp, field },
        })
    }

    pub fn needs_body(&self) -> bool {
        match self {
            Assertion::Response(r) => r.subject == Subject::Body,
            Assertion::Duration { .. } => false,
            // The headers' size is what was received minus the body.
            Assertion::Size { field, .. } => matches!(field, SizeField::Body | SizeField::Headers),
            _ => true,
        }
    }

    pub fn assume_success(&self) -> bool {
        matches!(self, Assertion::Response(r) if r.assume_success)
    }

    /// `Err(message)` when the assertion fails.
    pub fn check(&self, ex: &Exchange<'_>, env: &mut RenderEnv<'_>) -> Result<(), String> {
        match self {
            Assertion::Response(r) => r.check(ex, env),
            Assertion::JsonPath(j) => j.check(ex, env),
            Assertion::XPath { xpath, invert } => {
                let body = ex.body_str();
                let matched = match super::extract::xpath_values(xpath, &body) {
                    Some(v) => !v.is_empty(),
                    None => {
                        return Err(format!(
                            "Failed to parse the response as XML for XPath {xpath}"
                        ));
                    }
                };
                match (matched, invert) {
                    (false, false) => Err(format!("No Nodes Matched {xpath}")),
                    (true, true) => Err(format!("Nodes Matched for {xpath}")),
                    _ => Ok(()),
                }
            }
            Assertion::Duration { max_ms } => size::check_duration(*max_ms, ex),
            Assertion::Size { size, cmp, field } => size::check_size(*size, *cmp, *field, ex),
        }
    }
}

impl ResponseAssertion {
    fn check(&self, ex: &Exchange<'_>, env: &mut RenderEnv<'_>) -> Result<(), String> {
        let text = self.subject.text(ex);
        for p in &self.patterns {
            let (found, shown) = match (&p.re, p.template.as_literal()) {
                (Some(re), Some(lit)) => (re.is_match(&text), lit.to_string()),
                (_, lit) => {
                    let pat = lit.map_or_else(|| p.template.render(env), str::to_string);
                    let found = if self.regexp {
                        regex::Regex::new(&pat).is_ok_and(|re| re.is_match(&text))
                    } else {
                        text.contains(pat.as_str())
                    };
                    (found, pat)
                }
            };
            if found == self.not {
                let what = match self.subject {
                    Subject::Body => "text",
                    Subject::Headers => "headers",
                    Subject::Code => "code",
                    Subject::Url => "URL",
                    Subject::Message => "message",
                };
                let not = if self.not { "not " } else { "" };
                return Err(format!(
                    "Test failed: {what} expected {not}to contain /{shown}/"
                ));
            }
        }
        Ok(())
    }
}

impl JsonPathAssertion {
    fn check(&self, ex: &Exchange<'_>, env: &mut RenderEnv<'_>) -> Result<(), String> {
        let outcome = self.assert(ex, env);
        match (outcome, self.invert) {
            (Ok(()), false) | (Err(_), true) => Ok(()),
            (Err(e), false) => Err(e),
            (Ok(()), true) => Err(if !self.validate {
                format!("JSONPath {} expected not to exist", self.shown)
            } else if self.expect_null {
                format!("Failed that JSONPath {} not matches null", self.shown)
            } else {
                format!(
                    "Failed that JSONPath {} not matches {}",
                    self.shown,
                    self.expected.render(env)
                )
            }),
        }
    }

    fn assert(&self, ex: &Exchange<'_>, env: &mut RenderEnv<'_>) -> Result<(), String> {
        let doc: Value = serde_json::from_slice(ex.body)
            .map_err(|e| format!("Failed to parse the response as JSON: {e}"))?;
        let nodes = self.path.query(&doc).all();
        if nodes.is_empty() {
            return Err(format!("No results for path: {}", self.shown));
        }
        if !self.validate {
            return Ok(());
        }
        let expected = match self.expected.as_literal() {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => self.expected.render(env).into(),
        };
        let matches = |v: &Value| -> bool {
            if self.expect_null {
                return v.is_null();
            }
            let text = if v.is_null() {
                "null".to_string()
            } else {
                json_text(v)
            };
            match (&self.expected_re, self.regexp) {
                (Some(re), _) => re.is_match(&text),
                (None, true) => full_regex(&expected).is_ok_and(|re| re.is_match(&text)),
                (None, false) => text == *expected,
            }
        };
        // JMeter: a single value is compared; an array result passes if any element matches.
        let any = nodes
            .iter()
            .any(|v| matches(v) || v.as_array().is_some_and(|a| a.iter().any(matches)));
        if any {
            return Ok(());
        }
        let found = json_text(nodes[0]);
        Err(if self.expect_null {
            format!("Value expected to be null, but found '{found}'")
        } else if self.regexp {
            format!("Value expected to match regexp '{expected}', but it did not match: '{found}'")
        } else {
            format!("Value expected to be '{expected}', but found '{found}'")
        })
    }
}

/// Jayway's normalised form of simple dotted paths (`$.a.b[0]` → `$['a']['b'][0]`); anything more
/// complex is shown as written.
fn jayway_path(p: &str) -> String {
    let Some(rest) = p.strip_prefix('$') else {
        return p.to_string();
    };
    let mut out = String::from("$");
    for part in rest.split('.').skip(1) {
        let (name, idx) = match part.find('[') {
            Some(i) => (&part[..i], &part[i..]),
            None => (part, ""),
        };
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
        {
            return p.to_string();
        }
        out.push_str(&format!("['{name}']{idx}"));
    }
    if rest.is_empty() || !rest.starts_with('.') || rest.starts_with("..") {
        p.to_string()
    } else {
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vars::Vars;
    use rand::SeedableRng;
    use serde_json::json;

    fn check(a: &Assertion, status: u16, body: &str) -> Result<(), String> {
        let mut headers = http::HeaderMap::new();
        headers.insert("content-type", "text/html".parse().unwrap());
        let ex = Exchange {
            status,
            headers: &headers,
            body: body.as_bytes(),
            url: "http://h/",
            reason: None,
            headers_text: None,
            elapsed: std::time::Duration::ZERO,
            bytes: 0,
        };
        let mut vars = Vars::default();
        vars.set("want", "Hello");
        let mut rng = rand::rngs::StdRng::seed_from_u64(0);
        let mut env = RenderEnv {
            vars: &mut vars,
            rng: &mut rng,
            counters: &mut [],
            thread: 1,
            iteration: 1,
        };
        a.check(&ex, &mut env)
    }

    fn resp(v: Value) -> Assertion {
        Assertion::response(&v, &mut TemplateCompiler::default()).unwrap()
    }

    fn jp(v: Value) -> Assertion {
        Assertion::jsonpath(&v, &mut TemplateCompiler::default()).unwrap()
    }

    #[test]
    fn response_assertion_messages_match_jmeter() {
        let body = "<html><body>Hello Taurus</body></html>";
        let a = resp(json!({"contains": ["Goodbye"], "subject": "body"}));
        assert_eq!(
            check(&a, 200, body).unwrap_err(),
            "Test failed: text expected to contain /Goodbye/"
        );
        assert!(check(&resp(json!("Hel+o")), 200, body).is_ok());
        assert!(check(&resp(json!({"contains": "${want}"})), 200, body).is_ok());
        let a = resp(json!({"contains": ["Hel+o"], "regexp": false}));
        assert!(check(&a, 200, body).is_err());
        let a = resp(json!({"contains": ["Hello"], "not": true}));
        assert_eq!(
            check(&a, 200, body).unwrap_err(),
            "Test failed: text expected not to contain /Hello/"
        );
        let a = resp(json!({"contains": [200], "subject": "http-code"}));
        assert!(check(&a, 200, body).is_ok());
        assert_eq!(
            check(&a, 404, body).unwrap_err(),
            "Test failed: code expected to contain /200/"
        );
        let a = resp(json!({"contains": ["text/html"], "subject": "headers"}));
        assert!(check(&a, 200, body).is_ok());
        let a = resp(json!({"contains": ["Hello", "Bye"]}));
        assert!(check(&a, 200, body).is_err(), "all patterns must match");
        assert!(
            Assertion::response(
                &json!({"contains": ["a("]}),
                &mut TemplateCompiler::default()
            )
            .is_err()
        );
    }

    #[test]
    fn jsonpath_assertions() {
        let body = r#"{"ok":true,"name":"shop","items":[1,2],"nothing":null}"#;
        assert!(check(&jp(json!("$.ok")), 200, body).is_ok());
        assert_eq!(
            check(&jp(json!("$.error")), 200, body).unwrap_err(),
            "No results for path: $['error']"
        );
        let a = jp(json!({"jsonpath": "$.name", "validate": true, "expected-value": "sh.p"}));
        assert!(check(&a, 200, body).is_ok());
        let a = jp(
            json!({"jsonpath": "$.name", "validate": true, "expected-value": "sh.p", "regexp": false}),
        );
        assert_eq!(
            check(&a, 200, body).unwrap_err(),
            "Value expected to be 'sh.p', but found 'shop'"
        );
        let a = jp(json!({"jsonpath": "$.name", "validate": true, "expected-value": "x+"}));
        assert_eq!(
            check(&a, 200, body).unwrap_err(),
            "Value expected to match regexp 'x+', but it did not match: 'shop'"
        );
        let a = jp(json!({"jsonpath": "$.nothing", "validate": true, "expect-null": true}));
        assert!(check(&a, 200, body).is_ok());
        let a = jp(json!({"jsonpath": "$.items", "validate": true, "expected-value": "2"}));
        assert!(
            check(&a, 200, body).is_ok(),
            "array passes when an element matches"
        );
        let a = jp(json!({"jsonpath": "$.ok", "invert": true}));
        assert_eq!(
            check(&a, 200, body).unwrap_err(),
            "JSONPath $['ok'] expected not to exist"
        );
        assert!(
            check(
                &jp(json!({"jsonpath": "$.error", "invert": true})),
                200,
                body
            )
            .is_ok()
        );
        assert!(check(&jp(json!("$.ok")), 200, "not json").is_err());
        assert!(Assertion::jsonpath(&json!("$.["), &mut TemplateCompiler::default()).is_err());
    }

    #[test]
    fn xpath_assertions() {
        let xml = "<a><b>1</b></a>";
        assert!(check(&Assertion::xpath(&json!("/a/b")).unwrap(), 200, xml).is_ok());
        let a = Assertion::xpath(&json!("/a/c")).unwrap();
        assert_eq!(check(&a, 200, xml).unwrap_err(), "No Nodes Matched /a/c");
        let a = Assertion::xpath(&json!({"xpath": "/a/b", "invert": true})).unwrap();
        assert_eq!(check(&a, 200, xml).unwrap_err(), "Nodes Matched for /a/b");
        assert!(Assertion::xpath(&json!("/a[")).is_err());
    }

    #[test]
    fn size_assertions_measure_each_part_and_speak_as_jmeter() {
        let size = |size, cmp, field| {
            Assertion::compile(
                AssertionSpec::Size { size, cmp, field },
                &mut TemplateCompiler::default(),
            )
            .unwrap()
        };
        let body = "x".repeat(1234);
        assert!(check(&size(1234, SizeCmp::Equal, SizeField::Body), 200, &body).is_ok());
        assert_eq!(
            check(
                &size(2000, SizeCmp::GreaterOrEqual, SizeField::Body),
                200,
                &body
            )
            .unwrap_err(),
            "The result was the wrong size: It was 1,234 bytes, but should have been greater than or equal to 2,000 bytes."
        );
        assert!(check(&size(3, SizeCmp::Equal, SizeField::Code), 404, "").is_ok());
        // "Not Found" is 9 characters.
        assert!(check(&size(9, SizeCmp::LessOrEqual, SizeField::Message), 404, "").is_ok());
        assert!(check(&size(9, SizeCmp::NotEqual, SizeField::Message), 404, "").is_err());
        assert!(check(&size(5, SizeCmp::Less, SizeField::Body), 200, "abcd").is_ok());
        assert!(check(&size(5, SizeCmp::Greater, SizeField::Body), 200, "abcd").is_err());
        assert_eq!(SizeCmp::from_jmeter(7), None);
        let d = Assertion::compile(
            AssertionSpec::Duration { max_ms: 0 },
            &mut TemplateCompiler::default(),
        )
        .unwrap();
        assert!(check(&d, 200, "").is_ok(), "0 means no limit");
    }

    #[test]
    fn jayway_normalisation() {
        assert_eq!(jayway_path("$.error"), "$['error']");
        assert_eq!(jayway_path("$.a.b[0]"), "$['a']['b'][0]");
        assert_eq!(jayway_path("$..x"), "$..x");
        assert_eq!(jayway_path("$['a']"), "$['a']");
    }
}
