//! Post-processors: `extract-regexp`, `extract-jsonpath`, `extract-xpath`, `extract-boundary`,
//! `extract-css-jquery`. Everything is compiled once; a bad expression is a compile error.

use super::error::{Lang, Problem};
use super::vars::Vars;
use rand::Rng;
use serde_json::Value;
use std::sync::Arc;

/// What a post-processor or an assertion looks at.
pub struct Exchange<'a> {
    pub status: u16,
    pub headers: &'a http::HeaderMap,
    pub body: &'a [u8],
    pub url: &'a str,
    /// The server's reason phrase when it is not the standard one for the status (Python's
    /// `404 File not found`): JMeter's `responseMessage` is what the server sent.
    pub reason: Option<&'a Arc<str>>,
    /// The headers text as received (`stampede_http::Response::headers_text`), when the client
    /// kept it; else it is rebuilt from `headers` (HTTP/2: lower-case names, as on the wire).
    pub headers_text: Option<&'a str>,
    /// The sample's time (JMeter's elapsed), for the Duration Assertion.
    pub elapsed: std::time::Duration,
    /// Bytes received, headers and body, for the Size Assertion.
    pub bytes: u64,
}

impl Exchange<'_> {
    pub fn body_str(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(self.body)
    }

    /// JMeter's `responseMessage`: the server's reason phrase, else the standard one.
    pub fn message(&self) -> &str {
        match self.reason {
            Some(r) => r,
            None => http::StatusCode::from_u16(self.status)
                .ok()
                .and_then(|s| s.canonical_reason())
                .unwrap_or(""),
        }
    }

    /// Response headers as JMeter shows them: a status line then `Name: value` lines, the names as
    /// the server sent them.
    pub fn headers_text(&self) -> std::borrow::Cow<'_, str> {
        if let Some(text) = self.headers_text {
            return text.into();
        }
        let reason = self.message();
        let mut s = format!("HTTP/1.1 {} {reason}\n", self.status);
        for (k, v) in self.headers {
            s.push_str(k.as_str());
            s.push_str(": ");
            s.push_str(&String::from_utf8_lossy(v.as_bytes()));
            s.push('\n');
        }
        s.into()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Body,
    Headers,
    Code,
    Url,
    /// The response message (reason phrase).
    Message,
}

impl Subject {
    /// Taurus names; anything unknown means the body, as Taurus does.
    pub fn parse(s: Option<&str>) -> Subject {
        match s.unwrap_or("body") {
            "headers" | "response-headers" => Subject::Headers,
            "http-code" | "code" => Subject::Code,
            "url" => Subject::Url,
            "message" => Subject::Message,
            _ => Subject::Body,
        }
    }

    pub fn text<'a>(self, ex: &'a Exchange<'_>) -> std::borrow::Cow<'a, str> {
        match self {
            Subject::Body => ex.body_str(),
            Subject::Headers => ex.headers_text(),
            Subject::Code => ex.status.to_string().into(),
            Subject::Url => ex.url.into(),
            Subject::Message => ex.message().into(),
        }
    }
}

#[derive(Debug)]
pub struct Extractor {
    var: Box<str>,
    default: Box<str>,
    match_no: i64,
    source: Source,
    kind: Kind,
}

#[derive(Debug)]
enum Source {
    Subject(Subject),
    Variable(Box<str>),
}

#[derive(Debug)]
enum Kind {
    Regexp {
        re: regex::Regex,
        template: Vec<TplPart>,
    },
    JsonPath {
        path: serde_json_path::JsonPath,
        concat: bool,
    },
    /// sxd-xpath's compiled form is neither `Send` nor `Sync`, so it is validated here and rebuilt per
    /// evaluation (cheap next to parsing the response document).
    XPath {
        xpath: String,
    },
    Boundary {
        left: String,
        right: String,
    },
    Css {
        selector: scraper::Selector,
        attribute: String,
    },
}

#[derive(Debug)]
enum TplPart {
    Lit(String),
    Group(usize),
}

