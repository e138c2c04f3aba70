//! The artifacts dir (strftime template, env-expanded, absolute) and what Taurus writes into it at
//! prepare time: `effective.yml/json` (secrets masked), `merged.yml/json`, copies of the config files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::Plan;
use super::env::{self, Envs};
use super::error::ConfigError;
use super::yaml;

/// Taurus's default `settings.artifacts-dir`.
pub const DEFAULT_TEMPLATE: &str = "%Y-%m-%d_%H-%M-%S.%f";
/// What masked secrets look like, as in Taurus's `effective.yml`.
pub const MASK: &str = "********";

/// Resolves the artifacts dir template: `settings.env` names, then the process environment and `~`,
/// then strftime (`%f` = microseconds as in Python), then made absolute against `cwd`.
pub fn resolve_dir(
    template: &str,
    envs: &Envs,
    lookup: &dyn Fn(&str) -> Option<String>,
    now: chrono::DateTime<chrono::Local>,
    cwd: &Path,
) -> Result<PathBuf, ConfigError> {
    let text = env::expand_custom(&env::expand_custom(template, envs), envs);
    let text = env::expand_os(&text, lookup);
    let text = match (text.strip_prefix('~'), lookup("HOME")) {
        (Some(rest), Some(home)) if rest.is_empty() || rest.starts_with('/') => {
            format!("{home}{rest}")
        }
        _ => text,
    };
    let mut formatted = String::new();
    write!(formatted, "{}", now.format(&python_strftime(&text))).map_err(|_| {
        ConfigError::Number {
            path: "settings.artifacts-dir".into(),
            value: template.into(),
            reason: "invalid strftime pattern; use e.g. %Y-%m-%d_%H-%M-%S",
        }
    })?;
    let path = PathBuf::from(formatted);
    Ok(if path.is_absolute() {
        path
    } else {
        cwd.join(path)
    })
}

/// Python's `%f` is microseconds (6 digits); chrono's is nanoseconds.
fn python_strftime(template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 4);
    let mut chars = template.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('f') => out.push_str("%6f"),
            Some(next) => {
                out.push('%');
                out.push(next);
            }
            None => out.push_str("%%"),
        }
    }
    out
}

/// True for keys whose values are secrets: Taurus masks keys ending in `password`, `secret`, `token`;
/// we also mask auth headers and AWS credentials, which DLT configs can carry.
pub fn is_secret_key(key: &str) -> bool {
    let k = key.to_ascii_lowercase();
    [
        "password", "secret", "token", "passwd", "api-key", "apikey", "api_key",
    ]
    .iter()
    .any(|s| k.ends_with(s))
        || matches!(
            k.as_str(),
            "authorization"
                | "proxy-authorization"
                | "cookie"
                | "x-api-key"
                | "aws_access_key_id"
                | "aws_secret_access_key"
                | "aws_session_token"
        )
}

/// A copy of the tree with every secret value replaced by `********`.
pub fn masked(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_secret_key(k) && !v.is_null() && !v.is_object() && !v.is_array() {
                        Value::String(MASK.into())
                    } else {
                        masked(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(masked).collect()),
        other => other.clone(),
    }
}

/// Writes `<stem>.yml` and `<stem>.json` of the masked tree into `dir`.
pub fn dump(value: &Value, dir: &Path, stem: &str) -> Result<(), ConfigError> {
    let value = masked(value);
    let yml = dir.join(format!("{stem}.yml"));
    write(&yml, yaml::to_yaml(&value)?.as_bytes())?;
    let json = serde_json::to_string_pretty(&value).expect("a JSON tree always serialises");
    write(&dir.join(format!("{stem}.json")), json.as_bytes())
}

/// `effective.yml` + `effective.json` (secrets masked) into `dir`.
pub fn dump_effective(effective: &Value, dir: &Path) -> Result<(), ConfigError> {
    dump(effective, dir, "effective")
}

