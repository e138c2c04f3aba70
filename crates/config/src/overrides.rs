//! `-o PATH=VALUE` overrides, exactly as Taurus's `ConfigOverrider` applies them (`docs/taurus-config.md#overrides`).

use serde_json::{Map, Value};

use super::error::ConfigError;

/// The largest list index an override may create; Taurus pads lists up to the index, and a typo like
/// `execution.100000000.x` should be an error rather than an out-of-memory.
const MAX_INDEX: usize = 10_000;

#[derive(Debug, Clone, PartialEq)]
enum Part {
    Key(String),
    Index(i64),
}

/// Applies one `NAME=VALUE` override to the config.
pub fn apply(config: &mut Map<String, Value>, spec: &str) -> Result<(), ConfigError> {
    let bad = |reason: String| ConfigError::Override {
        spec: spec.to_string(),
        reason,
    };
    let (name, raw) = spec
        .split_once('=')
        .ok_or_else(|| bad("there is no '='".into()))?;
    if name.is_empty() {
        return Err(bad("the path before '=' is empty".into()));
    }
    let parts: Vec<Part> = name.split('.').map(parse_part).collect();
    if let [Part::Key(k), Part::Index(_), ..] = parts.as_slice()
        && k == "execution"
        && let Some(single @ Value::Object(_)) = config.get_mut("execution")
    {
        // A single-dict `execution` is a list of one (`docs/taurus-config.md#execution`), so `execution.0.hold-for=2s`
        // addresses it instead of adding an ignored key "0" to it.
        *single = Value::Array(vec![single.take()]);
    }
    let (last, walk) = parts.split_last().expect("split yields at least one part");
    let mut root = Value::Object(std::mem::take(config));
    let result = walk_and_set(&mut root, walk, last, raw).map_err(bad);
    let Value::Object(map) = root else {
        unreachable!("the root stays a mapping")
    };
    *config = map;
    result
}

fn parse_part(text: &str) -> Part {
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = text.parse::<i64>()
    {
        return Part::Index(i);
    }
    Part::Key(text.to_string())
}

fn walk_and_set(root: &mut Value, walk: &[Part], last: &Part, raw: &str) -> Result<(), String> {
    let mut pointer = root;
    for (i, part) in walk.iter().enumerate() {
        let next = walk.get(i + 1).unwrap_or(last);
        let fresh = || match next {
            Part::Index(_) => Value::Array(Vec::new()),
            Part::Key(_) => Value::Object(Map::new()),
        };
        if !matches!(
            (&*pointer, part),
            (Value::Object(_), _) | (Value::Array(_), Part::Index(_))
        ) {
            return Err(not_a_container(pointer, part, walk, i));
        }
        pointer = match (pointer, part) {
            (Value::Object(map), Part::Key(k)) => map.entry(k.clone()).or_insert_with(fresh),
            (Value::Object(map), Part::Index(n)) => map.entry(n.to_string()).or_insert_with(fresh),
            (Value::Array(list), Part::Index(n)) => {
                if *n < 0 {
                    list.push(fresh());
                    list.last_mut().expect("just pushed")
                } else {
                    let n = index(*n)?;
                    pad(list, n, fresh);
                    &mut list[n]
                }
            }
            _ => unreachable!("checked above"),
        };
    }
    set_last(pointer, last, raw, walk)
}

fn set_last(pointer: &mut Value, last: &Part, raw: &str, walk: &[Part]) -> Result<(), String> {
    match (pointer, last) {
        (Value::Object(map), Part::Key(k)) if k.starts_with('^') && k.len() > 1 => {
            map.shift_remove(&k[1..]);
        }
        (Value::Object(map), Part::Key(k)) if k.starts_with('*') && k.len() > 1 => {
            for value in map.values_mut() {
                replace_recursive(value, &k[1..], raw);
            }
            if map.contains_key(&k[1..]) {
                map.insert(k[1..].to_string(), Value::String(raw.to_string()));
            }
        }
        (Value::Object(map), Part::Key(k)) => {
            map.insert(k.clone(), parse_value(raw));
        }
        (Value::Object(map), Part::Index(n)) => {
            map.insert(n.to_string(), parse_value(raw));
        }
        (Value::Array(list), Part::Key(k)) if k.starts_with('^') => {
            let n: i64 = k[1..]
                .parse()
                .map_err(|_| format!("'{k}' on a list needs an index, e.g. ^0"))?;
            let len = list.len() as i64;
            if (-len..len).contains(&n) {
                list.remove(if n < 0 {
                    (len + n) as usize
                } else {
                    n as usize
                });
            }
        }
        (Value::Array(list), Part::Index(n)) if *n < 0 => list.push(parse_value(raw)),
        (Value::Array(list), Part::Index(n)) => {
            let n = index(*n)?;
            pad(list, n, || Value::Object(Map::new()));
            list[n] = parse_value(raw);
        }
        (other, part) => return Err(not_a_container(other, part, walk, walk.len())),
    }
    Ok(())
}

/// `*key` overrides: every mapping under the pointer that has `key` gets the raw string.
fn replace_recursive(value: &mut Value, key: &str, raw: &str) {
    match value {
        Value::Object(map) => {
            if map.contains_key(key) {
                map.insert(key.to_string(), Value::String(raw.to_string()));
            }
            for v in map.values_mut() {
                replace_recursive(v, key, raw);
            }
        }
        Value::Array(items) => items
            .iter_mut()
            .for_each(|v| replace_recursive(v, key, raw)),
        _ => {}
    }
}

