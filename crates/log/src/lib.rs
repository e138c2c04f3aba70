//! Taurus-style console and log lines: `%H:%M:%S LEVEL: message` (local time), which DLT's CloudWatch
//! metric filters and `load-test.sh` parse. Every module that talks to the user logs through [`Log`],
//! so the console, `bzt.log` in the artifacts dir and the DLT line prefix are handled in one place.

use std::fmt;
use std::io::Write;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Debug,
    Info,
    Warning,
    Error,
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warning => "WARNING",
            Level::Error => "ERROR",
        })
    }
}

/// Where log records go. `msg` may span lines (tables); the prefix is written once, as Taurus does.
pub trait Log: Send {
    fn log(&mut self, level: Level, msg: &str);

    fn info(&mut self, msg: &str) {
        self.log(Level::Info, msg);
    }
    fn warn(&mut self, msg: &str) {
        self.log(Level::Warning, msg);
    }
    fn error(&mut self, msg: &str) {
        self.log(Level::Error, msg);
    }
    fn debug(&mut self, msg: &str) {
        self.log(Level::Debug, msg);
    }
}

/// Formats one record as Taurus's console does: `HH:MM:SS LEVEL: msg\n`.
pub fn format_line(time: chrono::NaiveTime, level: Level, msg: &str) -> String {
    format!("{} {level}: {msg}\n", time.format("%H:%M:%S"))
}

/// Formats one record as Taurus writes `bzt.log` (`[%(asctime)s %(levelname)s %(name)s] %(message)s`).
/// Taurus's logger names follow its modules; Stampede has one engine, so every record is `Engine`'s.
pub fn file_line(at: chrono::NaiveDateTime, level: Level, msg: &str) -> String {
    format!(
        "[{} {level} Engine] {msg}\n",
        at.format("%Y-%m-%d %H:%M:%S,%3f")
    )
}

/// The console (stdout for INFO and up, or everything with `verbose`), plus an optional log file that
/// gets every record, plus an optional prefix on console lines (DLT: `TEST_ID live=true `).
pub struct ConsoleLog {
    pub min_console: Level,
    pub prefix: Option<String>,
    pub file: Option<std::fs::File>,
    pub quiet: bool,
}

impl ConsoleLog {
    pub fn new(verbose: bool, quiet: bool, prefix: Option<String>) -> Self {
        Self {
            min_console: if verbose { Level::Debug } else { Level::Info },
            prefix,
            file: None,
            quiet,
        }
    }
}

impl Log for ConsoleLog {
    fn log(&mut self, level: Level, msg: &str) {
        let now = chrono::Local::now();
        let line = format_line(now.time(), level, msg);
        if let Some(f) = self.file.as_mut() {
            let _ = f.write_all(file_line(now.naive_local(), level, msg).as_bytes());
        }
        let show = level >= self.min_console && (!self.quiet || level >= Level::Warning);
        if show {
            let mut out = std::io::stdout().lock();
            if let Some(p) = &self.prefix {
                let _ = out.write_all(p.as_bytes());
            }
            let _ = out.write_all(line.as_bytes());
            let _ = out.flush();
        }
    }
}

/// Collects records in memory (tests, and reporters whose output is checked).
#[derive(Debug, Default)]
pub struct MemoryLog {
    pub records: Vec<(Level, String)>,
}

impl Log for MemoryLog {
    fn log(&mut self, level: Level, msg: &str) {
        self.records.push((level, msg.to_string()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_as_taurus_writes_them() {
        let at = chrono::NaiveDate::from_ymd_opt(2026, 11, 22)
            .unwrap()
            .and_hms_milli_opt(10, 52, 27, 367)
            .unwrap();
        assert_eq!(
            file_line(at, Level::Info, "Artifacts dir: /tmp/a"),
            "[2026-11-22 10:52:27,367 INFO Engine] Artifacts dir: /tmp/a\n"
        );
        assert_eq!(
            format_line(at.time(), Level::Warning, "Automated shutdown"),
            "10:52:27 WARNING: Automated shutdown\n"
        );
    }
}
