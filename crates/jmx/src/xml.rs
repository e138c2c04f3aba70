//! XML text to a small owned tree, with line numbers and hard bounds.
//!
//! The tree is built with an explicit stack, never recursion, so a hostile file cannot overflow the
//! stack here; the depth bound then protects every recursive walk that follows.

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::error::ReadError;

/// Bounds on the input; exceeding one is a [`ReadError`], never a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest accepted file, in bytes.
    pub max_bytes: usize,
    /// Deepest accepted XML nesting (a JMX test element costs two levels: itself and its `hashTree`).
    pub max_depth: usize,
    /// Most XML elements accepted in one file.
    pub max_elements: usize,
}

impl Default for Limits {
    /// Large enough for any hand-made or recorded plan seen in the wild (the biggest are a few MiB).
    fn default() -> Self {
        Limits {
            max_bytes: 64 << 20,
            max_depth: 256,
            max_elements: 2_000_000,
        }
    }
}

/// One XML element: its tag, attributes, concatenated text and child elements.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct XmlNode {
    pub tag: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<XmlNode>,
    pub line: u32,
}

impl XmlNode {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Maps byte offsets to 1-based line numbers.
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Self {
        Lines(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i)
                .collect(),
        )
    }

    fn at(&self, offset: u64) -> u32 {
        let offset = usize::try_from(offset).unwrap_or(usize::MAX);
        let line = self.0.partition_point(|&nl| nl < offset) + 1;
        u32::try_from(line).unwrap_or(u32::MAX)
    }
}

/// Parses `text` into its root element.
pub(crate) fn parse(text: &str, limits: &Limits) -> Result<XmlNode, ReadError> {
    if text.len() > limits.max_bytes {
        return Err(ReadError::TooLarge {
            bytes: text.len(),
            max: limits.max_bytes,
        });
    }
    let lines = Lines::new(text);
    let mut reader = Reader::from_str(text);
    let mut stack: Vec<XmlNode> = Vec::new();
    let mut root: Option<XmlNode> = None;
    let mut count = 0usize;
    loop {
        let event = reader.read_event().map_err(|e| ReadError::Xml {
            line: lines.at(reader.error_position()),
            message: e.to_string(),
        })?;
        let line = lines.at(reader.buffer_position());
        let xml_err = |message: String| ReadError::Xml { line, message };
        match event {
            Event::Start(start) | Event::Empty(start) if root.is_some() => {
                return Err(xml_err(format!(
                    "content after the root element: <{}>",
                    name_of(&start)
                )));
            }
            Event::Start(start) => {
                count += 1;
                if count > limits.max_elements {
                    return Err(ReadError::TooManyElements {
                        max: limits.max_elements,
                    });
                }
                if stack.len() >= limits.max_depth {
                    return Err(ReadError::TooDeep {
                        line,
                        max: limits.max_depth,
                    });
                }
                stack.push(node_of(&start, line).map_err(xml_err)?);
            }
            Event::Empty(start) => {
                count += 1;
                if count > limits.max_elements {
                    return Err(ReadError::TooManyElements {
                        max: limits.max_elements,
                    });
                }
                let node = node_of(&start, line).map_err(xml_err)?;
                close(node, &mut stack, &mut root);
            }
            Event::End(_) => {
                let node = stack
                    .pop()
                    .ok_or_else(|| xml_err("unbalanced end tag".into()))?;
                close(node, &mut stack, &mut root);
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(|e| xml_err(e.to_string()))?;
                push_text(&mut stack, &s);
            }
            Event::CData(t) => {
                let s = t.decode().map_err(|e| xml_err(e.to_string()))?;
                push_text(&mut stack, &s);
            }
            Event::GeneralRef(r) => {
                let resolved = match r.resolve_char_ref().map_err(|e| xml_err(e.to_string()))? {
                    Some(c) => c.to_string(),
                    None => {
                        let name = r.decode().map_err(|e| xml_err(e.to_string()))?;
                        quick_xml::escape::resolve_predefined_entity(&name)
                            .ok_or_else(|| xml_err(format!("unknown entity &{name};")))?
                            .to_string()
                    }
                };
                push_text(&mut stack, &resolved);
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::DocType(_) | Event::Comment(_) => {}
        }
    }
    if !stack.is_empty() {
        let open = stack.last().map(|n| n.tag.clone()).unwrap_or_default();
        return Err(ReadError::Xml {
            line: lines.at(text.len() as u64),
            message: format!("unclosed <{open}>"),
        });
    }
    root.ok_or(ReadError::Xml {
        line: 1,
        message: "no root element".into(),
    })
}

fn name_of(start: &BytesStart) -> String {
    String::from_utf8_lossy(start.name().as_ref()).into_owned()
}

fn node_of(start: &BytesStart, line: u32) -> Result<XmlNode, String> {
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(|e| e.to_string())?;
        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
        let value = attr
            .unescape_value()
            .map_err(|e| e.to_string())?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(XmlNode {
        tag: name_of(start),
        attrs,
        text: String::new(),
        children: Vec::new(),
        line,
    })
}

fn close(node: XmlNode, stack: &mut [XmlNode], root: &mut Option<XmlNode>) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(node),
        None => *root = Some(node),
    }
}

fn push_text(stack: &mut [XmlNode], text: &str) {
    if let Some(node) = stack.last_mut() {
        node.text.push_str(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entities_cdata_and_lines_are_kept() {
        let xml = "<?xml version=\"1.0\"?>\n<a x=\"1&amp;2\">\n  <b>x &lt; y &#65;<![CDATA[<raw>]]></b>\n</a>";
        let root = parse(xml, &Limits::default()).unwrap();
        assert_eq!(root.attr("x"), Some("1&2"));
        let b = &root.children[0];
        assert_eq!(b.text, "x < y A<raw>");
        assert_eq!(b.line, 3);
    }

    #[test]
    fn bounds_are_errors() {
        let deep = "<a>".repeat(50) + &"</a>".repeat(50);
        let limits = Limits {
            max_depth: 10,
            ..Limits::default()
        };
        assert!(matches!(
            parse(&deep, &limits),
            Err(ReadError::TooDeep { max: 10, .. })
        ));
        let wide = format!("<a>{}</a>", "<b/>".repeat(20));
        let limits = Limits {
            max_elements: 5,
            ..Limits::default()
        };
        assert!(matches!(
            parse(&wide, &limits),
            Err(ReadError::TooManyElements { max: 5 })
        ));
        let limits = Limits {
            max_bytes: 3,
            ..Limits::default()
        };
        assert!(matches!(
            parse("<a></a>", &limits),
            Err(ReadError::TooLarge { bytes: 7, max: 3 })
        ));
    }

    #[test]
    fn malformed_xml_names_its_line() {
        let err = parse("<a>\n<b>\n</a>", &Limits::default()).unwrap_err();
        assert!(matches!(err, ReadError::Xml { line: 3, .. }), "{err:?}");
    }
}
