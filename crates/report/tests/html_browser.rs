//! The standalone report in a real browser: `html_browser.py` opens a `report.html` written by the
//! pipeline from disk in headless Chromium (selenium) and checks every chart canvas is painted,
//! the metric and label pickers redraw, a label written as markup stays text, and the console has
//! no error. Without chromedriver or selenium the test says why and passes, unless
//! `STAMPEDE_BROWSER_TEST=1` makes it mandatory. `STAMPEDE_BROWSER_PYTHON` names the Python that
//! has selenium (default `python3`).

use std::path::Path;
use std::sync::Arc;

use stampede_kpi::{Rc, Sample};
use stampede_log::MemoryLog;
use stampede_report::{HtmlReport, Pipeline, Reporter};
use stampede_stats::Aggregator;

const EVIL: &str = "<img src=x onerror=alert(1)>";

/// Two minutes of three labels with different response times, written as `report.html`.
fn write_report(path: &Path) {
    let report = HtmlReport::new(path.to_path_buf());
    let mut p = Pipeline::new(
        Aggregator::default(),
        vec![Box::new(report) as Box<dyn Reporter>],
    );
    let t0 = 1_767_225_600u64;
    for sec in 0..120u64 {
        for i in 0..30u64 {
            let (label, base_ms) =
                [("GET /", 20), ("POST /cart", 80), (EVIL, 200)][(i % 3) as usize];
            p.sample(&Sample {
                start_ms: (t0 + sec) * 1000 + i * 30,
                label: Arc::from(label),
                elapsed_us: (base_ms + (i * 37 + sec * 13) % base_ms) * 1000,
                latency_us: 0,
                connect_us: 0,
                rc: Some(Rc::Http(200)),
                failure: None,
                bytes: 100,
                sent_bytes: 0,
                concurrency: (sec / 10 + 1) as u32,
                source: 0,
                thread: 1,
            });
        }
        p.tick(t0 + sec - 1);
    }
    assert!(p.finish(&mut MemoryLog::default()).errors.is_empty());
}

#[test]
fn the_report_draws_its_charts_offline_in_a_browser() {
    let Some(python) = testkit::browser::python() else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    write_report(&html);
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/html_browser.py");
    let text = testkit::browser::run(&python, &script, &[html.to_str().unwrap(), EVIL]);
    assert!(text.contains("report charts ok"), "{text}");
}
