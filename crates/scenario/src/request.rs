//! One compiled HTTP request: Taurus's request keys resolved against the scenario defaults, templates
//! pre-parsed, and everything without a template prebuilt once.

use super::assert::Assertion;
use super::extract::Extractor;
use super::template::{RenderEnv, Template};
use super::timefmt::ThinkTime;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug)]
pub enum Label {
    Fixed(Arc<str>),
    /// JMeter substitutes variables in sampler names, so such labels are rendered per sample.
    Tpl(Template, Arc<str>),
}

#[derive(Debug)]
pub enum Method {
    Fixed(http::Method),
    Tpl(Template),
}

#[derive(Debug)]
pub enum HeaderVal {
    Fixed(http::HeaderValue),
    Tpl(Template),
}

#[derive(Debug)]
pub enum Body {
    Empty,
    /// A string body (`postBodyRaw`), in the request's `content-encoding`.
    Raw(Template),
    /// A flat dict: form parameters (`name=value`, URL-encoded); `None` value → name alone.
    Form(Vec<(Template, Option<Template>)>),
    /// Fixed bytes: `body-file`, multipart uploads.
    Bytes(bytes::Bytes),
}

#[derive(Debug)]
pub struct Request {
    pub label: Label,
    pub method: Method,
    pub url: Template,
    /// `default-address` for URLs without scheme and host.
    pub base: Option<Template>,
    pub headers: Vec<(http::HeaderName, HeaderVal)>,
    pub body: Body,
    /// Form parameters go to the query string (GET/DELETE/HEAD...), as JMeter does.
    pub form_in_query: bool,
    pub encoding: &'static encoding_rs::Encoding,
    pub timeout: Duration,
    pub follow_redirects: bool,
    pub think: Option<ThinkTime>,
    pub extractors: Vec<Extractor>,
    pub assertions: Vec<Assertion>,
    pub assume_success: bool,
    pub want_body: bool,
    /// Extractors or assertions read the response (headers, code, message...): keep every header.
    pub want_headers: bool,
    /// The rendered request when nothing in it is templated: sent as is, never re-rendered.
    pub prebuilt: Option<Scratch>,
    /// Basic credentials of the scenario's `authorization`, added to matching URLs.
    pub auth: std::sync::Arc<[super::auth::AuthEntry]>,
}

/// A user's reusable buffers for rendering requests.
#[derive(Debug, Default)]
pub struct Scratch {
    pub url: String,
    pub body: Vec<u8>,
    pub headers: Vec<(http::HeaderName, http::HeaderValue)>,
    pub method: Option<http::Method>,
    pub tmp: String,
}

impl Request {
    /// Renders once at compile time when URL, method, headers and body are all literal.
    pub fn prebuild(&mut self) {
        let literal = self.url.is_literal()
            && self.base.as_ref().is_none_or(Template::is_literal)
            && matches!(self.method, Method::Fixed(_))
            && self
                .headers
                .iter()
                .all(|(_, v)| matches!(v, HeaderVal::Fixed(_)))
            && match &self.body {
                Body::Empty | Body::Bytes(_) => true,
                Body::Raw(t) => t.is_literal(),
                Body::Form(p) => p
                    .iter()
                    .all(|(k, v)| k.is_literal() && v.as_ref().is_none_or(Template::is_literal)),
            };
        if !literal {
            return;
        }
        let mut vars = super::vars::Vars::default();
        let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(0);
        let mut env = RenderEnv {
            vars: &mut vars,
            rng: &mut rng,
            counters: &mut [],
            thread: 0,
            iteration: 1,
        };
        let mut out = Scratch::default();
        if self.render(&mut env, &mut out).is_ok() {
            self.prebuilt = Some(out);
        }
    }

