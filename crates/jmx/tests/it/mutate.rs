//! Mutation fuzzing in the test suite: every real plan in `fixtures/jmx`, mutated many times
//! with a fixed seed (bytes flipped, ranges cut, copied or repeated, tags renamed, properties
//! given odd values), read with small limits and with Taurus's overrides. Every read must return
//! (no panic, no stack overflow), and a plan that is read must respect the limits. The
//! coverage-guided fuzzer (`fuzz/fuzz_targets/jmx.rs`) goes further; this runs on every test.

use std::time::Duration;

use stampede_jmx::*;

use crate::fixtures::fixtures;

/// xorshift64*: a fixed seed gives the same mutations on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

const ODD_VALUES: &[&str] = &[
    "",
    "-1",
    "${__P(x)}",
    "99999999999999999999",
    "1.5e308",
    "NaN",
    "<",
    "&amp;",
    "\u{0}",
    "ü",
];

const TAGS: &[&str] = &[
    "hashTree",
    "ModuleController",
    "IncludeController",
    "SwitchController",
    "ThroughputController",
    "RandomController",
    "InterleaveControl",
    "RunTime",
    "TestFragmentController",
    "SizeAssertion",
    "DurationAssertion",
    "ThreadGroup",
    "elementProp",
    "collectionProp",
];

fn mutate(text: &str, rng: &mut Rng) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for _ in 0..1 + rng.below(4) {
        let len = bytes.len().max(1);
        let at = rng.below(len);
        let end = (at + rng.below(400)).min(bytes.len());
        match rng.below(7) {
            0 => {
                if let Some(b) = bytes.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            1 => {
                bytes.drain(at.min(bytes.len())..end);
            }
            2 => {
                let copy = bytes[at.min(bytes.len())..end].to_vec();
                let to = rng.below(bytes.len().max(1)).min(bytes.len());
                bytes.splice(to..to, copy);
            }
            3 => {
                // A slice repeated: nesting and sibling counts grow fast.
                let copy = bytes[at.min(bytes.len())..end].to_vec();
                for _ in 0..rng.below(40) {
                    bytes.splice(at.min(bytes.len())..at.min(bytes.len()), copy.clone());
                }
            }
            4 => {
                let s = String::from_utf8_lossy(&bytes).into_owned();
                let tag = TAGS[rng.below(TAGS.len())];
                let from = TAGS[rng.below(TAGS.len())];
                bytes = s.replacen(from, tag, 1 + rng.below(3)).into_bytes();
            }
            5 => {
                let s = String::from_utf8_lossy(&bytes).into_owned();
                if let Some(i) = s[at.min(s.len())..].find("\">").map(|i| i + at) {
                    let mut s = s;
                    if s.is_char_boundary(i + 2) {
                        s.insert_str(i + 2, ODD_VALUES[rng.below(ODD_VALUES.len())]);
                    }
                    bytes = s.into_bytes();
                }
            }
            _ => bytes.truncate(at),
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

fn depth_and_count(plan: &Plan) -> (usize, usize) {
    let walk = plan.walk();
    let depth = walk.iter().map(|(d, _)| d + 1).max().unwrap_or(0);
    (depth, walk.len())
}

#[test]
fn mutated_real_plans_never_panic_and_stay_within_the_limits() {
    let limits = Limits {
        max_bytes: 1 << 20,
        max_depth: 48,
        max_elements: 20_000,
    };
    let overrides = Overrides {
        concurrency: Some(Num::Lit(3)),
        hold_for: Some(Duration::from_secs(5)),
        disable: vec!["*Controller*".into()],
        ..Overrides::default()
    };
    let mut files = Vec::new();
    let mut dirs = vec![fixtures()];
    while let Some(dir) = dirs.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "jmx") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(files.len() > 80, "{} fixtures", files.len());
    let mut rng = Rng(0x5eed_1234_abcd_0001);
    let (mut read_ok, mut refused) = (0, 0);
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap_or_default();
        for _ in 0..40 {
            let mutated = mutate(&text, &mut rng);
            match read(&mutated, &limits) {
                Ok(plan) => {
                    read_ok += 1;
                    // A test element costs two XML levels (itself and its hashTree).
                    let (depth, count) = depth_and_count(&plan);
                    assert!(
                        depth <= limits.max_depth / 2,
                        "{}: depth {depth}",
                        path.display()
                    );
                    assert!(
                        count <= limits.max_elements,
                        "{}: {count} nodes",
                        path.display()
                    );
                }
                Err(e) => {
                    refused += 1;
                    assert!(!e.to_string().is_empty());
                }
            }
            let _ = read_with_overrides(&mutated, &limits, &overrides);
        }
    }
    // The mutations must exercise both outcomes, or the test proves little.
    assert!(
        read_ok > 100 && refused > 100,
        "{read_ok} read, {refused} refused"
    );
}
