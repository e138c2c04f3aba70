//! Methods on values: `String.prototype` (by UTF-16 code units, as JS counts), the `java.lang.String`
//! methods Rhino exposes on `vars.get(…)` values, numbers, arrays, dates and regular expressions.

use std::sync::Arc;

use crate::ast::Method;
use crate::builtins::{int_arg, type_error};
use crate::date;
use crate::error::ErrorKind;
use crate::numfmt;
use crate::value::Value;

fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Undefined)
}

fn units(s: &str) -> Vec<u16> {
    s.encode_utf16().collect()
}

fn text(u: &[u16]) -> Value {
    Value::str(String::from_utf16_lossy(u))
}

fn not_a_function(target: &Value, m: Method) -> ErrorKind {
    type_error(format!(
        "Cannot find function {} in object {}.",
        format!("{m:?}").to_lowercase(),
        target.to_js_string()
    ))
}

pub(crate) fn method(target: &Value, m: Method, args: &[Value]) -> Result<Value, ErrorKind> {
    match target {
        Value::Str(s) => {
            string_method(s, m, args).unwrap_or_else(|| Err(not_a_function(target, m)))
        }
        // Rhino looks for a Java method first, then in String.prototype.
        Value::Java(s) => java_method(s, m, args)
            .or_else(|| string_method(s, m, args))
            .unwrap_or_else(|| Err(not_a_function(target, m))),
        Value::Num(n) => number_method(*n, m, args),
        Value::Date(ms) => date_method(*ms, m),
        Value::Array(items) => match m {
            Method::Join => {
                let sep = match arg(args, 0) {
                    Value::Undefined => ",".to_owned(),
                    v => v.to_js_string(),
                };
                let parts: Vec<String> = items
                    .iter()
                    .map(|v| match v {
                        Value::Undefined | Value::Null => String::new(),
                        v => v.to_js_string(),
                    })
                    .collect();
                Ok(Value::str(parts.join(&sep)))
            }
            Method::IndexOf => {
                let found = items.iter().position(|v| v.strict_eq(arg(args, 0)));
                Ok(Value::Num(found.map_or(-1.0, |i| i as f64)))
            }
            Method::Includes => Ok(Value::Bool(items.iter().any(|v| v.strict_eq(arg(args, 0))))),
            Method::ToString => Ok(Value::str(target.to_js_string())),
            _ => Err(not_a_function(target, m)),
        },
        Value::Regex(r) => match m {
            Method::Test => Ok(Value::Bool(r.re.is_match(&arg(args, 0).to_js_string()))),
            Method::ToString => Ok(Value::str(target.to_js_string())),
            _ => Err(not_a_function(target, m)),
        },
        Value::Bool(_) if matches!(m, Method::ToString | Method::ValueOf) => {
            Ok(if m == Method::ToString {
                Value::str(target.to_js_string())
            } else {
                target.clone()
            })
        }
        Value::Undefined | Value::Null => Err(type_error(format!(
            "Cannot call method \"{}\" of {}",
            format!("{m:?}").to_lowercase(),
            target.to_js_string()
        ))),
        _ => Err(not_a_function(target, m)),
    }
}

/// `String.prototype` methods; `None` when strings have no such method.
fn string_method(s: &str, m: Method, args: &[Value]) -> Option<Result<Value, ErrorKind>> {
    let u = units(s);
    Some(match m {
        Method::CharAt
        | Method::CharCodeAt
        | Method::Slice
        | Method::Substring
        | Method::Substr => Ok(positional(&u, m, args)),
        Method::IndexOf
        | Method::LastIndexOf
        | Method::Includes
        | Method::StartsWith
        | Method::EndsWith => Ok(search(&u, m, &units(&arg(args, 0).to_js_string()), args)),
        Method::ToUpperCase => Ok(Value::str(s.to_uppercase())),
        Method::ToLowerCase => Ok(Value::str(s.to_lowercase())),
        Method::Trim => Ok(Value::str(s.trim_matches(is_js_space))),
        Method::TrimStart => Ok(Value::str(s.trim_start_matches(is_js_space))),
        Method::TrimEnd => Ok(Value::str(s.trim_end_matches(is_js_space))),
        Method::PadStart | Method::PadEnd => pad(s, u, m, args),
        Method::Repeat => repeat(s, args),
        Method::Concat => {
            let joined = args
                .iter()
                .fold(s.to_owned(), |acc, a| acc + &a.to_js_string());
            checked(joined)
        }
        Method::Split => split(s, args),
        Method::Replace => replace(s, args),
        Method::Match => match_regex(s, args),
        Method::ToString | Method::ValueOf => Ok(Value::str(s)),
        _ => return None,
    })
}

