//! The real-browser tests' harness: headless Chromium driven by chromedriver through selenium (a
//! Python script per test). `.ci/run` installs them and sets `STAMPEDE_BROWSER_TEST=1`, which makes
//! a missing piece a failure; elsewhere the test is skipped with the reason.

use std::path::Path;
use std::process::Command;

/// The Python to run the selenium script with, or `None` (after saying why) to skip the test.
/// Panics when `STAMPEDE_BROWSER_TEST=1` and something is missing.
pub fn python() -> Option<String> {
    let python = std::env::var("STAMPEDE_BROWSER_PYTHON").unwrap_or_else(|_| "python3".into());
    let Some(why) = missing(&python) else {
        return Some(python);
    };
    assert!(
        std::env::var("STAMPEDE_BROWSER_TEST").as_deref() != Ok("1"),
        "STAMPEDE_BROWSER_TEST=1 but {why}"
    );
    eprintln!("SKIPPED the browser test: {why}");
    None
}

/// Why the browser test cannot run here, if it cannot.
fn missing(python: &str) -> Option<String> {
    let chromedriver = Command::new("sh")
        .args(["-c", "command -v chromedriver"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !chromedriver {
        return Some(
            "chromedriver is not installed (apt-get install chromium chromium-driver)".into(),
        );
    }
    let selenium = Command::new(python)
        .args(["-c", "import selenium"])
        .output()
        .is_ok_and(|o| o.status.success());
    (!selenium).then(|| format!("{python} has no selenium (pip install selenium)"))
}

/// Runs `script ARGS…`; its stdout and stderr, after asserting it succeeded.
pub fn run(python: &str, script: &Path, args: &[&str]) -> String {
    let out = Command::new(python)
        .arg(script)
        .args(args)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "browser steps failed:\n{text}");
    text
}
