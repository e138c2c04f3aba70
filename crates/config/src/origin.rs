//! Where each part of the merged config came from: which file (or `-o` override) wrote an
//! execution item, a scenario or a top-level section. Relative paths are resolved with it, and
//! errors about a value name the file that holds it.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value};

use super::error::ConfigError;

#[derive(Default)]
pub(crate) struct Origins {
    /// Directories of every loaded file, in load order (Taurus's `find_file` search path).
    pub dirs: Vec<PathBuf>,
    /// The file that last defined each scenario.
    pub scenarios: HashMap<String, PathBuf>,
    /// Directory of the last file that defined `execution`.
    pub execution: Option<PathBuf>,
    /// The file of each execution item, by index after merging (lists concatenate across files).
    items: Vec<PathBuf>,
    /// The last file that defined each top-level section.
    sections: HashMap<String, PathBuf>,
    /// `-o` overrides, in order: (key path, the whole spec).
    overrides: Vec<(String, String)>,
    /// Files under it are named relative to it, as the user most likely typed them.
    cwd: PathBuf,
}

fn bare(key: &str) -> &str {
    key.trim_start_matches(['~', '$', '^'])
}

impl Origins {
    pub fn new(cwd: &Path) -> Self {
        Origins {
            cwd: cwd.to_path_buf(),
            ..Origins::default()
        }
    }

    fn show(&self, file: &Path) -> String {
        file.strip_prefix(&self.cwd)
            .unwrap_or(file)
            .display()
            .to_string()
    }

    pub fn record(&mut self, file: &Path, doc: &Map<String, Value>) {
        let dir = file.parent().unwrap_or(Path::new("/"));
        if !self.dirs.iter().any(|d| d == dir) {
            self.dirs.push(dir.to_path_buf());
        }
        for (key, value) in doc {
            let key = bare(key);
            self.sections.insert(key.to_string(), file.to_path_buf());
            match (key, value) {
                ("scenarios", Value::Object(s)) => {
                    for name in s.keys() {
                        self.scenarios
                            .insert(bare(name).to_string(), file.to_path_buf());
                    }
                }
                ("execution", items) => {
                    self.execution = Some(dir.to_path_buf());
                    match items {
                        Value::Array(list) => {
                            self.items.extend(list.iter().map(|_| file.to_path_buf()))
                        }
                        // A mapping (or a replacing `~execution`) is one item.
                        _ => self.items = vec![file.to_path_buf()],
                    }
                }
                _ => {}
            }
        }
    }

    /// The directory a scenario's relative paths start from.
    pub fn scenario_dir(&self, name: &str) -> Option<PathBuf> {
        self.scenarios
            .get(name)
            .map(|f| f.parent().unwrap_or(Path::new("/")).to_path_buf())
    }

    pub fn record_override(&mut self, spec: &str) {
        let key = spec.split_once('=').map_or(spec, |(k, _)| k).trim();
        self.overrides.push((key.to_string(), spec.to_string()));
    }

    /// Where the value at `path` (`execution.0.concurrency`, `scenarios.s1.requests`) was written:
    /// the last `-o` that set it or a key above it, else the file of its execution item, scenario or
    /// section.
    pub fn describe(&self, path: &str) -> Option<String> {
        let covers = |key: &str| {
            path == key
                || path.starts_with(&format!("{key}."))
                || key.starts_with(&format!("{path}."))
        };
        if let Some((_, spec)) = self.overrides.iter().rev().find(|(k, _)| covers(k)) {
            return Some(format!("from -o {spec}"));
        }
        let mut parts = path.split('.');
        let file = match (parts.next(), parts.next()) {
            (Some("execution"), Some(i)) => i
                .parse::<usize>()
                .ok()
                .and_then(|i| self.items.get(i))
                .or_else(|| self.sections.get("execution")),
            (Some("scenarios"), Some(name)) => self
                .scenarios
                .get(name)
                .or_else(|| self.sections.get("scenarios")),
            (Some(section), _) => self.sections.get(section),
            _ => None,
        }?;
        Some(format!("in {}", self.show(file)))
    }

    /// Adds where the offending value came from to an error about the config's content.
    pub fn locate(&self, err: ConfigError, fallback_path: Option<&str>) -> ConfigError {
        if matches!(err, ConfigError::At { .. }) {
            return err;
        }
        let path = err
            .key_path()
            .map(str::to_string)
            .or(fallback_path.map(str::to_string));
        match path.and_then(|p| self.describe(&p)) {
            Some(origin) => ConfigError::At {
                origin,
                source: Box::new(err),
            },
            None => err,
        }
    }
}
