//! JSONPath as JMeter writes it. JMeter's extractor and assertion use Jayway JsonPath, which is looser
//! than RFC 9535 (what `serde_json_path` parses): it accepts a dot before a bracket (`$.[5].userId`,
//! `$.['a b']`) and a path without the leading `$` (`data.id` means `$.data.id`). Taurus configs,
//! including Taurus's own examples, use both forms, so they are rewritten to RFC 9535 when the strict
//! parse fails.

use crate::error::{Lang, Problem};
use serde_json_path::JsonPath;

/// Parses `src` as RFC 9535, else as its Jayway reading; the error is the strict parser's.
pub fn parse(src: &str) -> Result<JsonPath, Problem> {
    JsonPath::parse(src).or_else(|strict| {
        JsonPath::parse(&from_jayway(src)).map_err(|_| Problem::Expression {
            lang: Lang::JsonPath,
            expr: src.to_string(),
            reason: strict.to_string(),
        })
    })
}

/// `$.[5].x` → `$[5].x`, `data.id` → `$.data.id`; quoted names are left alone.
fn from_jayway(src: &str) -> String {
    let src = src.trim();
    let mut out = String::with_capacity(src.len() + 2);
    if !src.starts_with(['$', '@']) {
        out.push_str(if src.starts_with('[') { "$" } else { "$." });
    }
    let mut quote = None;
    let mut prev = None;
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match quote {
            Some(q) if c == q && prev != Some('\\') => quote = None,
            Some(_) => {}
            None if c == '\'' || c == '"' => quote = Some(c),
            // A single dot before `[` (not the `..[` descendant form) is Jayway-only.
            None if c == '.' && chars.peek() == Some(&'[') && prev != Some('.') => {
                prev = Some(c);
                continue;
            }
            None => {}
        }
        out.push(c);
        prev = Some(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn query(path: &str, doc: &serde_json::Value) -> Vec<serde_json::Value> {
        let p = parse(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        p.query(doc).all().into_iter().cloned().collect()
    }

    #[test]
    fn jayway_forms_from_taurus_examples_parse() {
        let doc = json!([{"userId": 1}, {"userId": 2}, {"a b": 3, "userId": 4}]);
        assert_eq!(query("$.[1].userId", &doc), [json!(2)]);
        assert_eq!(query("$.[2].['a b']", &doc), [json!(3)]);
        assert_eq!(query("$..[0].userId", &doc), [json!(1)]);
        let doc = json!({"data": {"id": "x", "a.[b": 5}});
        assert_eq!(query("data.id", &doc), [json!("x")]);
        assert_eq!(query("$.data['a.[b']", &doc), [json!(5)]);
        assert_eq!(query("$.data.id", &doc), [json!("x")]);
    }

    #[test]
    fn still_bad_paths_keep_the_strict_error() {
        let e = parse("$.data[").unwrap_err();
        assert!(!e.to_string().is_empty());
        assert!(parse("$[?@.x <]").is_err());
    }

    #[test]
    fn rewrite_leaves_quotes_and_descendants() {
        assert_eq!(from_jayway("$.a.['x.[y']"), "$.a['x.[y']");
        assert_eq!(from_jayway("$..[1]"), "$..[1]");
        assert_eq!(from_jayway("[0].id"), "$[0].id");
    }
}
