//! `validate` warns about URLs in scenarios that cannot work as written: a `$NAME` that Taurus never
//! substitutes (only `${NAME}` is), or a port that is not a number from 1 to 65535. Warnings, not
//! errors: the same text can be meant literally, and Taurus would run it and fail every sample.

use serde_json::{Map, Value};

/// Keys whose string value is a URL, and lists whose string items are URLs (`requests` and the
/// request lists of logic blocks).
const URL_KEYS: &[&str] = &["url", "default-address"];
const REQUEST_LISTS: &[&str] = &["requests", "then", "else", "do"];

pub fn lint(config: &Map<String, Value>, warnings: &mut Vec<String>) {
    let Some(Value::Object(scenarios)) = config.get("scenarios") else {
        return;
    };
    for (name, scenario) in scenarios {
        walk(scenario, &format!("scenarios.{name}"), warnings);
    }
}

fn walk(value: &Value, path: &str, warnings: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let here = format!("{path}.{k}");
                match (k.as_str(), v) {
                    (k, Value::String(url)) if URL_KEYS.contains(&k) => check(url, &here, warnings),
                    (k, Value::Array(items)) if REQUEST_LISTS.contains(&k) => {
                        for (i, item) in items.iter().enumerate() {
                            let at = format!("{here}.{i}");
                            match item {
                                Value::String(url) => check(url, &at, warnings),
                                other => walk(other, &at, warnings),
                            }
                        }
                    }
                    (_, nested @ Value::Object(_)) => walk(nested, &here, warnings),
                    _ => {}
                }
            }
        }
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                walk(item, &format!("{path}.{i}"), warnings);
            }
        }
        _ => {}
    }
}

fn check(url: &str, path: &str, warnings: &mut Vec<String>) {
    if let Some(name) = bare_dollar_name(url) {
        warnings.push(format!(
            "'{path}': URL '{url}' contains '${name}', which is not substituted (only ${{{name}}} is, from settings.env or the environment); write ${{{name}}}"
        ));
        return;
    }
    if let Some(port) = bad_port(url) {
        warnings.push(format!(
            "'{path}': URL '{url}' has port '{port}', which is not a number from 1 to 65535; every request to it will fail"
        ));
    }
}

/// The first `$NAME` not written as `${NAME}`.
fn bare_dollar_name(text: &str) -> Option<&str> {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(off) = text[i..].find('$') {
        let start = i + off + 1;
        let end = text[start..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(text.len(), |e| start + e);
        if end > start && (bytes[start].is_ascii_alphabetic() || bytes[start] == b'_') {
            return Some(&text[start..end]);
        }
        i = start;
    }
    None
}

/// The port of an absolute URL when it is not a valid one (templates such as `${port}` are left
/// alone: they are filled in per request).
fn bad_port(url: &str) -> Option<&str> {
    let rest = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .or_else(|| url.strip_prefix("//"))?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    if authority.contains("${") || authority.starts_with('[') {
        return None;
    }
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (_, port) = authority.rsplit_once(':')?;
    match port.parse::<u32>() {
        Ok(1..=65535) => None,
        _ if port.is_empty() => None,
        _ => Some(port),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn warnings(scenarios: Value) -> Vec<String> {
        let Value::Object(config) = json!({ "scenarios": scenarios }) else {
            unreachable!()
        };
        let mut out = Vec::new();
        lint(&config, &mut out);
        out
    }

    #[test]
    fn unsubstituted_names_and_bad_ports_are_warned_about() {
        let w = warnings(json!({
            "s": {
                "default-address": "http://localhost:$PORT",
                "requests": [
                    "http://127.0.0.1:99999/x",
                    {"url": "/ok"},
                    {"if": "${a}", "then": [{"url": "http://h:${port}/"}, "https://h:80x/"]},
                    {"url": "http://${HOST}:8080/p?q=$1"},
                ]
            }
        }));
        assert_eq!(w.len(), 3, "{w:?}");
        assert!(
            w[0].starts_with(
                "'scenarios.s.default-address': URL 'http://localhost:$PORT' contains '$PORT'"
            ),
            "{w:?}"
        );
        assert!(w[0].ends_with("write ${PORT}"), "{w:?}");
        assert!(
            w[1].contains("'scenarios.s.requests.0'") && w[1].contains("port '99999'"),
            "{w:?}"
        );
        assert!(
            w[2].contains("'scenarios.s.requests.2.then.1'") && w[2].contains("port '80x'"),
            "{w:?}"
        );
    }

    #[test]
    fn good_urls_are_quiet() {
        assert!(warnings(json!({"s": {"requests": [
            "http://127.0.0.1:8080/", "https://[::1]:443/", "//host:81/a", "/relative", "http://u:p@h:1/",
            "http://h/${__Random(1,9)}", "http://h/?price=$5"
        ]}})).is_empty());
    }
}
