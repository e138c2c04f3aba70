//! Where DLT's Node parser (xml-js `nativeType`, compact) and Stampede disagreed when run side by
//! side: empty task-metadata elements and KPIs whose `value` attribute and `<value>` text differ.
//! The files in `tests/data/` are the real PR#14 Taurus results XML with those parts edited; the
//! expected values are what xml-js 1.6.11 plus DLT's reads (`_text`, rc `parseInt(_attributes.value)`)
//! give for them.

use parser::dlt::{self, Era};
use parser::model::Num;
use parser::read::{canonical, from_str, streaming};

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn task_json(xml: &str) -> serde_json::Value {
    let fs = from_str(xml).expect("a readable results XML");
    dlt::task_result(&fs, Era::V4)
        .expect("DLT reads it")
        .to_json(Era::V4)
}

#[test]
fn empty_task_metadata_elements_are_left_out_like_xml_js_does() {
    let xml = data("pr14-empty-task-meta.xml");
    let fast = canonical(&xml).expect("the edited file keeps Taurus's shape");
    assert_eq!(Ok(fast.clone()), streaming(&xml), "both readers agree");
    // The model keeps the elements as written, so that the file round-trips.
    let tags: Vec<_> = fast.extra.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(tags, ["TaskId", "TaskCPU", "TaskMemory", "ECSDuration"]);
    let got = task_json(&xml);
    let meta: Vec<_> = ["taskId", "taskCPU", "taskMemory", "ecsDuration"]
        .into_iter()
        .filter(|k| got.get(*k).is_some())
        .collect();
    assert_eq!(meta, ["ecsDuration"], "{got}");
    assert_eq!(got["ecsDuration"], 180);
}

#[test]
fn every_empty_form_of_task_id_is_left_out() {
    let base = data("pr14-empty-task-meta.xml");
    for form in ["<TaskId/>", "<TaskId>\n  \t</TaskId>", "<TaskId></TaskId>"] {
        let xml = base.replace("<TaskId></TaskId>", form);
        assert_eq!(from_str(&xml), streaming(&xml), "{form}");
        assert!(task_json(&xml).get("taskId").is_none(), "{form}");
    }
    let xml = base.replace("<TaskId></TaskId>", "<TaskId> 00ff </TaskId>");
    assert_eq!(
        task_json(&xml)["taskId"],
        " 00ff ",
        "text is kept as written"
    );
}

#[test]
fn a_kpi_is_read_from_its_value_text_and_an_rc_from_its_attribute() {
    let xml = data("pr14-kpi-value-disagrees.xml");
    let fast = canonical(&xml).expect("the edited file keeps Taurus's shape");
    assert_eq!(Ok(fast.clone()), streaming(&xml), "both readers agree");
    let overall = fast.overall().expect("an overall group");
    assert_eq!(overall.avg_rt, Num::Float(0.3), "<value> text, not value=");
    let p95 = overall.perc.iter().find(|k| k.param == "95.0").unwrap();
    assert_eq!(p95.value, Num::Float(0.31));
    let rc500 = overall.rc.iter().find(|k| k.param == "500").unwrap();
    assert_eq!(rc500.value, Num::Int(7), "rc counts come from value=");
    // An empty `<value/>` has no text: the attribute stands in (DLT would read `undefined`).
    assert_eq!(overall.bytes, Num::Int(369713));
    // The labelled group was not edited: both sources agree there.
    assert_eq!(fast.groups[0].avg_rt, Num::Float(0.22245));

    let got = task_json(&xml);
    assert_eq!(got["stats"]["avg_rt"], 0.3);
    assert_eq!(got["stats"]["p95_0"], 0.31);
    assert_eq!(
        got["stats"]["rc"],
        serde_json::json!([{"code": "500", "count": 7}])
    );
}

#[test]
fn an_unreadable_value_text_is_an_error_even_with_a_good_attribute() {
    let xml =
        data("pr14-kpi-value-disagrees.xml").replace("<value>0.30000</value>", "<value>x</value>");
    assert!(
        canonical(&xml).is_none(),
        "errors come from the general reader"
    );
    let err = from_str(&xml).unwrap_err();
    assert_eq!(
        err.to_string(),
        "<avg_rt> in Group label=\"\" has value \"x\", which is not a number"
    );
}
