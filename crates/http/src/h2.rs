//! HTTP/2 (chosen by ALPN over TLS) through hyper: its connection runs in its own task, as hyper
//! requires, and the user's task sends requests and reads body frames.

use super::error::hyper_kind;
use super::outgoing::{Outgoing, carries_body};
use crate::timing::{Failed, deadline, wait_until};
use crate::{Detail, ErrorKind};
use bytes::{Bytes, BytesMut};
use http::HeaderMap;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http2::SendRequest;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub type Sender = SendRequest<Full<Bytes>>;

/// One HTTP/2 response, read to the end.
pub struct Exchanged {
    pub status: u16,
    pub headers: HeaderMap,
    pub reason: Option<Arc<str>>,
    pub latency: Duration,
    /// As if the head had come over HTTP/1.1 (JMeter's count), plus the body.
    pub bytes: u64,
    pub sent: u64,
}

pub async fn exchange(
    sender: &mut Sender,
    out: &Outgoing<'_>,
    timer: &mut Pin<Box<tokio::time::Sleep>>,
    timeout: Duration,
    started: Instant,
    keep_body: Option<&mut BytesMut>,
) -> Result<Exchanged, Failed> {
    let (request, sent) = build_request(out);
    let deadline = deadline(timeout);
    let authority = &out.target.authority;
    let head = tokio::select! {
        r = async { sender.ready().await?; sender.send_request(request).await } => r,
        _ = wait_until(timer, deadline) => {
            return Err(Failed::new(ErrorKind::ResponseTimeout, "Read timed out".into(), false));
        }
    };
    let head = head.map_err(|e| {
        let (kind, m) = hyper_kind(&e, false, authority);
        Failed::new(kind, m, false)
    })?;
    let latency = started.elapsed();
    let (parts, mut incoming) = head.into_parts();
    let body = read_body(&mut incoming, timer, timeout, keep_body).await;
    let body = body.map_err(|(kind, m)| Failed::new(kind, m, true))?;
    let reason = parts
        .extensions
        .get::<hyper::ext::ReasonPhrase>()
        .map(|r| String::from_utf8_lossy(r.as_bytes()).into());
    Ok(Exchanged {
        status: parts.status.as_u16(),
        bytes: head_size(&parts) + body,
        headers: parts.headers,
        reason,
        latency,
        sent,
    })
}

/// Reads the body frame by frame with the response timeout restarted per frame.
async fn read_body(
    incoming: &mut hyper::body::Incoming,
    timer: &mut Pin<Box<tokio::time::Sleep>>,
    timeout: Duration,
    mut keep: Option<&mut BytesMut>,
) -> Result<u64, (ErrorKind, Detail)> {
    let mut n = 0;
    loop {
        let deadline = deadline(timeout);
        let frame = tokio::select! {
            f = incoming.frame() => f,
            _ = wait_until(timer, deadline) => {
                return Err((ErrorKind::ResponseTimeout, "Read timed out".into()));
            }
        };
        match frame {
            None => return Ok(n),
            Some(Ok(f)) => {
                if let Some(d) = f.data_ref() {
                    n += d.len() as u64;
                    if let Some(buf) = keep.as_deref_mut() {
                        buf.extend_from_slice(d);
                    }
                }
            }
            Some(Err(e)) => return Err(hyper_kind(&e, true, "")),
        }
    }
}

/// Builds the request and counts its bytes as HTTP/1.1 would put them on the wire (JMeter's count),
/// including the `host` and `content-length` fields [`crate::h1::encode`] would add.
fn build_request(o: &Outgoing<'_>) -> (http::Request<Full<Bytes>>, u64) {
    let target_len = o
        .target
        .origin_form
        .path_and_query()
        .map_or(1, |p| p.as_str().len());
    let mut sent = (o.method.as_str().len() + target_len + 13) as u64;
    sent += o.body.len() as u64 + 2;
    let mut req = http::Request::new(Full::new(Bytes::copy_from_slice(o.body)));
    *req.method_mut() = o.method.clone();
    *req.uri_mut() = o.target.absolute.clone();
    *req.version_mut() = http::Version::HTTP_2;
    let h = req.headers_mut();
    for (n, v) in o.headers {
        h.append(n.clone(), v.clone());
    }
    if let Some(c) = o.cookie {
        h.append(http::header::COOKIE, c.clone());
    }
    sent += h
        .iter()
        .map(|(n, v)| (n.as_str().len() + v.len() + 4) as u64)
        .sum::<u64>();
    if !h.contains_key(http::header::HOST) {
        sent += (4 + 2 + o.target.host_header.len() + 2) as u64;
    }
    if carries_body(o.method, o.body) && !h.contains_key(http::header::CONTENT_LENGTH) {
        let digits = o.body.len().checked_ilog10().unwrap_or(0) as usize + 1;
        sent += (14 + 2 + digits + 2) as u64;
    }
    (req, sent)
}

/// Size of the status line and headers as they would come over HTTP/1.1.
fn head_size(parts: &http::response::Parts) -> u64 {
    let reason = match parts.extensions.get::<hyper::ext::ReasonPhrase>() {
        Some(r) => r.as_bytes().len(),
        None => parts.status.canonical_reason().unwrap_or("").len(),
    };
    let line = 9 + 3 + 1 + reason + 2;
    let fields: usize = parts
        .headers
        .iter()
        .map(|(n, v)| n.as_str().len() + v.len() + 4)
        .sum();
    (line + fields + 2) as u64
}
