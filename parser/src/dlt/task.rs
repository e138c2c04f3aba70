//! DLT's per-file parse, `results(xmlString, testId)`: one results XML → one task's statistics.

use serde_json::{Map, Value};

use super::jsnum::{self, native_type, number};
use super::{DltError, Era};
use crate::model::{FinalStatus, Group, Num};

/// The percentile keys DLT knows, in Taurus's level order, with the `perc` param that produces each.
pub const PERCENTILES: [(&str, &str); 7] = [
    ("0.0", "p0_0"),
    ("50.0", "p50_0"),
    ("90.0", "p90_0"),
    ("95.0", "p95_0"),
    ("99.0", "p99_0"),
    ("99.9", "p99_9"),
    ("100.0", "p100_0"),
];

/// Response codes DLT does not list as errors (v3.2.3+). Before that only `200` was accepted.
const ACCEPTED_V4: [&str; 13] = [
    "200", "201", "202", "204", "300", "301", "302", "303", "304", "307", "308", "101", "1000",
];

/// One group's statistics (`stats` for the `""` group, an entry of `labels` otherwise).
#[derive(Clone, Debug, PartialEq)]
pub struct GroupStats {
    /// `None` for the overall group.
    pub label: Option<String>,
    /// Non-accepted response codes and their counts, in XML order.
    pub rc: Vec<(String, i64)>,
    pub throughput: f64,
    pub concurrency: f64,
    pub succ: f64,
    pub fail: f64,
    pub avg_rt: f64,
    pub stdev_rt: f64,
    pub avg_lt: f64,
    pub avg_ct: f64,
    pub bytes: f64,
    /// Seconds, indexed like [`PERCENTILES`]; `None` when the file lacks that level.
    pub perc: [Option<f64>; 7],
}

/// What DLT's `results()` returns for one file.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskResult {
    /// The overall (`label=""`) group, with `testDuration` attached.
    pub stats: GroupStats,
    pub test_duration: f64,
    pub labels: Vec<GroupStats>,
    /// v3.3.3+ `TaskId`, `TaskCPU`, `TaskMemory`, `ECSDuration` as xml-js would type them, when present
    /// with text.
    pub task_meta: Vec<(&'static str, Value)>,
}

/// Parses one task's model the way DLT `era` does. Stricter than DLT where DLT would crash later
/// (unknown percentile level, missing `TestDuration`), more lenient where DLT's crash helps no one:
/// the v3.3.3+ task-metadata elements are optional, and a file with a single `Group` parses (v3+
/// throws "not iterable" on it; v1 silently produced empty stats).
pub fn task_result(fs: &FinalStatus, era: Era) -> Result<TaskResult, DltError> {
    let duration_text = fs
        .test_duration
        .as_deref()
        .ok_or(DltError::MissingTestDuration)?;
    let test_duration = jsnum::js_to_number(duration_text).ok_or_else(|| DltError::BadNumber {
        what: "TestDuration".into(),
        text: duration_text.into(),
    })?;
    let mut overall = None;
    let mut labels = Vec::new();
    for group in &fs.groups {
        let stats = group_stats(group, era)?;
        if stats.label.is_some() {
            labels.push(stats);
        } else {
            // Later `""` groups overwrite earlier ones, as DLT's `result = stats` does.
            overall = Some(stats);
        }
    }
    let stats = overall.ok_or(DltError::MissingOverallGroup)?;
    let task_meta = [
        ("TaskId", "taskId"),
        ("TaskCPU", "taskCPU"),
        ("TaskMemory", "taskMemory"),
        ("ECSDuration", "ecsDuration"),
    ]
    .iter()
    .filter_map(|(tag, key)| {
        let (_, text) = fs.extra.iter().find(|(t, _)| t == tag)?;
        // xml-js gives an empty or whitespace-only element no `_text`, and JSON drops the undefined.
        (!text.trim().is_empty()).then(|| (*key, native_type(text)))
    })
    .collect();
    Ok(TaskResult {
        stats,
        test_duration,
        labels,
        task_meta,
    })
}

