//! Values and the JS conversions between them (ToString, ToNumber, ToBoolean, equality, ordering).

use std::sync::Arc;

use crate::date;
use crate::jsregex::JsRegex;
use crate::numfmt::to_js_string;

/// A script value. `Java` is a `java.lang.String` that Rhino hands out for `vars.get`, `props.get`
/// and `threadName`: it prints and compares with `==` like a string, but `typeof` says `object`,
/// `===` with a JS string is false, and it has Java's methods (`length()`, `replace` of every
/// occurrence, `split` by regex).
#[derive(Clone, Debug)]
pub enum Value {
    Undefined,
    Null,
    Bool(bool),
    Num(f64),
    Str(Arc<str>),
    Java(Arc<str>),
    Array(Arc<Vec<Value>>),
    /// A Java `String[]` (from a Java string's `split`).
    JavaArray(Arc<Vec<Arc<str>>>),
    /// Milliseconds since the epoch (NaN for an invalid date).
    Date(f64),
    Regex(Arc<JsRegex>),
}

impl Value {
    pub(crate) fn str(s: impl Into<Arc<str>>) -> Value {
        Value::Str(s.into())
    }

    /// What `${__javaScript(…)}` returns for this result: Rhino's `Context.toString`.
    pub fn to_jmeter_string(&self) -> String {
        self.to_js_string()
    }

    /// ECMAScript ToString.
    pub fn to_js_string(&self) -> String {
        match self {
            Value::Undefined => "undefined".into(),
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Num(n) => to_js_string(*n),
            Value::Str(s) | Value::Java(s) => s.to_string(),
            Value::Array(items) => items
                .iter()
                .map(|v| match v {
                    Value::Undefined | Value::Null => String::new(),
                    v => v.to_js_string(),
                })
                .collect::<Vec<_>>()
                .join(","),
            Value::JavaArray(items) => format!("[Ljava.lang.String;@{:x}", items.len()),
            Value::Date(ms) => date::to_string(*ms),
            Value::Regex(r) => format!("/{}/{}", r.re.as_str(), if r.global { "g" } else { "" }),
        }
    }

    /// ECMAScript ToNumber.
    pub fn to_number(&self) -> f64 {
        match self {
            Value::Undefined => f64::NAN,
            Value::Null => 0.0,
            Value::Bool(b) => f64::from(u8::from(*b)),
            Value::Num(n) => *n,
            Value::Str(s) | Value::Java(s) => string_to_number(s),
            Value::Date(ms) => *ms,
            Value::Array(_) | Value::JavaArray(_) | Value::Regex(_) => {
                string_to_number(&self.to_js_string())
            }
        }
    }

    /// ECMAScript ToBoolean.
    pub fn truthy(&self) -> bool {
        match self {
            Value::Undefined | Value::Null => false,
            Value::Bool(b) => *b,
            Value::Num(n) => *n != 0.0 && !n.is_nan(),
            Value::Str(s) => !s.is_empty(),
            Value::Java(_)
            | Value::Array(_)
            | Value::JavaArray(_)
            | Value::Date(_)
            | Value::Regex(_) => true,
        }
    }