/// An extractor as a front end describes it (YAML's `extract-*` keys, a JMX post-processor).
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractorSpec {
    /// The variable the match goes into.
    pub var: String,
    pub expr: ExtractExpr,
    /// 1-based match, 0 = random, negative = all (`var_1..var_N`, `var_matchNr`); `None` = JMeter's
    /// default for the kind.
    pub match_no: Option<i64>,
    /// The value when nothing matches (`None` = `NOT_FOUND`).
    pub default: Option<String>,
    pub from: ExtractFrom,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ExtractExpr {
    /// `template` is JMeter's `$1$` form (groups of `regexp`).
    Regexp {
        regexp: String,
        template: String,
    },
    JsonPath {
        jsonpath: String,
        concat: bool,
    },
    XPath {
        xpath: String,
    },
    Boundary {
        left: String,
        right: String,
    },
    /// `attribute` empty = the element's text.
    Css {
        expression: String,
        attribute: String,
    },
}

/// What the extractor reads.
#[derive(Debug, Clone, PartialEq)]
pub enum ExtractFrom {
    Response(Subject),
    Variable(String),
}

impl Extractor {
    /// Compiles a spec: the expression is parsed and checked now.
    pub fn new(spec: ExtractorSpec) -> Result<Extractor, Problem> {
        let (kind, default_match) = Kind::compile(spec.expr)?;
        Ok(Extractor {
            var: spec.var.into(),
            default: spec.default.unwrap_or_else(|| "NOT_FOUND".into()).into(),
            match_no: spec.match_no.unwrap_or(default_match),
            source: match spec.from {
                ExtractFrom::Response(s) => Source::Subject(s),
                ExtractFrom::Variable(v) => Source::Variable(v.into()),
            },
            kind,
        })
    }

    pub fn needs_body(&self) -> bool {
        matches!(self.source, Source::Subject(Subject::Body))
    }

    pub fn apply(&self, ex: &Exchange<'_>, vars: &mut Vars, rng: &mut impl Rng) {
        let text: std::borrow::Cow<'_, str> = match &self.source {
            Source::Subject(s) => s.text(ex),
            Source::Variable(v) => vars.get(v).unwrap_or("").to_string().into(),
        };
        let matches = self.find_all(&text);
        self.store(matches, vars, rng);
    }

    fn find_all(&self, text: &str) -> Vec<String> {
        match &self.kind {
            Kind::Regexp { re, template } => re
                .captures_iter(text)
                .map(|c| {
                    let mut s = String::new();
                    for p in template {
                        match p {
                            TplPart::Lit(l) => s.push_str(l),
                            TplPart::Group(g) => s.push_str(c.get(*g).map_or("", |m| m.as_str())),
                        }
                    }
                    s
                })
                .collect(),
            Kind::JsonPath { path, .. } => match serde_json::from_str::<Value>(text) {
                Ok(doc) => path.query(&doc).all().into_iter().map(json_text).collect(),
                Err(_) => Vec::new(),
            },
            Kind::XPath { xpath } => xpath_values(xpath, text).unwrap_or_default(),
            Kind::Boundary { left, right } => {
                let mut out = Vec::new();
                let mut rest = text;
                while let Some(l) = rest.find(left.as_str()) {
                    let after = &rest[l + left.len()..];
                    let Some(r) = after.find(right.as_str()) else {
                        break;
                    };
                    out.push(after[..r].to_string());
                    rest = &after[r + right.len()..];
                }
                out
            }
            Kind::Css {
                selector,
                attribute,
            } => {
                let doc = scraper::Html::parse_document(text);
                doc.select(selector)
                    .map(|el| {
                        if attribute.is_empty() {
                            el.text().collect::<String>().trim().to_string()
                        } else {
                            el.value().attr(attribute).unwrap_or("").to_string()
                        }
                    })
                    .collect()
            }
        }
    }

    /// JMeter's variable conventions: `var`; with match-no -1 also `var_1..var_N` and `var_matchNr`.
    fn store(&self, matches: Vec<String>, vars: &mut Vars, rng: &mut impl Rng) {
        let var = &*self.var;
        if let Kind::JsonPath { concat: true, .. } = self.kind
            && self.match_no < 0
        {
            vars.set(&format!("{var}_ALL"), &matches.join(","));
        }
        if self.match_no < 0 {
            // Clear a previous, longer list so foreach does not see stale items.
            let mut i = matches.len() + 1;
            while vars.get(&format!("{var}_{i}")).is_some() {
                vars.remove(&format!("{var}_{i}"));
                i += 1;
            }
            vars.set(&format!("{var}_matchNr"), &matches.len().to_string());
            for (i, m) in matches.iter().enumerate() {
                vars.set(&format!("{var}_{}", i + 1), m);
            }
            // XPath and JSONPath also put the first match in `var`; the regexp extractor leaves the default.
            let first = match self.kind {
                Kind::Regexp { .. } => None,
                _ => matches.first(),
            };
            vars.set(var, first.map_or(&*self.default, |s| s.as_str()));
            return;
        }
        let picked = match self.match_no {
            0 if !matches.is_empty() => matches.get(rng.random_range(0..matches.len())),
            n => matches.get((n as usize).wrapping_sub(1)),
        };
        vars.set(var, picked.map_or(&*self.default, |s| s.as_str()));
    }
}