fn index(n: i64) -> Result<usize, String> {
    usize::try_from(n)
        .ok()
        .filter(|n| *n <= MAX_INDEX)
        .ok_or_else(|| format!("list index {n} is too large (at most {MAX_INDEX})"))
}

fn pad(list: &mut Vec<Value>, n: usize, fresh: impl Fn() -> Value) {
    while list.len() <= n {
        list.push(fresh());
    }
}

fn not_a_container(found: &Value, part: &Part, walk: &[Part], i: usize) -> String {
    let path: Vec<String> = walk[..i]
        .iter()
        .map(|p| match p {
            Part::Key(k) => k.clone(),
            Part::Index(n) => n.to_string(),
        })
        .collect();
    let what = match part {
        Part::Key(k) => format!("key '{k}'"),
        Part::Index(n) => format!("index {n}"),
    };
    format!(
        "cannot apply {what}: '{}' is {}",
        if path.is_empty() {
            "<root>".to_string()
        } else {
            path.join(".")
        },
        super::error::type_name(found)
    )
}

/// Taurus parses the value with `yaml.safe_load` and falls back to the raw string.
pub fn parse_value(raw: &str) -> Value {
    if raw.trim().is_empty() {
        return if raw.is_empty() {
            Value::Null
        } else {
            Value::String(raw.to_string())
        };
    }
    match serde_saphyr::from_str::<Value>(raw) {
        Ok(v) => v,
        Err(_) => Value::String(raw.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn applied(start: Value, specs: &[&str]) -> Value {
        let Value::Object(mut map) = start else {
            panic!()
        };
        for s in specs {
            apply(&mut map, s).unwrap_or_else(|e| panic!("{s}: {e}"));
        }
        Value::Object(map)
    }

    #[test]
    fn values_are_yaml_parsed() {
        let got = applied(
            json!({}),
            &[
                "a=5",
                "b=true",
                "c=[x, z]",
                "d={k: v}",
                "e=plain text",
                "f=",
                "g='5'",
                "h=[unclosed",
                "i=1.5",
            ],
        );
        assert_eq!(
            got,
            json!({"a": 5, "b": true, "c": ["x", "z"], "d": {"k": "v"}, "e": "plain text", "f": null, "g": "5", "h": "[unclosed", "i": 1.5})
        );
    }

    #[test]
    fn numeric_parts_index_lists_and_create_containers() {
        let got = applied(
            json!({"execution": [{"concurrency": 1}]}),
            &[
                "execution.0.concurrency=50",
                "settings.env.BASE=/tmp",
                "new.2.x=1",
                "m.0=zero",
            ],
        );
        assert_eq!(got["execution"][0]["concurrency"], json!(50));
        assert_eq!(got["settings"]["env"]["BASE"], json!("/tmp"));
        assert_eq!(got["new"], json!([{}, {}, {"x": 1}]));
        assert_eq!(got["m"], json!(["zero"]));
    }

    #[test]
    fn minus_one_appends() {
        let got = applied(
            json!({"reporting": [{"module": "final-stats"}], "l": [1]}),
            &["reporting.-1.module=passfail", "l.-1=2"],
        );
        assert_eq!(
            got["reporting"],
            json!([{"module": "final-stats"}, {"module": "passfail"}])
        );
        assert_eq!(got["l"], json!([1, 2]));
    }

    #[test]
    fn caret_deletes_and_star_replaces_recursively() {
        let got = applied(
            json!({"a": {"b": 1, "c": 2}, "l": [1, 2, 3], "s": {"x": [{"timeout": 1}, {"timeout": 2}], "timeout": 3}}),
            &["a.^b=", "l.^0=", "s.*timeout=10s", "a.^missing="],
        );
        assert_eq!(got["a"], json!({"c": 2}));
        assert_eq!(got["l"], json!([2, 3]));
        assert_eq!(
            got["s"],
            json!({"x": [{"timeout": "10s"}, {"timeout": "10s"}], "timeout": "10s"})
        );
    }

    #[test]
    fn dlt_console_override() {
        let got = applied(json!({}), &["modules.console.disable=true"]);
        assert_eq!(got, json!({"modules": {"console": {"disable": true}}}));
    }

    #[test]
    fn indexes_address_a_single_dict_execution() {
        let start = json!({"execution": {"concurrency": 50, "hold-for": "5m"}});
        assert_eq!(
            applied(start.clone(), &["execution.0.hold-for=2s"]),
            json!({"execution": [{"concurrency": 50, "hold-for": "2s"}]})
        );
        assert_eq!(
            applied(start.clone(), &["execution.-1.scenario=x"]),
            json!({"execution": [{"concurrency": 50, "hold-for": "5m"}, {"scenario": "x"}]})
        );
        assert_eq!(
            applied(start, &["execution.hold-for=1s"]),
            json!({"execution": {"concurrency": 50, "hold-for": "1s"}})
        );
    }

    #[test]
    fn bad_overrides_are_clear_errors() {
        let mut map = Map::new();
        let err = apply(&mut map, "no-equals").unwrap_err().to_string();
        assert!(err.contains("there is no '='"), "{err}");
        let err = apply(&mut map, "=5").unwrap_err().to_string();
        assert!(err.contains("path before '=' is empty"), "{err}");
        apply(&mut map, "a=5").unwrap();
        let err = apply(&mut map, "a.b=1").unwrap_err().to_string();
        assert!(err.contains("'a' is a number"), "{err}");
        let err = apply(&mut map, "l.99999999=1").unwrap_err().to_string();
        assert!(err.contains("too large"), "{err}");
    }
}
