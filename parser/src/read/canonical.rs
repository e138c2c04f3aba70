//! The fast path of [`super::from_str`]: a byte scanner for exactly the shape Taurus's `final-stats`
//! writes (and [`crate::write`] reproduces), optionally with DLT's task-metadata elements appended.
//!
//! It never decides that a document is bad: at the first byte outside that shape (an entity, a
//! comment, CDATA, single quotes, an unknown KPI, a value that is not a number, `\r`, ...) it gives
//! up and the general quick-xml reader reads the whole document again, so errors, and everything
//! unusual, come from one place. Whatever it accepts is well-formed XML that the general reader
//! reads into the same model (`parser/tests/read_paths.rs` and the fuzz target check that).
//!
//! Why it exists: quick-xml's event and attribute machinery cost ~35 ns per event, about 85 ms for
//! the 2.2 million events of 100 task files x 100 labels; this scanner reads them in a fraction.

use super::parse_num;
use crate::model::{FinalStatus, Group, Kpi};

/// The declarations lxml and [`crate::write`] emit; anything else goes to the general reader.
const DECLARATIONS: [&[u8]; 2] = [
    b"<?xml version='1.0' encoding='UTF-8'?>",
    b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
];

/// The model, or `None` when the document is not in the canonical shape.
pub(super) fn read(xml: &str) -> Option<FinalStatus> {
    let mut c = Cursor { s: xml, i: 0 };
    if let Some(d) = DECLARATIONS.iter().find(|d| c.rest().starts_with(d)) {
        c.i += d.len();
    }
    c.skip_ws();
    c.expect(b"<FinalStatus>")?;
    // A canonical group of 18 KPIs takes about 2 KB.
    let mut fs = FinalStatus {
        groups: Vec::with_capacity(xml.len() / 2048 + 1),
        ..FinalStatus::default()
    };
    loop {
        c.skip_ws();
        c.expect(b"<")?;
        // The general reader stops at the root's end tag too: what follows is never read.
        if c.eat(b"/FinalStatus>") {
            return Some(fs);
        }
        let name = c.name()?;
        if name == "Group" {
            fs.groups.push(c.group()?);
            continue;
        }
        let text = c.text_element(name, true)?.to_owned();
        match name {
            "TestDuration" => fs.test_duration = Some(text),
            "ReportURL" => fs.report_url = Some(text),
            _ => fs.extra.push((name.to_owned(), text)),
        }
    }
}

struct Cursor<'a> {
    s: &'a str,
    i: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a [u8] {
        &self.s.as_bytes()[self.i..]
    }

    fn eat(&mut self, lit: &[u8]) -> bool {
        let hit = self.rest().starts_with(lit);
        if hit {
            self.i += lit.len();
        }
        hit
    }

    fn expect(&mut self, lit: &[u8]) -> Option<()> {
        self.eat(lit).then_some(())
    }

    /// Whitespace between elements, which the general reader ignores at these depths.
    fn skip_ws(&mut self) {
        let n = self
            .rest()
            .iter()
            .take_while(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
            .count();
        self.i += n;
    }

    /// An ASCII element name (`[A-Za-z_][A-Za-z0-9_.-]*`), after its `<`.
    fn name(&mut self) -> Option<&'a str> {
        let rest = self.rest();
        if !rest.first()?.is_ascii_alphabetic() && rest[0] != b'_' {
            return None;
        }
        let n = rest
            .iter()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.'))
            .count();
        let name = &self.s[self.i..self.i + n];
        self.i += n;
        Some(name)
    }

    /// An attribute value up to its closing `"`, which it consumes. No entity, no `<`/`>`, no control
    /// character: what remains is the value exactly as quick-xml's `unescape_value` returns it.
    fn attr_value(&mut self) -> Option<&'a str> {
        let start = self.i;
        let rest = self.rest();
        let n = rest.iter().position(|&b| b == b'"')?;
        if rest[..n]
            .iter()
            .any(|&b| b < 0x20 || matches!(b, b'&' | b'<' | b'>'))
        {
            return None;
        }
        self.i += n + 1;
        Some(&self.s[start..start + n])
    }

    /// `<name>text</name>` or `<name/>` after the name: the text, which has no markup, entity or
    /// control character other than tab and newline. `kept` text must also be ASCII, because
    /// quick-xml's `xml_content` rewrites XML 1.1 line ends (`\u{85}`, `\u{2028}`) in text it keeps.
    fn text_element(&mut self, name: &str, kept: bool) -> Option<&'a str> {
        if self.eat(b"/>") {
            return Some("");
        }
        self.expect(b">")?;
        let start = self.i;
        let rest = self.rest();
        let n = rest.iter().position(|&b| b == b'<')?;
        let bad = |b: u8| {
            (b < 0x20 && b != b'\t' && b != b'\n')
                || matches!(b, b'&' | b'>')
                || (kept && b >= 0x80)
        };
        if rest[..n].iter().any(|&b| bad(b)) {
            return None;
        }
        self.i += n + 1;
        self.end_tag(name)?;
        Some(&self.s[start..start + n])
    }

    /// `/name>`, after its `<`.
    fn end_tag(&mut self, name: &str) -> Option<()> {
        self.expect(b"/")?;
        self.expect(name.as_bytes())?;
        self.expect(b">")
    }

    /// `<Group label="…">` KPIs `</Group>`, after the name.
    fn group(&mut self) -> Option<Group> {
        self.expect(b" label=\"")?;
        let mut group = Group::empty(self.attr_value()?);
        if self.eat(b"/>") {
            return Some(group);
        }
        self.expect(b">")?;
        loop {
            self.skip_ws();
            self.expect(b"<")?;
            if self.eat(b"/Group>") {
                return Some(group);
            }
            let name = self.name()?;
            self.kpi(&mut group, name)?;
        }
    }

    /// `<name value="…"[ param="…"]>` children `</name>`, after the name. The value is the one DLT
    /// reads (see `add_kpi` in the general reader): an rc's attribute, else the first `<value>`
    /// child's text when it has any, else the attribute.
    fn kpi(&mut self, group: &mut Group, name: &str) -> Option<()> {
        self.expect(b" value=\"")?;
        let attr = self.attr_value()?;
        let mut value = parse_num(attr)?;
        let param = if self.eat(b" param=\"") {
            Some(self.attr_value()?)
        } else {
            None
        };
        if !self.eat(b"/>") {
            self.expect(b">")?;
            let mut seen_value = false;
            loop {
                self.skip_ws();
                self.expect(b"<")?;
                if self.rest().first() == Some(&b'/') {
                    self.end_tag(name)?;
                    break;
                }
                let child = self.name()?;
                let first_value = child == "value" && !std::mem::replace(&mut seen_value, true);
                let text = self.text_element(child, first_value)?;
                // Taurus writes the same text twice: only a different one needs parsing.
                if first_value && name != "rc" && text != attr && !text.trim().is_empty() {
                    value = parse_num(text)?;
                }
            }
        }
        match name {
            "rc" | "perc" => {
                let list = if name == "rc" {
                    &mut group.rc
                } else {
                    &mut group.perc
                };
                list.push(Kpi {
                    param: param?.to_owned(),
                    value,
                });
            }
            _ => *group.scalar_mut(name)? = value,
        }
        Some(())
    }
}
