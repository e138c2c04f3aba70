//! Turning an interval into CloudWatch metrics: datums for PutMetricData (batched within the API's
//! per-call limits) or Embedded Metric Format lines.

use super::Settings;
use super::window::{IntervalStats, ScopeStats};

/// PutMetricData accepts at most 1000 datums and a 1 MB request per call.
pub const MAX_DATUMS_PER_CALL: usize = 1000;
/// Kept under 1 MB with room for the request's own fields.
pub const MAX_BYTES_PER_CALL: usize = 900_000;
/// CloudWatch's limit on a dimension value.
const MAX_DIMENSION_VALUE: usize = 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Count => "Count",
            Unit::Milliseconds => "Milliseconds",
        }
    }
}

/// One metric value, independent of the SDK (so batching and EMF are plain functions).
#[derive(Clone, Debug, PartialEq)]
pub struct Datum {
    pub name: &'static str,
    pub unit: Unit,
    pub value: f64,
    pub dimensions: Vec<(String, String)>,
    pub timestamp: u64,
}

impl Datum {
    /// An upper bound of its awsQuery form encoding (every byte percent-encoded, plus field names).
    pub fn encoded_size(&self) -> usize {
        let dims: usize = self
            .dimensions
            .iter()
            .map(|(k, v)| 3 * (k.len() + v.len()) + 80)
            .sum();
        3 * self.name.len() + dims + 200
    }
}

/// The metrics of one scope, in a fixed order; response times only when there were requests.
pub fn scope_metrics(s: &ScopeStats) -> Vec<(&'static str, Unit, f64)> {
    let mut m = vec![
        ("Requests", Unit::Count, s.requests as f64),
        ("Failures", Unit::Count, s.failures as f64),
        ("Users", Unit::Count, s.users as f64),
    ];
    for (name, v) in [
        ("AvgResponseTime", s.avg_ms),
        ("P50ResponseTime", s.p50_ms),
        ("P95ResponseTime", s.p95_ms),
        ("P99ResponseTime", s.p99_ms),
    ] {
        if let Some(v) = v {
            m.push((name, Unit::Milliseconds, v));
        }
    }
    m
}

/// `TestId`, then `Label` for a label's scope, then the configured extra dimensions.
pub fn dimensions(settings: &Settings, label: Option<&str>) -> Vec<(String, String)> {
    let mut d = vec![("TestId".to_string(), settings.test_id.clone())];
    if let Some(l) = label {
        d.push(("Label".to_string(), truncate(l, MAX_DIMENSION_VALUE)));
    }
    d.extend(settings.dimensions.iter().cloned());
    d
}

fn truncate(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_string()
}

pub fn datums(stats: &IntervalStats, settings: &Settings) -> Vec<Datum> {
    let mut out = Vec::new();
    for scope in &stats.scopes {
        let dims = dimensions(settings, scope.label.as_deref());
        for (name, unit, value) in scope_metrics(scope) {
            out.push(Datum {
                name,
                unit,
                value,
                dimensions: dims.clone(),
                timestamp: stats.end_ts,
            });
        }
    }
    out
}

/// Splits datums into calls that respect both per-call limits, keeping their order.
pub fn batches(datums: Vec<Datum>, max_count: usize, max_bytes: usize) -> Vec<Vec<Datum>> {
    let mut out: Vec<Vec<Datum>> = Vec::new();
    let mut size = 0;
    for d in datums {
        let s = d.encoded_size();
        let full = out
            .last()
            .is_none_or(|b| b.len() >= max_count || size + s > max_bytes);
        if full {
            out.push(Vec::new());
            size = 0;
        }
        size += s;
        out.last_mut().expect("pushed above").push(d);
    }
    out
}

/// One EMF line per scope: `{"_aws":{"Timestamp","CloudWatchMetrics":[…]}, dims…, metrics…}`.
pub fn emf_lines(stats: &IntervalStats, settings: &Settings) -> Vec<String> {
    stats
        .scopes
        .iter()
        .map(|scope| {
            let dims = dimensions(settings, scope.label.as_deref());
            let metrics = scope_metrics(scope);
            let mut doc = serde_json::Map::new();
            doc.insert(
                "_aws".into(),
                serde_json::json!({
                    "Timestamp": stats.end_ts * 1000,
                    "CloudWatchMetrics": [{
                        "Namespace": settings.namespace,
                        "Dimensions": [dims.iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()],
                        "Metrics": metrics.iter()
                            .map(|(n, u, _)| serde_json::json!({"Name": n, "Unit": u.as_str()}))
                            .collect::<Vec<_>>(),
                    }],
                }),
            );
            for (k, v) in dims {
                doc.insert(k, v.into());
            }
            for (n, _, v) in metrics {
                doc.insert(n.into(), v.into());
            }
            serde_json::Value::Object(doc).to_string()
        })
        .collect()
}

/// The SDK's form of a datum.
pub fn to_sdk(d: &Datum) -> aws_sdk_cloudwatch::types::MetricDatum {
    use aws_sdk_cloudwatch::types::{Dimension, MetricDatum, StandardUnit};
    let unit = match d.unit {
        Unit::Count => StandardUnit::Count,
        Unit::Milliseconds => StandardUnit::Milliseconds,
    };
    let mut b = MetricDatum::builder()
        .metric_name(d.name)
        .unit(unit)
        .value(d.value)
        .timestamp(aws_smithy_types::DateTime::from_secs(
            i64::try_from(d.timestamp).unwrap_or(i64::MAX),
        ));
    for (k, v) in &d.dimensions {
        b = b.dimensions(Dimension::builder().name(k).value(v).build());
    }
    b.build()
}
