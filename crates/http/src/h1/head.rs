//! Parses an HTTP/1.1 response head in place: status, reason, how the body is framed and whether the
//! connection survives. Header fields are only copied into a `HeaderMap` when the scenario needs them
//! (extractors or assertions), or for the `Location` of a redirect; `Set-Cookie` goes straight to the jar.

use crate::coding::Coding;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode};
use std::sync::Arc;

/// Header fields parsed on the stack (hyper's limit is 100 too); more take a second, heap parse.
const MAX_HEADERS: usize = 100;
/// Room for the rare response with more (a login setting 150 cookies), parsed a second time.
const MAX_HEADERS_RARE: usize = 4096;

/// How the body that follows the head is delimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// No body (HEAD, 1xx, 204, 304).
    None,
    Length(u64),
    Chunked,
    /// Read until the server closes the connection.
    Close,
}

#[derive(Debug)]
pub struct Head {
    /// Bytes of the status line, fields and blank line.
    pub len: usize,
    pub status: u16,
    pub http10: bool,
    pub framing: Framing,
    /// The connection cannot take another request after this response.
    pub close: bool,
    /// The server's reason phrase when it is not the standard one (JMeter's `responseMessage`).
    pub reason: Option<Arc<str>>,
    pub coding: Coding,
    /// When the scenario reads headers: the status line and the fields as received (the server's
    /// case), one per `\n`-terminated line, which is JMeter's response-headers text.
    pub text: Option<Box<str>>,
}

/// Where the fields go.
pub struct Sink<'a> {
    /// Every field, when the scenario reads headers.
    pub all: bool,
    pub headers: &'a mut HeaderMap,
    /// Called with each `Set-Cookie` value (when cookies are stored).
    pub cookie: Option<&'a mut (dyn FnMut(&HeaderValue) + Send)>,
}

/// `Ok(None)`: the head is not complete yet. `Err`: a message for a malformed head.
pub fn parse(buf: &[u8], head_request: bool, sink: &mut Sink<'_>) -> Result<Option<Head>, String> {
    let mut fields = [httparse::EMPTY_HEADER; MAX_HEADERS];
    match parse_with(&mut fields, buf, head_request, sink) {
        // HttpClient has no field limit: a head with more fields (many cookies) is parsed again
        // with room for them, off the stack.
        Err(Bad::Http(httparse::Error::TooManyHeaders)) => {
            let mut many = vec![httparse::EMPTY_HEADER; MAX_HEADERS_RARE];
            parse_with(&mut many, buf, head_request, sink).map_err(describe)
        }
        r => r.map_err(describe),
    }
}

