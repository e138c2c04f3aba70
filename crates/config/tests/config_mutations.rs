//! A quick, deterministic cousin of the cargo-fuzz target (fuzz/): real configs with random byte and
//! line mutations must load or fail with a `ConfigError`, never panic. Runs in about a second.

use std::path::{Path, PathBuf};

use chrono::TimeZone;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use stampede_config::{LoadOptions, load_text, masked, to_yaml};

fn seeds() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../fixtures/config/taurus-generated");
    let mut out = Vec::new();
    for sub in [dir.clone(), dir.join("errors")] {
        for entry in std::fs::read_dir(sub).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                out.push(std::fs::read_to_string(path).unwrap());
            }
        }
    }
    out
}

const TOKENS: &[&str] = &[
    "\t",
    ":",
    "- ",
    "{",
    "}",
    "[",
    "]",
    "&a ",
    "*a",
    "<<: *a\n",
    "~",
    "^",
    "$",
    "${X}",
    "\n---\n",
    "-1",
    "9999999999999999999",
    "1e400",
    "'",
    "\"",
    "#",
    " ",
    "\n",
    "null",
    "execution:",
    "scenario: ",
    "included-configs: [x]\n",
    "1h30m",
    "inf",
    "é",
];

fn mutate(rng: &mut StdRng, text: &str) -> String {
    let mut s = text.to_string();
    for _ in 0..rng.random_range(1..4) {
        let mut at = rng.random_range(0..=s.len());
        while !s.is_char_boundary(at) {
            at -= 1;
        }
        match rng.random_range(0..3) {
            0 => s.insert_str(at, TOKENS[rng.random_range(0..TOKENS.len())]),
            1 => {
                let mut end = (at + rng.random_range(1..8)).min(s.len());
                while !s.is_char_boundary(end) {
                    end -= 1;
                }
                s.replace_range(at..end, "");
            }
            _ => {
                let lines: Vec<&str> = s.lines().collect();
                if lines.len() > 1 {
                    let i = rng.random_range(0..lines.len());
                    let mut copy: Vec<&str> = lines.clone();
                    copy.insert(rng.random_range(0..lines.len()), lines[i]);
                    s = copy.join("\n");
                }
            }
        }
    }
    s
}

#[test]
fn mutated_configs_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let seeds = seeds();
    let (mut ok, mut err) = (0, 0);
    for _ in 0..300 {
        let seed = &seeds[rng.random_range(0..seeds.len())];
        let text = mutate(&mut rng, seed);
        let opts = LoadOptions {
            overrides: Vec::new(),
            aliases: Vec::new(),
            now: chrono::Local.with_ymd_and_hms(2026, 1, 2, 3, 4, 5).unwrap(),
            cwd: PathBuf::from("/nonexistent-stampede-test"),
            lookup_env: Box::new(|_| None),
        };
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            load_text(Path::new("m.yml"), &text, &opts)
                .map(|plan| to_yaml(&masked(&plan.effective)).is_ok())
        }));
        match result {
            Ok(Ok(true)) => ok += 1,
            Ok(Ok(false)) => panic!("effective config did not serialise for:\n{text}"),
            Ok(Err(e)) => {
                assert!(!e.to_string().is_empty());
                err += 1;
            }
            Err(_) => panic!("panicked on:\n{text}"),
        }
    }
    // Both outcomes must be exercised, or the mutations are too weak or too strong to mean anything.
    assert!(ok > 20 && err > 20, "ok {ok}, err {err}");
}
