//! Scenario `authorization` (JMeter's HTTP Authorization Manager), Basic mechanism only: JMeter's
//! HttpClient4 sends Basic credentials preemptively to matching URLs, so we add the header when the
//! request has none. Digest and Kerberos need a challenge round-trip and are refused.

use super::error::{At, Problem, Res};
use base64::Engine as _;
use serde_json::Value;

#[derive(Debug, Clone)]
pub struct AuthEntry {
    /// Matches URLs starting with it (`url`), or whose host is it (`domain`).
    target: Target,
    header: http::HeaderValue,
}

#[derive(Debug, Clone)]
enum Target {
    UrlPrefix(String),
    Domain(String),
}

/// Parses `authorization`: one mapping, a list, or `{clear: bool, list: [...]}`.
pub fn parse(v: &Value) -> Res<Vec<AuthEntry>> {
    let wrong = |what: &str, expected, found: &Value| Problem::WrongType {
        what: what.into(),
        expected,
        found: found.to_string(),
    };
    let items: Vec<&Value> = match v {
        Value::Array(a) => a.iter().collect(),
        Value::Object(m) if m.contains_key("list") => match &m["list"] {
            Value::Array(a) => a.iter().collect(),
            other => return Err(wrong("`list`", "a list", other)).at("", "authorization.list"),
        },
        Value::Object(_) => vec![v],
        other => {
            return Err(wrong("authorization", "a mapping or a list", other))
                .at("", "authorization");
        }
    };
    items
        .into_iter()
        .enumerate()
        .map(|(i, item)| entry(item).at("", &format!("authorization[{i}]")))
        .collect()
}

fn entry(item: &Value) -> Result<AuthEntry, Problem> {
    let m = item.as_object().ok_or_else(|| Problem::WrongType {
        what: "an entry".into(),
        expected: "a mapping",
        found: item.to_string(),
    })?;
    let text = |k: &str| m.get(k).and_then(super::raw::scalar_text);
    let mechanism = text("mechanism")
        .unwrap_or_else(|| "basic".into())
        .to_ascii_lowercase();
    if mechanism != "basic" {
        return Err(Problem::Unsupported {
            what: format!("mechanism {mechanism:?}"),
            fix: "only basic is supported (digest and kerberos need a challenge round-trip)",
        });
    }
    let missing = |key| Problem::Missing {
        what: "an entry".into(),
        key,
    };
    let (url, domain) = (text("url"), text("domain"));
    let name = text("name").ok_or_else(|| missing("`name`"))?;
    let password = text("password").unwrap_or_default();
    if name.contains("${") || password.contains("${") {
        return Err(Problem::Unsupported {
            what: "credentials with variables".into(),
            fix: "write the name and password as plain text",
        });
    }
    match (url, domain) {
        (Some(u), _) if !u.is_empty() => Ok(AuthEntry::basic_for_url(&u, &name, &password)),
        (_, Some(d)) if !d.is_empty() => Ok(AuthEntry::basic_for_domain(&d, &name, &password)),
        _ => Err(missing("`url` or `domain`")),
    }
}

/// The Authorization value for `url`, if an entry matches (the first match wins, as in JMeter).
pub fn header_for<'a>(entries: &'a [AuthEntry], url: &str) -> Option<&'a http::HeaderValue> {
    entries.iter().find(|e| e.matches(url)).map(|e| &e.header)
}

impl AuthEntry {
    /// Basic credentials sent to URLs that start with `prefix`.
    pub fn basic_for_url(prefix: &str, name: &str, password: &str) -> AuthEntry {
        AuthEntry::basic(Target::UrlPrefix(prefix.to_string()), name, password)
    }

    /// Basic credentials sent to URLs whose host is `domain`.
    pub fn basic_for_domain(domain: &str, name: &str, password: &str) -> AuthEntry {
        AuthEntry::basic(Target::Domain(domain.to_ascii_lowercase()), name, password)
    }

    fn basic(target: Target, name: &str, password: &str) -> AuthEntry {
        let token = base64::engine::general_purpose::STANDARD.encode(format!("{name}:{password}"));
        // Header text is visible ASCII; a base64 token always is.
        let mut header = http::HeaderValue::from_str(&format!("Basic {token}"))
            .expect("base64 is valid header text");
        header.set_sensitive(true);
        AuthEntry { target, header }
    }

    fn matches(&self, url: &str) -> bool {
        match &self.target {
            Target::UrlPrefix(p) => url.starts_with(p.as_str()),
            Target::Domain(d) => url::Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(|h| h.eq_ignore_ascii_case(d)))
                .unwrap_or(false),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn basic_credentials_match_by_url_or_domain() {
        let e = parse(
            &json!([{"url": "http://a.test/api", "name": "u", "password": "p"},
                              {"domain": "B.test", "name": "x"}]),
        )
        .unwrap();
        assert_eq!(header_for(&e, "http://a.test/api/x").unwrap(), "Basic dTpw");
        assert_eq!(
            header_for(&e, "https://b.test:8443/").unwrap(),
            "Basic eDo="
        );
        assert!(header_for(&e, "http://c.test/").is_none());
        let e = parse(
            &json!({"clear": true, "list": [{"url": "http://a", "name": "u", "password": "p"}]}),
        )
        .unwrap();
        assert_eq!(e.len(), 1);
    }

    #[test]
    fn other_mechanisms_and_bad_entries_are_refused() {
        assert!(parse(&json!({"url": "http://a", "name": "u", "mechanism": "digest"})).is_err());
        assert!(parse(&json!({"name": "u"})).is_err());
        assert!(parse(&json!({"url": "http://a"})).is_err());
        let e = parse(&json!({"url": "http://a", "name": "u", "password": "s3cret"})).unwrap();
        assert!(
            !format!("{e:?}").contains("czNjcmV0"),
            "the header is marked sensitive"
        );
    }
}
