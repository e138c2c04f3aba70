//! Reads a Taurus `final-stats` results XML into [`FinalStatus`]. Every error names the element and,
//! inside a Group, its label, so that a broken file from a task can be found and fixed.

use crate::model::{FinalStatus, Group, Kpi, Num};
use quick_xml::events::Event;
use quick_xml::reader::Reader;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum ReadError {
    #[error("results XML is not well-formed at byte {position}: {message}")]
    Xml { position: u64, message: String },
    #[error("results XML has no <FinalStatus> root element (found <{found}>)")]
    NotFinalStatus { found: String },
    #[error("results XML is empty: no <FinalStatus> element")]
    Empty,
    #[error("<{element}> in Group label=\"{label}\" has no {attribute:?} attribute")]
    MissingAttribute {
        element: String,
        attribute: &'static str,
        label: String,
    },
    #[error("<Group> without a label attribute (group #{index})")]
    GroupWithoutLabel { index: usize },
    #[error(
        "<{element}> in Group label=\"{label}\" has neither a value attribute nor a <value> child"
    )]
    MissingValue { element: String, label: String },
    #[error("<{element}> in Group label=\"{label}\" has value {value:?}, which is not a number")]
    BadNumber {
        element: String,
        label: String,
        value: String,
    },
    #[error(
        "<{element}> in Group label=\"{label}\" is not a Taurus KPI (expected throughput, concurrency, succ, fail, avg_rt, stdev_rt, avg_lt, avg_ct, bytes, rc, perc)"
    )]
    UnknownKpi { element: String, label: String },
}

/// A parsed element: enough of a DOM for this small format.
#[derive(Debug, Default)]
struct Elem {
    name: String,
    attrs: Vec<(String, String)>,
    text: String,
    children: Vec<Elem>,
}

impl Elem {
    fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn child(&self, name: &str) -> Option<&Elem> {
        self.children.iter().find(|c| c.name == name)
    }
}

/// Parses a results XML document.
pub fn from_str(xml: &str) -> Result<FinalStatus, ReadError> {
    let root = parse_tree(xml)?;
    if root.name != "FinalStatus" {
        return Err(ReadError::NotFinalStatus { found: root.name });
    }
    let mut status = FinalStatus::default();
    for child in root.children {
        match child.name.as_str() {
            "TestDuration" => status.test_duration = Some(child.text),
            "ReportURL" => status.report_url = Some(child.text),
            "Group" => {
                let index = status.groups.len();
                status.groups.push(read_group(&child, index)?);
            }
            _ => status.extra.push((child.name, child.text)),
        }
    }
    Ok(status)
}

fn read_group(elem: &Elem, index: usize) -> Result<Group, ReadError> {
    let label = elem
        .attr("label")
        .ok_or(ReadError::GroupWithoutLabel { index })?;
    let mut group = Group::empty(label);
    for kpi in &elem.children {
        let value = kpi_value(kpi, label)?;
        match kpi.name.as_str() {
            "rc" | "perc" => {
                let param = kpi
                    .attr("param")
                    .ok_or_else(|| ReadError::MissingAttribute {
                        element: kpi.name.clone(),
                        attribute: "param",
                        label: label.to_string(),
                    })?;
                let list = if kpi.name == "rc" {
                    &mut group.rc
                } else {
                    &mut group.perc
                };
                list.push(Kpi {
                    param: param.to_string(),
                    value,
                });
            }
            name => match group.scalar_mut(name) {
                Some(slot) => *slot = value,
                None => {
                    return Err(ReadError::UnknownKpi {
                        element: name.to_string(),
                        label: label.to_string(),
                    });
                }
            },
        }
    }
    Ok(group)
}

fn kpi_value(kpi: &Elem, label: &str) -> Result<Num, ReadError> {
    let raw =
        match kpi.attr("value") {
            Some(v) => v,
            None => kpi.child("value").map(|v| v.text.as_str()).ok_or_else(|| {
                ReadError::MissingValue {
                    element: kpi.name.clone(),
                    label: label.to_string(),
                }
            })?,
        };
    parse_num(raw).ok_or_else(|| ReadError::BadNumber {
        element: kpi.name.clone(),
        label: label.to_string(),
        value: raw.to_string(),
    })
}

