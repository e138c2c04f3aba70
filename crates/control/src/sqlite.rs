//! The embedded store: one SQLite file. Items are kept as their JSON (DLT's shapes, extra fields
//! included) next to the few columns queries need, so a new field never needs a migration.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OptionalExtension, params};

use crate::model::{RunItem, RunPage, RunQuery, Status, TestItem};
use crate::ports::{Store, StoreError};

const SCHEMA: &str = "
PRAGMA journal_mode = WAL;
PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS tests (
    test_id TEXT PRIMARY KEY,
    start_time TEXT,
    item TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    test_id TEXT NOT NULL REFERENCES tests(test_id) ON DELETE CASCADE,
    run_id TEXT NOT NULL,
    start_time TEXT NOT NULL,
    status TEXT NOT NULL,
    item TEXT NOT NULL,
    PRIMARY KEY (test_id, run_id)
);
CREATE INDEX IF NOT EXISTS runs_by_start ON runs (test_id, start_time);
CREATE TABLE IF NOT EXISTS histograms (
    run_id TEXT PRIMARY KEY,
    sidecar TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS timelines (
    run_id TEXT NOT NULL,
    second INTEGER NOT NULL,
    body TEXT NOT NULL,
    PRIMARY KEY (run_id, second)
);
CREATE TABLE IF NOT EXISTS baselines (
    test_id TEXT PRIMARY KEY REFERENCES tests(test_id) ON DELETE CASCADE,
    run_id TEXT NOT NULL
);
";

/// Why a run that was active when the store was last closed is now `failed`.
pub const INTERRUPTED: &str =
    "the hub stopped while this run was active; its tasks were not watched to the end";

/// [`Store`] over one SQLite file.
pub struct SqliteStore {
    conn: Mutex<Connection>,
    recovered: Vec<(String, String)>,
    /// Held while the store is open: a second process would mark this one's runs failed.
    _lock: std::fs::File,
}

fn backend(e: rusqlite::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, text: &str) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::Corrupt {
        what: what.into(),
        reason: e.to_string(),
    })
}

fn encode<T: serde::Serialize>(item: &T) -> String {
    serde_json::to_string(item).expect("items are plain JSON values")
}

impl SqliteStore {
    /// Opens (or creates) the store at `path`. Runs a previous process left active are marked
    /// `failed` with [`INTERRUPTED`], and so are their tests; see [`SqliteStore::recovered`].
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let lock = lock_next_to(path)?;
        let conn = Connection::open(path).map_err(|e| {
            StoreError::Backend(format!(
                "cannot open the SQLite store {}: {e}",
                path.display()
            ))
        })?;
        conn.execute_batch(SCHEMA).map_err(backend)?;
        let mut store = SqliteStore {
            conn: Mutex::new(conn),
            recovered: Vec::new(),
            _lock: lock,
        };
        store.recovered = store.fail_interrupted()?;
        Ok(store)
    }

    /// `(testId, testRunId)` of the runs that [`SqliteStore::open`] marked failed.
    pub fn recovered(&self) -> &[(String, String)] {
        &self.recovered
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite inconsistent: each call is one statement
        // or one transaction.
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn fail_interrupted(&self) -> Result<Vec<(String, String)>, StoreError> {
        let active: Vec<String> = {
            let conn = self.conn();
            let mut stmt = conn
                .prepare(
                    "SELECT item FROM runs WHERE status NOT IN ('complete','cancelled','failed')",
                )
                .map_err(backend)?;
            stmt.query_map([], |r| r.get(0))
                .map_err(backend)?
                .collect::<Result<_, _>>()
                .map_err(backend)?
        };
        let mut out = Vec::new();
        for text in active {
            let mut run: RunItem = decode("run", &text)?;
            run.status = Status::Failed;
            run.error_reason = Some(INTERRUPTED.into());
            self.put_run(&run)?;
            if let Some(mut test) = self.get_test(&run.test_id)?
                && !test.status.is_settled()
            {
                test.status = Status::Failed;
                test.error_reason = Some(INTERRUPTED.into());
                self.put_test(&test)?;
            }
            out.push((run.test_id, run.run_id));
        }
        Ok(out)
    }
}

