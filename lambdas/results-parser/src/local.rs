//! `results-parser local FILE... [--dlt v1|v4]`: DLT's parser on local files, no AWS needed.

use std::path::{Path, PathBuf};

use parser::dlt::{self, Era, TaskResult};
use parser::sidecar::{self, Sidecar};
use serde_json::Value;

#[derive(Debug, thiserror::Error)]
pub enum LocalError {
    #[error("usage: results-parser local FILE.xml... [--dlt v1|v4]")]
    Usage,
    #[error("{0}")]
    BadEra(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Xml {
        path: PathBuf,
        source: parser::read::ReadError,
    },
    #[error("{path}: {source}")]
    Dlt {
        path: PathBuf,
        source: dlt::DltError,
    },
    #[error("{path}: {source}")]
    Sidecar {
        path: PathBuf,
        source: sidecar::SidecarError,
    },
    #[error(transparent)]
    Aggregate(dlt::DltError),
}

/// The parsed command line of `local`.
#[derive(Debug, PartialEq)]
pub struct Args {
    pub files: Vec<PathBuf>,
    pub era: Era,
}

pub fn parse_args(args: &[String]) -> Result<Args, LocalError> {
    let mut files = Vec::new();
    let mut era = Era::V4;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--dlt" => {
                era = it
                    .next()
                    .ok_or(LocalError::Usage)?
                    .parse()
                    .map_err(LocalError::BadEra)?
            }
            s if s.starts_with("--dlt=") => {
                era = s["--dlt=".len()..].parse().map_err(LocalError::BadEra)?
            }
            s if s.starts_with('-') => return Err(LocalError::Usage),
            s => files.push(PathBuf::from(s)),
        }
    }
    if files.is_empty() {
        return Err(LocalError::Usage);
    }
    Ok(Args { files, era })
}

/// `{"tasks": [...], "final": {...}}` for the files; `final` carries `exact` when every file has a
/// `NAME.hist.json` sidecar next to it.
pub fn run(args: &Args) -> Result<Value, LocalError> {
    let mut tasks: Vec<TaskResult> = Vec::new();
    let mut sidecars: Vec<Option<Sidecar>> = Vec::new();
    for path in &args.files {
        let io = |source| LocalError::Io {
            path: path.clone(),
            source,
        };
        let text = std::fs::read_to_string(path).map_err(io)?;
        let fs = parser::read::from_str(&text).map_err(|source| LocalError::Xml {
            path: path.clone(),
            source,
        })?;
        tasks.push(
            dlt::task_result(&fs, args.era).map_err(|source| LocalError::Dlt {
                path: path.clone(),
                source,
            })?,
        );
        sidecars.push(read_sidecar(path)?);
    }
    let mut report = dlt::local_report(&tasks, args.era).map_err(LocalError::Aggregate)?;
    if sidecars.iter().all(Option::is_some) {
        let merged = sidecar::merge(sidecars.iter().flatten());
        if let Some(Value::Object(fin)) = report.get_mut("final") {
            dlt::attach_exact(fin, &merged);
        }
    }
    Ok(report)
}

fn read_sidecar(xml: &Path) -> Result<Option<Sidecar>, LocalError> {
    let path = PathBuf::from(sidecar::key_for_xml(&xml.to_string_lossy()));
    match std::fs::read_to_string(&path) {
        Ok(text) => sidecar::from_str(&text)
            .map(Some)
            .map_err(|source| LocalError::Sidecar { path, source }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(LocalError::Io { path, source }),
    }
}
