//! Reads a Taurus `final-stats` results XML into [`FinalStatus`]. Every error names the element and,
//! inside a Group, its label, so that a broken file from a task can be found and fixed.
//!
//! Two readers, one result. [`from_str`] first tries [`canonical`], a byte scanner for exactly the
//! shape Taurus writes, and falls back to [`streaming`], one general quick-xml pass, for everything
//! else (entities, comments, other attribute orders, ...) and for every error. bench-parser, 100
//! files x 100 labels, 19 MB: a DOM took 260-310 ms, the streaming pass 81-89 ms, the canonical
//! scanner 19-21 ms (fastest rounds, on a loaded 2-core machine).

use crate::model::{FinalStatus, Group, Kpi, Num};
use quick_xml::events::{BytesStart, Event};
use quick_xml::reader::Reader;
use std::borrow::Cow;

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

mod canonical;

/// Parses a results XML document into the model: the canonical scanner when the document has
/// Taurus's own shape, else the general streaming reader, which also produces every error.
pub fn from_str(xml: &str) -> Result<FinalStatus, ReadError> {
    match canonical::read(xml) {
        Some(status) => Ok(status),
        None => streaming(xml),
    }
}

/// The canonical scanner alone: `Some` exactly when the document has the shape Taurus writes (then
/// it equals what [`streaming`] returns), `None` for anything else. Public for differential checks.
pub fn canonical(xml: &str) -> Option<FinalStatus> {
    canonical::read(xml)
}

/// Parses a results XML document in one general streaming quick-xml pass straight into the model.
///
/// Errors keep the order of a tree-first reader: a document that is not well-formed is an
/// [`ReadError::Xml`] even when an earlier element is also wrong in content, so the first content
/// error is held until the root element closes.
pub fn streaming(xml: &str) -> Result<FinalStatus, ReadError> {
    let mut reader = Reader::from_str(xml);
    let mut st = State::default();
    let xml_err = |r: &Reader<&[u8]>, e: &dyn std::fmt::Display| ReadError::Xml {
        position: r.buffer_position(),
        message: e.to_string(),
    };
    loop {
        let event = reader.read_event().map_err(|e| xml_err(&reader, &e))?;
        let closed = match event {
            Event::Start(e) => {
                st.open(&e).map_err(|m| xml_err(&reader, &m))?;
                false
            }
            Event::Empty(e) => {
                st.open(&e).map_err(|m| xml_err(&reader, &m))?;
                st.close()
            }
            Event::End(_) => {
                if st.depth == 0 {
                    return Err(xml_err(&reader, &"unbalanced end tag"));
                }
                st.close()
            }
            Event::Text(t) => {
                if let Some(buf) = st.text_sink() {
                    let s = t.xml_content().map_err(|e| xml_err(&reader, &e))?;
                    buf.push_str(&s);
                }
                false
            }
            Event::CData(t) => {
                if let Some(buf) = st.text_sink() {
                    buf.push_str(&String::from_utf8_lossy(&t));
                }
                false
            }
            Event::GeneralRef(r) => {
                if st.depth > 0 {
                    // Validated wherever it appears, kept only where the text is read.
                    let name = r.xml_content().map_err(|e| xml_err(&reader, &e))?;
                    let entity = format!("&{name};");
                    let s =
                        quick_xml::escape::unescape(&entity).map_err(|e| xml_err(&reader, &e))?;
                    if let Some(buf) = st.text_sink() {
                        buf.push_str(&s);
                    }
                }
                false
            }
            Event::Eof => {
                return Err(if st.depth == 0 {
                    ReadError::Empty
                } else {
                    xml_err(&reader, &"unexpected end of document")
                });
            }
            _ => false,
        };
        if closed {
            return match st.first_err {
                Some(e) => Err(e),
                None => Ok(st.status),
            };
        }
    }
}

