//! Pass/fail criteria (Taurus `DataCriterion`), typed when the plan is built: the short string form
//! `[MSG:] SUBJECT [of LABEL] COND THRESHOLD [for|within|over TIMEFRAME][, stop|continue [as failed|non-failed]]`
//! and the mapping form (`subject`, `condition`, `threshold`, `label`, `logic`, `timeframe`, `stop`,
//! `fail`, `message`). The reporter that judges them lives in `stampede-report`; this is the data.

use serde_json::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Logic {
    For,
    Within,
    Over,
}

impl Logic {
    pub fn as_str(self) -> &'static str {
        match self {
            Logic::For => "for",
            Logic::Within => "within",
            Logic::Over => "over",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    Greater,
    Less,
    GreaterOrEqual,
    LessOrEqual,
    /// `=` or `==`.
    Equal,
}

impl Condition {
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Condition::Greater => value > threshold,
            Condition::Less => value < threshold,
            Condition::GreaterOrEqual => value >= threshold,
            Condition::LessOrEqual => value <= threshold,
            Condition::Equal => value == threshold,
        }
    }
}

/// One validated criterion.
#[derive(Clone, Debug, PartialEq)]
pub struct CriterionSpec {
    /// `avg-rt`, `avg-lt`, `avg-ct`, `stdev-rt`, `hits`, `bytes`, `concurrency`, `succ`, `fail`,
    /// `pNN`, `rcNNN` (shell patterns allowed), as written.
    pub subject: String,
    /// `""` is the overall label.
    pub label: String,
    /// Whether the config named a label (string criteria always do): junit names get `of LABEL`.
    pub has_label_key: bool,
    /// As written (`>`, `>=`, `==` ...), for messages and junit names.
    pub condition_raw: String,
    pub condition: Condition,
    /// As written (`5s`, `10%`), for messages and junit names.
    pub threshold_raw: String,
    /// Seconds for times, bytes for `bytes`, a count or a percentage otherwise.
    pub threshold: f64,
    /// The threshold is a share of all samples (`10%`).
    pub percent: bool,
    pub logic: Logic,
    pub timeframe_raw: String,
    /// Whole seconds; 0 = judged once, on the cumulative data at the end.
    pub timeframe: u64,
    pub stop: bool,
    pub fail: bool,
    pub message: Option<String>,
}

/// Why a criterion was refused, phrased to be shown after its key path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CriterionError(pub String);

fn err(message: String) -> CriterionError {
    CriterionError(message)
}

