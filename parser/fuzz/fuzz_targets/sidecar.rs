//! Arbitrary bytes as a histogram sidecar: the reader must reject, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(sc) = parser::sidecar::from_str(text)
    {
        let _ = parser::sidecar::merge([&sc, &sc]);
    }
});
