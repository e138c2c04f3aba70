//! DLT's `FILE_TYPE=zip` for JMeter tests: the archive holds the plan, its data files and plugins.
//! It is unpacked into the work directory with zip-slip protection (an entry that would land
//! outside it is refused) and size limits (entries, bytes per file, bytes in all), then the first
//! `.jmx` in archive order is the plan, as DLT's `find . -name "*.jmx" | head -n 1`.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Bounds on what an archive may unpack to.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_entries: usize,
    pub max_file_bytes: u64,
    pub max_total_bytes: u64,
}

impl Default for Limits {
    /// 10,000 entries, 512 MiB per file, 2 GiB in all.
    fn default() -> Self {
        Limits {
            max_entries: 10_000,
            max_file_bytes: 512 << 20,
            max_total_bytes: 2 << 30,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum UnzipError {
    #[error("not a zip archive: {0}")]
    Archive(#[from] zip::result::ZipError),
    #[error("entry {name:?} would be written outside the work directory; refusing the archive")]
    UnsafePath { name: String },
    #[error("the archive has more than {max} entries")]
    TooManyEntries { max: usize },
    #[error("entry {name:?} unpacks to more than {max} bytes")]
    FileTooLarge { name: String, max: u64 },
    #[error("the archive unpacks to more than {max} bytes")]
    TooLarge { max: u64 },
    #[error("the archive has no .jmx plan")]
    NoPlan,
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// Unpacks `bytes` under `dest`; returns the plan's path relative to `dest`.
pub fn extract(bytes: &[u8], dest: &Path, limits: Limits) -> Result<PathBuf, UnzipError> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes))?;
    if archive.len() > limits.max_entries {
        return Err(UnzipError::TooManyEntries {
            max: limits.max_entries,
        });
    }
    let (mut total, mut plan) = (0u64, None);
    for i in 0..archive.len() {
        let mut entry = archive.by_index(i)?;
        let name = entry.name()?.to_string();
        // `enclosed_name` rejects absolute paths and `..` that climb out of the directory.
        let rel = entry
            .enclosed_name()
            .ok_or_else(|| UnzipError::UnsafePath { name: name.clone() })?;
        let path = dest.join(&rel);
        let write = |source| UnzipError::Write {
            path: path.clone(),
            source,
        };
        if entry.is_dir() {
            std::fs::create_dir_all(&path).map_err(write)?;
            continue;
        }
        // Declared sizes can lie: read at most one byte past the limit.
        let mut data = Vec::new();
        (&mut entry)
            .take(limits.max_file_bytes + 1)
            .read_to_end(&mut data)
            .map_err(write)?;
        if data.len() as u64 > limits.max_file_bytes {
            let max = limits.max_file_bytes;
            return Err(UnzipError::FileTooLarge { name, max });
        }
        total += data.len() as u64;
        if total > limits.max_total_bytes {
            let max = limits.max_total_bytes;
            return Err(UnzipError::TooLarge { max });
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(write)?;
        }
        std::fs::write(&path, &data).map_err(write)?;
        let is_plan = rel
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("jmx"));
        if is_plan && plan.is_none() {
            plan = Some(rel);
        }
    }
    plan.ok_or(UnzipError::NoPlan)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn archive(entries: &[(&str, &[u8])]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default();
        for (name, data) in entries {
            w.start_file(*name, opts).unwrap();
            w.write_all(data).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    #[test]
    fn the_first_plan_is_found_and_files_keep_their_folders() {
        let dir = tempfile::tempdir().unwrap();
        let zip = archive(&[
            ("data/users.csv", b"id\n1\n"),
            ("tests/a.jmx", b"<a/>"),
            ("b.jmx", b"<b/>"),
        ]);
        let plan = extract(&zip, dir.path(), Limits::default()).unwrap();
        assert_eq!(plan, Path::new("tests/a.jmx"));
        assert_eq!(
            std::fs::read(dir.path().join("data/users.csv")).unwrap(),
            b"id\n1\n"
        );
    }

    #[test]
    fn entries_escaping_the_directory_and_oversized_archives_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let evil = archive(&[("../evil.jmx", b"<x/>")]);
        let err = extract(&evil, &dir.path().join("w"), Limits::default()).unwrap_err();
        assert!(matches!(err, UnzipError::UnsafePath { .. }), "{err}");
        assert!(!dir.path().join("evil.jmx").exists());
        let big = archive(&[("a.jmx", &[b'x'; 100])]);
        let small = Limits {
            max_file_bytes: 99,
            ..Limits::default()
        };
        let err = extract(&big, dir.path(), small).unwrap_err();
        assert!(matches!(err, UnzipError::FileTooLarge { .. }), "{err}");
        let few = Limits {
            max_total_bytes: 50,
            ..Limits::default()
        };
        assert!(matches!(
            extract(&big, dir.path(), few),
            Err(UnzipError::TooLarge { .. })
        ));
        let none = archive(&[("readme.txt", b"hi")]);
        assert!(matches!(
            extract(&none, dir.path(), Limits::default()),
            Err(UnzipError::NoPlan)
        ));
    }
}
