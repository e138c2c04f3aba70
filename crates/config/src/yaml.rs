//! Reading one config file into mappings, as Taurus's `Configuration._read_yaml_or_json` does.
//!
//! YAML is read with `serde-saphyr`: it is maintained, pure Rust, applies anchors, aliases and `<<:`
//! merge keys while deserialising into any serde type (here `serde_json::Value`, the tree every other
//! module reads), accepts YAML 1.1 booleans (`yes`/`on`) like PyYAML, and reports line and column for
//! syntax errors. Known difference: serde-saphyr also reads a bare `y`/`n` as a boolean (PyYAML
//! keeps them strings); quote them. `serde_yaml` is archived and its forks are unmaintained and skip merge keys.

use std::path::Path;

use serde_json::{Map, Value};

use super::error::{ConfigError, type_name};

/// Taurus's `settings.tab-replacement-spaces` default.
pub const TAB_SPACES: usize = 4;

/// The mappings of one file, in document order.
pub type Documents = Vec<Map<String, Value>>;

/// Parses a config text: every YAML document must be a mapping (empty ones are skipped); text that is
/// not YAML but starts with `{` is read as JSON. Returns the documents in order plus warnings.
pub fn parse(file: &Path, text: &str) -> Result<(Documents, Vec<String>), ConfigError> {
    let mut warnings = Vec::new();
    let yaml_text = replace_leading_tabs(file, text, &mut warnings);
    let docs = match serde_saphyr::from_multiple::<Value>(&yaml_text) {
        Ok(docs) => docs,
        Err(err) if duplicate_key(&err).is_some() => {
            warn_duplicates(file, &yaml_text, &mut warnings);
            serde_saphyr::from_multiple_with_options::<Value>(&yaml_text, last_wins())
                .map_err(|e| yaml_syntax(file, &e))?
        }
        Err(_) if text.trim_start().starts_with('{') => match serde_json::from_str(text) {
            Ok(doc) => vec![doc],
            Err(json_err) => return Err(json_syntax(file, &json_err)),
        },
        Err(err) => return Err(yaml_syntax(file, &err)),
    };
    let mut maps = Vec::new();
    for (i, doc) in docs.into_iter().enumerate() {
        match doc {
            Value::Null => {}
            Value::Object(map) => maps.push(map),
            other => {
                return Err(ConfigError::NotAMapping {
                    file: file.to_path_buf(),
                    document: i + 1,
                    found: type_name(&other),
                });
            }
        }
    }
    Ok((maps, warnings))
}

/// PyYAML, which Taurus reads YAML with, accepts a key repeated in one mapping and keeps its last
/// value; a widely copied config repeats `body:` in a request. We do the same and say where.
fn last_wins() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::LastWins;
    options
}

/// How many repeated keys one file may report before the rest are summed up in one line.
const MAX_DUPLICATE_WARNINGS: usize = 20;

fn duplicate_key(err: &serde_saphyr::Error) -> Option<(String, u64, u64)> {
    match err.without_snippet() {
        serde_saphyr::Error::DuplicateMappingKey { key, location } => Some((
            key.clone().unwrap_or_else(|| "?".into()),
            location.line(),
            location.column(),
        )),
        _ => None,
    }
}

/// One warning per repeated key, with its line. The strict reader stops at the first repeat, so
/// each one found is renamed in a scratch copy of the text and the text read again.
fn warn_duplicates(file: &Path, text: &str, warnings: &mut Vec<String>) {
    let mut scratch = text.to_string();
    for n in 0..MAX_DUPLICATE_WARNINGS {
        let Err(err) = serde_saphyr::from_multiple::<Value>(&scratch) else {
            return;
        };
        let Some((key, line, column)) = duplicate_key(&err) else {
            return;
        };
        warnings.push(format!(
            "{}:{line}: key '{key}' appears more than once in the same mapping; the last value is used (as Taurus does). Remove the other one to silence this warning",
            file.display()
        ));
        if !rename_key_at(&mut scratch, line, column, &key, n) {
            return;
        }
    }
    warnings.push(format!(
        "{}: more than {MAX_DUPLICATE_WARNINGS} repeated keys; only the first ones are listed",
        file.display()
    ));
}

/// Makes the key written at `line:column` (1-based) unique, so that the next read goes past it.
fn rename_key_at(text: &mut String, line: u64, column: u64, key: &str, n: usize) -> bool {
    let Some(start) = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1) as usize)
        .map(str::len)
        .sum::<usize>()
        .checked_add(column.saturating_sub(1) as usize)
    else {
        return false;
    };
    let Some(rest) = text.get(start..) else {
        return false;
    };
    let at = if rest.starts_with(key) {
        start + key.len()
    } else if rest.len() > key.len() && rest[1..].starts_with(key) && rest.starts_with(['"', '\''])
    {
        start + 1 + key.len()
    } else {
        return false;
    };
    text.insert_str(at, &format!("__stampede_repeated_{n}"));
    true
}

fn replace_leading_tabs(file: &Path, text: &str, warnings: &mut Vec<String>) -> String {
    if !text.lines().any(|l| l.starts_with('\t')) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 64);
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let tabs = line.len() - line.trim_start_matches('\t').len();
        if tabs > 0 {
            warnings.push(format!(
                "{}:{}: leading TAB replaced with {TAB_SPACES} spaces (YAML does not allow TABs for indentation)",
                file.display(),
                n + 1
            ));
            out.push_str(&" ".repeat(tabs * TAB_SPACES));
        }
        out.push_str(&line[tabs..]);
    }
    out
}