/// Why a head is malformed: httparse's verdict, or a field we could not accept.
enum Bad {
    Http(httparse::Error),
    Field(&'static str),
}

fn describe(e: Bad) -> String {
    match e {
        Bad::Http(e) => format!("Invalid HTTP response head: {e}"),
        Bad::Field(m) => m.into(),
    }
}

fn parse_with<'b>(
    fields: &mut [httparse::Header<'b>],
    buf: &'b [u8],
    head_request: bool,
    sink: &mut Sink<'_>,
) -> Result<Option<Head>, Bad> {
    let mut r = httparse::Response::new(fields);
    let len = match r.parse(buf) {
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(None),
        Err(e) => return Err(Bad::Http(e)),
    };
    let status = r.code.unwrap_or(0);
    let http10 = r.version == Some(0);
    let reason = r.reason.filter(|s| !s.is_empty()).and_then(|s| {
        let standard = StatusCode::from_u16(status).ok()?.canonical_reason();
        (standard != Some(s)).then(|| Arc::from(s))
    });
    let redirect = matches!(status, 301..=303 | 307 | 308);
    let (mut length, mut chunked, mut te) = (None::<u64>, false, false);
    let (mut close, mut keep) = (false, false);
    let mut coding = Coding::Identity;
    let mut text = sink.all.then(|| status_line(r.version, status, r.reason));
    // A 1xx head's fields are not the response's (HttpClient drops them): only the final head counts.
    let fields = if status < 200 {
        &[][..]
    } else {
        &r.headers[..]
    };
    for f in fields {
        let name = f.name;
        if name.eq_ignore_ascii_case("content-length") {
            let n = parse_length(f.value).ok_or(Bad::Field("Invalid Content-Length header"))?;
            if length.is_some_and(|l| l != n) {
                return Err(Bad::Field("Conflicting Content-Length headers"));
            }
            length = Some(n);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            te = true;
            // The last coding decides; `chunked` anywhere but last means read until close.
            chunked = tokens(f.value)
                .last()
                .is_some_and(|t| t.eq_ignore_ascii_case(b"chunked"));
        } else if name.eq_ignore_ascii_case("connection") {
            close |= tokens(f.value).any(|t| t.eq_ignore_ascii_case(b"close"));
            keep |= tokens(f.value).any(|t| t.eq_ignore_ascii_case(b"keep-alive"));
        } else if name.eq_ignore_ascii_case("content-encoding") {
            coding = Coding::from_header(f.value);
        } else if name.eq_ignore_ascii_case("set-cookie")
            && let (Some(store), Ok(v)) = (sink.cookie.as_mut(), HeaderValue::from_bytes(f.value))
        {
            store(&v);
        }
        if let Some(t) = text.as_mut() {
            t.push_str(name);
            t.push_str(": ");
            t.push_str(&String::from_utf8_lossy(f.value));
            t.push('\n');
        }
        // Fields that are not valid `http` values are skipped (httparse is more lenient).
        if (sink.all || (redirect && name.eq_ignore_ascii_case("location")))
            && let (Ok(n), Ok(v)) = (
                HeaderName::from_bytes(name.as_bytes()),
                HeaderValue::from_bytes(f.value),
            )
        {
            sink.headers.append(n, v);
        }
    }
    let framing = if head_request || status < 200 || status == 204 || status == 304 {
        Framing::None
    } else if te {
        // A length next to a transfer coding is ignored, and the connection is not trusted after it.
        close |= length.is_some();
        if chunked {
            Framing::Chunked
        } else {
            Framing::Close
        }
    } else {
        length.map_or(Framing::Close, Framing::Length)
    };
    // HTTP/1.0 with a transfer coding is faulty framing (RFC 9112 §6.1): never reuse after it.
    close |= framing == Framing::Close || (http10 && (!keep || te)) || status == 101;
    Ok(Some(Head {
        len,
        status,
        http10,
        framing,
        close,
        reason,
        coding,
        text: text.map(String::into_boxed_str),
    }))
}

/// `HTTP/1.1 200 OK` as the server sent it (HttpClient's `StatusLine`), then a newline.
fn status_line(version: Option<u8>, status: u16, reason: Option<&str>) -> String {
    let mut s = format!("HTTP/1.{} {status}", version.unwrap_or(1));
    if let Some(r) = reason.filter(|r| !r.is_empty()) {
        s.push(' ');
        s.push_str(r);
    }
    s.push('\n');
    s
}

fn parse_length(v: &[u8]) -> Option<u64> {
    let v = v.trim_ascii();
    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
        return None;
    }
    std::str::from_utf8(v).ok()?.parse().ok()
}

