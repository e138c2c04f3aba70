//! Secrets in configs are shown as `********` in every response that echoes a config. The stored
//! config keeps the real values (the workers need them); only what leaves the API is masked.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

pub const MASK: &str = "********";

/// Key names whose values are secrets: auth headers, tokens, passwords, API and AWS keys, cookies.
static SECRET_KEY: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|passw|api[-_]?key|access[-_]?key|session|credential|private[-_]?key",
    )
    .expect("valid regex")
});

/// Values that are secrets whatever their key: AWS access key ids and bearer/basic credentials.
static SECRET_VALUE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b|(?i)^\s*(bearer|basic)\s+\S").expect("valid regex")
});

/// A copy of `config` with every secret value replaced by [`MASK`].
pub fn masked(config: &Value) -> Value {
    let mut out = config.clone();
    mask_in_place(&mut out);
    out
}

fn mask_in_place(v: &mut Value) {
    match v {
        Value::Object(map) => {
            for (key, value) in map.iter_mut() {
                if SECRET_KEY.is_match(key) && !value.is_object() {
                    mask_scalars(value);
                } else {
                    mask_in_place(value);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(mask_in_place),
        Value::String(s) if SECRET_VALUE.is_match(s) => *s = MASK.into(),
        _ => {}
    }
}

/// Every scalar in `v` (a secret's value, or a list of them) becomes [`MASK`].
fn mask_scalars(v: &mut Value) {
    match v {
        Value::Array(items) => items.iter_mut().for_each(mask_scalars),
        Value::Object(_) => mask_in_place(v),
        Value::Null => {}
        other => *other = Value::String(MASK.into()),
    }
}

/// `incoming` with every [`MASK`] value replaced by the value at the same place in `stored`, so a
/// client that GETs a test and POSTs it back unchanged does not overwrite its secrets with stars.
pub fn unmask(incoming: &mut Value, stored: &Value) {
    match (incoming, stored) {
        (Value::Object(a), Value::Object(b)) => {
            for (key, value) in a.iter_mut() {
                if let Some(old) = b.get(key) {
                    unmask(value, old);
                }
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for (value, old) in a.iter_mut().zip(b) {
                unmask(value, old);
            }
        }
        (value @ Value::String(_), old) if value.as_str() == Some(MASK) => *value = old.clone(),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_secret_keys_and_values_and_restores_them() {
        let config = json!({
            "scenarios": {"s": {"requests": [{"url": "https://x/", "headers": {
                "Authorization": "Bearer abc", "X-Api-Key": "k1", "Accept": "text/html",
                "X-Custom": "Basic dXNlcjpwYXNz"}}]}},
            "settings": {"env": {"AWS_SECRET_ACCESS_KEY": "s", "KEY_ID": "AKIAABCDEFGHIJKLMNOP"}},
            "modules": {"x": {"password": "p", "token-list": ["a"]}},
        });
        let m = masked(&config);
        let h = &m["scenarios"]["s"]["requests"][0]["headers"];
        assert_eq!(h["Authorization"], MASK);
        assert_eq!(h["X-Api-Key"], MASK);
        assert_eq!(h["X-Custom"], MASK);
        assert_eq!(h["Accept"], "text/html");
        assert_eq!(m["settings"]["env"]["AWS_SECRET_ACCESS_KEY"], MASK);
        assert_eq!(m["settings"]["env"]["KEY_ID"], MASK);
        assert_eq!(m["modules"]["x"]["password"], MASK);
        assert_eq!(m["scenarios"]["s"]["requests"][0]["url"], "https://x/");
        let mut back = m.clone();
        unmask(&mut back, &config);
        assert_eq!(m["modules"]["x"]["token-list"], json!([MASK]));
        assert_eq!(back, config);
    }
}