    pub(crate) fn type_of(&self) -> &'static str {
        match self {
            Value::Undefined => "undefined",
            Value::Bool(_) => "boolean",
            Value::Num(_) => "number",
            Value::Str(_) => "string",
            Value::Null
            | Value::Java(_)
            | Value::Array(_)
            | Value::JavaArray(_)
            | Value::Date(_)
            | Value::Regex(_) => "object",
        }
    }

    /// Whether `+` and the relational operators see a string here (after ToPrimitive).
    pub(crate) fn is_stringish(&self) -> bool {
        matches!(
            self,
            Value::Str(_)
                | Value::Java(_)
                | Value::Array(_)
                | Value::JavaArray(_)
                | Value::Date(_)
                | Value::Regex(_)
        )
    }

    /// `===`.
    pub(crate) fn strict_eq(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Undefined, Value::Undefined) | (Value::Null, Value::Null) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Num(a), Value::Num(b)) => a == b,
            (Value::Str(a), Value::Str(b)) => a == b,
            // Rhino wraps each Java string it hands out in a new object.
            (Value::Java(_), _) | (_, Value::Java(_)) => false,
            (Value::Array(a), Value::Array(b)) => Arc::ptr_eq(a, b),
            (Value::JavaArray(a), Value::JavaArray(b)) => Arc::ptr_eq(a, b),
            (Value::Regex(a), Value::Regex(b)) => Arc::ptr_eq(a, b),
            _ => false,
        }
    }

    /// `==`, the abstract equality comparison.
    pub(crate) fn loose_eq(&self, other: &Value) -> bool {
        use Value as V;
        match (self, other) {
            (V::Undefined | V::Null, V::Undefined | V::Null) => true,
            (V::Undefined | V::Null, _) | (_, V::Undefined | V::Null) => false,
            (V::Num(_), V::Num(_)) | (V::Str(_), V::Str(_)) | (V::Bool(_), V::Bool(_)) => {
                self.strict_eq(other)
            }
            (V::Java(a) | V::Str(a), V::Java(b) | V::Str(b)) => a == b,
            // A Date's default primitive is its string, so it never equals its time value.
            (V::Date(_), V::Num(_) | V::Str(_) | V::Java(_) | V::Bool(_)) => {
                V::str(self.to_js_string()).loose_eq(other)
            }
            (V::Num(_) | V::Str(_) | V::Java(_) | V::Bool(_), V::Date(_)) => {
                self.loose_eq(&V::str(other.to_js_string()))
            }
            (V::Bool(b), _) => V::Num(f64::from(u8::from(*b))).loose_eq(other),
            (_, V::Bool(b)) => self.loose_eq(&V::Num(f64::from(u8::from(*b)))),
            (V::Num(n), _) => *n == other.to_number(),
            (_, V::Num(n)) => self.to_number() == *n,
            (V::Str(s), o) | (o, V::Str(s)) if !matches!(o, V::Str(_)) => **s == *o.to_js_string(),
            _ => self.strict_eq(other),
        }
    }
}

/// The longest string a script may build (16 Mi units), so that `s = s + s` chains cannot exhaust
/// memory; past it the operation is a RangeError, as an engine's own string limit is.
pub(crate) const MAX_STRING_UNITS: usize = 1 << 24;

pub(crate) fn too_long() -> crate::error::ErrorKind {
    crate::error::ErrorKind::Range("Invalid string length".into())
}

/// ECMAScript StringToNumber: whitespace-trimmed decimal, `0x` hex, `Infinity`; empty is 0.
pub(crate) fn string_to_number(s: &str) -> f64 {
    let t = s.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() {
        return 0.0;
    }
    if let Some(hex) = t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
        if hex.is_empty() || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return f64::NAN;
        }
        return hex.chars().fold(0.0, |acc, d| {
            acc * 16.0 + f64::from(d.to_digit(16).unwrap_or(0))
        });
    }
    let unsigned = t.trim_start_matches(['+', '-']);
    if unsigned == "Infinity" && t.len() - unsigned.len() <= 1 {
        return if t.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let decimal = t.len() - unsigned.len() <= 1
        && !unsigned.is_empty()
        && unsigned
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
        && unsigned.chars().any(|c| c.is_ascii_digit());
    if !decimal {
        return f64::NAN;
    }
    t.parse::<f64>().unwrap_or(f64::NAN)
}

/// ECMAScript ToInt32.
pub(crate) fn to_int32(n: f64) -> i32 {
    to_uint32(n) as i32
}

/// ECMAScript ToUint32.
pub(crate) fn to_uint32(n: f64) -> u32 {
    if !n.is_finite() {
        return 0;
    }
    n.trunc().rem_euclid(4294967296.0) as u32
}

/// ECMAScript ToIntegerOrInfinity.
pub(crate) fn to_integer(n: f64) -> f64 {
    if n.is_nan() { 0.0 } else { n.trunc() }
}
