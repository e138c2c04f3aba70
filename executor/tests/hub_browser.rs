//! The console in a real browser: `hub_browser.py` drives headless Chromium through chromedriver
//! (selenium) against a real hub and target. It creates a test through the form, sees it run and
//! complete, reads the results table, checks the chart canvas is painted, and cancels a second
//! one. Without chromedriver or selenium the test says why and passes, unless
//! `STAMPEDE_BROWSER_TEST=1` (set by `.ci/run`, which installs both) makes it mandatory.
//! `STAMPEDE_BROWSER_PYTHON` names the Python that has selenium (default `python3`).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use testkit::TestServer;

struct Hub(Child);

impl Drop for Hub {
    fn drop(&mut self) {
        let pid = nix::unistd::Pid::from_raw(self.0.id() as i32);
        let _ = nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM);
        let _ = self.0.wait();
    }
}

/// The console is driven through a token-protected hub: every call, the live stream included,
/// must carry it.
const TOKEN: &str = "browser-s3cret";

fn start_hub(data: &Path) -> (Hub, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_stampede"))
        .args(["hub", "--listen", "127.0.0.1:0", "--token", TOKEN, "--data"])
        .arg(data)
        .env_remove("STAMPEDE_HUB_TOKEN")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    stdout.read_line(&mut first).unwrap();
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));
    let url = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no URL in {first:?}"))
        .trim_end_matches('/')
        .to_string();
    (Hub(child), url)
}

#[test]
fn the_console_creates_runs_charts_and_cancels_tests() {
    let Some(python) = testkit::browser::python() else {
        return;
    };
    let target = TestServer::start_background();
    let dir = tempfile::tempdir().unwrap();
    let (_hub, url) = start_hub(&dir.path().join("data"));
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/hub_browser.py");
    let text = testkit::browser::run(&python, &script, &[&url, &target.url("/"), TOKEN]);
    eprintln!("{text}");
    assert!(text.contains("cancelled"), "{text}");
    assert!(target.requests() > 0);
}
