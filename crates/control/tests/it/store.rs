//! The SQLite store against a real file: round trips, pagination, deletes, reopen and recovery.

use serde_json::{Map, json};
use stampede_control::model::{RunItem, RunQuery, Status, TaskConfig, TestItem};
use stampede_control::ports::Store;
use stampede_control::sqlite::{INTERRUPTED, SqliteStore};

fn test_item(id: &str, status: Status, start: &str) -> TestItem {
    let mut extra = Map::new();
    extra.insert("tags".into(), json!(["a"]));
    extra.insert("clientField".into(), json!({"kept": true}));
    TestItem {
        test_id: id.into(),
        test_name: "name".into(),
        test_description: "desc".into(),
        test_type: "simple".into(),
        file_type: None,
        task_configs: vec![TaskConfig {
            region: "local".into(),
            task_count: 2,
            concurrency: 5,
        }],
        test_scenario: json!({"execution": [{"hold-for": "1m"}]}),
        status,
        start_time: Some(start.into()),
        end_time: None,
        current_run: Some(format!("{id}-r")),
        error_reason: None,
        results: None,
        complete_tasks: None,
        extra,
    }
}

fn run_item(test: &str, run: &str, status: Status, start: &str) -> RunItem {
    RunItem {
        test_id: test.into(),
        run_id: run.into(),
        start_time: start.into(),
        end_time: None,
        status,
        task_configs: vec![],
        test_scenario: json!({}),
        test_description: "d".into(),
        test_type: "simple".into(),
        results: Some(json!({"total": {"throughput": 3}})),
        succ_percent: Some("100.00".into()),
        complete_tasks: None,
        error_reason: None,
        validity: None,
    }
}

#[test]
fn items_round_trip_with_extra_fields_and_list_newest_first() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    let old = test_item("old", Status::Complete, "2026-01-01 00:00:00");
    let new = test_item("new", Status::Failed, "2026-01-02 00:00:00");
    store.put_test(&old).unwrap();
    store.put_test(&new).unwrap();
    assert_eq!(store.get_test("old").unwrap().unwrap(), old);
    assert_eq!(store.get_test("missing").unwrap(), None);
    let ids: Vec<_> = store
        .list_tests()
        .unwrap()
        .into_iter()
        .map(|t| t.test_id)
        .collect();
    assert_eq!(ids, ["new", "old"]);
}

#[test]
fn runs_page_by_start_time_with_filters_and_totals() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    store
        .put_test(&test_item("t", Status::Complete, "2026-01-01 00:00:00"))
        .unwrap();
    for day in 1..=5 {
        let start = format!("2026-01-0{day} 10:00:00");
        store
            .put_run(&run_item("t", &format!("r{day}"), Status::Complete, &start))
            .unwrap();
    }
    let q = |limit, offset, start: Option<&str>, end: Option<&str>| RunQuery {
        limit,
        offset,
        start: start.map(Into::into),
        end: end.map(Into::into),
    };
    let page = store.list_runs("t", &q(2, 0, None, None)).unwrap();
    assert_eq!(page.total, 5);
    assert_eq!(
        page.runs
            .iter()
            .map(|r| r.run_id.as_str())
            .collect::<Vec<_>>(),
        ["r5", "r4"]
    );
    let page = store.list_runs("t", &q(2, 4, None, None)).unwrap();
    assert_eq!(
        page.runs
            .iter()
            .map(|r| r.run_id.as_str())
            .collect::<Vec<_>>(),
        ["r1"]
    );
    let page = store
        .list_runs(
            "t",
            &q(
                10,
                0,
                Some("2026-01-02 00:00:00"),
                Some("2026-01-03 23:59:59"),
            ),
        )
        .unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(
        page.runs
            .iter()
            .map(|r| r.run_id.as_str())
            .collect::<Vec<_>>(),
        ["r3", "r2"]
    );
    assert_eq!(store.count_runs("t").unwrap(), 5);
}

