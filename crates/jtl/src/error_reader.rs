//! JMeter XML results (`error.jtl`, or a full `trace.jtl`): for every failed top-level sample, the
//! error Taurus's `JTLErrorsReader` reports: a non-2xx/3xx code gives the response message; else a
//! failed assertion gives its failure message (an assertion error); else the first failed
//! sub-sample's error (a sub-sample error); else the response message.

use super::JtlError;
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use stampede_kpi::FailureKind;
use stampede_stats::{ErrorItem, ErrorsBuffer};
use std::path::Path;
use std::sync::Arc;

/// The parts of a `<httpSample>`/`<sample>` that decide its error.
#[derive(Debug, Default)]
struct Node {
    attrs: Vec<(String, String)>,
    /// `(failure || error, failureMessage)` of each `<assertionResult>`.
    assertions: Vec<(bool, String)>,
    children: Vec<Node>,
}

impl Node {
    fn attr(&self, name: &str) -> &str {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map_or("", |(_, v)| v.as_str())
    }
    fn failed(&self) -> bool {
        self.attr("s") == "false"
    }
}

/// (message, response code, kind) of a failed sample.
fn find_failure(node: &Node) -> (String, String, FailureKind) {
    let rc = node.attr("rc");
    if !rc.starts_with('2') && !rc.starts_with('3') {
        return (
            node.attr("rm").to_string(),
            rc.to_string(),
            FailureKind::Error,
        );
    }
    if let Some((_, msg)) = node.assertions.iter().find(|(failed, _)| *failed) {
        return (
            shorten_assertion(msg),
            rc.to_string(),
            FailureKind::Assertion,
        );
    }
    for child in node.children.iter().filter(|c| c.failed()) {
        let (msg, child_rc, _) = find_failure(child);
        if !msg.is_empty() {
            return (msg, child_rc, FailureKind::SubSample);
        }
    }
    (
        node.attr("rm").to_string(),
        rc.to_string(),
        FailureKind::Error,
    )
}

/// Duration assertion messages carry the actual time; Taurus keeps only the stable part so they merge.
fn shorten_assertion(msg: &str) -> String {
    const TOO_LONG: &str = "The operation lasted too long";
    if msg.contains(TOO_LONG) {
        TOO_LONG.to_string()
    } else {
        msg.to_string()
    }
}

/// Reads an XML results file into `buffer` (failed samples only), keyed by start second and label.
pub fn read_errors(path: &Path, buffer: &mut ErrorsBuffer) -> Result<(), JtlError> {
    let text = std::fs::read(path).map_err(|source| JtlError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut reader = Reader::from_reader(text.as_slice());
    let xml_err = |pos: u64, message: String| JtlError::Xml {
        path: path.to_path_buf(),
        position: pos,
        message,
    };
    let mut stack: Vec<Node> = Vec::new();
    // Which leaf element we are inside of, for the assertion fields.
    let mut field: Option<String> = None;
    let mut buf = Vec::new();
    loop {
        let pos = reader.buffer_position();
        let event = reader
            .read_event_into(&mut buf)
            .map_err(|e| xml_err(pos, e.to_string()))?;
        match event {
            Event::Start(e) => match e.name().as_ref() {
                b"httpSample" | b"sample" => stack.push(node(&e).map_err(|m| xml_err(pos, m))?),
                b"assertionResult" => {
                    if let Some(top) = stack.last_mut() {
                        top.assertions.push((false, String::new()));
                    }
                }
                name => field = Some(String::from_utf8_lossy(name).into_owned()),
            },
            Event::Empty(e) if matches!(e.name().as_ref(), b"httpSample" | b"sample") => {
                let n = node(&e).map_err(|m| xml_err(pos, m))?;
                finish_node(n, &mut stack, buffer);
            }
            Event::Text(t) => {
                let text = t.xml_content().map_err(|e| xml_err(pos, e.to_string()))?;
                assertion_field(&mut stack, field.as_deref(), &text);
            }
            Event::GeneralRef(r) => {
                let name = r.xml_content().map_err(|e| xml_err(pos, e.to_string()))?;
                let entity = format!("&{name};");
                let text = quick_xml::escape::unescape(&entity)
                    .map_err(|e| xml_err(pos, e.to_string()))?
                    .into_owned();
                assertion_field(&mut stack, field.as_deref(), &text);
            }
            Event::End(e) => match e.name().as_ref() {
                b"httpSample" | b"sample" => {
                    let n = stack
                        .pop()
                        .ok_or_else(|| xml_err(pos, "unbalanced end tag".into()))?;
                    finish_node(n, &mut stack, buffer);
                }
                _ => field = None,
            },
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    if !stack.is_empty() {
        return Err(xml_err(
            reader.buffer_position(),
            "the file ends inside a sample".into(),
        ));
    }
    Ok(())
}

fn assertion_field(stack: &mut [Node], field: Option<&str>, text: &str) {
    let Some(top) = stack.last_mut() else { return };
    let Some((failed, msg)) = top.assertions.last_mut() else {
        return;
    };
    match field {
        Some("failure") | Some("error") => *failed |= text.trim() == "true",
        Some("failureMessage") => msg.push_str(text),
        _ => {}
    }
}

/// A closed sample becomes its parent's child, or, at the top level, an error when it failed.
fn finish_node(n: Node, stack: &mut [Node], buffer: &mut ErrorsBuffer) {
    if let Some(parent) = stack.last_mut() {
        parent.children.push(n);
        return;
    }
    if !n.failed() {
        return;
    }
    let ts = n.attr("ts").parse::<u64>().unwrap_or(0) / 1000;
    let label: Arc<str> = Arc::from(n.attr("lb"));
    let (msg, rc, kind) = find_failure(&n);
    buffer.add(
        ts,
        label,
        ErrorItem {
            msg: Arc::from(msg),
            cnt: 1,
            rc: Some(Arc::from(rc)),
            kind,
        },
    );
}

fn node(e: &BytesStart<'_>) -> Result<Node, String> {
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| err.to_string())?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        if matches!(key.as_str(), "s" | "rc" | "rm" | "lb" | "ts") {
            let v = a
                .unescape_value()
                .map_err(|err| err.to_string())?
                .into_owned();
            attrs.push((key, v));
        }
    }
    Ok(Node {
        attrs,
        ..Node::default()
    })
}
