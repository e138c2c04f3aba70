//! DLT's S3 key layout, and [`DirBlobs`]: the same keys as files under one directory.
//!
//! * `test-scenarios/<testId>-<region>.json`: the Taurus config a region's tasks run (DLT v3+);
//! * `results/<testId>/<testRunId>/<taskId>-<region>.xml`: a task's `final-stats` XML, with the
//!   histogram sidecar `….hist.json` next to it (`parser::sidecar`).

use std::fs;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use crate::ports::{BlobError, Blobs};

pub fn scenario_key(test_id: &str, region: &str) -> String {
    format!("test-scenarios/{test_id}-{region}.json")
}

/// The prefix under which a run's tasks write their results.
pub fn results_prefix(test_id: &str, run_id: &str) -> String {
    format!("results/{test_id}/{run_id}/")
}

pub fn test_prefix(test_id: &str) -> String {
    format!("results/{test_id}/")
}

/// The results XML key of task `task_id` in `region`.
pub fn results_key(prefix: &str, task_id: &str, region: &str) -> String {
    format!("{prefix}{task_id}-{region}.xml")
}

/// Blobs as files: key `a/b/c` is `<root>/a/b/c`.
pub struct DirBlobs {
    root: PathBuf,
}

impl DirBlobs {
    /// Uses `root`, creating it if needed.
    pub fn open(root: impl Into<PathBuf>) -> Result<Self, BlobError> {
        let root = root.into();
        fs::create_dir_all(&root).map_err(|source| BlobError::Io {
            key: String::new(),
            source,
        })?;
        Ok(DirBlobs { root })
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The file of `key`. Keys are relative paths of plain segments (no `..`, no empty segment), so
    /// a key can never name a file outside the root.
    pub fn path_of(&self, key: &str) -> Result<PathBuf, BlobError> {
        path_under(&self.root, key)
    }
}

/// `root/key`, refusing keys that could escape `root`. A trailing `/` (a prefix) is allowed.
pub fn path_under(root: &Path, key: &str) -> Result<PathBuf, BlobError> {
    let trimmed = key.strip_suffix('/').unwrap_or(key);
    let bad = trimmed.is_empty()
        || trimmed
            .split('/')
            .any(|s| s.is_empty() || s == "." || s == ".." || s.contains('\\') || s.contains('\0'));
    if bad {
        return Err(BlobError::BadKey { key: key.into() });
    }
    Ok(root.join(trimmed))
}

fn io(key: &str) -> impl FnOnce(std::io::Error) -> BlobError + '_ {
    move |source| BlobError::Io {
        key: key.into(),
        source,
    }
}

impl Blobs for DirBlobs {
    fn put(&self, key: &str, bytes: &[u8]) -> Result<(), BlobError> {
        let path = self.path_of(key)?;
        if let Some(dir) = path.parent() {
            fs::create_dir_all(dir).map_err(io(key))?;
        }
        // Write then rename, so a reader never sees half a file.
        let tmp = path.with_extension("part");
        fs::write(&tmp, bytes).map_err(io(key))?;
        fs::rename(&tmp, &path).map_err(io(key))
    }

    fn get(&self, key: &str) -> Result<Option<Vec<u8>>, BlobError> {
        match fs::read(self.path_of(key)?) {
            Ok(bytes) => Ok(Some(bytes)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(io(key)(e)),
        }
    }

    fn list(&self, prefix: &str) -> Result<Vec<String>, BlobError> {
        // Walk from the deepest directory the prefix names, then filter by the full prefix.
        let dir_part = prefix.rsplit_once('/').map_or("", |(d, _)| d);
        let start = if dir_part.is_empty() {
            self.root.clone()
        } else {
            self.path_of(dir_part)?
        };
        let mut keys = Vec::new();
        walk(&start, dir_part, &mut keys).map_err(io(prefix))?;
        keys.retain(|k| k.starts_with(prefix) && !k.ends_with(".part"));
        keys.sort();
        Ok(keys)
    }

    fn delete_prefix(&self, prefix: &str) -> Result<(), BlobError> {
        for key in self.list(prefix)? {
            match fs::remove_file(self.path_of(&key)?) {
                Err(e) if e.kind() != ErrorKind::NotFound => return Err(io(&key)(e)),
                _ => {}
            }
        }
        Ok(())
    }
}

fn walk(dir: &Path, key_dir: &str, out: &mut Vec<String>) -> std::io::Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let key = if key_dir.is_empty() {
            name
        } else {
            format!("{key_dir}/{name}")
        };
        if entry.file_type()?.is_dir() {
            walk(&entry.path(), &key, out)?;
        } else {
            out.push(key);
        }
    }
    Ok(())
}
