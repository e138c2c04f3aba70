//! Arbitrary bytes as a `.jmx` file, through XML, the hashTree structure, the typed plan and
//! Taurus-style overrides. Any panic, hang, stack overflow or runaway allocation is a bug: bad input
//! must come back as a `ReadError`.
#![no_main]

use std::time::Duration;

use libfuzzer_sys::fuzz_target;
use stampede_jmx::{Document, Limits, Num, Overrides, apply_overrides};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let limits = Limits {
        max_bytes: 1 << 20,
        max_depth: 128,
        max_elements: 100_000,
    };
    let Ok(mut doc) = Document::parse(text, &limits) else {
        return;
    };
    let _ = doc.to_plan();
    // The first byte picks a load shape, so the rewrite paths are exercised too.
    let pick = data.first().copied().unwrap_or(0);
    let overrides = Overrides {
        concurrency: (pick & 1 != 0).then_some(Num::Lit(u64::from(pick % 7))),
        ramp_up: (pick & 2 != 0).then_some(Duration::from_secs(u64::from(pick % 5))),
        hold_for: (pick & 4 != 0).then_some(Duration::from_secs(30)),
        iterations: (pick & 8 != 0).then_some(u64::from(pick % 3)),
        throughput: (pick & 16 != 0).then_some(f64::from(pick)),
        steps: (pick & 32 != 0).then_some(u64::from(pick % 4)),
        disable: vec!["*a?[b-d]*".into()],
        set_prop: vec![("x>y>z".into(), "1".into())],
        concurrency_thread_group_available: pick & 64 != 0,
        ..Overrides::default()
    };
    apply_overrides(&mut doc, &overrides);
    let _ = doc.to_plan();
});
