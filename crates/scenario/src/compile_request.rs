//! Compiling one HTTP request (spec §3.2) and the scenario-level settings we refuse.

use super::assert::Assertion;
use super::compile::{Compiler, Defaults};
use super::extract::Extractor;
use super::raw::{RawPostProcessors, RawRequest, RawScenario, RawUpload, scalar_text};
use super::request::{Body, HeaderVal, Label, Method, Request, shown_value};
use super::timefmt::{ThinkTime, dehumanize};
use indexmap::IndexMap;
use serde_json::Value;
use std::time::Duration;

impl Compiler<'_> {
    pub(super) fn request(
        &mut self,
        obj: &serde_json::Map<String, Value>,
        d: &Defaults,
        at: &str,
    ) -> Result<(), String> {
        let raw: RawRequest =
            serde_json::from_value(Value::Object(obj.clone())).map_err(|e| format!("{at}: {e}"))?;
        let url_text = raw
            .url
            .clone()
            .ok_or_else(|| format!("{at}: request has no `url`"))?;
        let at = format!("{at} ({url_text})");
        let at = at.as_str();
        self.request_inner(raw, &url_text, d, at).map_err(|e| {
            if e.starts_with(at) {
                e
            } else {
                format!("{at}: {e}")
            }
        })
    }

    fn request_inner(
        &mut self,
        raw: RawRequest,
        url_text: &str,
        d: &Defaults,
        at: &str,
    ) -> Result<(), String> {
        if raw.jsr223.is_some() {
            return Err("jsr223 pre/post-processors are not supported (they run Groovy/JavaScript); remove them or use extract-*/assert blocks".into());
        }
        if raw.random_source_ip == Some(true) {
            return Err("random-source-ip is not supported".into());
        }
        for k in raw.other.keys() {
            self.prog.warnings.push(format!(
                "{at}: request key `{k}` is not used by the HTTP executor"
            ));
        }
        let url = self.tpl(url_text, "url")?;
        if let Some(lit) = url.as_literal()
            && !lit.contains("://")
            && d.base.is_none()
        {
            return Err(format!(
                "URL {lit:?} has no scheme and host; write the full URL or set the scenario's default-address"
            ));
        }
        let label = match raw.label.as_deref().unwrap_or(url_text) {
            l if l.contains("${") => Label::Tpl(self.tpl(l, "label")?, l.into()),
            l => Label::Fixed(l.into()),
        };
        let method_text = raw.method.clone().unwrap_or_else(|| "GET".into());
        let method = if method_text.contains("${") {
            Method::Tpl(self.tpl(&method_text, "method")?)
        } else {
            let m = method_text.trim().to_ascii_uppercase();
            Method::Fixed(
                http::Method::from_bytes(m.as_bytes())
                    .map_err(|_| format!("invalid method {m:?}"))?,
            )
        };
        let mut headers = merged_headers(&d.headers, raw.headers.as_ref())?;
        let ctype = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.trim().to_ascii_lowercase());
        let encoding = match raw.content_encoding.as_deref() {
            Some(e) => encoding(Some(e))?,
            None => d.encoding,
        };
        let method_name = method_text.trim().to_ascii_uppercase();
        let (body, form) = self.body(&raw, ctype.as_deref(), &method_name, d, &mut headers)?;
        let keepalive = raw.keepalive.unwrap_or(d.keepalive);
        if !keepalive
            && !headers
                .iter()
                .any(|(k, _)| k.eq_ignore_ascii_case("connection"))
        {
            headers.push(("Connection".into(), "close".into()));
        }
        let compiled_headers = self.headers(&headers)?;
        let (mut extractors, mut assertions) = self.post_processors(&d.pp)?;
        let (own_extractors, own_assertions) = self.post_processors(&raw.pp)?;
        extractors.extend(own_extractors);
        assertions.extend(own_assertions);
        let want_body = extractors.iter().any(Extractor::needs_body)
            || assertions.iter().any(Assertion::needs_body);
        let want_headers = !extractors.is_empty() || !assertions.is_empty();
        let assume_success = assertions.iter().any(Assertion::assume_success);
        let timeout = self
            .duration(raw.timeout.as_ref(), "timeout")?
            .unwrap_or(d.timeout);
        let think = match raw.think_time.as_ref() {
            Some(v) => self.think(Some(v))?,
            None => d.think.clone(),
        };
        self.prog.requests.push(Request {
            label,
            method,
            url,
            base: d.base.clone(),
            headers: compiled_headers,
            auth: d.auth.clone(),
            body,
            form_in_query: form
                && matches!(method_name.as_str(), "GET" | "DELETE" | "HEAD" | "OPTIONS"),
            encoding,
            timeout,
            follow_redirects: raw.follow_redirects.unwrap_or(d.follow_redirects),
            think,
            extractors,
            assertions,
            assume_success,
            want_body,
            want_headers,
            prebuilt: None,
        });
        let i = self.prog.requests.len() - 1;
        self.prog.requests[i].prebuild();
        self.prog.ops.push(super::compile::Op::Request(i));
        Ok(())
    }

    /// Header names are checked now; values without templates are prebuilt.
    fn headers(
        &mut self,
        headers: &[(String, String)],
    ) -> Result<Vec<(http::HeaderName, HeaderVal)>, String> {
        let mut compiled = Vec::with_capacity(headers.len());
        for (k, v) in headers {
            let name = http::HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| format!("invalid header name {k:?}"))?;
            let t = self.tpl(v, &format!("header {k}"))?;
            let val = match t.as_literal() {
                Some(lit) => {
                    HeaderVal::Fixed(http::HeaderValue::from_str(lit).map_err(|_| {
                        format!("header {k}: invalid value {}", shown_value(k, lit))
                    })?)
                }
                None => HeaderVal::Tpl(t),
            };
            compiled.push((name, val));
        }
        Ok(compiled)
    }

    /// Taurus's `convert_body_to_string` plus `body-file` and `upload-files`. Returns the body and whether
    /// it is form parameters.
    fn body(
        &mut self,
        raw: &RawRequest,
        ctype: Option<&str>,
        method: &str,
        d: &Defaults,
        headers: &mut Vec<(String, String)>,
    ) -> Result<(Body, bool), String> {
        let uploads = raw.upload_files.as_deref().unwrap_or_default();
        if !uploads.is_empty() {
            return self
                .multipart(uploads, raw.body.as_ref(), method, d, headers)
                .map(|b| (b, false));
        }
        let body = match &raw.body {
            Some(Value::Object(m)) if m.is_empty() => None,
            Some(Value::Null) | None => None,
            other => other.clone(),
        };
        if body.is_some() && raw.body_file.is_some() {
            self.prog.warnings.push(format!(
                "both body and body-file are set for {:?}; body wins (as Taurus)",
                raw.url
            ));
        }
        let Some(body) = body else {
            return match &raw.body_file {
                Some(f) => {
                    let path = d.base_dir.join(f);
                    let bytes = std::fs::read(&path).map_err(|e| {
                        format!(
                            "body-file {}: {e}; paths are relative to the config file",
                            path.display()
                        )
                    })?;
                    Ok((Body::Bytes(bytes.into()), false))
                }
                None => Ok((Body::Empty, false)),
            };
        };
        let json = ctype == Some("application/json");
        let body = match body {
            Value::String(s) => Body::Raw(self.tpl(&s, "body")?),
            Value::Object(m) if !json && m.values().all(|v| !v.is_object() && !v.is_array()) => {
                let mut params = Vec::new();
                for (k, v) in &m {
                    let value = match v {
                        Value::Null => None,
                        v => Some(
                            self.tpl(&scalar_text(v).unwrap_or_default(), &format!("body {k}"))?,
                        ),
                    };
                    params.push((self.tpl(k, "body")?, value));
                }
                if !matches!(method, "GET" | "DELETE" | "HEAD" | "OPTIONS")
                    && !headers
                        .iter()
                        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"))
                {
                    headers.push((
                        "Content-Type".into(),
                        "application/x-www-form-urlencoded".into(),
                    ));
                }
                return Ok((Body::Form(params), true));
            }
            other => {
                let mut s = String::new();
                super::request::py_json(&other, &mut s);
                Body::Raw(self.tpl(&s, "body")?)
            }
        };
        Ok((body, false))
    }

    fn multipart(
        &mut self,
        uploads: &[RawUpload],
        body: Option<&Value>,
        method: &str,
        d: &Defaults,
        headers: &mut Vec<(String, String)>,
    ) -> Result<Body, String> {
        let read = |u: &RawUpload| {
            let path = d.base_dir.join(&u.path);
            std::fs::read(&path).map_err(|e| format!("upload-files {}: {e}", path.display()))
        };
        if method == "PUT" {
            // Taurus/JMeter: PUT sends only the first file, as the raw body.
            return Ok(Body::Bytes(read(&uploads[0])?.into()));
        }
        if method != "POST" {
            return Err(format!(
                "upload-files needs method POST or PUT, not {method}"
            ));
        }
        let boundary = format!("stampede-{:016x}", rand::random::<u64>());
        let mut out = Vec::new();
        if let Some(Value::Object(m)) = body {
            for (k, v) in m {
                let v = scalar_text(v).unwrap_or_default();
                out.extend_from_slice(
                    format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n").as_bytes(),
                );
            }
        }
        for u in uploads {
            let param = u
                .param
                .as_deref()
                .ok_or_else(|| format!("upload-files {}: `param` is required for POST", u.path))?;
            let file = std::path::Path::new(&u.path)
                .file_name()
                .and_then(|f| f.to_str())
                .unwrap_or("file");
            let mime = u
                .mime_type
                .clone()
                .unwrap_or_else(|| guess_mime(&u.path).into());
            out.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{param}\"; filename=\"{file}\"\r\nContent-Type: {mime}\r\n\r\n"
                )
                .as_bytes(),
            );
            out.extend_from_slice(&read(u)?);
            out.extend_from_slice(b"\r\n");
        }
        out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        headers.retain(|(k, _)| !k.eq_ignore_ascii_case("content-type"));
        headers.push((
            "Content-Type".into(),
            format!("multipart/form-data; boundary={boundary}"),
        ));
        Ok(Body::Bytes(out.into()))
    }

    fn post_processors(
        &mut self,
        raw: &RawPostProcessors,
    ) -> Result<(Vec<Extractor>, Vec<Assertion>), String> {
        let mut extractors = Vec::new();
        for (block, map) in [
            ("extract-regexp", &raw.extract_regexp),
            ("extract-jsonpath", &raw.extract_jsonpath),
            ("extract-xpath", &raw.extract_xpath),
            ("extract-boundary", &raw.extract_boundary),
            ("extract-css-jquery", &raw.extract_css_jquery),
        ] {
            for (var, e) in map.iter().flatten() {
                extractors.push(Extractor::compile(block, var, e)?);
            }
        }
        let mut assertions = Vec::new();
        for a in raw.assert.iter().flatten() {
            assertions.push(Assertion::response(a, &mut self.tc)?);
        }
        for a in raw.assert_jsonpath.iter().flatten() {
            assertions.push(Assertion::jsonpath(a, &mut self.tc)?);
        }
        for a in raw.assert_xpath.iter().flatten() {
            assertions.push(Assertion::xpath(a)?);
        }
        Ok((extractors, assertions))
    }
}

