//! CSV `data-sources`, shared by every user of an execution like JMeter's CSV Data Set ("all threads"):
//! each user takes the next row at the start of each iteration through one atomic cursor.

use super::error::Problem;
use super::vars::Vars;
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// A CSV data source (JMeter's CSV Data Set Config); also the full form of a YAML `data-sources`
/// item (a string is `{path: ...}`).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "kebab-case", deny_unknown_fields)]
pub struct CsvSpec {
    /// Relative to the directory given to [`DataSource::load`].
    pub path: String,
    /// One character or `tab`; `None` = sniffed from the file among `,` `;` and tab.
    pub delimiter: Option<String>,
    #[serde(default)]
    pub quoted: bool,
    /// Start again at the end of the file (`None` = yes); else the user stops.
    #[serde(rename = "loop")]
    pub loop_: Option<bool>,
    /// Comma-separated names; `None` = the file's first line.
    pub variable_names: Option<String>,
    pub encoding: Option<String>,
    #[serde(default)]
    pub random_order: bool,
}

#[derive(Debug)]
pub struct DataSource {
    names: Vec<Box<str>>,
    rows: Vec<Vec<Box<str>>>,
    recycle: bool,
    cursor: AtomicU64,
    /// Each user reads the file from its own cursor (JMeter's sharing mode "Current thread").
    per_user: bool,
}

impl CsvSpec {
    /// A file with the defaults (sniffed delimiter, header line, recycled).
    pub fn path(path: &str) -> CsvSpec {
        CsvSpec {
            path: path.to_string(),
            delimiter: None,
            quoted: false,
            loop_: None,
            variable_names: None,
            encoding: None,
            random_order: false,
        }
    }
}

impl DataSource {
    /// Reads the whole file now: rows are shared by every user of the execution.
    pub fn load(raw: &CsvSpec, base_dir: &Path) -> Result<DataSource, Problem> {
        DataSource::load_file(raw, base_dir.join(&raw.path))
    }

    /// As [`DataSource::load`], from `path` already resolved (`raw.path` is named in errors).
    pub(crate) fn load_file(raw: &CsvSpec, path: PathBuf) -> Result<DataSource, Problem> {
        let bytes = std::fs::read(&path).map_err(|source| Problem::File {
            role: "data-sources: CSV file",
            path,
            source,
        })?;
        let bad = |reason: String, fix: &'static str| Problem::Data {
            path: raw.path.clone(),
            reason,
            fix,
        };
        let text = decode(&bytes, raw.encoding.as_deref()).map_err(|reason| {
            bad(
                reason,
                "set `encoding` to the file's charset (utf-8, latin1...)",
            )
        })?;
        let delimiter = match raw.delimiter.as_deref() {
            None | Some("") => sniff(&text),
            Some("tab") | Some("\\t") | Some("\t") => b'\t',
            Some(d) if d.len() == 1 => d.as_bytes()[0],
            Some(d) => {
                return Err(bad(
                    format!("delimiter {d:?} is not one character"),
                    "write one character (or `tab`)",
                ));
            }
        };
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .delimiter(delimiter)
            .quoting(raw.quoted)
            .flexible(true)
            .from_reader(text.as_bytes());
        let mut rows: Vec<Vec<Box<str>>> = Vec::new();
        for (n, rec) in rdr.records().enumerate() {
            let rec = rec.map_err(|e| {
                bad(
                    format!("line {}: {e}", n + 1),
                    "fix the line, or set `quoted` to match the file",
                )
            })?;
            rows.push(rec.iter().map(Into::into).collect());
        }
        let names: Vec<Box<str>> = match raw.variable_names.as_deref().map(str::trim) {
            Some(v) if !v.is_empty() => v.split(',').map(|s| s.trim().into()).collect(),
            _ => {
                if rows.is_empty() {
                    return Err(bad(
                        "the file is empty and no variable-names are given".into(),
                        "add a header line or set `variable-names`",
                    ));
                }
                rows.remove(0)
            }
        };
        if rows.is_empty() {
            return Err(bad("no data rows".into(), "add at least one line of data"));
        }
        if raw.random_order {
            use rand::seq::SliceRandom;
            rows.shuffle(&mut rand::rng());
        }
        Ok(DataSource {
            names,
            rows,
            // Taurus: `loop` defaults to true in load mode.
            recycle: raw.loop_.unwrap_or(true),
            cursor: AtomicU64::new(0),
            per_user: false,
        })
    }

    /// Every user reads the whole file from its first row, with a cursor of its own.
    pub fn per_user(mut self) -> DataSource {
        self.per_user = true;
        self
    }

    /// Takes the next row into `vars`; false at end of file when not recycling (the user must stop).
    /// `own` is the user's cursor, used by a [`DataSource::per_user`] source.
    pub fn next_into(&self, vars: &mut Vars, own: &mut u64) -> bool {
        let n = if self.per_user {
            *own += 1;
            *own - 1
        } else {
            self.cursor.fetch_add(1, Ordering::Relaxed)
        };
        let len = self.rows.len() as u64;
        let idx = if self.recycle {
            n % len
        } else if n < len {
            n
        } else {
            return false;
        };
        let row = &self.rows[idx as usize];
        for (i, name) in self.names.iter().enumerate() {
            // JMeter leaves missing trailing columns empty.
            vars.set(name, row.get(i).map(|s| &**s).unwrap_or(""));
        }
        true
    }
}

