//! Global functions (`parseInt`, `Math.*`, `vars.*`…), `.length`, indexing and constructors.
//! Methods on values are in `methods`.

use std::sync::Arc;

use crate::ast::{Func, MathFn};
use crate::date;
use crate::error::ErrorKind;
use crate::host::Host;
use crate::value::{Value, to_integer};

pub(crate) use crate::methods::method;

/// What Rhino prints for a Java string's `.length`: the Java method itself, not a number.
const JAVA_LENGTH_TEXT: &str = "function length() {/*\nint length()\n*/}\n";

fn arg(args: &[Value], i: usize) -> &Value {
    args.get(i).unwrap_or(&Value::Undefined)
}

pub(crate) fn type_error(what: String) -> ErrorKind {
    ErrorKind::Type(what)
}

pub(crate) fn length(v: &Value) -> Result<Value, ErrorKind> {
    Ok(match v {
        Value::Str(s) => Value::Num(s.encode_utf16().count() as f64),
        Value::Java(_) => Value::str(JAVA_LENGTH_TEXT),
        Value::Array(items) => Value::Num(items.len() as f64),
        Value::JavaArray(items) => Value::Num(items.len() as f64),
        Value::Undefined | Value::Null => {
            return Err(type_error(format!(
                "Cannot read property \"length\" from {}",
                v.to_js_string()
            )));
        }
        _ => Value::Undefined,
    })
}

pub(crate) fn index(target: &Value, index: &Value) -> Result<Value, ErrorKind> {
    let position = |len: usize| {
        let n = index.to_number();
        (n >= 0.0 && n.fract() == 0.0 && n < len as f64 && index_is_canonical(index))
            .then_some(n as usize)
    };
    Ok(match target {
        Value::Array(items) => position(items.len()).map_or(Value::Undefined, |i| items[i].clone()),
        Value::JavaArray(items) => {
            position(items.len()).map_or(Value::Undefined, |i| Value::Java(Arc::clone(&items[i])))
        }
        Value::Str(s) => {
            let units: Vec<u16> = s.encode_utf16().collect();
            position(units.len()).map_or(Value::Undefined, |i| {
                Value::str(String::from_utf16_lossy(&units[i..=i]))
            })
        }
        Value::Undefined | Value::Null => {
            return Err(type_error(format!(
                "Cannot read property \"{}\" from {}",
                index.to_js_string(),
                target.to_js_string()
            )));
        }
        _ => Value::Undefined,
    })
}

/// `a["1"]` indexes like `a[1]`, `a["01"]` does not (it names another property).
fn index_is_canonical(index: &Value) -> bool {
    match index {
        Value::Num(_) => true,
        other => crate::numfmt::to_js_string(other.to_number()) == other.to_js_string(),
    }
}

pub(crate) fn call(func: Func, args: &[Value], host: &mut dyn Host) -> Result<Value, ErrorKind> {
    let s = |i: usize| arg(args, i).to_js_string();
    Ok(match func {
        Func::Math(f) => Value::Num(math(f, args, host)),
        Func::ParseInt => Value::Num(parse_int(&s(0), arg(args, 1))),
        Func::ParseFloat => Value::Num(parse_float(&s(0))),
        Func::Number => Value::Num(args.first().map_or(0.0, Value::to_number)),
        Func::String => Value::str(args.first().map_or(String::new(), Value::to_js_string)),
        Func::Boolean => Value::Bool(arg(args, 0).truthy()),
        Func::IsNaN => Value::Bool(arg(args, 0).to_number().is_nan()),
        Func::IsFinite => Value::Bool(arg(args, 0).to_number().is_finite()),
        Func::EncodeUriComponent => Value::str(encode_uri(&s(0), "-_.!~*'()")),
        Func::EncodeUri => Value::str(encode_uri(&s(0), "-_.!~*'();/?:@&=+$,#")),
        Func::DecodeUriComponent => Value::str(decode_uri(&s(0))?),
        Func::DateNow => Value::Num(host.now_millis().floor()),
        Func::StringFromCharCode => {
            let units: Vec<u16> = args
                .iter()
                .map(|a| crate::value::to_uint32(a.to_number()) as u16)
                .collect();
            Value::str(String::from_utf16_lossy(&units))
        }
        Func::VarsGet => host
            .var(&s(0))
            .map_or(Value::Null, |v| Value::Java(v.into())),
        Func::VarsPut => {
            host.put_var(&s(0), s(1));
            Value::Undefined
        }
        Func::VarsGetIteration => Value::Num(host.iteration() as f64),
        Func::PropsGet => host
            .property(&s(0))
            .map_or(Value::Null, |v| Value::Java(v.into())),
    })
}