/// Scenario headers, then request headers; the same name (any case) in the request wins.
fn merged_headers(
    scenario: &IndexMap<String, Value>,
    request: Option<&IndexMap<String, Value>>,
) -> Result<Vec<(String, String)>, String> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in scenario.iter().chain(request.into_iter().flatten()) {
        let v = scalar_text(v)
            .ok_or_else(|| format!("header {k}: value must be a string, found {v}"))?;
        out.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
        out.push((k.clone(), v));
    }
    Ok(out)
}

fn guess_mime(path: &str) -> &'static str {
    let ext = path.rsplit('.').next().unwrap_or("").to_ascii_lowercase();
    match ext.as_str() {
        "txt" => "text/plain",
        "csv" => "text/csv",
        "json" => "application/json",
        "xml" => "application/xml",
        "html" | "htm" => "text/html",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        _ => "application/octet-stream",
    }
}

/// Scenario settings that would change what is measured and that we do not emulate.
pub(super) fn reject_unsupported(raw: &RawScenario) -> Result<(), String> {
    let refuse = |what: &str, why: &str| Err(format!("{what} is not supported: {why}"));
    if raw.retrieve_resources == Some(true) || raw.force_parallel_download == Some(true) {
        // Taurus's default is true; an explicit true asks for embedded-resource downloads we do not do.
        return refuse(
            "retrieve-resources: true",
            "embedded resources are not downloaded; remove it or set it to false",
        );
    }
    if raw.cookies.as_ref().is_some_and(|c| !c.is_empty()) {
        return refuse(
            "cookies",
            "pre-seeded cookies are not supported; send a Cookie header instead",
        );
    }
    if raw.jsr223.is_some() {
        return refuse(
            "jsr223",
            "Groovy/JavaScript processors cannot run here; use extract-*/assert blocks",
        );
    }
    if raw.keystore_config.is_some() {
        return refuse("keystore-config", "client certificates are not supported");
    }
    if raw.random_source_ip == Some(true) {
        return refuse("random-source-ip", "source addresses are not randomised");
    }
    if let Some(p) = raw.protocol.as_deref()
        && p != "http"
    {
        return refuse(&format!("protocol: {p}"), "only http is supported");
    }
    Ok(())
}

pub(super) fn opt_duration(v: Option<&Value>, what: &str) -> Result<Option<Duration>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let text = scalar_text(v)
                .ok_or_else(|| format!("{what} must be a time like 30s, found {v}"))?;
            dehumanize(&text)
                .map(Some)
                .map_err(|e| format!("{what}: {e}"))
        }
    }
}

pub(super) fn opt_think(v: Option<&Value>) -> Result<Option<ThinkTime>, String> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let text = scalar_text(v)
                .ok_or_else(|| format!("think-time must be a time like 2s, found {v}"))?;
            match ThinkTime::parse(&text)? {
                ThinkTime::Constant(d) if d.is_zero() => Ok(None),
                t => Ok(Some(t)),
            }
        }
    }
}

pub(super) fn encoding(label: Option<&str>) -> Result<&'static encoding_rs::Encoding, String> {
    match label.map(str::trim) {
        None | Some("") => Ok(encoding_rs::UTF_8),
        Some(l) => encoding_rs::Encoding::for_label(l.as_bytes())
            .ok_or_else(|| format!("content-encoding {l:?} is not a known charset")),
    }
}
