//! The `reporting` list, typed once when the plan is built: each entry's module and its settings,
//! the pass/fail criteria (from `passfail` entries and from executions and their scenarios), and
//! where the HTML report goes. The reporters themselves are built from this in the app.
//!
//! Stampede's additions, both opt-in or opt-out through the same list:
//! - `- module: kpi-jtl` (optional `filename`, default `<artifacts>/kpi.jtl`): per-sample CSV in
//!   JMeter's layout. Off by default: it is the only report whose size grows with the test.
//! - the HTML report, `<artifacts>/report.html`, on by default; `- module: html-report` sets its
//!   `filename`, `modules.html-report.enabled: false` turns it off.

mod cloudwatch;

pub use cloudwatch::{CloudwatchError, CloudwatchMode, CloudwatchSettings};

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::ConfigError;
use crate::criteria::{CriterionSpec, parse_criteria};

/// Taurus reporters accepted but not run: they send data elsewhere and change nothing that is
/// measured, so a warning at post-process is enough.
pub const IGNORED_TAURUS_MODULES: &[&str] = &[
    "blazemeter",
    "influxdb-reporter",
    "influxdb",
    "screen",
    "monitoring",
    "functional-consolidator",
];

const KNOWN: &str = "final-stats, console, junit-xml, passfail, kpi-jtl, html-report, cloudwatch \
                     (blazemeter and influxdb-reporter are accepted and ignored)";