/// The comma-separated tokens of a field value, trimmed.
fn tokens(v: &[u8]) -> impl Iterator<Item = &[u8]> {
    v.split(|b| *b == b',')
        .map(<[u8]>::trim_ascii)
        .filter(|t| !t.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn head(raw: &str, all: bool) -> (Option<Head>, HeaderMap, Vec<String>) {
        let mut map = HeaderMap::new();
        let mut cookies = Vec::new();
        let mut store = |v: &HeaderValue| cookies.push(v.to_str().unwrap().to_string());
        let mut sink = Sink {
            all,
            headers: &mut map,
            cookie: Some(&mut store),
        };
        let h = parse(raw.as_bytes(), false, &mut sink).unwrap();
        (h, map, cookies)
    }

    #[test]
    fn headers_text_keeps_the_servers_case_and_status_line_only_when_asked() {
        let raw = "HTTP/1.0 404 File not found\r\nContent-Type: text/html\r\nX-Token: a b\r\n\
                   Content-Length: 0\r\n\r\n";
        let (h, map, _) = head(raw, true);
        assert_eq!(
            h.unwrap().text.as_deref(),
            Some(
                "HTTP/1.0 404 File not found\nContent-Type: text/html\nX-Token: a b\n\
                 Content-Length: 0\n"
            )
        );
        assert_eq!(map.get("content-type").unwrap(), "text/html");
        let (h, _, _) = head(raw, false);
        assert_eq!(h.unwrap().text, None);
    }

    #[test]
    fn length_framed_keepalive() {
        let raw = "HTTP/1.1 200 OK\r\nServer: x\r\nContent-Length: 100\r\n\r\nbody";
        let (h, map, _) = head(raw, false);
        let h = h.unwrap();
        assert_eq!(
            (h.status, h.len, h.framing, h.close),
            (200, raw.len() - 4, Framing::Length(100), false)
        );
        assert!(h.reason.is_none());
        assert!(map.is_empty(), "fields are only copied when asked");
        let (_, map, _) = head(raw, true);
        assert_eq!(map["server"], "x");
    }

    #[test]
    fn partial_head_waits() {
        assert!(head("HTTP/1.1 200 OK\r\nContent-Le", false).0.is_none());
    }

    #[test]
    fn chunked_close_and_http10() {
        let h = head(
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
            false,
        )
        .0
        .unwrap();
        assert_eq!((h.framing, h.close), (Framing::Chunked, false));
        let h = head(
            "HTTP/1.1 200 OK\r\nConnection: Close\r\nContent-Length: 0\r\n\r\n",
            false,
        )
        .0
        .unwrap();
        assert!(h.close);
        let h = head("HTTP/1.1 200 OK\r\n\r\n", false).0.unwrap();
        assert_eq!((h.framing, h.close), (Framing::Close, true));
        let h = head("HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", false)
            .0
            .unwrap();
        assert!(h.http10 && h.close);
        let h = head(
            "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n",
            false,
        )
        .0
        .unwrap();
        assert!(!h.close);
    }

    #[test]
    fn no_body_statuses() {
        for s in ["204 No Content", "304 Not Modified", "100 Continue"] {
            let raw = format!("HTTP/1.1 {s}\r\nContent-Length: 5\r\n\r\n");
            assert_eq!(head(&raw, false).0.unwrap().framing, Framing::None, "{s}");
        }
    }

    #[test]
    fn reason_location_and_cookies() {
        let raw = "HTTP/1.1 302 Moved Elsewhere\r\nLocation: /next\r\nSet-Cookie: a=1\r\nSet-Cookie: b=2; Path=/\r\nContent-Length: 0\r\n\r\n";
        let (h, map, cookies) = head(raw, false);
        assert_eq!(h.unwrap().reason.as_deref(), Some("Moved Elsewhere"));
        assert_eq!(map["location"], "/next");
        assert_eq!(map.len(), 1);
        assert_eq!(cookies, ["a=1", "b=2; Path=/"]);
    }

    #[test]
    fn malformed_heads_are_errors() {
        let mut map = HeaderMap::new();
        let mut sink = Sink {
            all: false,
            headers: &mut map,
            cookie: None,
        };
        for raw in [
            "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
            "HTTP/2 200 OK\r\n\r\n",
            "garbage\r\n\r\n",
        ] {
            assert!(parse(raw.as_bytes(), false, &mut sink).is_err(), "{raw:?}");
        }
    }

    /// Seeded mutations of real heads (bytes flipped, cut, duplicated): never a panic.
    #[test]
    fn mutated_heads_never_panic() {
        let seeds: [&[u8]; 3] = [
            b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: keep-alive\r\n\r\n",
            b"HTTP/1.1 302 Found\r\nLocation: /x\r\nSet-Cookie: a=1\r\nTransfer-Encoding: chunked\r\n\r\n",
            b"HTTP/1.0 404 Not Here\r\nContent-Length: 18446744073709551615\r\n\r\n",
        ];
        use rand::{Rng, SeedableRng};
        let mut rng = rand::rngs::StdRng::seed_from_u64(0x9e37_79b9_7f4a_7c15u64);
        let mut rnd = move || rng.random::<u64>();
        let mut map = HeaderMap::new();
        let mut store = |_: &HeaderValue| {};
        for i in 0..20_000 {
            let mut b = seeds[i % seeds.len()].to_vec();
            for _ in 0..1 + rnd() % 4 {
                let at = (rnd() as usize) % b.len();
                match rnd() % 3 {
                    0 => b[at] = rnd() as u8,
                    1 => b.truncate(at.max(1)),
                    _ => b.insert(at, b[at]),
                }
            }
            let mut sink = Sink {
                all: i % 2 == 0,
                headers: &mut map,
                cookie: Some(&mut store),
            };
            let _ = parse(&b, i % 5 == 0, &mut sink);
            map.clear();
        }
    }
}
