//! API Gateway REST proxy events (payload format 1.0) ↔ HTTP requests and responses.
//!
//! DLT's routes are `/scenarios…` at the API's root; the hub serves the same handlers under
//! `/api/scenarios…`, so `/api` is put in front of the event's `path`.

use axum::body::Body;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use http_body_util::BodyExt;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde_json::{Map, Value, json};

/// Characters escaped in a path segment or query value.
const ESCAPE: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'`')
    .add(b'{')
    .add(b'}')
    .add(b'&')
    .add(b'=')
    .add(b'+');

const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];

/// An event that is not an API Gateway proxy event; `field` is the event's field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid API Gateway proxy event: {field}: {message}")]
pub struct BadEvent {
    pub field: &'static str,
    pub message: String,
}

fn bad(field: &'static str, message: &str) -> BadEvent {
    BadEvent {
        field,
        message: message.into(),
    }
}

/// The HTTP request an event stands for.
pub fn request(event: &Value) -> Result<axum::http::Request<Body>, BadEvent> {
    let Some(ev) = event.as_object() else {
        return Err(bad(
            "event",
            "must be a JSON object (an API Gateway REST proxy event)",
        ));
    };
    let method = match ev.get("httpMethod").and_then(Value::as_str) {
        Some(m) if METHODS.contains(&m) => m,
        Some(_) => {
            return Err(bad(
                "httpMethod",
                "must be one of GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS",
            ));
        }
        None => return Err(bad("httpMethod", "is required (a string)")),
    };
    let path = match ev.get("path").and_then(Value::as_str) {
        Some(p) if p.starts_with('/') => p,
        _ => return Err(bad("path", "is required: a string starting with '/'")),
    };
    let mut uri = String::from(if path.starts_with("/api/") {
        ""
    } else {
        "/api"
    });
    for (i, segment) in path.split('/').enumerate() {
        if i > 0 {
            uri.push('/');
        }
        uri.extend(utf8_percent_encode(segment, ESCAPE));
    }
    let query = query_pairs(ev)?;
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(&query);
    }
    let body = body_bytes(ev)?;
    let mut builder = axum::http::Request::builder().method(method).uri(&uri);
    if let Some(Value::Object(headers)) = ev.get("headers") {
        for (k, v) in headers {
            if let Some(v) = v.as_str() {
                builder = builder.header(k.as_str(), v);
            }
        }
    }
    builder
        .body(Body::from(body))
        .map_err(|e| bad("headers", &format!("not valid HTTP ({e})")))
}

/// `a=1&b=2` from `multiValueQueryStringParameters`, else `queryStringParameters`.
fn query_pairs(ev: &Map<String, Value>) -> Result<String, BadEvent> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    let field = "queryStringParameters";
    match (ev.get("multiValueQueryStringParameters"), ev.get(field)) {
        (Some(Value::Object(m)), _) => {
            for (k, vs) in m {
                let vs = vs.as_array().ok_or_else(|| {
                    bad(
                        "multiValueQueryStringParameters",
                        "values must be arrays of strings",
                    )
                })?;
                for v in vs {
                    let v = v.as_str().ok_or_else(|| {
                        bad(
                            "multiValueQueryStringParameters",
                            "values must be arrays of strings",
                        )
                    })?;
                    pairs.push((k.clone(), v.into()));
                }
            }
        }
        (_, Some(Value::Object(m))) => {
            for (k, v) in m {
                let v = v
                    .as_str()
                    .ok_or_else(|| bad(field, "values must be strings"))?;
                pairs.push((k.clone(), v.into()));
            }
        }
        (_, None | Some(Value::Null)) => {}
        _ => return Err(bad(field, "must be an object of strings or null")),
    }
    Ok(pairs
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                utf8_percent_encode(k, ESCAPE),
                utf8_percent_encode(v, ESCAPE)
            )
        })
        .collect::<Vec<_>>()
        .join("&"))
}

fn body_bytes(ev: &Map<String, Value>) -> Result<Vec<u8>, BadEvent> {
    let text = match ev.get("body") {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::String(s)) => s,
        Some(_) => {
            return Err(bad(
                "body",
                "must be a string or null (API Gateway sends the body as text)",
            ));
        }
    };
    if ev.get("isBase64Encoded") == Some(&Value::Bool(true)) {
        return STANDARD.decode(text).map_err(|e| {
            bad(
                "body",
                &format!("isBase64Encoded is true but the body is not base64 ({e})"),
            )
        });
    }
    Ok(text.as_bytes().to_vec())
}

/// The proxy response for `response`; DLT's API answers with CORS open, as here.
pub async fn response(response: axum::response::Response) -> Value {
    let (parts, body) = response.into_parts();
    let bytes = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            return error_response(
                500,
                "INTERNAL_ERROR",
                &format!("reading the response: {e}"),
                None,
            );
        }
    };
    let mut headers = Map::new();
    for (k, v) in &parts.headers {
        if let Ok(v) = v.to_str() {
            headers.insert(k.as_str().into(), json!(v));
        }
    }
    headers.insert("access-control-allow-origin".into(), json!("*"));
    let (body, base64) = match String::from_utf8(bytes.to_vec()) {
        Ok(text) => (text, false),
        Err(_) => (STANDARD.encode(&bytes), true),
    };
    json!({"statusCode": parts.status.as_u16(), "headers": headers, "body": body, "isBase64Encoded": base64})
}

/// A response in the hub's error shape: `{"code","message","errors"?}`.
pub fn error_response(status: u16, code: &str, message: &str, field: Option<&str>) -> Value {
    let mut body = json!({"code": code, "message": message});
    if let Some(f) = field {
        body["errors"] = json!([{"field": f, "message": message}]);
    }
    json!({
        "statusCode": status,
        "headers": {"content-type": "application/json", "access-control-allow-origin": "*"},
        "body": body.to_string(),
        "isBase64Encoded": false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_hub_uri_with_query() {
        let ev = json!({"httpMethod": "GET", "path": "/scenarios/a b/testruns",
            "multiValueQueryStringParameters": {"limit": ["5"], "latest": ["true"]}, "body": null});
        let r = request(&ev).unwrap();
        assert_eq!(r.uri().path(), "/api/scenarios/a%20b/testruns");
        let q = r.uri().query().unwrap();
        assert!(q.contains("limit=5") && q.contains("latest=true"), "{q}");
    }

    #[test]
    fn bad_events_name_the_field() {
        let field = |ev: Value| request(&ev).unwrap_err().field;
        assert_eq!(field(json!([])), "event");
        assert_eq!(field(json!({"path": "/scenarios"})), "httpMethod");
        assert_eq!(
            field(json!({"httpMethod": "BREW", "path": "/"})),
            "httpMethod"
        );
        assert_eq!(field(json!({"httpMethod": "GET"})), "path");
        assert_eq!(
            field(json!({"httpMethod": "POST", "path": "/scenarios", "body": {"a": 1}})),
            "body"
        );
        assert_eq!(
            field(
                json!({"httpMethod": "POST", "path": "/s", "body": "%%", "isBase64Encoded": true})
            ),
            "body"
        );
        assert_eq!(
            field(json!({"httpMethod": "GET", "path": "/s", "queryStringParameters": {"a": 1}})),
            "queryStringParameters"
        );
    }

    #[test]
    fn base64_bodies_are_decoded() {
        let ev = json!({"httpMethod": "POST", "path": "/api/scenarios", "body": STANDARD.encode("{}"),
            "isBase64Encoded": true});
        let r = request(&ev).unwrap();
        assert_eq!(r.uri().path(), "/api/scenarios");
    }
}
