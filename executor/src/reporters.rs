//! Builds the reporters from the plan's typed `reporting` list, in config order (the order decides
//! post-process log order and what `junit-xml` sees from `passfail`, as in Taurus). The settings
//! were validated when the plan was built (`stampede_config::reporting`); building only opens files
//! and starts the CloudWatch sender.

use stampede_config::Plan;
use stampede_config::reporting::{CloudwatchMode, JunitSource as Source, ReportModule, Reporting};
use stampede_report::FinalStats;
use stampede_report::HtmlReport;
use stampede_report::passfail::{Criterion, PassFail, SharedCriteria};
use stampede_report::{JunitSource, JunitXml};
use stampede_report::{ReportError, Reporter};
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct BuildOptions {
    /// junit-xml shows transport errors' rc as JMeter's error.jtl has it
    /// (`Non HTTP response code: java.net.ConnectException`): true when every execution is JMeter's,
    /// false for replayed kpi.jtl and apiritif-style runs, whose Taurus readers keep the short class.
    pub jmeter_error_codes: bool,
}

/// The reporters for the plan's `reporting`, plus the HTML report.
pub fn build(plan: &Plan) -> Result<Vec<Box<dyn Reporter>>, ReportError> {
    let opts = BuildOptions {
        jmeter_error_codes: plan.executions.iter().all(|e| e.executor == "jmeter"),
    };
    build_with(&plan.reporting, &opts)
}

fn pass_fail(specs: &[stampede_config::criteria::CriterionSpec]) -> PassFail {
    PassFail::new(specs.iter().cloned().map(Criterion::new).collect())
}

pub fn build_with(
    reporting: &Reporting,
    opts: &BuildOptions,
) -> Result<Vec<Box<dyn Reporter>>, ReportError> {
    // Passfail state is made first so that junit-xml (pass-fail) can list every criterion.
    let mut passfails: Vec<Option<PassFail>> = reporting
        .modules
        .iter()
        .map(|m| match m {
            ReportModule::PassFail(specs) => Some(pass_fail(specs)),
            _ => None,
        })
        .collect();
    let extra = &reporting.execution_criteria;
    let extra_pf = (!extra.is_empty()).then(|| pass_fail(extra));
    let shared: Vec<SharedCriteria> = passfails
        .iter()
        .flatten()
        .chain(extra_pf.iter())
        .map(PassFail::shared)
        .collect();

    let html = reporting.html_report.as_deref();
    let mut out: Vec<Box<dyn Reporter>> = Vec::new();
    for (i, module) in reporting.modules.iter().enumerate() {
        if let Some(pf) = passfails[i].take() {
            out.push(Box::new(pf));
            continue;
        }
        if let Some(r) = reporter(module, &shared, html, opts)? {
            out.push(r);
        }
    }
    if let Some(pf) = extra_pf {
        out.push(Box::new(pf));
    }
    if let Some(p) = html {
        out.push(Box::new(HtmlReport::new(p.to_path_buf())));
    }
    Ok(out)
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

/// The reporter of one module; `None` for those that need none (`console`, `html-report`, whose
/// report is added once at the end, and `passfail`, made beforehand).
fn reporter(
    module: &ReportModule,
    passfail: &[SharedCriteria],
    html: Option<&Path>,
    opts: &BuildOptions,
) -> Result<Option<Box<dyn Reporter>>, ReportError> {
    let reporter: Box<dyn Reporter> = match module {
        ReportModule::FinalStats(s) => Box::new(FinalStats::new(s.clone())),
        ReportModule::JunitXml(s) => {
            let source = match s.data_source {
                Source::SampleLabels => JunitSource::SampleLabels,
                Source::PassFail => JunitSource::PassFail(passfail.to_vec()),
            };
            let mut junit = JunitXml::new(s.filename.clone(), source);
            junit.jmeter_error_codes = opts.jmeter_error_codes;
            Box::new(junit)
        }
        ReportModule::KpiJtl { filename } => {
            Box::new(stampede_jtl::KpiJtlWriter::create(filename)?)
        }
        ReportModule::Cloudwatch(settings) => {
            let output = match settings.mode {
                CloudwatchMode::Api => stampede_cloudwatch::Output::Api(None),
                CloudwatchMode::Emf => {
                    stampede_cloudwatch::Output::Emf(Box::new(std::io::stdout()))
                }
            };
            Box::new(stampede_cloudwatch::CloudWatchReporter::new(
                settings.clone(),
                output,
            ))
        }
        ReportModule::Ignored(name) => Box::new(Ignored {
            name: name.clone(),
            instead: html.map(Path::to_path_buf),
        }),
        ReportModule::Console | ReportModule::HtmlReport | ReportModule::PassFail(_) => {
            return Ok(None);
        }
    };
    Ok(Some(reporter))
}
