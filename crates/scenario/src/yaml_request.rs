//! The YAML front end for one HTTP request (`docs/taurus-config.md#request-keys`): Taurus's keys resolved against the scenario
//! defaults into a [`RequestSpec`]; and the scenario-level settings we refuse.

use super::assert::{Assertion, AssertionSpec};
use super::builder::{BodySpec, RequestSpec};
use super::error::{At, KeyPath, Problem, Res, ScenarioError};
use super::extract::{Extractor, ExtractorSpec};
use super::raw::{RawPostProcessors, RawRequest, RawScenario, RawUpload, scalar_text};
use super::timefmt::{ThinkTime, dehumanize};
use super::yaml::{Compiler, Defaults, place};
use indexmap::IndexMap;
use serde_json::Value;
use std::time::Duration;

const REQUEST_KEYS: &str = "url, label, method, headers, body, body-file, upload-files, think-time, \
     timeout, keepalive, follow-redirects, content-encoding, assert*, extract-*";

impl Compiler<'_> {
    pub(super) fn request(
        &mut self,
        obj: &serde_json::Map<String, Value>,
        d: &Defaults,
        at: &str,
    ) -> Res<()> {
        let raw: RawRequest = serde_json::from_value(Value::Object(obj.clone()))
            .map_err(|e| Problem::Shape {
                detail: e.to_string(),
                keys: REQUEST_KEYS,
            })
            .at(at, "")?;
        let url = raw
            .url
            .clone()
            .ok_or(Problem::Missing {
                what: "a request".into(),
                key: "`url`",
            })
            .at(at, "url")?;
        self.request_inner(raw, &url, d, at)
            .map_err(|e| place(e, at, Some(&url)))
    }

    fn request_inner(&mut self, raw: RawRequest, url: &str, d: &Defaults, at: &str) -> Res<()> {
        if raw.jsr223.is_some() {
            return Err(Problem::Unsupported {
                what: "jsr223 pre/post-processors".into(),
                fix: "they run Groovy/JavaScript; remove them or use extract-*/assert blocks",
            })
            .at("", "jsr223");
        }
        if raw.random_source_ip == Some(true) {
            return Err(Problem::Unsupported {
                what: "random-source-ip".into(),
                fix: "source addresses are not randomised; remove it",
            })
            .at("", "random-source-ip");
        }
        for k in raw.other.keys() {
            self.b.warn(format!(
                "{at} ({url}): request key `{k}` is not used by the HTTP executor"
            ));
        }
        let mut headers = merged_headers(&d.headers, raw.headers.as_ref())?;
        let ctype = headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case("content-type"))
            .map(|(_, v)| v.trim().to_ascii_lowercase());
        let encoding = match raw.content_encoding.as_deref() {
            Some(e) => encoding(Some(e)).at("", "content-encoding")?,
            None => d.encoding,
        };
        let method = raw.method.clone().unwrap_or_else(|| "GET".into());
        let method_name = method.trim().to_ascii_uppercase();
        let body = self.body(&raw, ctype.as_deref(), &method_name, d, &mut headers)?;
        let (mut extractors, mut assertions) = self.post_processors(&d.pp)?;
        let (own_extractors, own_assertions) = self.post_processors(&raw.pp)?;
        extractors.extend(own_extractors);
        assertions.extend(own_assertions);
        let timeout = self.duration(raw.timeout.as_ref(), "timeout")?;
        let think = match raw.think_time.as_ref() {
            Some(v) => self.think(Some(v))?,
            None => d.think.clone(),
        };
        self.b.request(RequestSpec {
            url: url.to_string(),
            label: raw.label,
            method,
            base: d.base.clone(),
            headers,
            body,
            encoding,
            keepalive: raw.keepalive.unwrap_or(d.keepalive),
            timeout: timeout.unwrap_or(d.timeout),
            follow_redirects: raw.follow_redirects.unwrap_or(d.follow_redirects),
            think,
            extractors,
            assertions,
            auth: d.auth.clone(),
        })
    }

    /// Taurus's `convert_body_to_string` plus `body-file` and `upload-files`.
    fn body(
        &mut self,
        raw: &RawRequest,
        ctype: Option<&str>,
        method: &str,
        d: &Defaults,
        headers: &mut Vec<(String, String)>,
    ) -> Res<BodySpec> {
        let uploads = raw.upload_files.as_deref().unwrap_or_default();
        if !uploads.is_empty() {
            let mut warnings = Vec::new();
            let body = multipart(
                uploads,
                raw.body.as_ref(),
                method,
                d,
                headers,
                &mut warnings,
            )
            .at("", "upload-files");
            warnings.into_iter().for_each(|w| self.b.warn(w));
            return body;
        }
        let body = match &raw.body {
            Some(Value::Object(m)) if m.is_empty() => None,
            Some(Value::Null) | None => None,
            other => other.clone(),
        };
        if body.is_some() && raw.body_file.is_some() {
            self.b.warn(format!(
                "both body and body-file are set for {:?}; body wins (as Taurus)",
                raw.url
            ));
        }
        let Some(body) = body else {
            return match &raw.body_file {
                Some(f) => {
                    let mut warnings = Vec::new();
                    let path = d
                        .files
                        .find_warn("body-file", f, &mut warnings)
                        .at("", "body-file")?;
                    warnings.into_iter().for_each(|w| self.b.warn(w));
                    let bytes = std::fs::read(&path)
                        .map_err(|source| Problem::File {
                            role: "body-file",
                            path,
                            source,
                        })
                        .at("", "body-file")?;
                    Ok(BodySpec::Bytes(bytes.into()))
                }
                None => Ok(BodySpec::Empty),
            };
        };
        let json = ctype == Some("application/json");
        Ok(match body {
            Value::String(s) => BodySpec::Text(s),
            Value::Object(m) if !json && m.values().all(|v| !v.is_object() && !v.is_array()) => {
                let params = m
                    .iter()
                    .map(|(k, v)| {
                        let value = match v {
                            Value::Null => None,
                            v => Some(scalar_text(v).unwrap_or_default()),
                        };
                        (k.clone(), value)
                    })
                    .collect();
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
                BodySpec::Form(params)
            }
            other => {
                let mut s = String::new();
                super::request::py_json(&other, &mut s);
                BodySpec::Text(s)
            }
        })
    }

    /// Extractors and assertions of a request or a scenario, compiled.
    fn post_processors(
        &mut self,
        raw: &RawPostProcessors,
    ) -> Res<(Vec<Extractor>, Vec<Assertion>)> {
        let mut extractors = Vec::new();
        for (block, map) in [
            ("extract-regexp", &raw.extract_regexp),
            ("extract-jsonpath", &raw.extract_jsonpath),
            ("extract-xpath", &raw.extract_xpath),
            ("extract-boundary", &raw.extract_boundary),
            ("extract-css-jquery", &raw.extract_css_jquery),
        ] {
            for (var, e) in map.iter().flatten() {
                let extractor = ExtractorSpec::from_yaml(block, var, e)
                    .and_then(|spec| self.b.extractor(spec))
                    .map_err(|p| {
                        let at = KeyPath::new("", format!("{block}.{var}"))
                            .shown(format!("{block} {var:?}"));
                        ScenarioError::new(at, p)
                    })?;
                extractors.push(extractor);
            }
        }
        let mut assertions = Vec::new();
        type Reader = fn(&Value) -> Result<AssertionSpec, Problem>;
        for (block, list, read) in [
            (
                "assert",
                &raw.assert,
                AssertionSpec::from_yaml_response as Reader,
            ),
            (
                "assert-jsonpath",
                &raw.assert_jsonpath,
                AssertionSpec::from_yaml_jsonpath,
            ),
            (
                "assert-xpath",
                &raw.assert_xpath,
                AssertionSpec::from_yaml_xpath,
            ),
        ] {
            for (i, a) in list.iter().flatten().enumerate() {
                let assertion = read(a)
                    .and_then(|spec| self.b.assertion(spec))
                    .at("", &format!("{block}[{i}]"))?;
                assertions.push(assertion);
            }
        }
        Ok((extractors, assertions))
    }
}

