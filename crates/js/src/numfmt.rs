//! Numbers as JS (and Rhino) print them: `Number.prototype.toString` with and without a radix,
//! `toFixed` and `toPrecision`. All from Rust's shortest round-trip digits or the exact decimal
//! expansion of the double, so no floating-point formatting is approximated.

/// `ToString(number)`: shortest digits that round-trip, laid out by ECMA-262's Number::toString.
pub fn to_js_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x == 0.0 {
        return "0".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    let (digits, n) = shortest_digits(x.abs());
    let sign = if x < 0.0 { "-" } else { "" };
    let k = digits.len() as i32;
    let body = if k <= n && n <= 21 {
        format!("{digits}{}", "0".repeat((n - k) as usize))
    } else if 0 < n && n <= 21 {
        format!("{}.{}", &digits[..n as usize], &digits[n as usize..])
    } else if -6 < n && n <= 0 {
        format!("0.{}{digits}", "0".repeat((-n) as usize))
    } else {
        let e = n - 1;
        let e = if e >= 0 {
            format!("+{e}")
        } else {
            e.to_string()
        };
        if k == 1 {
            format!("{digits}e{e}")
        } else {
            format!("{}.{}e{e}", &digits[..1], &digits[1..])
        }
    };
    format!("{sign}{body}")
}

/// The shortest round-trip digits of a positive finite `x` and the decimal exponent `n` such that
/// `x = 0.digits × 10^n`.
fn shortest_digits(x: f64) -> (String, i32) {
    let s = format!("{x:e}");
    let (mantissa, exp) = s.split_once('e').expect("`{:e}` always has an exponent");
    let exp: i32 = exp.parse().expect("`{:e}` exponent is an integer");
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let digits = digits.trim_end_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    (digits.to_owned(), exp + 1)
}

/// The exact decimal expansion of a finite `x >= 0`: integer digits and all fraction digits.
fn exact_decimal(x: f64) -> (String, String) {
    // 1074 fraction digits hold every double exactly.
    let s = format!("{x:.1074}");
    let (int, frac) = s
        .split_once('.')
        .expect("a fixed-point rendering has a point");
    (int.to_owned(), frac.trim_end_matches('0').to_owned())
}

/// Rounds the decimal string `digits` (no point) to its first `keep` digits, halves up, as JS's
/// "pick the larger n" rule does for `toFixed`/`toPrecision`. Returns the digits and whether a
/// carry added a leading digit.
fn round_half_up(digits: &str, keep: usize) -> (String, bool) {
    let bytes = digits.as_bytes();
    let mut kept: Vec<u8> = bytes.iter().take(keep).copied().collect();
    kept.resize(keep, b'0');
    let round_up = bytes.get(keep).is_some_and(|d| *d >= b'5');
    if !round_up {
        return (String::from_utf8(kept).expect("ASCII digits"), false);
    }
    for d in kept.iter_mut().rev() {
        if *d == b'9' {
            *d = b'0';
        } else {
            *d += 1;
            return (String::from_utf8(kept).expect("ASCII digits"), false);
        }
    }
    kept.insert(0, b'1');
    (String::from_utf8(kept).expect("ASCII digits"), true)
}

/// `Number.prototype.toFixed(f)`, `f` in 0..=100 (checked by the caller).
pub fn to_fixed(x: f64, f: usize) -> String {
    if !x.is_finite() || x.abs() >= 1e21 {
        return to_js_string(x);
    }
    let (int, frac) = exact_decimal(x.abs());
    let all = format!("{int}{frac}");
    let (rounded, _) = round_half_up(&all, int.len() + f);
    let split = rounded.len() - f;
    let (i, fr) = rounded.split_at(split);
    let i = i.trim_start_matches('0');
    let i = if i.is_empty() { "0" } else { i };
    let negative = x < 0.0 && (rounded.bytes().any(|b| b != b'0'));
    let sign = if negative { "-" } else { "" };
    if f == 0 {
        format!("{sign}{i}")
    } else {
        format!("{sign}{i}.{fr}")
    }
}