/// A child of `<FinalStatus>` being read.
#[derive(Default)]
enum Top {
    /// Nothing to read (after a content error, or outside the root's children).
    #[default]
    Skip,
    /// `<TestDuration>`, `<ReportURL>` or an unknown element: its direct text.
    Text {
        name: String,
        text: String,
        has_children: bool,
    },
    /// A `<Group>`, already pushed to the status; `kpi` is the KPI element open inside it.
    Group { kpi: Option<KpiElem> },
}

/// A KPI element (`<avg_rt value="…">` or `<perc param="…"><value>…</value></perc>`).
struct KpiElem {
    name: Cow<'static, str>,
    /// The `value` attribute, parsed when it was read; the raw text when it is not a number.
    value_attr: Option<Result<Num, String>>,
    param: Option<String>,
    /// The first `<value>` child's direct text (what DLT reads for every KPI but rc), and whether
    /// that child had children.
    value_child: Option<(String, bool)>,
    /// Whether the first `<value>` child is open now.
    in_value: bool,
}

#[derive(Default)]
struct State {
    status: FinalStatus,
    /// Open elements; 1 = the root.
    depth: usize,
    top: Top,
    first_err: Option<ReadError>,
}

/// The attributes wanted, after checking every attribute as a tree reader would. Borrowed from the
/// element: only what the model keeps is copied.
fn elem_parts<'e, const N: usize>(
    e: &'e BytesStart<'_>,
    wanted: [&str; N],
) -> Result<[Option<Cow<'e, str>>; N], String> {
    let mut found: [Option<Cow<'e, str>>; N] = std::array::from_fn(|_| None);
    for a in e.attributes() {
        let a = a.map_err(|err| err.to_string())?;
        let value = a.unescape_value().map_err(|err| err.to_string())?;
        if let Some(i) = wanted.iter().position(|w| w.as_bytes() == a.key.as_ref())
            && found[i].is_none()
        {
            found[i] = Some(value);
        }
    }
    Ok(found)
}

fn elem_name(e: &BytesStart<'_>) -> String {
    String::from_utf8_lossy(e.name().as_ref()).into_owned()
}

/// Checks every attribute of an element whose content is not read (errors as a tree reader's).
fn check_attrs(e: &BytesStart<'_>) -> Result<(), String> {
    for a in e.attributes() {
        let a = a.map_err(|err| err.to_string())?;
        a.unescape_value().map_err(|err| err.to_string())?;
    }
    Ok(())
}

/// Taurus's KPI element names are borrowed, so that reading them allocates nothing.
fn kpi_name(raw: &[u8]) -> Cow<'static, str> {
    match crate::model::SCALAR_KPIS
        .iter()
        .chain(&["rc", "perc"])
        .find(|n| n.as_bytes() == raw)
    {
        Some(n) => Cow::Borrowed(n),
        None => Cow::Owned(String::from_utf8_lossy(raw).into_owned()),
    }
}

impl State {
    fn fail(&mut self, e: ReadError) {
        self.first_err.get_or_insert(e);
        self.top = Top::Skip;
    }

    fn open(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        self.depth += 1;
        let skipping = self.first_err.is_some();
        match self.depth {
            1 => {
                check_attrs(e)?;
                let name = elem_name(e);
                if name != "FinalStatus" {
                    self.fail(ReadError::NotFinalStatus { found: name });
                }
            }
            2 if !skipping => self.open_top(e)?,
            3 if !skipping => self.open_kpi(e)?,
            4 => {
                check_attrs(e)?;
                if let Top::Group { kpi: Some(k) } = &mut self.top
                    && e.name().as_ref() == b"value"
                    && k.value_child.is_none()
                {
                    k.value_child = Some((String::new(), false));
                    k.in_value = true;
                }
            }
            depth => {
                check_attrs(e)?;
                self.mark_children(depth);
            }
        }
        Ok(())
    }

    fn open_top(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        let [label] = elem_parts(e, ["label"])?;
        if e.name().as_ref() != b"Group" {
            self.top = Top::Text {
                name: elem_name(e),
                text: String::new(),
                has_children: false,
            };
            return Ok(());
        }
        let index = self.status.groups.len();
        match label {
            Some(label) => {
                self.status.groups.push(Group::empty(&label));
                self.top = Top::Group { kpi: None };
            }
            None => self.fail(ReadError::GroupWithoutLabel { index }),
        }
        Ok(())
    }

