//! Builds the reporters from the effective config's `reporting` list, in config order (the order
//! decides post-process log order and what `junit-xml` sees from `passfail`, as in Taurus).
//!
//! Stampede's additions, both opt-in or opt-out through the same list:
//! - `- module: kpi-jtl` (optional `filename`, default `<artifacts>/kpi.jtl`): per-sample CSV in
//!   JMeter's layout. Off by default: it is the only report whose size grows with the test.
//! - the HTML report, `<artifacts>/report.html`, on by default; `- module: html-report` sets its
//!   `filename`, `modules.html-report.enabled: false` turns it off.

use serde_json::Value;
use stampede_config::Plan;
use stampede_report::HtmlReport;
use stampede_report::passfail::{PassFail, SharedCriteria, parse_criteria};
use stampede_report::{FinalStats, FinalStatsOptions};
use stampede_report::{JunitSource, JunitXml};
use stampede_report::{ReportError, Reporter};
use std::path::{Path, PathBuf};

/// Taurus reporters we accept but do not run: they send data elsewhere and change nothing that
/// is measured, so a warning is enough.
const IGNORED_TAURUS_MODULES: &[&str] = &[
    "blazemeter",
    "influxdb-reporter",
    "influxdb",
    "screen",
    "monitoring",
    "functional-consolidator",
];

/// A builder for a reporting module that lives elsewhere (e.g. `cloudwatch`), consulted before the
/// built-in ones: return `None` when the module is not yours.
pub type CustomModule<'a> =
    &'a dyn Fn(&str, &Value, &Path) -> Option<Result<Box<dyn Reporter>, ReportError>>;

#[derive(Default)]
pub struct BuildOptions<'a> {
    pub custom: Option<CustomModule<'a>>,
    /// junit-xml shows transport errors' rc as JMeter's error.jtl has it
    /// (`Non HTTP response code: java.net.ConnectException`): true when every execution is JMeter's,
    /// false for replayed kpi.jtl and apiritif-style runs, whose Taurus readers keep the short class.
    pub jmeter_error_codes: bool,
}

/// The reporters for `plan.effective["reporting"]`, plus the HTML report.
pub fn build(plan: &Plan, artifacts_dir: &Path) -> Result<Vec<Box<dyn Reporter>>, ReportError> {
    let opts = BuildOptions {
        jmeter_error_codes: plan.executions.iter().all(|e| e.executor == "jmeter"),
        ..BuildOptions::default()
    };
    build_with(&plan.effective, artifacts_dir, &opts)
}

fn module_of(entry: &Value) -> Result<(String, Value), ReportError> {
    match entry {
        Value::String(s) => Ok((s.clone(), Value::Object(Default::default()))),
        Value::Object(m) => match m.get("module").and_then(Value::as_str) {
            Some(name) => Ok((name.to_string(), entry.clone())),
            None => Err(ReportError::Config {
                module: "reporting".into(),
                message: format!("entry {entry} has no 'module' key"),
            }),
        },
        other => Err(ReportError::Config {
            module: "reporting".into(),
            message: format!("entry {other} is neither a module name nor a mapping"),
        }),
    }
}

fn flag(settings: &Value, key: &str, default: bool) -> bool {
    match settings.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => {
            matches!(s.to_ascii_lowercase().as_str(), "true" | "yes" | "on" | "1")
        }
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0),
        _ => default,
    }
}

fn path_opt(settings: &Value, key: &str) -> Option<PathBuf> {
    settings
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(PathBuf::from)
}

/// Criteria from `execution[].criteria` and the scenarios they use, which Taurus attaches to the
/// executor. Stampede evaluates them like global criteria (on the overall data filtered by label).
fn execution_criteria(
    effective: &Value,
) -> Result<Vec<stampede_report::passfail::Criterion>, ReportError> {
    let mut out = Vec::new();
    for exec in effective["execution"].as_array().into_iter().flatten() {
        if let Some(c) = exec.get("criteria") {
            out.extend(parse_criteria(c)?);
        }
        if let Some(name) = exec.get("scenario").and_then(Value::as_str)
            && let Some(c) = effective["scenarios"][name].get("criteria")
        {
            out.extend(parse_criteria(c)?);
        }
    }
    Ok(out)
}

pub fn build_with(
    effective: &Value,
    artifacts_dir: &Path,
    opts: &BuildOptions<'_>,
) -> Result<Vec<Box<dyn Reporter>>, ReportError> {
    let entries: Vec<(String, Value)> = match &effective["reporting"] {
        Value::Null => Vec::new(),
        Value::Array(items) => items.iter().map(module_of).collect::<Result<_, _>>()?,
        other => {
            return Err(ReportError::Config {
                module: "reporting".into(),
                message: format!("must be a list of modules, not {other}"),
            });
        }
    };
    // Passfail state is made first so that junit-xml (pass-fail) can list every criterion.
    let mut passfails: Vec<Option<PassFail>> = entries
        .iter()
        .map(|(name, s)| match name.as_str() {
            "passfail" | "pass-fail" => {
                parse_criteria(&s["criteria"]).map(|c| Some(PassFail::new(c)))
            }
            _ => Ok(None),
        })
        .collect::<Result<_, _>>()?;
    let extra = execution_criteria(effective)?;
    let extra_pf = (!extra.is_empty()).then(|| PassFail::new(extra));
    let shared: Vec<SharedCriteria> = passfails
        .iter()
        .flatten()
        .chain(extra_pf.iter())
        .map(PassFail::shared)
        .collect();

    let html_path = html_report_path(effective, &entries, artifacts_dir);
    let mut out: Vec<Box<dyn Reporter>> = Vec::new();
    for (i, (name, settings)) in entries.iter().enumerate() {
        if let Some(custom) = opts.custom
            && let Some(r) = custom(name, settings, artifacts_dir)
        {
            out.push(r?);
            continue;
        }
        match name.as_str() {
            "passfail" | "pass-fail" => {
                out.push(Box::new(passfails[i].take().expect("built above")));
            }
            "html-report" => {}
            _ => out.extend(builtin(
                name,
                settings,
                artifacts_dir,
                &shared,
                html_path.as_deref(),
                opts,
            )?),
        }
    }
    if let Some(pf) = extra_pf {
        out.push(Box::new(pf));
    }
    if let Some(p) = html_path {
        out.push(Box::new(HtmlReport::new(p)));
    }
    Ok(out)
}

