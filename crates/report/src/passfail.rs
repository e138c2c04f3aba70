//! `passfail` (Taurus `PassFailStatus`/`DataCriterion`): criteria such as `avg-rt of home>150ms for
//! 10s, stop as failed`. Criteria with a timeframe are checked every aggregated second against that
//! second's data and can stop the test; criteria without one are checked once, at post-process,
//! against the cumulative data. Any triggered `fail` criterion makes the run end with exit code 3.

use super::{ReportError, Reporter, Verdict};
use serde_json::Value;
use stampede_log::{Level, Log};
use stampede_stats::{Datapoint, KpiSet, Summary};
use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

/// The criteria of one passfail reporter, shared with `junit-xml` (`data-source: pass-fail`).
pub type SharedCriteria = Arc<Mutex<Vec<Criterion>>>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logic {
    For,
    Within,
    Over,
}

#[derive(Clone, Debug)]
pub struct Criterion {
    pub subject: String,
    pub label: String,
    /// Whether the config named a label (string criteria always do): junit names get `of LABEL`.
    pub has_label_key: bool,
    pub condition: String,
    /// As written (`5s`, `10%`), for messages and junit names.
    pub threshold_raw: String,
    threshold: f64,
    percent: bool,
    pub logic: Logic,
    pub timeframe_raw: String,
    timeframe: u64,
    pub stop: bool,
    pub fail: bool,
    pub message: Option<String>,
    pub triggered: bool,
    candidate: bool,
    counting: u64,
    first_true: Option<u64>,
    /// (second, sum, count) of recent values for `within`/`over`.
    window: VecDeque<(u64, f64, u64)>,
    first_ts: Option<u64>,
}

fn config_err(message: String) -> ReportError {
    ReportError::Config {
        module: "passfail".into(),
        message,
    }
}

/// Taurus `dehumanize_time` in seconds: `150ms`, `1m30s`, `2h`, bare numbers (the config's parser).
pub fn dehumanize(text: &str) -> Option<f64> {
    stampede_config::dehumanize_seconds(text)
        .ok()
        .filter(|v| v.is_finite())
}

fn bytes_value(text: &str) -> Option<f64> {
    let t = text.trim().to_ascii_lowercase();
    let digits = t.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let unit = &t[digits.len()..];
    let n: f64 = digits.trim().parse().ok()?;
    let mult = match unit {
        "" | "b" => 1.0,
        "k" | "kb" => 1024.0,
        "m" | "mb" => 1024.0 * 1024.0,
        "g" | "gb" => 1024.0 * 1024.0 * 1024.0,
        _ => return None,
    };
    Some(n * mult)
}

impl Criterion {
    /// Parses the short string form (`[MSG:] SUBJECT [of LABEL] COND THRESHOLD [LOGIC TIMEFRAME][, ACTION]`).
    pub fn parse(text: &str) -> Result<Self, ReportError> {
        let (message, rest) = match text.split_once(':') {
            Some((m, r)) => (Some(m.trim().to_string()), r),
            None => (None, text),
        };
        let (crit, action) = rest.split_once(',').unwrap_or((rest, ""));
        let re = regex::Regex::new(
            r"^([\w?*.-]+)(\s*of\s*([\S ]+))?\s*([<>=]+)\s*(\S+)(\s+(for|within|over)\s+(\S+))?",
        )
        .expect("static regex");
        let caps = re.captures(crit.trim()).ok_or_else(|| {
            config_err(format!(
                "criterion {text:?} does not read as 'SUBJECT [of LABEL] CONDITION THRESHOLD [for|within|over TIMEFRAME][, stop|continue [as failed|non-failed]]'"
            ))
        })?;
        let get = |i: usize| caps.get(i).map_or("", |m| m.as_str()).to_string();
        let (stop, fail) = parse_action(action.trim(), text)?;
        Self::build(CriterionSpec {
            subject: get(1),
            label: get(3),
            has_label_key: true,
            condition: get(4),
            threshold: get(5),
            logic: caps.get(7).map_or("for", |m| m.as_str()).to_string(),
            timeframe: get(8),
            stop,
            fail,
            message,
        })
    }

