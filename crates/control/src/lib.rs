//! Stampede's control-plane core: DLT's API semantics (tests, runs, statuses, results shapes) as a
//! pure domain over small traits, with local back ends.
//!
//! * [`service::ControlPlane`]: the domain. Create-and-run, list, get with history, cancel, delete,
//!   run pages, baseline, live frames, timelines, comparisons. It knows no HTTP, SQL or AWS.
//! * [`ports`]: what it talks to. [`ports::Store`] (tests, runs, histograms, timelines, baselines),
//!   [`ports::Blobs`] (DLT's S3 key layout), [`ports::Launcher`] (start/cancel tasks, report exits),
//!   plus [`clock::Clock`] and [`clock::Ids`] so tests are deterministic.
//! * Local back ends: [`sqlite::SqliteStore`] (one SQLite file), [`blobs::DirBlobs`] (a directory),
//!   [`launcher::ProcessLauncher`] (one process per task).
//!
//! ```
//! use std::sync::Arc;
//! use stampede_control::{blobs::DirBlobs, clock::{ManualClock, SequentialIds}, launcher::ProcessLauncher,
//!     service::{ControlPlane, Deps}, sqlite::SqliteStore};
//! let dir = tempfile::tempdir().unwrap();
//! let cp = ControlPlane::new(Deps {
//!     store: Arc::new(SqliteStore::open(&dir.path().join("hub.db")).unwrap()),
//!     blobs: Arc::new(DirBlobs::open(dir.path().join("blobs")).unwrap()),
//!     launcher: Arc::new(ProcessLauncher::new(dir.path().join("blobs"), "true", vec![])),
//!     clock: Arc::new(ManualClock::new(1_767_225_600_000)),
//!     ids: Arc::new(SequentialIds::new("t")),
//!     validator: None,
//!     grace_ms: stampede_control::deadline::DEFAULT_GRACE_MS,
//! });
//! let err = cp.create_and_run(&serde_json::json!({"testName": "x"})).unwrap_err();
//! assert!(err.to_string().contains("testDescription: is required"));
//! assert_eq!(cp.list_tests().unwrap(), serde_json::json!({"Items": []}));
//! ```

pub mod api;
pub mod blobs;
pub mod clock;
pub mod compare;
pub mod deadline;
pub mod finalise;
pub mod launcher;
pub mod live;
pub mod mask;
pub mod model;
pub mod ports;
pub mod query;
pub mod runs;
pub mod service;
pub mod sqlite;
pub mod validate;
pub mod validity;

pub use service::{ControlError, ControlPlane, Deps, LiveEvent, MergedRun, Subscriber, TaskFile};
