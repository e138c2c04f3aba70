//! What one request puts on the wire, whatever the protocol: HTTP/1.1 encodes it as text, HTTP/2
//! frames it. Both codecs read this one description and one content-length rule.

use crate::target::Target;
use http::{HeaderName, HeaderValue, Method};

/// What one request puts on the wire (HTTP/2 sends the same, framed its way).
pub struct Outgoing<'a> {
    pub method: &'a Method,
    pub target: &'a Target,
    pub headers: &'a [(HeaderName, HeaderValue)],
    pub cookie: Option<&'a HeaderValue>,
    pub body: &'a [u8],
    pub keepalive: bool,
}

/// Whether the request gets a `content-length`: it has a body, or its method carries one (an empty
/// POST sends `content-length: 0`, as HttpClient does).
pub fn carries_body(method: &Method, body: &[u8]) -> bool {
    !body.is_empty() || matches!(*method, Method::POST | Method::PUT | Method::PATCH)
}
