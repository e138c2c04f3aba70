//! The `cloudwatch` reporting module's settings (the reporter itself is `stampede-cloudwatch`):
//!
//! ```yaml
//! reporting:
//! - module: cloudwatch
//!   mode: api            # api (PutMetricData, default) | emf (Embedded Metric Format lines on stdout)
//!   interval: 60s        # seconds or a duration string
//!   namespace: Stampede  # default
//!   test-id: my-test     # default: $TEST_ID (set in DLT's container)
//!   dimensions: {Team: perf}
//!   per-label: true      # default
//!   buffer: 64           # closed intervals waiting to be sent; more are dropped and counted
//!   region: us-east-1    # default: the SDK's (AWS_REGION)
//! ```

use std::time::Duration;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CloudwatchError {
    #[error("reporting module cloudwatch: unknown key {key:?}; known keys: {}", KNOWN_KEYS.join(", "))]
    UnknownKey { key: String },
    #[error("reporting module cloudwatch: {key}={value} is invalid: {expected}")]
    Invalid {
        key: &'static str,
        value: String,
        expected: &'static str,
    },
    #[error(
        "reporting module cloudwatch: no test id; set `test-id` in its settings or the TEST_ID \
         environment variable (it is the TestId dimension)"
    )]
    NoTestId,
}

const KNOWN_KEYS: &[&str] = &[
    "module",
    "mode",
    "interval",
    "namespace",
    "test-id",
    "dimensions",
    "per-label",
    "buffer",
    "region",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CloudwatchMode {
    Api,
    Emf,
}

/// The validated settings of the `cloudwatch` reporting item.
#[derive(Clone, Debug, PartialEq)]
pub struct CloudwatchSettings {
    pub mode: CloudwatchMode,
    pub interval: Duration,
    pub namespace: String,
    pub test_id: String,
    pub dimensions: Vec<(String, String)>,
    pub per_label: bool,
    pub buffer: usize,
    pub region: Option<String>,
}

impl CloudwatchSettings {
    /// Validates the reporting item; `env_test_id` is `$TEST_ID`.
    pub fn from_value(
        v: &serde_json::Value,
        env_test_id: Option<String>,
    ) -> Result<CloudwatchSettings, CloudwatchError> {
        let empty = serde_json::Map::new();
        let map = v.as_object().unwrap_or(&empty);
        if let Some(key) = map.keys().find(|k| !KNOWN_KEYS.contains(&k.as_str())) {
            return Err(CloudwatchError::UnknownKey { key: key.clone() });
        }
        let invalid = |key: &'static str, expected: &'static str| CloudwatchError::Invalid {
            key,
            value: map.get(key).map(|v| v.to_string()).unwrap_or_default(),
            expected,
        };
        let text = |key: &'static str| -> Result<Option<String>, CloudwatchError> {
            match map.get(key) {
                None | Some(serde_json::Value::Null) => Ok(None),
                Some(serde_json::Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(invalid(key, "a string")),
            }
        };
        let mode = match text("mode")?.as_deref() {
            None | Some("api") => CloudwatchMode::Api,
            Some("emf") => CloudwatchMode::Emf,
            Some(_) => return Err(invalid("mode", "`api` or `emf`")),
        };
        let interval = match map.get("interval") {
            None => Duration::from_secs(60),
            Some(serde_json::Value::Number(n)) => n
                .as_f64()
                .filter(|s| *s >= 1.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| invalid("interval", "at least 1 second"))?,
            Some(serde_json::Value::String(s)) => crate::dehumanize(s)
                .ok()
                .filter(|d| *d >= Duration::from_secs(1))
                .ok_or_else(|| {
                    invalid("interval", "a duration of at least 1s, e.g. 60, 30s, 1m")
                })?,
            Some(_) => return Err(invalid("interval", "a duration, e.g. 60, 30s, 1m")),
        };
        let dimensions = match map.get("dimensions") {
            None | Some(serde_json::Value::Null) => Vec::new(),
            Some(serde_json::Value::Object(d)) => d
                .iter()
                .map(|(k, v)| match v {
                    serde_json::Value::String(s) => Ok((k.clone(), s.clone())),
                    other => Ok((k.clone(), other.to_string())),
                })
                .collect::<Result<_, CloudwatchError>>()?,
            Some(_) => return Err(invalid("dimensions", "a mapping of name: value")),
        };
        if dimensions.len() > 28 {
            return Err(invalid(
                "dimensions",
                "at most 28 (CloudWatch allows 30 with TestId and Label)",
            ));
        }
        let per_label = match map.get("per-label") {
            None => true,
            Some(serde_json::Value::Bool(b)) => *b,
            Some(_) => return Err(invalid("per-label", "true or false")),
        };
        let buffer = match map.get("buffer") {
            None => 64,
            Some(v) => v
                .as_u64()
                .filter(|n| *n >= 1)
                .and_then(|n| usize::try_from(n).ok())
                .ok_or_else(|| invalid("buffer", "a count >= 1"))?,
        };
        let test_id = text("test-id")?
            .or(env_test_id)
            .filter(|t| !t.is_empty())
            .ok_or(CloudwatchError::NoTestId)?;
        Ok(CloudwatchSettings {
            mode,
            interval,
            namespace: text("namespace")?.unwrap_or_else(|| "Stampede".into()),
            test_id,
            dimensions,
            per_label,
            buffer,
            region: text("region")?,
        })
    }
}