#[derive(Clone, Debug, PartialEq)]
pub struct Reporting {
    /// The `reporting` entries in config order (the order decides post-process log order and
    /// what `junit-xml` sees from `passfail`, as in Taurus).
    pub modules: Vec<ReportModule>,
    /// `criteria` of the executions and of the scenarios they use, which Taurus attaches to the
    /// executor; judged like global criteria (on the overall data filtered by label).
    pub execution_criteria: Vec<CriterionSpec>,
    /// Where the HTML report goes; `None` when `modules.html-report.enabled` is false.
    pub html_report: Option<PathBuf>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum ReportModule {
    FinalStats(FinalStatsSettings),
    JunitXml(JunitSettings),
    PassFail(Vec<CriterionSpec>),
    KpiJtl {
        filename: PathBuf,
    },
    /// Its `filename` is folded into [`Reporting::html_report`].
    HtmlReport,
    Cloudwatch(CloudwatchSettings),
    /// The live per-second line and display belong to the run loop.
    Console,
    /// A Taurus module accepted but not run (see [`IGNORED_TAURUS_MODULES`]).
    Ignored(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FinalStatsSettings {
    pub summary: bool,
    pub percentiles: bool,
    pub summary_labels: bool,
    pub failed_labels: bool,
    pub test_duration: bool,
    /// Relative paths resolve against the process's working directory, as in Taurus.
    pub dump_xml: Option<PathBuf>,
    pub dump_csv: Option<PathBuf>,
}

/// Taurus's code defaults.
impl Default for FinalStatsSettings {
    fn default() -> Self {
        Self {
            summary: true,
            percentiles: true,
            summary_labels: true,
            failed_labels: false,
            test_duration: true,
            dump_xml: None,
            dump_csv: None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JunitSource {
    SampleLabels,
    PassFail,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JunitSettings {
    pub filename: PathBuf,
    pub data_source: JunitSource,
}

impl Reporting {
    /// Reads `reporting`, `modules.html-report` and the executions' criteria of an effective
    /// config; relative default file names go under `artifacts_dir`. `test_id` is `$TEST_ID`, the
    /// `cloudwatch` module's default.
    pub fn from_config(
        effective: &Value,
        artifacts_dir: &Path,
        test_id: Option<String>,
    ) -> Result<Reporting, ConfigError> {
        let entries: Vec<(String, &Value)> = match &effective["reporting"] {
            Value::Null => Vec::new(),
            Value::Array(items) => items
                .iter()
                .enumerate()
                .map(|(i, e)| module_of(i, e))
                .collect::<Result<_, _>>()?,
            other => {
                return Err(module_err(
                    "reporting".into(),
                    format!("must be a list of modules, not {other}"),
                ));
            }
        };
        let mut modules = Vec::with_capacity(entries.len());
        let mut html_name = None;
        for (i, (name, settings)) in entries.iter().enumerate() {
            let path = format!("reporting.{i}");
            let module = typed(name, settings, &path, artifacts_dir, test_id.clone())?;
            if module == ReportModule::HtmlReport
                && let Some(p) = path_opt(settings, "filename")
            {
                html_name = Some(p);
            }
            modules.push(module);
        }
        let html_report = crate::truthy_or(effective.pointer("/modules/html-report/enabled"), true)
            .then(|| html_name.unwrap_or_else(|| artifacts_dir.join("report.html")));
        Ok(Reporting {
            modules,
            execution_criteria: execution_criteria(effective)?,
            html_report,
        })
    }

    /// The names of the accepted-but-ignored Taurus modules, for the run to warn about.
    pub fn ignored(&self) -> impl Iterator<Item = &str> {
        self.modules.iter().filter_map(|m| match m {
            ReportModule::Ignored(name) => Some(name.as_str()),
            _ => None,
        })
    }
}

fn module_err(path: String, message: String) -> ConfigError {
    ConfigError::Module { path, message }
}

fn module_of(index: usize, entry: &Value) -> Result<(String, &Value), ConfigError> {
    let path = format!("reporting.{index}");
    match entry {
        Value::String(s) => Ok((s.clone(), &Value::Null)),
        Value::Object(m) => match m.get("module").and_then(Value::as_str) {
            Some(name) => Ok((name.to_string(), entry)),
            None => Err(module_err(
                path,
                format!("entry {entry} has no 'module' key; write e.g. '- module: final-stats'"),
            )),
        },
        other => Err(module_err(
            path,
            format!("entry {other} is neither a module name nor a mapping with 'module'"),
        )),
    }
}

fn typed(
    name: &str,
    settings: &Value,
    path: &str,
    artifacts_dir: &Path,
    test_id: Option<String>,
) -> Result<ReportModule, ConfigError> {
    let flag = |key: &str, default: bool| crate::truthy_or(settings.get(key), default);
    Ok(match name {
        "final-stats" | "final_stats" => ReportModule::FinalStats(FinalStatsSettings {
            summary: flag("summary", true),
            percentiles: flag("percentiles", true),
            summary_labels: flag("summary-labels", true),
            failed_labels: flag("failed-labels", false),
            test_duration: flag("test-duration", true),
            dump_xml: path_opt(settings, "dump-xml"),
            dump_csv: path_opt(settings, "dump-csv"),
        }),
        "junit-xml" => ReportModule::JunitXml(JunitSettings {
            filename: path_opt(settings, "filename")
                .unwrap_or_else(|| artifacts_dir.join("xunit.xml")),
            data_source: match settings.get("data-source").and_then(Value::as_str) {
                None | Some("sample-labels") => JunitSource::SampleLabels,
                Some("pass-fail") => JunitSource::PassFail,
                Some(other) => {
                    return Err(module_err(
                        format!("{path}.data-source"),
                        format!(
                            "data-source {other:?} is not supported; use sample-labels or pass-fail"
                        ),
                    ));
                }
            },
        }),
        "passfail" | "pass-fail" => ReportModule::PassFail(criteria_at(
            settings.get("criteria").unwrap_or(&Value::Null),
            &format!("{path}.criteria"),
            "passfail criterion",
        )?),
        "kpi-jtl" => ReportModule::KpiJtl {
            filename: path_opt(settings, "filename")
                .unwrap_or_else(|| artifacts_dir.join("kpi.jtl")),
        },
        "html-report" => ReportModule::HtmlReport,
        "cloudwatch" => ReportModule::Cloudwatch(
            CloudwatchSettings::from_value(settings, test_id)
                .map_err(|e| module_err(path.to_string(), e.to_string()))?,
        ),
        "console" => ReportModule::Console,
        n if IGNORED_TAURUS_MODULES.contains(&n) => ReportModule::Ignored(n.to_string()),
        other => {
            return Err(module_err(
                path.to_string(),
                format!("unknown reporting module {other:?}; known: {KNOWN}"),
            ));
        }
    })
}

fn path_opt(settings: &Value, key: &str) -> Option<PathBuf> {
    settings
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
}

fn criteria_at(value: &Value, path: &str, what: &str) -> Result<Vec<CriterionSpec>, ConfigError> {
    parse_criteria(value).map_err(|(at, e)| {
        let path = if at.is_empty() {
            path.to_string()
        } else {
            format!("{path}.{at}")
        };
        module_err(path, format!("{what}: {e}"))
    })
}

fn execution_criteria(effective: &Value) -> Result<Vec<CriterionSpec>, ConfigError> {
    let mut out = Vec::new();
    for (i, exec) in effective["execution"]
        .as_array()
        .into_iter()
        .flatten()
        .enumerate()
    {
        if let Some(c) = exec.get("criteria") {
            out.extend(criteria_at(
                c,
                &format!("execution.{i}.criteria"),
                "execution criterion",
            )?);
        }
        if let Some(name) = exec.get("scenario").and_then(Value::as_str)
            && let Some(c) = effective["scenarios"][name].get("criteria")
        {
            out.extend(criteria_at(
                c,
                &format!("scenarios.{name}.criteria"),
                "scenario criterion",
            )?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: Value) -> Result<Reporting, ConfigError> {
        Reporting::from_config(&v, Path::new("/art"), Some("t1".into()))
    }

    #[test]
    fn modules_in_order_with_defaults_and_the_html_report() {
        let r = read(json!({"reporting": [
            "final-stats",
            {"module": "junit-xml", "data-source": "pass-fail"},
            {"module": "passfail", "criteria": ["avg-rt>1s"]},
            {"module": "html-report", "filename": "/tmp/r.html"},
            "blazemeter", "console", "kpi-jtl"]}))
        .unwrap();
        assert_eq!(r.modules.len(), 7);
        assert!(
            matches!(&r.modules[0], ReportModule::FinalStats(s) if s.summary && !s.failed_labels)
        );
        assert_eq!(
            r.modules[1],
            ReportModule::JunitXml(JunitSettings {
                filename: "/art/xunit.xml".into(),
                data_source: JunitSource::PassFail
            })
        );
        assert!(matches!(&r.modules[2], ReportModule::PassFail(c) if c.len() == 1));
        assert_eq!(r.html_report, Some(PathBuf::from("/tmp/r.html")));
        assert_eq!(r.ignored().collect::<Vec<_>>(), ["blazemeter"]);
        assert_eq!(
            r.modules[6],
            ReportModule::KpiJtl {
                filename: "/art/kpi.jtl".into()
            }
        );
        let off = read(json!({"modules": {"html-report": {"enabled": "false"}}})).unwrap();
        assert_eq!(off.html_report, None);
        let default = read(json!({})).unwrap();
        assert_eq!(default.html_report, Some(PathBuf::from("/art/report.html")));
    }

    #[test]
    fn errors_name_the_key_path_and_the_fix() {
        let e = read(json!({"reporting": ["final-stats", "no-such"]})).unwrap_err();
        assert_eq!(e.key_path(), Some("reporting.1"));
        assert!(e.to_string().contains("known: final-stats"), "{e}");
        let e =
            read(json!({"reporting": [{"module": "passfail", "criteria": ["p90>1s", "p90>>"]}]}))
                .unwrap_err();
        assert_eq!(e.key_path(), Some("reporting.0.criteria.1"));
        let e =
            read(json!({"reporting": [{"module": "junit-xml", "data-source": "x"}]})).unwrap_err();
        assert_eq!(e.key_path(), Some("reporting.0.data-source"));
        let e = read(json!({"reporting": [{"filename": "x"}]})).unwrap_err();
        assert!(e.to_string().contains("no 'module' key"), "{e}");
        let e = read(json!({"execution": [{"scenario": "s"}],
            "scenarios": {"s": {"criteria": ["avg-rt>10%"]}}}))
        .unwrap_err();
        assert_eq!(e.key_path(), Some("scenarios.s.criteria.0"));
        let e =
            Reporting::from_config(&json!({"reporting": ["cloudwatch"]}), Path::new("/a"), None)
                .unwrap_err();
        assert!(e.to_string().contains("TEST_ID"), "{e}");
    }
}