fn group_stats(group: &Group, era: Era) -> Result<GroupStats, DltError> {
    let label = (!group.label.is_empty()).then(|| group.label.clone());
    if group.rc.is_empty() {
        // DLT reads `group.rc` unconditionally and throws on a group without one.
        return Err(DltError::MissingRc {
            label: group.label.clone(),
        });
    }
    let accepted: &[&str] = match era {
        Era::V1 => &["200"],
        Era::V4 => &ACCEPTED_V4,
    };
    let rc = group
        .rc
        .iter()
        .filter(|k| !accepted.contains(&k.param.as_str()))
        .map(|k| (k.param.clone(), rc_count(k.value)))
        .collect();
    let mut perc = [None; 7];
    for kpi in &group.perc {
        let idx = PERCENTILES
            .iter()
            .position(|(param, _)| *param == kpi.param)
            .ok_or_else(|| DltError::UnknownPercentile {
                label: group.label.clone(),
                param: kpi.param.clone(),
            })?;
        perc[idx] = Some(num(kpi.value));
    }
    Ok(GroupStats {
        label,
        rc,
        throughput: num(group.throughput),
        concurrency: num(group.concurrency),
        succ: num(group.succ),
        fail: num(group.fail),
        avg_rt: num(group.avg_rt),
        stdev_rt: num(group.stdev_rt),
        avg_lt: num(group.avg_lt),
        avg_ct: num(group.avg_ct),
        bytes: num(group.bytes),
        perc,
    })
}

fn num(n: Num) -> f64 {
    match n {
        Num::Int(i) => i as f64,
        Num::Float(f) => f,
    }
}

/// `parseInt(rc._attributes.value)`: a float-valued count keeps its integer part.
fn rc_count(n: Num) -> i64 {
    match n {
        Num::Int(i) => i,
        Num::Float(f) if f.is_finite() => f.trunc() as i64,
        Num::Float(_) => 0,
    }
}

impl GroupStats {
    /// The per-task JSON exactly as DLT's `results()` builds it: `rc` first, the KPIs in XML order, the
    /// percentiles, then `label` (v1.2+) or `endpoint` (v1.0–v1.1).
    pub fn to_json(&self, era: Era) -> Map<String, Value> {
        let mut m = Map::new();
        let rc = self
            .rc
            .iter()
            .map(|(code, count)| rc_json(code, *count))
            .collect();
        m.insert("rc".into(), Value::Array(rc));
        for (key, v) in self.kpis() {
            m.insert(key.into(), number(v));
        }
        for ((_, key), v) in PERCENTILES.iter().zip(self.perc) {
            if let Some(v) = v {
                m.insert((*key).into(), number(v));
            }
        }
        if let Some(label) = &self.label {
            let key = match era {
                Era::V1 => "endpoint",
                Era::V4 => "label",
            };
            m.insert(key.into(), Value::String(label.clone()));
        }
        m
    }

