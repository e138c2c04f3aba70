//! `junit-xml` (Taurus `JUnitXMLReporter`): one testcase per label (`sample-labels`) or per
//! pass/fail criterion (`pass-fail`), written with lxml's layout.

use super::passfail::SharedCriteria;
use super::{ReportError, Reporter};
use parser::write::{escape_attr, escape_text};
use stampede_kpi::{ErrorKind, FailureKind};
use stampede_log::Log;
use stampede_stats::Summary;
use std::borrow::Cow;
use std::fmt::Write;
use std::path::PathBuf;

/// The rc as JMeter's error.jtl records it, which Taurus's junit-xml prints: a transport error's
/// short class (`ConnectException`, the KPI rc) becomes `Non HTTP response code: java.net.ConnectException`.
/// Codes already in that form (replayed error.jtl) and HTTP codes are kept.
fn response_code(rc: &str) -> Cow<'_, str> {
    ErrorKind::from_rc_name(rc).map_or(Cow::Borrowed(rc), |k| Cow::Owned(k.response_code()))
}

pub enum JunitSource {
    SampleLabels,
    /// The criteria of every passfail reporter, in config order.
    PassFail(Vec<SharedCriteria>),
}

pub struct JunitXml {
    path: PathBuf,
    source: JunitSource,
    /// Taurus uses `"bzt-" + str(hash(writer))`, an arbitrary per-run number.
    classname: String,
    /// See [`super::BuildOptions::jmeter_error_codes`].
    pub jmeter_error_codes: bool,
}

impl JunitXml {
    pub fn new(path: PathBuf, source: JunitSource) -> Self {
        let n: u64 = rand::random::<u64>() % 10_000_000_000_000;
        Self {
            path,
            source,
            classname: format!("bzt-{n}"),
            jmeter_error_codes: false,
        }
    }

    fn sample_labels(&self, summary: &Summary) -> String {
        let labels = summary.sorted_labels();
        let cases = labels.into_iter().map(|(label, set)| {
            let mut body = String::new();
            for e in &set.errors {
                let (tag, kind) = match e.kind {
                    FailureKind::Assertion => ("failure", "Assertion Failure"),
                    _ => ("error", "Error"),
                };
                let rc = match e.rc.as_deref() {
                    None => "None".into(),
                    Some(rc) if self.jmeter_error_codes => response_code(rc),
                    Some(rc) => Cow::Borrowed(rc),
                };
                let text = format!(
                    "{}\n(status code is {rc})\n(total errors of this type: {})",
                    e.msg, e.cnt
                );
                let _ = writeln!(
                    body,
                    "      <{tag} message=\"{}\" type=\"{kind}\">{}</{tag}>",
                    escape_attr(&e.msg),
                    escape_text(&text)
                );
            }
            (label.to_string(), body)
        });
        self.document("sample_labels", cases.collect())
    }

    fn pass_fail(&self, criteria: &[SharedCriteria]) -> String {
        let mut cases = Vec::new();
        for shared in criteria {
            let list = shared.lock().expect("passfail state lock");
            for c in list.iter() {
                let body = if c.triggered && c.spec.fail {
                    format!(
                        "      <error message=\"{}\" type=\"pass/fail criteria triggered\"/>\n",
                        escape_attr(&c.describe())
                    )
                } else {
                    String::new()
                };
                cases.push((c.junit_name(), body));
            }
        }
        self.document("bzt_pass_fail", cases)
    }

    fn document(&self, suite: &str, cases: Vec<(String, String)>) -> String {
        let mut out = String::from("<?xml version='1.0' encoding='UTF-8'?>\n<testsuites>\n");
        if cases.is_empty() {
            let _ = writeln!(out, "  <testsuite name=\"{suite}\" package_name=\"bzt\"/>");
        } else {
            let _ = writeln!(out, "  <testsuite name=\"{suite}\" package_name=\"bzt\">");
            for (name, body) in cases {
                let open = format!(
                    "    <testcase classname=\"{}\" name=\"{}\"",
                    self.classname,
                    escape_attr(&name)
                );
                if body.is_empty() {
                    let _ = writeln!(out, "{open}/>");
                } else {
                    let _ = write!(out, "{open}>\n{body}    </testcase>\n");
                }
            }
            out.push_str("  </testsuite>\n");
        }
        out.push_str("</testsuites>\n");
        out
    }
}

impl Reporter for JunitXml {
    fn name(&self) -> &str {
        "junit-xml"
    }

    fn finish(&mut self, summary: &Summary, log: &mut dyn Log) -> Result<bool, ReportError> {
        let xml = match &self.source {
            JunitSource::SampleLabels => {
                if summary.is_empty() {
                    log.warn("Skipping JUnit XML report: no samples were aggregated");
                    return Ok(false);
                }
                self.sample_labels(summary)
            }
            JunitSource::PassFail(criteria) => self.pass_fail(criteria),
        };
        log.info(&format!(
            "Writing JUnit XML report into: {}",
            self.path.display()
        ));
        let err = |source| ReportError::Write {
            path: self.path.clone(),
            source,
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        if self.path.exists() {
            log.warn(&format!(
                "File {} already exists, it will be overwritten",
                self.path.display()
            ));
        }
        std::fs::write(&self.path, xml).map_err(err)?;
        Ok(false)
    }
}
