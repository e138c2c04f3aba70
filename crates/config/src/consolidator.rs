//! `modules.consolidator` settings (Taurus base-config defaults) and `ramp-up-exclude`, read once
//! into the plan; the aggregator in `stampede-stats` takes them as they are.

use serde_json::Value;

use crate::ConfigError;

/// Settings from `modules.consolidator` (percentiles, ...).
#[derive(Clone, Debug, PartialEq)]
pub struct AggregatorSettings {
    /// Tracked percentile levels, deduplicated and ascending.
    pub percentiles: Vec<f64>,
    /// Seconds; the buffer never gets shorter (`min-buffer-len`, 2 s).
    pub min_buffer_len: u64,
    /// Seconds (`max-buffer-len`, unbounded by default).
    pub max_buffer_len: u64,
    pub buffer_multiplier: f64,
    pub buffer_scale_choice: f64,
    /// Label variety limit, 0 = no folding (`generalize-labels`, 500).
    pub generalize_labels: usize,
    /// Error message variety limit, 0 = no folding (`max-error-variety`, 100).
    pub max_error_variety: usize,
    /// With `ramp-up-exclude: true`: seconds at the start left out of the cumulative stats
    /// (the longest ramp-up of the executions).
    pub ramp_up_exclude: Option<u64>,
    /// Samples whose label starts with one of these are dropped (`ignore-labels`, `["ignore"]`).
    pub ignore_labels: Vec<String>,
}

impl Default for AggregatorSettings {
    fn default() -> Self {
        Self {
            percentiles: vec![0.0, 50.0, 90.0, 95.0, 99.0, 99.9, 100.0],
            min_buffer_len: 2,
            max_buffer_len: u64::MAX,
            buffer_multiplier: 2.0,
            buffer_scale_choice: 0.5,
            generalize_labels: 500,
            max_error_variety: 100,
            ramp_up_exclude: None,
            ignore_labels: vec!["ignore".into()],
        }
    }
}

impl AggregatorSettings {
    /// Reads `modules.consolidator` and, for `ramp-up-exclude`, the executions' `ramp-up`.
    pub fn from_config(effective: &Value) -> Result<Self, ConfigError> {
        let mut s = Self::default();
        let c = &effective["modules"]["consolidator"];
        if let Some(list) = c.get("percentiles") {
            s.percentiles = percentiles(list)?;
        }
        if let Some(v) = c.get("min-buffer-len") {
            s.min_buffer_len = seconds(v, "min-buffer-len")?;
        }
        if let Some(v) = c.get("max-buffer-len") {
            s.max_buffer_len = seconds(v, "max-buffer-len")?;
        }
        if let Some(v) = c.get("buffer-multiplier") {
            s.buffer_multiplier = number(v, "buffer-multiplier")?;
        }
        if let Some(v) = c.get("buffer-scale-choice") {
            s.buffer_scale_choice = number(v, "buffer-scale-choice")?;
        }
        if let Some(v) = c.get("generalize-labels") {
            s.generalize_labels = count(v, "generalize-labels")?;
        }
        if let Some(v) = c.get("max-error-variety") {
            s.max_error_variety = count(v, "max-error-variety")?;
        }
        match c.get("ignore-labels") {
            Some(Value::Array(items)) => {
                s.ignore_labels = items
                    .iter()
                    .map(|v| match v {
                        Value::String(p) => Ok(p.clone()),
                        other => Err(invalid("ignore-labels", other, "a list of label prefixes")),
                    })
                    .collect::<Result<_, _>>()?;
            }
            Some(Value::String(p)) => s.ignore_labels = vec![p.clone()],
            Some(Value::Null) | None => {}
            Some(other) => return Err(invalid("ignore-labels", other, "a list of label prefixes")),
        }
        if crate::truthy(c.get("ramp-up-exclude")) {
            let ramp = effective["execution"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|e| e.get("ramp-up"))
                .map(|v| seconds(v, "ramp-up-exclude"))
                .collect::<Result<Vec<_>, _>>()?;
            s.ramp_up_exclude = Some(ramp.into_iter().max().unwrap_or(0));
        }
        Ok(s)
    }

    /// Index into `percentiles` of the level that scales the buffer (Taurus `buffer_scale_idx`):
    /// the level whose position in the list is nearest `buffer-scale-choice` (0.5 → the 4th of 7,
    /// i.e. p95 with the defaults).
    pub fn buffer_scale_index(&self) -> Option<usize> {
        let n = self.percentiles.len();
        match n {
            0 => None,
            1 => Some(0),
            _ => (0..n)
                .map(|i| {
                    (
                        i,
                        (self.buffer_scale_choice - i as f64 / (n - 1) as f64).abs(),
                    )
                })
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map(|(i, _)| i),
        }
    }
}

fn invalid(key: &'static str, v: &Value, expected: &'static str) -> ConfigError {
    ConfigError::Setting {
        path: format!("modules.consolidator.{key}"),
        value: v.to_string(),
        expected,
    }
}

fn number(v: &Value, key: &'static str) -> Result<f64, ConfigError> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
    .ok_or_else(|| invalid(key, v, "a number"))
}

fn count(v: &Value, key: &'static str) -> Result<usize, ConfigError> {
    let f = number(v, key)?;
    if f < 0.0 {
        return Err(invalid(key, v, "a non-negative whole number"));
    }
    Ok(f as usize)
}

fn percentiles(list: &Value) -> Result<Vec<f64>, ConfigError> {
    let items = list
        .as_array()
        .ok_or_else(|| invalid("percentiles", list, "a list of numbers"))?;
    let mut out = Vec::new();
    for item in items {
        let p = number(item, "percentiles")?;
        if !(0.0..=100.0).contains(&p) {
            return Err(invalid("percentiles", item, "a level between 0 and 100"));
        }
        out.push(p);
    }
    out.sort_by(f64::total_cmp);
    out.dedup();
    Ok(out)
}

/// Whole seconds from a Taurus time value (`2s`, `1m30s`, `500ms`, `2h`, bare numbers are seconds).
fn seconds(v: &Value, key: &'static str) -> Result<u64, ConfigError> {
    crate::duration::from_value(v)
        .map(|d| d.as_secs())
        .map_err(|_| invalid(key, v, "a duration such as 2s, 1m or 1h"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn defaults_and_overrides() {
        let d = AggregatorSettings::from_config(&json!({})).unwrap();
        assert_eq!(d, AggregatorSettings::default());
        assert_eq!(d.buffer_scale_index(), Some(3));
        let cfg = json!({"modules": {"consolidator": {
            "percentiles": [99, "50", 50.0], "min-buffer-len": "1m", "generalize-labels": 0,
            "ramp-up-exclude": true}},
            "execution": [{"ramp-up": "30s"}, {"ramp-up": "1m30s"}]});
        let s = AggregatorSettings::from_config(&cfg).unwrap();
        assert_eq!(s.percentiles, vec![50.0, 99.0]);
        assert_eq!(s.min_buffer_len, 60);
        assert_eq!(s.generalize_labels, 0);
        assert_eq!(s.ramp_up_exclude, Some(90));
    }

    #[test]
    fn bad_values_are_named() {
        let cfg = json!({"modules": {"consolidator": {"percentiles": [101]}}});
        let err = AggregatorSettings::from_config(&cfg).unwrap_err();
        assert!(
            err.to_string().contains("modules.consolidator.percentiles"),
            "{err}"
        );
        let cfg = json!({"modules": {"consolidator": {"min-buffer-len": "soon"}}});
        assert!(AggregatorSettings::from_config(&cfg).is_err());
    }
}
