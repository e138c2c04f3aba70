//! Taurus time values (`bzt/utils.py dehumanize_time`): units `d h m s ms`, bare numbers are seconds,
//! floats and compound forms (`1h30m`, `1m30`, `0.1m`), spaces ignored, empty means zero.

use std::time::Duration;

/// Why a time value was rejected; the caller adds the config path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    #[error("String format not supported")]
    Format,
    #[error("String contains unsupported unit {0:?}")]
    Unit(String),
    #[error("negative time")]
    Negative,
    #[error("infinite or too large time")]
    Infinite,
}

/// Parses a time value as Taurus does and returns seconds (may be negative, as Taurus allows).
///
/// Taurus splits the (space-free) text with `([\d\.\-infa]+)([a-zA-Z]*)` and sums each number times
/// its unit; text that the pattern skips (e.g. `:`) is ignored, which we reproduce.
pub fn dehumanize_seconds(text: &str) -> Result<f64, TimeError> {
    let text: String = text.chars().filter(|c| *c != ' ').collect();
    if text.is_empty() {
        return Ok(0.0);
    }
    let mut total = 0.0;
    let mut found = false;
    let mut rest = text.as_str();
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !is_number_char(c))
            .unwrap_or(rest.len());
        if num_len == 0 {
            // Not the start of a part: skip one character as `re.findall` would.
            let skip = rest.chars().next().map_or(1, char::len_utf8);
            rest = &rest[skip..];
            continue;
        }
        let (number, after) = rest.split_at(num_len);
        let unit_len = after
            .find(|c: char| !c.is_ascii_alphabetic())
            .unwrap_or(after.len());
        let (unit, after) = after.split_at(unit_len);
        rest = after;
        found = true;
        let value = parse_number(number)?;
        let factor = match unit.to_ascii_lowercase().as_str() {
            "ms" => 0.001,
            "" | "s" => 1.0,
            "m" => 60.0,
            "h" => 3600.0,
            "d" => 86400.0,
            _ => return Err(TimeError::Unit(unit.to_string())),
        };
        total += value * factor;
    }
    if !found {
        return Err(TimeError::Format);
    }
    Ok(total)
}

/// Python's regex class `[\d\.\-infa]`: digits, `.`, `-` and the letters of `inf`/`nan`.
fn is_number_char(c: char) -> bool {
    c.is_ascii_digit() || matches!(c, '.' | '-' | 'i' | 'n' | 'f' | 'a')
}

/// Python `float()` on the matched number text (`inf`, `-inf`, `nan` included).
fn parse_number(text: &str) -> Result<f64, TimeError> {
    match text {
        "inf" | "infinity" => Ok(f64::INFINITY),
        "-inf" | "-infinity" => Ok(f64::NEG_INFINITY),
        _ => text.parse::<f64>().map_err(|_| TimeError::Format),
    }
}

/// About 317 years: longer is surely a mistake, and sums of such durations must not overflow.
pub const MAX_SECONDS: f64 = 1e10;

/// A time value as a [`Duration`]: what the plan needs. Negative, NaN and infinite values are errors
/// because a load profile cannot use them.
pub fn dehumanize(text: &str) -> Result<Duration, TimeError> {
    let secs = dehumanize_seconds(text)?;
    if secs.is_nan() {
        return Err(TimeError::Format);
    }
    if secs < 0.0 {
        return Err(TimeError::Negative);
    }
    if secs > MAX_SECONDS {
        return Err(TimeError::Infinite);
    }
    Duration::try_from_secs_f64(secs).map_err(|_| TimeError::Infinite)
}

/// A time value from the config tree: numbers are seconds, strings are parsed, null is zero.
pub fn from_value(value: &serde_json::Value) -> Result<Duration, TimeError> {
    match value {
        serde_json::Value::Null => Ok(Duration::ZERO),
        serde_json::Value::Number(n) => dehumanize(&n.to_string()),
        serde_json::Value::String(s) => dehumanize(s),
        serde_json::Value::Bool(false) => Ok(Duration::ZERO),
        _ => Err(TimeError::Format),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_in_the_spec() {
        let table: &[(&str, f64)] = &[
            ("1m30s", 90.0),
            ("1h", 3600.0),
            ("500ms", 0.5),
            ("10", 10.0),
            ("2.5", 2.5),
            ("0.1m", 6.0),
            ("05m", 300.0),
            ("05", 5.0),
            ("1d 2h 3m 4s", 93784.0),
            ("1s200ms", 1.2),
            ("1m 30s", 90.0),
            ("1m30", 90.0),
            ("1h30m", 5400.0),
            ("2d", 172800.0),
            ("1H", 3600.0),
            ("10S", 10.0),
            ("", 0.0),
            ("   ", 0.0),
            ("0", 0.0),
            ("1:30", 31.0),
        ];
        for (text, want) in table {
            let got = dehumanize_seconds(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
            assert!(
                (got - want).abs() < 1e-9,
                "{text:?}: got {got}, want {want}"
            );
        }
    }

    #[test]
    fn rejects_bad_forms() {
        assert_eq!(dehumanize_seconds("abc"), Err(TimeError::Format));
        assert_eq!(dehumanize_seconds("5x"), Err(TimeError::Unit("x".into())));
        assert_eq!(
            dehumanize_seconds("10 minutes"),
            Err(TimeError::Unit("minutes".into()))
        );
        assert_eq!(dehumanize_seconds("::"), Err(TimeError::Format));
        assert_eq!(dehumanize_seconds("1.2.3s"), Err(TimeError::Format));
        assert_eq!(dehumanize("-5s"), Err(TimeError::Negative));
        assert_eq!(dehumanize("inf"), Err(TimeError::Infinite));
        assert_eq!(dehumanize("9999999999999999999"), Err(TimeError::Infinite));
        assert!(dehumanize("3650d").is_ok());
        assert_eq!(dehumanize("nan"), Err(TimeError::Format));
    }

    #[test]
    fn values_from_the_tree() {
        use serde_json::json;
        assert_eq!(from_value(&json!(30)), Ok(Duration::from_secs(30)));
        assert_eq!(from_value(&json!(1.5)), Ok(Duration::from_millis(1500)));
        assert_eq!(from_value(&json!("2m")), Ok(Duration::from_secs(120)));
        assert_eq!(from_value(&json!(null)), Ok(Duration::ZERO));
        assert_eq!(from_value(&json!([1])), Err(TimeError::Format));
    }
}