    fn open_kpi(&mut self, e: &BytesStart<'_>) -> Result<(), String> {
        let [value_attr, param] = elem_parts(e, ["value", "param"])?;
        let name = kpi_name(e.name().as_ref());
        match &mut self.top {
            Top::Group { kpi } => {
                *kpi = Some(KpiElem {
                    name,
                    value_attr: value_attr.map(|v| parse_num(&v).ok_or_else(|| v.into_owned())),
                    param: param.map(Cow::into_owned),
                    value_child: None,
                    in_value: false,
                })
            }
            Top::Text { has_children, .. } => *has_children = true,
            Top::Skip => {}
        }
        Ok(())
    }

    /// An element opened at `depth` >= 5: only a `<value>` child's "has children" can change.
    fn mark_children(&mut self, depth: usize) {
        if depth == 5
            && let Top::Group { kpi: Some(k) } = &mut self.top
            && k.in_value
            && let Some((_, has)) = &mut k.value_child
        {
            *has = true;
        }
    }

    /// Where the text at the current depth goes, if it is read at all.
    fn text_sink(&mut self) -> Option<&mut String> {
        match (&mut self.top, self.depth) {
            (Top::Text { text, .. }, 2) => Some(text),
            (Top::Group { kpi: Some(k) }, 4) if k.in_value => {
                k.value_child.as_mut().map(|v| &mut v.0)
            }
            _ => None,
        }
    }

    /// Closes the innermost element; true when it was the root.
    fn close(&mut self) -> bool {
        let depth = self.depth;
        self.depth -= 1;
        match depth {
            1 => return true,
            2 => self.close_top(),
            3 => self.close_kpi(),
            4 => {
                if let Top::Group { kpi: Some(k) } = &mut self.top {
                    k.in_value = false;
                }
            }
            _ => {}
        }
        false
    }

    fn close_top(&mut self) {
        match std::mem::take(&mut self.top) {
            Top::Text {
                name,
                mut text,
                has_children,
            } => {
                // Pretty-printing whitespace is not content.
                if has_children && text.trim().is_empty() {
                    text.clear();
                }
                match name.as_str() {
                    "TestDuration" => self.status.test_duration = Some(text),
                    "ReportURL" => self.status.report_url = Some(text),
                    _ => self.status.extra.push((name, text)),
                }
            }
            Top::Group { .. } | Top::Skip => {}
        }
    }

    fn close_kpi(&mut self) {
        let Top::Group { kpi } = &mut self.top else {
            return;
        };
        let Some(kpi) = kpi.take() else { return };
        let group = self
            .status
            .groups
            .last_mut()
            .expect("a Group is open while its KPIs are read");
        if let Err(e) = add_kpi(group, kpi) {
            self.fail(e);
        }
    }
}

fn add_kpi(group: &mut Group, kpi: KpiElem) -> Result<(), ReadError> {
    let label = &group.label;
    let bad_number = |raw: &str| ReadError::BadNumber {
        element: kpi.name.to_string(),
        label: label.clone(),
        value: raw.to_string(),
    };
    // xml-js gives an empty, whitespace-only or children-only `<value>` no `_text` at all.
    let text = match &kpi.value_child {
        Some((text, _)) if !text.trim().is_empty() => Some(text.as_str()),
        _ => None,
    };
    let from_text = |raw: &str| parse_num(raw).ok_or_else(|| bad_number(raw));
    let from_attr = |a: &Result<Num, String>| a.clone().map_err(|raw| bad_number(&raw));
    // DLT reads an rc count from the attribute and every other KPI from the `<value>` text; the
    // other source only stands in when the one DLT reads is missing.
    let value = match (&kpi.value_attr, text) {
        (Some(attr), _) if kpi.name == "rc" => from_attr(attr)?,
        (_, Some(text)) => from_text(text)?,
        (Some(attr), None) => from_attr(attr)?,
        (None, None) => match &kpi.value_child {
            Some((text, has_children)) => from_text(if *has_children { "" } else { text })?,
            None => {
                return Err(ReadError::MissingValue {
                    element: kpi.name.into_owned(),
                    label: label.clone(),
                });
            }
        },
    };
    match &*kpi.name {
        "rc" | "perc" => {
            let param = kpi.param.ok_or_else(|| ReadError::MissingAttribute {
                element: kpi.name.to_string(),
                attribute: "param",
                label: label.clone(),
            })?;
            let list = if kpi.name == "rc" {
                &mut group.rc
            } else {
                &mut group.perc
            };
            list.push(Kpi { param, value });
        }
        name => {
            if group.scalar_mut(name).is_none() {
                return Err(ReadError::UnknownKpi {
                    element: kpi.name.to_string(),
                    label: group.label.clone(),
                });
            }
            *group.scalar_mut(name).expect("checked just above") = value;
        }
    }
    Ok(())
}

