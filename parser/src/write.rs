//! Writes [`FinalStatus`] exactly as Taurus's `final-stats` `dump-xml` does (lxml, `pretty_print=True`,
//! `xml_declaration=True`, UTF-8): single-quoted declaration, 2-space indent, `\n` line ends.

use crate::model::{FinalStatus, Kpi, Num};
use std::fmt::Write;

/// The whole document, byte-identical to Taurus's output for the same model.
pub fn to_string(status: &FinalStatus) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str("<?xml version='1.0' encoding='UTF-8'?>\n<FinalStatus>\n");
    if let Some(d) = &status.test_duration {
        element(&mut out, 1, "TestDuration", d);
    }
    if let Some(u) = &status.report_url {
        element(&mut out, 1, "ReportURL", u);
    }
    for g in &status.groups {
        let _ = writeln!(out, "  <Group label=\"{}\">", escape_attr(&g.label));
        for (name, value) in g.scalars() {
            kpi(&mut out, name, None, value);
        }
        for Kpi { param, value } in &g.rc {
            kpi(&mut out, "rc", Some(param), *value);
        }
        for Kpi { param, value } in &g.perc {
            kpi(&mut out, "perc", Some(param), *value);
        }
        out.push_str("  </Group>\n");
    }
    // DLT's load-test.sh (v3.3.6+) appends these with sed, all on the closing line.
    for (tag, text) in &status.extra {
        let _ = write!(out, "<{tag}>{}</{tag}>", escape_text(text));
    }
    out.push_str("</FinalStatus>\n");
    out
}

fn element(out: &mut String, depth: usize, tag: &str, text: &str) {
    let pad = "  ".repeat(depth);
    if text.is_empty() {
        // lxml writes an element without text as self-closing.
        let _ = writeln!(out, "{pad}<{tag}/>");
    } else {
        let _ = writeln!(out, "{pad}<{tag}>{}</{tag}>", escape_text(text));
    }
}

fn kpi(out: &mut String, tag: &str, param: Option<&str>, value: Num) {
    let v = value.to_taurus_string();
    let _ = match param {
        Some(p) => writeln!(
            out,
            "    <{tag} value=\"{v}\" param=\"{}\">",
            escape_attr(p)
        ),
        None => writeln!(out, "    <{tag} value=\"{v}\">"),
    };
    let name = match param {
        Some(p) => format!("{tag}/{p}"),
        None => tag.to_string(),
    };
    element(out, 3, "name", &name);
    element(out, 3, "value", &v);
    let _ = writeln!(out, "    </{tag}>");
}

/// Text content as libxml2 escapes it: `&`, `<`, `>`, and `\r` as a character reference.
pub fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#13;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// XML 1.0 cannot carry most control characters, even escaped; they become U+FFFD so that a label
/// with one still gives a readable file (lxml would refuse to write it at all).
fn is_xml_char(c: char) -> bool {
    !matches!(c, '\u{0}'..='\u{8}' | '\u{B}' | '\u{C}' | '\u{E}'..='\u{1F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// Attribute values as libxml2 escapes them (double-quoted): also `"` and whitespace controls.
pub fn escape_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// Python's `str(float)` for the values Taurus prints that way (`TestDuration`, console tables):
/// the shortest round-trip form, always with a decimal point (`7.0`, `0.057`).
pub fn python_float_str(v: f64) -> String {
    if !v.is_finite() {
        return if v.is_nan() {
            "nan".into()
        } else if v > 0.0 {
            "inf".into()
        } else {
            "-inf".into()
        };
    }
    let abs = v.abs();
    if abs != 0.0 && !(1e-4..1e16).contains(&abs) {
        // Python switches to exponent form here: 1e-05, 1e+16.
        let s = format!("{v:e}");
        let (m, e) = s.split_once('e').expect("{:e} has an exponent");
        let e: i32 = e.parse().expect("exponent is an integer");
        return format!("{m}e{}{:02}", if e < 0 { '-' } else { '+' }, e.abs());
    }
    let s = v.to_string();
    if s.contains('.') { s } else { format!("{s}.0") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn python_float_repr() {
        assert_eq!(python_float_str(7.0), "7.0");
        assert_eq!(python_float_str(0.057), "0.057");
        assert_eq!(python_float_str(0.0), "0.0");
        assert_eq!(python_float_str(105.0), "105.0");
        assert_eq!(python_float_str(1e-5), "1e-05");
        assert_eq!(python_float_str(1e16), "1e+16");
    }

    #[test]
    fn escaping_follows_libxml2() {
        assert_eq!(
            escape_attr("a<b>&\"c\"\n"),
            "a&lt;b&gt;&amp;&quot;c&quot;&#10;"
        );
        assert_eq!(escape_text("a<b>&\"c\""), "a&lt;b&gt;&amp;\"c\"");
        assert_eq!(escape_attr("bell\u{7}"), "bell\u{FFFD}");
        assert_eq!(escape_text("nul\u{0}\ttab"), "nul\u{FFFD}\ttab");
    }
}