    /// The nine scalar KPIs in Taurus's XML order.
    pub fn kpis(&self) -> [(&'static str, f64); 9] {
        let values = [
            self.throughput,
            self.concurrency,
            self.succ,
            self.fail,
            self.avg_rt,
            self.stdev_rt,
            self.avg_lt,
            self.avg_ct,
            self.bytes,
        ];
        std::array::from_fn(|i| (crate::model::SCALAR_KPIS[i], values[i]))
    }
}

pub(crate) fn rc_json(code: &str, count: i64) -> Value {
    let mut m = Map::new();
    m.insert("code".into(), Value::String(code.into()));
    m.insert("count".into(), Value::from(count));
    Value::Object(m)
}

impl TaskResult {
    /// `{stats, labels, duration, taskId?, taskCPU?, taskMemory?, ecsDuration?}` as DLT v1.2+ returns it;
    /// v1.0/v1.1 name the list `endPoints` and have no task metadata.
    pub fn to_json(&self, era: Era) -> Value {
        let mut stats = self.stats.to_json(era);
        stats.insert("testDuration".into(), number(self.test_duration));
        let labels = self
            .labels
            .iter()
            .map(|l| Value::Object(l.to_json(era)))
            .collect();
        let mut m = Map::new();
        m.insert("stats".into(), Value::Object(stats));
        let list_key = match era {
            Era::V1 => "endPoints",
            Era::V4 => "labels",
        };
        m.insert(list_key.into(), Value::Array(labels));
        m.insert("duration".into(), number(self.test_duration));
        if era == Era::V4 {
            for (k, v) in &self.task_meta {
                m.insert((*k).into(), v.clone());
            }
        }
        Value::Object(m)
    }
}

/// Why a stored per-task result (a v1 Results-table item, or `results()` JSON) cannot be read back.
#[derive(Debug, thiserror::Error, PartialEq)]
#[error("stored task result: {field} {problem}")]
pub struct StoredError {
    pub field: String,
    pub problem: &'static str,
}

impl TaskResult {
    /// Reads back [`TaskResult::to_json`] output, or a v1.0 Results-table item (`results`,
    /// `endPoints`, `testDuration`): the v1 finaliser aggregates what earlier invocations stored.
    pub fn from_json(v: &Value) -> Result<TaskResult, StoredError> {
        let err = |field: &str, problem| StoredError {
            field: field.into(),
            problem,
        };
        let stats = v
            .get("stats")
            .or_else(|| v.get("results"))
            .ok_or(err("stats", "is missing"))?;
        let stats = GroupStats::from_json(stats, "stats")?;
        let test_duration = ["duration", "testDuration"]
            .iter()
            .find_map(|k| v.get(*k).and_then(Value::as_f64))
            .or_else(|| {
                v.get("stats")
                    .or(v.get("results"))?
                    .get("testDuration")?
                    .as_f64()
            })
            .ok_or(err("testDuration", "is missing or not a number"))?;
        let list = v.get("labels").or_else(|| v.get("endPoints"));
        let labels = match list {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .enumerate()
                .map(|(i, l)| GroupStats::from_json(l, &format!("labels[{i}]")))
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(err("labels", "is not a list")),
        };
        let task_meta = ["taskId", "taskCPU", "taskMemory", "ecsDuration"]
            .into_iter()
            .filter_map(|k| v.get(k).map(|x| (k, x.clone())))
            .collect();
        Ok(TaskResult {
            stats,
            test_duration,
            labels,
            task_meta,
        })
    }
}

impl GroupStats {
    fn from_json(v: &Value, at: &str) -> Result<GroupStats, StoredError> {
        let err = |field: String, problem| StoredError { field, problem };
        let Value::Object(m) = v else {
            return Err(err(at.into(), "is not an object"));
        };
        // A KPI missing from a stored item counts as 0, like DLT's sums over missing pushes.
        let f = |k: &str| -> Result<f64, StoredError> {
            match m.get(k) {
                None => Ok(0.0),
                Some(x) => x
                    .as_f64()
                    .ok_or_else(|| err(format!("{at}.{k}"), "is not a number")),
            }
        };
        let mut perc = [None; 7];
        for (i, (_, key)) in PERCENTILES.iter().enumerate() {
            perc[i] = m.get(*key).and_then(Value::as_f64);
        }
        let rc = match m.get("rc") {
            None => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|r| {
                    let code = r.get("code").and_then(Value::as_str);
                    // v1.0.0 stored a single rc's count as a string; parseInt it like v1.1+ does.
                    let count = r.get("count").and_then(|c| match c {
                        Value::String(s) => jsnum::parse_int(s),
                        other => other.as_f64().map(|f| f.trunc() as i64),
                    });
                    match (code, count) {
                        (Some(c), Some(n)) => Ok((c.to_owned(), n)),
                        (Some(c), None) => Ok((c.to_owned(), 0)),
                        _ => Err(err(format!("{at}.rc"), "has an entry without a code")),
                    }
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(err(format!("{at}.rc"), "is not a list")),
        };
        let label = m
            .get("label")
            .or_else(|| m.get("endpoint"))
            .and_then(Value::as_str)
            .map(str::to_owned);
        Ok(GroupStats {
            label,
            rc,
            throughput: f("throughput")?,
            concurrency: f("concurrency")?,
            succ: f("succ")?,
            fail: f("fail")?,
            avg_rt: f("avg_rt")?,
            stdev_rt: f("stdev_rt")?,
            avg_lt: f("avg_lt")?,
            avg_ct: f("avg_ct")?,
            bytes: f("bytes")?,
            perc,
        })
    }
}
