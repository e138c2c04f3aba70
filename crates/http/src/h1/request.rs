//! Writes an HTTP/1.1 request head (and body) into the user's reusable buffer.

use crate::outgoing::{Outgoing, carries_body};
use http::header;

/// Encodes `r` into `out` (cleared first). `Host` comes from the URL unless the scenario set one;
/// `content-length` is added when there is a body, or for methods that carry one (an empty POST
/// sends `content-length: 0`, as HttpClient does); `connection: close` when keep-alive is off.
/// The byte count of `out` is exactly what is sent (JMeter's `sentBytes`). Returns whether the
/// request asks to close the connection after the response (keep-alive off, or the scenario's own
/// `Connection: close`).
pub fn encode(r: &Outgoing<'_>, out: &mut Vec<u8>) -> bool {
    out.clear();
    let path = r
        .target
        .origin_form
        .path_and_query()
        .map_or("/", |p| p.as_str());
    out.extend_from_slice(r.method.as_str().as_bytes());
    out.push(b' ');
    out.extend_from_slice(path.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    let (mut host, mut length, mut connection) = (false, false, false);
    let mut close = !r.keepalive;
    for (n, v) in r.headers {
        host |= n == header::HOST;
        length |= n == header::CONTENT_LENGTH || n == header::TRANSFER_ENCODING;
        if n == header::CONNECTION {
            connection = true;
            close |= v.as_bytes().eq_ignore_ascii_case(b"close");
        }
    }
    if !host {
        field(out, "host", r.target.host_header.as_bytes());
    }
    for (n, v) in r.headers {
        field(out, n.as_str(), v.as_bytes());
    }
    if let Some(c) = r.cookie {
        field(out, "cookie", c.as_bytes());
    }
    if !length && carries_body(r.method, r.body) {
        let mut digits = itoa::Buffer::new();
        field(
            out,
            "content-length",
            digits.format(r.body.len()).as_bytes(),
        );
    }
    if !r.keepalive && !connection {
        field(out, "connection", b"close");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(r.body);
    close
}

fn field(out: &mut Vec<u8>, name: &str, value: &[u8]) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend_from_slice(value);
    out.extend_from_slice(b"\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::target::Target;
    use http::{HeaderName, HeaderValue, Method};

    fn encoded(
        method: Method,
        url: &str,
        headers: &[(HeaderName, HeaderValue)],
        body: &[u8],
        keepalive: bool,
    ) -> String {
        let target = Target::parse(url).unwrap();
        let mut out = Vec::new();
        let r = Outgoing {
            method: &method,
            target: &target,
            headers,
            cookie: None,
            body,
            keepalive,
        };
        let close = encode(&r, &mut out);
        let asked = headers.iter().any(|(n, _)| n == header::CONNECTION);
        assert_eq!(close, !keepalive || asked);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn get_has_host_and_no_length() {
        let s = encoded(Method::GET, "http://127.0.0.1:8080/a/b?q=1", &[], b"", true);
        assert_eq!(s, "GET /a/b?q=1 HTTP/1.1\r\nhost: 127.0.0.1:8080\r\n\r\n");
    }

    #[test]
    fn post_body_length_and_close() {
        let h = [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )];
        let s = encoded(Method::POST, "http://h/", &h, br#"{"a":1}"#, false);
        assert_eq!(
            s,
            "POST / HTTP/1.1\r\nhost: h\r\ncontent-type: application/json\r\ncontent-length: 7\r\nconnection: close\r\n\r\n{\"a\":1}"
        );
        let empty = encoded(Method::POST, "http://h/", &[], b"", true);
        assert!(empty.contains("content-length: 0\r\n"), "{empty}");
    }

    #[test]
    fn scenario_host_and_length_win() {
        let h = [
            (header::HOST, HeaderValue::from_static("example.org")),
            (header::CONTENT_LENGTH, HeaderValue::from_static("3")),
        ];
        let s = encoded(Method::PUT, "http://127.0.0.1:1/", &h, b"abc", true);
        assert_eq!(
            s,
            "PUT / HTTP/1.1\r\nhost: example.org\r\ncontent-length: 3\r\n\r\nabc"
        );
        let h = [(header::CONNECTION, HeaderValue::from_static("close"))];
        let s = encoded(Method::GET, "http://h/", &h, b"", true);
        assert_eq!(s, "GET / HTTP/1.1\r\nhost: h\r\nconnection: close\r\n\r\n");
    }
}
