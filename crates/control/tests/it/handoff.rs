//! A launcher that hands runs off (`reports_exits` false, as the AWS queue launcher): the domain
//! keeps no state for the run, and cancel stops the tasks and settles the run at once.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use stampede_control::blobs::DirBlobs;
use stampede_control::clock::{ManualClock, SequentialIds};
use stampede_control::launcher::ProcessLauncher;
use stampede_control::ports::{EventSink, LaunchError, LaunchSpec, Launcher};
use stampede_control::service::{ControlPlane, Deps};
use stampede_control::sqlite::SqliteStore;

use crate::common::{T0, body};

/// Real processes whose events go nowhere; `stop_test` counts its calls and signals them.
struct HandOff {
    inner: ProcessLauncher,
    stops: AtomicU32,
}

impl Launcher for HandOff {
    fn check_region(&self, region: &str) -> Result<(), LaunchError> {
        self.inner.check_region(region)
    }
    fn start(&self, spec: &LaunchSpec, _events: EventSink) -> Result<(), LaunchError> {
        self.inner.start(spec, Arc::new(|_| {}))
    }
    fn cancel(&self, run_id: &str) {
        self.inner.cancel(run_id);
    }
    fn reports_exits(&self) -> bool {
        false
    }
    fn stop_test(&self, _test_id: &str, run_id: &str) -> Result<(), String> {
        self.stops.fetch_add(1, Ordering::SeqCst);
        self.inner.cancel(run_id);
        Ok(())
    }
}

#[test]
fn a_handed_off_run_is_cancelled_by_stopping_its_tasks_and_settling_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let blob_dir = dir.path().join("blobs");
    let launcher = Arc::new(HandOff {
        inner: ProcessLauncher::new(&blob_dir, "sh", vec!["-c".into(), "sleep 30".into()])
            .with_kill_after(Duration::from_millis(300)),
        stops: AtomicU32::new(0),
    });
    let cp = ControlPlane::new(Deps {
        store: Arc::new(SqliteStore::open(&dir.path().join("hub.db")).unwrap()),
        blobs: Arc::new(DirBlobs::open(&blob_dir).unwrap()),
        launcher: launcher.clone(),
        clock: Arc::new(ManualClock::new(T0)),
        ids: Arc::new(SequentialIds::new("h")),
        validator: None,
        grace_ms: 1000,
    });
    let created = cp.create_and_run(&body(2, 1)).unwrap();
    let id = created["testId"].as_str().unwrap();
    let got = cp.get_test(id).unwrap();
    assert_eq!(got["status"], "running");
    assert!(
        got.get("tasksPerRegion").is_none(),
        "no state is kept for a handed-off run"
    );
    assert_eq!(cp.cancel(id).unwrap(), "test cancelling");
    assert_eq!(launcher.stops.load(Ordering::SeqCst), 1);
    let got = cp.get_test(id).unwrap();
    assert_eq!(
        got["status"], "cancelled",
        "settled at once: no exits will come"
    );
    assert_eq!(got["history"][0]["status"], "cancelled");
    assert!(got["history"][0]["endTime"].is_string());
    assert!(
        cp.cancel(id).is_err(),
        "a settled test has nothing to cancel"
    );
}
