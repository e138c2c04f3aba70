//! Arbitrary bytes (seeded with real results files) through the whole pure pipeline: XML reader,
//! DLT per-file stats in both eras, aggregation and JSON output. Any panic is a bug, and so is any
//! document on which the canonical scanner and the general streaming reader disagree.
#![no_main]

use libfuzzer_sys::fuzz_target;
use parser::dlt::{self, Era};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let general = parser::read::streaming(text);
    // Debug strings, because a NaN KPI is not equal to itself.
    if let Some(fast) = parser::read::canonical(text) {
        assert_eq!(
            format!("{:?}", Some(&fast)),
            format!("{:?}", general.as_ref().ok())
        );
    }
    let Ok(fs) = general else { return };
    let _ = parser::write::to_string(&fs);
    for era in [Era::V1, Era::V4] {
        if let Ok(task) = dlt::task_result(&fs, era) {
            let _ = task.to_json(era);
            let _ = dlt::final_results(&[&task, &task], era).map(|m| serde_json_len(&m));
        }
    }
});

fn serde_json_len(m: &serde_json::Map<String, serde_json::Value>) -> usize {
    serde_json::Value::Object(m.clone()).to_string().len()
}