fn yaml_syntax(file: &Path, err: &serde_saphyr::Error) -> ConfigError {
    let (line, column) = err
        .location()
        .map_or((0, 0), |loc| (loc.line(), loc.column()));
    ConfigError::Syntax {
        file: file.to_path_buf(),
        format: "YAML",
        line,
        column,
        message: first_line(&err.without_snippet().to_string()),
    }
}

fn json_syntax(file: &Path, err: &serde_json::Error) -> ConfigError {
    ConfigError::Syntax {
        file: file.to_path_buf(),
        format: "JSON",
        line: err.line() as u64,
        column: err.column() as u64,
        message: first_line(&err.to_string()),
    }
}

/// The message without position suffixes or snippet lines (we print our own position).
fn first_line(msg: &str) -> String {
    let line = msg.lines().next().unwrap_or(msg).trim();
    match line.find(" at line ") {
        Some(i) => line[..i].to_string(),
        None => line.to_string(),
    }
}

/// Serialises a tree as YAML (for `effective.yml`, `merged.yml`, `validate --effective`).
pub fn to_yaml(value: &Value) -> Result<String, ConfigError> {
    serde_saphyr::to_string(value).map_err(|e| ConfigError::Dump(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn one(text: &str) -> Value {
        let (docs, _) = parse(Path::new("t.yml"), text).unwrap();
        assert_eq!(docs.len(), 1, "{docs:?}");
        Value::Object(docs.into_iter().next().unwrap())
    }

    #[test]
    fn anchors_aliases_and_merge_keys() {
        let v = one(
            "defaults: &d {concurrency: 5, hold-for: 1m}\nexecution:\n- <<: *d\n  scenario: a\n- <<: *d\n  concurrency: 7\nagain: *d\n",
        );
        assert_eq!(v["execution"][0]["concurrency"], json!(5));
        assert_eq!(v["execution"][0]["scenario"], json!("a"));
        assert_eq!(v["execution"][1]["concurrency"], json!(7));
        assert_eq!(v["again"]["hold-for"], json!("1m"));
    }

    #[test]
    fn yaml_1_1_scalars() {
        let v = one("a: yes\nb: off\nc: 05\nd: 1.5\ne: ~\nf: '10'\n");
        assert_eq!(
            v["c"].as_f64(),
            Some(5.0),
            "leading zeros are decimal, as PyYAML reads 05"
        );
        assert_eq!(
            v,
            json!({"a": true, "b": false, "c": v["c"], "d": 1.5, "e": null, "f": "10"})
        );
    }

    #[test]
    fn integer_keys_become_strings() {
        let v = one("codes:\n  200: ok\n");
        assert_eq!(v["codes"]["200"], json!("ok"));
    }

    #[test]
    fn multiple_documents_and_empty_ones() {
        let (docs, _) = parse(Path::new("t.yml"), "a: 1\n---\n---\nb: 2\n").unwrap();
        assert_eq!(docs.len(), 2);
        let (docs, _) = parse(Path::new("t.yml"), "").unwrap();
        assert!(docs.is_empty());
    }

    #[test]
    fn leading_tabs_are_replaced_with_a_warning() {
        let (docs, warnings) = parse(Path::new("t.yml"), "a:\n\tb: 1\n").unwrap();
        assert_eq!(Value::Object(docs[0].clone()), json!({"a": {"b": 1}}));
        assert_eq!(warnings.len(), 1);
        assert!(warnings[0].contains("t.yml:2"), "{warnings:?}");
    }

    #[test]
    fn json_that_is_not_yaml_falls_back_to_json() {
        let v = one("{\n\t\"a\":\t{\"b\": [1,\t2]}\n}");
        assert_eq!(v, json!({"a": {"b": [1, 2]}}));
    }

    #[test]
    fn syntax_errors_have_positions() {
        let err = parse(
            Path::new("bad.yml"),
            "execution:\n- concurrency: 2\n  scenario: s1\n    bad-indent: [unclosed\n",
        )
        .unwrap_err();
        let msg = err.to_string();
        assert!(matches!(err, ConfigError::Syntax { line: 4, .. }), "{msg}");
        assert!(
            msg.starts_with("Error when reading config file 'bad.yml': "),
            "{msg}"
        );
        let err = parse(Path::new("bad.json"), "{\"a\": [1,}").unwrap_err();
        assert!(
            matches!(
                err,
                ConfigError::Syntax {
                    format: "JSON",
                    line: 1,
                    ..
                }
            ),
            "{err}"
        );
    }

    #[test]
    fn repeated_keys_keep_the_last_value_with_a_warning_per_key() {
        let text = "scenarios:\n  s:\n    requests:\n    - url: /a\n      body: first\n      method: POST\n      body: second\n    - url: /b\n      \"label\": x\n      label: z\n";
        let (docs, warnings) = parse(Path::new("nex.yml"), text).unwrap();
        let v = Value::Object(docs[0].clone());
        assert_eq!(v["scenarios"]["s"]["requests"][0]["body"], json!("second"));
        assert_eq!(v["scenarios"]["s"]["requests"][0]["method"], json!("POST"));
        assert_eq!(v["scenarios"]["s"]["requests"][1]["label"], json!("z"));
        assert_eq!(warnings.len(), 2, "{warnings:?}");
        assert!(
            warnings[0].starts_with("nex.yml:7: key 'body' appears more than once"),
            "{warnings:?}"
        );
        assert!(
            warnings[1].starts_with("nex.yml:10: key 'label'"),
            "{warnings:?}"
        );
        assert!(!warnings.iter().any(|w| w.contains("DuplicateKeyPolicy")));
    }

    #[test]
    fn non_mapping_documents_are_rejected() {
        let err = parse(Path::new("l.yml"), "- a\n- b\n").unwrap_err();
        assert!(err.to_string().contains("document 1 is a list"), "{err}");
    }
}
