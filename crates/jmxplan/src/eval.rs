//! Numbers that JMeter evaluates once, when the test starts (thread counts, times, loop counts):
//! literals, and `${__P(name,default)}` / `${__property(name,,default)}` against the properties.
//! Anything else (a variable, another function) has no value before the test runs.

use std::collections::HashMap;
use std::time::Duration;

use stampede_jmx::{Num, Time};

/// Evaluates start-time expressions against JMeter properties.
#[derive(Debug, Clone, Copy)]
pub struct Eval<'a> {
    pub props: &'a HashMap<String, String>,
    /// The Test Plan's User Defined Variables, which JMeter resolves before thread groups start.
    pub vars: &'a HashMap<String, String>,
}

impl Eval<'_> {
    /// The text with its one property function resolved; `None` when it holds another expression.
    pub fn text(&self, raw: &str) -> Option<String> {
        let t = raw.trim();
        if !t.contains("${") {
            return Some(t.to_string());
        }
        let inner = t.strip_prefix("${")?.strip_suffix('}')?;
        if let Some(v) = self.vars.get(inner) {
            return Some(v.trim().to_string());
        }
        let (func, args) = inner.split_once('(')?;
        let args = args.strip_suffix(')')?;
        if args.contains("${") || args.contains('(') {
            return None;
        }
        let parts: Vec<&str> = args.split(',').collect();
        let (name, default) = match func.trim() {
            "__P" => (parts[0], parts.get(1).copied()),
            "__property" => (parts[0], parts.get(2).copied()),
            _ => return None,
        };
        let name = name.trim();
        // JMeter's __P default is "1" when none is given; __property's is the name itself.
        let fallback = if func.trim() == "__P" { "1" } else { name };
        Some(
            self.props
                .get(name)
                .cloned()
                .unwrap_or_else(|| default.unwrap_or(fallback).trim().to_string()),
        )
    }

    /// A whole number; `Err` holds the text that is not one.
    pub fn int(&self, n: &Num<u64>) -> Result<u64, String> {
        match n {
            Num::Lit(v) => Ok(*v),
            Num::Expr(raw) => self
                .signed(raw)
                .and_then(|v| u64::try_from(v).map_err(|_| raw.clone())),
        }
    }

    /// A signed whole number (loop counts: negative means forever).
    pub fn signed(&self, raw: &str) -> Result<i64, String> {
        self.text(raw)
            .and_then(|t| t.parse::<i64>().ok())
            .ok_or_else(|| raw.to_string())
    }

    /// A time; an expression is read in `unit` (seconds for thread groups, ms for timers).
    pub fn time(&self, t: &Time, unit: Duration) -> Result<Duration, String> {
        match t {
            Num::Lit(d) => Ok(*d),
            Num::Expr(raw) => {
                let n = self
                    .text(raw)
                    .and_then(|t| t.parse::<f64>().ok())
                    .filter(|v| v.is_finite() && *v >= 0.0)
                    .ok_or_else(|| raw.clone())?;
                Ok(unit.mul_f64(n))
            }
        }
    }

    /// A decimal number (throughput).
    pub fn float(&self, n: &Num<f64>) -> Result<f64, String> {
        match n {
            Num::Lit(v) => Ok(*v),
            Num::Expr(raw) => self
                .text(raw)
                .and_then(|t| t.parse::<f64>().ok())
                .ok_or_else(|| raw.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_functions_take_the_property_then_the_default() {
        let props = HashMap::from([("users".to_string(), "7".to_string())]);
        let vars = HashMap::from([("ramp".to_string(), "5".to_string())]);
        let e = Eval {
            props: &props,
            vars: &vars,
        };
        assert_eq!(e.text("${ramp}").as_deref(), Some("5"));
        assert_eq!(e.text("${__P(users,3)}").as_deref(), Some("7"));
        assert_eq!(e.text("${__P(other,3)}").as_deref(), Some("3"));
        assert_eq!(e.text("${__P(other)}").as_deref(), Some("1"));
        assert_eq!(e.text("${__property(other,,9)}").as_deref(), Some("9"));
        assert_eq!(e.text(" 12 ").as_deref(), Some("12"));
        assert_eq!(e.text("${threads}"), None);
        assert_eq!(e.text("${__Random(1,2)}"), None);
        assert_eq!(e.int(&Num::Expr("${__P(users)}".into())), Ok(7));
        assert_eq!(
            e.time(&Num::Expr("${__P(x,1.5)}".into()), Duration::from_secs(1)),
            Ok(Duration::from_millis(1500))
        );
    }
}
