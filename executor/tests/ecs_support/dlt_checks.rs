//! Checks of what the container prints and uploads, by the rules DLT's consumers apply.

use std::collections::HashMap;

/// Text of every leaf element by name (last one wins); panics if the XML is not well-formed.
pub fn xml_texts(xml: &str) -> HashMap<String, String> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let mut out = HashMap::new();
    let mut current = String::new();
    loop {
        match r.read_event().expect("well-formed XML") {
            Event::Start(e) => current = String::from_utf8_lossy(e.name().as_ref()).into_owned(),
            Event::Text(t) => {
                let text = String::from_utf8_lossy(&t).trim().to_string();
                if !text.is_empty() {
                    out.insert(current.clone(), text);
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// The `logEvent` of every JSON line in `out`, in order.
pub fn json_events(out: &str) -> Vec<String> {
    out.lines()
        .filter(|l| l.starts_with('{'))
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|d| d["logEvent"].as_str().map(String::from))
        .collect()
}

/// The line matches DLT's live-data regexes (v4 real-time-data-publisher) and the v3+ metric filter's
/// space-delimited fields `[testId, live, time, logType=INFO*, logTitle=Current*, numVu, vu, …]`.
pub fn assert_live_data_line(line: &str, test_id: &str) {
    let first = regex::Regex::new(r"^(\w+)").unwrap();
    assert_eq!(&first.captures(line).unwrap()[1], test_id, "{line}");
    for re in [
        r"(\d{1,6})\s+vu",
        r"(\d{1,6})\s+succ",
        r"(\d{1,6})\s+fail",
        r"(\d{1,3}(?:\.\d{1,3})?)\s+avg rt",
    ] {
        assert!(
            regex::Regex::new(re).unwrap().is_match(line),
            "{re} on {line}"
        );
    }
    let f: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(f[0], test_id);
    assert!(f[1].starts_with("live="), "{line}");
    assert!(
        f[3].starts_with("INFO") && f[4].starts_with("Current"),
        "{line}"
    );
    assert!(f[5].parse::<u64>().is_ok() && f[6] == "vu", "{line}");
    assert!(f[7].parse::<u64>().is_ok() && f[8] == "succ", "{line}");
    assert!(f[9].parse::<u64>().is_ok() && f[10] == "fail", "{line}");
    assert!(f[11].parse::<f64>().is_ok(), "{line}");
}

/// What DLT's parsers need from a results file (`docs/dlt-container.md#results-xml`, `docs/dlt-container.md#enrichment`): a `TestDuration`, a `""` group,
/// and in every group the nine KPIs, at least one `rc` and the seven `perc` levels; with
/// `enriched`, the four task elements the v3.3.3+ parser reads.
pub fn assert_dlt_parsable(xml: &str, enriched: bool) {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_str(xml);
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    let mut depth = 0;
    let mut top: Vec<String> = Vec::new();
    loop {
        match r.read_event().expect("well-formed XML") {
            ev @ (Event::Start(_) | Event::Empty(_)) => {
                let (Event::Start(e) | Event::Empty(e)) = &ev else {
                    unreachable!()
                };
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                if depth == 1 {
                    top.push(name.clone());
                    if name == "Group" {
                        let label = e
                            .try_get_attribute("label")
                            .unwrap()
                            .map(|a| String::from_utf8_lossy(&a.value).into_owned())
                            .expect("Group has a label");
                        groups.push((label, Vec::new()));
                    }
                } else if depth == 2 {
                    groups.last_mut().expect("in a group").1.push(name);
                }
                if matches!(ev, Event::Start(_)) {
                    depth += 1;
                }
            }
            Event::End(_) => depth -= 1,
            Event::Eof => break,
            _ => {}
        }
    }
    assert!(top.contains(&"TestDuration".to_string()), "{top:?}");
    assert!(groups.iter().any(|(l, _)| l.is_empty()), "no overall group");
    for (label, kids) in &groups {
        for kpi in parser::model::SCALAR_KPIS {
            assert!(kids.iter().any(|k| k == kpi), "{label:?} lacks {kpi}");
        }
        assert!(kids.iter().any(|k| k == "rc"), "{label:?} has no rc");
        assert_eq!(kids.iter().filter(|k| *k == "perc").count(), 7, "{label:?}");
    }
    if enriched {
        for el in ["TaskId", "TaskCPU", "TaskMemory", "ECSDuration"] {
            assert!(top.iter().any(|t| t == el), "no {el}: {top:?}");
        }
    }
}