    /// Renders URL, method, headers and body into `out`. Errors are per-request problems (a variable
    /// rendering an invalid header value or URL) and become failed samples.
    pub fn render(&self, env: &mut RenderEnv<'_>, out: &mut Scratch) -> Result<(), String> {
        out.method = Some(match &self.method {
            Method::Fixed(m) => m.clone(),
            Method::Tpl(t) => {
                let s = t.render(env);
                http::Method::from_bytes(s.trim().to_ascii_uppercase().as_bytes())
                    .map_err(|_| format!("invalid HTTP method {s:?}"))?
            }
        });
        out.url.clear();
        out.tmp.clear();
        self.url.render_into(env, &mut out.tmp);
        if !out.tmp.contains("://") {
            let Some(base) = &self.base else {
                return Err(format!(
                    "URL {:?} has no scheme and host, and no default-address is set",
                    out.tmp
                ));
            };
            base.render_into(env, &mut out.url);
            while out.url.ends_with('/') {
                out.url.pop();
            }
            if !out.tmp.starts_with('/') {
                out.url.push('/');
            }
        }
        out.url.push_str(&out.tmp);
        out.headers.clear();
        for (name, v) in &self.headers {
            let value = match v {
                HeaderVal::Fixed(v) => v.clone(),
                HeaderVal::Tpl(t) => {
                    out.tmp.clear();
                    t.render_into(env, &mut out.tmp);
                    http::HeaderValue::from_str(&out.tmp).map_err(|_| {
                        format!(
                            "header {name}: invalid value {}",
                            shown_value(name.as_str(), &out.tmp)
                        )
                    })?
                }
            };
            out.headers.push((name.clone(), value));
        }
        if !self.auth.is_empty()
            && !out
                .headers
                .iter()
                .any(|(k, _)| k == http::header::AUTHORIZATION)
            && let Some(v) = super::auth::header_for(&self.auth, &out.url)
        {
            out.headers.push((http::header::AUTHORIZATION, v.clone()));
        }
        out.body.clear();
        match &self.body {
            Body::Empty => {}
            Body::Bytes(b) => out.body.extend_from_slice(b),
            Body::Raw(t) => {
                out.tmp.clear();
                t.render_into(env, &mut out.tmp);
                encode_into(self.encoding, &out.tmp, &mut out.body);
            }
            Body::Form(params) => {
                out.tmp.clear();
                for (i, (k, v)) in params.iter().enumerate() {
                    if i > 0 {
                        out.tmp.push('&');
                    }
                    // JMeter URL-encodes parameters in the request's content-encoding.
                    let k = k.render(env);
                    let (k, _, _) = self.encoding.encode(&k);
                    out.tmp.extend(url::form_urlencoded::byte_serialize(&k));
                    if let Some(v) = v {
                        out.tmp.push('=');
                        let v = v.render(env);
                        let (v, _, _) = self.encoding.encode(&v);
                        out.tmp.extend(url::form_urlencoded::byte_serialize(&v));
                    }
                }
                if self.form_in_query {
                    out.url.push(if out.url.contains('?') { '&' } else { '?' });
                    out.url.push_str(&out.tmp);
                } else {
                    out.body.extend_from_slice(out.tmp.as_bytes());
                }
            }
        }
        Ok(())
    }

    /// The label of the sample (fixed labels are shared, not copied).
    pub fn label(&self, env: &mut RenderEnv<'_>) -> Arc<str> {
        match &self.label {
            Label::Fixed(l) => l.clone(),
            Label::Tpl(t, _) => t.render(env).into(),
        }
    }
}

/// A header value for an error message: secrets (credentials, tokens, keys, cookies) are masked.
pub fn shown_value(name: &str, value: &str) -> String {
    let n = name.to_ascii_lowercase();
    let secret = [
        "auth",
        "token",
        "secret",
        "password",
        "passwd",
        "key",
        "cookie",
        "session",
        "signature",
    ]
    .iter()
    .any(|w| n.contains(w));
    if secret {
        "********".into()
    } else {
        format!("{value:?}")
    }
}

fn encode_into(enc: &'static encoding_rs::Encoding, s: &str, out: &mut Vec<u8>) {
    if enc == encoding_rs::UTF_8 {
        out.extend_from_slice(s.as_bytes());
    } else {
        let (bytes, _, _) = enc.encode(s);
        out.extend_from_slice(&bytes);
    }
}

/// Python's `json.dumps` with default settings (separators `", "` / `": "`, `ensure_ascii`), which is
/// what Taurus sends for dict bodies with `Content-Type: application/json`.
pub fn py_json(v: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => py_str(s, out),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                py_json(x, out);
            }
            out.push(']');
        }
        Value::Object(m) => {
            out.push('{');
            for (i, (k, x)) in m.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                py_str(k, out);
                out.push_str(": ");
                py_json(x, out);
            }
            out.push('}');
        }
    }
}

fn py_str(s: &str, out: &mut String) {
    use std::fmt::Write as _;
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 || (c as u32) > 0x7e => {
                let mut buf = [0u16; 2];
                for unit in c.encode_utf16(&mut buf) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_header_values_are_masked() {
        assert_eq!(shown_value("Authorization", "Bearer abc"), "********");
        assert_eq!(shown_value("x-api-key", "k"), "********");
        assert_eq!(shown_value("X-Trace", "t\n"), "\"t\\n\"");
    }

    #[test]
    fn python_json_dumps_format() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"a":1,"b":[true,null,"x\"y"],"c":{"d":"é€😀"},"e":1.5}"#)
                .unwrap();
        let mut s = String::new();
        py_json(&v, &mut s);
        assert_eq!(
            s,
            r#"{"a": 1, "b": [true, null, "x\"y"], "c": {"d": "\u00e9\u20ac\ud83d\ude00"}, "e": 1.5}"#
        );
    }
}
