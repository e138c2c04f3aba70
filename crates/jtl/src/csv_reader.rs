//! JMeter CSV results (`kpi.jtl`), read as Taurus's `JTLReader` does: columns located by header
//! name, delimiter sniffed from the header, labels with an ignored prefix dropped, exception
//! response codes shortened to the class name.

use super::JtlError;
use stampede_kpi::{Failure, FailureKind, Message, Rc, Sample};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(Clone, Debug)]
pub struct CsvOptions {
    /// Label prefixes to drop (`modules.consolidator.ignore-labels`, default `["ignore"]`).
    pub ignore_labels: Vec<String>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        Self {
            ignore_labels: vec!["ignore".into()],
        }
    }
}

/// `Non HTTP response code: java.net.UnknownHostException` → `UnknownHostException`.
pub fn shorten_rc(rc: &str) -> &str {
    if rc.ends_with("Exception") {
        rc.rsplit('.').next().unwrap_or(rc)
    } else {
        rc
    }
}

struct Columns {
    ts: usize,
    elapsed: usize,
    label: usize,
    rc: usize,
    success: usize,
    message: Option<usize>,
    bytes: Option<usize>,
    sent_bytes: Option<usize>,
    all_threads: Option<usize>,
    latency: Option<usize>,
    connect: Option<usize>,
    thread: Option<usize>,
}

pub struct JtlCsvReader {
    path: PathBuf,
    rows: csv::StringRecordsIntoIter<std::io::BufReader<std::fs::File>>,
    cols: Columns,
    opts: CsvOptions,
    source: u16,
    labels: HashMap<String, Arc<str>>,
    warnings: Vec<String>,
    negative: u64,
}

/// The delimiter of the header line: whichever of `,` `\t` `;` `|` occurs most (Python's sniffer
/// picks the same for JMeter's files).
fn sniff(header: &str) -> u8 {
    [b',', b'\t', b';', b'|']
        .into_iter()
        .max_by_key(|d| header.bytes().filter(|b| b == d).count())
        .expect("non-empty candidate list")
}

impl JtlCsvReader {
    pub fn open(path: &Path, opts: CsvOptions, source: u16) -> Result<Self, JtlError> {
        let io = |source| JtlError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut first = String::new();
        {
            use std::io::BufRead;
            let f = std::fs::File::open(path).map_err(io)?;
            std::io::BufReader::new(f)
                .read_line(&mut first)
                .map_err(io)?;
        }
        if first.trim().is_empty() {
            return Err(JtlError::Empty {
                path: path.to_path_buf(),
            });
        }
        let file = std::fs::File::open(path).map_err(io)?;
        let mut rdr = csv::ReaderBuilder::new()
            .delimiter(sniff(&first))
            .flexible(true)
            .from_reader(std::io::BufReader::new(file));
        let header = rdr
            .headers()
            .map_err(|e| JtlError::Row {
                path: path.to_path_buf(),
                line: 1,
                problem: e.to_string(),
            })?
            .clone();
        let cols = Columns::find(path, &header)?;
        Ok(Self {
            path: path.to_path_buf(),
            rows: rdr.into_records(),
            cols,
            opts,
            source,
            labels: HashMap::new(),
            warnings: Vec::new(),
            negative: 0,
        })
    }

    /// Warnings collected so far (negative elapsed times set to 0).
    pub fn take_warnings(&mut self) -> Vec<String> {
        if self.negative > 0 {
            self.warnings.push(format!(
                "{}: {} samples had a negative response time; counted as 0",
                self.path.display(),
                self.negative
            ));
            self.negative = 0;
        }
        std::mem::take(&mut self.warnings)
    }

    fn label(&mut self, raw: &str) -> Arc<str> {
        if let Some(l) = self.labels.get(raw) {
            return l.clone();
        }
        let l: Arc<str> = Arc::from(raw);
        // Bounded: past this many distinct labels the aggregator folds them anyway.
        if self.labels.len() < 10_000 {
            self.labels.insert(raw.to_string(), l.clone());
        }
        l
    }