/// A built string, or the RangeError past the length cap.
fn checked(s: String) -> Result<Value, ErrorKind> {
    if s.len() > crate::value::MAX_STRING_UNITS {
        return Err(crate::value::too_long());
    }
    Ok(Value::str(s))
}

/// `charAt`, `charCodeAt`, `slice`, `substring`, `substr`: positions in UTF-16 units.
fn positional(u: &[u16], m: Method, args: &[Value]) -> Value {
    let len = u.len() as f64;
    // Relative positions (`slice`, `substr`): negative counts from the end.
    let relative = |v: f64| if v < 0.0 { (len + v).max(0.0) } else { v.min(len) } as usize;
    let clamp = |v: f64| v.clamp(0.0, len) as usize;
    let at = || {
        Some(int_arg(args, 0, 0.0))
            .filter(|i| *i >= 0.0 && *i < len)
            .map(|i| i as usize)
    };
    match m {
        Method::CharAt => at().map_or(Value::str(""), |i| text(&u[i..=i])),
        Method::CharCodeAt => Value::Num(at().map_or(f64::NAN, |i| f64::from(u[i]))),
        Method::Slice => {
            let from = relative(int_arg(args, 0, 0.0));
            let to = relative(int_arg(args, 1, len));
            text(if from < to { &u[from..to] } else { &[] })
        }
        Method::Substring => {
            let a = clamp(int_arg(args, 0, 0.0));
            let b = clamp(int_arg(args, 1, len));
            text(&u[a.min(b)..a.max(b)])
        }
        _ => {
            let from = relative(int_arg(args, 0, 0.0));
            let count = int_arg(args, 1, len).clamp(0.0, len - from as f64) as usize;
            text(&u[from..from + count])
        }
    }
}

fn pad(s: &str, u: Vec<u16>, m: Method, args: &[Value]) -> Result<Value, ErrorKind> {
    let target = int_arg(args, 0, 0.0);
    let fill = match arg(args, 1) {
        Value::Undefined => vec![u16::from(b' ')],
        v => units(&v.to_js_string()),
    };
    if target <= u.len() as f64 || fill.is_empty() {
        return Ok(Value::str(s));
    }
    if target > crate::value::MAX_STRING_UNITS as f64 {
        return Err(crate::value::too_long());
    }
    let pad: Vec<u16> = fill
        .iter()
        .copied()
        .cycle()
        .take(target as usize - u.len())
        .collect();
    let joined = if m == Method::PadStart {
        [pad, u].concat()
    } else {
        [u, pad].concat()
    };
    Ok(text(&joined))
}

fn repeat(s: &str, args: &[Value]) -> Result<Value, ErrorKind> {
    let n = int_arg(args, 0, 0.0);
    if n < 0.0 || n.is_infinite() {
        return Err(ErrorKind::Range("Invalid count value".into()));
    }
    if n * s.len() as f64 > crate::value::MAX_STRING_UNITS as f64 {
        return Err(crate::value::too_long());
    }
    Ok(Value::str(s.repeat(n as usize)))
}

fn is_js_space(c: char) -> bool {
    c.is_whitespace() || c == '\u{feff}'
}

fn search(u: &[u16], m: Method, needle: &[u16], args: &[Value]) -> Value {
    let len = u.len();
    let find_from = |from: usize| {
        (from..=len.saturating_sub(needle.len())).find(|&i| u[i..].starts_with(needle))
    };
    let pos = |default: f64| int_arg(args, 1, default).clamp(0.0, len as f64) as usize;
    match m {
        Method::IndexOf => Value::Num(if needle.len() > len {
            -1.0
        } else {
            find_from(pos(0.0)).map_or(-1.0, |i| i as f64)
        }),
        Method::LastIndexOf => {
            let start = pos(len as f64).min(len.saturating_sub(needle.len()));
            let found = (needle.len() <= len)
                .then(|| (0..=start).rev().find(|&i| u[i..].starts_with(needle)))
                .flatten();
            Value::Num(found.map_or(-1.0, |i| i as f64))
        }
        Method::Includes => Value::Bool(needle.len() <= len && find_from(pos(0.0)).is_some()),
        Method::StartsWith => Value::Bool(u[pos(0.0)..].starts_with(needle)),
        _ => Value::Bool(u[..pos(len as f64)].ends_with(needle)),
    }
}

