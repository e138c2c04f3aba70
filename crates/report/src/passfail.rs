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

pub use stampede_config::criteria::{CriterionSpec, Logic};

/// A criterion and its state while the test runs.
#[derive(Clone, Debug)]
pub struct Criterion {
    pub spec: CriterionSpec,
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

impl Criterion {
    pub fn new(spec: CriterionSpec) -> Self {
        Criterion {
            spec,
            triggered: false,
            candidate: false,
            counting: 0,
            first_true: None,
            window: VecDeque::new(),
            first_ts: None,
        }
    }

    /// Parses the short string form (see [`CriterionSpec::parse`]).
    pub fn parse(text: &str) -> Result<Self, ReportError> {
        CriterionSpec::parse(text)
            .map(Criterion::new)
            .map_err(|e| config_err(e.to_string()))
    }

    /// Taurus's `str(criterion)`: `Failed: fail>10% for 1 sec`, or `Failed: <message>`.
    pub fn describe(&self) -> String {
        let state = match (self.triggered, self.spec.fail) {
            (false, _) => "Alert",
            (true, true) => "Failed",
            (true, false) => "Notice",
        };
        if let Some(m) = &self.spec.message {
            return format!("{state}: {m}");
        }
        let logic = self.spec.logic.as_str();
        format!(
            "{state}: {}{}{} {logic} {} sec",
            self.spec.subject, self.spec.condition_raw, self.spec.threshold_raw, self.counting
        )
    }

    /// The junit-xml testcase name.
    pub fn junit_name(&self) -> String {
        let mut name = if self.spec.has_label_key {
            format!(
                "{} of {}{}{}",
                self.spec.subject,
                self.spec.label,
                self.spec.condition_raw,
                self.spec.threshold_raw
            )
        } else {
            format!(
                "{}{}{}",
                self.spec.subject, self.spec.condition_raw, self.spec.threshold_raw
            )
        };
        if !self.spec.timeframe_raw.is_empty() && self.spec.timeframe > 0 {
            name.push_str(&format!(" for {}", self.spec.timeframe_raw));
        }
        name
    }

    /// (value, is-a-count) of the subject in `set`.
    fn value(&self, set: &KpiSet) -> (f64, bool) {
        let subj = self.spec.subject.as_str();
        let share = |n: u64| {
            if self.spec.percent {
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
        self.spec.condition.holds(v, self.spec.threshold)
    }

    /// Checks one second; returns messages to log and whether it just triggered.
    fn check_second(&mut self, ts: u64, set: &KpiSet, msgs: &mut Vec<(Level, String)>) -> bool {
        let (v, is_count) = self.value(set);
        self.first_ts.get_or_insert(ts);
        let value = match self.spec.logic {
            Logic::For => v,
            Logic::Within | Logic::Over => {
                self.window.push_back((ts, v, 1));
                while self
                    .window
                    .front()
                    .is_some_and(|(t, _, _)| *t + self.spec.timeframe <= ts)
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
        let covered = ts + 1 - self.first_ts.unwrap_or(ts) >= self.spec.timeframe;
        let fire = match self.spec.logic {
            Logic::For => self.counting >= self.spec.timeframe,
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

/// Parses `criteria` (see [`stampede_config::criteria::parse_criteria`]).
pub fn parse_criteria(value: &Value) -> Result<Vec<Criterion>, ReportError> {
    stampede_config::criteria::parse_criteria(value)
        .map(|list| list.into_iter().map(Criterion::new).collect())
        .map_err(|(_, e)| config_err(e.to_string()))
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
        for c in list.iter_mut().filter(|c| c.spec.timeframe > 0) {
            let Some(set) = dp.label(&c.spec.label) else {
                continue;
            };
            if c.check_second(dp.ts, set, &mut self.messages) && c.spec.stop {
                let failed = c.spec.fail || matches!(verdict, Verdict::Stop { failed: true });
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
        for c in list.iter_mut().filter(|c| c.spec.timeframe == 0) {
            if let Some(set) = summary.cumulative.get(c.spec.label.as_str()) {
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
        Ok(list.iter().any(|c| c.triggered && c.spec.fail))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn string_grammar() {
        let c = Criterion::parse("avg-rt of GET /api/books>800ms for 30s, stop as failed").unwrap();
        assert_eq!(
            (c.spec.subject.as_str(), c.spec.label.as_str()),
            ("avg-rt", "GET /api/books")
        );
        assert_eq!(
            (c.spec.threshold, c.spec.timeframe, c.spec.stop, c.spec.fail),
            (0.8, 30, true, true)
        );
        let c = Criterion::parse("My msg: p90>1s").unwrap();
        assert_eq!(c.spec.message.as_deref(), Some("My msg"));
        assert_eq!((c.spec.subject.as_str(), c.spec.threshold), ("p90", 1.0));
        let c = Criterion::parse("fail>50% for 10s, continue as non-failed").unwrap();
        assert!(c.spec.percent && !c.spec.stop && !c.spec.fail);
        let c = Criterion::parse("hits of my label>100 within 5s").unwrap();
        assert_eq!(
            (c.spec.label.as_str(), c.spec.logic),
            ("my label", Logic::Within)
        );
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
