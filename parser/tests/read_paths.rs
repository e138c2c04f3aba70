//! The two readers behind `read::from_str` agree: the canonical scanner takes every real Taurus file,
//! and on any document (real files mutated byte by byte) `from_str` returns exactly what the general
//! streaming reader returns, error included.

use parser::read::{canonical, from_str, streaming};
use std::path::PathBuf;

fn real_files() -> Vec<(PathBuf, String)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures");
    let mut out = Vec::new();
    for dir in ["reports/xml", "dlt"] {
        for entry in std::fs::read_dir(root.join(dir)).expect("fixture dir exists") {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "xml") {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path, text));
            }
        }
    }
    out.sort();
    assert!(
        out.len() >= 20,
        "expected the real XMLs, found {}",
        out.len()
    );
    out
}

/// Canonical, but with every rarer form the scanner accepts: double-quoted declaration, DLT's
/// task metadata on the closing line, a self-closing group and KPI, an empty text element, a
/// repeated `TestDuration`, a non-ASCII label and a scalar with an ignored `param`.
const RARE_FORMS: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<FinalStatus>\n  \
    <TestDuration>1.0</TestDuration>\n  <ReportURL/>\n  <TestDuration>2.5</TestDuration>\n  \
    <Group label=\"caf\u{e9} \u{2028} /\"/>\n  <Group label=\"\">\n    <succ value=\"3\" param=\"x\"/>\n    \
    <rc value=\"2.7\" param=\"Non HTTP response code: java.net.UnknownHostException\">\n      \
    <name>rc/x</name>\n      <value/>\n    </rc>\n    <perc value=\"1e3\" param=\"95.0\"></perc>\n  \
    </Group>\n<TaskId>0123abcd</TaskId><TaskCPU>1024</TaskCPU><ECSDuration>61</ECSDuration></FinalStatus>\ntrailing";

#[test]
fn every_real_file_takes_the_canonical_path_and_reads_the_same() {
    for (path, text) in real_files() {
        let fast =
            canonical(&text).unwrap_or_else(|| panic!("{} is not canonical", path.display()));
        assert_eq!(Ok(fast), streaming(&text), "{}", path.display());
    }
}

#[test]
fn rarer_canonical_forms_read_the_same() {
    let fast = canonical(RARE_FORMS).expect("canonical");
    assert_eq!(Ok(fast.clone()), streaming(RARE_FORMS));
    assert_eq!(fast.test_duration.as_deref(), Some("2.5"));
    assert_eq!(fast.report_url.as_deref(), Some(""));
    assert_eq!(fast.extra.len(), 3);
    assert_eq!(fast.groups.len(), 2);
    let without_decl = RARE_FORMS.split_once("?>").unwrap().1;
    assert_eq!(canonical(without_decl), Some(fast));
}

#[test]
fn non_canonical_documents_fall_back_to_the_general_reader() {
    let simple = "<FinalStatus><Group label=\"a\"><succ value=\"1\"/></Group></FinalStatus>";
    assert!(canonical(simple).is_some());
    for doc in [
        // Each is fine XML (or a content error) that the scanner leaves to the general reader.
        "<FinalStatus><Group label=\"a&amp;b\"><succ value=\"1\"/></Group></FinalStatus>",
        "<FinalStatus><Group label='a'><succ value=\"1\"/></Group></FinalStatus>",
        "<FinalStatus><!-- c --><Group label=\"a\"><succ value=\"1\"/></Group></FinalStatus>",
        "<FinalStatus><Group label=\"a\"><succ param=\"p\" value=\"1\"/></Group></FinalStatus>",
        "<FinalStatus><Group label=\"a\"><succ><value>1</value></succ></Group></FinalStatus>",
        "<FinalStatus><Group label=\"a\"><succ value=\"x\"/></Group></FinalStatus>",
        "<FinalStatus><Group label=\"a\"><p75 value=\"1\"/></Group></FinalStatus>",
        "<FinalStatus><Group label=\"a\"><rc value=\"1\"/></Group></FinalStatus>",
        "<FinalStatus><TestDuration>1\r\n</TestDuration></FinalStatus>",
        "<FinalStatus><TestDuration>1\u{85}</TestDuration></FinalStatus>",
        "<FinalStatus><Group label=\"a\"><succ value=\"1\"/></Group></Final>",
        "<FinalStatus><Group label=\"a\"><succ value=\"1\"></succ ></Group></FinalStatus>",
        "<FinalStatus><Group label=\"a\">",
        "",
    ] {
        assert_eq!(canonical(doc), None, "{doc}");
        assert_eq!(from_str(doc), streaming(doc), "{doc}");
    }
}

/// A small deterministic generator (64-bit LCG): the same mutations on every run.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

const INSERTS: [&str; 28] = [
    "&",
    "&amp;",
    "&#65;",
    "<",
    ">",
    "\"",
    "'",
    "\r",
    "\r\n",
    " ",
    "\t",
    "/",
    "x",
    "\u{e9}",
    "\u{85}",
    "\u{2028}",
    "<!-- c -->",
    "<![CDATA[1]]>",
    "<x/>",
    "</",
    "=",
    "?",
    "1",
    ".",
    "e5",
    "\u{1}",
    "<Group label=\"z\"/>",
    " a=\"b\"",
];

/// One random edit (insert, delete or replace a character) at a character boundary, half the
/// time next to markup.
fn mutate(text: &str, rng: &mut Lcg) -> String {
    let bounds: Vec<usize> = text
        .char_indices()
        .map(|(i, _)| i)
        .chain([text.len()])
        .collect();
    let markup: Vec<usize> = text
        .char_indices()
        .filter(|(_, c)| matches!(c, '<' | '>' | '"' | '=' | '/'))
        .map(|(i, _)| i)
        .collect();
    let at = if rng.below(2) == 0 {
        markup[rng.below(markup.len())] + rng.below(2)
    } else {
        bounds[rng.below(bounds.len())]
    };
    let next = bounds.iter().copied().find(|&b| b > at).unwrap_or(at);
    let (insert, resume) = match rng.below(3) {
        0 => (INSERTS[rng.below(INSERTS.len())], at),
        1 => ("", next),
        _ => (INSERTS[rng.below(INSERTS.len())], next),
    };
    let mut out = String::with_capacity(text.len() + 16);
    out.push_str(&text[..at]);
    out.push_str(insert);
    out.push_str(&text[resume..]);
    out
}

#[test]
fn mutated_real_files_read_the_same_through_both_paths() {
    let mut rng = Lcg(0x5eed);
    let mut docs: Vec<String> = real_files().into_iter().map(|(_, t)| t).collect();
    docs.push(RARE_FORMS.to_string());
    let (mut fast, mut slow) = (0, 0);
    for doc in &docs {
        for _ in 0..60 {
            let mut m = mutate(doc, &mut rng);
            if rng.below(3) == 0 {
                m = mutate(&m, &mut rng);
            }
            let want = streaming(&m);
            match canonical(&m) {
                Some(got) => {
                    fast += 1;
                    assert_eq!(Ok(got), want, "canonical differs on:\n{m}");
                }
                None => slow += 1,
            }
            assert_eq!(from_str(&m), want, "from_str differs on:\n{m}");
        }
    }
    // Both paths must have been exercised for the comparison to mean anything.
    assert!(fast > 100 && slow > 100, "fast {fast}, slow {slow}");
}