/// An exclusive lock on `<path>.lock`, so only one process uses the store at a time.
fn lock_next_to(path: &Path) -> Result<std::fs::File, StoreError> {
    let mut lock_path = path.as_os_str().to_owned();
    lock_path.push(".lock");
    let lock_path = std::path::PathBuf::from(lock_path);
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(|e| {
            StoreError::Backend(format!(
                "cannot open the SQLite store {}: {e}",
                path.display()
            ))
        })?;
    // A lock can outlive its holder for an instant: a process forked by another thread
    // holds a copy of the descriptor until it execs (and a hub being restarted may still
    // be exiting). So a busy lock is retried briefly before it counts as "in use".
    let deadline = std::time::Instant::now() + std::time::Duration::from_millis(750);
    while file.try_lock().is_err() {
        if std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(25));
            continue;
        }
        return Err(StoreError::Backend(format!(
            "the store {} is in use by another process (another hub on the same data directory?); \
             stop it or use another directory",
            path.display()
        )));
    }
    Ok(file)
}

impl Store for SqliteStore {
    fn put_test(&self, test: &TestItem) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO tests (test_id, start_time, item) VALUES (?1, ?2, ?3)
                 ON CONFLICT (test_id) DO UPDATE SET start_time = ?2, item = ?3",
                params![test.test_id, test.start_time, encode(test)],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn get_test(&self, test_id: &str) -> Result<Option<TestItem>, StoreError> {
        let text: Option<String> = self
            .conn()
            .query_row(
                "SELECT item FROM tests WHERE test_id = ?1",
                [test_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        text.map(|t| decode("test", &t)).transpose()
    }

    fn list_tests(&self) -> Result<Vec<TestItem>, StoreError> {
        let texts: Vec<String> = {
            let conn = self.conn();
            let mut stmt = conn
                .prepare("SELECT item FROM tests ORDER BY start_time DESC, test_id")
                .map_err(backend)?;
            stmt.query_map([], |r| r.get(0))
                .map_err(backend)?
                .collect::<Result<_, _>>()
                .map_err(backend)?
        };
        texts.iter().map(|t| decode("test", t)).collect()
    }

    fn delete_test(&self, test_id: &str) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        for sql in [
            "DELETE FROM histograms WHERE run_id IN (SELECT run_id FROM runs WHERE test_id = ?1)",
            "DELETE FROM timelines WHERE run_id IN (SELECT run_id FROM runs WHERE test_id = ?1)",
            "DELETE FROM tests WHERE test_id = ?1",
        ] {
            tx.execute(sql, [test_id]).map_err(backend)?;
        }
        tx.commit().map_err(backend)
    }

    fn put_run(&self, run: &RunItem) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT INTO runs (test_id, run_id, start_time, status, item) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (test_id, run_id) DO UPDATE SET start_time = ?3, status = ?4, item = ?5",
                params![run.test_id, run.run_id, run.start_time, run.status.as_str(), encode(run)],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn get_run(&self, test_id: &str, run_id: &str) -> Result<Option<RunItem>, StoreError> {
        let text: Option<String> = self
            .conn()
            .query_row(
                "SELECT item FROM runs WHERE test_id = ?1 AND run_id = ?2",
                [test_id, run_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)?;
        text.map(|t| decode("run", &t)).transpose()
    }

    fn list_runs(&self, test_id: &str, q: &RunQuery) -> Result<RunPage, StoreError> {
        const FILTER: &str = "test_id = ?1 AND (?2 IS NULL OR start_time >= ?2) AND (?3 IS NULL OR start_time <= ?3)";
        let conn = self.conn();
        let total: i64 = conn
            .query_row(
                &format!("SELECT COUNT(*) FROM runs WHERE {FILTER}"),
                params![test_id, q.start, q.end],
                |r| r.get(0),
            )
            .map_err(backend)?;
        let mut stmt = conn
            .prepare(&format!(
                "SELECT item FROM runs WHERE {FILTER} ORDER BY start_time DESC, run_id DESC LIMIT ?4 OFFSET ?5"
            ))
            .map_err(backend)?;
        let offset = i64::try_from(q.offset).unwrap_or(i64::MAX);
        let texts: Vec<String> = stmt
            .query_map(params![test_id, q.start, q.end, q.limit, offset], |r| {
                r.get(0)
            })
            .map_err(backend)?
            .collect::<Result<_, _>>()
            .map_err(backend)?;
        let runs = texts
            .iter()
            .map(|t| decode("run", t))
            .collect::<Result<_, _>>()?;
        Ok(RunPage {
            runs,
            total: total.max(0) as u64,
        })
    }

    fn count_runs(&self, test_id: &str) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn()
            .query_row(
                "SELECT COUNT(*) FROM runs WHERE test_id = ?1",
                [test_id],
                |r| r.get(0),
            )
            .map_err(backend)?;
        Ok(n.max(0) as u64)
    }

    fn delete_runs(&self, test_id: &str, run_ids: &[String]) -> Result<u64, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        let mut deleted = 0;
        for run_id in run_ids {
            let n = tx
                .execute(
                    "DELETE FROM runs WHERE test_id = ?1 AND run_id = ?2",
                    [test_id, run_id],
                )
                .map_err(backend)?;
            if n > 0 {
                tx.execute("DELETE FROM histograms WHERE run_id = ?1", [run_id])
                    .map_err(backend)?;
                tx.execute("DELETE FROM timelines WHERE run_id = ?1", [run_id])
                    .map_err(backend)?;
                tx.execute(
                    "DELETE FROM baselines WHERE test_id = ?1 AND run_id = ?2",
                    [test_id, run_id],
                )
                .map_err(backend)?;
                deleted += 1;
            }
        }
        tx.commit().map_err(backend)?;
        Ok(deleted)
    }