    /// Parses the dict form (`subject`, `condition`, `threshold`, optional `label`, `logic`, ...).
    pub fn from_dict(map: &serde_json::Map<String, Value>) -> Result<Self, ReportError> {
        let text = |k: &str| -> Option<String> {
            map.get(k).and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let need =
            |k: &str| text(k).ok_or_else(|| config_err(format!("criterion {map:?} has no {k:?}")));
        let flag = |k: &str| map.get(k).and_then(Value::as_bool).unwrap_or(true);
        if let Some(class) = text("class")
            && !class.ends_with("DataCriterion")
        {
            return Err(config_err(format!(
                "criteria class {class:?} (e.g. monitoring) is not supported; only data criteria are"
            )));
        }
        Self::build(CriterionSpec {
            subject: need("subject")?,
            label: text("label").unwrap_or_default(),
            has_label_key: map.contains_key("label"),
            condition: need("condition")?,
            threshold: need("threshold")?,
            logic: text("logic").unwrap_or_else(|| "for".into()),
            timeframe: text("timeframe").unwrap_or_default(),
            stop: flag("stop"),
            fail: flag("fail"),
            message: text("message"),
        })
    }

    fn build(s: CriterionSpec) -> Result<Self, ReportError> {
        if !matches!(s.condition.as_str(), ">" | "<" | ">=" | "<=" | "=" | "==") {
            return Err(config_err(format!(
                "condition {:?} is not one of > < >= <= = ==",
                s.condition
            )));
        }
        let percent = s.threshold.ends_with('%');
        let number = s.threshold.trim_end_matches('%');
        let subj = s.subject.as_str();
        let countable =
            subj.starts_with("succ") || subj.starts_with("fail") || subj.starts_with("rc");
        if percent && !countable {
            return Err(config_err(format!(
                "threshold {:?}: % is only valid for succ, fail and rc subjects, not {subj:?}",
                s.threshold
            )));
        }
        let known = matches!(
            subj,
            "avg-rt" | "avg-lt" | "avg-ct" | "stdev-rt" | "hits" | "bytes"
        ) || countable
            || subj.starts_with("concurr")
            || (subj.starts_with('p') && subj[1..].parse::<f64>().is_ok());
        if !known {
            return Err(config_err(format!(
                "subject {subj:?} is not one of avg-rt, avg-lt, avg-ct, stdev-rt, concurrency, hits, bytes, succ, fail, pNN, rcNNN"
            )));
        }
        let threshold = if subj == "bytes" {
            bytes_value(number)
        } else {
            dehumanize(number)
        }
        .ok_or_else(|| {
            config_err(format!(
                "threshold {:?} is not a number or duration",
                s.threshold
            ))
        })?;
        let logic = match s.logic.as_str() {
            "for" => Logic::For,
            "within" => Logic::Within,
            "over" => Logic::Over,
            other => {
                return Err(config_err(format!(
                    "logic {other:?} is not for, within or over"
                )));
            }
        };
        let timeframe = dehumanize(&s.timeframe)
            .ok_or_else(|| config_err(format!("timeframe {:?} is not a duration", s.timeframe)))?
            as u64;
        Ok(Self {
            subject: s.subject,
            label: s.label,
            has_label_key: s.has_label_key,
            condition: s.condition,
            threshold_raw: s.threshold,
            threshold,
            percent,
            logic,
            timeframe_raw: s.timeframe,
            timeframe,
            stop: s.stop,
            fail: s.fail,
            message: s.message,
            triggered: false,
            candidate: false,
            counting: 0,
            first_true: None,
            window: VecDeque::new(),
            first_ts: None,
        })
    }

    /// Taurus's `str(criterion)`: `Failed: fail>10% for 1 sec`, or `Failed: <message>`.
    pub fn describe(&self) -> String {
        let state = match (self.triggered, self.fail) {
            (false, _) => "Alert",
            (true, true) => "Failed",
            (true, false) => "Notice",
        };
        if let Some(m) = &self.message {
            return format!("{state}: {m}");
        }
        let logic = match self.logic {
            Logic::For => "for",
            Logic::Within => "within",
            Logic::Over => "over",
        };
        format!(
            "{state}: {}{}{} {logic} {} sec",
            self.subject, self.condition, self.threshold_raw, self.counting
        )
    }

    /// The junit-xml testcase name.
    pub fn junit_name(&self) -> String {
        let mut name = if self.has_label_key {
            format!(
                "{} of {}{}{}",
                self.subject, self.label, self.condition, self.threshold_raw
            )
        } else {
            format!("{}{}{}", self.subject, self.condition, self.threshold_raw)
        };
        if !self.timeframe_raw.is_empty() && self.timeframe > 0 {
            name.push_str(&format!(" for {}", self.timeframe_raw));
        }
        name
    }

    /// (value, is-a-count) of the subject in `set`.
    fn value(&self, set: &KpiSet) -> (f64, bool) {
        let subj = self.subject.as_str();
        let share = |n: u64| {
            if self.percent {
                (
                    if set.throughput == 0 {
                        0.0
                    } else {
                        n as f64 * 100.0 / set.throughput as f64
                    },
                    false,
                )
            } else {
                (n as f64, true)
            }
        };
        match subj {
            "avg-rt" => (set.avg_rt, false),
            "avg-lt" => (set.avg_lt, false),
            "avg-ct" => (set.avg_ct, false),
            "stdev-rt" => (set.stdev_rt, false),
            "hits" => (set.throughput as f64, true),
            "bytes" => (set.bytes as f64, false),
            s if s.starts_with("concurr") => (set.concurrency as f64, false),
            s if s.starts_with("succ") => share(set.succ),
            s if s.starts_with("fail") => share(set.fail),
            s if s.starts_with("rc") => {
                let pattern = &s[2..];
                let n = set
                    .rc
                    .iter()
                    .filter(|(c, _)| fnmatch(pattern, c))
                    .map(|(_, n)| n)
                    .sum();
                share(n)
            }
            s => {
                let level: f64 = s[1..].parse().unwrap_or(-1.0);
                let v = set
                    .perc
                    .iter()
                    .find(|(l, _)| *l == level)
                    .map_or(0.0, |(_, v)| *v);
                (v, false)
            }
        }
    }

    fn holds(&self, v: f64) -> bool {
        let t = self.threshold;
        match self.condition.as_str() {
            ">" => v > t,
            "<" => v < t,
            ">=" => v >= t,
            "<=" => v <= t,
            _ => v == t,
        }
    }

    /// Checks one second; returns messages to log and whether it just triggered.
    fn check_second(&mut self, ts: u64, set: &KpiSet, msgs: &mut Vec<(Level, String)>) -> bool {
        let (v, is_count) = self.value(set);
        self.first_ts.get_or_insert(ts);
        let value = match self.logic {
            Logic::For => v,
            Logic::Within | Logic::Over => {
                self.window.push_back((ts, v, 1));
                while self
                    .window
                    .front()
                    .is_some_and(|(t, _, _)| *t + self.timeframe <= ts)
                {
                    self.window.pop_front();
                }
                let sum: f64 = self.window.iter().map(|w| w.1).sum();
                if is_count {
                    sum
                } else {
                    sum / self.window.len() as f64
                }
            }
        };
        if !self.holds(value) {
            self.candidate = false;
            self.first_true = None;
            self.counting = 0;
            return false;
        }
        let first = *self.first_true.get_or_insert(ts);
        self.counting = ts - first + 1;
        let covered = ts + 1 - self.first_ts.unwrap_or(ts) >= self.timeframe;
        let fire = match self.logic {
            Logic::For => self.counting >= self.timeframe,
            Logic::Within => true,
            Logic::Over => covered,
        };
        self.trigger_if(fire, msgs)
    }

    fn trigger_if(&mut self, fire: bool, msgs: &mut Vec<(Level, String)>) -> bool {
        if self.triggered {
            return false;
        }
        if !self.candidate {
            self.candidate = true;
            msgs.push((Level::Warning, self.describe()));
        }
        if fire {
            self.triggered = true;
            msgs.push((Level::Warning, self.describe()));
        }
        fire
    }
}

struct CriterionSpec {
    subject: String,
    label: String,
    has_label_key: bool,
    condition: String,
    threshold: String,
    logic: String,
    timeframe: String,
    stop: bool,
    fail: bool,
    message: Option<String>,
}

fn parse_action(action: &str, text: &str) -> Result<(bool, bool), ReportError> {
    if action.is_empty() {
        return Ok((true, true));
    }
    let re = regex::Regex::new(r"^(stop|continue)(\s+as\s+(failed|non-failed))?$")
        .expect("static regex");
    let caps = re.captures(action).ok_or_else(|| {
        config_err(format!(
            "action {action:?} in {text:?} is not 'stop|continue [as failed|non-failed]'"
        ))
    })?;
    Ok((
        &caps[1] != "continue",
        caps.get(3).is_none_or(|m| m.as_str() != "non-failed"),
    ))
}

/// Shell-style matching for `rc` subjects (`4??`, `5*`, `[45]*`).
fn fnmatch(pattern: &str, text: &str) -> bool {
    let mut re = String::from("^");
    for c in pattern.chars() {
        match c {
            '*' => re.push_str(".*"),
            '?' => re.push('.'),
            '[' | ']' => re.push(c),
            c => re.push_str(&regex::escape(&c.to_string())),
        }
    }
    re.push('$');
    regex::Regex::new(&re).is_ok_and(|r| r.is_match(text))
}

/// Parses `criteria`: a list of strings/dicts, or a dict `{message: criterion}`.
pub fn parse_criteria(value: &Value) -> Result<Vec<Criterion>, ReportError> {
    let one = |v: &Value, message: Option<&str>| -> Result<Criterion, ReportError> {
        let mut c = match v {
            Value::String(s) => Criterion::parse(s)?,
            Value::Object(m) => Criterion::from_dict(m)?,
            other => {
                return Err(config_err(format!(
                    "criterion {other} is neither a string nor a mapping"
                )));
            }
        };
        if let Some(m) = message {
            c.message = Some(m.to_string());
        }
        Ok(c)
    };
    match value {
        Value::Null => Ok(Vec::new()),
        Value::Array(items) => items.iter().map(|v| one(v, None)).collect(),
        Value::Object(map) => map.iter().map(|(k, v)| one(v, Some(k))).collect(),
        other => Err(config_err(format!(
            "criteria must be a list or a mapping, not {other}"
        ))),
    }
}

pub struct PassFail {
    criteria: SharedCriteria,
    messages: Vec<(Level, String)>,
}

impl PassFail {
    pub fn new(criteria: Vec<Criterion>) -> Self {
        Self {
            criteria: Arc::new(Mutex::new(criteria)),
            messages: Vec::new(),
        }
    }