fn math(f: MathFn, args: &[Value], host: &mut dyn Host) -> f64 {
    use MathFn as M;
    let x = arg(args, 0).to_number();
    let y = || arg(args, 1).to_number();
    match f {
        M::Random => host.random(),
        M::Floor => x.floor(),
        M::Ceil => x.ceil(),
        M::Round => round(x),
        M::Trunc => x.trunc(),
        M::Sign => {
            if x.is_nan() || x == 0.0 {
                x
            } else {
                x.signum()
            }
        }
        M::Abs => x.abs(),
        M::Min => extreme(args, f64::INFINITY, f64::min),
        M::Max => extreme(args, f64::NEG_INFINITY, f64::max),
        M::Pow => pow(x, y()),
        M::Sqrt => x.sqrt(),
        M::Cbrt => x.cbrt(),
        M::Log => x.ln(),
        M::Log10 => x.log10(),
        M::Log2 => x.log2(),
        M::Exp => x.exp(),
        M::Sin => x.sin(),
        M::Cos => x.cos(),
        M::Tan => x.tan(),
        M::Atan => x.atan(),
        M::Atan2 => x.atan2(y()),
    }
}

/// `Math.round`: halves go up, also for negatives (`-2.5` gives `-2`).
fn round(x: f64) -> f64 {
    let r = x.floor();
    if !x.is_finite() || x - r < 0.5 {
        r
    } else {
        r + 1.0
    }
}

/// `Math.min`/`Math.max`: NaN wins over any number.
fn extreme(args: &[Value], start: f64, pick: fn(f64, f64) -> f64) -> f64 {
    args.iter().map(Value::to_number).fold(start, |a, b| {
        if a.is_nan() || b.is_nan() {
            f64::NAN
        } else {
            pick(a, b)
        }
    })
}

/// `Math.pow`: `1 ** NaN` and `(±1) ** ±Infinity` are NaN in JS, unlike IEEE `pow`.
fn pow(x: f64, y: f64) -> f64 {
    if y.is_nan() || (x.abs() == 1.0 && y.is_infinite()) {
        f64::NAN
    } else {
        x.powf(y)
    }
}

/// `parseInt` as Rhino runs it with language version 0: without a radix, a leading `0` means
/// octal (`parseInt('010')` is 8 and `parseInt('08')` is NaN, as observed in JMeter 2.13).
pub(crate) fn parse_int(text: &str, radix: &Value) -> f64 {
    let t = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    let mut radix = crate::value::to_int32(radix.to_number());
    let mut digits = t;
    if radix == 0 {
        radix = 10;
        let b = t.as_bytes();
        if b.len() > 1 && b[0] == b'0' {
            if b[1] == b'x' || b[1] == b'X' {
                radix = 16;
                digits = &t[2..];
            } else if b[1].is_ascii_digit() {
                radix = 8;
                digits = &t[1..];
            }
        }
    } else if radix == 16 {
        digits = t
            .strip_prefix("0x")
            .or_else(|| t.strip_prefix("0X"))
            .unwrap_or(t);
    }
    if !(2..=36).contains(&radix) {
        return f64::NAN;
    }
    let valid: Vec<u32> = digits
        .chars()
        .map_while(|c| c.to_digit(radix as u32))
        .collect();
    if valid.is_empty() {
        return f64::NAN;
    }
    let value = if radix == 10 {
        // Decimal digits parse exactly (correct rounding past 2^53).
        let text: String = valid
            .iter()
            .map(|d| char::from_digit(*d, 10).unwrap_or('0'))
            .collect();
        text.parse::<f64>().unwrap_or(f64::NAN)
    } else {
        valid
            .iter()
            .fold(0.0, |acc, d| acc * radix as f64 + *d as f64)
    };
    if negative { -value } else { value }
}

