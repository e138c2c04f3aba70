//! The local start barrier, DLT v4.1+'s start signal on a directory: each task writes
//! `ready/<taskId>` under the run's `start-signal/<testId>/<runId>/<region>/` directory; the task
//! that sees every task ready writes `start`; all start when `start` exists. A task that never
//! arrives (it died while loading) does not hold the others longer than the timeout.

use std::fs::{self, OpenOptions};
use std::io;
use std::path::Path;
use std::time::{Duration, Instant};

/// How often the signal directory is looked at: start skew stays below this.
const POLL: Duration = Duration::from_millis(20);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Started,
    /// The timeout passed before every task was ready.
    TimedOut,
}

/// Marks `task_id` ready and waits until `tasks` tasks are (or someone wrote `start`).
pub fn wait(dir: &Path, task_id: &str, tasks: u32, timeout: Duration) -> io::Result<End> {
    let ready = dir.join("ready");
    fs::create_dir_all(&ready)?;
    fs::write(ready.join(task_id), b"")?;
    let start = dir.join("start");
    let began = Instant::now();
    loop {
        if start.exists() {
            return Ok(End::Started);
        }
        if fs::read_dir(&ready)?.count() >= tasks as usize {
            match OpenOptions::new().write(true).create_new(true).open(&start) {
                Ok(_) => return Ok(End::Started),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(End::Started),
                Err(e) => return Err(e),
            }
        }
        if began.elapsed() >= timeout {
            return Ok(End::TimedOut);
        }
        std::thread::sleep(POLL);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_tasks_start_together() {
        let dir = tempfile::tempdir().unwrap();
        let began = Instant::now();
        let handles: Vec<_> = (0..3)
            .map(|i| {
                let d = dir.path().to_path_buf();
                std::thread::spawn(move || {
                    // The last task arrives late; the others must wait for it.
                    std::thread::sleep(Duration::from_millis(200 * (i / 2)));
                    let end = wait(&d, &format!("task{i}"), 3, Duration::from_secs(10)).unwrap();
                    (end, began.elapsed())
                })
            })
            .collect();
        for h in handles {
            let (end, at) = h.join().unwrap();
            assert_eq!(end, End::Started);
            assert!(at >= Duration::from_millis(200), "started at {at:?}");
        }
        assert!(dir.path().join("start").exists());
    }

    #[test]
    fn a_missing_task_only_delays_until_the_timeout() {
        let dir = tempfile::tempdir().unwrap();
        let end = wait(dir.path(), "task0", 2, Duration::from_millis(100)).unwrap();
        assert_eq!(end, End::TimedOut);
        assert!(!dir.path().join("start").exists());
    }
}