    pub fn shared(&self) -> SharedCriteria {
        self.criteria.clone()
    }
}

impl Reporter for PassFail {
    fn name(&self) -> &str {
        "passfail"
    }

    fn datapoint(&mut self, dp: &Datapoint) -> Verdict {
        let mut verdict = Verdict::Continue;
        let mut list = self.criteria.lock().expect("passfail state lock");
        for c in list.iter_mut().filter(|c| c.timeframe > 0) {
            let Some(set) = dp.label(&c.label) else {
                continue;
            };
            if c.check_second(dp.ts, set, &mut self.messages) && c.stop {
                let failed = c.fail || matches!(verdict, Verdict::Stop { failed: true });
                verdict = Verdict::Stop { failed };
            }
        }
        verdict
    }

    fn take_messages(&mut self) -> Vec<(Level, String)> {
        std::mem::take(&mut self.messages)
    }

    fn finish(&mut self, summary: &Summary, log: &mut dyn Log) -> Result<bool, ReportError> {
        let mut msgs = std::mem::take(&mut self.messages);
        let mut list = self.criteria.lock().expect("passfail state lock");
        for c in list.iter_mut().filter(|c| c.timeframe == 0) {
            if let Some(set) = summary.cumulative.get(c.label.as_str()) {
                let fire = {
                    let (v, _) = c.value(set);
                    c.holds(v)
                };
                if fire {
                    c.counting = 1;
                    c.trigger_if(true, &mut msgs);
                }
            }
        }
        for (level, m) in msgs {
            log.log(level, &m);
        }
        Ok(list.iter().any(|c| c.triggered && c.fail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_grammar() {
        let c = Criterion::parse("avg-rt of GET /api/books>800ms for 30s, stop as failed").unwrap();
        assert_eq!(
            (c.subject.as_str(), c.label.as_str()),
            ("avg-rt", "GET /api/books")
        );
        assert_eq!(
            (c.threshold, c.timeframe, c.stop, c.fail),
            (0.8, 30, true, true)
        );
        let c = Criterion::parse("My msg: p90>1s").unwrap();
        assert_eq!(c.message.as_deref(), Some("My msg"));
        assert_eq!((c.subject.as_str(), c.threshold), ("p90", 1.0));
        let c = Criterion::parse("fail>50% for 10s, continue as non-failed").unwrap();
        assert!(c.percent && !c.stop && !c.fail);
        let c = Criterion::parse("hits of my label>100 within 5s").unwrap();
        assert_eq!((c.label.as_str(), c.logic), ("my label", Logic::Within));
        assert_eq!(c.junit_name(), "hits of my label>100 for 5s");
        assert_eq!(
            Criterion::parse("fail>10%, continue as failed")
                .unwrap()
                .junit_name(),
            "fail of >10%"
        );
        assert!(Criterion::parse("avg-rt>10%").is_err());
        assert!(Criterion::parse("nonsense").is_err());
        assert!(Criterion::parse("avg-rt>1s, explode").is_err());
        assert!(fnmatch("4??", "404") && !fnmatch("4??", "4040") && fnmatch("5*", "503"));
    }
}
