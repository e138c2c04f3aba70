//! JSON ↔ DynamoDB `AttributeValue`, the way DLT's DocumentClient maps JS values.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use serde_json::{Map, Number, Value};

/// JS number → `N`, string → `S`, object → `M`, array → `L`, boolean → `BOOL`, null → `NULL`.
pub fn to_attr(v: &Value) -> AttributeValue {
    match v {
        Value::Null => AttributeValue::Null(true),
        Value::Bool(b) => AttributeValue::Bool(*b),
        Value::Number(n) => AttributeValue::N(n.to_string()),
        Value::String(s) => AttributeValue::S(s.clone()),
        Value::Array(a) => AttributeValue::L(a.iter().map(to_attr).collect()),
        Value::Object(m) => AttributeValue::M(to_attrs(m)),
    }
}

pub fn to_attrs(m: &Map<String, Value>) -> HashMap<String, AttributeValue> {
    m.iter().map(|(k, v)| (k.clone(), to_attr(v))).collect()
}

/// The reverse mapping. Map keys come back sorted, since DynamoDB keeps no order.
pub fn from_attr(a: &AttributeValue) -> Value {
    match a {
        AttributeValue::S(s) => Value::String(s.clone()),
        AttributeValue::N(n) => number(n),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::L(l) => Value::Array(l.iter().map(from_attr).collect()),
        AttributeValue::M(m) => Value::Object(from_attrs(m)),
        AttributeValue::Ss(ss) => Value::Array(ss.iter().cloned().map(Value::String).collect()),
        AttributeValue::Ns(ns) => Value::Array(ns.iter().map(|n| number(n)).collect()),
        // Binary, binary sets and NULL carry nothing the parser reads.
        _ => Value::Null,
    }
}

pub fn from_attrs(m: &HashMap<String, AttributeValue>) -> Map<String, Value> {
    let mut keys: Vec<&String> = m.keys().collect();
    keys.sort();
    keys.into_iter()
        .map(|k| (k.clone(), from_attr(&m[k])))
        .collect()
}

fn number(n: &str) -> Value {
    if let Ok(i) = n.parse::<i64>() {
        return Value::from(i);
    }
    n.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or(Value::String(n.into()), Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_types() {
        let v = serde_json::json!({"a": 1, "b": "1", "c": 0.181, "d": [{"code": "503", "count": 2}], "e": true, "f": null});
        let back = from_attr(&to_attr(&v));
        assert_eq!(back, v);
        assert!(matches!(to_attr(&v["b"]), AttributeValue::S(_)));
        assert!(matches!(to_attr(&v["a"]), AttributeValue::N(_)));
    }
}