    fn put_histograms(&self, run_id: &str, sidecar: &str) -> Result<(), StoreError> {
        self.conn()
            .execute(
                "INSERT OR REPLACE INTO histograms (run_id, sidecar) VALUES (?1, ?2)",
                [run_id, sidecar],
            )
            .map_err(backend)?;
        Ok(())
    }

    fn get_histograms(&self, run_id: &str) -> Result<Option<String>, StoreError> {
        self.conn()
            .query_row(
                "SELECT sidecar FROM histograms WHERE run_id = ?1",
                [run_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)
    }

    fn put_timeline(&self, run_id: &str, seconds: &[(i64, String)]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction().map_err(backend)?;
        tx.execute("DELETE FROM timelines WHERE run_id = ?1", [run_id])
            .map_err(backend)?;
        {
            let mut stmt = tx
                .prepare("INSERT INTO timelines (run_id, second, body) VALUES (?1, ?2, ?3)")
                .map_err(backend)?;
            for (second, body) in seconds {
                stmt.execute(params![run_id, second, body])
                    .map_err(backend)?;
            }
        }
        tx.commit().map_err(backend)
    }

    fn get_timeline(&self, run_id: &str) -> Result<Vec<(i64, String)>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn
            .prepare("SELECT second, body FROM timelines WHERE run_id = ?1 ORDER BY second")
            .map_err(backend)?;
        stmt.query_map([run_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(backend)?
            .collect::<Result<_, _>>()
            .map_err(backend)
    }

    fn get_baseline(&self, test_id: &str) -> Result<Option<String>, StoreError> {
        self.conn()
            .query_row(
                "SELECT run_id FROM baselines WHERE test_id = ?1",
                [test_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(backend)
    }

    fn set_baseline(&self, test_id: &str, run_id: Option<&str>) -> Result<(), StoreError> {
        let conn = self.conn();
        match run_id {
            Some(run_id) => conn.execute(
                "INSERT OR REPLACE INTO baselines (test_id, run_id) VALUES (?1, ?2)",
                [test_id, run_id],
            ),
            None => conn.execute("DELETE FROM baselines WHERE test_id = ?1", [test_id]),
        }
        .map_err(backend)?;
        Ok(())
    }
}