/// Creates the artifacts dir and writes what Taurus writes at prepare: effective and merged configs and
/// copies of the config files given on the command line (names de-duplicated with `-1`, `-2`...).
pub fn prepare(plan: &Plan) -> Result<(), ConfigError> {
    let dir = &plan.artifacts_dir;
    std::fs::create_dir_all(dir).map_err(|source| ConfigError::ArtifactsDir {
        path: dir.clone(),
        source,
    })?;
    dump_effective(&plan.effective, dir)?;
    dump(&plan.merged, dir, "merged")?;
    for file in &plan.config_files {
        let name = file
            .file_name()
            .map_or_else(|| "config".into(), |n| n.to_string_lossy().into_owned());
        let target = unique_name(dir, &name);
        std::fs::copy(file, &target).map_err(|source| ConfigError::Write {
            path: target,
            source,
        })?;
    }
    Ok(())
}

/// Taurus's unique artifact names: `name`, `name-1`, `name-2`... (before the extension).
pub fn unique_name(dir: &Path, name: &str) -> PathBuf {
    let candidate = dir.join(name);
    if !candidate.exists() {
        return candidate;
    }
    let (stem, ext) = match name.rfind('.') {
        Some(i) if i > 0 => (&name[..i], &name[i..]),
        _ => (name, ""),
    };
    (1..)
        .map(|n| dir.join(format!("{stem}-{n}{ext}")))
        .find(|p| !p.exists())
        .expect("some suffix is free")
}

fn write(path: &Path, bytes: &[u8]) -> Result<(), ConfigError> {
    std::fs::write(path, bytes).map_err(|source| ConfigError::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use serde_json::json;

    #[test]
    fn strftime_template_with_microseconds() {
        let now = chrono::Local.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap()
            + chrono::Duration::microseconds(123456);
        let envs: Envs = [("BASE".to_string(), Some("out".to_string()))]
            .into_iter()
            .collect();
        let dir = resolve_dir(
            "${BASE}/%Y-%m-%d_%H-%M-%S.%f",
            &envs,
            &|_| None,
            now,
            Path::new("/w"),
        )
        .unwrap();
        assert_eq!(dir, PathBuf::from("/w/out/2026-03-04_05-06-07.123456"));
        let dir = resolve_dir("/abs/100%%", &Envs::new(), &|_| None, now, Path::new("/w")).unwrap();
        assert_eq!(dir, PathBuf::from("/abs/100%"));
        let home = |n: &str| (n == "HOME").then(|| "/home/u".to_string());
        let dir = resolve_dir("~/a/$HOME", &Envs::new(), &home, now, Path::new("/w")).unwrap();
        assert_eq!(dir, PathBuf::from("/home/u/a//home/u"));
    }

    #[test]
    fn bad_strftime_is_an_error_not_a_panic() {
        let err = resolve_dir(
            "%Q",
            &Envs::new(),
            &|_| None,
            chrono::Local::now(),
            Path::new("/"),
        )
        .unwrap_err();
        assert!(err.to_string().contains("strftime"), "{err}");
    }

    #[test]
    fn secrets_are_masked() {
        let v = json!({
            "settings": {"proxy": {"password": "p", "username": "u"}},
            "scenarios": {"s": {"headers": {"Authorization": "Bearer x", "Accept": "*/*"},
                                "requests": [{"url": "/", "headers": {"X-Api-Key": "k"}}]}},
            "modules": {"blazemeter": {"token": "t", "api-secret": 5}},
            "env": {"AWS_SECRET_ACCESS_KEY": "s", "aws_access_key_id": "id", "db_password": null},
        });
        let m = masked(&v);
        assert_eq!(
            m["settings"]["proxy"],
            json!({"password": MASK, "username": "u"})
        );
        assert_eq!(
            m["scenarios"]["s"]["headers"],
            json!({"Authorization": MASK, "Accept": "*/*"})
        );
        assert_eq!(
            m["scenarios"]["s"]["requests"][0]["headers"]["X-Api-Key"],
            json!(MASK)
        );
        assert_eq!(
            m["modules"]["blazemeter"],
            json!({"token": MASK, "api-secret": MASK})
        );
        assert_eq!(
            m["env"],
            json!({"AWS_SECRET_ACCESS_KEY": MASK, "aws_access_key_id": MASK, "db_password": null})
        );
    }

    #[test]
    fn unique_names_get_suffixes() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(unique_name(dir.path(), "a.yml"), dir.path().join("a.yml"));
        std::fs::write(dir.path().join("a.yml"), "").unwrap();
        assert_eq!(unique_name(dir.path(), "a.yml"), dir.path().join("a-1.yml"));
    }
}
