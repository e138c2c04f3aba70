//! The Lambda's settings, read once in `main` from the environment.

use chrono::{DateTime, Utc};
use parser::dlt::Era;

/// Settings read once in `main`; tests build their own.
#[derive(Clone, Debug)]
pub struct Config {
    /// `SCENARIOS_BUCKET`: where Step Functions mode lists results (S3 events name their bucket).
    pub bucket: Option<String>,
    /// The DLT parser the S3-event mode matches (`STAMPEDE_DLT_ERA`, default `v1` as in DLT v1.0).
    pub s3_era: Era,
    /// Days until a v1 Results item expires (its `ttlDel`, epoch seconds).
    pub ttl_days: i64,
    /// The clock; injected so tests are deterministic.
    pub now: fn() -> DateTime<Utc>,
    /// Size a Scenarios item may reach before old history entries are dropped (bytes).
    pub item_budget: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bucket: None,
            s3_era: Era::V1,
            ttl_days: 7,
            now: Utc::now,
            item_budget: crate::history::ITEM_BUDGET,
        }
    }
}

impl Config {
    pub fn from_env() -> Result<Config, String> {
        let s3_era = match std::env::var("STAMPEDE_DLT_ERA") {
            Ok(v) if !v.is_empty() => v.parse()?,
            _ => Era::V1,
        };
        let bucket = std::env::var("SCENARIOS_BUCKET")
            .ok()
            .filter(|b| !b.is_empty());
        Ok(Config {
            bucket,
            s3_era,
            ..Config::default()
        })
    }

    /// DLT's timestamp format, `YYYY-MM-DD HH:mm:ss` in UTC.
    pub fn timestamp(&self) -> String {
        (self.now)().format("%Y-%m-%d %H:%M:%S").to_string()
    }
}
