//! Taurus's deep merge (`bzt/utils.py BetterDict.merge`): mappings merge recursively, lists concatenate,
//! scalars are replaced; key prefixes `^` (delete), `~` (replace) and `$` (element-wise list merge).

use serde_json::{Map, Value};

/// Merges `src` into `dst` in place. `warnings` collects Taurus's `Overwriting the value of ...` notes.
pub fn merge(dst: &mut Map<String, Value>, src: Map<String, Value>, warnings: &mut Vec<String>) {
    for (raw_key, val) in src {
        let (prefix, key) = split_prefix(&raw_key);
        match prefix {
            Some('^') => {
                dst.shift_remove(key);
                continue;
            }
            Some('~') => {
                dst.shift_remove(key);
            }
            Some('$') => {
                if let (Value::Array(items), Some(Value::Array(existing))) =
                    (&val, dst.get_mut(key))
                {
                    merge_elementwise(existing, items.clone(), key, warnings);
                    continue;
                }
            }
            _ => {}
        }
        merge_value(dst, key, val, warnings);
    }
}

fn merge_value(dst: &mut Map<String, Value>, key: &str, val: Value, warnings: &mut Vec<String>) {
    match val {
        Value::Object(incoming) => match dst.get_mut(key) {
            Some(Value::Object(existing)) => merge(existing, incoming, warnings),
            _ => {
                // A new (or overwritten non-mapping) value: prefixes inside are processed too.
                let mut fresh = Map::new();
                merge(&mut fresh, incoming, warnings);
                dst.insert(key.to_string(), Value::Object(fresh));
            }
        },
        Value::Array(items) => match dst.get_mut(key) {
            Some(Value::Array(existing)) => existing.extend(items),
            _ => {
                dst.insert(key.to_string(), Value::Array(items));
            }
        },
        scalar => {
            dst.insert(key.to_string(), scalar);
        }
    }
}

fn merge_elementwise(dst: &mut Vec<Value>, src: Vec<Value>, key: &str, warnings: &mut Vec<String>) {
    for (i, item) in src.into_iter().enumerate() {
        match (dst.get_mut(i), item) {
            (Some(Value::Object(existing)), Value::Object(incoming)) => {
                merge(existing, incoming, warnings)
            }
            (Some(slot), item) => {
                warnings.push(format!(
                    "Overwriting the value of {key:?} when merging configs"
                ));
                *slot = item;
            }
            (None, item) => dst.push(item),
        }
    }
}

/// Splits a Taurus merge prefix off a key. A lone prefix character is an ordinary key.
fn split_prefix(key: &str) -> (Option<char>, &str) {
    let mut chars = key.chars();
    match chars.next() {
        Some(c @ ('^' | '~' | '$')) if key.len() > 1 => (Some(c), chars.as_str()),
        _ => (None, key),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn merged(a: Value, b: Value) -> Value {
        let (Value::Object(mut a), Value::Object(b)) = (a, b) else {
            panic!("mappings expected")
        };
        let mut w = Vec::new();
        merge(&mut a, b, &mut w);
        Value::Object(a)
    }

    #[test]
    fn dicts_recurse_lists_concatenate_scalars_replace() {
        let got = merged(
            json!({"a": {"x": 1, "y": [1]}, "s": "old", "l": [1, 2]}),
            json!({"a": {"y": [2], "z": true}, "s": "new", "l": [3]}),
        );
        assert_eq!(
            got,
            json!({"a": {"x": 1, "y": [1, 2], "z": true}, "s": "new", "l": [1, 2, 3]})
        );
    }

    #[test]
    fn type_changes_overwrite() {
        let got = merged(
            json!({"execution": {"concurrency": 1}, "list": [1], "d": 5}),
            json!({"execution": [{"concurrency": 2}], "list": {"k": 1}, "d": {"k": 2}}),
        );
        assert_eq!(
            got,
            json!({"execution": [{"concurrency": 2}], "list": {"k": 1}, "d": {"k": 2}})
        );
    }

    #[test]
    fn caret_deletes_tilde_replaces() {
        let got = merged(
            json!({"props": {"a": 1}, "list": [1, 2], "m": {"a": 1, "b": 2}}),
            json!({"^props": null, "~list": [9], "~m": {"c": 3}, "^absent": 1}),
        );
        assert_eq!(got, json!({"list": [9], "m": {"c": 3}}));
    }

    #[test]
    fn dollar_merges_lists_elementwise() {
        let got = merged(
            json!({"execution": [{"concurrency": 1, "scenario": "s"}, 5]}),
            json!({"$execution": [{"concurrency": 2}, 6, {"x": 1}]}),
        );
        assert_eq!(
            got,
            json!({"execution": [{"concurrency": 2, "scenario": "s"}, 6, {"x": 1}]})
        );
        // `$` on a non-list behaves like no prefix.
        assert_eq!(
            merged(json!({"a": {"b": 1}}), json!({"$a": {"c": 2}})),
            json!({"a": {"b": 1, "c": 2}})
        );
    }

    #[test]
    fn prefixes_inside_new_dicts_are_processed_but_not_inside_lists() {
        let got = merged(
            json!({}),
            json!({"new": {"~k": 1, "^gone": 2}, "l": [{"~k": 1}]}),
        );
        assert_eq!(got, json!({"new": {"k": 1}, "l": [{"~k": 1}]}));
    }

    #[test]
    fn lone_prefix_is_a_key() {
        assert_eq!(
            merged(json!({}), json!({"~": 1, "$": 2})),
            json!({"~": 1, "$": 2})
        );
    }
}