fn split(s: &str, args: &[Value]) -> Result<Value, ErrorKind> {
    let limit = match arg(args, 1) {
        Value::Undefined => u32::MAX as usize,
        v => crate::value::to_uint32(v.to_number()) as usize,
    };
    let parts: Vec<Value> = match arg(args, 0) {
        Value::Undefined => vec![Value::str(s)],
        Value::Regex(r) => {
            if s.is_empty() {
                if r.re.is_match("") {
                    vec![]
                } else {
                    vec![Value::str("")]
                }
            } else {
                r.re.split(s).map(Value::str).collect()
            }
        }
        sep => {
            let sep = sep.to_js_string();
            if sep.is_empty() {
                s.encode_utf16().map(|c| text(&[c])).collect()
            } else {
                s.split(sep.as_str()).map(Value::str).collect()
            }
        }
    };
    Ok(Value::Array(Arc::new(
        parts.into_iter().take(limit).collect(),
    )))
}

/// `replace(pattern, replacement)`: a string pattern replaces the first occurrence, a regex the
/// first or (with `g`) every match; `$&`, `$1`…`$9` and `$$` expand in the replacement.
fn replace(s: &str, args: &[Value]) -> Result<Value, ErrorKind> {
    let replacement = arg(args, 1).to_js_string();
    let expand = |whole: &str, groups: &[Option<&str>]| {
        let mut out = String::new();
        let mut chars = replacement.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, chars.peek().copied()) {
                ('$', Some('$')) => {
                    chars.next();
                    out.push('$');
                }
                ('$', Some('&')) => {
                    chars.next();
                    out.push_str(whole);
                }
                ('$', Some(d @ '1'..='9')) if (d as usize - '0' as usize) <= groups.len() => {
                    chars.next();
                    out.push_str(groups[d as usize - '1' as usize].unwrap_or(""));
                }
                (c, _) => out.push(c),
            }
        }
        out
    };
    Ok(Value::str(match arg(args, 0) {
        Value::Regex(r) => {
            let limit = if r.global { 0 } else { 1 };
            r.re.replacen(s, limit, |caps: &regex::Captures<'_>| {
                let groups: Vec<Option<&str>> =
                    caps.iter().skip(1).map(|g| g.map(|m| m.as_str())).collect();
                expand(&caps[0], &groups)
            })
            .into_owned()
        }
        pattern => {
            let pattern = pattern.to_js_string();
            match s.find(pattern.as_str()) {
                Some(i) => format!(
                    "{}{}{}",
                    &s[..i],
                    expand(&pattern, &[]),
                    &s[i + pattern.len()..]
                ),
                None => s.to_owned(),
            }
        }
    }))
}

fn match_regex(s: &str, args: &[Value]) -> Result<Value, ErrorKind> {
    let re = match arg(args, 0) {
        Value::Regex(r) => Arc::clone(r),
        other => {
            let pattern = regex::escape(&other.to_js_string());
            Arc::new(crate::jsregex::JsRegex::new(&pattern, "").map_err(ErrorKind::Type)?)
        }
    };
    if re.global {
        let all: Vec<Value> = re.re.find_iter(s).map(|m| Value::str(m.as_str())).collect();
        return Ok(if all.is_empty() {
            Value::Null
        } else {
            Value::Array(Arc::new(all))
        });
    }
    Ok(match re.re.captures(s) {
        None => Value::Null,
        Some(caps) => Value::Array(Arc::new(
            caps.iter()
                .map(|g| g.map_or(Value::Undefined, |m| Value::str(m.as_str())))
                .collect(),
        )),
    })
}

/// `java.lang.String` methods Rhino finds on a Java string; results stay Java strings.
fn java_method(s: &Arc<str>, m: Method, args: &[Value]) -> Option<Result<Value, ErrorKind>> {
    let java = |t: &str| Value::Java(t.into());
    let s_arg = |i: usize| arg(args, i).to_js_string();
    let u = units(s);
    Some(Ok(match m {
        Method::JavaLength => Value::Num(u.len() as f64),
        Method::JavaEquals => {
            Value::Bool(matches!(arg(args, 0), Value::Str(o) | Value::Java(o) if o == s))
        }
        Method::JavaIsEmpty => Value::Bool(s.is_empty()),
        Method::JavaContains | Method::Includes => Value::Bool(s.contains(s_arg(0).as_str())),
        Method::StartsWith => Value::Bool(s.starts_with(s_arg(0).as_str())),
        Method::EndsWith => Value::Bool(s.ends_with(s_arg(0).as_str())),
        Method::IndexOf | Method::LastIndexOf => {
            return Some(Ok(search(&u, m, &units(&s_arg(0)), args)));
        }
        Method::ToUpperCase => java(&s.to_uppercase()),
        Method::ToLowerCase => java(&s.to_lowercase()),
        Method::Trim => java(s.trim_matches(|c: char| c <= ' ')),
        Method::Concat => java(&format!("{s}{}", s_arg(0))),
        Method::Substring | Method::CharAt => return Some(java_position(&u, m, args)),
        // Java's replace(CharSequence, CharSequence) replaces every occurrence, literally; Rhino
        // cannot pass a RegExp to it.
        Method::Replace => match arg(args, 0) {
            Value::Regex(_) => {
                return Some(Err(type_error(
                    "Cannot convert RegExp to java.lang.CharSequence".into(),
                )));
            }
            _ => java(&s.replace(s_arg(0).as_str(), &s_arg(1))),
        },
        Method::Split => return Some(java_split(s, &s_arg(0))),
        Method::ToString => java(s),
        _ => return None,
    }))
}

