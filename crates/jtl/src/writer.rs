//! `kpi.jtl`: one CSV row per sample in the column layout Taurus asks JMeter for (plus `sentBytes`,
//! as JMeter 5 writes it), so JMeter tooling and Taurus's own `external-results-loader` read it.
//! Off by default: it is the only artifact whose size grows with the test (see `report::build`).

use stampede_kpi::{Rc, Sample};
use stampede_log::Log;
use stampede_report::{ReportError, Reporter};
use stampede_stats::Summary;
use std::io::Write;
use std::path::{Path, PathBuf};

pub const HEADER: &str = "timeStamp,elapsed,label,responseCode,responseMessage,threadName,success,bytes,sentBytes,grpThreads,allThreads,Latency,Hostname,Connect";

pub struct KpiJtlWriter {
    path: PathBuf,
    out: Option<std::io::BufWriter<std::fs::File>>,
    /// The first write error; later rows are dropped and `finish` reports it.
    failed: Option<std::io::Error>,
    hostname: String,
}

impl KpiJtlWriter {
    /// Creates the file and writes the header now, so an unwritable path is reported up front.
    pub fn create(path: &Path) -> Result<Self, ReportError> {
        let err = |source| ReportError::Write {
            path: path.to_path_buf(),
            source,
        };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(err)?;
        }
        let file = std::fs::File::create(path).map_err(err)?;
        let mut out = std::io::BufWriter::new(file);
        writeln!(out, "{HEADER}").map_err(err)?;
        Ok(Self {
            path: path.to_path_buf(),
            out: Some(out),
            failed: None,
            hostname: hostname(),
        })
    }

    fn row(&self, s: &Sample) -> String {
        let (code, reason) = match &s.rc {
            Some(Rc::Http(c)) => (
                c.to_string(),
                http::StatusCode::from_u16(*c)
                    .ok()
                    .and_then(|c| c.canonical_reason())
                    .unwrap_or("")
                    .to_string(),
            ),
            Some(Rc::Transport(kind)) => (kind.rc_name().to_string(), String::new()),
            Some(Rc::Text(t)) => (t.to_string(), String::new()),
            None => (String::new(), String::new()),
        };
        let message = s.failure.as_ref().map_or(reason, |f| f.message.to_string());
        let fields = [
            s.start_ms.to_string(),
            (s.elapsed_us / 1000).to_string(),
            s.label.to_string(),
            code,
            message,
            format!("stampede {}-{}", u32::from(s.source) + 1, s.thread),
            s.is_success().to_string(),
            s.bytes.to_string(),
            s.sent_bytes.to_string(),
            s.concurrency.to_string(),
            s.concurrency.to_string(),
            (s.latency_us / 1000).to_string(),
            self.hostname.clone(),
            (s.connect_us / 1000).to_string(),
        ];
        let mut line = fields
            .iter()
            .map(|f| csv_field(f))
            .collect::<Vec<_>>()
            .join(",");
        line.push('\n');
        line
    }
}

/// Quotes a field when needed, doubling inner quotes (JMeter's CSV dialect).
fn csv_field(f: &str) -> std::borrow::Cow<'_, str> {
    if f.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", f.replace('"', "\"\"")).into()
    } else {
        f.into()
    }
}

fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

impl Reporter for KpiJtlWriter {
    fn name(&self) -> &str {
        "kpi-jtl"
    }

    fn sample(&mut self, s: &Sample) {
        if self.failed.is_some() {
            return;
        }
        let row = self.row(s);
        if let Some(out) = self.out.as_mut()
            && let Err(e) = out.write_all(row.as_bytes())
        {
            self.failed = Some(e);
        }
    }

    fn finish(&mut self, _summary: &Summary, log: &mut dyn Log) -> Result<bool, ReportError> {
        if let Some(mut out) = self.out.take()
            && let Err(e) = out.flush()
        {
            self.failed.get_or_insert(e);
        }
        if let Some(source) = self.failed.take() {
            return Err(ReportError::Write {
                path: self.path.clone(),
                source,
            });
        }
        log.debug(&format!("Samples written to {}", self.path.display()));
        Ok(false)
    }
}
