//! Arbitrary text as a `__javaScript` script, compiled and evaluated twice (fast and re-parse paths
//! of `${…}` substitution). Any panic, hang or runaway allocation is a bug: bad input must come
//! back as a `JsError`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use stampede_js::{Env, Script};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(script) = Script::compile(text) else {
        return;
    };
    for value in ["12", "it's \\ x"] {
        let mut env = Env::seeded(7).at_millis(1_700_000_000_000.0).with_var("x", value);
        let _ = script.eval(&mut env).map(|v| v.to_jmeter_string());
    }
});