/// Java's `substring(begin[, end])` (which throws out of range) and `charAt` (a char, which Rhino
/// prints as its code).
fn java_position(u: &[u16], m: Method, args: &[Value]) -> Result<Value, ErrorKind> {
    let len = u.len() as f64;
    let a = arg(args, 0).to_number().trunc();
    if m == Method::CharAt {
        return match u.get(a as usize).filter(|_| a >= 0.0) {
            Some(unit) => Ok(Value::Num(f64::from(*unit))),
            None => Err(type_error(format!(
                "java.lang.StringIndexOutOfBoundsException: {a}"
            ))),
        };
    }
    let b = if args.len() > 1 {
        arg(args, 1).to_number().trunc()
    } else {
        len
    };
    if !(0.0 <= a && a <= b && b <= len) {
        return Err(type_error(format!(
            "java.lang.StringIndexOutOfBoundsException: begin {a}, end {b}, length {len}"
        )));
    }
    Ok(Value::Java(
        String::from_utf16_lossy(&u[a as usize..b as usize]).into(),
    ))
}

/// Java's `String.split(regex)`: trailing empty strings are dropped.
fn java_split(s: &str, pattern: &str) -> Result<Value, ErrorKind> {
    let re = crate::jsregex::JsRegex::new(pattern, "").map_err(ErrorKind::Type)?;
    let mut parts: Vec<Arc<str>> = if s.is_empty() {
        vec!["".into()]
    } else {
        re.re.split(s).map(Arc::from).collect()
    };
    // A zero-width match at the start yields no leading empty string (Java 8+).
    if parts.len() > 1
        && parts[0].is_empty()
        && re
            .re
            .find(s)
            .is_some_and(|m| m.start() == 0 && m.end() == 0)
    {
        parts.remove(0);
    }
    while parts.len() > 1 && parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    if parts.len() == 1 && parts[0].is_empty() && !s.is_empty() {
        parts.clear();
    }
    Ok(Value::JavaArray(Arc::new(parts)))
}

fn number_method(n: f64, m: Method, args: &[Value]) -> Result<Value, ErrorKind> {
    let digits = |max: f64, min: f64, default: f64| {
        let d = int_arg(args, 0, default);
        if d < min || d > max {
            Err(ErrorKind::Range(format!("Precision {d} out of range.")))
        } else {
            Ok(d as usize)
        }
    };
    Ok(match m {
        Method::ToFixed => Value::str(numfmt::to_fixed(n, digits(100.0, 0.0, 0.0)?)),
        Method::ToPrecision => match arg(args, 0) {
            Value::Undefined => Value::str(numfmt::to_js_string(n)),
            _ => Value::str(numfmt::to_precision(n, digits(100.0, 1.0, 1.0)?)),
        },
        Method::ToString => {
            let radix = int_arg(args, 0, 10.0);
            if !(2.0..=36.0).contains(&radix) {
                return Err(ErrorKind::Range("illegal radix".into()));
            }
            Value::str(if radix == 10.0 {
                numfmt::to_js_string(n)
            } else {
                numfmt::to_radix_string(n, radix as u32)
            })
        }
        Method::ValueOf => Value::Num(n),
        _ => return Err(not_a_function(&Value::Num(n), m)),
    })
}

fn date_method(ms: f64, m: Method) -> Result<Value, ErrorKind> {
    Ok(match m {
        Method::Date(getter) => Value::Num(date::get(ms, getter)),
        Method::ValueOf => Value::Num(ms),
        Method::ToString => Value::str(date::to_string(ms)),
        Method::ToIsoString => Value::str(
            date::to_iso_string(ms).ok_or_else(|| ErrorKind::Range("Date is invalid.".into()))?,
        ),
        Method::ToUtcString => Value::str(date::to_utc_string(ms)),
        Method::ToDateString => Value::str(date::to_date_string(ms)),
        Method::ToTimeString => Value::str(date::to_time_string(ms)),
        _ => return Err(not_a_function(&Value::Date(ms), m)),
    })
}
