//! File uploads (`HTTPsampler.Files`) and multipart/form-data bodies, as JMeter's HttpClient 4
//! sampler sends them:
//! - POST with "Use multipart/form-data" or with a file that has a parameter name: a multipart
//!   body of the arguments, then the files;
//! - POST, PUT or PATCH with a single file without a parameter name: the file is the body, its
//!   MIME type the `Content-Type` (unless a Header Manager sets one);
//! - other methods send no file.

use std::path::Path;

use stampede_jmx::{FileArg, HttpArg, HttpRequest};
use stampede_scenario::BodySpec;

/// JMeter's MIME type for a file whose type is not given.
const OCTET_STREAM: &str = "application/octet-stream";

/// The body when the sampler uploads files or is multipart; `None` leaves the body to the
/// arguments (or Body Data). The request's `Content-Type` header is set here.
pub(crate) fn body(
    h: &HttpRequest,
    args: &[&HttpArg],
    method: &str,
    base_dir: &Path,
    headers: &mut Vec<(String, String)>,
) -> Result<Option<BodySpec>, String> {
    let files: Vec<&FileArg> = h
        .files
        .iter()
        .filter(|f| !f.path.trim().is_empty())
        .collect();
    let file_as_body = matches!(files.as_slice(), [f] if f.param.trim().is_empty());
    if method == "POST" && (h.multipart || (!files.is_empty() && !file_as_body)) {
        let boundary = format!("stampede-{:016x}", rand_u64());
        let bytes = multipart(h, args, &files, base_dir, &boundary)?;
        set_content_type(
            headers,
            format!("multipart/form-data; boundary={boundary}"),
            true,
        );
        return Ok(Some(BodySpec::Bytes(bytes.into())));
    }
    if file_as_body && matches!(method, "POST" | "PUT" | "PATCH") {
        let f = files[0];
        set_content_type(headers, mime(f).to_string(), false);
        return Ok(Some(BodySpec::Bytes(read(f, base_dir)?.into())));
    }
    Ok(None)
}

fn multipart(
    h: &HttpRequest,
    args: &[&HttpArg],
    files: &[&FileArg],
    base_dir: &Path,
    boundary: &str,
) -> Result<Vec<u8>, String> {
    let charset = h
        .content_encoding
        .as_deref()
        .map(str::trim)
        .filter(|e| !e.is_empty())
        .unwrap_or("US-ASCII");
    let mut out = Vec::new();
    for a in args {
        if a.name.contains("${") || a.value.contains("${") {
            return Err(format!(
                "argument {:?}: ${{...}} in a multipart request's parameters is not supported",
                a.name
            ));
        }
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"\r\n",
                a.name
            )
            .as_bytes(),
        );
        if !h.browser_compatible_multipart {
            out.extend_from_slice(
                format!(
                    "Content-Type: text/plain; charset={charset}\r\nContent-Transfer-Encoding: 8bit\r\n"
                )
                .as_bytes(),
            );
        }
        out.extend_from_slice(format!("\r\n{}\r\n", a.value).as_bytes());
    }
    for f in files {
        let name = Path::new(f.path.trim())
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("file");
        out.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{name}\"\r\nContent-Type: {}\r\n",
                f.param.trim(),
                mime(f)
            )
            .as_bytes(),
        );
        if !h.browser_compatible_multipart {
            out.extend_from_slice(b"Content-Transfer-Encoding: binary\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&read(f, base_dir)?);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    Ok(out)
}

fn mime(f: &FileArg) -> &str {
    match f.mime_type.trim() {
        "" => OCTET_STREAM,
        m => m,
    }
}

/// A relative path is read from the plan's directory (JMeter's base directory).
fn read(f: &FileArg, base_dir: &Path) -> Result<Vec<u8>, String> {
    let path = f.path.trim();
    if path.contains("${") {
        return Err(format!(
            "file {path:?}: ${{...}} in an upload's path is not supported"
        ));
    }
    let full = base_dir.join(path);
    std::fs::read(&full)
        .map_err(|e| format!("cannot read the file to upload {}: {e}", full.display()))
}

/// `replace`: a multipart type wins over a Header Manager's; a file's type only fills a gap.
fn set_content_type(headers: &mut Vec<(String, String)>, value: String, replace: bool) {
    let has = headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("content-type"));
    if has && !replace {
        return;
    }
    headers.retain(|(n, _)| !n.eq_ignore_ascii_case("content-type"));
    headers.push(("Content-Type".into(), value));
}

/// A boundary that differs between runs; it need not be secret.
fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}
