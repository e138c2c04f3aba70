//! When a run should be over: the Taurus config's planned duration plus a grace period. A task
//! still running past it is stopped by [`crate::ControlPlane::tick`] and counted as lost, so one
//! hung worker cannot keep a run `running` for ever.

use serde_json::Value;

/// Time allowed past the planned duration for start-up, upload and shutdown.
pub const DEFAULT_GRACE_MS: i64 = 120_000;

/// A Taurus duration in ms: a number (seconds) or number+unit pairs such as `90s`, `1h30m`, `500ms`.
pub fn duration_ms(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_f64().map(|s| (s * 1000.0) as i64),
        Value::String(s) => {
            let s: String = s.chars().filter(|c| !c.is_whitespace()).collect();
            if let Ok(secs) = s.parse::<f64>() {
                return Some((secs * 1000.0) as i64);
            }
            let (mut total, mut number) = (0i64, String::new());
            let mut chars = s.chars().peekable();
            while let Some(c) = chars.next() {
                if c.is_ascii_digit() {
                    number.push(c);
                    continue;
                }
                let unit_ms = match (c, chars.peek()) {
                    ('m', Some('s')) => {
                        chars.next();
                        1
                    }
                    ('s', _) => 1000,
                    ('m', _) => 60_000,
                    ('h', _) => 3_600_000,
                    ('d', _) => 86_400_000,
                    _ => return None,
                };
                total += number.parse::<i64>().ok()? * unit_ms;
                number.clear();
            }
            number.is_empty().then_some(total)
        }
        _ => None,
    }
}

/// The longest `ramp-up + hold-for` over the executions; `None` when an execution has no
/// `hold-for` (it runs by iterations, so its length is unknown).
pub fn planned_ms(scenario: &Value) -> Option<i64> {
    let executions = scenario.get("execution")?.as_array()?;
    let mut longest = 0;
    for e in executions {
        let hold = duration_ms(e.get("hold-for")?)?;
        let ramp = e.get("ramp-up").map_or(Some(0), duration_ms)?;
        longest = longest.max(hold + ramp);
    }
    Some(longest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn taurus_durations() {
        let cases = [
            (json!(90), Some(90_000)),
            (json!("90"), Some(90_000)),
            (json!("1h30m"), Some(5_400_000)),
            (json!("2m 10s"), Some(130_000)),
            (json!("500ms"), Some(500)),
            (json!("1d"), Some(86_400_000)),
            (json!("5 parsecs"), None),
            (json!("10"), Some(10_000)),
            (json!("3x"), None),
            (json!(true), None),
        ];
        for (v, want) in cases {
            assert_eq!(duration_ms(&v), want, "{v}");
        }
    }

    #[test]
    fn the_longest_execution_counts_and_iterations_have_no_deadline() {
        let sc = json!({"execution": [{"ramp-up": "1m", "hold-for": "5m"}, {"hold-for": 600}]});
        assert_eq!(planned_ms(&sc), Some(600_000));
        assert_eq!(
            planned_ms(&json!({"execution": [{"iterations": 10}]})),
            None
        );
    }
}