/// Where the HTML report goes: `<artifacts>/report.html`, or the last `html-report` entry's
/// `filename`; `None` when `modules.html-report.enabled` is false.
fn html_report_path(
    effective: &Value,
    entries: &[(String, Value)],
    artifacts_dir: &Path,
) -> Option<PathBuf> {
    if !flag(&effective["modules"]["html-report"], "enabled", true) {
        return None;
    }
    let named = entries
        .iter()
        .rev()
        .find(|(name, _)| name == "html-report")
        .and_then(|(_, settings)| path_opt(settings, "filename"));
    Some(named.unwrap_or_else(|| artifacts_dir.join("report.html")))
}

/// Reporting modules that are accepted but not run, for the run to warn about.
pub fn ignored_modules(effective: &Value) -> Vec<String> {
    effective["reporting"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| module_of(e).ok())
        .map(|(n, _)| n)
        .filter(|n| IGNORED_TAURUS_MODULES.contains(&n.as_str()))
        .collect()
}

/// A Taurus reporting module Stampede accepts but does not run; says so at post-process, with
/// what the user gets instead.
struct Ignored {
    name: String,
    instead: Option<PathBuf>,
}

impl Reporter for Ignored {
    fn name(&self) -> &str {
        &self.name
    }

    fn finish(
        &mut self,
        _summary: &stampede_stats::Summary,
        log: &mut dyn stampede_log::Log,
    ) -> Result<bool, ReportError> {
        let instead = match (&self.instead, self.name.as_str()) {
            (Some(html), "blazemeter") => format!(
                "; no online report was sent to BlazeMeter: the local HTML report is {}",
                html.display()
            ),
            (Some(html), _) => format!("; the local HTML report is {}", html.display()),
            (None, _) => String::new(),
        };
        log.warn(&format!(
            "Reporting module '{}' is not supported by Stampede and was ignored{instead}",
            self.name
        ));
        Ok(false)
    }
}

/// The other built-in modules; `None` for those that need no reporter (`console`).
fn builtin(
    name: &str,
    settings: &Value,
    artifacts_dir: &Path,
    passfail: &[SharedCriteria],
    html: Option<&Path>,
    opts: &BuildOptions<'_>,
) -> Result<Option<Box<dyn Reporter>>, ReportError> {
    let reporter: Box<dyn Reporter> = match name {
        "final-stats" | "final_stats" => Box::new(FinalStats::new(FinalStatsOptions {
            summary: flag(settings, "summary", true),
            percentiles: flag(settings, "percentiles", true),
            summary_labels: flag(settings, "summary-labels", true),
            failed_labels: flag(settings, "failed-labels", false),
            test_duration: flag(settings, "test-duration", true),
            dump_xml: path_opt(settings, "dump-xml"),
            dump_csv: path_opt(settings, "dump-csv"),
        })),
        "junit-xml" => {
            let path =
                path_opt(settings, "filename").unwrap_or_else(|| artifacts_dir.join("xunit.xml"));
            let source = match settings.get("data-source").and_then(Value::as_str) {
                None | Some("sample-labels") => JunitSource::SampleLabels,
                Some("pass-fail") => JunitSource::PassFail(passfail.to_vec()),
                Some(other) => {
                    return Err(ReportError::Config {
                        module: "junit-xml".into(),
                        message: format!(
                            "data-source {other:?} is not supported; use sample-labels or pass-fail"
                        ),
                    });
                }
            };
            let mut junit = JunitXml::new(path, source);
            junit.jmeter_error_codes = opts.jmeter_error_codes;
            Box::new(junit)
        }
        "kpi-jtl" => {
            let path =
                path_opt(settings, "filename").unwrap_or_else(|| artifacts_dir.join("kpi.jtl"));
            Box::new(stampede_jtl::KpiJtlWriter::create(&path)?)
        }
        "cloudwatch" => {
            stampede_cloudwatch::reporter(settings).map_err(|e| ReportError::Config {
                module: "cloudwatch".into(),
                message: e.to_string(),
            })?
        }
        // The live per-second line and display belong to the run loop (`run::Progress`).
        "console" => return Ok(None),
        n if IGNORED_TAURUS_MODULES.contains(&n) => Box::new(Ignored {
            name: n.to_string(),
            instead: html.map(Path::to_path_buf),
        }),
        other => {
            return Err(ReportError::Config {
                module: other.into(),
                message: "unknown reporting module; known: final-stats, console, junit-xml, passfail, kpi-jtl, html-report (blazemeter and influxdb-reporter are accepted and ignored)".into(),
            });
        }
    };
    Ok(Some(reporter))
}