/// `parseFloat`: the longest decimal prefix, after leading whitespace.
pub(crate) fn parse_float(text: &str) -> f64 {
    let t = text.trim_start_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    let b = t.as_bytes();
    let mut k = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    if t[k..].starts_with("Infinity") {
        return if b[0] == b'-' {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        };
    }
    let digits = |k: &mut usize| {
        let from = *k;
        while *k < b.len() && b[*k].is_ascii_digit() {
            *k += 1;
        }
        *k > from
    };
    let mut any = digits(&mut k);
    if k < b.len() && b[k] == b'.' {
        let mut f = k + 1;
        if digits(&mut f) || any {
            any = true;
            k = f;
        }
    }
    if !any {
        return f64::NAN;
    }
    if k < b.len() && (b[k] == b'e' || b[k] == b'E') {
        let mut e = k + 1;
        if e < b.len() && (b[e] == b'+' || b[e] == b'-') {
            e += 1;
        }
        if digits(&mut e) {
            k = e;
        }
    }
    t[..k]
        .trim_end_matches('.')
        .parse::<f64>()
        .unwrap_or(f64::NAN)
}

fn encode_uri(s: &str, keep: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || keep.contains(c) {
            out.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                out.push_str(&format!("%{b:02X}"));
            }
        }
    }
    out
}

fn decode_uri(s: &str) -> Result<String, ErrorKind> {
    let malformed = || ErrorKind::Type("URIError: Malformed URI sequence".into());
    let b = s.as_bytes();
    let mut bytes = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = s
                .get(i + 1..i + 3)
                .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()));
            let hex = hex.ok_or_else(malformed)?;
            bytes.push(u8::from_str_radix(hex, 16).map_err(|_| malformed())?);
            i += 3;
        } else {
            bytes.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(bytes).map_err(|_| malformed())
}

/// `new Date()`, `new Date(ms)`, `new Date(text)` (ISO only), `new Date(y, m, …)`.
pub(crate) fn new_date(args: &[Value], host: &mut dyn Host) -> Value {
    let ms = match args {
        [] => host.now_millis().floor(),
        [Value::Date(ms)] => *ms,
        [Value::Str(s) | Value::Java(s)] => parse_iso(s).unwrap_or(f64::NAN),
        [v] => date::time_clip(v.to_number()),
        fields => date::make(&fields.iter().map(Value::to_number).collect::<Vec<_>>()),
    };
    Value::Date(ms)
}

/// `YYYY-MM-DD[THH:MM[:SS[.mmm]]][Z]`, read as UTC.
fn parse_iso(s: &str) -> Option<f64> {
    let s = s.trim().trim_end_matches('Z');
    let (day, time) = s.split_once('T').unwrap_or((s, ""));
    let mut d = day.split('-').map(|p| p.parse::<f64>().ok());
    let (y, m, dd) = (
        d.next()??,
        d.next().flatten().unwrap_or(1.0),
        d.next().flatten().unwrap_or(1.0),
    );
    let mut t = time
        .split([':', '.'])
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<f64>().ok());
    let mut next = || t.next().flatten().unwrap_or(0.0);
    let (h, mi, sec, ms) = (next(), next(), next(), next());
    Some(date::make(&[y, m - 1.0, dd, h, mi, sec, ms]))
}

pub(crate) fn new_array(args: &[Value]) -> Result<Value, ErrorKind> {
    Ok(Value::Array(Arc::new(match args {
        [Value::Num(n)] => {
            if *n < 0.0 || n.fract() != 0.0 || *n > 1e6 {
                return Err(ErrorKind::Range("Inappropriate array length.".into()));
            }
            vec![Value::Undefined; *n as usize]
        }
        items => items.to_vec(),
    })))
}

/// ToIntegerOrInfinity of an optional argument.
pub(crate) fn int_arg(args: &[Value], i: usize, default: f64) -> f64 {
    match args.get(i) {
        None | Some(Value::Undefined) => default,
        Some(v) => to_integer(v.to_number()),
    }
}
