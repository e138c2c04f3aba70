//! JavaScript number semantics that DLT's Node.js parser relies on: `Number.prototype.toFixed`,
//! xml-js's `nativeType` text conversion, and JSON numbers printed the way `JSON.stringify` does
//! (an integral double is written without a fraction, so `105.0` stays `105`).

use serde_json::Value;

/// `x.toFixed(digits)` exactly as ECMA-262 defines it: pick the integer `n` for which `n / 10^digits - x`
/// is closest to zero, using the *exact* binary value of `x`, and the larger `n` on a tie. So
/// `(0.0149).toFixed(3) == "0.015"` and `(2.5).toFixed(0) == "3"`, while `(1.005).toFixed(2) == "1.00"`
/// because the double nearest 1.005 is slightly below it. Values `>= 1e21` fall back to `String(x)`.
pub fn to_fixed(x: f64, digits: usize) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.abs() >= 1e21 {
        return js_string(x);
    }
    let negative = x < 0.0;
    let body = round_half_up(x.abs(), digits);
    // JS keeps the sign of tiny negatives that round to zero: (-0.0001).toFixed(2) == "-0.00".
    if negative { format!("-{body}") } else { body }
}

/// Decimal rounding of a non-negative finite `x` to `digits` places, ties away from zero, on the exact
/// binary value. A short exact expansion decides almost every case; only a possible exact tie takes the
/// long path (every double's expansion ends within 1074 fraction digits, so 1100 is exact).
fn round_half_up(x: f64, digits: usize) -> String {
    const GUARD: usize = 24;
    let short = format!("{:.*}", digits + GUARD, x);
    let tail = &short[short.len() - GUARD..];
    let undecided = tail.starts_with('5') && tail[1..].bytes().all(|b| b == b'0');
    let exact;
    let digits_str = if undecided {
        exact = format!("{:.1100}", x);
        exact.as_str()
    } else {
        short.as_str()
    };
    let dot = digits_str.find('.').expect("fixed format has a point");
    let kept_end = if digits == 0 { dot } else { dot + 1 + digits };
    let next = digits_str.as_bytes()[dot + 1 + digits];
    let mut kept: Vec<u8> = digits_str.as_bytes()[..kept_end].to_vec();
    if next >= b'5' {
        increment(&mut kept);
    }
    String::from_utf8(kept).expect("ascii digits")
}

/// Adds one unit in the last place of an ASCII decimal such as `"0.149"` or `"99"`.
fn increment(num: &mut Vec<u8>) {
    for i in (0..num.len()).rev() {
        match num[i] {
            b'.' => continue,
            b'9' => num[i] = b'0',
            d => {
                num[i] = d + 1;
                return;
            }
        }
    }
    num.insert(0, b'1');
}

/// `String(x)` for the cases DLT can reach: integers print without a fraction, very large or small
/// magnitudes in exponent form (`1e+21`), everything else as the shortest round-trip decimal.
pub fn js_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if x == 0.0 {
        return "0".into();
    }
    let abs = x.abs();
    if (1e-7..1e21).contains(&abs) {
        return format!("{x}");
    }
    let e = format!("{x:e}");
    match e.split_once('e') {
        Some((m, exp)) if !exp.starts_with('-') => format!("{m}e+{exp}"),
        _ => e,
    }
}

/// A JS number as a JSON value the way `JSON.stringify` prints it: integral values without `.0`.
/// Non-finite numbers become `null`, as in JS.
pub fn number(x: f64) -> Value {
    if x.is_finite() && x.fract() == 0.0 && x.abs() < 9_007_199_254_740_992.0 {
        // Exact: integral and within the 2^53 range, so the cast loses nothing. -0 prints as 0 in JS.
        Value::from(x as i64)
    } else {
        serde_json::Number::from_f64(x).map_or(Value::Null, Value::Number)
    }
}

/// xml-js's `nativeType` conversion of element text: `Number(text)` when that is not NaN, then
/// `true`/`false` (case-insensitive), else the text itself. `Number("")` is 0, so an empty element is 0.
pub fn native_type(text: &str) -> Value {
    if let Some(n) = js_to_number(text) {
        return number(n);
    }
    match text.to_ascii_lowercase().as_str() {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        _ => Value::String(text.to_owned()),
    }
}

