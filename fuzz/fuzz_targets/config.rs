//! Arbitrary bytes as a config file, through to the plan and the masked effective-config dump.
//! Any panic, hang or runaway allocation is a bug: bad input must come back as a `ConfigError`.
#![no_main]

use std::path::{Path, PathBuf};

use chrono::TimeZone;
use stampede_config::{LoadOptions, load_text, masked, to_yaml};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let opts = LoadOptions {
        overrides: Vec::new(),
        aliases: Vec::new(),
        now: chrono::Local.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
        // A directory that does not exist, so `included-configs` cannot reach real files.
        cwd: PathBuf::from("/nonexistent-stampede-fuzz"),
        lookup_env: Box::new(|_| None),
    };
    if let Ok(plan) = load_text(Path::new("fuzz.yml"), text, &opts) {
        let _ = to_yaml(&masked(&plan.effective));
    }
});
