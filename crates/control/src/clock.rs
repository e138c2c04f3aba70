//! Time and ids, injected so that the domain is deterministic in tests.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

/// Milliseconds since the Unix epoch.
pub trait Clock: Send + Sync {
    fn now_ms(&self) -> i64;
}

/// The real clock.
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_ms(&self) -> i64 {
        chrono::Utc::now().timestamp_millis()
    }
}

/// A clock that only moves when told to: for tests and replays.
pub struct ManualClock(AtomicI64);

impl ManualClock {
    pub fn new(start_ms: i64) -> Self {
        ManualClock(AtomicI64::new(start_ms))
    }

    pub fn advance_ms(&self, ms: i64) {
        self.0.fetch_add(ms, Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }
}

/// DLT's timestamp form, `YYYY-MM-DD HH:mm:ss` in UTC.
pub fn dlt_time(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .unwrap_or_default()
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// New test and run ids.
pub trait Ids: Send + Sync {
    fn next_id(&self) -> String;
}

/// 10 random alphanumerics, the length DLT's ids have.
pub struct RandomIds;

impl Ids for RandomIds {
    fn next_id(&self) -> String {
        uuid::Uuid::new_v4().simple().to_string()[..10].to_owned()
    }
}

/// `prefix-1`, `prefix-2`, …: predictable ids for tests.
pub struct SequentialIds {
    prefix: String,
    next: Mutex<u64>,
}

impl SequentialIds {
    pub fn new(prefix: &str) -> Self {
        SequentialIds {
            prefix: prefix.into(),
            next: Mutex::new(1),
        }
    }
}

impl Ids for SequentialIds {
    fn next_id(&self) -> String {
        let mut n = self.next.lock().expect("id counter lock is never poisoned");
        let id = format!("{}-{}", self.prefix, *n);
        *n += 1;
        id
    }
}