/// `"84"` is an int, anything with a point or exponent (`"0.00182"`, `"nan"`) a float.
pub fn parse_num(raw: &str) -> Option<Num> {
    let t = raw.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Num::Int(i));
    }
    t.parse::<f64>().ok().map(Num::Float)
}

fn parse_tree(xml: &str) -> Result<Elem, ReadError> {
    let mut reader = Reader::from_str(xml);
    let mut stack: Vec<Elem> = Vec::new();
    let xml_err = |r: &Reader<&[u8]>, e: &dyn std::fmt::Display| ReadError::Xml {
        position: r.buffer_position(),
        message: e.to_string(),
    };
    loop {
        let event = reader.read_event().map_err(|e| xml_err(&reader, &e))?;
        match event {
            Event::Start(e) => stack.push(start_elem(&e).map_err(|m| xml_err(&reader, &m))?),
            Event::Empty(e) => {
                let elem = start_elem(&e).map_err(|m| xml_err(&reader, &m))?;
                if let Some(done) = close(&mut stack, elem) {
                    return Ok(done);
                }
            }
            Event::End(_) => {
                let elem = stack
                    .pop()
                    .ok_or_else(|| xml_err(&reader, &"unbalanced end tag"))?;
                if let Some(done) = close(&mut stack, elem) {
                    return Ok(done);
                }
            }
            Event::Text(t) => {
                if let Some(top) = stack.last_mut() {
                    let s = t.xml_content().map_err(|e| xml_err(&reader, &e))?;
                    top.text.push_str(&s);
                }
            }
            Event::CData(t) => {
                if let Some(top) = stack.last_mut() {
                    top.text.push_str(&String::from_utf8_lossy(&t));
                }
            }
            Event::GeneralRef(r) => {
                if let Some(top) = stack.last_mut() {
                    let name = r.xml_content().map_err(|e| xml_err(&reader, &e))?;
                    let entity = format!("&{name};");
                    let s =
                        quick_xml::escape::unescape(&entity).map_err(|e| xml_err(&reader, &e))?;
                    top.text.push_str(&s);
                }
            }
            Event::Eof => {
                return Err(if stack.is_empty() {
                    ReadError::Empty
                } else {
                    xml_err(&reader, &"unexpected end of document")
                });
            }
            _ => {}
        }
    }
}

/// Attaches a finished element to its parent, or returns it when it is the root.
fn close(stack: &mut [Elem], mut elem: Elem) -> Option<Elem> {
    // Pretty-printing whitespace is not content.
    if !elem.children.is_empty() && elem.text.trim().is_empty() {
        elem.text.clear();
    }
    match stack.last_mut() {
        Some(parent) => {
            parent.children.push(elem);
            None
        }
        None => Some(elem),
    }
}

fn start_elem(e: &quick_xml::events::BytesStart<'_>) -> Result<Elem, String> {
    let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| err.to_string())?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .unescape_value()
            .map_err(|err| err.to_string())?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Elem {
        name,
        attrs,
        ..Elem::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_element_and_label() {
        let xml = "<FinalStatus><Group label=\"home\"><avg_rt value=\"x\"/></Group></FinalStatus>";
        assert_eq!(
            from_str(xml),
            Err(ReadError::BadNumber {
                element: "avg_rt".into(),
                label: "home".into(),
                value: "x".into()
            })
        );
        let xml = "<FinalStatus><Group label=\"a\"><p75 value=\"1\"/></Group></FinalStatus>";
        assert!(matches!(from_str(xml), Err(ReadError::UnknownKpi { .. })));
        assert!(matches!(
            from_str("<FinalStatus><Group>"),
            Err(ReadError::Xml { .. })
        ));
        assert_eq!(from_str(""), Err(ReadError::Empty));
        assert!(matches!(
            from_str("<x/>"),
            Err(ReadError::NotFinalStatus { .. })
        ));
    }
}