#[test]
fn deleting_runs_and_tests_removes_their_data_and_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(&dir.path().join("s.db")).unwrap();
    store
        .put_test(&test_item("t", Status::Complete, "2026-01-01 00:00:00"))
        .unwrap();
    for r in ["a", "b"] {
        store
            .put_run(&run_item("t", r, Status::Complete, "2026-01-01 00:00:00"))
            .unwrap();
        store.put_histograms(r, "{}").unwrap();
        store
            .put_timeline(r, &[(1, "x".into()), (2, "y".into())])
            .unwrap();
    }
    store.set_baseline("t", Some("a")).unwrap();
    let n = store
        .delete_runs("t", &["a".into(), "nope".into()])
        .unwrap();
    assert_eq!(n, 1);
    assert_eq!(store.get_baseline("t").unwrap(), None);
    assert_eq!(store.get_histograms("a").unwrap(), None);
    assert!(store.get_timeline("a").unwrap().is_empty());
    assert_eq!(
        store.get_timeline("b").unwrap(),
        vec![(1, "x".into()), (2, "y".into())]
    );
    store.delete_test("t").unwrap();
    assert_eq!(store.get_run("t", "b").unwrap(), None);
    assert_eq!(store.get_histograms("b").unwrap(), None);
    assert_eq!(store.get_test("t").unwrap(), None);
}

#[test]
fn reopening_keeps_finished_runs_and_fails_interrupted_ones() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    {
        let store = SqliteStore::open(&path).unwrap();
        store
            .put_test(&test_item("busy", Status::Running, "2026-01-02 00:00:00"))
            .unwrap();
        store
            .put_test(&test_item("done", Status::Complete, "2026-01-01 00:00:00"))
            .unwrap();
        store
            .put_run(&run_item(
                "busy",
                "busy-r",
                Status::Running,
                "2026-01-02 00:00:00",
            ))
            .unwrap();
        store
            .put_run(&run_item(
                "done",
                "done-r",
                Status::Complete,
                "2026-01-01 00:00:00",
            ))
            .unwrap();
        store.put_histograms("done-r", "hists").unwrap();
        store.set_baseline("done", Some("done-r")).unwrap();
        assert!(store.recovered().is_empty());
    }
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(
        store.recovered(),
        [("busy".to_owned(), "busy-r".to_owned())]
    );
    let run = store.get_run("busy", "busy-r").unwrap().unwrap();
    assert_eq!(run.status, Status::Failed);
    assert_eq!(run.error_reason.as_deref(), Some(INTERRUPTED));
    let test = store.get_test("busy").unwrap().unwrap();
    assert_eq!(
        (test.status, test.error_reason.as_deref()),
        (Status::Failed, Some(INTERRUPTED))
    );
    let done = store.get_run("done", "done-r").unwrap().unwrap();
    assert_eq!(
        done,
        run_item("done", "done-r", Status::Complete, "2026-01-01 00:00:00")
    );
    assert_eq!(
        store.get_histograms("done-r").unwrap().as_deref(),
        Some("hists")
    );
    assert_eq!(
        store.get_baseline("done").unwrap().as_deref(),
        Some("done-r")
    );
    // A third open finds nothing left to recover.
    drop(store);
    assert!(SqliteStore::open(&path).unwrap().recovered().is_empty());
}

#[test]
fn an_unopenable_path_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let err = SqliteStore::open(&dir.path().join("no/such/dir/s.db"))
        .err()
        .unwrap();
    assert!(
        err.to_string().contains("cannot open the SQLite store"),
        "{err}"
    );
}

#[test]
fn a_store_in_use_by_another_opener_is_refused_until_closed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.db");
    let first = SqliteStore::open(&path).unwrap();
    let err = SqliteStore::open(&path).err().unwrap();
    assert!(
        err.to_string().contains("in use by another process"),
        "{err}"
    );
    drop(first);
    SqliteStore::open(&path).unwrap();
}