/// The text, or why it cannot be read (the caller names the file).
fn decode(bytes: &[u8], encoding: Option<&str>) -> Result<String, String> {
    let enc = match encoding {
        None => encoding_rs::UTF_8,
        Some(label) => encoding_rs::Encoding::for_label(label.trim().as_bytes())
            .ok_or_else(|| format!("unknown encoding {label:?}"))?,
    };
    let (text, _, had_errors) = enc.decode(bytes);
    if had_errors {
        return Err(format!("the file is not valid {}", enc.name()));
    }
    Ok(text.into_owned())
}

/// Taurus sniffs the first 4 KB among `,` `;` and tab (fallback `,`): pick the candidate that appears
/// the same non-zero number of times on the most lines.
fn sniff(text: &str) -> u8 {
    let head = &text[..text.floor_char_boundary(4096)];
    let lines: Vec<&str> = head.lines().filter(|l| !l.is_empty()).take(20).collect();
    let mut best = (b',', 0usize);
    for cand in [b',', b';', b'\t'] {
        let counts: Vec<usize> = lines
            .iter()
            .map(|l| l.bytes().filter(|&b| b == cand).count())
            .collect();
        let Some(&first) = counts.first() else {
            continue;
        };
        if first == 0 {
            continue;
        }
        let consistent = counts.iter().filter(|&&c| c == first).count();
        if consistent > best.1 {
            best = (cand, consistent);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(content: &str, raw: CsvSpec) -> (tempfile::TempDir, DataSource) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(&raw.path), content).unwrap();
        let ds = DataSource::load(&raw, dir.path()).unwrap();
        (dir, ds)
    }

    fn raw(path: &str) -> CsvSpec {
        CsvSpec {
            path: path.into(),
            delimiter: None,
            quoted: false,
            loop_: None,
            variable_names: None,
            encoding: None,
            random_order: false,
        }
    }

    #[test]
    fn header_line_names_and_recycling() {
        let (_d, ds) = source("user,pass\nann,1\nbob,2\n", raw("u.csv"));
        let mut v = Vars::default();
        for want in ["ann", "bob", "ann"] {
            assert!(ds.next_into(&mut v, &mut 0));
            assert_eq!(v.get("user"), Some(want));
        }
    }

    #[test]
    fn no_loop_stops_at_eof_and_variable_names() {
        let mut r = raw("u.csv");
        r.loop_ = Some(false);
        r.variable_names = Some("a, b".into());
        let (_d, ds) = source("1;x\n2;y\n", r);
        let mut v = Vars::default();
        assert!(ds.next_into(&mut v, &mut 0));
        assert_eq!((v.get("a"), v.get("b")), (Some("1"), Some("x")));
        assert!(ds.next_into(&mut v, &mut 0));
        assert!(!ds.next_into(&mut v, &mut 0));
    }

    #[test]
    fn sniffs_delimiters_and_reads_quotes_and_encodings() {
        assert_eq!(sniff("a;b;c\n1;2;3\n"), b';');
        assert_eq!(sniff("a\tb\n1\t2\n"), b'\t');
        assert_eq!(sniff("single\n"), b',');
        let mut r = raw("q.csv");
        r.quoted = true;
        let (_d, ds) = source("name,note\n\"Doe, J\",\"x\"\n", r);
        let mut v = Vars::default();
        ds.next_into(&mut v, &mut 0);
        assert_eq!(v.get("name"), Some("Doe, J"));
        let mut r = raw("l.csv");
        r.encoding = Some("latin1".into());
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("l.csv"), b"n\ncaf\xe9\n").unwrap();
        let ds = DataSource::load(&r, dir.path()).unwrap();
        ds.next_into(&mut v, &mut 0);
        assert_eq!(v.get("n"), Some("café"));
    }

    #[test]
    fn short_rows_leave_missing_columns_empty() {
        let mut r = raw("s.csv");
        r.variable_names = Some("a,b,c".into());
        let (_d, ds) = source("1,2\n", r);
        let mut v = Vars::default();
        ds.next_into(&mut v, &mut 0);
        assert_eq!(
            (v.get("a"), v.get("b"), v.get("c")),
            (Some("1"), Some("2"), Some(""))
        );
    }

    #[test]
    fn a_utf8_bom_does_not_leak_into_the_first_name() {
        let (_d, ds) = source("\u{feff}user\nann\n", raw("bom.csv"));
        let mut v = Vars::default();
        ds.next_into(&mut v, &mut 0);
        assert_eq!(v.get("user"), Some("ann"));
    }

    #[test]
    fn missing_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let e = DataSource::load(&raw("nope.csv"), dir.path()).unwrap_err();
        assert!(e.to_string().contains("nope.csv"), "{e}");
    }

    #[test]
    fn shared_cursor_hands_each_row_once_across_threads() {
        let mut r = raw("n.csv");
        r.loop_ = Some(false);
        let content: String = std::iter::once("n\n".to_string())
            .chain((0..1000).map(|i| format!("{i}\n")))
            .collect();
        let (_d, ds) = source(&content, r);
        let seen = std::sync::Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| {
                    let mut v = Vars::default();
                    while ds.next_into(&mut v, &mut 0) {
                        seen.lock()
                            .unwrap()
                            .push(v.get("n").unwrap().parse::<u32>().unwrap());
                    }
                });
            }
        });
        let mut seen = seen.into_inner().unwrap();
        seen.sort_unstable();
        assert_eq!(seen, (0..1000).collect::<Vec<_>>());
    }

    #[test]
    fn per_user_sources_give_every_user_the_whole_file() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("u.csv"), "name\na\nb\n").unwrap();
        let mut spec = CsvSpec::path("u.csv");
        spec.loop_ = Some(false);
        let ds = DataSource::load(&spec, dir.path()).unwrap().per_user();
        let (mut first, mut second) = (0, 0);
        let mut v = Vars::default();
        assert!(ds.next_into(&mut v, &mut first));
        assert_eq!(v.get("name"), Some("a"));
        assert!(ds.next_into(&mut v, &mut second));
        assert_eq!(
            v.get("name"),
            Some("a"),
            "the second user starts at the first row"
        );
        assert!(ds.next_into(&mut v, &mut first));
        assert_eq!(v.get("name"), Some("b"));
        assert!(
            !ds.next_into(&mut v, &mut first),
            "end of file for that user only"
        );
        assert!(ds.next_into(&mut v, &mut second));
    }
}