/// `Number(text)` without the NaN result: surrounding whitespace ignored, empty is 0, decimal with
/// optional exponent, `Infinity`, and `0x`/`0o`/`0b` integers.
pub fn js_to_number(text: &str) -> Option<f64> {
    let t = text.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() {
        return Some(0.0);
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(rest) = t.strip_prefix(prefix) {
            return u64::from_str_radix(rest, radix).ok().map(|v| v as f64);
        }
    }
    let unsigned = t.trim_start_matches(['+', '-']);
    if unsigned == "Infinity" && t.len() - unsigned.len() <= 1 {
        return Some(if t.starts_with('-') {
            f64::NEG_INFINITY
        } else {
            f64::INFINITY
        });
    }
    // Rust accepts "inf"/"nan"/"infinity" that JS rejects; JS accepts only digits, '.', exponent.
    let valid = !unsigned.is_empty()
        && t.len() - unsigned.len() <= 1
        && unsigned
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-'))
        && unsigned
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_digit() || b == b'.');
    if !valid {
        return None;
    }
    t.parse::<f64>().ok()
}

/// `parseInt(text)` for counts: optional sign, leading decimal digits, anything after ignored.
pub fn parse_int(text: &str) -> Option<i64> {
    let t = text.trim_start();
    let (sign, rest) = match t.as_bytes().first() {
        Some(b'-') => (-1, &t[1..]),
        Some(b'+') => (1, &t[1..]),
        _ => (1, t),
    };
    let end = rest.bytes().take_while(u8::is_ascii_digit).count();
    rest[..end].parse::<i64>().ok().map(|v| sign * v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn to_fixed_matches_v8() {
        // Every expected string was printed by node 20 (`x.toFixed(d)`) on this machine.
        let cases: &[(f64, usize, &str)] = &[
            (0.0149, 3, "0.015"),
            (0.03, 3, "0.030"),
            (2.5, 0, "3"),
            (0.5, 0, "1"),
            (1.5, 0, "2"),
            (1.005, 2, "1.00"),
            (1.255, 2, "1.25"),
            (1.45, 1, "1.4"),
            (8.345, 2, "8.35"),
            (0.000001, 3, "0.000"),
            (-0.0001, 2, "-0.00"),
            (-1.5, 0, "-2"),
            (153701120.0, 0, "153701120"),
            (99.995, 2, "100.00"),
            (9.5, 0, "10"),
            (0.125, 2, "0.13"),
            (1e21, 2, "1e+21"),
            (123.456, 5, "123.45600"),
            (f64::NAN, 2, "NaN"),
            (0.3333333333333333, 5, "0.33333"),
            (1234.5678, 0, "1235"),
            (5e-324, 3, "0.000"),
            (0.045, 2, "0.04"),
            (2.675, 2, "2.67"),
        ];
        for &(x, d, want) in cases {
            assert_eq!(to_fixed(x, d), want, "({x}).toFixed({d})");
        }
    }

    #[test]
    fn native_type_follows_xml_js() {
        assert_eq!(native_type("105.0"), Value::from(105));
        assert_eq!(native_type("0.18100"), serde_json::json!(0.181));
        assert_eq!(native_type("2"), Value::from(2));
        assert_eq!(native_type(""), Value::from(0));
        assert_eq!(native_type("0x10"), Value::from(16));
        assert_eq!(native_type("TRUE"), Value::Bool(true));
        assert_eq!(native_type("abcd"), Value::from("abcd"));
        assert_eq!(
            native_type("0123456789abcdef"),
            Value::from("0123456789abcdef")
        );
        assert_eq!(native_type("inf"), Value::from("inf"));
        assert_eq!(native_type("1e3"), Value::from(1000));
    }

    #[test]
    fn parse_int_stops_at_first_non_digit() {
        assert_eq!(parse_int("20753"), Some(20753));
        assert_eq!(parse_int("12.9"), Some(12));
        assert_eq!(parse_int("x"), None);
        assert_eq!(parse_int("-3"), Some(-3));
    }
}
