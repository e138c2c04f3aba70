//! Unit tests of `scenario::extract`.

use super::*;
use crate::raw::RawExtractor;
use rand::SeedableRng;

const JSON: &str = r#"{"store":{"book":[{"title":"Sayings","price":8.95},{"title":"Sword","price":12.99}]},"ok":true}"#;
const XML: &str = r#"<?xml version="1.0"?><catalog><book id="1"><title>Sayings</title></book><book id="2"><title>Sword</title></book></catalog>"#;
const HTML: &str = r#"<html><body><input name="csrf" value="abc123"/><a class="item" href="/item/1">One</a><a class="item" href="/item/2">Two</a></body></html>"#;

fn run(block: &str, raw: Value, body: &str) -> Vars {
    let raw: RawExtractor = serde_json::from_value(raw).unwrap();
    let e = Extractor::compile(block, "v", &raw).unwrap_or_else(|e| panic!("{e}"));
    let headers = http::HeaderMap::new();
    let ex = Exchange {
        status: 200,
        headers: &headers,
        body: body.as_bytes(),
        url: "http://h/x",
        reason: None,
        headers_text: None,
        elapsed: std::time::Duration::ZERO,
        bytes: 0,
    };
    let mut vars = Vars::default();
    vars.set("src", "id=77;");
    e.apply(&ex, &mut vars, &mut rand::rngs::StdRng::seed_from_u64(3));
    vars
}

#[test]
fn regexp_template_match_no_default() {
    let body = "id=1; id=2; id=3;";
    assert_eq!(
        run("extract-regexp", "id=(\\d+)".into(), body).get("v"),
        Some("1")
    );
    let v = run(
        "extract-regexp",
        serde_json::json!({"regexp": "(i)d=(\\d+)", "template": "$2$-$1$", "match-no": 3}),
        body,
    );
    assert_eq!(v.get("v"), Some("3-i"));
    let v = run(
        "extract-regexp",
        serde_json::json!({"regexp": "id=(\\d+)", "match-no": -1}),
        body,
    );
    assert_eq!(
        (v.get("v_matchNr"), v.get("v_2"), v.get("v")),
        (Some("3"), Some("2"), Some("NOT_FOUND"))
    );
    let v = run(
        "extract-regexp",
        serde_json::json!({"regexp": "id=(\\d+)", "match-no": 0}),
        body,
    );
    assert!(["1", "2", "3"].contains(&v.get("v").unwrap()));
    let v = run(
        "extract-regexp",
        serde_json::json!({"regexp": "nope(\\d)", "default": "D"}),
        body,
    );
    assert_eq!(v.get("v"), Some("D"));
    let v = run(
        "extract-regexp",
        serde_json::json!({"regexp": "id=(\\d+)", "from-variable": "src"}),
        body,
    );
    assert_eq!(v.get("v"), Some("77"));
    let v = run(
        "extract-regexp",
        serde_json::json!({"regexp": "^HTTP/1.1 (\\d+)", "subject": "headers"}),
        body,
    );
    assert_eq!(v.get("v"), Some("200"));
}

#[test]
fn match_all_clears_items_left_from_a_longer_previous_match() {
    let raw: RawExtractor =
        serde_json::from_value(serde_json::json!({"regexp": "id=(\\d)", "match-no": -1})).unwrap();
    let e = Extractor::compile("extract-regexp", "v", &raw).unwrap();
    let headers = http::HeaderMap::new();
    let mut vars = Vars::default();
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    for (body, n) in [("id=1 id=2 id=3", "3"), ("id=9", "1")] {
        let ex = Exchange {
            status: 200,
            headers: &headers,
            body: body.as_bytes(),
            url: "",
            reason: None,
            headers_text: None,
            elapsed: std::time::Duration::ZERO,
            bytes: 0,
        };
        e.apply(&ex, &mut vars, &mut rng);
        assert_eq!(vars.get("v_matchNr"), Some(n));
    }
    assert_eq!(
        (vars.get("v_1"), vars.get("v_2"), vars.get("v_3")),
        (Some("9"), None, None)
    );
}

#[test]
fn jsonpath_values_concat_and_all() {
    assert_eq!(
        run("extract-jsonpath", "$.store.book[1].title".into(), JSON).get("v"),
        Some("Sword")
    );
    assert_eq!(
        run("extract-jsonpath", "$.ok".into(), JSON).get("v"),
        Some("true")
    );
    let v = run(
        "extract-jsonpath",
        serde_json::json!({"jsonpath": "$..title", "match-no": -1, "concat": true}),
        JSON,
    );
    assert_eq!(
        (v.get("v_1"), v.get("v_2"), v.get("v_ALL")),
        (Some("Sayings"), Some("Sword"), Some("Sayings,Sword"))
    );
    let v = run(
        "extract-jsonpath",
        serde_json::json!({"jsonpath": "$.nope", "default": "none"}),
        JSON,
    );
    assert_eq!(v.get("v"), Some("none"));
    assert_eq!(
        run("extract-jsonpath", "$.ok".into(), "not json").get("v"),
        Some("NOT_FOUND")
    );
}

#[test]
fn xpath_boundary_css() {
    let v = run("extract-xpath", "//book/title".into(), XML);
    assert_eq!(
        (v.get("v"), v.get("v_2"), v.get("v_matchNr")),
        (Some("Sayings"), Some("Sword"), Some("2"))
    );
    let v = run(
        "extract-xpath",
        serde_json::json!({"xpath": "//book[2]/@id", "match-no": 1}),
        XML,
    );
    assert_eq!(v.get("v"), Some("2"));
    let v = run(
        "extract-boundary",
        serde_json::json!({"left": "value=\"", "right": "\""}),
        HTML,
    );
    assert_eq!(v.get("v"), Some("abc123"));
    let v = run(
        "extract-css-jquery",
        serde_json::json!({"expression": "input[name=csrf]", "attribute": "value"}),
        HTML,
    );
    assert_eq!(v.get("v"), Some("abc123"));
    let v = run(
        "extract-css-jquery",
        serde_json::json!({"expression": "a.item", "match-no": 2}),
        HTML,
    );
    assert_eq!(v.get("v"), Some("Two"));
}

#[test]
fn bad_expressions_fail_to_compile() {
    for (block, raw) in [
        ("extract-regexp", serde_json::json!("id=(")),
        (
            "extract-regexp",
            serde_json::json!({"regexp": "a(b)", "template": "$2$"}),
        ),
        ("extract-jsonpath", serde_json::json!("$.[")),
        ("extract-xpath", serde_json::json!("//book[")),
        ("extract-css-jquery", serde_json::json!("a[[")),
        ("extract-boundary", serde_json::json!("x")),
        ("extract-boundary", serde_json::json!({"left": "a"})),
        (
            "extract-jsonpath",
            serde_json::json!({"jsonpath": "$.a", "match_no": 2}),
        ),
    ] {
        let raw: RawExtractor = serde_json::from_value(raw).unwrap();
        assert!(Extractor::compile(block, "v", &raw).is_err(), "{block}");
    }
}
