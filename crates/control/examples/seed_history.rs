//! Gives a test a long history for `bench/hub-history.sh`: the test's newest run (a real one, made
//! by the hub) is copied into RUNS runs in all, one hour apart, each with the same results,
//! histograms and timeline, straight through the SQLite store of a stopped hub's data directory.
//!
//! `cargo run --release -p stampede-control --example seed_history -- DATA_DIR TEST_ID RUNS`

use std::path::Path;

use chrono::NaiveDateTime;
use stampede_control::model::RunQuery;
use stampede_control::ports::Store;
use stampede_control::sqlite::SqliteStore;

const TIME: &str = "%Y-%m-%d %H:%M:%S";

fn main() -> Result<(), String> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let [data, test_id, runs] = a.as_slice() else {
        return Err("usage: seed_history DATA_DIR TEST_ID RUNS".into());
    };
    let runs: u32 = runs.parse().map_err(|e| format!("RUNS {runs:?}: {e}"))?;
    let store = SqliteStore::open(&Path::new(data).join("hub.db")).map_err(|e| e.to_string())?;
    let query = RunQuery {
        limit: 1,
        ..RunQuery::default()
    };
    let page = store
        .list_runs(test_id, &query)
        .map_err(|e| e.to_string())?;
    let template = page
        .runs
        .first()
        .ok_or_else(|| format!("test {test_id} has no run to copy"))?;
    let hists = store
        .get_histograms(&template.run_id)
        .map_err(|e| e.to_string())?;
    let timeline = store
        .get_timeline(&template.run_id)
        .map_err(|e| e.to_string())?;
    let start = NaiveDateTime::parse_from_str(&template.start_time, TIME)
        .map_err(|e| format!("start time {:?}: {e}", template.start_time))?;
    for i in 1..runs {
        let mut run = template.clone();
        // Older copies: the real run stays the newest.
        let at = start - chrono::Duration::hours(i64::from(i));
        run.run_id = format!("seed{i:06}");
        run.start_time = at.format(TIME).to_string();
        run.end_time = Some((at + chrono::Duration::minutes(5)).format(TIME).to_string());
        store.put_run(&run).map_err(|e| e.to_string())?;
        if let Some(h) = &hists {
            store
                .put_histograms(&run.run_id, h)
                .map_err(|e| e.to_string())?;
        }
        store
            .put_timeline(&run.run_id, &timeline)
            .map_err(|e| e.to_string())?;
    }
    let total = store.count_runs(test_id).map_err(|e| e.to_string())?;
    println!("test {test_id} has {total} runs");
    Ok(())
}