impl Kind {
    /// The compiled expression and the kind's default `match-no`.
    fn compile(expr: ExtractExpr) -> Result<(Kind, i64), Problem> {
        let bad = |lang: Lang, expr: &str, reason: String| Problem::Expression {
            lang,
            expr: expr.to_string(),
            reason,
        };
        Ok(match expr {
            ExtractExpr::Regexp { regexp, template } => {
                let re = regex::Regex::new(&regexp)
                    .map_err(|e| bad(Lang::Regex, &regexp, e.to_string()))?;
                let template = parse_group_template(&template, re.captures_len())?;
                (Kind::Regexp { re, template }, 1)
            }
            ExtractExpr::JsonPath { jsonpath, concat } => {
                let path = super::jsonpath::parse(&jsonpath)?;
                // JMeter >= 3.0: match-no 0 (random) by default.
                (Kind::JsonPath { path, concat }, 0)
            }
            ExtractExpr::XPath { xpath } => {
                sxd_xpath::Factory::new()
                    .build(&xpath)
                    .map_err(|e| bad(Lang::XPath, &xpath, e.to_string()))?
                    .ok_or_else(|| bad(Lang::XPath, &xpath, "empty".into()))?;
                (Kind::XPath { xpath }, -1)
            }
            ExtractExpr::Css {
                expression,
                attribute,
            } => {
                let selector = scraper::Selector::parse(&expression)
                    .map_err(|e| bad(Lang::Css, &expression, e.to_string()))?;
                (
                    Kind::Css {
                        selector,
                        attribute,
                    },
                    0,
                )
            }
            ExtractExpr::Boundary { left, right } => {
                if left.is_empty() || right.is_empty() {
                    return Err(Problem::Invalid {
                        what: "extract-boundary".into(),
                        value: format!("{left}|{right}"),
                        reason: "has an empty left or right".into(),
                        fix: "left and right must not be empty".into(),
                    });
                }
                (Kind::Boundary { left, right }, 1)
            }
        })
    }
}

/// JMeter's `$n$` template.
fn parse_group_template(t: &str, groups: usize) -> Result<Vec<TplPart>, Problem> {
    let mut out = Vec::new();
    let mut rest = t;
    while let Some(start) = rest.find('$') {
        let after = &rest[start + 1..];
        match after.find('$') {
            Some(end) if after[..end].chars().all(|c| c.is_ascii_digit()) && end > 0 => {
                let g: usize = after[..end].parse().expect("digits");
                if g >= groups {
                    return Err(Problem::Invalid {
                        what: "template".into(),
                        value: t.to_string(),
                        reason: format!(
                            "refers to group {g} but the regexp has {} group(s)",
                            groups - 1
                        ),
                        fix: "add a capture group `(...)` or use template: $0$ for the whole match"
                            .into(),
                    });
                }
                if start > 0 {
                    out.push(TplPart::Lit(rest[..start].to_string()));
                }
                out.push(TplPart::Group(g));
                rest = &after[end + 1..];
            }
            _ => {
                out.push(TplPart::Lit(rest[..=start].to_string()));
                rest = after;
            }
        }
    }
    if !rest.is_empty() {
        out.push(TplPart::Lit(rest.to_string()));
    }
    Ok(out)
}

/// A JSON node as JMeter writes it into a variable: strings bare, anything else as JSON.
pub fn json_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Evaluates an XPath over an XML text: node string values, or the scalar result.
/// `None` when the text is not XML.
pub fn xpath_values(xpath: &str, xml: &str) -> Option<Vec<String>> {
    let package = sxd_document::parser::parse(xml).ok()?;
    let doc = package.as_document();
    let xp = sxd_xpath::Factory::new().build(xpath).ok()??;
    let ctx = sxd_xpath::Context::new();
    let value = xp.evaluate(&ctx, doc.root()).ok()?;
    Some(match value {
        sxd_xpath::Value::Nodeset(ns) => ns
            .document_order()
            .iter()
            .map(|n| n.string_value())
            .collect(),
        sxd_xpath::Value::Boolean(b) => {
            if b {
                vec!["true".into()]
            } else {
                Vec::new()
            }
        }
        sxd_xpath::Value::Number(n) => vec![n.to_string()],
        sxd_xpath::Value::String(s) => vec![s],
    })
}

#[cfg(test)]
mod tests;