/// Multipart uploads (or, for PUT, the first file as the raw body).
fn multipart(
    uploads: &[RawUpload],
    body: Option<&Value>,
    method: &str,
    d: &Defaults,
    headers: &mut Vec<(String, String)>,
    warnings: &mut Vec<String>,
) -> Result<BodySpec, Problem> {
    let mut read = |u: &RawUpload| {
        let path = d.files.find_warn("upload-files", &u.path, warnings)?;
        std::fs::read(&path).map_err(|source| Problem::File {
            role: "upload-files",
            path,
            source,
        })
    };
    if method == "PUT" {
        // Taurus/JMeter: PUT sends only the first file, as the raw body.
        return Ok(BodySpec::Bytes(read(&uploads[0])?.into()));
    }
    if method != "POST" {
        return Err(Problem::Invalid {
            what: "method".into(),
            value: method.into(),
            reason: "cannot send upload-files".into(),
            fix: "use method POST or PUT".into(),
        });
    }
    let boundary = format!("stampede-{:016x}", rand::random::<u64>());
    let mut out = Vec::new();
    if let Some(Value::Object(m)) = body {
        for (k, v) in m {
            let v = scalar_text(v).unwrap_or_default();
            out.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
    }
    for u in uploads {
        let param = u.param.as_deref().ok_or_else(|| Problem::Missing {
            what: format!("upload {:?}", u.path),
            key: "`param` (required for POST)",
        })?;
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
    Ok(BodySpec::Bytes(out.into()))
}

/// Scenario headers, then request headers; the same name (any case) in the request wins.
fn merged_headers(
    scenario: &IndexMap<String, Value>,
    request: Option<&IndexMap<String, Value>>,
) -> Res<Vec<(String, String)>> {
    let mut out: Vec<(String, String)> = Vec::new();
    for (k, v) in scenario.iter().chain(request.into_iter().flatten()) {
        let v = scalar_text(v)
            .ok_or_else(|| Problem::WrongType {
                what: "a header value".into(),
                expected: "a string",
                found: v.to_string(),
            })
            .at("", &format!("headers.{k}"))?;
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
pub(super) fn reject_unsupported(raw: &RawScenario) -> Res<()> {
    let refuse = |key: &str, what: String, fix: &'static str| {
        Err(Problem::Unsupported { what, fix }).at("", key)
    };
    if raw.retrieve_resources == Some(true) || raw.force_parallel_download == Some(true) {
        // Taurus's default is true; an explicit true asks for embedded-resource downloads we do not do.
        return refuse(
            "retrieve-resources",
            "retrieve-resources: true".into(),
            "embedded resources are not downloaded; remove it or set it to false",
        );
    }
    if raw.cookies.as_ref().is_some_and(|c| !c.is_empty()) {
        return refuse(
            "cookies",
            "pre-seeded cookies".into(),
            "send a Cookie header instead",
        );
    }
    if raw.jsr223.is_some() {
        return refuse(
            "jsr223",
            "jsr223".into(),
            "Groovy/JavaScript processors cannot run here; use extract-*/assert blocks",
        );
    }
    if raw.keystore_config.is_some() {
        return refuse(
            "keystore-config",
            "keystore-config".into(),
            "client certificates are not supported; remove it",
        );
    }
    if raw.random_source_ip == Some(true) {
        return refuse(
            "random-source-ip",
            "random-source-ip".into(),
            "source addresses are not randomised; remove it",
        );
    }
    if let Some(p) = raw.protocol.as_deref()
        && p != "http"
    {
        return refuse(
            "protocol",
            format!("protocol: {p}"),
            "only http is supported",
        );
    }
    Ok(())
}

pub(super) fn opt_duration(v: Option<&Value>, what: &str) -> Result<Option<Duration>, Problem> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let text = scalar_text(v).ok_or_else(|| Problem::WrongType {
                what: what.into(),
                expected: "a time like 30s",
                found: v.to_string(),
            })?;
            dehumanize(&text).map(Some)
        }
    }
}

pub(super) fn opt_think(v: Option<&Value>) -> Result<Option<ThinkTime>, Problem> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => {
            let text = scalar_text(v).ok_or_else(|| Problem::WrongType {
                what: "think-time".into(),
                expected: "a time like 2s",
                found: v.to_string(),
            })?;
            match ThinkTime::parse(&text)? {
                ThinkTime::Constant(d) if d.is_zero() => Ok(None),
                t => Ok(Some(t)),
            }
        }
    }
}

pub(super) fn encoding(label: Option<&str>) -> Result<&'static encoding_rs::Encoding, Problem> {
    match label.map(str::trim) {
        None | Some("") => Ok(encoding_rs::UTF_8),
        Some(l) => encoding_rs::Encoding::for_label(l.as_bytes()).ok_or_else(|| Problem::Invalid {
            what: "content-encoding".into(),
            value: l.into(),
            reason: "is not a known charset".into(),
            fix: "use a charset name such as utf-8 or iso-8859-1".into(),
        }),
    }
}
