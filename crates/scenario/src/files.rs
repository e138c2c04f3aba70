//! Where a relative data file (`data-sources`, `upload-files`, `body-file`) is found: Taurus's
//! `Engine.find_file`. The path as given, relative to the working directory, first; then each
//! loaded config file's directory in load order ([`crate::CompileContext::search_path`]); then,
//! beyond Taurus, the directory of the config file that defined the scenario (an included config's
//! directory is not on Taurus's path, but Stampede always looked there and keeps doing so).
//!
//! `body-file` is searched the same way, although Taurus+JMeter does not search it (JMeter opens it
//! relative to its working directory and fails every sample when it is not there): the working
//! directory still comes first, so every file JMeter finds is the one sent, and a file only next to
//! the config is used with a warning instead of a test whose samples all fail.

use super::error::Problem;
use std::path::{Path, PathBuf};

/// The directories a relative file is looked up in, in order.
#[derive(Debug, Clone, Default)]
pub struct FileSearch {
    dirs: Vec<PathBuf>,
    /// Whether `dirs[0]` is the working directory (a file found there is "as given", no warning).
    cwd_first: bool,
}

/// A file found on the search path.
#[derive(Debug, PartialEq, Eq)]
pub struct Found {
    pub path: PathBuf,
    /// Found in a config directory rather than as given: Taurus logs
    /// `Guessed location from search paths for …`.
    pub guessed: bool,
}

impl FileSearch {
    /// `search_path` is the plan's (working directory first), `base_dir` the defining config's
    /// directory. An empty `search_path` (plans built by hand) searches `base_dir` only.
    pub fn new(search_path: &[PathBuf], base_dir: &Path) -> FileSearch {
        let mut dirs = search_path.to_vec();
        if !dirs.iter().any(|d| d == base_dir) {
            dirs.push(base_dir.to_path_buf());
        }
        FileSearch {
            dirs,
            cwd_first: !search_path.is_empty(),
        }
    }

    /// The first existing `dir/given`; else [`Problem::NotFound`] listing every place tried.
    pub fn find(&self, role: &'static str, given: &str) -> Result<Found, Problem> {
        let mut tried: Vec<PathBuf> = Vec::with_capacity(self.dirs.len());
        for (i, dir) in self.dirs.iter().enumerate() {
            let path = dir.join(given);
            if tried.contains(&path) {
                continue;
            }
            if path.exists() {
                let guessed = i > 0 || !self.cwd_first;
                return Ok(Found { path, guessed });
            }
            tried.push(path);
        }
        Err(Problem::NotFound {
            role,
            given: given.to_string(),
            tried,
        })
    }

    /// [`FileSearch::find`], with Taurus's warning when the file was not where the path says.
    pub fn find_warn(
        &self,
        role: &'static str,
        given: &str,
        warnings: &mut Vec<String>,
    ) -> Result<PathBuf, Problem> {
        let found = self.find(role, given)?;
        if found.guessed && self.cwd_first {
            let mut w = format!(
                "Guessed location from search paths for {given}: {}",
                found.path.display()
            );
            if role == "body-file" {
                w.push_str(
                    " (Taurus+JMeter does not search body-file: JMeter would open it relative to \
                     the working directory and fail every sample with FileNotFoundException)",
                );
            }
            warnings.push(w);
        }
        Ok(found.path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn working_directory_first_then_config_dirs_then_base() {
        let root = tempfile::tempdir().unwrap();
        let (cwd, cfg, base) = (
            root.path().join("cwd"),
            root.path().join("cfg"),
            root.path().join("base"),
        );
        for d in [&cwd, &cfg, &base] {
            std::fs::create_dir_all(d).unwrap();
        }
        let search = FileSearch::new(&[cwd.clone(), cfg.clone()], &base);
        std::fs::write(base.join("u.csv"), "b").unwrap();
        assert_eq!(
            search.find("data-sources", "u.csv").unwrap(),
            Found {
                path: base.join("u.csv"),
                guessed: true
            }
        );
        std::fs::write(cfg.join("u.csv"), "c").unwrap();
        assert_eq!(search.find("x", "u.csv").unwrap().path, cfg.join("u.csv"));
        std::fs::write(cwd.join("u.csv"), "w").unwrap();
        let found = search.find("x", "u.csv").unwrap();
        assert_eq!((found.path, found.guessed), (cwd.join("u.csv"), false));

        let mut warnings = Vec::new();
        let err = search
            .find_warn("data-sources", "nope/u.csv", &mut warnings)
            .unwrap_err();
        let Problem::NotFound { tried, .. } = &err else {
            panic!("{err}")
        };
        let want: Vec<PathBuf> = [&cwd, &cfg, &base]
            .iter()
            .map(|d| d.join("nope/u.csv"))
            .collect();
        assert_eq!(tried, &want);
        assert!(warnings.is_empty());
    }

    #[test]
    fn hand_built_plans_search_the_config_directory_only() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.txt"), "x").unwrap();
        let search = FileSearch::new(&[], dir.path());
        let mut warnings = Vec::new();
        let path = search
            .find_warn("body-file", "b.txt", &mut warnings)
            .unwrap();
        assert_eq!(path, dir.path().join("b.txt"));
        assert!(warnings.is_empty(), "{warnings:?}");
    }
}