/// Parses `criteria`: a list of strings/mappings, or a mapping `{message: criterion}`.
/// On error, also returns the index (or message key) of the bad item.
pub fn parse_criteria(value: &Value) -> Result<Vec<CriterionSpec>, (String, CriterionError)> {
    let one = |v: &Value, message: Option<&str>| -> Result<CriterionSpec, CriterionError> {
        let mut c = match v {
            Value::String(s) => CriterionSpec::parse(s)?,
            Value::Object(m) => CriterionSpec::from_mapping(m)?,
            other => {
                return Err(err(format!(
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
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(i, v)| one(v, None).map_err(|e| (i.to_string(), e)))
            .collect(),
        Value::Object(map) => map
            .iter()
            .map(|(k, v)| one(v, Some(k)).map_err(|e| (k.clone(), e)))
            .collect(),
        other => Err((
            String::new(),
            err(format!("criteria must be a list or a mapping, not {other}")),
        )),
    }
}

/// The fields of a criterion as written, before validation.
struct Written {
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

impl CriterionSpec {
    /// Parses the short string form.
    pub fn parse(text: &str) -> Result<Self, CriterionError> {
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
            err(format!(
                "criterion {text:?} does not read as 'SUBJECT [of LABEL] CONDITION THRESHOLD [for|within|over TIMEFRAME][, stop|continue [as failed|non-failed]]'"
            ))
        })?;
        let get = |i: usize| caps.get(i).map_or("", |m| m.as_str()).to_string();
        let (stop, fail) = parse_action(action.trim(), text)?;
        Self::validate(Written {
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

    /// Parses the mapping form.
    pub fn from_mapping(map: &serde_json::Map<String, Value>) -> Result<Self, CriterionError> {
        let text = |k: &str| -> Option<String> {
            map.get(k).and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
        };
        let need =
            |k: &str| text(k).ok_or_else(|| err(format!("criterion {map:?} has no {k:?}; add it")));
        let flag = |k: &str| map.get(k).and_then(Value::as_bool).unwrap_or(true);
        if let Some(class) = text("class")
            && !class.ends_with("DataCriterion")
        {
            return Err(err(format!(
                "criteria class {class:?} (e.g. monitoring) is not supported; only data criteria are"
            )));
        }
        Self::validate(Written {
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

    fn validate(s: Written) -> Result<Self, CriterionError> {
        let condition = match s.condition.as_str() {
            ">" => Condition::Greater,
            "<" => Condition::Less,
            ">=" => Condition::GreaterOrEqual,
            "<=" => Condition::LessOrEqual,
            "=" | "==" => Condition::Equal,
            other => {
                return Err(err(format!(
                    "condition {other:?} is not one of > < >= <= = =="
                )));
            }
        };
        let percent = s.threshold.ends_with('%');
        let number = s.threshold.trim_end_matches('%');
        let subj = s.subject.as_str();
        let countable =
            subj.starts_with("succ") || subj.starts_with("fail") || subj.starts_with("rc");
        if percent && !countable {
            return Err(err(format!(
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
            return Err(err(format!(
                "subject {subj:?} is not one of avg-rt, avg-lt, avg-ct, stdev-rt, concurrency, hits, bytes, succ, fail, pNN, rcNNN"
            )));
        }
        let threshold = if subj == "bytes" {
            bytes_value(number)
        } else {
            seconds(number)
        }
        .ok_or_else(|| {
            err(format!(
                "threshold {:?} is not a number or duration",
                s.threshold
            ))
        })?;
        let logic = match s.logic.as_str() {
            "for" => Logic::For,
            "within" => Logic::Within,
            "over" => Logic::Over,
            other => return Err(err(format!("logic {other:?} is not for, within or over"))),
        };
        let timeframe = seconds(&s.timeframe)
            .ok_or_else(|| err(format!("timeframe {:?} is not a duration", s.timeframe)))?
            as u64;
        Ok(Self {
            subject: s.subject,
            label: s.label,
            has_label_key: s.has_label_key,
            condition_raw: s.condition,
            condition,
            threshold_raw: s.threshold,
            threshold,
            percent,
            logic,
            timeframe_raw: s.timeframe,
            timeframe,
            stop: s.stop,
            fail: s.fail,
            message: s.message,
        })
    }
}

/// Taurus `dehumanize_time` in seconds (`150ms`, `1m30s`, bare numbers); `""` is 0.
fn seconds(text: &str) -> Option<f64> {
    crate::dehumanize_seconds(text)
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

fn parse_action(action: &str, text: &str) -> Result<(bool, bool), CriterionError> {
    if action.is_empty() {
        return Ok((true, true));
    }
    let re = regex::Regex::new(r"^(stop|continue)(\s+as\s+(failed|non-failed))?$")
        .expect("static regex");
    let caps = re.captures(action).ok_or_else(|| {
        err(format!(
            "action {action:?} in {text:?} is not 'stop|continue [as failed|non-failed]'"
        ))
    })?;
    Ok((
        &caps[1] != "continue",
        caps.get(3).is_none_or(|m| m.as_str() != "non-failed"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn string_grammar() {
        let c =
            CriterionSpec::parse("avg-rt of GET /api/books>800ms for 30s, stop as failed").unwrap();
        assert_eq!(
            (c.subject.as_str(), c.label.as_str()),
            ("avg-rt", "GET /api/books")
        );
        assert_eq!(
            (c.threshold, c.timeframe, c.stop, c.fail),
            (0.8, 30, true, true)
        );
        let c = CriterionSpec::parse("My msg: p90>1s").unwrap();
        assert_eq!(c.message.as_deref(), Some("My msg"));
        assert_eq!((c.subject.as_str(), c.threshold), ("p90", 1.0));
        let c = CriterionSpec::parse("fail>50% for 10s, continue as non-failed").unwrap();
        assert!(c.percent && !c.stop && !c.fail);
        let c = CriterionSpec::parse("hits of my label>100 within 5s").unwrap();
        assert_eq!((c.label.as_str(), c.logic), ("my label", Logic::Within));
        let c = CriterionSpec::parse("bytes>2kb").unwrap();
        assert_eq!(c.threshold, 2048.0);
        assert!(CriterionSpec::parse("avg-rt>10%").is_err());
        assert!(CriterionSpec::parse("nonsense").is_err());
        assert!(CriterionSpec::parse("avg-rt>1s, explode").is_err());
        assert!(CriterionSpec::parse("avg-rt=>1s").is_err());
    }

    #[test]
    fn lists_and_mappings_name_the_bad_item() {
        let ok = parse_criteria(&json!({"Too many errors": "fail>10%"})).unwrap();
        assert_eq!(ok[0].message.as_deref(), Some("Too many errors"));
        let (at, e) = parse_criteria(&json!(["p90>1s", "avg-rt>1s, explode"])).unwrap_err();
        assert_eq!(at, "1");
        assert!(e.0.contains("explode"), "{e}");
        let (_, e) =
            parse_criteria(&json!([{"subject": "avg-rt", "threshold": "1s"}])).unwrap_err();
        assert!(e.0.contains("\"condition\""), "{e}");
        assert!(parse_criteria(&json!("p90>1s")).is_err());
    }
}
