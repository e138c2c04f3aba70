//! JMeter result files: the CSV `kpi.jtl` reader and the XML `error.jtl` reader that
//! Taurus's `external-results-loader` uses, producing [`Sample`]s and error details for the
//! aggregator, and the `kpi.jtl` writer. [`replay`] feeds files through the same pipeline a live
//! test uses, so `results.xml`/`results.csv` come out byte-identical to Taurus's for the same files.

mod csv_reader;
mod error_reader;
mod writer;

pub use csv_reader::{CsvOptions, JtlCsvReader, shorten_rc};
pub use error_reader::read_errors;
pub use writer::KpiJtlWriter;

use stampede_log::Log;
use stampede_report::{Finished, Pipeline};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum JtlError {
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(
        "{path}: the header has no {column:?} column (found: {found}); is this a JMeter CSV results file?"
    )]
    MissingColumn {
        path: PathBuf,
        column: &'static str,
        found: String,
    },
    #[error("{path}, line {line}: {problem}; fix or remove the row")]
    Row {
        path: PathBuf,
        line: u64,
        problem: String,
    },
    #[error(
        "execution {execution} (external-results-loader) has no data-file; set it in the execution or its scenario"
    )]
    NoDataFile { execution: usize },
    #[error("{path}: the file is empty (no header row)")]
    Empty { path: PathBuf },
    #[error("{path}: not a JMeter XML results file at byte {position}: {message}")]
    Xml {
        path: PathBuf,
        position: u64,
        message: String,
    },
}

const FLUSH_EVERY_ROWS: u64 = 10_000;

/// One `external-results-loader` execution: `data-file` and optional `errors-file`.
#[derive(Clone, Debug)]
pub struct ReplaySource {
    pub data_file: PathBuf,
    pub errors_file: Option<PathBuf>,
    /// Which execution this is; concurrency is summed over sources.
    pub source: u16,
    pub csv: CsvOptions,
}

/// Replays result files through the pipeline (reporters see every sample and datapoint, then post-process).
pub fn replay(
    sources: &[ReplaySource],
    mut pipeline: Pipeline,
    log: &mut dyn Log,
) -> Result<Finished, JtlError> {
    feed(sources, &mut pipeline, log)?;
    Ok(pipeline.finish(log))
}

/// Feeds every row of the result files into the pipeline (without post-processing); returns the
/// number of samples.
pub fn feed(
    sources: &[ReplaySource],
    pipeline: &mut Pipeline,
    log: &mut dyn Log,
) -> Result<u64, JtlError> {
    let mut details = stampede_stats::ErrorsBuffer::default();
    let mut have_details = false;
    for src in sources {
        if let Some(errors) = &src.errors_file {
            read_errors(errors, &mut details)?;
            have_details = true;
        }
    }
    if have_details {
        pipeline.aggregator_mut().set_error_details(details);
    }
    let mut rows = 0u64;
    for src in sources {
        let mut reader = JtlCsvReader::open(&src.data_file, src.csv.clone(), src.source)?;
        for sample in reader.by_ref() {
            pipeline.sample(&sample?);
            rows += 1;
            // Taurus reads a growing file in chunks and aggregates between them; flushing every
            // so many rows keeps memory bounded for long files the same way.
            if rows.is_multiple_of(FLUSH_EVERY_ROWS) {
                pipeline.tick(0);
            }
        }
        for line in reader.take_warnings() {
            log.warn(&line);
        }
    }
    // Every row is in: emit what the buffer rule allows, then the rest at finish.
    pipeline.tick(0);
    Ok(rows)
}

/// The `external-results-loader` executions of a plan as replay sources: `data-file` and
/// `errors-file` from the execution or its scenario, relative to the config file's directory;
/// `modules.consolidator.ignore-labels` applies.
pub fn sources_from_plan(plan: &stampede_config::Plan) -> Result<Vec<ReplaySource>, JtlError> {
    let ignore = match &plan.effective["modules"]["consolidator"]["ignore-labels"] {
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        serde_json::Value::String(s) => vec![s.clone()],
        _ => CsvOptions::default().ignore_labels,
    };
    let mut out = Vec::new();
    for exec in plan
        .executions
        .iter()
        .filter(|e| e.executor == "external-results-loader")
    {
        let raw = &plan.effective["execution"][exec.index];
        let key = |k: &str| {
            raw.get(k)
                .or_else(|| exec.scenario.get(k))
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
                .map(|s| exec.base_dir.join(s))
        };
        let data_file = key("data-file").ok_or(JtlError::NoDataFile {
            execution: exec.index,
        })?;
        out.push(ReplaySource {
            data_file,
            errors_file: key("errors-file"),
            source: exec.index as u16,
            csv: CsvOptions {
                ignore_labels: ignore.clone(),
            },
        });
    }
    Ok(out)
}

/// Taurus's message when a run produced no samples; the run logs it and exits 1.
pub fn empty_results_message(execution: &str, artifacts_dir: &std::path::Path) -> String {
    format!(
        "Empty results, most likely {execution} failed. Actual reason for this can be found in logs under {}",
        artifacts_dir.display()
    )
}