/// `"84"` is an int, anything with a point or exponent (`"0.00182"`, `"nan"`) a float.
pub fn parse_num(raw: &str) -> Option<Num> {
    let t = raw.trim();
    if let Ok(i) = t.parse::<i64>() {
        return Some(Num::Int(i));
    }
    t.parse::<f64>().ok().map(Num::Float)
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

    #[test]
    fn a_later_xml_error_wins_over_an_earlier_content_error() {
        let xml =
            "<FinalStatus><Group label=\"a\"><avg_rt value=\"x\"/></Group><Group></FinalStatus>";
        assert!(matches!(from_str(xml), Err(ReadError::Xml { .. })));
        let xml = "<Other><Group label=\"a\"><avg_rt value=\"1\"/></Group></Other>";
        assert_eq!(
            from_str(xml),
            Err(ReadError::NotFinalStatus {
                found: "Other".into()
            })
        );
        let xml = "<FinalStatus><Group label=\"a\"/><Group><x/></Group></FinalStatus>";
        assert_eq!(
            from_str(xml),
            Err(ReadError::GroupWithoutLabel { index: 1 })
        );
    }

    #[test]
    fn reads_value_children_text_elements_and_entities() {
        let xml = "<FinalStatus>\n  <TestDuration>12.0</TestDuration>\n  <Extra>a &amp; b</Extra>\n  \
                   <Group label=\"GET &quot;/&quot;\">\n    <perc param=\"95.0\">\n      \
                   <name>perc/95.0</name>\n      <value>0.25</value>\n      <value>9</value>\n    </perc>\n    \
                   <rc param=\"200\" value=\"3\"/>\n    <throughput><value><![CDATA[7]]></value></throughput>\n  \
                   </Group>\n</FinalStatus>";
        let fs = from_str(xml).unwrap();
        assert_eq!(fs.test_duration.as_deref(), Some("12.0"));
        assert_eq!(fs.extra, vec![("Extra".to_string(), "a & b".to_string())]);
        let g = &fs.groups[0];
        assert_eq!(g.label, "GET \"/\"");
        assert_eq!(g.perc[0].param, "95.0");
        assert_eq!(g.perc[0].value, Num::Float(0.25), "the first <value> child");
        assert_eq!(g.rc[0].value, Num::Int(3));
        assert_eq!(g.throughput, Num::Int(7));
        let xml = "<FinalStatus><Group label=\"a\"><perc value=\"1\"/></Group></FinalStatus>";
        assert_eq!(
            from_str(xml),
            Err(ReadError::MissingAttribute {
                element: "perc".into(),
                attribute: "param",
                label: "a".into()
            })
        );
        let xml = "<FinalStatus><Group label=\"a\"><succ><name/></succ></Group></FinalStatus>";
        assert!(matches!(from_str(xml), Err(ReadError::MissingValue { .. })));
        let xml = "<FinalStatus><Group label=\"a\" x=\"&bogus;\"/></FinalStatus>";
        assert!(matches!(from_str(xml), Err(ReadError::Xml { .. })));
    }
}
