//! `${VAR}` substitution (`docs/taurus-config.md#env`): only names defined in `settings.env` (plus
//! `TAURUS_ARTIFACTS_DIR`) are replaced in config string values; everything else — JMeter `${var}`,
//! `${__Random(1,10)}`, unknown `${HOME}` — is left verbatim.

use indexmap::IndexMap;
use serde_json::Value;

/// Variable name → value; `None` is YAML `null` (substituted as the empty string, unset on export).
pub type Envs = IndexMap<String, Option<String>>;

/// Reads `settings.env`, expanding each value with the process environment (`$X` and `${X}`, twice,
/// as Python's `os.path.expandvars` is applied twice by Taurus).
pub fn settings_env(settings_env: Option<&Value>, lookup: &dyn Fn(&str) -> Option<String>) -> Envs {
    let mut envs = Envs::new();
    if let Some(Value::Object(map)) = settings_env {
        for (name, value) in map {
            let text = match value {
                Value::Null => None,
                other => Some(expand_os(&expand_os(&python_str(other), lookup), lookup)),
            };
            envs.insert(name.clone(), text);
        }
    }
    envs
}

/// Python's `str()` of a scalar, which is what Taurus substitutes (`True`, `5`, `1.5`).
pub fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Bool(true) => "True".into(),
        Value::Bool(false) => "False".into(),
        Value::Null => "None".into(),
        other => other.to_string(),
    }
}

/// `os.path.expandvars`: `$NAME` and `${NAME}` from the process environment, unknown ones left as is.
pub fn expand_os(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find('$') {
        out.push_str(&rest[..pos]);
        let after = &rest[pos + 1..];
        let (name, consumed) = if let Some(inner) = after.strip_prefix('{') {
            match inner.find('}') {
                Some(end) => (&inner[..end], end + 2),
                None => ("", 0),
            }
        } else {
            let end = after
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(after.len());
            (&after[..end], end)
        };
        match (name.is_empty(), lookup(name)) {
            (false, Some(value)) => out.push_str(&value),
            _ => out.push_str(&rest[pos..pos + 1 + consumed]),
        }
        rest = &after[consumed..];
    }
    out.push_str(rest);
    out
}

/// Taurus's `custom_expandvars`: replaces `${NAME}` for names in `envs` only.
pub fn expand_custom(text: &str, envs: &Envs) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("${") {
        out.push_str(&rest[..pos]);
        let inner = &rest[pos + 2..];
        // Python's `\$\{.*?\}`: `.` does not cross a newline.
        match inner.find(['}', '\n']) {
            Some(end) if inner.as_bytes()[end] == b'}' => {
                let name = &inner[..end];
                match envs.get(name) {
                    Some(value) => out.push_str(value.as_deref().unwrap_or("")),
                    None => out.push_str(&rest[pos..pos + 3 + end]),
                }
                rest = &inner[end + 1..];
            }
            _ => {
                out.push_str("${");
                rest = inner;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Substitutes every string value (not keys) of the tree, two passes as Taurus does.
pub fn substitute(value: &mut Value, envs: &Envs) {
    if envs.is_empty() {
        return;
    }
    match value {
        Value::String(s) if s.contains("${") => {
            let once = expand_custom(s, envs);
            *s = expand_custom(&once, envs);
        }
        Value::Array(items) => items.iter_mut().for_each(|v| substitute(v, envs)),
        Value::Object(map) => map.values_mut().for_each(|v| substitute(v, envs)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn os(name: &str) -> Option<String> {
        match name {
            "HOME" => Some("/home/u".into()),
            "PATH" => Some("/bin:/usr/bin".into()),
            _ => None,
        }
    }

    #[test]
    fn env_values_are_os_expanded() {
        let envs = settings_env(
            Some(
                &json!({"A": "$HOME/x", "B": "${PATH}", "C": null, "D": 5, "E": true, "F": "$NOPE"}),
            ),
            &os,
        );
        assert_eq!(envs["A"].as_deref(), Some("/home/u/x"));
        assert_eq!(envs["B"].as_deref(), Some("/bin:/usr/bin"));
        assert_eq!(envs["C"], None);
        assert_eq!(envs["D"].as_deref(), Some("5"));
        assert_eq!(envs["E"].as_deref(), Some("True"));
        assert_eq!(envs["F"].as_deref(), Some("$NOPE"));
    }

    #[test]
    fn only_settings_env_names_are_substituted() {
        let envs = settings_env(
            Some(&json!({"HOST": "example.com", "UNSET": null, "NEST": "${HOST}:80"})),
            &os,
        );
        let mut tree = json!({
            "a": "http://${HOST}/${UNSET}x",
            "b": ["${__Random(1,10)}", "${HOME}", "$HOST", "${var}"],
            "c": {"${HOST}": "${NEST}"},
            "d": 5,
            "e": "${unclosed",
        });
        substitute(&mut tree, &envs);
        assert_eq!(
            tree,
            json!({
                "a": "http://example.com/x",
                "b": ["${__Random(1,10)}", "${HOME}", "$HOST", "${var}"],
                "c": {"${HOST}": "example.com:80"},
                "d": 5,
                "e": "${unclosed",
            })
        );
    }

    #[test]
    fn two_passes_and_no_more() {
        let envs = settings_env(Some(&json!({"A": "${B}", "B": "${C}", "C": "end"})), &os);
        let mut tree = json!({"v": "${A}"});
        substitute(&mut tree, &envs);
        assert_eq!(tree["v"], json!("${C}"));
    }
}