    fn parse(&mut self, rec: &csv::StringRecord, line: u64) -> Result<Option<Sample>, JtlError> {
        let c = &self.cols;
        let row = Row {
            rec,
            path: &self.path,
            line,
        };
        let label_raw = row.field(c.label, "label")?;
        if self
            .opts
            .ignore_labels
            .iter()
            .any(|p| label_raw.starts_with(p.as_str()))
        {
            return Ok(None);
        }
        let ts = row.int(c.ts, "timeStamp")?;
        if ts < 0 {
            return Err(row.error(format!("timeStamp is {ts}; expected epoch milliseconds")));
        }
        let mut elapsed = row.int(c.elapsed, "elapsed")?;
        if elapsed < 0 {
            self.negative += 1;
            elapsed = 0;
        }
        let rc_raw = shorten_rc(row.field(c.rc, "responseCode")?);
        let rc = match rc_raw.parse::<u16>() {
            Ok(code) if code.to_string() == rc_raw => Rc::Http(code),
            _ => Rc::Text(Arc::from(rc_raw)),
        };
        let success = row.field(c.success, "success")?.trim() == "true";
        let message = c.message.and_then(|i| rec.get(i)).unwrap_or("");
        let failure = (!success).then(|| Failure {
            kind: FailureKind::Error,
            // A JTL row's message is any text: kept as it is.
            message: Message::Text(Arc::from(if message.is_empty() {
                "unknown error"
            } else {
                message
            })),
        });
        let thread = c
            .thread
            .and_then(|i| rec.get(i))
            .and_then(|t| t.rsplit('-').next())
            .and_then(|n| n.parse().ok())
            .unwrap_or(0);
        let ms_to_us = |v: i64| (v.max(0) as u64) * 1000;
        let sample = Sample {
            start_ms: ts as u64,
            label: Arc::from(""),
            elapsed_us: ms_to_us(elapsed),
            latency_us: ms_to_us(row.opt_int(c.latency, "Latency")?),
            connect_us: ms_to_us(row.opt_int(c.connect, "Connect")?),
            rc: Some(rc),
            failure,
            bytes: row.opt_int(c.bytes, "bytes")?.max(0) as u64,
            sent_bytes: row.opt_int(c.sent_bytes, "sentBytes")?.max(0) as u64,
            concurrency: row
                .opt_int(c.all_threads, "allThreads")?
                .clamp(0, i64::from(u32::MAX)) as u32,
            source: self.source,
            thread,
        };
        let label = self.label(label_raw);
        Ok(Some(Sample { label, ..sample }))
    }
}

/// One CSV row with the context for its errors.
struct Row<'a, 'p> {
    rec: &'a csv::StringRecord,
    path: &'p Path,
    line: u64,
}

impl<'a> Row<'a, '_> {
    fn error(&self, problem: String) -> JtlError {
        JtlError::Row {
            path: self.path.to_path_buf(),
            line: self.line,
            problem,
        }
    }

    fn field(&self, i: usize, name: &str) -> Result<&'a str, JtlError> {
        self.rec.get(i).ok_or_else(|| {
            self.error(format!(
                "the row has {} fields, no {name:?} value",
                self.rec.len()
            ))
        })
    }

    fn int(&self, i: usize, name: &str) -> Result<i64, JtlError> {
        let v = self.field(i, name)?.trim();
        v.parse::<i64>()
            .map_err(|_| self.error(format!("{name} is {v:?}, not a whole number")))
    }

    /// An optional column: missing or empty is 0.
    fn opt_int(&self, i: Option<usize>, name: &str) -> Result<i64, JtlError> {
        match i {
            Some(i) if self.rec.get(i).is_some_and(|v| !v.trim().is_empty()) => self.int(i, name),
            _ => Ok(0),
        }
    }
}

impl Iterator for JtlCsvReader {
    type Item = Result<Sample, JtlError>;

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            let rec = match self.rows.next()? {
                Ok(r) => r,
                Err(e) => {
                    let line = e.position().map_or(0, |p| p.line());
                    return Some(Err(JtlError::Row {
                        path: self.path.clone(),
                        line,
                        problem: e.to_string(),
                    }));
                }
            };
            let line = rec.position().map_or(0, |p| p.line());
            if rec.len() == 1 && rec.get(0).is_some_and(|f| f.trim().is_empty()) {
                continue;
            }
            match self.parse(&rec, line) {
                Ok(Some(s)) => return Some(Ok(s)),
                Ok(None) => continue,
                Err(e) => return Some(Err(e)),
            }
        }
    }
}

impl Columns {
    fn find(path: &Path, header: &csv::StringRecord) -> Result<Self, JtlError> {
        let pos = |name: &str| header.iter().position(|h| h.trim() == name);
        let need = |name: &'static str| {
            pos(name).ok_or_else(|| JtlError::MissingColumn {
                path: path.to_path_buf(),
                column: name,
                found: header.iter().collect::<Vec<_>>().join(","),
            })
        };
        Ok(Self {
            ts: need("timeStamp")?,
            elapsed: need("elapsed")?,
            label: need("label")?,
            rc: need("responseCode")?,
            success: need("success")?,
            message: pos("responseMessage"),
            bytes: pos("bytes"),
            sent_bytes: pos("sentBytes"),
            all_threads: pos("allThreads"),
            latency: pos("Latency"),
            connect: pos("Connect"),
            thread: pos("threadName"),
        })
    }
}