/// `Number.prototype.toPrecision(p)`, `p` in 1..=100 (checked by the caller).
pub fn to_precision(x: f64, p: usize) -> String {
    if !x.is_finite() {
        return to_js_string(x);
    }
    let sign = if x < 0.0 { "-" } else { "" };
    if x == 0.0 {
        let zeros = "0".repeat(p - 1);
        return if p == 1 {
            "0".into()
        } else {
            format!("0.{zeros}")
        };
    }
    let (int, frac) = exact_decimal(x.abs());
    let all = format!("{int}{frac}");
    let lead = all.bytes().position(|b| b != b'0').expect("x is not zero");
    // Decimal exponent of the first significant digit.
    let mut e = int.len() as i32 - 1 - lead as i32;
    let (mut digits, carried) = round_half_up(&all[lead..], p);
    if carried {
        e += 1;
        digits.truncate(p);
    }
    let body = if e < -6 || e >= p as i32 {
        let exp = if e >= 0 {
            format!("+{e}")
        } else {
            e.to_string()
        };
        if p == 1 {
            format!("{digits}e{exp}")
        } else {
            format!("{}.{}e{exp}", &digits[..1], &digits[1..])
        }
    } else if e >= 0 {
        let point = e as usize + 1;
        if point == p {
            digits
        } else {
            format!("{}.{}", &digits[..point], &digits[point..])
        }
    } else {
        format!("0.{}{digits}", "0".repeat((-e - 1) as usize))
    };
    format!("{sign}{body}")
}

/// `Number.prototype.toString(radix)` for radix 2..=36 other than 10: integer digits exactly, then
/// fraction digits until the value is uniquely identified (the delta rule of V8 and Rhino's DToA).
pub fn to_radix_string(x: f64, radix: u32) -> String {
    if !x.is_finite() {
        return to_js_string(x);
    }
    let digit = |d: u32| char::from_digit(d, radix).expect("a digit below the radix");
    let negative = x < 0.0;
    let x = x.abs();
    let mut int = x.trunc();
    let fraction = x - int;
    let delta = (0.5 * (next_up(x) - x)).max(next_up(0.0));
    let frac_digits = radix_fraction(fraction, delta, radix, &mut int);
    let mut int_digits = Vec::new();
    let mut i = int;
    while i >= 1.0 {
        let d = (i % radix as f64) as u32;
        int_digits.push(digit(d));
        i = ((i - d as f64) / radix as f64).trunc();
    }
    if int_digits.is_empty() {
        int_digits.push('0');
    }
    let mut out: String = if negative { "-".into() } else { String::new() };
    out.extend(int_digits.iter().rev());
    let frac_digits = frac_digits.trim_end_matches('0');
    if !frac_digits.is_empty() {
        out.push('.');
        out.push_str(frac_digits);
    }
    out
}

/// The fraction digits of `fraction` in `radix`, stopping once the value is identified within
/// `delta`; a final round-up may carry into `int`.
fn radix_fraction(mut fraction: f64, mut delta: f64, radix: u32, int: &mut f64) -> String {
    let digit = |d: u32| char::from_digit(d, radix).expect("a digit below the radix");
    let mut frac_digits = String::new();
    if fraction < delta {
        return frac_digits;
    }
    loop {
        fraction *= radix as f64;
        delta *= radix as f64;
        let d = fraction.floor();
        fraction -= d;
        let mut d = d as u32;
        if (fraction > 0.5 || (fraction == 0.5 && d & 1 == 1)) && fraction + delta > 1.0 {
            // Round up and propagate the carry through the digits already written.
            loop {
                d += 1;
                if d < radix {
                    break;
                }
                d = 0;
                match frac_digits.pop() {
                    Some(prev) => d = prev.to_digit(radix).expect("a digit we wrote"),
                    None => {
                        *int += 1.0;
                        break;
                    }
                }
            }
            if d != 0 || !frac_digits.is_empty() {
                frac_digits.push(digit(d));
            }
            break;
        }
        frac_digits.push(digit(d));
        if fraction < delta {
            break;
        }
    }
    frac_digits
}

fn next_up(x: f64) -> f64 {
    f64::from_bits(x.to_bits() + 1)
}
